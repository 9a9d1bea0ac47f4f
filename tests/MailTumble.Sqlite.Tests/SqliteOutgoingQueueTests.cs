using MailTumble.Core.Queue;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteOutgoingQueueTests : OutgoingQueueContract, IDisposable
{
    private readonly TempDirectory _dir = new();
    private SqliteWriter? _writer;

    protected override Task<IOutgoingQueue> CreateAsync(TimeProvider time, bool reopen)
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "queue.db"));
        _writer = new SqliteWriter(database, 1024);
        return Task.FromResult<IOutgoingQueue>(new SqliteOutgoingQueue(database, _writer, time));
    }

    protected override async Task CloseAsync(IOutgoingQueue queue)
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }
    }

    [Fact]
    public async Task A_full_ingest_channel_refuses_instead_of_waiting()
    {
        var path = Path.Combine(_dir.Path, "small.db");
        var database = new SqliteDatabase(path);
        database.EnsureCreated();
        await using var writer = new SqliteWriter(database, 16);
        var queue = new SqliteOutgoingQueue(database, writer, Time);

        // Another connection holds the write lock, so the writer is stuck on its first batch while enqueues pile up
        // behind it: the channel (16) must fill, and what does not fit is refused at once rather than waiting.
        await using var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        await blocker.OpenAsync();
        await using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        var accepted = new List<Task>();
        var refused = 0;
        for (var i = 0; i < 2000; i++)
        {
            try
            {
                accepted.Add(queue.EnqueueAsync([Item(id: $"burst{i}")], default));
            }
            catch (QueueFullException)
            {
                refused++;
            }
        }

        await using (var rollback = blocker.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        // Every enqueue that was taken lands; at most one writer batch (512) plus the channel was ever taken.
        await Task.WhenAll(accepted).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(refused >= 2000 - 512 - 16, $"only {refused} of 2000 refused");
        Assert.Equal(2000, accepted.Count + refused);
        Assert.Equal(accepted.Count, (await queue.GetStatsAsync(default)).Ready);
        Assert.NotEmpty(accepted);
    }

    [Fact]
    public async Task Concurrent_enqueues_share_commits_and_all_land()
    {
        var queue = Queue;
        var before = _writer!.Commits;
        var tasks = Enumerable.Range(0, 500).Select(i => Task.Run(() => queue.EnqueueAsync([Item(id: $"c{i}")], default)));
        await Task.WhenAll(tasks);
        var commits = _writer.Commits - before;
        Assert.Equal(500, (await queue.GetStatsAsync(default)).Ready);
        Assert.True(commits is > 0 and < 500, $"500 concurrent enqueues took {commits} commits");
    }

    public void Dispose() => _dir.Dispose();
}
