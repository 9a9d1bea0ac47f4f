using System.Text;

namespace MailTumble.Core.Fairness;

/// <summary>Lane keys: parsing the <c>LaneBy</c> setting and making keys from envelope, alias or header.</summary>
public static class LaneKeys
{
    /// <summary>The default <c>LaneBy</c>.</summary>
    public const string SenderDomain = "sender-domain";

    /// <summary>The lane of the null sender (bounces, DSNs).</summary>
    public const string NullSender = "<>";

    /// <summary>Longest key kept (longer ones are cut): keys are stored with every item and shown in listings.</summary>
    public const int MaxLength = 200;

    /// <summary>Parses <c>sender-domain</c>, <c>alias</c>, <c>target</c> or <c>header:NAME</c>.</summary>
    public static bool TryParse(string? text, out LaneRule rule, out string error)
    {
        rule = new LaneRule(LaneBy.SenderDomain);
        error = string.Empty;
        var value = text?.Trim() ?? string.Empty;
        switch (value.ToLowerInvariant())
        {
            case SenderDomain:
                return true;
            case "alias":
                rule = new LaneRule(LaneBy.Alias);
                return true;
            case "target":
                rule = new LaneRule(LaneBy.Target);
                return true;
        }

        if (value.StartsWith("header:", StringComparison.OrdinalIgnoreCase))
        {
            var name = value["header:".Length..].Trim();
            if (name.Length > 0 && name.All(c => c is > ' ' and <= '~' and not ':'))
            {
                rule = new LaneRule(LaneBy.Header, name);
                return true;
            }

            error = $"is '{text}': the header name after 'header:' must be printable ASCII without spaces or colons";
            return false;
        }

        error = $"is '{text}'; expected sender-domain, alias, target or header:NAME";
        return false;
    }

    /// <summary>The lane of an envelope sender by its domain; <c>&lt;&gt;</c> for the null sender.</summary>
    public static string ForSender(string envelopeFrom)
    {
        if (string.IsNullOrWhiteSpace(envelopeFrom))
        {
            return NullSender;
        }

        var at = envelopeFrom.LastIndexOf('@');
        return Clean(at >= 0 ? envelopeFrom[(at + 1)..] : envelopeFrom);
    }

    /// <summary>A key as stored: trimmed, lower-cased, control characters removed, at most <see cref="MaxLength"/> characters.</summary>
    public static string Clean(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxLength));
        foreach (var c in text.Trim().TrimEnd('.'))
        {
            if (builder.Length == MaxLength)
            {
                break;
            }

            if (!char.IsControl(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }
}
