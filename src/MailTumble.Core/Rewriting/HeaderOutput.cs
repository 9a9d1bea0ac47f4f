using System.Buffers;
using System.Text;

namespace MailTumble.Core.Rewriting;

/// <summary>
/// Collects the rewritten header block in a pooled buffer. Every line leaves with CRLF; a line longer
/// than RFC 5322's 998 characters is folded at blanks, the only change made to a field kept as received.
/// A line that cannot be folded that short (one unbreakable token of 998+ characters) is passed through
/// unchanged, as Postfix does: a header is never dropped or cut.
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

    /// <summary>Writes a field (or a value continuing the current line) with CRLF line ends, folding over-long lines where a blank allows.</summary>
    public void WriteLines(ReadOnlySpan<byte> raw)
    {
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
            if (Foldable(line, budget))
            {
                WriteFolded(line, budget);
            }
            else
            {
                Write(line); // an unbreakable token: passed through as received rather than cut or dropped
            }

            Crlf();
            consumedLastLine = true;
        }

        if (!consumedLastLine)
        {
            Crlf();
        }
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

    /// <summary>Whether <paramref name="line"/> can be folded at blanks into lines of at most <see cref="MaxLine"/> characters.</summary>
    private static bool Foldable(ReadOnlySpan<byte> line, int budget)
    {
        while (line.Length > budget)
        {
            var cut = Cut(line, budget);
            if (cut <= 0)
            {
                return false;
            }

            line = line[cut..];
            budget = MaxLine;
        }

        return true;
    }

    private void WriteFolded(ReadOnlySpan<byte> line, int budget)
    {
        while (line.Length > budget)
        {
            var cut = Cut(line, budget);
            Write(line[..cut]);
            Crlf();
            line = line[cut..];
            budget = MaxLine;
        }

        Write(line);
    }

    /// <summary>Where to break before the last blank that keeps the line within <paramref name="budget"/> and leaves it non-blank, or -1.</summary>
    private static int Cut(ReadOnlySpan<byte> line, int budget)
    {
        if (budget < 1)
        {
            return -1;
        }

        var cut = line[..(budget + 1)].LastIndexOfAny((byte)' ', (byte)'\t');
        return cut <= 0 || !line[..cut].ContainsAnyExcept((byte)' ', (byte)'\t') ? -1 : cut;
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
