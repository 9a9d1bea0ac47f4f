namespace MailTumble.Aws.Ingress;

/// <summary>Applies <see cref="SesVerdictPolicy"/> to a receipt: the strictest action of all failed verdicts wins.</summary>
public static class SesVerdicts
{
    /// <summary>Returns the action and, unless it is <see cref="VerdictAction.Pass"/>, which verdicts caused it.</summary>
    public static (VerdictAction Action, string Reason) Decide(SesReceipt receipt, SesVerdictPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(policy);
        var action = VerdictAction.Pass;
        var reasons = new List<string>();
        foreach (var (name, status) in receipt.Verdicts)
        {
            if (status != "FAIL")
            {
                continue;
            }

            var rule = name switch
            {
                "virus" => policy.Virus,
                "spam" => policy.Spam,
                "spf" => policy.Spf,
                "dkim" => policy.Dkim,
                "dmarc" => receipt.DmarcPolicy == "reject" ? policy.DmarcReject : policy.Dmarc,
                _ => VerdictAction.Pass,
            };
            if (rule != VerdictAction.Pass)
            {
                reasons.Add(name == "dmarc" && receipt.DmarcPolicy is { } p ? $"dmarc FAIL (policy {p})" : name + " FAIL");
            }

            action = (VerdictAction)Math.Max((int)action, (int)rule);
        }

        return (action, string.Join(", ", reasons));
    }
}
