namespace MailTumble.Core.Replies;

/// <summary>Two-way masking settings (<c>MailTumble:Reply</c>): reverse aliases, replies through the mask.</summary>
public sealed class ReplyOptions
{
    /// <summary>
    /// Forwarded mail carries reverse aliases (Reply-To, To, Cc) and mail to a reverse alias is a reply. Off: forwarded
    /// mail's Reply-To is the original author, as before two-way masking.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Secret that signs reverse aliases and seals Message-IDs (at least 16 characters). Unset: a random key kept in <see cref="KeyFile"/>.</summary>
    public string? Key { get; set; }

    /// <summary>Where the generated key is kept (the host sets it inside the data directory).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// The <c>authserv-id</c> of the MTA in front of the SMTP listener whose <c>Authentication-Results</c> header is
    /// trusted. When set, a reply over SMTP is accepted only if that header says SPF or DKIM passed for the target's
    /// domain; unset, SMTP replies are checked by envelope sender and From alone.
    /// </summary>
    public string? TrustedAuthServId { get; set; }

    /// <summary>Replace the target's address in a reply's text/plain and text/html parts with the alias (on by default).</summary>
    public bool ScrubBody { get; set; } = true;
}
