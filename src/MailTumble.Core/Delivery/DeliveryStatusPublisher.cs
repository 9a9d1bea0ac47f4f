using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Delivery;

/// <summary>
/// The send-out stage's look at the queue, four times a second: sizes the workers (<see cref="DeliveryConcurrency"/>)
/// and publishes the status for <c>queue stats</c> and the other nodes (<see cref="IDeliveryStatusStore"/>). At start it
/// seeds the daily quota with what was sent in the last day.
/// </summary>
internal sealed partial class DeliveryStatusPublisher(
    IOutgoingQueue queue,
    SendPacer pacer,
    DeliveryConcurrency concurrency,
    SendOutQueueOutage outage,
    TimeProvider time,
    ILogger<DeliveryService> logger,
    IDeliveryStatusStore? statusStore = null)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

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
                try
                {
                    var stats = await queue.GetStatsAsync(stoppingToken).ConfigureAwait(false);
                    outage.Worked();
                    concurrency.Update(stats, pacer.CurrentRate);
                    if (statusStore is not null)
                    {
                        await statusStore.SaveAsync(pacer.Snapshot(concurrency.Desired), stoppingToken).ConfigureAwait(false);
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

                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1050, Level = LogLevel.Warning, Message = "Could not read queue statistics")]
    private static partial void LogStatsFailed(ILogger logger, Exception exception);
}
