namespace MailTumble.Aws.Ingress;

/// <summary>
/// Per-verdict policy for SES receipts (<c>MailTumble:Aws:Verdicts</c>): the action when the verdict's status is <c>FAIL</c>.
/// </summary>
public sealed class SesVerdictPolicy
{
    /// <summary>When <c>virusVerdict</c> fails.</summary>
    public VerdictAction Virus { get; set; } = VerdictAction.Drop;

    /// <summary>When <c>spamVerdict</c> fails.</summary>
    public VerdictAction Spam { get; set; } = VerdictAction.Hold;

    /// <summary>When <c>spfVerdict</c> fails.</summary>
    public VerdictAction Spf { get; set; } = VerdictAction.Pass;

    /// <summary>When <c>dkimVerdict</c> fails.</summary>
    public VerdictAction Dkim { get; set; } = VerdictAction.Pass;

    /// <summary>When <c>dmarcVerdict</c> fails and the sender's DMARC policy is <c>reject</c>.</summary>
    public VerdictAction DmarcReject { get; set; } = VerdictAction.Drop;

    /// <summary>When <c>dmarcVerdict</c> fails under a weaker DMARC policy (none, quarantine).</summary>
    public VerdictAction Dmarc { get; set; } = VerdictAction.Pass;
}
