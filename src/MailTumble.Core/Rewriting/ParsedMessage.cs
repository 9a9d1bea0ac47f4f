using System.Buffers;
using MimeKit;

namespace MailTumble.Core.Rewriting;

/// <summary>A received message split into its parsed header block and the offset of its untouched body.</summary>
public sealed class ParsedMessage
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private ParsedMessage(HeaderList headers, long bodyOffset, bool eightBit)
    {
        Headers = headers;
        BodyOffset = bodyOffset;
        EightBit = eightBit;
    }

    /// <summary>The headers as received, raw bytes kept by MimeKit.</summary>
    public HeaderList Headers { get; }

    /// <summary>Where the body starts (after the empty line), or the length when there is no body.</summary>
    public long BodyOffset { get; }

    /// <summary>Whether any byte of the message is above 127.</summary>
    public bool EightBit { get; }

    /// <summary>Parses the header block of a CRLF message. The body is only scanned for 8-bit bytes, never decoded.</summary>
    public static ParsedMessage Parse(ReadOnlySequence<byte> data)
    {
        long headerLength;
        long bodyOffset;
        var reader = new SequenceReader<byte>(data);
        if (data.Length >= 2 && data.FirstSpan.StartsWith("\r\n"u8))
        {
            headerLength = 0;
            bodyOffset = 2;
        }
        else if (reader.TryReadTo(out ReadOnlySequence<byte> head, HeaderEnd, advancePastDelimiter: true))
        {
            headerLength = head.Length + 2;
            bodyOffset = reader.Consumed;
        }
        else
        {
            headerLength = data.Length;
            bodyOffset = data.Length;
        }

        var headerBytes = data.Slice(0, headerLength).ToArray();
        var headers = LoadHeaders(headerBytes);
        return new ParsedMessage(headers, bodyOffset, HasEightBit(data));
    }

    /// <summary>Parses a header block (lines ending CRLF, no empty line needed).</summary>
    public static HeaderList LoadHeaders(byte[] headerBytes)
    {
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
