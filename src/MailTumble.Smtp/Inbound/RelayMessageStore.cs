using System.Buffers;
using MailTumble.Core.Directory;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailTumble.Smtp.Inbound;

/// <summary>End of DATA: refuse what the guard flagged, otherwise hand the message to the receiver and answer 250 once it is durable.</summary>
internal sealed partial class RelayMessageStore(MessageReceiver receiver, SmtpListenerOptions options, ILogger<RelayMessageStore> logger) : IMessageStore
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

        if (recipients.Count == 0)
        {
            return new SmtpReply(554, "5.5.1 No valid recipients").ToResponse();
        }

        try
        {
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
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused message from {Remote} <{From}>: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remote, string from, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingest channel full; answered 451 to {Remote}")]
    private static partial void LogBusy(ILogger logger, string remote);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not store message from {Remote}; answered 451")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string remote);
}
