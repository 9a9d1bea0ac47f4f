using System.Buffers;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;

namespace MailTumble.Smtp.Inbound;

/// <summary>What the SMTP conversation asks of the core: a decision for each <c>RCPT TO</c> and the reply to a message.</summary>
internal sealed partial class SmtpIntake(RecipientPolicy policy, ModerationPolicy moderation, MessageReceiver receiver, FeedbackProcessor? feedback, ILogger<SmtpIntake> logger)
{
    /// <summary>The recipient policy (relay, unknown, dead, outage), then a refusing block of the envelope sender by the alias's rules.</summary>
    public async ValueTask<RecipientDecision> CheckRecipientAsync(string from, string address, CancellationToken cancellationToken)
    {
        var decision = await policy.CheckAsync(address, cancellationToken).ConfigureAwait(false);
        if (decision.Alias is { } alias && decision.Accepted && from.Length > 0)
        {
            // The author (header From) is only known with the message, and checked then.
            var verdict = await moderation.DecideAsync(alias, [from], cancellationToken).ConfigureAwait(false);
            if (verdict.Verdict == ModerationVerdict.Block)
            {
                return new RecipientDecision(new SmtpReply(550, $"5.7.1 <{alias.Address}>: Message refused by the recipient's rules"), null);
            }
        }

        return decision;
    }

    /// <summary>Takes the message for the accepted recipients; the reply is 250 only once it is durable.</summary>
    public async Task<SmtpReply> AcceptAsync(string from, string remote, IReadOnlyList<RecipientDecision> recipients, ReadOnlySequence<byte> message, CancellationToken cancellationToken)
    {
        var aliases = recipients.Where(r => r.Alias is not null).Select(r => r.Alias!).ToList();
        var reports = recipients.Where(r => r.Alias is null && r.FeedbackAddress is not null).Select(r => r.FeedbackAddress!).Distinct(StringComparer.Ordinal).ToList();
        if (aliases.Count == 0 && reports.Count == 0)
        {
            return new SmtpReply(554, "5.5.1 No valid recipients");
        }

        try
        {
            if (reports.Count > 0)
            {
                var failure = await ProcessFeedbackAsync(message, reports, remote, cancellationToken).ConfigureAwait(false);
                if (failure is not null || aliases.Count == 0)
                {
                    return failure ?? new SmtpReply(250, "2.0.0 Ok: report processed");
                }
            }

            var key = await receiver.ReceiveAsync(from, aliases, message, cancellationToken).ConfigureAwait(false);
            return new SmtpReply(250, "2.0.0 Ok: queued as " + key);
        }
        catch (MessageBlockedException ex)
        {
            return new SmtpReply(550, ex.Message);
        }
        catch (MessageRefusedException ex)
        {
            return new SmtpReply(554, "5.6.0 " + ex.Message);
        }
        catch (QueueFullException)
        {
            LogBusy(logger, remote);
            return new SmtpReply(451, "4.3.2 System busy, try again later");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(logger, ex, remote);
            return new SmtpReply(451, "4.3.0 Temporary storage failure, try again later");
        }
    }

    /// <summary>Bounces and complaints are consumed here; null when done, else the temporary failure to answer.</summary>
    private async Task<SmtpReply?> ProcessFeedbackAsync(ReadOnlySequence<byte> buffer, List<string> addresses, string remote, CancellationToken cancellationToken)
    {
        if (feedback is null)
        {
            return new SmtpReply(451, "4.3.0 Feedback processing is not available, try again later");
        }

        var message = buffer.ToArray();
        foreach (var address in addresses)
        {
            try
            {
                var result = await feedback.ProcessMailAsync(message, address, FeedbackOrigin.Smtp, cancellationToken).ConfigureAwait(false);
                LogFeedback(logger, remote, address, result.ToString());
            }
            catch (FormatException ex)
            {
                // Unreadable reports are not worth a retry from the sender: log and drop.
                LogFeedback(logger, remote, address, "unreadable: " + ex.Message);
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Report from {Remote} to <{Address}>: {Result}")]
    private static partial void LogFeedback(ILogger logger, string remote, string address, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest channel full; answered 451 to {Remote}")]
    private static partial void LogBusy(ILogger logger, string remote);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store message from {Remote}; answered 451")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string remote);
}
