using System.Buffers;
using MimeKit;

namespace MailTumble.Core.Signing;

/// <summary>
/// The body as the signer hashes it: the stored bytes streamed from where they are, with line ends made CRLF exactly as
/// <see cref="Rewriting.CrlfBody"/> sends them (a bare LF or CR becomes CRLF). Nothing is held beyond one chunk. Its
/// headers are the message's <c>Content-*</c> fields, where MimeKit's signer looks for them.
/// </summary>
internal sealed class DkimBody : MimePart
{
    private const int ChunkSize = 64 * 1024;
    private readonly Stream _body;

    public DkimBody(IEnumerable<Header> contentHeaders, Stream body)
    {
        _body = body;
        Headers.Clear();
        foreach (var header in contentHeaders)
        {
            Headers.Add(header);
        }
    }

    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        var input = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var output = ArrayPool<byte>.Shared.Rent(2 * ChunkSize);
        try
        {
            var pendingCr = false;
            int read;
            while ((read = _body.Read(input, 0, ChunkSize)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = 0;
                for (var i = 0; i < read; i++)
                {
                    var b = input[i];
                    if (pendingCr)
                    {
                        output[n++] = (byte)'\r';
                        output[n++] = (byte)'\n';
                        pendingCr = false;
                        if (b == '\n')
                        {
                            continue;
                        }
                    }

                    if (b == '\r')
                    {
                        pendingCr = true;
                    }
                    else if (b == '\n')
                    {
                        output[n++] = (byte)'\r';
                        output[n++] = (byte)'\n';
                    }
                    else
                    {
                        output[n++] = b;
                    }
                }

                stream.Write(output, 0, n);
            }

            if (pendingCr)
            {
                stream.Write("\r\n"u8);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    public override Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        WriteTo(options, stream, contentOnly, cancellationToken);
        return Task.CompletedTask;
    }
}
