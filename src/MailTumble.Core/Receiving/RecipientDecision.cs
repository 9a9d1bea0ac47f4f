using MailTumble.Core.Directory;

namespace MailTumble.Core.Receiving;

/// <summary>What to answer to one <c>RCPT TO</c>.</summary>
/// <param name="Reply">The SMTP reply to give.</param>
/// <param name="Alias">The alias, when the recipient is accepted.</param>
public sealed record RecipientDecision(SmtpReply Reply, AliasRecord? Alias)
{
    /// <summary>Whether the recipient is accepted.</summary>
    public bool Accepted => Alias is not null && Reply.IsSuccess;
}
