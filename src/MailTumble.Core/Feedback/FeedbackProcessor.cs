using MailTumble.Core.Aliases;
using MailTumble.Core.Bounces;
using MailTumble.Core.Replies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Feedback;

/// <summary>
/// Turns bounces, complaints and deliveries into alias counters and statuses. Every source ends here:
/// SES through SQS (<see cref="ProcessSnsEnvelopeAsync"/>) or SNS HTTPS, DSNs and ARF reports by SMTP
/// (<see cref="ProcessMailAsync"/>), and files. Events are attributed to the exact delivery (signed bounce
/// address, else the provider's message id), never to a target address alone, and each counts once.
/// Provider JSON (SNS, SES) is read by an adapter through <see cref="IFeedbackDocumentReader"/>.
/// </summary>
public sealed partial class FeedbackProcessor
{
    private readonly IFeedbackStore _store;
    private readonly IFeedbackDocumentReader _reader;
    private readonly IAliasDirectory _directory;
    private readonly IAliasAdmin? _admin;
    private readonly BounceAddress _bounces;
    private readonly FeedbackOptions _options;
    private readonly IStatusChangeNotifier _notifier;
    private readonly TimeProvider _time;
    private readonly ILogger<FeedbackProcessor> _logger;
    private readonly ReverseAliases? _replies;

    /// <summary>
    /// Creates the processor; <paramref name="admin"/> is null for a read-only directory (then only the webhook can act);
    /// with <paramref name="masking"/>, feedback about replies (their deliveries name a reverse alias) is recognised.
    /// </summary>
    public FeedbackProcessor(
        IFeedbackStore store,
        IFeedbackDocumentReader reader,
        IAliasDirectory directory,
        BounceAddress bounces,
        IOptions<FeedbackOptions> options,
        IStatusChangeNotifier notifier,
        TimeProvider time,
        ILogger<FeedbackProcessor> logger,
        IAliasAdmin? admin = null,
        TwoWayMasking? masking = null)
    {
        _replies = masking?.Aliases;
        _store = store;
        _reader = reader;
        _directory = directory;
        _admin = admin;
        _bounces = bounces;
        _options = options.Value;
        _notifier = notifier;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The entry point for SQS: one message body, either an SNS envelope whose <c>Message</c> is the SES
    /// notification or (raw message delivery) the SES notification itself. The queue is trusted, so the
    /// SNS signature is not checked here. Throws <see cref="FormatException"/> for a body that is neither.
    /// </summary>
    public async Task<FeedbackResult> ProcessSnsEnvelopeAsync(string json, CancellationToken cancellationToken) =>
        await ProcessAsync(_reader.Read(json), FeedbackOrigin.Ses, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Processes what an adapter read from a provider's document (<see cref="IFeedbackDocumentReader"/>, the SNS HTTPS
    /// subscription): its events, as coming from <paramref name="origin"/>, or the reason it holds no report.
    /// </summary>
    public async Task<FeedbackResult> ProcessAsync(FeedbackReading reading, FeedbackOrigin origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reading);
        if (reading.NotAReport is { } reason)
        {
            if (reading.IgnoredId is { } id)
            {
                LogNotFeedback(_logger, id);
            }

            return FeedbackResult.NotAReport(reason);
        }

        return await ProcessAsync(Retag(reading.Events, origin), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Processes a DSN, an ARF report or a non-standard bounce that arrived as mail (to <paramref name="envelopeRecipient"/>).</summary>
    public async Task<FeedbackResult> ProcessMailAsync(ReadOnlyMemory<byte> message, string? envelopeRecipient, FeedbackOrigin origin, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(message.ToArray(), writable: false);
        var parsed = await MailReportParser.LoadAsync(stream, cancellationToken).ConfigureAwait(false);
        var events = MailReportParser.Parse(parsed, message.Span, envelopeRecipient, origin, out var ignored);
        if (events.Count == 0)
        {
            LogNotFeedback(_logger, parsed.MessageId ?? "(no Message-ID)");
            return FeedbackResult.NotAReport($"message {(parsed.MessageId is { } id ? "<" + id + ">" : "(no Message-ID)")}: not a bounce, complaint or delivery report: {ignored}");
        }

        return await ProcessAsync(events, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Processes a saved report of any kind: JSON (SNS envelope or SES notification), a message (DSN, ARF), or a message whose body is such JSON.</summary>
    public Task<FeedbackResult> ProcessDocumentAsync(SavedReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var content = report.Content;
        var text = content.Span.TrimStart("\xEF\xBB\xBF \t\r\n"u8);
        return text.Length > 0 && text[0] == (byte)'{'
            ? ProcessJsonAsync(System.Text.Encoding.UTF8.GetString(text), FeedbackOrigin.File, cancellationToken)
            : ProcessMailAsync(content, null, FeedbackOrigin.File, cancellationToken);
    }

    /// <summary>Attributes, dedupes and applies parsed events.</summary>
    public async Task<FeedbackResult> ProcessAsync(IReadOnlyList<FeedbackEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var total = FeedbackResult.None;
        foreach (var feedback in events)
        {
            total += await ProcessOneAsync(feedback, cancellationToken).ConfigureAwait(false);
        }

        return total;
    }

    private async Task<FeedbackResult> ProcessJsonAsync(string json, FeedbackOrigin origin, CancellationToken cancellationToken) =>
        await ProcessAsync(_reader.Read(json), origin, cancellationToken).ConfigureAwait(false);

    private async Task<FeedbackResult> ProcessOneAsync(FeedbackEvent feedback, CancellationToken cancellationToken)
    {
        var (delivery, why) = await AttributeAsync(feedback, cancellationToken).ConfigureAwait(false);
        if (delivery is null)
        {
            LogUnattributed(_logger, feedback.Type, feedback.Recipient, feedback.Key, why);
            return FeedbackResult.NotOurs($"{feedback.Type.ToString().ToLowerInvariant()} for <{feedback.Recipient}>: not about a delivery of ours ({why})");
        }

        var stored = new StoredFeedback(feedback.Key, delivery.Alias, delivery.DeliveryId, feedback.Type, feedback.BounceType, feedback.SubType,
            feedback.Recipient, feedback.Origin, feedback.Detail, _time.GetUtcNow());
        if (!await _store.TryAddEventAsync(stored, cancellationToken).ConfigureAwait(false))
        {
            LogDuplicate(_logger, feedback.Key);
            return new FeedbackResult(0, 1, 0);
        }

        try
        {
            await ApplyAsync(stored, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not applied: forget it, so the redelivery SNS / SQS / the sending MTA will make is processed.
            await _store.RemoveEventAsync(stored.Key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        LogApplied(_logger, feedback.Type, feedback.BounceType, feedback.SubType, delivery.Alias, delivery.DeliveryId, feedback.Detail);
        return new FeedbackResult(1, 0, 0);
    }

    /// <summary>
    /// The delivery the event is about: by signed bounce address first, then by the provider's message id; when there
    /// is none, why not.
    /// </summary>
    private async Task<(SentDelivery? Delivery, string Why)> AttributeAsync(FeedbackEvent feedback, CancellationToken cancellationToken)
    {
        var why = new List<string>();
        foreach (var address in feedback.BounceAddresses)
        {
            var check = _bounces.Check(address);
            // A late SES report or a replayed file may carry an expired address; mail from anyone may not.
            var trusted = check.Status == BounceStatus.Valid || (check.Status == BounceStatus.Expired && feedback.Origin != FeedbackOrigin.Smtp);
            if (!trusted)
            {
                if (check.Status != BounceStatus.NotBounceAddress)
                {
                    why.Add($"bounce address {address} is {check.Status.ToString().ToLowerInvariant()}");
                }

                continue;
            }

            var delivery = await _store.FindDeliveryAsync(check.DeliveryId!, cancellationToken).ConfigureAwait(false);
            if (delivery is not null && Matches(feedback, delivery))
            {
                return (delivery, string.Empty);
            }

            why.Add(delivery is null
                ? $"no record of delivery {check.DeliveryId} (records are kept 30 days)"
                : $"delivery {check.DeliveryId} went to another recipient");
        }

        if (!string.IsNullOrEmpty(feedback.ProviderMessageId))
        {
            var sent = await _store.FindByProviderMessageIdAsync(feedback.ProviderMessageId, cancellationToken).ConfigureAwait(false);
            var exact = sent.Where(d => string.Equals(d.Target, feedback.Recipient, StringComparison.OrdinalIgnoreCase)).ToList();
            if (exact.Count == 1)
            {
                return (exact[0], string.Empty);
            }

            if (sent.Count == 1 && !feedback.RecipientMustMatch)
            {
                return (sent[0], string.Empty);
            }

            why.Add(sent.Count == 0 ? $"no delivery of ours has provider message id {feedback.ProviderMessageId}" : $"provider message id {feedback.ProviderMessageId} names no delivery to this recipient");
        }

        if (why.Count == 0)
        {
            why.Add(feedback.BounceAddresses.Count == 0 && string.IsNullOrEmpty(feedback.ProviderMessageId)
                ? "it names neither one of our signed bounce addresses nor a provider message id we recorded"
                : "it names no signed bounce address of ours");
        }

        return (null, string.Join("; ", why));
    }

    /// <summary>
    /// A report listing several recipients names ours exactly; a report about one recipient may name it
    /// differently (the target forwarded it on), and the signed address already identifies the delivery.
    /// </summary>
    private static bool Matches(FeedbackEvent feedback, SentDelivery delivery) =>
        !feedback.RecipientMustMatch || string.Equals(feedback.Recipient, delivery.Target, StringComparison.OrdinalIgnoreCase);

    private async Task ApplyAsync(StoredFeedback feedback, CancellationToken cancellationToken)
    {
        var kind = feedback.Type switch
        {
            FeedbackType.Complaint => FeedbackKind.Complaint,
            FeedbackType.Delivery => FeedbackKind.Delivery,
            _ when feedback.BounceType == BounceType.Permanent => FeedbackKind.Bounce,
            _ => (FeedbackKind?)null, // transient bounces are only kept in the event store
        };
        if (kind is null)
        {
            return;
        }

        if (_replies?.Parse(feedback.Alias) is { } reply)
        {
            // A reply bounced at (or was reported by) the correspondent: the alias's own address is fine.
            LogReplyFeedback(_logger, feedback.Type, reply.Correspondent, reply.Alias, feedback.Key);
            return;
        }

        var before = await CurrentAsync(feedback.Alias, cancellationToken).ConfigureAwait(false);
        if (_admin is null)
        {
            await NotifyFromStoreAsync(feedback, before, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!await _admin.RecordFeedbackAsync(feedback.Alias, feedback.Recipient, kind.Value, cancellationToken).ConfigureAwait(false))
        {
            LogAliasGone(_logger, feedback.Alias, feedback.Key);
            return;
        }

        var after = await CurrentAsync(feedback.Alias, cancellationToken).ConfigureAwait(false);
        if (after is { Status: AliasStatus.Active or AliasStatus.Held } && after.CountBounce > _options.MaxBounces)
        {
            // A stricter limit than the directory's own.
            await _admin.SetStatusAsync(after.Address, AliasStatus.Dead, cancellationToken).ConfigureAwait(false);
            after = after with { Status = AliasStatus.Dead };
        }

        if (after is not null && before is not null && after.Status != before.Status)
        {
            LogStatusChanged(_logger, after.Address, before.Status, after.Status, feedback.Key);
            _notifier.Notify(new StatusChange(after.Address, after.Target, after.Status, after.CountBounce, after.CountComplaint, after.CountDelivery));
        }
    }

    /// <summary>A read-only directory cannot be changed here: the event store's counts decide, and the webhook tells the API.</summary>
    private async Task NotifyFromStoreAsync(StoredFeedback feedback, AliasRecord? alias, CancellationToken cancellationToken)
    {
        if (alias is null || alias.Status is not (AliasStatus.Active or AliasStatus.Held))
        {
            return;
        }

        var summary = await _store.GetSummaryAsync(feedback.Alias, cancellationToken).ConfigureAwait(false);
        var diesNow = (feedback.Type == FeedbackType.Complaint && summary.Complaints == 1)
            || (feedback.Type == FeedbackType.Bounce && summary.PermanentBounces == _options.MaxBounces + 1);
        if (diesNow)
        {
            LogStatusChanged(_logger, alias.Address, alias.Status, AliasStatus.Dead, feedback.Key);
            _notifier.Notify(new StatusChange(alias.Address, alias.Target, AliasStatus.Dead, summary.PermanentBounces, summary.Complaints, summary.Deliveries));
        }
    }

    private async Task<AliasRecord?> CurrentAsync(string alias, CancellationToken cancellationToken)
    {
        var result = await _directory.LookupAsync(alias, cancellationToken).ConfigureAwait(false);
        return result.Outcome == LookupOutcome.Found ? result.Alias : null;
    }

    private static IReadOnlyList<FeedbackEvent> Retag(IReadOnlyList<FeedbackEvent> events, FeedbackOrigin origin) =>
        events.Select(e => e with { Origin = origin }).ToList();

    [LoggerMessage(EventId = 1110, Level = LogLevel.Information, Message = "Feedback {Type} ({BounceType} {SubType}) for alias <{Alias}> delivery {DeliveryId}: {Detail}")]
    private static partial void LogApplied(ILogger logger, FeedbackType type, BounceType bounceType, string? subType, string alias, string deliveryId, string? detail);

    [LoggerMessage(EventId = 1111, Level = LogLevel.Warning, Message = "Feedback {Type} for <{Recipient}> ({Key}) is not about a delivery of ours; ignored: {Why}")]
    private static partial void LogUnattributed(ILogger logger, FeedbackType type, string recipient, string key, string why);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Information, Message = "Feedback {Key} was already processed; counted once")]
    private static partial void LogDuplicate(ILogger logger, string key);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Information, Message = "Message {Id} holds no bounce, complaint or delivery report; ignored")]
    private static partial void LogNotFeedback(ILogger logger, string id);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Information, Message = "Feedback {Type} about a reply to <{Correspondent}> from alias <{Alias}> ({Key}) is recorded; the alias is not charged")]
    private static partial void LogReplyFeedback(ILogger logger, FeedbackType type, string correspondent, string alias, string key);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Warning, Message = "Alias <{Alias}> no longer exists; feedback {Key} only recorded")]
    private static partial void LogAliasGone(ILogger logger, string alias, string key);

    [LoggerMessage(EventId = 1116, Level = LogLevel.Warning, Message = "Alias <{Alias}> is now {Status} (was {Previous}) after feedback {Key}")]
    private static partial void LogStatusChanged(ILogger logger, string alias, AliasStatus previous, AliasStatus status, string key);
}
