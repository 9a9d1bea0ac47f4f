using MailTumble.Core.Bounces;
using MailTumble.Core.Counters;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Aliases;
using MailTumble.Core.Fairness;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Receiving;

/// <summary>
/// The store-and-queue step of <see cref="MessageIntake"/>: decides moderation per alias, rewrites the header block per
/// target, stores the original bytes once and enqueues one item per target. Returns only when both are durable, so the
/// caller may answer 250.
/// </summary>
internal sealed partial class MessageReceiver
{
    private readonly IRawStore _raw;
    private readonly StoredMessages _stored;
    private readonly IOutgoingQueue _queue;
    private readonly IHeldStore _held;
    private readonly ModerationPolicy _moderation;
    private readonly HeaderRewriter _rewriter;
    private readonly BounceAddress _bounces;
    private readonly ReceiveOptions _options;
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
        IOptions<RewriteOptions> rewriteOptions,
        BounceAddress bounces,
        IOptions<ReceiveOptions> options,
        QueueSignal signal,
        MailTumbleMetrics metrics,
        TimeProvider time,
        ILogger<MessageReceiver> logger,
        LanePolicy? lanes = null,
        LaneGate? gate = null,
        TwoWayMasking? masking = null,
        IOptions<ReplyOptions>? reply = null,
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
        _rewriter = new HeaderRewriter(rewriteOptions.Value, time, reply?.Value.Enabled == true ? masking : null);
        _bounces = bounces;
        _options = options.Value;
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
        var bulk = LanePolicy.IsBulk(parsed);
        if (_lanes?.Rule.By == LaneBy.Header && _gate?.AtData(_lanes.Key(envelopeFrom, recipients[0], parsed)) is { } busy)
        {
            // A lane named by a header is only known now: its backpressure is answered at the end of DATA.
            throw new LaneBackpressureException(busy);
        }

        var dispositions = new Dictionary<string, (RecipientDisposition, string?)>(StringComparer.Ordinal);

        var (author, subject) = MessageSummary.FromOriginal(parsed);
        var sender = (author ?? envelopeFrom).Trim().ToLowerInvariant();
        string[] senders = [sender, envelopeFrom];

        var items = new List<OutgoingItem>(recipients.Count);
        List<HeldMessage>? held = null;
        List<(OutgoingItem Item, string Reason)>? loops = null;
        List<(string Alias, string Sender)>? newSenders = null;
        var distinct = recipients.DistinctBy(a => a.Address).ToList();
        List<string>? blocked = null;
        foreach (var alias in distinct)
        {
            var decision = await _moderation.DecideAsync(alias, senders, cancellationToken).ConfigureAwait(false);
            if (decision.Verdict == ModerationVerdict.Block)
            {
                // Only the whole message can be refused after DATA: refuse it when every recipient blocks it,
                // otherwise the blocking alias alone does not get it.
                LogBlocked(_logger, envelopeFrom, alias.Address, decision.Reason);
                (blocked ??= []).Add(alias.Address);
                _counters?.Blocked(alias.Address);
                dispositions[alias.Address] = (RecipientDisposition.Blocked, null);
                if (blocked.Count == distinct.Count)
                {
                    throw new MessageBlockedException($"5.7.1 <{blocked[0]}>: Message refused by the recipient's rules");
                }

                continue;
            }

            if (decision.Verdict == ModerationVerdict.Drop)
            {
                LogDroppedByRule(_logger, envelopeFrom, alias.Address, decision.Reason);
                _counters?.Blocked(alias.Address);
                dispositions[alias.Address] = (RecipientDisposition.Dropped, null);
                continue;
            }

            // One item per live target: each is sent, retried, held and reported on by itself.
            foreach (var target in alias.LiveTargets)
            {
                var id = Guid.CreateVersion7(now).ToString("N");
                var result = _rewriter.Rewrite(parsed, new RewriteInput(alias.Visible, target, envelopeFrom, id, key, alias.Tag));
                if (result.Verdict == RewriteVerdict.Refuse)
                {
                    throw new MessageRefusedException(result.Reason!);
                }

                var item = new OutgoingItem(
                    Id: id,
                    MessageKey: key,
                    Alias: alias.Address,
                    Recipient: target,
                    EnvelopeFrom: _bounces.Create(id, target, _rewriter.OurDomain(alias.Address)),
                    Headers: result.Headers,
                    BodyOffset: parsed.BodyOffset,
                    ReceivedAt: now,
                    ExpiresAt: now + _options.MaxQueueLifetime,
                    Lane: _lanes?.Key(envelopeFrom, alias with { Target = target }, parsed) ?? LaneKeys.ForSender(envelopeFrom),
                    Bulk: bulk);
                var first = !dispositions.ContainsKey(alias.Address);
                if (result.Verdict == RewriteVerdict.Loop)
                {
                    (loops ??= []).Add((item, result.Reason!));
                    dispositions.TryAdd(alias.Address, (RecipientDisposition.DeadLettered, id));
                }
                else if (decision.Verdict == ModerationVerdict.Hold || holdReason is not null)
                {
                    var reason = (decision.Verdict == ModerationVerdict.Hold, holdReason) switch
                    {
                        (true, null) => decision.Reason,
                        (true, _) => $"{holdReason}; {decision.Reason}",
                        _ => holdReason!,
                    };
                    (held ??= []).Add(new HeldMessage(item, sender, envelopeFrom, subject, message.Length, reason, now));
                    dispositions.TryAdd(alias.Address, (RecipientDisposition.Held, id));
                }
                else
                {
                    items.Add(item);
                    dispositions.TryAdd(alias.Address, (RecipientDisposition.Queued, id));
                    if (first && decision.NewSender && sender.Length > 0)
                    {
                        (newSenders ??= []).Add((alias.Address, sender));
                    }
                }
            }

            // Every target dead since RCPT: nothing to send it to.
            dispositions.TryAdd(alias.Address, (RecipientDisposition.Dropped, null));
        }

        if (items.Count == 0 && held is null && loops is null)
        {
            return new Received(key, Kept: false, dispositions); // every recipient dropped it silently: nothing to keep
        }

        var heldStored = false;
        try
        {
            // The items already name the key: a source that is already stored was asked for its own.
            var stored = await message.StoreAsync(_raw, key, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(stored, key, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"the message source stored the message as {stored}, not {key}");
            }

            // Held entries first: a queued delivery may be sent and acked at once, and its ack must see that the
            // stored message is still needed.
            if (held is not null)
            {
                await _held.HoldAsync(held, cancellationToken).ConfigureAwait(false);
                heldStored = true;
            }

            if (items.Count > 0)
            {
                await _queue.EnqueueAsync(items, cancellationToken).ConfigureAwait(false);
            }

            // A loop is kept (an operator can look and replay) but never forwarded again.
            foreach (var (item, reason) in loops ?? [])
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
                await WithdrawHeldAsync(held!).ConfigureAwait(false);
            }

            await _stored.ReleaseAsync(key, "not accepted", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (newSenders is not null)
        {
            await RememberAsync(newSenders).ConfigureAwait(false);
        }

        _metrics.Received(items.Count, message.Length);
        if (items.Count > 0)
        {
            _signal.Notify();
        }

        foreach (var item in items)
        {
            LogQueued(_logger, key, item.Id, envelopeFrom, item.Alias, item.Recipient, message.Length);
        }

        foreach (var h in held ?? [])
        {
            LogHeld(_logger, key, h.Id, h.Sender, h.Item.Alias, h.Reason);
        }

        return new Received(key, Kept: true, dispositions);
    }

    /// <summary>
    /// The mail is already accepted: failing to remember only means the sender's next message counts as a
    /// first contact again (held, not lost), so log and carry on rather than fail the transaction.
    /// </summary>
    private async Task RememberAsync(List<(string Alias, string Sender)> pairs)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {Key} was not accepted, and its held entries could not be withdrawn; they will show as held with a missing stored message")]
    private static partial void LogWithdrawFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remember {Count} new sender(s) for first-contact moderation; their next message will be held again")]
    private static partial void LogRememberFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Held message {MessageKey} delivery {DeliveryId}: from=<{From}> alias=<{Alias}>: {Reason}")]
    private static partial void LogHeld(ILogger logger, string messageKey, string deliveryId, string from, string alias, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Blocked message from <{From}> for alias <{Alias}> (not forwarded to it; refused when every recipient blocks it): {Reason}")]
    private static partial void LogBlocked(ILogger logger, string from, string alias, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped message from <{From}> to alias <{Alias}> silently: {Reason}")]
    private static partial void LogDroppedByRule(ILogger logger, string from, string alias, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued message {MessageKey} delivery {DeliveryId}: from=<{From}> alias=<{Alias}> to=<{Target}> size={Size}")]
    private static partial void LogQueued(ILogger logger, string messageKey, string deliveryId, string from, string alias, string target, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered message {MessageKey} delivery {DeliveryId} alias=<{Alias}> to=<{Target}>: {Reason}")]
    private static partial void LogLoop(ILogger logger, string messageKey, string deliveryId, string alias, string target, string reason);
}
