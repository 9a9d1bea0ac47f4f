using MailTumble.Core.Receiving;
using MailTumble.Core.Rewriting;
using MimeKit.Cryptography;

namespace MailTumble.Core.Replies;

/// <summary>
/// Whether a reply really comes from the alias's owner, as far as the ingress can tell: SPF or DKIM (or DMARC, which is
/// one of them aligned with From) passed for the target's domain. The results come from the ingress itself (SES
/// verdicts) or from the topmost <c>Authentication-Results</c> header of the trusted MTA in front of the listener.
/// </summary>
internal static class ReplyAuthentication
{
    /// <summary>
    /// Null when the reply may go on, else why not. Without results from the ingress and without a trusted authserv-id
    /// there is nothing to check (the envelope sender and From were checked already).
    /// </summary>
    public static string? Check(IntakeEnvelope envelope, ParsedMessage message, string target, string? trustedAuthServId)
    {
        var results = envelope.Authentication ?? (string.IsNullOrWhiteSpace(trustedAuthServId) ? null : FromHeader(message, trustedAuthServId.Trim()));
        if (results is null)
        {
            return string.IsNullOrWhiteSpace(trustedAuthServId) || envelope.Origin == IntakeOrigin.Ses
                ? null
                : $"no Authentication-Results from {trustedAuthServId.Trim()}";
        }

        var domain = target[(target.LastIndexOf('@') + 1)..];
        foreach (var check in results.Checks.Where(c => c.Result == "pass"))
        {
            var aligned = check.Method switch
            {
                // SPF checks the MAIL FROM, which is already known to be the target.
                "spf" => check.Domain is null || Aligned(check.Domain, domain),
                "dkim" => check.Domain is null ? SignatureDomains(message).Any(d => Aligned(d, domain)) : Aligned(check.Domain, domain),
                // DMARC passes only aligned with the From domain, and From is the target.
                "dmarc" => check.Domain is null || Aligned(check.Domain, domain),
                _ => false,
            };
            if (aligned)
            {
                return null;
            }
        }

        var summary = string.Join(", ", results.Checks.Select(c => $"{c.Method}={c.Result}{(c.Domain is null ? string.Empty : " (" + c.Domain + ")")}"));
        return $"{results.Source} found no SPF or DKIM pass for {domain}: {(summary.Length == 0 ? "no results" : summary)}";
    }

    /// <summary>The results of the first (topmost) Authentication-Results header from <paramref name="authServId"/>.</summary>
    public static SenderAuthentication? FromHeader(ParsedMessage message, string authServId)
    {
        foreach (var field in message.Fields)
        {
            if (!System.Text.Ascii.EqualsIgnoreCase(message.Name(field), "Authentication-Results"u8))
            {
                continue;
            }

            if (!AuthenticationResults.TryParse(message.Value(field).ToArray(), out var parsed)
                || !string.Equals(parsed.AuthenticationServiceIdentifier, authServId, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var checks = parsed.Results.Select(r => new AuthenticationCheck(r.Method.ToLowerInvariant(), (r.Result ?? string.Empty).ToLowerInvariant(), DomainOf(r))).ToList();
            return new SenderAuthentication(authServId, checks);
        }

        return null;
    }

    private static string? DomainOf(AuthenticationMethodResult result)
    {
        var method = result.Method.ToLowerInvariant();
        foreach (var property in result.Properties)
        {
            var name = property.PropertyType.ToLowerInvariant() + "." + property.Property.ToLowerInvariant();
            var value = property.Value.Trim().Trim('"');
            switch (method, name)
            {
                case ("spf", "smtp.mailfrom" or "smtp.helo"):
                case ("dkim", "header.d" or "header.i"):
                case ("dmarc", "header.from"):
                    return value[(value.LastIndexOf('@') + 1)..].ToLowerInvariant();
            }
        }

        return null;
    }

    /// <summary>The <c>d=</c> of every DKIM-Signature in the header section (SES says DKIM passed, not for which domain).</summary>
    private static IEnumerable<string> SignatureDomains(ParsedMessage message)
    {
        foreach (var field in message.Fields)
        {
            if (!System.Text.Ascii.EqualsIgnoreCase(message.Name(field), "DKIM-Signature"u8))
            {
                continue;
            }

            var value = System.Text.Encoding.ASCII.GetString(message.Value(field));
            foreach (var tag in value.Split(';'))
            {
                var parts = tag.Split('=', 2);
                if (parts.Length == 2 && string.Equals(parts[0].Trim(), "d", StringComparison.OrdinalIgnoreCase))
                {
                    yield return string.Concat(parts[1].Where(c => !char.IsWhiteSpace(c))).ToLowerInvariant();
                }
            }
        }
    }

    /// <summary>Relaxed alignment: the same domain, or the target's domain is below the authenticated one (never a bare TLD).</summary>
    private static bool Aligned(string authenticated, string target) =>
        authenticated.Contains('.', StringComparison.Ordinal)
        && (string.Equals(authenticated, target, StringComparison.OrdinalIgnoreCase) || target.EndsWith("." + authenticated, StringComparison.OrdinalIgnoreCase));
}
