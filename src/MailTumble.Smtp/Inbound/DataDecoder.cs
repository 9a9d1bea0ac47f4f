using System.Buffers;

namespace MailTumble.Smtp.Inbound;

/// <summary>
/// Decodes the content of one DATA as it arrives, in chunks of any size: removes dot-stuffing, finds the end and
/// checks line ends. Only <c>CRLF.CRLF</c> ends the message (the CRLF of the DATA command counts, so <c>.CRLF</c>
/// alone ends an empty one); a line after a bare LF can never end it, so nothing after a bare <c>LF.LF</c> can become
/// a second message (SMTP smuggling). A bare LF is written as CRLF (normalised) or flagged; a bare CR is always
/// flagged. Bytes past the size limit are counted, not written.
/// </summary>
internal sealed class DataDecoder
{
    private static readonly SearchValues<byte> LineEnds = SearchValues.Create("\r\n"u8);
    private readonly bool _normalize;
    private State _state;
    private long _limit;

    public DataDecoder(bool normalizeBareLf)
    {
        _normalize = normalizeBareLf;
        Reset(long.MaxValue);
    }

    private enum State
    {
        /// <summary>At the start of a line that follows a real CRLF: a dot here may start the terminator.</summary>
        LineStart,

        /// <summary>At the start of a line that follows a bare LF: a dot is unstuffed, never the terminator.</summary>
        LineStartAfterBareLf,

        /// <summary>A dot at <see cref="LineStart"/>.</summary>
        Dot,

        /// <summary>A dot and a CR at <see cref="LineStart"/>: an LF now ends the message.</summary>
        DotCr,

        /// <summary>Inside a line.</summary>
        InLine,

        /// <summary>A CR inside a line: an LF makes the line end.</summary>
        Cr,
    }

    /// <summary>Content bytes decoded so far, including any past the limit that were not written.</summary>
    public long Length { get; private set; }

    /// <summary>The content is longer than the limit (what was written is incomplete).</summary>
    public bool Oversize => Length > _limit;

    /// <summary>A CR not followed by LF was seen.</summary>
    public bool BareCr { get; private set; }

    /// <summary>An LF not preceded by CR was seen.</summary>
    public bool BareLf { get; private set; }

    /// <summary>The end of the message has been consumed.</summary>
    public bool Completed { get; private set; }

    /// <summary>Starts a new message of at most <paramref name="limit"/> content bytes.</summary>
    public void Reset(long limit)
    {
        _limit = limit;
        _state = State.LineStart;
        Length = 0;
        BareCr = false;
        BareLf = false;
        Completed = false;
    }

    /// <summary>
    /// Decodes <paramref name="input"/> into <paramref name="output"/>. Returns how many input bytes were consumed: all
    /// of them, unless the message ends inside them (then <see cref="Completed"/> is set and the rest is the next command).
    /// </summary>
    public int Decode(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        var i = 0;
        while (i < input.Length && !Completed)
        {
            switch (_state)
            {
                case State.InLine:
                    var rest = input[i..];
                    var end = rest.IndexOfAny(LineEnds);
                    if (end < 0)
                    {
                        Emit(rest, output);
                        return input.Length;
                    }

                    Emit(rest[..end], output);
                    i += end + 1;
                    if (rest[end] == '\r')
                    {
                        _state = State.Cr;
                    }
                    else
                    {
                        OnBareLf(output);
                    }

                    break;

                case State.Cr:
                    if (input[i] == '\n')
                    {
                        Emit("\r\n"u8, output);
                        _state = State.LineStart;
                        i++;
                    }
                    else
                    {
                        OnBareCr(output);
                    }

                    break;

                case State.LineStart:
                    if (input[i] == '.')
                    {
                        _state = State.Dot;
                        i++;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;

                case State.LineStartAfterBareLf:
                    if (input[i] == '.')
                    {
                        i++;
                    }

                    _state = State.InLine;
                    break;

                case State.Dot:
                    // Dot-stuffing: the leading dot is dropped whatever follows.
                    if (input[i] == '\r')
                    {
                        _state = State.DotCr;
                        i++;
                    }
                    else
                    {
                        _state = State.InLine;
                    }

                    break;

                case State.DotCr:
                    if (input[i] == '\n')
                    {
                        Completed = true;
                        _state = State.LineStart;
                        return i + 1;
                    }

                    OnBareCr(output);
                    break;
            }
        }

        return i;
    }

    private void OnBareLf(IBufferWriter<byte> output)
    {
        BareLf = true;
        Emit(_normalize ? "\r\n"u8 : "\n"u8, output);
        _state = State.LineStartAfterBareLf;
    }

    // The byte after the CR is not consumed: it is decoded as the start of the rest of the line.
    private void OnBareCr(IBufferWriter<byte> output)
    {
        BareCr = true;
        Emit("\r"u8, output);
        _state = State.InLine;
    }

    private void Emit(ReadOnlySpan<byte> bytes, IBufferWriter<byte> output)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        var fits = Length < _limit;
        Length += bytes.Length;
        if (fits && Length <= _limit)
        {
            output.Write(bytes);
        }
    }
}
