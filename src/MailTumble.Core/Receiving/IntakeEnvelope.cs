namespace MailTumble.Core.Receiving;

/// <summary>The envelope of one incoming message and where it came from.</summary>
/// <param name="From">The envelope sender; empty for the null sender.</param>
/// <param name="Origin">The transport it came in by.</param>
public sealed record IntakeEnvelope(string From, IntakeOrigin Origin)
{
    /// <summary>Who handed it over, for the log (the SMTP peer, the SES message id).</summary>
    public string Remote { get; init; } = "local";

    /// <summary>
    /// An upstream verdict that holds every delivery the recipients' own rules would forward (SES's spam check), or null.
    /// Blocks and drops still apply: an operator's rule is never weakened by a verdict.
    /// </summary>
    public string? HoldReason { get; init; }

    /// <summary>
    /// What the ingress itself checked about the sender (SES's SPF, DKIM and DMARC verdicts), or null when it checked
    /// nothing. Replies are trusted only when it says SPF or DKIM passed for the owner's domain.
    /// </summary>
    public SenderAuthentication? Authentication { get; init; }
}
