using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Testing.Contracts;

/// <summary>
/// What a family's <see cref="IDeliveryStatusStore"/> must do together with its queue: publish and read back the
/// send-out status, and report the sends its queue logged (the daily quota's history). Subclass once per family.
/// </summary>
public abstract class DeliveryLogContract : IAsyncLifetime
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private (IOutgoingQueue Queue, IDeliveryStatusStore Status) _family;

    /// <summary>Creates the family's queue and status store over one fresh storage.</summary>
    protected abstract Task<(IOutgoingQueue Queue, IDeliveryStatusStore Status)> CreateAsync(TimeProvider time);

    /// <summary>Releases them.</summary>
    protected abstract Task CloseAsync(IOutgoingQueue queue, IDeliveryStatusStore status);

    public async Task InitializeAsync() => _family = await CreateAsync(Time);

    public Task DisposeAsync() => CloseAsync(_family.Queue, _family.Status);

    private OutgoingItem Item() => new(
        Guid.NewGuid().ToString("N"), "m1", "x7g2@mask.example.com", "john@real.example.org", "relay@mask.example.com",
        "Subject: hi\r\n"u8.ToArray(), 13, Time.GetUtcNow(), Time.GetUtcNow() + TimeSpan.FromDays(5));

    [SkippableFact]
    public async Task The_published_status_reads_back()
    {
        Assert.Null(await _family.Status.LoadAsync(default));
        var status = new DeliveryStatus(Time.GetUtcNow(), 7.5, 14, 3, null, null, 12, 1, 0, 50_000, 120);
        await _family.Status.SaveAsync(status, default);
        Assert.Equal(status, await _family.Status.LoadAsync(default));
        var later = status with { UpdatedAt = Time.GetUtcNow() + TimeSpan.FromSeconds(1), Rate = 14 };
        await _family.Status.SaveAsync(later, default);
        Assert.Equal(later, await _family.Status.LoadAsync(default));
    }

    [SkippableFact]
    public async Task Sends_acked_through_the_queue_are_the_history_and_other_outcomes_are_not()
    {
        var (queue, status) = _family;
        var start = Time.GetUtcNow();
        await queue.EnqueueAsync([Item(), Item(), Item()], default);
        var leased = await queue.LeaseAsync(3, TimeSpan.FromMinutes(5), default);
        await queue.AckAsync(leased[0], "sent", default);
        Time.Advance(TimeSpan.FromSeconds(1));
        await queue.AckAsync(leased[1], "sent", default);
        await queue.AckAsync(leased[2], "dropped: alias dead", default);

        Assert.Equal([start, start + TimeSpan.FromSeconds(1)], await status.SentSinceAsync(start, default));
        Assert.Equal([start + TimeSpan.FromSeconds(1)], await status.SentSinceAsync(start + TimeSpan.FromMilliseconds(1), default));
    }
}
