using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace MailTumble.Core.Rewriting;

/// <summary>Decides whether a subject already carries the prefix, looking past reply and forward markers.</summary>
internal sealed class SubjectPrefix
{
    private static readonly string[] Markers = ["re", "fw", "fwd", "aw", "wg", "sv", "vs", "antw", "rv", "tr", "r"];
    private readonly string _trimmed;

    public SubjectPrefix(string prefix, FormatOptions format)
    {
        _trimmed = prefix.Trim();
        // A non-ASCII prefix goes out as an encoded word, so the header stays 7-bit where it was.
        Encoded = Ascii.IsValid(_trimmed) ? Encoding.ASCII.GetBytes(_trimmed) : Rfc2047.EncodeText(format, Encoding.UTF8, _trimmed);
    }

    /// <summary>The prefix as it is written into the header, without the blank that follows it.</summary>
    public byte[] Encoded { get; }

    public bool IsPresent(ReadOnlySpan<byte> rawValue)
    {
        var text = Rfc2047.DecodeText(ParserOptions.Default, rawValue.ToArray()).Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
        var rest = text.AsSpan().TrimStart();
        while (true)
        {
            if (rest.StartsWith(_trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            var after = SkipMarker(rest);
            if (after.Length == rest.Length)
            {
                return false;
            }

            rest = after.TrimStart();
        }
    }

    /// <summary>Skips one "Re:", "Fwd[2]:", "AW:" … or returns the text unchanged.</summary>
    private static ReadOnlySpan<char> SkipMarker(ReadOnlySpan<char> text)
    {
        foreach (var marker in Markers)
        {
            if (!text.StartsWith(marker, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rest = text[marker.Length..];
            if (rest.StartsWith('[') || rest.StartsWith('('))
            {
                var close = rest.IndexOfAny(']', ')');
                rest = close < 0 ? rest : rest[(close + 1)..];
            }

            rest = rest.TrimStart(' ');
            if (rest.StartsWith(':') || rest.StartsWith('\uff1a'))
            {
                return rest[1..];
            }
        }

        return text;
    }
}
