using MailTumble.Core.Queue;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Testing.Contracts;

/// <summary>What every <see cref="IOutgoingQueue"/> adapter must do. Subclass once per adapter.</summary>
public abstract partial class OutgoingQueueContract : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    protected IOutgoingQueue Queue { get; private set; } = null!;

    /// <summary>The lease the tests take. Adapters on a real clock (SQS) use a short one.</summary>
    protected virtual TimeSpan Lease => TimeSpan.FromMinutes(5);

    /// <summary>The retry delay the retry test uses. Adapters on a real clock (SQS) use a short one.</summary>
    protected virtual TimeSpan RetryDelay => TimeSpan.FromMinutes(1);

    /// <summary>Whether the queue counts deliveries across processes (<see cref="QueueStats.SentLastMinute"/>); SQS cannot.</summary>
    protected virtual bool CountsDeliveries => true;

    /// <summary>
    /// Lets <paramref name="span"/> pass for the adapter. By default only the fake clock moves; an adapter whose
    /// server keeps its own clock (SQS visibility timeouts, DelaySeconds) also waits for real.
    /// </summary>
    protected virtual Task PassAsync(TimeSpan span)
    {
        Time.Advance(span);
        return Task.CompletedTask;
    }

    /// <summary>Creates the adapter under test over fresh storage; <paramref name="reopen"/> reopens the same storage.</summary>
    protected abstract Task<IOutgoingQueue> CreateAsync(TimeProvider time, bool reopen);

    /// <summary>Releases the adapter (and flushes it).</summary>
    protected abstract Task CloseAsync(IOutgoingQueue queue);

    public async Task InitializeAsync() => Queue = await CreateAsync(Time, reopen: false);

    public Task DisposeAsync() => CloseAsync(Queue);

    protected OutgoingItem Item(string message = "m1", string? id = null, int priority = 0, string lane = "", bool bulk = false) => new(
        Id: id ?? Guid.NewGuid().ToString("N"),
        MessageKey: message,
        Alias: "x7g2@mask.example.com",
        Recipient: "john@real.example.org",
        EnvelopeFrom: "relay@mask.example.com",
        Headers: "From: a@b.example\r\nSubject: hi\r\n"u8.ToArray(),
        BodyOffset: 42,
        ReceivedAt: Time.GetUtcNow(),
        ExpiresAt: Time.GetUtcNow() + TimeSpan.FromDays(5),
        Priority: priority,
        Lane: lane,
        Bulk: bulk);

    [SkippableFact]
    public async Task Enqueued_items_are_leased_once_with_their_content()
    {
        var item = Item();
        await Queue.EnqueueAsync([item], default);

        var leased = Assert.Single(await Queue.LeaseAsync(10, Lease, default));
        Assert.Equal(item.Id, leased.Item.Id);
        Assert.Equal(item.MessageKey, leased.Item.MessageKey);
        Assert.Equal(item.Recipient, leased.Item.Recipient);
        Assert.Equal(item.EnvelopeFrom, leased.Item.EnvelopeFrom);
        Assert.Equal(item.Headers.ToArray(), leased.Item.Headers.ToArray());
        Assert.Equal(42, leased.Item.BodyOffset);
        Assert.Equal(0, leased.Attempts);
        Assert.Empty(await Queue.LeaseAsync(10, Lease, default));
    }

    [SkippableFact]
    public async Task Lease_respects_the_batch_size_and_oldest_first()
    {
        var items = Enumerable.Range(0, 5).Select(i => Item(id: $"item{i}")).ToList();
        foreach (var item in items)
        {
            await Queue.EnqueueAsync([item], default);
            Time.Advance(TimeSpan.FromMilliseconds(10));
        }

        var first = await Queue.LeaseAsync(3, Lease, default);
        Assert.Equal(["item0", "item1", "item2"], first.Select(l => l.Item.Id));
        var rest = await Queue.LeaseAsync(3, Lease, default);
        Assert.Equal(["item3", "item4"], rest.Select(l => l.Item.Id));
    }

    [SkippableFact]
    public async Task An_expired_lease_is_delivered_again_with_the_same_id()
    {
        var item = Item();
        await Queue.EnqueueAsync([item], default);
        var first = Assert.Single(await Queue.LeaseAsync(1, Lease, default));

        await PassAsync(Lease - TimeSpan.FromSeconds(1));
        Assert.Empty(await Queue.LeaseAsync(1, Lease, default));
        await PassAsync(TimeSpan.FromSeconds(2));
        var again = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        Assert.Equal(item.Id, again.Item.Id);
        Assert.NotEqual(first.LeaseToken, again.LeaseToken);

        // The first worker's late ack must not remove the item the second worker holds.
        await Queue.AckAsync(first, "sent", default);
        Assert.Equal(1, (await Queue.GetStatsAsync(default)).InFlight);
        Assert.True(await Queue.AckAsync(again, "sent", default));
        Assert.Equal(0, (await Queue.GetStatsAsync(default)).Depth);
    }

    [SkippableFact]
    public async Task Ack_reports_when_the_last_delivery_of_a_message_is_done()
    {
        await Queue.EnqueueAsync([Item("shared", "a"), Item("shared", "b")], default);
        var leased = await Queue.LeaseAsync(2, Lease, default);
        Assert.Equal(2, leased.Count);

        Assert.False(await Queue.AckAsync(leased[0], "sent", default));
        Assert.True(await Queue.AckAsync(leased[1], "sent", default));
        Assert.Equal(CountsDeliveries ? 2 : null, (await Queue.GetStatsAsync(default)).SentLastMinute);
    }

    [SkippableFact]
    public async Task Retry_hides_the_item_until_its_time_and_counts_the_attempt()
    {
        await Queue.EnqueueAsync([Item()], default);
        var leased = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        await Queue.RetryAsync(leased, Time.GetUtcNow() + RetryDelay, "451 4.3.0 try later", default);

        var stats = await Queue.GetStatsAsync(default);
        Assert.Equal((0, 0, 1), (stats.Ready, stats.InFlight, stats.Deferred));
        Assert.Empty(await Queue.LeaseAsync(1, Lease, default));
        Assert.Equal(Time.GetUtcNow() + RetryDelay, await Queue.NextDueAsync(default));

        await PassAsync(RetryDelay);
        var again = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        Assert.Equal(1, again.Attempts);
        Assert.Equal("451 4.3.0 try later", again.LastError);
    }

    [SkippableFact]
    public async Task Dead_letters_keep_the_reason_and_can_be_replayed()
    {
        var item = Item();
        await Queue.EnqueueAsync([item], default);
        var leased = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        await Queue.DeadLetterAsync(leased, "550 5.1.1 user unknown", default);

        Assert.Empty(await Queue.LeaseAsync(1, Lease, default));
        var dead = Assert.Single(await Queue.ListDeadAsync(10, default));
        Assert.Equal(item.Id, dead.Item.Id);
        Assert.Equal("550 5.1.1 user unknown", dead.Reason);
        Assert.Equal(1, (await Queue.GetStatsAsync(default)).DeadLetters);

        Assert.Equal(1, await Queue.ReplayDeadAsync([item.Id], default));
        Assert.Empty(await Queue.ListDeadAsync(10, default));
        Assert.Equal(item.Id, Assert.Single(await Queue.LeaseAsync(1, Lease, default)).Item.Id);
    }

    [SkippableFact]
    public async Task Items_enqueued_dead_are_never_leased_but_listed_with_the_reason_and_replayable()
    {
        var item = Item();
        await Queue.EnqueueDeadAsync([item], "mail loop", default);

        Assert.Empty(await Queue.LeaseAsync(10, Lease, default));
        var dead = Assert.Single(await Queue.ListDeadAsync(10, default));
        Assert.Equal(item.Id, dead.Item.Id);
        Assert.Equal(item.Headers.ToArray(), dead.Item.Headers.ToArray());
        Assert.Equal("mail loop", dead.Reason);
        Assert.Equal(1, (await Queue.GetStatsAsync(default)).DeadLetters);
        Assert.Equal(1, await Queue.ReplayDeadAsync([item.Id], default));
        Assert.Equal(item.Id, Assert.Single(await Queue.LeaseAsync(1, Lease, default)).Item.Id);
    }

    [SkippableFact]
    public async Task Released_items_are_due_at_once()
    {
        await Queue.EnqueueAsync([Item(), Item()], default);
        var leased = await Queue.LeaseAsync(2, Lease, default);
        await Queue.ReleaseAsync(leased, default);
        Assert.Equal(2, (await Queue.LeaseAsync(5, Lease, default)).Count);
    }

    [SkippableFact]
    public async Task Stats_count_ready_in_flight_and_deferred()
    {
        await Queue.EnqueueAsync([Item(), Item(), Item()], default);
        var one = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        var two = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        await Queue.RetryAsync(two, Time.GetUtcNow() + TimeSpan.FromHours(1), "later", default);
        var stats = await Queue.GetStatsAsync(default);
        Assert.Equal((1L, 1L, 1L, 3L), (stats.Ready, stats.InFlight, stats.Deferred, stats.Depth));
        _ = one;
    }

    [SkippableFact]
    public async Task Depth_counts_the_ready_in_flight_and_deferred_items_the_stats_count()
    {
        await AgreeAsync((0, 0, 0), "empty");
        await Queue.EnqueueAsync([Item(), Item(), Item(), Item()], default);
        await AgreeAsync((4, 0, 0), "after four were enqueued");
        var leased = await Queue.LeaseAsync(3, Lease, default);
        Assert.Equal(3, leased.Count);
        await AgreeAsync((1, 3, 0), "after three were leased");
        await Queue.RetryAsync(leased[0], Time.GetUtcNow() + TimeSpan.FromHours(1), "later", default);
        await AgreeAsync((1, 2, 1), "after one was put back for a retry");
        await Queue.AckAsync(leased[1], "sent", default);
        await AgreeAsync((1, 1, 1), "after one was acknowledged");

        async Task AgreeAsync((long Ready, long InFlight, long Deferred) expected, string when)
        {
            var stats = await Queue.GetStatsAsync(default);
            var depth = await Queue.GetDepthAsync(default);
            Assert.True(expected == (stats.Ready, stats.InFlight, stats.Deferred), $"stats {when}: {stats}");
            Assert.True(expected == (depth.Ready, depth.InFlight, depth.Deferred), $"depth {when}: {depth}");
            Assert.Equal(stats.Depth, depth.Total);
        }
    }

    [SkippableFact]
    public async Task Enqueued_items_survive_reopening_the_store()
    {
        var item = Item();
        await Queue.EnqueueAsync([item], default);
        await CloseAsync(Queue);

        Queue = await CreateAsync(Time, reopen: true);
        Assert.Equal(item.Id, Assert.Single(await Queue.LeaseAsync(1, Lease, default)).Item.Id);
    }
}
