using System.Text.RegularExpressions;

namespace MailTumble.Core.Replies;

/// <summary>
/// Finds and replaces the owner's address in text, case-insensitively, also as it appears in mailto links
/// (<c>john%40real.example.org</c>) and HTML (<c>john&amp;#64;real.example.org</c>, <c>&amp;commat;</c>).
/// </summary>
internal sealed class AddressScrubber
{
    private readonly Regex _pattern;
    private readonly string _replacement;

    private AddressScrubber(string target, string alias)
    {
        var at = target.LastIndexOf('@');
        var aliasAt = alias.LastIndexOf('@');
        _pattern = new Regex(
            Regex.Escape(target[..at]) + "(@|%40|&#0*64;|&#x0*40;|&commat;)" + Regex.Escape(target[(at + 1)..]),
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant,
            TimeSpan.FromSeconds(2));
        _replacement = alias[..aliasAt].Replace("$", "$$", StringComparison.Ordinal) + "$1" + alias[(aliasAt + 1)..].Replace("$", "$$", StringComparison.Ordinal);
    }

    /// <summary>A scrubber replacing <paramref name="target"/> with <paramref name="alias"/>.</summary>
    public static AddressScrubber For(string target, string alias) => new(target, alias);

    /// <summary>Whether the text mentions the address.</summary>
    public bool Contains(string text) => _pattern.IsMatch(text);

    /// <summary>The text with every mention replaced.</summary>
    public string Replace(string text) => _pattern.Replace(text, _replacement);
}
