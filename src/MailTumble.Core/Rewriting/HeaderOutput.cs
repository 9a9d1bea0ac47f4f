using System.Buffers;
using System.Text;

namespace MailTumble.Core.Rewriting;

/// <summary>
/// Collects the rewritten header block in a pooled buffer. Every line leaves with CRLF; a line longer
/// than RFC 5322's 998 characters is folded at a blank, the only change made to a field kept as received.
/// </summary>
internal sealed class HeaderOutput : IDisposable
{
    /// <summary>RFC 5322 §2.1.1: a line must not exceed 998 characters without its CRLF.</summary>
    public const int MaxLine = 998;

    private byte[] _buffer;
    private int _length;

    public HeaderOutput(int capacity) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));

    public int Length => _length;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void WriteAscii(string text)
    {
        Ensure(text.Length);
        _length += Encoding.ASCII.GetBytes(text, _buffer.AsSpan(_length));
    }

    public void WriteUtf8(string text)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(text.Length));
        _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
    }

    public void Crlf() => Write("\r\n"u8);

    /// <summary>Writes a field (or a value continuing the current line) with CRLF line ends; false and nothing written when a line cannot be folded.</summary>
    public bool WriteLines(ReadOnlySpan<byte> raw)
    {
        var mark = _length;
        var consumedLastLine = false;
        while (!raw.IsEmpty)
        {
            var lf = raw.IndexOf((byte)'\n');
            var line = lf < 0 ? raw : raw[..lf];
            raw = lf < 0 ? [] : raw[(lf + 1)..];
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (line.Contains((byte)'\r'))
            {
                // A bare CR is no line end on the wire and must not become one (it could start a new field): a blank.
                var copy = line.ToArray();
                copy.AsSpan().Replace((byte)'\r', (byte)' ');
                line = copy;
            }

            // The first line continues whatever the caller wrote before it (a field name and colon).
            var budget = MaxLine - (consumedLastLine ? 0 : CurrentLineLength());
            if (!WriteFolded(line, budget))
            {
                _length = mark;
                return false;
            }

            Crlf();
            consumedLastLine = true;
        }

        if (!consumedLastLine)
        {
            Crlf();
        }

        return true;
    }

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private bool WriteFolded(ReadOnlySpan<byte> line, int budget)
    {
        while (line.Length > budget)
        {
            if (budget < 1)
            {
                return false;
            }

            // Break before the last blank that keeps this line within the limit and leaves it non-blank.
            var cut = line[..(budget + 1)].LastIndexOfAny((byte)' ', (byte)'\t');
            if (cut <= 0 || !line[..cut].ContainsAnyExcept((byte)' ', (byte)'\t'))
            {
                return false;
            }

            Write(line[..cut]);
            Crlf();
            line = line[cut..];
            budget = MaxLine;
        }

        Write(line);
        return true;
    }

    private int CurrentLineLength()
    {
        var lf = _buffer.AsSpan(0, _length).LastIndexOf((byte)'\n');
        return _length - (lf + 1);
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
