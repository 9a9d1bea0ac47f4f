using MailTumble.Core.Counters;
using MailTumble.Core.Delivery;
using MailTumble.Core.Aliases;
using MailTumble.Core.Fairness;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Receiving;

/// <summary>
/// The one intake of mail, whatever the transport (SMTP listener, <c>mailtumble receive</c>, SES ingress): takes the
/// envelope, the recipients, the message bytes and the origin, and returns the reply for the message and what was done
/// for each recipient. Recipients are checked by <see cref="RecipientPolicy"/>; aliases get the message through
/// moderation, rewriting, the raw store and the queue; our bounce and complaints addresses get it as feedback. A
/// transport only translates its protocol to this and the reply back.
/// </summary>
/// <remarks>
/// The bytes come as a <see cref="MessageSource"/>, not one buffer: only the header section is read here, and the whole
/// message is stored only once some recipient keeps it. A transport that has already streamed the bytes into the raw
/// store hands over a source that names its key; from then on the intake owns those bytes and releases them when the
/// message is not accepted.
/// </remarks>
public sealed partial class MessageIntake
{
    private readonly RecipientPolicy _policy;
    private readonly ModerationPolicy _moderation;
    private readonly MessageReceiver _receiver;
    private readonly IRawStore _raw;
    private readonly StoredMessages _stored;
    private readonly FeedbackProcessor? _feedback;
    private readonly ReplyReceiver? _replies;
    private readonly AliasCounters? _counters;
    private readonly ILogger<MessageIntake> _logger;
    private readonly LaneGate? _lanes;
    private readonly IStorageState? _storage;
    private readonly IntakeFirst? _intakeFirst;

    private static readonly SmtpReply StorageFull = new(452, "4.3.1 Insufficient system storage, try again later");

    internal MessageIntake(RecipientPolicy policy, ModerationPolicy moderation, MessageReceiver receiver, IRawStore raw, StoredMessages stored, ILogger<MessageIntake> logger, FeedbackProcessor? feedback, LaneGate? lanes = null, ReplyReceiver? replies = null, IStorageState? storage = null, AliasCounters? counters = null, IntakeFirst? intakeFirst = null)
    {
        _storage = storage;
        _intakeFirst = intakeFirst;
        _lanes = lanes;
        _replies = replies;
        _counters = counters;
        _policy = policy;
        _moderation = moderation;
        _receiver = receiver;
        _raw = raw;
        _stored = stored;
        _feedback = feedback;
        _logger = logger;
    }

    /// <summary>
    /// Checks one recipient before the message is sent (SMTP answers every <c>RCPT TO</c> at once): the recipient
    /// policy (relay, unknown, dead, disabled, directory outage) and a refusing block of the envelope sender by the
    /// alias's rules. The author (header From) is only known with the message, in <see cref="AcceptAsync"/>.
    /// </summary>
    public async ValueTask<RecipientDecision> CheckRecipientAsync(string envelopeFrom, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelopeFrom);
        if (_storage is { IsFull: true })
        {
            // RFC 5321's reply for it: the sender keeps the message; the room left is for send-out, which frees it.
            return new RecipientDecision(StorageFull, null) { Address = address };
        }

        var decision = await _policy.CheckAsync(address, cancellationToken).ConfigureAwait(false);
        if (decision.RefusedAlias is { } refused)
        {
            _counters?.Blocked(refused);
        }

        if (decision.Reverse is not null && decision.Accepted)
        {
            return await CheckReplyAsync(envelopeFrom, decision, cancellationToken).ConfigureAwait(false);
        }

        if (decision.Alias is { } alias && decision.Accepted && envelopeFrom.Length > 0)
        {
            var verdict = await DecideAsync(alias, envelopeFrom, cancellationToken).ConfigureAwait(false);
            if (verdict is null)
            {
                return new RecipientDecision(RulesUnavailable(decision.Address), null) { Address = decision.Address };
            }

            if (verdict.Verdict == ModerationVerdict.Block)
            {
                _counters?.Blocked(alias.Address);
                return new RecipientDecision(new SmtpReply(550, $"5.7.1 <{alias.Address}>: Message refused by the recipient's rules"), null) { Address = decision.Address };
            }
        }

        if (decision.Alias is { } target && decision.Accepted && _lanes?.AtRecipient(envelopeFrom, target) is { } busy)
        {
            // The sender's lane is too far behind: it keeps this mail and tries later, other lanes still get 250.
            return new RecipientDecision(busy, null) { Address = decision.Address };
        }

        return decision;
    }

    /// <summary>
    /// A reverse alias takes mail only from the alias's owner (the envelope sender must be its target) and only while
    /// the correspondent is not blocked for the alias: a block rule revokes the reverse alias.
    /// </summary>
    private async ValueTask<RecipientDecision> CheckReplyAsync(string envelopeFrom, RecipientDecision decision, CancellationToken cancellationToken)
    {
        var alias = decision.Alias!;
        var reverse = decision.Reverse!;
        if (_replies is null)
        {
            return new RecipientDecision(new SmtpReply(451, $"4.3.0 <{reverse.Address}>: Replies are not available, try again later"), null) { Address = decision.Address };
        }

        // With several targets, each is an owner: the one replying is the target the reply is checked and scrubbed for.
        var owner = alias.Targets.FirstOrDefault(t => string.Equals(envelopeFrom.Trim(), t, StringComparison.OrdinalIgnoreCase));
        if (owner is not null && alias.Targets.Count > 1)
        {
            alias = alias with { Target = owner };
            decision = decision with { Alias = alias };
        }

        if (owner is null)
        {
            LogReplyRefused(_logger, envelopeFrom, reverse.Address, "the envelope sender is not the alias's owner");
            return new RecipientDecision(new SmtpReply(550, $"5.7.1 <{reverse.Address}>: Reply refused: only the alias's owner can reply through this address"), null) { Address = decision.Address };
        }

        var verdict = await DecideAsync(alias, reverse.Correspondent, cancellationToken).ConfigureAwait(false);
        if (verdict is null)
        {
            return new RecipientDecision(RulesUnavailable(reverse.Address), null) { Address = decision.Address };
        }

        if (verdict.Verdict is ModerationVerdict.Block or ModerationVerdict.Drop)
        {
            LogReplyRefused(_logger, envelopeFrom, reverse.Address, "revoked: " + verdict.Reason);
            _counters?.Blocked(alias.Address);
            return new RecipientDecision(new SmtpReply(550, $"5.7.1 <{reverse.Address}>: Reply refused: this correspondent is blocked for the alias"), null) { Address = decision.Address };
        }

        return decision;
    }

    /// <summary>
    /// The alias's rules for <paramref name="sender"/>, or null when the sender rules cannot be read (their store is
    /// down): the recipient then gets 451 and the client keeps the message, as for a directory outage.
    /// </summary>
    private async ValueTask<ModerationDecision?> DecideAsync(AliasRecord alias, string sender, CancellationToken cancellationToken)
    {
        try
        {
            return await _moderation.DecideAsync(alias, [sender], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRulesUnavailable(_logger, alias.Address, ex.Message);
            return null;
        }
    }

    private static SmtpReply RulesUnavailable(string? address) => new(451, $"4.3.0 <{address}>: Temporary lookup failure, try again later");

    /// <summary>
    /// Takes in one message: checks every recipient (<see cref="CheckRecipientAsync"/>), then accepts it for those that
    /// passed (<see cref="AcceptAsync"/>), refused recipients handled as <see cref="IntakeEnvelope.Origin"/> says.
    /// </summary>
    public async Task<IntakeResult> ReceiveAsync(IntakeEnvelope envelope, IReadOnlyList<string> recipients, MessageSource message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipients);
        var decisions = new List<RecipientDecision>(recipients.Count);
        foreach (var recipient in recipients)
        {
            decisions.Add(await CheckRecipientAsync(envelope.From, recipient.Trim(), cancellationToken).ConfigureAwait(false));
        }

        return await AcceptAsync(envelope, decisions, message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes in one message for recipients already checked (by <see cref="CheckRecipientAsync"/>). Returns once what
    /// was accepted is durable: the reply is <c>250</c> only then. Never throws for bad input or storage trouble: the
    /// reply says it (<c>4xx</c> try again, <c>5xx</c> refused), and nothing was kept unless the reply is <c>2xx</c>.
    /// </summary>
    public async Task<IntakeResult> AcceptAsync(IntakeEnvelope envelope, IReadOnlyList<RecipientDecision> recipients, MessageSource message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(message);
        IntakeResult result;
        bool keepsSource;
        try
        {
            (result, keepsSource) = await AcceptCoreAsync(envelope, recipients, message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (message.StoredKey is { } key)
        {
            await _stored.ReleaseAsync(key, "not accepted", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (result.Accepted)
        {
            _intakeFirst?.Accepted();
        }

        if (message.StoredKey is { } stored && (!result.Accepted || !keepsSource))
        {
            // Streamed in already, but nobody keeps it: the bytes are ours to release.
            await _stored.ReleaseAsync(stored, "not accepted", CancellationToken.None).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<(IntakeResult Result, bool KeepsSource)> AcceptCoreAsync(IntakeEnvelope envelope, IReadOnlyList<RecipientDecision> recipients, MessageSource message, CancellationToken cancellationToken)
    {
        // What one refused recipient means for the others depends on the transport.
        var refusal = recipients.FirstOrDefault(r => !r.Accepted && (envelope.Origin, r.Reply.IsTransient) is (IntakeOrigin.Pipe, _) or (IntakeOrigin.Ses, true));
        if (refusal is not null)
        {
            return (Whole(refusal.Reply, recipients), false);
        }

        foreach (var refused in recipients.Where(r => !r.Accepted))
        {
            LogRecipientRefused(_logger, envelope.Origin, envelope.Remote, refused.Address, refused.Reply.ToString());
        }

        var aliases = recipients.Where(r => r.Accepted && r.Alias is not null && r.Reverse is null).Select(r => r.Alias!).ToList();
        var replies = recipients.Where(r => r.Accepted && r.Reverse is not null).ToList();
        var reports = recipients.Where(r => r.Accepted && r.Alias is null).Select(r => r.FeedbackAddress!).Distinct(StringComparer.Ordinal).ToList();
        if (aliases.Count == 0 && reports.Count == 0 && replies.Count == 0)
        {
            return (Whole(new SmtpReply(554, "5.5.1 No valid recipients"), recipients), false);
        }

        try
        {
            if (replies.Count > 0 && _replies!.Check(envelope, replies, ParsedMessage.Parse(message.Head, message.Length)) is { } refused)
            {
                // Not the owner's: nothing of it is relayed, to the correspondents or anyone else.
                return (Whole(refused, recipients), false);
            }

            var reportResults = new Dictionary<string, string>(StringComparer.Ordinal);
            if (reports.Count > 0)
            {
                if (_feedback is null)
                {
                    return (Whole(new SmtpReply(451, "4.3.0 Feedback processing is not available, try again later"), recipients), false);
                }

                await ProcessReportsAsync(envelope, message, reports, reportResults, cancellationToken).ConfigureAwait(false);
                if (aliases.Count == 0 && replies.Count == 0)
                {
                    return (Done(new SmtpReply(250, "2.0.0 Ok: report processed"), null, recipients, reportResults, null, null), false);
                }
            }

            var received = aliases.Count == 0 ? null
                : await _receiver.ReceiveAsync(envelope.From, aliases, message, envelope.HoldReason, cancellationToken).ConfigureAwait(false);
            var replied = replies.Count == 0 ? null
                : await _replies!.ReceiveAsync(envelope, replies, message, ownSource: received is null, cancellationToken).ConfigureAwait(false);
            var key = received?.Key ?? replied!.Key;
            var kept = received is { Kept: true } ? received.Key : replied?.Key;
            return (Done(new SmtpReply(250, "2.0.0 Ok: queued as " + key), kept, recipients, reportResults, received, replied), received is { Kept: true } || replied is { SourceUsed: true });
        }
        catch (MessageBlockedException ex)
        {
            return (Whole(new SmtpReply(550, ex.Message), recipients), false);
        }
        catch (MessageRefusedException ex)
        {
            return (Whole(new SmtpReply(554, "5.6.0 " + ex.Message), recipients), false);
        }
        catch (LaneBackpressureException ex)
        {
            return (Whole(ex.Reply, recipients), false);
        }
        catch (Exception ex) when (StorageFullException.IsDiskFull(ex))
        {
            LogStorageFull(_logger, envelope.Origin, envelope.Remote);
            return (Whole(StorageFull, recipients), false);
        }
        catch (QueueFullException)
        {
            LogBusy(_logger, envelope.Origin, envelope.Remote);
            return (Whole(new SmtpReply(451, "4.3.2 System busy, try again later"), recipients), false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(_logger, ex, envelope.Origin, envelope.Remote);
            return (Whole(new SmtpReply(451, "4.3.0 Temporary storage failure, try again later"), recipients), false);
        }
    }

    /// <summary>Bounces and complaints are consumed: counted against the alias that sent the original, never relayed.</summary>
    private async Task ProcessReportsAsync(IntakeEnvelope envelope, MessageSource message, List<string> reports, Dictionary<string, string> results, CancellationToken cancellationToken)
    {
        var bytes = await message.ReadAllAsync(_raw, cancellationToken).ConfigureAwait(false);
        foreach (var address in reports)
        {
            string outcome;
            try
            {
                // Whoever relayed it, anyone can send mail to these addresses: only unexpired tokens count.
                outcome = (await _feedback!.ProcessMailAsync(bytes, address, FeedbackOrigin.Smtp, cancellationToken).ConfigureAwait(false)).ToString();
            }
            catch (FormatException ex)
            {
                // Unreadable reports are not worth a retry from the sender: log and drop.
                outcome = "unreadable: " + ex.Message;
            }

            results[address] = outcome;
            LogReport(_logger, envelope.Origin, envelope.Remote, address, outcome);
        }
    }

    /// <summary>One reply for the whole message: nothing was accepted (refused for good, or to be tried again).</summary>
    private static IntakeResult Whole(SmtpReply reply, IReadOnlyList<RecipientDecision> recipients) =>
        new(reply, null, recipients.Select(r => r.Accepted
            ? new RecipientOutcome(r.Address, reply.IsTransient ? RecipientDisposition.Deferred : RecipientDisposition.Refused, reply)
            : new RecipientOutcome(r.Address, r.Reply.IsTransient ? RecipientDisposition.Deferred : RecipientDisposition.Refused, r.Reply)).ToList());

    private static IntakeResult Done(SmtpReply reply, string? key, IReadOnlyList<RecipientDecision> recipients, Dictionary<string, string> reports, Received? received, ReplyReceived? replied)
    {
        var outcomes = new List<RecipientOutcome>(recipients.Count);
        foreach (var r in recipients)
        {
            if (!r.Accepted)
            {
                outcomes.Add(new RecipientOutcome(r.Address, RecipientDisposition.Refused, r.Reply));
            }
            else if (r.Reverse is { } reverse)
            {
                var (disposition, id) = replied!.Replies[reverse.Address];
                outcomes.Add(new RecipientOutcome(r.Address, disposition, reply, id));
            }
            else if (r.Alias is null)
            {
                outcomes.Add(new RecipientOutcome(r.Address, RecipientDisposition.Report, new SmtpReply(250, $"2.0.0 report to <{r.FeedbackAddress}>: {reports[r.FeedbackAddress!]}")));
            }
            else
            {
                var (disposition, id) = received!.Aliases[r.Alias.Address];
                outcomes.Add(new RecipientOutcome(r.Address, disposition, reply, id));
            }
        }

        return new IntakeResult(reply, key, outcomes);
    }

    [LoggerMessage(EventId = 1170, Level = LogLevel.Information, Message = "{Origin} {Remote}: recipient <{Recipient}> refused: {Reply}")]
    private static partial void LogRecipientRefused(ILogger logger, IntakeOrigin origin, string remote, string recipient, string reply);

    [LoggerMessage(EventId = 1171, Level = LogLevel.Warning, Message = "Reply from <{From}> to <{ReverseAlias}> refused at RCPT: {Reason}")]
    private static partial void LogReplyRefused(ILogger logger, string from, string reverseAlias, string reason);

    [LoggerMessage(EventId = 1172, Level = LogLevel.Information, Message = "{Origin} {Remote}: report to <{Address}>: {Result}")]
    private static partial void LogReport(ILogger logger, IntakeOrigin origin, string remote, string address, string result);

    [LoggerMessage(EventId = 1173, Level = LogLevel.Warning, Message = "{Origin} {Remote}: the data disk is full; answered 452 4.3.1")]
    private static partial void LogStorageFull(ILogger logger, IntakeOrigin origin, string remote);

    [LoggerMessage(EventId = 1174, Level = LogLevel.Warning, Message = "{Origin} {Remote}: ingest channel full; answered 451")]
    private static partial void LogBusy(ILogger logger, IntakeOrigin origin, string remote);

    [LoggerMessage(EventId = 1175, Level = LogLevel.Error, Message = "{Origin} {Remote}: could not store the message; answered 451")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, IntakeOrigin origin, string remote);

    [LoggerMessage(EventId = 1176, Level = LogLevel.Warning, Message = "Sender rules for <{Alias}> cannot be read ({Reason}); answered 451")]
    private static partial void LogRulesUnavailable(ILogger logger, string alias, string reason);
}
