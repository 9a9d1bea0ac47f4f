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
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "small.db"));
        database.EnsureCreated();
        await using var writer = new SqliteWriter(database, 16);
        var queue = new SqliteOutgoingQueue(database, writer, Time);

        // Far more concurrent enqueues than the channel holds: some must be refused with QueueFullException, none lost.
        var attempts = Enumerable.Range(0, 2000).Select(i => Task.Run(async () =>
        {
            try
            {
                await queue.EnqueueAsync([Item(id: $"burst{i}")], default);
                return true;
            }
            catch (QueueFullException)
            {
                return false;
            }
        })).ToList();
        var results = await Task.WhenAll(attempts);

        var accepted = results.Count(ok => ok);
        Assert.Equal(accepted, (await queue.GetStatsAsync(default)).Ready);
        Assert.True(accepted > 0);
    }

    [Fact]
    public async Task Concurrent_enqueues_share_commits_and_all_land()
    {
        var tasks = Enumerable.Range(0, 500).Select(i => Queue.EnqueueAsync([Item(id: $"c{i}")], default));
        await Task.WhenAll(tasks);
        Assert.Equal(500, (await Queue.GetStatsAsync(default)).Ready);
    }

    public void Dispose() => _dir.Dispose();
}
