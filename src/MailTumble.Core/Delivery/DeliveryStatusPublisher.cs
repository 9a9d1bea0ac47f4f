using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Delivery;

/// <summary>
/// The send-out stage's look at the queue: sizes the workers (<see cref="DeliveryConcurrency"/>) and publishes the status
/// for <c>queue stats</c> and the other nodes (<see cref="IDeliveryStatusStore"/>). Four times a second while anything is
/// queued; with an empty queue every three seconds or as soon as something is enqueued in this process or a send worker
/// finds work queued by another (<see cref="QueueSignal.Activity"/>). It counts only the queue's items
/// (<see cref="IOutgoingQueue.GetDepthAsync"/>), not dead letters and deliveries. The status is written when it changed,
/// else every <see cref="Heartbeat"/> so readers see the send-out is alive (<see cref="DeliveryStatus.LiveWithin"/>). At
/// start it seeds the daily quota with what was sent in the last day.
/// </summary>
internal sealed partial class DeliveryStatusPublisher(
    IOutgoingQueue queue,
    SendPacer pacer,
    DeliveryConcurrency concurrency,
    SendOutQueueOutage outage,
    TimeProvider time,
    ILogger<DeliveryService> logger,
    QueueSignal? signal = null,
    IDeliveryStatusStore? statusStore = null)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    // As often as an unchanged status is written anyway (Heartbeat): an idle look more often writes nothing.
    private static readonly TimeSpan IdleInterval = TimeSpan.FromSeconds(3);

    /// <summary>How often an unchanged status is written again (well within <see cref="DeliveryStatus.LiveWithin"/>).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(3);

    private DeliveryStatus? _saved;
    private long _savedAt;

    /// <summary>Counts the last day's sends against the daily quota, when there is one and a status store to ask.</summary>
    public async Task SeedQuotaAsync(CancellationToken stoppingToken)
    {
        if (pacer.Quota is null || statusStore is null)
        {
            return;
        }

        try
        {
            pacer.Quota.Seed(await statusStore.SentSinceAsync(time.GetUtcNow() - TimeSpan.FromDays(1), stoppingToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStatsFailed(logger, ex);
        }
    }

    /// <summary>Looks at the queue until <paramref name="stoppingToken"/> stops it.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var activity = signal?.Activity;
                var idle = false;
                try
                {
                    var depth = await queue.GetDepthAsync(stoppingToken).ConfigureAwait(false);
                    outage.Worked();
                    concurrency.Update(depth, pacer.CurrentRate);
                    idle = depth.Ready + depth.InFlight == 0;
                    if (statusStore is not null)
                    {
                        await SaveAsync(pacer.Snapshot(concurrency.Desired), stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (QueueUnavailableException ex)
                {
                    await outage.FailedAsync(ex, stoppingToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not StorageFullException)
                {
                    LogStatsFailed(logger, ex);
                }
                catch (StorageFullException)
                {
                    // The storage reports a full disk itself, once a minute.
                }

                if (idle && activity is not null)
                {
                    await QueueSignal.WaitForActivityAsync(activity, IdleInterval, time, stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes the status when it changed (the time it was taken aside), or when the last write is a heartbeat old.</summary>
    private async Task SaveAsync(DeliveryStatus status, CancellationToken stoppingToken)
    {
        var unchanged = _saved is not null && _saved == status with { UpdatedAt = _saved.UpdatedAt };
        if (unchanged && time.GetElapsedTime(_savedAt) < Heartbeat)
        {
            return;
        }

        await statusStore!.SaveAsync(status, stoppingToken).ConfigureAwait(false);
        _saved = status;
        _savedAt = time.GetTimestamp();
    }

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning, Message = "Could not read queue statistics")]
    private static partial void LogStatsFailed(ILogger logger, Exception exception);
}
