using MailTumble.Core.Queue;
using MailTumble.Testing;

namespace MailTumble.Postgres.Tests;

/// <summary>Several nodes on one queue: what the contract cannot show with one process.</summary>
public sealed class PostgresQueueNodesTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly TestSchema _schema = new();

    [SkippableFact]
    public async Task Nodes_leasing_at_once_never_get_the_same_item()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        var nodes = Enumerable.Range(0, 3).Select(_ => new PostgresOutgoingQueue(_schema.Open(), time)).ToList();
        var items = Enumerable.Range(0, 300).Select(i => Item($"m{i}", lane: $"l{i % 3}.example")).ToList();
        await nodes[0].EnqueueAsync(items, default);

        // Each node leases as fast as it can, half of its calls plain, half per lane, until nothing is left.
        using var start = new Barrier(nodes.Count);
        var leased = await Task.WhenAll(nodes.Select((node, n) => Task.Run(async () =>
        {
            start.SignalAndWait();
            var mine = new List<LeasedItem>();
            for (var round = 0; ; round++)
            {
                var batch = round % 2 == 0
                    ? await node.LeaseAsync(5, TimeSpan.FromMinutes(5), default)
                    : await node.LeaseLanesAsync([new LaneTake("l0.example", 2), new LaneTake("l1.example", 2), new LaneTake("l2.example", 2)], TimeSpan.FromMinutes(5), default);
                if (batch.Count == 0 && (await node.GetStatsAsync(default)).Ready == 0)
                {
                    return mine;
                }

                mine.AddRange(batch);
            }
        })));

        var all = leased.SelectMany(l => l).Select(l => l.Item.Id).ToList();
        Assert.Equal(300, all.Count);
        Assert.Equal(300, all.Distinct(StringComparer.Ordinal).Count());
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task An_ack_racing_another_node_s_ack_of_the_same_message_sees_its_outcome_before_deciding()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        var node = new PostgresOutgoingQueue(_schema.Open(), time);
        var key = $"shared-{Guid.NewGuid():N}";
        await node.EnqueueAsync([Item(key), Item(key)], default);
        var mine = Assert.Single(await node.LeaseAsync(1, TimeSpan.FromMinutes(5), default));

        // Another node acks the message's other delivery: its transaction has removed the row but not committed yet.
        var other = _schema.Open();
        await using var connection = await other.OpenAsync(default);
        await using var transaction = await connection.BeginTransactionAsync();
        await PostgresOutgoingQueue.LockMessageAsync(connection, transaction, key, default);
        await using (var delete = new Npgsql.NpgsqlCommand("DELETE FROM queue WHERE message_key = @key AND id <> @id", connection, transaction))
        {
            delete.Parameters.AddWithValue("key", key);
            delete.Parameters.AddWithValue("id", mine.Item.Id);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        // This ack must wait for it rather than read the other delivery as still there (then neither ack would release the bytes).
        var ack = node.AckAsync(mine, "sent", default);
        await Eventually.TrueAsync(
            async () => await _schema.ScalarAsync($"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = {PostgresDatabase.MessageLock} AND objid = hashtext('{key}')::oid") is > 0L,
            "the ack waits for the other node's transaction");
        Assert.False(ack.IsCompleted);
        await transaction.CommitAsync();
        Assert.True(await ack);
        await node.DisposeAsync();
    }

    private static OutgoingItem Item(string message, string lane = "") => new(
        Id: Guid.NewGuid().ToString("N"),
        MessageKey: message,
        Alias: "x7g2@mask.example.com",
        Recipient: "john@real.example.org",
        EnvelopeFrom: "relay@mask.example.com",
        Headers: "Subject: hi\r\n"u8.ToArray(),
        BodyOffset: 13,
        ReceivedAt: Now,
        ExpiresAt: Now + TimeSpan.FromDays(5),
        Lane: lane);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
