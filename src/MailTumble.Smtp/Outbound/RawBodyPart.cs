using MailTumble.Core.Rewriting;
using MimeKit;

namespace MailTumble.Smtp.Outbound;

/// <summary>
/// A MIME part that writes the original body bytes as they are (line ends made CRLF), so MailKit sends them
/// without decoding or re-encoding. It has no headers of its own; the message's header list carries them all.
/// </summary>
internal sealed class RawBodyPart : MimePart
{
    private readonly Stream _body;
    private readonly Func<CancellationToken, ValueTask>? _beforeContent;

    public RawBodyPart(Stream body, Func<CancellationToken, ValueTask>? beforeContent = null)
        : base("application", "octet-stream")
    {
        _body = body;
        _beforeContent = beforeContent;
        Headers.Clear();
    }

    /// <summary>The bytes are sent as they are: no re-encoding for a server without 8BITMIME.</summary>
    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default) =>
        WriteToAsync(options, stream, contentOnly, cancellationToken).GetAwaiter().GetResult();

    public override async Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        // MailKit writes the content only after the server's 354 (or with BDAT), and the header block is still in
        // its output buffer: waiting here times the end of the message, which is when the provider counts it.
        if (_beforeContent is not null)
        {
            await _beforeContent(cancellationToken).ConfigureAwait(false);
        }

        if (!await CrlfBody.CopyAsync(_body, stream, cancellationToken).ConfigureAwait(false))
        {
            // DATA must end on a line boundary.
            await stream.WriteAsync("\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        }
    }
}
