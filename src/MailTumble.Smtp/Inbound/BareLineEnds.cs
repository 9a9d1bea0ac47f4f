namespace MailTumble.Smtp.Inbound;

/// <summary>What the listener does with a line in message content that does not end in CRLF (<c>MailTumble:Smtp:BareLineEnds</c>).</summary>
public enum BareLineEnds
{
    /// <summary>
    /// A bare LF is taken as CRLF (as Postfix 3.9's <c>smtpd_forbid_bare_newline = normalize</c>); only CRLF.CRLF ends
    /// the message, so a bare <c>LF.LF</c> is content and nothing after it can become a second message. A bare CR is
    /// still refused (550 5.6.11).
    /// </summary>
    Normalize,

    /// <summary>Any bare CR or LF in the message refuses it with 550 5.6.11.</summary>
    Reject,
}
