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
        var ascii = Ascii.IsValid(_trimmed);
        Encoded = ascii ? Encoding.ASCII.GetBytes(_trimmed) : Rfc2047.EncodeText(format, Encoding.UTF8, _trimmed);
        EncodedWithBlank = ascii ? null : EncodeWithBlank(_trimmed);
    }

    /// <summary>The prefix as it is written into the header, without the blank that follows it.</summary>
    public byte[] Encoded { get; }

    /// <summary>
    /// A non-ASCII prefix with its blank inside the last encoded word, for a subject that starts with an encoded
    /// word: the blank between two encoded words is not displayed (RFC 2047 §6.2), which would glue them together.
    /// Null for an ASCII prefix.
    /// </summary>
    public byte[]? EncodedWithBlank { get; }

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

    private static byte[] EncodeWithBlank(string prefix)
    {
        // Base64 words of at most 45 bytes (60 characters encoded) never split a character; only the last carries the blank.
        var words = new List<string>();
        var bytes = Encoding.UTF8.GetBytes(prefix + " ");
        var start = 0;
        while (start < bytes.Length)
        {
            var end = Math.Min(bytes.Length, start + 45);
            while (end < bytes.Length && (bytes[end] & 0xC0) == 0x80)
            {
                end--;
            }

            words.Add("=?utf-8?b?" + Convert.ToBase64String(bytes, start, end - start) + "?=");
            start = end;
        }

        return Encoding.ASCII.GetBytes(string.Join("\r\n ", words));
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
