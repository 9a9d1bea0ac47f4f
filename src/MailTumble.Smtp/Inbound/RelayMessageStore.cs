using System.Buffers;
using MailTumble.Core.Directory;
using MailTumble.Core.Feedback;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailTumble.Smtp.Inbound;

/// <summary>End of DATA: refuse what the guard flagged, otherwise hand the message to the receiver and answer 250 once it is durable.</summary>
internal sealed partial class RelayMessageStore(MessageReceiver receiver, FeedbackProcessor? feedback, SmtpListenerOptions options, ILogger<RelayMessageStore> logger) : IMessageStore
{
    public async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        var guard = context.Guard();
        var from = transaction.From is null || string.IsNullOrEmpty(transaction.From.User) ? string.Empty : transaction.From.User + "@" + transaction.From.Host;
        if (guard.Oversize)
        {
            LogRefused(logger, guard.Remote, from, "message too big");
            return new SmtpReply(552, $"5.3.4 Message size exceeds the limit of {options.MaxMessageBytes} bytes").ToResponse();
        }

        if (guard.BareLineEnding)
        {
            LogRefused(logger, guard.Remote, from, "bare CR or LF in message");
            return new SmtpReply(550, "5.6.11 Message contains a bare <CR> or <LF>; lines must end with <CR><LF>").ToResponse();
        }

        var recipients = new List<AliasRecord>(transaction.To.Count);
        foreach (var mailbox in transaction.To)
        {
            if (guard.Recipients.TryGetValue(mailbox, out var alias))
            {
                recipients.Add(alias);
            }
        }

        var reports = transaction.To.Where(guard.FeedbackRecipients.ContainsKey).Select(m => guard.FeedbackRecipients[m]).Distinct().ToList();
        if (recipients.Count == 0 && reports.Count == 0)
        {
            return new SmtpReply(554, "5.5.1 No valid recipients").ToResponse();
        }

        try
        {
            if (reports.Count > 0)
            {
                var failure = await ProcessFeedbackAsync(buffer, reports, guard.Remote, cancellationToken).ConfigureAwait(false);
                if (failure is not null || recipients.Count == 0)
                {
                    return (failure ?? new SmtpReply(250, "2.0.0 Ok: report processed")).ToResponse();
                }
            }

            var key = await receiver.ReceiveAsync(from, recipients, buffer.WithFinalCrlf(), cancellationToken).ConfigureAwait(false);
            return new SmtpReply(250, "2.0.0 Ok: queued as " + key).ToResponse();
        }
        catch (MessageBlockedException ex)
        {
            return new SmtpReply(550, ex.Message).ToResponse();
        }
        catch (MessageRefusedException ex)
        {
            return new SmtpReply(554, "5.6.0 " + ex.Message).ToResponse();
        }
        catch (QueueFullException)
        {
            LogBusy(logger, guard.Remote);
            return new SmtpReply(451, "4.3.2 System busy, try again later").ToResponse();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStoreFailed(logger, ex, guard.Remote);
            return new SmtpReply(451, "4.3.0 Temporary storage failure, try again later").ToResponse();
        }
        finally
        {
            guard.Recipients.Clear();
            guard.FeedbackRecipients.Clear();
        }
    }

    /// <summary>Bounces and complaints are consumed here; null when done, else the temporary failure to answer.</summary>
    private async Task<SmtpReply?> ProcessFeedbackAsync(ReadOnlySequence<byte> buffer, List<string> addresses, string remote, CancellationToken cancellationToken)
    {
        if (feedback is null)
        {
            return new SmtpReply(451, "4.3.0 Feedback processing is not available, try again later");
        }

        var message = buffer.WithFinalCrlf().ToArray();
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused message from {Remote} <{From}>: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remote, string from, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Report from {Remote} to <{Address}>: {Result}")]
    private static partial void LogFeedback(ILogger logger, string remote, string address, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest channel full; answered 451 to {Remote}")]
    private static partial void LogBusy(ILogger logger, string remote);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store message from {Remote}; answered 451")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string remote);
}
