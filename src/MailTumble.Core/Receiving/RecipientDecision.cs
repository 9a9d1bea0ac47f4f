using MailTumble.Core.Aliases;
using MailTumble.Core.Replies;

namespace MailTumble.Core.Receiving;

/// <summary>What to answer to one <c>RCPT TO</c>.</summary>
/// <param name="Reply">The SMTP reply to give.</param>
/// <param name="Alias">The alias, when the recipient is an accepted alias.</param>
/// <param name="FeedbackAddress">The address, when the recipient is our signed bounce address or the complaints address.</param>
public sealed record RecipientDecision(SmtpReply Reply, AliasRecord? Alias, string? FeedbackAddress = null)
{
    /// <summary>Whether the recipient is accepted.</summary>
    public bool Accepted => (Alias is not null || FeedbackAddress is not null) && Reply.IsSuccess;

    /// <summary>The recipient as it was checked.</summary>
    public string Address { get; init; } = string.Empty;

    /// <summary>
    /// Set when the recipient is a reverse alias: the message is a reply from the owner of <see cref="Alias"/> to the
    /// correspondent it names, not mail for the alias.
    /// </summary>
    public ReverseAlias? Reverse { get; init; }

    /// <summary>Set when an existing alias refused the mail (it is disabled): the alias it counts as blocked for.</summary>
    public string? RefusedAlias { get; init; }
}
