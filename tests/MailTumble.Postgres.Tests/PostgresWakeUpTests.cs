using MailTumble.Core.Queue;
using MailTumble.Testing;

namespace MailTumble.Postgres.Tests;

public sealed class PostgresWakeUpTests : IAsyncLifetime
{
    private readonly TestSchema _schema = new();
    private readonly TestSchema _otherCluster = new();

    [SkippableFact]
    public async Task Work_queued_on_another_node_wakes_this_one_and_another_cluster_s_does_not()
    {
        var here = new PostgresWakeUp(_schema.Open(), TimeProvider.System);
        var elsewhere = new PostgresOutgoingQueue(_schema.Open(), TimeProvider.System);
        var otherCluster = new PostgresOutgoingQueue(_otherCluster.Open(), TimeProvider.System);
        var wakes = 0;
        using var stop = new CancellationTokenSource();
        var listening = here.ListenAsync(() => Interlocked.Increment(ref wakes), stop.Token);

        // The first wake comes once LISTEN is in place (whatever was queued before it is found then).
        await Eventually.TrueAsync(() => Volatile.Read(ref wakes) == 1, "the listener is in place");

        // Another cluster on the same server (its own schema) queues mail: no wake here. Then this cluster does.
        await otherCluster.EnqueueAsync([Item()], default);
        await elsewhere.EnqueueAsync([Item()], default);
        await Eventually.TrueAsync(() => Volatile.Read(ref wakes) >= 2, "the enqueue on the other node wakes this one");
        Assert.Equal(2, Volatile.Read(ref wakes));

        var leased = await elsewhere.LeaseAsync(1, TimeSpan.FromMinutes(5), default);
        await elsewhere.ReleaseAsync(leased, default);
        await Eventually.TrueAsync(() => Volatile.Read(ref wakes) >= 3, "released work wakes this node too");

        await stop.CancelAsync();
        await listening;
        await elsewhere.DisposeAsync();
        await otherCluster.DisposeAsync();
    }

    private static OutgoingItem Item() => new(
        Guid.NewGuid().ToString("N"), "m1", "x7g2@mask.example.com", "john@real.example.org", "relay@mask.example.com",
        "Subject: hi\r\n"u8.ToArray(), 13, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + TimeSpan.FromDays(5));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _schema.DisposeAsync();
        await _otherCluster.DisposeAsync();
    }
}
