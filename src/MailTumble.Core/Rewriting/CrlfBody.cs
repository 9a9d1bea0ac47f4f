using System.Buffers;

namespace MailTumble.Core.Rewriting;

/// <summary>
/// Writes a message body with CRLF line ends. Bytes pass through unchanged except a bare LF or a bare CR, which
/// becomes CRLF: SMTP knows no other line end, and many servers refuse bare LFs as smuggling attempts. A body that
/// already uses CRLF throughout is copied byte for byte.
/// </summary>
public static class CrlfBody
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> with every line end made CRLF; returns
    /// whether the body was empty or ended on a line end (DATA must end on one).
    /// </summary>
    public static async Task<bool> CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var pendingCr = false;
            var last = -1;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                var chunk = buffer.AsMemory(0, read);
                last = chunk.Span[read - 1];
                var start = 0;
                if (pendingCr)
                {
                    // The previous chunk ended on a CR: this chunk's first byte says whether it was bare.
                    await destination.WriteAsync(Crlf, cancellationToken).ConfigureAwait(false);
                    start = chunk.Span[0] == '\n' ? 1 : 0;
                    pendingCr = false;
                }

                while (true)
                {
                    var (end, skip, crAtEnd) = NextBareEnd(chunk.Span, start);
                    await destination.WriteAsync(chunk[start..end], cancellationToken).ConfigureAwait(false);
                    if (crAtEnd)
                    {
                        pendingCr = true;
                        break;
                    }

                    if (end == chunk.Length)
                    {
                        break;
                    }

                    await destination.WriteAsync(Crlf, cancellationToken).ConfigureAwait(false);
                    start = end + skip;
                }
            }

            if (pendingCr)
            {
                await destination.WriteAsync(Crlf, cancellationToken).ConfigureAwait(false);
            }

            return last is -1 or '\n' or '\r';
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The body with every line end made CRLF; the same bytes when it already was.</summary>
    public static byte[] Normalize(ReadOnlySpan<byte> body)
    {
        using var output = new MemoryStream(body.Length + 64);
        using var input = new MemoryStream(body.ToArray(), writable: false);
        CopyAsync(input, output, CancellationToken.None).GetAwaiter().GetResult();
        return output.ToArray();
    }

    private static ReadOnlyMemory<byte> Crlf { get; } = "\r\n"u8.ToArray();

    /// <summary>
    /// Finds the next bare line end from <paramref name="start"/>: where the clean run ends, how many bytes the bare
    /// end occupies, and whether the chunk ends on a CR whose partner is not known yet.
    /// </summary>
    private static (int End, int Skip, bool CrAtEnd) NextBareEnd(ReadOnlySpan<byte> chunk, int start)
    {
        var i = start;
        while (true)
        {
            var found = chunk[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (found < 0)
            {
                return (chunk.Length, 0, false);
            }

            i += found;
            if (chunk[i] == '\n')
            {
                // An LF right after a CR in this chunk ends a CRLF; a CR carried over was consumed by the caller.
                if (i > start && chunk[i - 1] == '\r')
                {
                    i++;
                    continue;
                }

                return (i, 1, false);
            }

            if (i + 1 == chunk.Length)
            {
                return (i, 0, true);
            }

            if (chunk[i + 1] == '\n')
            {
                i += 2;
                continue;
            }

            return (i, 1, false);
        }
    }
}
