namespace MailTumble.Core.Feedback;

/// <summary>
/// Pulls the bare address out of report fields such as <c>rfc822; john@x</c> or <c>John &lt;john@x&gt;</c>, and the
/// signed bounce addresses out of a text: every parser of reports, in Core or an adapter, reads them alike.
/// </summary>
public static class AddressText
{
    /// <summary>The address in a report field, lower case; empty when there is none.</summary>
    public static string Bare(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return string.Empty;
        }

        var text = value.Trim();
        var semicolon = text.IndexOf(';', StringComparison.Ordinal);
        if (semicolon >= 0 && text.AsSpan(0, semicolon).IndexOf('@') < 0)
        {
            text = text[(semicolon + 1)..].Trim(); // address type, e.g. "rfc822;"
        }

        var open = text.LastIndexOf('<');
        var close = text.LastIndexOf('>');
        if (open >= 0 && close > open)
        {
            text = text[(open + 1)..close];
        }

        return text.Trim().Trim('"').ToLowerInvariant();
    }

    /// <summary>Every <c>bounces+…@…</c> address in a text, in order of appearance.</summary>
    public static IEnumerable<string> BounceAddressesIn(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var index = 0;
        while ((index = text.IndexOf("bounces+", index, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var end = index;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] is not ('>' or '<' or ';' or ',' or '"' or ')'))
            {
                end++;
            }

            var candidate = text[index..end];
            if (candidate.Contains('@', StringComparison.Ordinal))
            {
                yield return candidate.ToLowerInvariant();
            }

            index = end;
        }
    }
}
