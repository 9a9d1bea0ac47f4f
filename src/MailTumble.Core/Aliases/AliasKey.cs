using MailTumble.Core.Addressing;

namespace MailTumble.Core.Aliases;

/// <summary>What a directory entry is stored under: an alias address, or <c>@domain</c> for the domain's catch-all.</summary>
/// <param name="Local">The local part; empty for a catch-all.</param>
/// <param name="Domain">The domain.</param>
public sealed record AliasKey(string Local, string Domain)
{
    /// <summary>The key as stored: <c>local@domain</c> or <c>@domain</c>.</summary>
    public string Value => Local + "@" + Domain;

    /// <summary>Whether this is a domain's catch-all entry.</summary>
    public bool IsCatchAll => Local.Length == 0;

    /// <summary>The catch-all key of <paramref name="domain"/>.</summary>
    public static string CatchAll(string domain) => "@" + domain;

    /// <summary>Parses an alias address or <c>@domain</c>, lower-cased, by the rules of <see cref="MailAddress"/>.</summary>
    public static bool TryParse(string? text, out AliasKey key)
    {
        key = null!;
        if (text is { Length: > 1 } && text[0] == '@')
        {
            // The domain is checked as an address's would be.
            if (!MailAddress.TryParse("x" + text, out var probe))
            {
                return false;
            }

            key = new AliasKey(string.Empty, probe.Domain);
            return true;
        }

        if (!MailAddress.TryParse(text, out var address))
        {
            return false;
        }

        key = new AliasKey(address.Local, address.Domain);
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> naming the bad text.</summary>
    public static AliasKey Parse(string text) =>
        TryParse(text, out var key) ? key : throw new FormatException($"'{text}' is not a valid alias (expected local@domain, or @domain for a catch-all)");
}
