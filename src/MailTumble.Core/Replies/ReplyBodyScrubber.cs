using System.Text;
using MimeKit;

namespace MailTumble.Core.Replies;

/// <summary>
/// Takes the owner's address out of a reply's text: the quoted "On …, John &lt;john@real.example.org&gt; wrote:" line,
/// signatures, mailto links. Only text/plain and text/html parts that are not attachments are read (decoded by their
/// transfer encoding and charset); only a message where one of them mentions the address is rewritten, and then only
/// those parts are re-encoded (same transfer encoding and charset). Every other message is left byte for byte.
/// </summary>
internal static class ReplyBodyScrubber
{
    private static readonly FormatOptions Format = CreateFormat();

    /// <summary>
    /// The whole message rewritten (header section and body) when a text part mentions <paramref name="target"/>, with
    /// <paramref name="alias"/> in its place; null when none does.
    /// </summary>
    public static async Task<byte[]?> ScrubAsync(Stream message, string target, string alias, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        // Persistent: parts that are not text stay where they are in the stream instead of being copied.
        var parser = new MimeParser(message, MimeFormat.Entity, persistent: message.CanSeek);
        MimeMessage parsed;
        try
        {
            parsed = await parser.ParseMessageAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            return null; // not MIME we can read: its header block is still rewritten, its body left as it is
        }

        using (parsed)
        {
            var scrubber = AddressScrubber.For(target, alias);
            var changed = false;
            foreach (var part in TextParts(parsed.Body))
            {
                var text = part.GetText(out var encoding);
                if (!scrubber.Contains(text))
                {
                    continue;
                }

                // Back in canonical CRLF form before it is encoded again (GetText gives the platform's line ends).
                var replaced = scrubber.Replace(text).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
                part.SetText(CanEncode(encoding, replaced) ? encoding : Encoding.UTF8, replaced);
                changed = true;
            }

            if (!changed)
            {
                return null;
            }

            using var output = new MemoryStream();
            await parsed.WriteToAsync(Format, output, cancellationToken).ConfigureAwait(false);
            return output.ToArray();
        }
    }

    /// <summary>The text/plain and text/html parts of the message that are not attachments (attached messages are not entered).</summary>
    private static IEnumerable<TextPart> TextParts(MimeEntity? entity)
    {
        switch (entity)
        {
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    foreach (var part in TextParts(child))
                    {
                        yield return part;
                    }
                }

                break;
            case TextPart text when (text.IsPlain || text.IsHtml) && !text.IsAttachment:
                yield return text;
                break;
        }
    }

    private static bool CanEncode(Encoding encoding, string text)
    {
        try
        {
            var strict = Encoding.GetEncoding(encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            strict.GetBytes(text);
            return true;
        }
        catch (Exception ex) when (ex is EncoderFallbackException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
