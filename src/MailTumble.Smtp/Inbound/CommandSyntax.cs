using System.Text;

namespace MailTumble.Smtp.Inbound;

/// <summary>The syntax of SMTP command lines (RFC 5321 section 4.1): the verb, paths and ESMTP parameters.</summary>
internal static class CommandSyntax
{
    /// <summary>The longest path RFC 5321 allows (section 4.5.3.1.3), brackets excluded.</summary>
    public const int MaxPath = 256;

    /// <summary>Splits a command line into its verb and the arguments after one space.</summary>
    public static ReadOnlySpan<byte> Split(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> arguments)
    {
        var space = line.IndexOf((byte)' ');
        arguments = space < 0 ? ReadOnlySpan<byte>.Empty : line[(space + 1)..];
        return space < 0 ? line : line[..space];
    }

    /// <summary>
    /// Parses <c>FROM:&lt;path&gt; params</c> (or <c>TO:</c>): <paramref name="keyword"/> case-insensitively, optional
    /// spaces, a path in angle brackets (quoted strings may hold any printable character) and the parameters after it.
    /// </summary>
    public static bool TryParsePath(ReadOnlySpan<byte> arguments, ReadOnlySpan<byte> keyword, out ReadOnlySpan<byte> address, out ReadOnlySpan<byte> parameters)
    {
        address = default;
        parameters = default;
        if (arguments.Length < keyword.Length || !Ascii.EqualsIgnoreCase(arguments[..keyword.Length], keyword))
        {
            return false;
        }

        var rest = arguments[keyword.Length..].TrimStart((byte)' ');
        if (rest.IsEmpty || rest[0] != '<')
        {
            return false;
        }

        var quoted = false;
        for (var i = 1; i < rest.Length; i++)
        {
            var b = rest[i];
            if (b < 0x20 || b == 0x7f)
            {
                return false;
            }

            if (quoted)
            {
                if (b == '\\')
                {
                    i++;
                }
                else if (b == '"')
                {
                    quoted = false;
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    quoted = true;
                    break;
                case (byte)' ':
                    return false;
                case (byte)'<':
                    return false;
                case (byte)'>':
                    address = rest[1..i];
                    parameters = rest[(i + 1)..];
                    return address.Length <= MaxPath && (parameters.IsEmpty || parameters[0] == ' ');
            }
        }

        return false;
    }

    /// <summary>
    /// Reads the next ESMTP parameter (<c>KEYWORD[=value]</c>) from <paramref name="parameters"/>; false when there
    /// are no more. <paramref name="valid"/> is false when the parameter is malformed.
    /// </summary>
    public static bool NextParameter(ref ReadOnlySpan<byte> parameters, out ReadOnlySpan<byte> keyword, out ReadOnlySpan<byte> value, out bool valid)
    {
        parameters = parameters.TrimStart((byte)' ');
        keyword = default;
        value = default;
        valid = true;
        if (parameters.IsEmpty)
        {
            return false;
        }

        var end = parameters.IndexOf((byte)' ');
        var token = end < 0 ? parameters : parameters[..end];
        parameters = end < 0 ? default : parameters[end..];
        var equals = token.IndexOf((byte)'=');
        keyword = equals < 0 ? token : token[..equals];
        value = equals < 0 ? default : token[(equals + 1)..];
        valid = keyword.Length > 0 && IsKeyword(keyword) && (equals < 0 || IsValue(value));
        return true;
    }

    /// <summary>Whether the bytes hold anything outside US-ASCII.</summary>
    public static bool HasEightBit(ReadOnlySpan<byte> bytes) => !Ascii.IsValid(bytes);

    /// <summary>Text for a reply or a log line: printable ASCII, at most 100 characters.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(Math.Min(bytes.Length, 100));
        foreach (var b in bytes[..Math.Min(bytes.Length, 100)])
        {
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }

        return bytes.Length > 100 ? text.Append("...").ToString() : text.ToString();
    }

    private static bool IsKeyword(ReadOnlySpan<byte> keyword)
    {
        foreach (var b in keyword)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValue(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            // esmtp-value: any printable US-ASCII but '=' (and SP, which ends it).
            if (b is < 0x21 or > 0x7e || b == '=')
            {
                return false;
            }
        }

        return !value.IsEmpty;
    }
}
