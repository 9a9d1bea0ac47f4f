using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Sqlite.Tests;

/// <summary>The SQLite queue's lanes beyond the contract: old files, query plans, and the lane table kept by triggers.</summary>
public sealed class SqliteQueueLaneTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_database_file_from_before_lanes_opens_and_its_mail_joins_the_lane_without_a_key()
    {
        var path = Path.Combine(_dir.Path, "old.db");
        await using (var old = new SqliteConnection($"Data Source={path}"))
        {
            await old.OpenAsync();
            await using var create = old.CreateCommand();

            // The queue, dead-letter and held tables as main created them before lanes existed.
            create.CommandText = """
                CREATE TABLE queue (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, message_key TEXT NOT NULL,
                    alias TEXT NOT NULL, recipient TEXT NOT NULL, envelope_from TEXT NOT NULL, headers BLOB NOT NULL,
                    body_offset INTEGER NOT NULL, received_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
                    priority INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_token TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
                CREATE INDEX queue_due ON queue(due_at);
                CREATE TABLE dead_letters (id TEXT PRIMARY KEY, message_key TEXT NOT NULL, alias TEXT NOT NULL, recipient TEXT NOT NULL,
                    envelope_from TEXT NOT NULL, headers BLOB NOT NULL, body_offset INTEGER NOT NULL, received_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL, priority INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL, reason TEXT NOT NULL,
                    dead_at INTEGER NOT NULL) WITHOUT ROWID;
                CREATE TABLE held (id TEXT PRIMARY KEY, message_key TEXT NOT NULL, alias TEXT NOT NULL, recipient TEXT NOT NULL,
                    envelope_from TEXT NOT NULL, headers BLOB NOT NULL, body_offset INTEGER NOT NULL, received_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL, priority INTEGER NOT NULL DEFAULT 0, sender TEXT NOT NULL, envelope_sender TEXT NOT NULL,
                    subject TEXT NOT NULL, size INTEGER NOT NULL, reason TEXT NOT NULL, held_at INTEGER NOT NULL,
                    state TEXT NOT NULL DEFAULT 'held', decided_at INTEGER, decided_by TEXT, decision_reason TEXT);
                INSERT INTO queue (id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at, expires_at, due_at)
                    VALUES ('old1', 'm', 'a@mask.example.com', 't@real.example.org', 'b@mask.example.com', x'00', 0, 1, 9999999999999, 1),
                           ('old2', 'm', 'a@mask.example.com', 't@real.example.org', 'b@mask.example.com', x'00', 0, 2, 9999999999999, 2);
                INSERT INTO dead_letters (id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at, expires_at, attempts, reason, dead_at)
                    VALUES ('dead1', 'm', 'a@mask.example.com', 't@real.example.org', 'b@mask.example.com', x'00', 0, 1, 9999999999999, 1, '550 no', 5);
                """;
            await create.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        var database = new SqliteDatabase(path);
        await using var writer = new SqliteWriter(database, 64);
        var queue = new SqliteOutgoingQueue(database, writer, _time);

        var census = await queue.GetLaneCensusAsync(new LaneCensusQuery(10), default);
        Assert.Equal((1L, 1L), (census.Lanes, census.DueLanes));
        Assert.Equal(new LaneDepth(string.Empty, 2, true), Assert.Single(census.Entries));
        Assert.Equal([string.Empty], await queue.ListDueLanesAsync(null, 10, default));
        var leased = await queue.LeaseLanesAsync([new LaneTake(string.Empty, 10)], TimeSpan.FromMinutes(5), default);
        Assert.Equal(["old1", "old2"], leased.Select(l => l.Item.Id));
        Assert.All(leased, l => Assert.Equal((string.Empty, false), (l.Item.Lane, l.Item.Bulk)));
        Assert.Equal(string.Empty, Assert.Single(await queue.ListDeadAsync(10, default)).Item.Lane);

        // New mail gets its lane next to the old.
        await queue.EnqueueAsync([Item("new1", "shop.example")], default);
        Assert.Equal(["shop.example"], await queue.ListDueLanesAsync(null, 10, default));
        Assert.Equal(1, await queue.ReplayDeadAsync(null, default));
        Assert.Equal([string.Empty, "shop.example"], await queue.ListDueLanesAsync(null, 10, default));

        // Opening again (a second process, a restart) changes nothing.
        SqliteConnection.ClearAllPools();
        var again = new SqliteDatabase(path);
        again.EnsureCreated();
        Assert.Equal(4, (await queue.GetLaneCensusAsync(new LaneCensusQuery(10), default)).Entries.Sum(e => e.Depth));
    }

    [Theory]
    [InlineData(SqliteOutgoingQueue.LaneLeaseSql)]
    [InlineData(SqliteOutgoingQueue.DueLanesSql)]
    [InlineData(SqliteOutgoingQueue.DueLanesAfterSql)]
    public async Task Lane_queries_search_indexes_and_never_scan_the_queue(string sql)
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "plan.db"));
        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in (string[])["$lane", "$bulk", "$now", "$max", "$limit", "$after"])
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.AddWithValue(name, 1);
            }
        }

        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        var text = string.Join(" | ", plan);
        Assert.DoesNotContain("SCAN queue", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE", text, StringComparison.Ordinal);
        if (sql.Contains("FROM queue", StringComparison.Ordinal))
        {
            Assert.Contains("SEARCH queue USING INDEX queue_lane", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_lane_table_matches_the_queue_after_any_mix_of_operations()
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "mix.db"));
        await using var writer = new SqliteWriter(database, 1024);
        var queue = new SqliteOutgoingQueue(database, writer, _time);
        var random = new Random(12);
        var lanes = new[] { "a.example", "b.example", "c.example", string.Empty };
        var held = new List<LeasedItem>();
        for (var step = 0; step < 3000; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 400)));
            switch (random.Next(7))
            {
                case 0 or 1:
                    await queue.EnqueueAsync([Item($"i{step}", lanes[random.Next(lanes.Length)], bulk: random.Next(4) == 0, priority: random.Next(10) == 0 ? 1 : 0)], default);
                    break;
                case 2:
                    held.AddRange(await queue.LeaseLanesAsync([new LaneTake(lanes[random.Next(lanes.Length)], random.Next(1, 4))], TimeSpan.FromSeconds(random.Next(1, 30)), default));
                    break;
                case 3:
                    held.AddRange(await queue.LeaseAsync(random.Next(1, 3), TimeSpan.FromSeconds(5), default));
                    break;
                case 4 when held.Count > 0:
                    await queue.AckAsync(Take(held, random), "sent", default);
                    break;
                case 5 when held.Count > 0:
                    await queue.RetryAsync(Take(held, random), _time.GetUtcNow() + TimeSpan.FromSeconds(random.Next(0, 20)), "later", default);
                    break;
                case 6 when held.Count > 0:
                    if (random.Next(2) == 0)
                    {
                        await queue.ReleaseAsync([Take(held, random)], default);
                    }
                    else
                    {
                        await queue.DeadLetterAsync(Take(held, random), "no", default);
                        await queue.ReplayDeadAsync(random.Next(3) == 0 ? null : [], default);
                    }

                    break;
            }
        }

        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COUNT(*) FROM (SELECT lane, COUNT(*), MIN(due_at) FROM queue GROUP BY lane EXCEPT SELECT lane, depth, next_due FROM lanes))
                 + (SELECT COUNT(*) FROM (SELECT lane, depth, next_due FROM lanes EXCEPT SELECT lane, COUNT(*), MIN(due_at) FROM queue GROUP BY lane))
            """;
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        command.CommandText = "SELECT COUNT(*) FROM lanes";
        Assert.True((long)(await command.ExecuteScalarAsync())! > 0);
    }

    private static LeasedItem Take(List<LeasedItem> held, Random random)
    {
        var index = random.Next(held.Count);
        var item = held[index];
        held.RemoveAt(index);
        return item;
    }

    private OutgoingItem Item(string id, string lane, bool bulk = false, int priority = 0) => new(
        id, "m-" + id, "a@mask.example.com", "t@real.example.org", "b@mask.example.com", "Subject: x\r\n"u8.ToArray(), 0,
        _time.GetUtcNow(), _time.GetUtcNow() + TimeSpan.FromDays(5), priority, lane, bulk);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
