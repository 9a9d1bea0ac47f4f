using System.Text;

namespace MailTumble.Core;

/// <summary>
/// Lower-case RFC 4648 base32 without padding: safe in a mail address's local part and in a Message-ID, and read back
/// whatever the case (local parts are compared case-insensitively by many MTAs).
/// </summary>
internal static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The encoding of <paramref name="data"/>, or only its first <paramref name="symbols"/> characters.</summary>
    public static string Encode(ReadOnlySpan<byte> data, int symbols = -1)
    {
        var length = symbols < 0 ? EncodedLength(data.Length) : symbols;
        var builder = new StringBuilder(length);
        int buffer = 0, bits = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5 && builder.Length < length)
            {
                builder.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0 && builder.Length < length)
        {
            builder.Append(Alphabet[(buffer << (5 - bits)) & 31]);
        }

        return builder.ToString();
    }

    /// <summary>Characters needed for <paramref name="bytes"/> bytes.</summary>
    public static int EncodedLength(int bytes) => ((bytes * 8) + 4) / 5;

    /// <summary>Whether every character is in the alphabet (either case).</summary>
    public static bool IsBase32(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (Alphabet.IndexOf(char.ToLowerInvariant(c), StringComparison.Ordinal) < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Decodes exactly <c>destination.Length</c> bytes; false when the text has another length, a character outside the
    /// alphabet, or unused trailing bits that are not zero (so each value has exactly one spelling).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> text, Span<byte> destination)
    {
        if (text.Length != EncodedLength(destination.Length))
        {
            return false;
        }

        int buffer = 0, bits = 0, written = 0;
        foreach (var c in text)
        {
            var value = Alphabet.IndexOf(char.ToLowerInvariant(c), StringComparison.Ordinal);
            if (value < 0)
            {
                return false;
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                destination[written++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }

        return written == destination.Length && (buffer & ((1 << bits) - 1)) == 0;
    }
}
