using System.Buffers;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailTumble.Smtp.Inbound;

/// <summary>End of DATA: refuse what the guard flagged, otherwise hand the message to the intake and answer its reply (250 once durable).</summary>
internal sealed partial class RelayMessageStore(MessageIntake intake, SmtpListenerOptions options, ILogger<RelayMessageStore> logger) : IMessageStore
{
    public async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        var guard = context.Guard();
        var from = transaction.From.Address();
        try
        {
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

            var recipients = transaction.To.Where(guard.Recipients.ContainsKey).Select(m => guard.Recipients[m]).ToList();
            var envelope = new IntakeEnvelope(from, IntakeOrigin.Smtp) { Remote = guard.Remote };
            var result = await intake.AcceptAsync(envelope, recipients, MessageSource.FromMemory(buffer.WithFinalCrlf()), cancellationToken).ConfigureAwait(false);
            return result.Reply.ToResponse();
        }
        finally
        {
            guard.Recipients.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused message from {Remote} <{From}>: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remote, string from, string reason);
}
