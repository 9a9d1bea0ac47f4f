using MailTumble.Core.Receiving;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Storage;

namespace MailTumble.Smtp.Inbound;

/// <summary>MAIL and RCPT: size and recipient count here; each recipient is decided by the intake and answered at once.</summary>
internal sealed class RelayMailboxFilter(MessageIntake intake, SmtpListenerOptions options) : IMailboxFilter
{
    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        context.Guard().Recipients.Clear();
        if (size > options.MaxMessageBytes)
        {
            throw new SmtpReply(552, $"5.3.4 Message size exceeds the limit of {options.MaxMessageBytes} bytes").ToException();
        }

        return Task.FromResult(true);
    }

    public async Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
    {
        var guard = context.Guard();
        if (guard.RecipientCount >= options.MaxRecipients)
        {
            throw new SmtpReply(452, $"4.5.3 Too many recipients (at most {options.MaxRecipients} per message)").ToException();
        }

        var address = string.IsNullOrEmpty(to.Host) ? to.User : to.User + "@" + to.Host;
        var decision = await intake.CheckRecipientAsync(from.Address(), address, cancellationToken).ConfigureAwait(false);
        if (!decision.Accepted)
        {
            throw decision.Reply.ToException();
        }

        guard.Recipients[to] = decision;
        return true;
    }
}
