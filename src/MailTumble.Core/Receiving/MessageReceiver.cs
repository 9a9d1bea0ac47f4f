using MailTumble.Core.Counters;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Aliases;
using MailTumble.Core.Fairness;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Receiving;

/// <summary>
/// The store-and-queue step of <see cref="MessageIntake"/>: asks moderation per alias, has <see cref="ReceivePlanner"/>
/// plan the deliveries (rewritten per target), stores the original bytes once and enqueues one item per target, and
/// withdraws what it stored when the message is not accepted after all. Returns only when both are durable, so the
/// caller may answer 250.
/// </summary>
internal sealed partial class MessageReceiver
{
    private readonly IRawStore _raw;
    private readonly StoredMessages _stored;
    private readonly IOutgoingQueue _queue;
    private readonly IHeldStore _held;
    private readonly ModerationPolicy _moderation;
    private readonly ReceivePlanner _planner;
    private readonly QueueSignal _signal;
    private readonly MailTumbleMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageReceiver> _logger;
    private readonly LanePolicy? _lanes;
    private readonly LaneGate? _gate;
    private readonly AliasCounters? _counters;

    /// <summary>Creates the receiver.</summary>
    public MessageReceiver(
        IRawStore raw,
        StoredMessages stored,
        IOutgoingQueue queue,
        IHeldStore held,
        ModerationPolicy moderation,
        ReceivePlanner planner,
        QueueSignal signal,
        MailTumbleMetrics metrics,
        TimeProvider time,
        ILogger<MessageReceiver> logger,
        LanePolicy? lanes = null,
        LaneGate? gate = null,
        AliasCounters? counters = null)
    {
        _counters = counters;
        _lanes = lanes;
        _gate = gate;
        _raw = raw;
        _stored = stored;
        _queue = queue;
        _held = held;
        _moderation = moderation;
        _planner = planner;
        _signal = signal;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Accepts one message for the given aliases. Throws <see cref="QueueFullException"/> under overload,
    /// <see cref="MessageRefusedException"/> when the message cannot be made safe to forward (answer 5xx),
    /// and other exceptions for storage trouble; in all these cases nothing was accepted. A delivery that
    /// has looped through MailTumble too often is accepted but stored as a dead letter, not sent.
    /// Moderation applies per alias: held mail goes to the held store, silently blocked mail is dropped,
    /// and a refusing block throws <see cref="MessageBlockedException"/> (answer 550 5.7.1).
    /// When <paramref name="holdReason"/> is set (an upstream verdict such as SES's spam check) every delivery that the
    /// recipient's own rules would forward goes to the held store instead, with that reason. Blocks and drops still apply:
    /// an operator's rule is never weakened by a verdict.
    /// </summary>
    /// <returns>The key under which the message is stored and what was done per alias.</returns>
    public async Task<Received> ReceiveAsync(string envelopeFrom, IReadOnlyList<AliasRecord> recipients, MessageSource message, string? holdReason, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(recipients.Count);
        var now = _time.GetUtcNow();
        var key = message.StoredKey ?? Guid.CreateVersion7(now).ToString("N");
        var parsed = ParsedMessage.Parse(message.Head, message.Length);
        if (_lanes?.Rule.By == LaneBy.Header && _gate?.AtData(_lanes.Key(envelopeFrom, recipients[0], parsed)) is { } busy)
        {
            // A lane named by a header is only known now: its backpressure is answered at the end of DATA.
            throw new LaneBackpressureException(busy);
        }

        var request = ReceiveRequest.For(envelopeFrom, key, parsed, message.Length, holdReason, now);
        string[] senders = [request.Sender, envelopeFrom];
        var decisions = new List<(AliasRecord, ModerationDecision)>(recipients.Count);
        foreach (var alias in recipients.DistinctBy(a => a.Address))
        {
            decisions.Add((alias, await _moderation.DecideAsync(alias, senders, cancellationToken).ConfigureAwait(false)));
        }

        var plan = _planner.Plan(request, decisions);
        foreach (var moderated in plan.Moderated)
        {
            if (moderated.Verdict == ModerationVerdict.Block)
            {
                LogBlocked(_logger, envelopeFrom, moderated.Alias, moderated.Reason);
            }
            else
            {
                LogDroppedByRule(_logger, envelopeFrom, moderated.Alias, moderated.Reason);
            }

            _counters?.Blocked(moderated.Alias);
        }

        if (plan.Blocked is { } blocked)
        {
            throw new MessageBlockedException(blocked);
        }

        if (plan.Refused is { } refused)
        {
            throw new MessageRefusedException(refused);
        }

        if (!plan.Keeps)
        {
            return new Received(key, Kept: false, plan.Dispositions); // every recipient dropped it silently: nothing to keep
        }

        await PersistAsync(message, key, plan, cancellationToken).ConfigureAwait(false);
        if (plan.NewSenders.Count > 0)
        {
            await RememberAsync(plan.NewSenders).ConfigureAwait(false);
        }

        _metrics.Received(plan.Queued.Count, message.Length);
        if (plan.Queued.Count > 0)
        {
            _signal.Notify();
        }

        foreach (var item in plan.Queued)
        {
            LogQueued(_logger, key, item.Id, envelopeFrom, item.Alias, item.Recipient, message.Length);
        }

        foreach (var h in plan.Held)
        {
            LogHeld(_logger, key, h.Id, h.Sender, h.Item.Alias, h.Reason);
        }

        return new Received(key, Kept: true, plan.Dispositions);
    }

    /// <summary>
    /// Stores the bytes, the held entries and the queued and dead-lettered deliveries (bytes and queued deliveries in one
    /// transaction where the raw store shares the queue's database: <see cref="IQueueingRawStore"/>); when any of it
    /// fails, withdraws what was held and releases the bytes (the sender will try again), then rethrows.
    /// </summary>
    private async Task PersistAsync(MessageSource message, string key, ReceivePlan plan, CancellationToken cancellationToken)
    {
        var heldStored = false;
        try
        {
            // Bytes in memory, deliveries only to queue, and a raw store in the queue's own database: one transaction.
            if (plan.Held.Count == 0 && plan.Loops.Count == 0 && plan.Queued.Count > 0 && message.StoredKey is null
                && _raw is IQueueingRawStore together && message.TryGetContent(out var content) && together.CanStoreWith(_queue, content.Length))
            {
                await together.PutAndEnqueueAsync(key, content, plan.Queued, cancellationToken).ConfigureAwait(false);
                return;
            }

            // The items already name the key: a source that is already stored was asked for its own.
            var stored = await message.StoreAsync(_raw, key, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(stored, key, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the message source stored the message as {stored}, not {key}");
            }

            // Held entries first: a queued delivery may be sent and acked at once, and its ack must see that the
            // stored message is still needed.
            if (plan.Held.Count > 0)
            {
                await _held.HoldAsync(plan.Held, cancellationToken).ConfigureAwait(false);
                heldStored = true;
            }

            if (plan.Queued.Count > 0)
            {
                await _queue.EnqueueAsync(plan.Queued, cancellationToken).ConfigureAwait(false);
            }

            // A loop is kept (an operator can look and replay) but never forwarded again.
            foreach (var (item, reason) in plan.Loops)
            {
                await _queue.EnqueueDeadAsync([item], reason, cancellationToken).ConfigureAwait(false);
                LogLoop(_logger, key, item.Id, item.Alias, item.Recipient, reason);
            }
        }
        catch
        {
            // Not accepted (the sender will try again): withdraw what was held and do not leave the raw bytes behind.
            if (heldStored)
            {
                await WithdrawHeldAsync(plan.Held).ConfigureAwait(false);
            }

            await _stored.ReleaseAsync(key, "not accepted", CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The mail is already accepted: failing to remember only means the sender's next message counts as a
    /// first contact again (held, not lost), so log and carry on rather than fail the transaction.
    /// </summary>
    private async Task RememberAsync(IReadOnlyList<(string Alias, string Sender)> pairs)
    {
        try
        {
            await _moderation.RememberAsync(pairs, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRememberFailed(_logger, ex, pairs.Count);
        }
    }

    private async Task WithdrawHeldAsync(IReadOnlyList<HeldMessage> held)
    {
        try
        {
            var decision = new HeldDecision(HeldState.Rejected, "relay", "not accepted: storing the message failed, the sender was asked to retry", _time.GetUtcNow());
            await _held.RejectAsync(new HeldQuery(Ids: held.Select(h => h.Id).ToList()), decision, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogWithdrawFailed(_logger, held[0].Item.MessageKey, ex);
        }
    }

    [LoggerMessage(EventId = 1180, Level = LogLevel.Warning, Message = "Message {Key} was not accepted, and its held entries could not be withdrawn; they will show as held with a missing stored message")]
    private static partial void LogWithdrawFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 1181, Level = LogLevel.Warning, Message = "Could not remember {Count} new sender(s) for first-contact moderation; their next message will be held again")]
    private static partial void LogRememberFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 1182, Level = LogLevel.Information, Message = "Held message {MessageKey} delivery {DeliveryId}: from=<{From}> alias=<{Alias}>: {Reason}")]
    private static partial void LogHeld(ILogger logger, string messageKey, string deliveryId, string from, string alias, string reason);

    [LoggerMessage(EventId = 1183, Level = LogLevel.Information, Message = "Blocked message from <{From}> for alias <{Alias}> (not forwarded to it; refused when every recipient blocks it): {Reason}")]
    private static partial void LogBlocked(ILogger logger, string from, string alias, string reason);

    [LoggerMessage(EventId = 1184, Level = LogLevel.Information, Message = "Dropped message from <{From}> to alias <{Alias}> silently: {Reason}")]
    private static partial void LogDroppedByRule(ILogger logger, string from, string alias, string reason);

    [LoggerMessage(EventId = 1185, Level = LogLevel.Information, Message = "Queued message {MessageKey} delivery {DeliveryId}: from=<{From}> alias=<{Alias}> to=<{Target}> size={Size}")]
    private static partial void LogQueued(ILogger logger, string messageKey, string deliveryId, string from, string alias, string target, long size);

    [LoggerMessage(EventId = 1186, Level = LogLevel.Warning, Message = "Dead-lettered message {MessageKey} delivery {DeliveryId} alias=<{Alias}> to=<{Target}>: {Reason}")]
    private static partial void LogLoop(ILogger logger, string messageKey, string deliveryId, string alias, string target, string reason);
}
