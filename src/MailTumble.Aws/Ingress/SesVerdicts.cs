using MailTumble.Core.Receiving;

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

    /// <summary>
    /// What SES checked about the sender, for the reply check: its SPF, DKIM and DMARC verdicts (without a domain: SES
    /// checks SPF for <c>mail.source</c>, and a DKIM pass is matched to the message's own <c>DKIM-Signature d=</c>).
    /// Null when the receipt carries none of them, so there is nothing the ingress says.
    /// </summary>
    public static SenderAuthentication? Authentication(SesReceipt receipt)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var checks = new List<AuthenticationCheck>();
        foreach (var name in (string[])["spf", "dkim", "dmarc"])
        {
            if (receipt.Verdicts.TryGetValue(name, out var status))
            {
                checks.Add(new AuthenticationCheck(name, status.ToLowerInvariant(), null));
            }
        }

        return checks.Count == 0 ? null : new SenderAuthentication("SES " + receipt.MessageId, checks);
    }
}
