namespace MailTumble.Core.Addressing;

/// <summary>A plain <c>local@domain</c> mailbox, lower-cased, with nothing that could route elsewhere.</summary>
/// <param name="Local">The local part.</param>
/// <param name="Domain">The domain.</param>
public sealed record MailAddress(string Local, string Domain)
{
    /// <summary>The longest address accepted (RFC 5321 path limit).</summary>
    public const int MaxLength = 254;

    /// <summary>The address as <c>local@domain</c>.</summary>
    public string Value => Local + "@" + Domain;

    /// <inheritdoc />
    public override string ToString() => Value;

    /// <summary>
    /// Parses a mailbox. Quoted local parts, <c>%</c> and <c>!</c> routing, source routes, a second
    /// <c>@</c>, control characters and over-long addresses are refused, since each can make a relay
    /// forward somewhere it should not.
    /// </summary>
    public static bool TryParse(string? text, out MailAddress address)
    {
        address = null!;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return false;
        }

        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            return false;
        }

        var local = text[..at];
        var domain = text[(at + 1)..].TrimEnd('.');
        if (local.Length > 64 || !IsSafeLocal(local) || !IsDomain(domain))
        {
            return false;
        }

        address = new MailAddress(local.ToLowerInvariant(), domain.ToLowerInvariant());
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> naming the bad address.</summary>
    public static MailAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not a valid mail address (expected local@domain)");

    private static bool IsSafeLocal(string local)
    {
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in local)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c >= 0x80 || "!#$&'*+-/=?^_`{|}~.".Contains(c, StringComparison.Ordinal);
            // '%' and '!' are old routing syntaxes; '"', '@', ',' and ':' only appear in quoted parts and source routes.
            if (!ok || c == '!' || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDomain(string domain)
    {
        if (domain.Length is 0 or > 253 || domain.StartsWith('[') || domain.StartsWith('.'))
        {
            return false;
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-'))
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c >= 0x80) || char.IsControl(c))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
