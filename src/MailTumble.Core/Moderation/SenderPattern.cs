using MailTumble.Core.Addressing;

namespace MailTumble.Core.Moderation;

/// <summary>Parses and matches sender patterns: an address, or <c>@domain</c> for a whole domain.</summary>
public static class SenderPattern
{
    /// <summary>Normalises a pattern to lower case; throws <see cref="FormatException"/> naming the bad input.</summary>
    public static string Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.StartsWith('@'))
        {
            return MailAddress.TryParse("x" + trimmed, out var domain)
                ? "@" + domain.Domain
                : throw new FormatException($"'{trimmed}' is not a valid sender domain (expected @domain)");
        }

        return MailAddress.TryParse(trimmed, out var address)
            ? address.Value
            : throw new FormatException($"'{trimmed}' is not a valid sender (expected local@domain or @domain)");
    }

    /// <summary>The patterns that would match <paramref name="sender"/>: the address itself and its @domain.</summary>
    public static IEnumerable<string> Candidates(string sender)
    {
        if (MailAddress.TryParse(sender, out var address))
        {
            yield return address.Value;
            yield return "@" + address.Domain;
        }
    }
}
