using System.Buffers;
using MailTumble.Core.Bounces;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Fairness;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace MailTumble.Core.Replies;

/// <summary>
/// The intake's reply path: mail to reverse aliases, from the alias's owner, goes out from the alias to each
/// correspondent through the same queue, pacing, retries and feedback as forwarded mail. <see cref="Check"/> decides
/// before anything is stored whether the reply is the owner's; <see cref="ReceiveAsync"/> scrubs the owner's address
/// from the text when it is there, rewrites the header block per correspondent and queues one delivery each.
/// </summary>
/// <remarks>
/// A reply delivery's <see cref="OutgoingItem.Alias"/> is the reverse alias it was sent to (which names the alias and
/// the correspondent) and its <see cref="OutgoingItem.Recipient"/> is the correspondent: every queue adapter carries
/// replies as they are, and send-out tells them from forwarded mail by that address.
/// </remarks>
internal sealed partial class ReplyReceiver
{
    private readonly IRawStore _raw;
    private readonly StoredMessages _stored;
    private readonly IOutgoingQueue _queue;
    private readonly BounceAddress _bounces;
    private readonly RewriteOptions _rewrite;
    private readonly ReplyOptions _options;
    private readonly ReceiveOptions _receive;
    private readonly ReplyRewriter _rewriter;
    private readonly QueueSignal _signal;
    private readonly MailTumbleMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ReplyReceiver> _logger;
    private readonly LanePolicy? _lanes;

    public ReplyReceiver(
        IRawStore raw,
        StoredMessages stored,
        IOutgoingQueue queue,
        BounceAddress bounces,
        TwoWayMasking masking,
        IOptions<RewriteOptions> rewrite,
        IOptions<ReplyOptions> options,
        IOptions<ReceiveOptions> receive,
        QueueSignal signal,
        MailTumbleMetrics metrics,
        TimeProvider time,
        ILogger<ReplyReceiver> logger,
        LanePolicy? lanes = null)
    {
        _lanes = lanes;
        _raw = raw;
        _stored = stored;
        _queue = queue;
        _bounces = bounces;
        _rewrite = rewrite.Value;
        _options = options.Value;
        _receive = receive.Value;
        _rewriter = new ReplyRewriter(_rewrite.MaxHops, masking, time);
        _signal = signal;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Null when the reply may go out; else the refusal (<c>550 5.7.1</c>, logged). The envelope sender was checked at
    /// RCPT; here the header From must be the owner too, and where the ingress gives authentication results, SPF or
    /// DKIM must have passed for the owner's domain.
    /// </summary>
    public SmtpReply? Check(IntakeEnvelope envelope, IReadOnlyList<RecipientDecision> replies, ParsedMessage message)
    {
        var target = replies[0].Alias!.Target;
        var first = replies[0].Reverse!.Address;
        string? reason = null;
        if (replies.Any(r => !string.Equals(r.Alias!.Target, target, StringComparison.OrdinalIgnoreCase)))
        {
            reason = "the reverse aliases belong to different owners";
        }
        else if (!FromIsOwner(message, target, out var from))
        {
            reason = $"the From header ({from}) is not the alias's owner";
        }
        else
        {
            reason = ReplyAuthentication.Check(envelope, message, target, _options.TrustedAuthServId);
        }

        if (reason is null)
        {
            return null;
        }

        _metrics.ReplyRefused();
        LogRefused(_logger, envelope.Origin, envelope.Remote, envelope.From, first, reason);
        return new SmtpReply(550, $"5.7.1 <{first}>: Reply refused: only the alias's owner can reply through this address");
    }

    /// <summary>
    /// Stores and queues the reply for every correspondent; returns once it is durable. With
    /// <paramref name="ownSource"/> the message source's bytes may be used as they are (no other path stores them);
    /// otherwise an unscrubbed copy is stored separately. Throws like <see cref="MessageReceiver.ReceiveAsync"/>.
    /// </summary>
    public async Task<ReplyReceived> ReceiveAsync(IntakeEnvelope envelope, IReadOnlyList<RecipientDecision> replies, MessageSource message, bool ownSource, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var parsed = ParsedMessage.Parse(message.Head, message.Length);
        var target = replies[0].Alias!.Target;
        var dispositions = new Dictionary<string, (RecipientDisposition, string?)>(StringComparer.Ordinal);
        var items = new List<OutgoingItem>();
        var loops = new List<(OutgoingItem Item, string Reason)>();
        var written = new List<string>();
        string? sourceKey = null;
        string? firstKey = null;
        try
        {
            foreach (var group in replies.DistinctBy(r => r.Reverse!.Address).GroupBy(r => r.Alias!.Visible, StringComparer.Ordinal))
            {
                var alias = group.Key;
                string key;
                var copy = parsed;
                var scrubbed = _options.ScrubBody ? await ScrubAsync(message, target, alias, cancellationToken).ConfigureAwait(false) : null;
                if (scrubbed is not null)
                {
                    key = NewKey(now);
                    await _raw.PutAsync(key, new ReadOnlySequence<byte>(scrubbed), cancellationToken).ConfigureAwait(false);
                    written.Add(key);
                    copy = ParsedMessage.Parse(new ReadOnlySequence<byte>(scrubbed));
                    LogScrubbed(_logger, alias, key);
                }
                else
                {
                    key = sourceKey ??= await StoreSourceAsync(message, ownSource, now, written, cancellationToken).ConfigureAwait(false);
                }

                firstKey ??= key;
                foreach (var reply in group)
                {
                    var reverse = reply.Reverse!;
                    var id = Guid.CreateVersion7(now).ToString("N");
                    var result = _rewriter.Rewrite(copy, new ReplyInput(alias, target, reverse.Correspondent, id, key, reply.Alias!.DisplayName));
                    if (result.Verdict == RewriteVerdict.Refuse)
                    {
                        throw new MessageRefusedException(result.Reason!);
                    }

                    var item = new OutgoingItem(
                        Id: id,
                        MessageKey: key,
                        Alias: reverse.Address,
                        Recipient: reverse.Correspondent,
                        EnvelopeFrom: _bounces.Create(id, reverse.Correspondent, BounceDomain(alias)),
                        Headers: result.Headers,
                        BodyOffset: copy.BodyOffset,
                        ReceivedAt: now,
                        ExpiresAt: now + _receive.MaxQueueLifetime,
                        Lane: _lanes?.Key(envelope.From, reply.Alias!, copy) ?? LaneKeys.ForSender(envelope.From));
                    if (result.Verdict == RewriteVerdict.Loop)
                    {
                        loops.Add((item, result.Reason!));
                        dispositions[reverse.Address] = (RecipientDisposition.DeadLettered, id);
                    }
                    else
                    {
                        items.Add(item);
                        dispositions[reverse.Address] = (RecipientDisposition.Queued, id);
                    }
                }
            }

            if (items.Count > 0)
            {
                await _queue.EnqueueAsync(items, cancellationToken).ConfigureAwait(false);
            }

            foreach (var (item, reason) in loops)
            {
                await _queue.EnqueueDeadAsync([item], reason, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // Not accepted: nothing of what this path wrote stays behind (the source's own key is the intake's to release).
            await _stored.ReleaseAsync(written, "reply not accepted", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        _metrics.Received(items.Count, message.Length);
        if (items.Count > 0)
        {
            _signal.Notify();
        }

        foreach (var item in items)
        {
            LogQueued(_logger, item.MessageKey, item.Id, replies[0].Alias!.Address, item.Alias, item.Recipient, message.Length);
        }

        foreach (var (item, reason) in loops)
        {
            LogLoop(_logger, item.MessageKey, item.Id, item.Alias, item.Recipient, reason);
        }

        return new ReplyReceived(firstKey!, message.StoredKey is { } own && sourceKey == own, dispositions);
    }

    /// <summary>The reply's envelope sender is on the alias's domain (aligned with From) unless a bounce domain is set.</summary>
    private string BounceDomain(string alias) =>
        string.IsNullOrWhiteSpace(_rewrite.BounceDomain) ? alias[(alias.LastIndexOf('@') + 1)..] : _rewrite.BounceDomain.Trim().ToLowerInvariant();

    private async Task<byte[]?> ScrubAsync(MessageSource message, string target, string alias, CancellationToken cancellationToken)
    {
        var stream = await message.OpenReadAsync(_raw, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ReplyBodyScrubber.ScrubAsync(stream, target, alias, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string> StoreSourceAsync(MessageSource message, bool ownSource, DateTimeOffset now, List<string> written, CancellationToken cancellationToken)
    {
        var key = NewKey(now);
        if (ownSource)
        {
            var stored = await message.StoreAsync(_raw, message.StoredKey ?? key, cancellationToken).ConfigureAwait(false);
            if (message.StoredKey is null)
            {
                written.Add(stored);
            }

            return stored;
        }

        // Another path keeps the source under its own key: this copy is the replies' alone.
        var bytes = await message.ReadAllAsync(_raw, cancellationToken).ConfigureAwait(false);
        await _raw.PutAsync(key, new ReadOnlySequence<byte>(bytes), cancellationToken).ConfigureAwait(false);
        written.Add(key);
        return key;
    }

    private static string NewKey(DateTimeOffset now) => Guid.CreateVersion7(now).ToString("N");

    private static bool FromIsOwner(ParsedMessage message, string target, out string from)
    {
        from = "none";
        foreach (var field in message.Fields)
        {
            if (!System.Text.Ascii.EqualsIgnoreCase(message.Name(field), "From"u8))
            {
                continue;
            }

            var bytes = message.Value(field).ToArray();
            if (!InternetAddressList.TryParse(ParserOptions.Default, bytes, 0, bytes.Length, out var list))
            {
                from = "unreadable";
                return false;
            }

            var mailboxes = list.Mailboxes.ToList();
            from = string.Join(", ", mailboxes.Select(m => m.Address));
            return mailboxes.Count == 1 && string.Equals(mailboxes[0].Address, target, StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "{Origin} {Remote}: reply from <{From}> to <{ReverseAlias}> refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, IntakeOrigin origin, string remote, string from, string reverseAlias, string reason);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Reply for alias <{Alias}> mentioned the owner's address in its text; scrubbed copy stored as {Key}")]
    private static partial void LogScrubbed(ILogger logger, string alias, string key);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Queued reply {MessageKey} delivery {DeliveryId}: alias=<{Alias}> via=<{ReverseAlias}> to=<{Correspondent}> size={Size}")]
    private static partial void LogQueued(ILogger logger, string messageKey, string deliveryId, string alias, string reverseAlias, string correspondent, long size);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Dead-lettered reply {MessageKey} delivery {DeliveryId} via=<{ReverseAlias}> to=<{Correspondent}>: {Reason}")]
    private static partial void LogLoop(ILogger logger, string messageKey, string deliveryId, string reverseAlias, string correspondent, string reason);
}
