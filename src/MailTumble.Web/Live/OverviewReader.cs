using MailTumble.Core.Delivery;
using MailTumble.Core.Fairness;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.Web.Live;

/// <summary>Reads the queue, the held store and the send-out stage's status for the overview.</summary>
internal sealed class OverviewReader(IServiceProvider services, LiveHistory history, TimeProvider time)
{
    public async Task<OverviewSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var queue = services.GetRequiredService<IOutgoingQueue>();
        var stats = await queue.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        var held = services.GetService<IHeldStore>() is { } store ? await store.CountAsync(HeldQuery.All, cancellationToken).ConfigureAwait(false) : (long?)null;
        var status = await StatusAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var (sent, throttled, failed) = history.RecentRates(10);
        return new OverviewSnapshot(
            now,
            stats.Depth,
            stats.Ready,
            stats.InFlight,
            stats.Deferred,
            stats.DeadLetters,
            held,
            status is not null,
            status?.Rate ?? 0,
            status?.MaxRate ?? 0,
            status?.Concurrency ?? 0,
            sent,
            throttled,
            failed,
            status?.SentLastMinute ?? stats.SentLastMinute ?? 0,
            status?.DailyQuota,
            status?.DailyUsed ?? 0,
            status?.EstimatedDrain(stats.Ready + stats.InFlight)?.TotalSeconds,
            status?.PausedUntil,
            status?.PauseReason);
    }

    /// <summary>The deepest lanes with their shares of the rate in force (as <c>GET /queue/lanes</c>); null without fair share.</summary>
    public async Task<LaneReport?> ReadLanesAsync(int top, CancellationToken cancellationToken)
    {
        if (services.GetService<LaneReporter>() is not { } reporter)
        {
            return null;
        }

        var status = await StatusAsync(cancellationToken).ConfigureAwait(false);
        var rate = LaneReporter.RateFrom(status, services.GetRequiredService<IOptions<DeliveryOptions>>().Value, time.GetUtcNow());
        return await reporter.BuildAsync(top, rate, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>This process's send-out stage when it runs; otherwise what another process last published.</summary>
    private async Task<DeliveryStatus?> StatusAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<DeliveryService>() is { } delivery && services.GetRequiredService<IOptions<DeliveryOptions>>().Value.Enabled)
        {
            return delivery.Status;
        }

        if (services.GetService<IDeliveryStatusStore>() is not { } store)
        {
            return null;
        }

        var status = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        return status is not null && status.IsLive(time.GetUtcNow()) ? status : null;
    }
}
