using MailTumble.Core.Receiving;
using SmtpServer.Mail;

namespace MailTumble.Smtp.Inbound;

/// <summary>Per-session state shared by the guard stream, the mailbox filter and the message store.</summary>
internal sealed class SessionGuard
{
    public const string PropertyKey = "MailTumble:SessionGuard";

    /// <summary>The DATA just received was larger than allowed (the excess was discarded unread).</summary>
    public bool Oversize { get; set; }

    /// <summary>The DATA just received had a bare CR or LF.</summary>
    public bool BareLineEnding { get; set; }

    /// <summary>Accepted recipients of the current transaction (aliases, our bounce or complaints address) as the intake decided them.</summary>
    public Dictionary<IMailbox, RecipientDecision> Recipients { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>How many recipients the current transaction has accepted.</summary>
    public int RecipientCount => Recipients.Count;

    public string Remote { get; init; } = "unknown";

    public void StartData()
    {
        Oversize = false;
        BareLineEnding = false;
    }
}
