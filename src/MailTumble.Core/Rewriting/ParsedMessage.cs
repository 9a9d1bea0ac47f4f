using System.Buffers;
using System.Text;
using MimeKit;

namespace MailTumble.Core.Rewriting;

/// <summary>
/// A received message split into its header fields (located by a byte scan, never decoded) and the
/// offset of its untouched body. Accepts CRLF and bare-LF line ends.
/// </summary>
public sealed class ParsedMessage
{
    /// <summary>A header section longer than this cannot be made safe; the message is refused.</summary>
    public const int MaxHeaderBytes = 1024 * 1024;

    private readonly ReadOnlySequence<byte> _data;
    private bool? _eightBit;

    private ParsedMessage(byte[] headerBlock, IReadOnlyList<HeaderField> fields, long bodyOffset, ReadOnlySequence<byte> data, string? problem, bool separatorInserted, bool droppedPostmark)
    {
        HeaderBlock = headerBlock;
        Fields = fields;
        BodyOffset = bodyOffset;
        _data = data;
        Problem = problem;
        SeparatorInserted = separatorInserted;
        DroppedPostmark = droppedPostmark;
    }

    /// <summary>The raw bytes of the header section as received (line ends as received).</summary>
    public byte[] HeaderBlock { get; }

    /// <summary>The header fields in order.</summary>
    public IReadOnlyList<HeaderField> Fields { get; }

    /// <summary>Where the body starts (after the empty line), or the length when there is no body.</summary>
    public long BodyOffset { get; }

    /// <summary>Why the message cannot be forwarded safely (a header section over <see cref="MaxHeaderBytes"/>, a NUL byte in a header), or null when it can.</summary>
    public string? Problem { get; }

    /// <summary>True when a non-header line ended the header section without an empty line (the body starts there).</summary>
    public bool SeparatorInserted { get; }

    /// <summary>True when a leading mbox <c>From </c> line was dropped.</summary>
    public bool DroppedPostmark { get; }

    /// <summary>Whether any byte of the message is above 127 (computed on first use; the body is only scanned).</summary>
    public bool EightBit => _eightBit ??= HasEightBit(_data);

    /// <summary>The name of a field, as received.</summary>
    public ReadOnlySpan<byte> Name(HeaderField field) => HeaderBlock.AsSpan(field.Start, field.NameLength);

    /// <summary>The raw value of a field (after the colon, folding and line end included).</summary>
    public ReadOnlySpan<byte> Value(HeaderField field) => HeaderBlock.AsSpan(field.ValueStart, field.End - field.ValueStart);

    /// <summary>The whole field, name to last line end.</summary>
    public ReadOnlySpan<byte> Raw(HeaderField field) => HeaderBlock.AsSpan(field.Start, field.End - field.Start);

    /// <summary>Scans the header section. Never throws on malformed input: see <see cref="Problem"/>.</summary>
    public static ParsedMessage Parse(ReadOnlySequence<byte> data) => Parse(data, data.Length);

    /// <summary>
    /// Scans the header section from the start of a message of <paramref name="length"/> bytes: <paramref name="data"/>
    /// may hold only its first <c>min(length, MaxHeaderBytes + 2)</c> bytes (the rest may be in the raw store already).
    /// <see cref="EightBit"/> then covers the bytes given.
    /// </summary>
    public static ParsedMessage Parse(ReadOnlySequence<byte> data, long length)
    {
        // Only the header section is copied; the body is never read here.
        var window = (int)Math.Min(length, MaxHeaderBytes + 2L);
        ArgumentOutOfRangeException.ThrowIfLessThan(data.Length, window);
        var head = data.Slice(0, window);
        var bytes = head.IsSingleSegment ? head.FirstSpan : head.ToArray();

        var fields = new List<HeaderField>(24);
        var position = 0;
        var droppedPostmark = false;
        var firstEnd = bytes.IndexOf((byte)'\n');
        if (bytes.StartsWith("From "u8) && NameLength(bytes[..(firstEnd < 0 ? bytes.Length : firstEnd)]) < 0)
        {
            // An mbox postmark, not a header ("From : x" is a header): saved .eml files often carry one.
            var lf = firstEnd;
            position = lf < 0 ? bytes.Length : lf + 1;
            droppedPostmark = true;
        }

        var blockStart = position;
        long bodyOffset = -1;
        var headerEnd = -1;
        var separatorInserted = false;
        var current = -1;
        var currentNameLength = 0;
        var currentValue = 0;
        var currentNul = false;

        while (position < bytes.Length)
        {
            var rest = bytes[position..];
            var lf = rest.IndexOf((byte)'\n');
            if (lf < 0 && window < length)
            {
                break; // the line runs past the window: too long a header section
            }

            var lineLength = lf < 0 ? rest.Length : lf + 1;
            var content = rest[..(lf < 0 ? rest.Length : (lf > 0 && rest[lf - 1] == '\r' ? lf - 1 : lf))];
            if (content.IsEmpty && lf >= 0)
            {
                headerEnd = position;
                bodyOffset = position + lineLength;
                break;
            }

            if (content.Length > 0 && (content[0] == ' ' || content[0] == '\t') && current >= 0)
            {
                currentNul |= content.Contains((byte)0);
                position += lineLength;
                continue;
            }

            var nameLength = NameLength(content);
            if (nameLength < 0)
            {
                // Not a header and no empty line before it: the body starts here and the separator is added (as Postfix does).
                headerEnd = position;
                bodyOffset = position;
                separatorInserted = true;
                break;
            }

            if (current >= 0)
            {
                fields.Add(new HeaderField(current - blockStart, currentNameLength, currentValue - blockStart, position - blockStart, currentNul));
            }

            current = position;
            currentNameLength = nameLength;
            currentValue = position + content.IndexOf((byte)':') + 1;
            currentNul = content.Contains((byte)0);
            position += lineLength;
        }

        string? problem = null;
        if (bodyOffset < 0)
        {
            if (position < length)
            {
                problem = $"the header section is longer than {MaxHeaderBytes} bytes";
            }

            headerEnd = position;
            bodyOffset = length;
        }

        if (current >= 0)
        {
            fields.Add(new HeaderField(current - blockStart, currentNameLength, currentValue - blockStart, headerEnd - blockStart, currentNul));
        }

        var block = bytes[blockStart..headerEnd].ToArray();
        if (problem is null && fields.FindIndex(f => f.HasNul) is >= 0 and var nul)
        {
            // No receiver accepts a NUL in a header, and dropping or changing the field would go unseen: refused with its name.
            problem = $"NUL byte in header {Encoding.ASCII.GetString(block, fields[nul].Start, fields[nul].NameLength)}";
        }

        return new ParsedMessage(block, fields, bodyOffset, data, problem, separatorInserted, droppedPostmark);
    }

    /// <summary>Parses a header block (lines ending CRLF, no empty line needed) with MimeKit, for senders that need a <see cref="HeaderList"/>.</summary>
    public static HeaderList LoadHeaders(byte[] headerBytes)
    {
        ArgumentNullException.ThrowIfNull(headerBytes);
        if (headerBytes.Length == 0)
        {
            return [];
        }

        using var stream = new MemoryStream(headerBytes.Length + 2);
        stream.Write(headerBytes);
        stream.Write("\r\n"u8);
        stream.Position = 0;
        var options = ParserOptions.Default.Clone();
        options.RespectContentLength = false;
        return HeaderList.Load(options, stream);
    }

    /// <summary>Length of the field name (without blanks before the colon), or -1 when the line is not a header.</summary>
    private static int NameLength(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return -1;
        }

        var length = colon;
        while (length > 0 && (line[length - 1] == ' ' || line[length - 1] == '\t'))
        {
            length--; // obsolete syntax "Subject : x"
        }

        if (length == 0)
        {
            return -1;
        }

        // RFC 5322 ftext: printable US-ASCII except the colon.
        return line[..length].ContainsAnyExceptInRange((byte)33, (byte)126) ? -1 : length;
    }

    private static bool HasEightBit(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            if (segment.Span.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
