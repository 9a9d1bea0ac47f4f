using MailTumble.Core.Receiving;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Storage;

namespace MailTumble.Smtp.Inbound;

/// <summary>MAIL and RCPT checks: size, recipient count, and the recipient policy (relay, unknown, dead, outage).</summary>
internal sealed class RelayMailboxFilter(RecipientPolicy policy, SmtpListenerOptions options) : IMailboxFilter
{
    public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
    {
        context.Guard().Recipients.Clear();
        context.Guard().FeedbackRecipients.Clear();
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
        var decision = await policy.CheckAsync(address, cancellationToken).ConfigureAwait(false);
        if (!decision.Accepted)
        {
            throw decision.Reply.ToException();
        }

        if (decision.Alias is null)
        {
            guard.FeedbackRecipients[to] = decision.FeedbackAddress!;
        }
        else
        {
            guard.Recipients[to] = decision.Alias;
        }

        return true;
    }
}
