using MailTumble.Core.Receiving;
using SmtpServer.Protocol;

namespace MailTumble.Smtp.Inbound;

/// <summary>Turns our replies into SmtpServer's.</summary>
internal static class SmtpReplies
{
    public static SmtpResponse ToResponse(this SmtpReply reply) => new((SmtpReplyCode)reply.Code, reply.Text);

    public static SmtpResponseException ToException(this SmtpReply reply) => new(reply.ToResponse());

    /// <summary>The envelope address of a mailbox; empty for the null sender.</summary>
    public static string Address(this SmtpServer.Mail.IMailbox? mailbox) =>
        mailbox is null || string.IsNullOrEmpty(mailbox.User) ? string.Empty : mailbox.User + "@" + mailbox.Host;

    public static SessionGuard Guard(this SmtpServer.ISessionContext context) =>
        (SessionGuard)context.Properties[SessionGuard.PropertyKey];
}
