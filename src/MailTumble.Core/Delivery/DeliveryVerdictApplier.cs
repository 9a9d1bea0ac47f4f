using MailTumble.Core.Feedback;
using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Sending;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Delivery;

/// <summary>
/// Carries out a <see cref="DeliveryVerdict"/> on the queue (ack, retry, dead letter), the stored message (released once
/// no delivery needs it), the feedback store (who a sent delivery was for) and the pacer (pauses), with one log line per
/// event. Logs under the <see cref="DeliveryService"/> category, as the send-out stage always has.
/// </summary>
internal sealed partial class DeliveryVerdictApplier(IOutgoingQueue queue, StoredMessages stored, SendPacer pacer, ILogger<DeliveryService> logger, IFeedbackStore? feedback = null)
{
    /// <summary>
    /// Applies the verdict for <paramref name="leased"/>; <paramref name="result"/> is the send result it judged (null
    /// before a send), <paramref name="now"/> when it was judged. Never cancelled: a send that happened must be recorded.
    /// </summary>
    public async Task ApplyAsync(LeasedItem leased, DeliveryVerdict verdict, SendResult? result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(leased);
        ArgumentNullException.ThrowIfNull(verdict);
        var item = leased.Item;
        switch (verdict.Action)
        {
            case DeliveryAction.Sent:
                await RecordSentAsync(item, verdict.Target, result!, now).ConfigureAwait(false);
                var released = await queue.AckAsync(leased, "sent", CancellationToken.None).ConfigureAwait(false);
                LogSent(logger, item.Id, item.Alias, verdict.Target, verdict.Reason);
                if (released)
                {
                    await stored.ReleaseAsync(item.MessageKey, "sent", CancellationToken.None).ConfigureAwait(false);
                }

                break;
            case DeliveryAction.Retry:
                Notify(item, verdict);
                if (verdict.PauseUntil is { } until)
                {
                    pacer.PauseUntil(until, verdict.PauseReason!);
                }

                await queue.RetryAsync(leased, verdict.NotBefore, verdict.Reason, CancellationToken.None).ConfigureAwait(false);
                break;
            case DeliveryAction.DeadLetter:
                await queue.DeadLetterAsync(leased, verdict.Reason, CancellationToken.None).ConfigureAwait(false);
                LogDeadLettered(logger, item.Id, item.Alias, item.Recipient, verdict.Reason);
                break;
            case DeliveryAction.Drop:
                if (await queue.AckAsync(leased, "dropped: " + verdict.Reason, CancellationToken.None).ConfigureAwait(false))
                {
                    await stored.ReleaseAsync(item.MessageKey, "dropped: " + verdict.Reason, CancellationToken.None).ConfigureAwait(false);
                }

                LogDropped(logger, item.Id, item.Alias, verdict.Reason);
                break;
            default:
                throw new InvalidOperationException($"a {verdict.Action} verdict is not applied to the queue");
        }
    }

    private void Notify(OutgoingItem item, DeliveryVerdict verdict)
    {
        switch (verdict.Notice)
        {
            case DeliveryNotice.Throttled:
                LogThrottled(logger, item.Id, verdict.Reason, pacer.CurrentRate);
                break;
            case DeliveryNotice.QuotaSpent:
                LogQuota(logger, verdict.Reason);
                break;
            case DeliveryNotice.Unreachable:
                LogUnreachable(logger, verdict.Reason, verdict.Delay);
                break;
            case DeliveryNotice.Deferred:
                LogDeferred(logger, item.Id, verdict.Target, verdict.Reason, verdict.Delay);
                break;
        }
    }

    /// <summary>Remembers who a sent delivery was for, before the queue forgets it; a failure here must not resend the message.</summary>
    private async Task RecordSentAsync(OutgoingItem item, string target, SendResult result, DateTimeOffset now)
    {
        if (feedback is null)
        {
            return;
        }

        try
        {
            await feedback.RecordDeliveryAsync(new SentDelivery(item.Id, item.Alias, target, result.ProviderMessageId, now), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogRecordFailed(logger, ex, item.Id);
        }
    }

    [LoggerMessage(EventId = 1060, Level = LogLevel.Information, Message = "Sent delivery {DeliveryId} alias=<{Alias}> to=<{Target}>: {Reply}")]
    private static partial void LogSent(ILogger logger, string deliveryId, string alias, string target, string reply);

    [LoggerMessage(EventId = 1061, Level = LogLevel.Warning, Message = "Deferred delivery {DeliveryId} to=<{Target}> for {Delay}: {Reply}")]
    private static partial void LogDeferred(ILogger logger, string deliveryId, string target, string reply, TimeSpan delay);

    [LoggerMessage(EventId = 1062, Level = LogLevel.Warning, Message = "Provider throttled delivery {DeliveryId} ({Reply}); send rate now {Rate:0.##}/s")]
    private static partial void LogThrottled(ILogger logger, string deliveryId, string reply, double rate);

    [LoggerMessage(EventId = 1063, Level = LogLevel.Warning, Message = "Provider quota spent ({Reply}); sending paused for a minute")]
    private static partial void LogQuota(ILogger logger, string reply);

    [LoggerMessage(EventId = 1064, Level = LogLevel.Warning, Message = "Provider unreachable ({Reply}); pausing sends for {Pause}, then probing again")]
    private static partial void LogUnreachable(ILogger logger, string reply, TimeSpan pause);

    [LoggerMessage(EventId = 1065, Level = LogLevel.Error, Message = "Dead-lettered delivery {DeliveryId} alias=<{Alias}> to=<{Target}>: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string deliveryId, string alias, string target, string reason);

    [LoggerMessage(EventId = 1066, Level = LogLevel.Information, Message = "Dropped delivery {DeliveryId} alias=<{Alias}>: {Reason}")]
    private static partial void LogDropped(ILogger logger, string deliveryId, string alias, string reason);

    [LoggerMessage(EventId = 1067, Level = LogLevel.Warning, Message = "Could not record sent delivery {DeliveryId}; feedback about it will not be attributed")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string deliveryId);
}
