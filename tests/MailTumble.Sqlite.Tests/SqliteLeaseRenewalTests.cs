using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Sqlite.Tests;

/// <summary>A worker still sending its batch keeps the lease; a hung one loses it after the maximum hold.</summary>
public sealed class SqliteLeaseRenewalTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private SqliteWriter _writer = null!;
    private SqliteOutgoingQueue _queue = null!;

    public Task InitializeAsync()
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "queue.db"));
        _writer = new SqliteWriter(database, 1024);
        _queue = new SqliteOutgoingQueue(database, _writer, _time, maxLeaseHold: TimeSpan.FromSeconds(60));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _queue.DisposeAsync();
        await _writer.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_lease_held_by_a_live_worker_outlasts_its_visibility_and_ends_with_the_batch()
    {
        await _queue.EnqueueAsync([Item("a"), Item("b")], default);
        var batch = await _queue.LeaseAsync(2, Lease, default);
        Assert.Equal(2, batch.Count);

        // Three lease lengths later the items are still leased: no second worker gets them.
        await PassAsync(Lease * 3);
        Assert.Empty(await _queue.LeaseAsync(2, Lease, default));
        Assert.True(_queue.LeaseRenewals >= 5, $"renewed {_queue.LeaseRenewals} times");

        // Once the batch is done the keeper lets go of it.
        await _queue.AckAsync(batch[0], "sent", default);
        await _queue.AckAsync(batch[1], "sent", default);
        var renewals = _queue.LeaseRenewals;
        await PassAsync(Lease * 2);
        Assert.Equal(renewals, _queue.LeaseRenewals);
        Assert.Equal(0, (await _queue.GetStatsAsync(default)).Depth);
    }

    [Fact]
    public async Task A_finished_batch_is_not_watched_any_more_while_an_unfinished_one_is_still_renewed()
    {
        await _queue.EnqueueAsync([Item("a"), Item("b"), Item("c")], default);
        var finished = await _queue.LeaseAsync(2, Lease, default);
        var open = Assert.Single(await _queue.LeaseAsync(2, Lease, default));
        Assert.Equal(2, finished.Count);
        await _queue.AckAsync(finished[0], "sent", default);
        await _queue.AckAsync(finished[1], "sent", default);
        Assert.Equal(2, _queue.LeasesWatched);
        _queue.Finished(finished);

        // The finished batch's token is let go at once (before, it stayed until half its lease had passed and a renewal
        // write found nothing under it); the open batch is still renewed.
        Assert.Equal(1, _queue.LeasesWatched);
        await PassAsync(Lease);
        Assert.True(_queue.LeaseRenewals >= 1, $"renewed {_queue.LeaseRenewals} times");
        Assert.Equal(1, _queue.LeasesWatched);
        Assert.Empty(await _queue.LeaseAsync(2, Lease, default));
        await _queue.AckAsync(open, "sent", default);
    }

    [Fact]
    public async Task A_worker_past_the_maximum_hold_is_presumed_hung_and_its_items_become_due_again()
    {
        await _queue.EnqueueAsync([Item("a")], default);
        var first = Assert.Single(await _queue.LeaseAsync(1, Lease, default));

        await PassAsync(TimeSpan.FromSeconds(60) + Lease + TimeSpan.FromSeconds(2));
        var again = Assert.Single(await _queue.LeaseAsync(1, Lease, default));
        Assert.Equal(first.Item.Id, again.Item.Id);
        Assert.NotEqual(first.LeaseToken, again.LeaseToken);
    }

    /// <summary>Moves the fake clock a second at a time, letting the keeper's tick and its write run.</summary>
    private async Task PassAsync(TimeSpan span)
    {
        for (var passed = TimeSpan.Zero; passed < span; passed += TimeSpan.FromSeconds(1))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }
    }

    private OutgoingItem Item(string id) => new(
        Id: id,
        MessageKey: "m1",
        Alias: "x7g2@mask.example.com",
        Recipient: "john@real.example.org",
        EnvelopeFrom: "relay@mask.example.com",
        Headers: "From: a@b.example\r\nSubject: hi\r\n"u8.ToArray(),
        BodyOffset: 42,
        ReceivedAt: _time.GetUtcNow(),
        ExpiresAt: _time.GetUtcNow().AddDays(5));
}
