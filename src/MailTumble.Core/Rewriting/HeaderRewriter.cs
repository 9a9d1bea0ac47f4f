using System.Text;
using MimeKit;

namespace MailTumble.Core.Rewriting;

/// <summary>
/// Rewrites a header block so the message can go out from our domain. Headers it does not mean to
/// change are written back byte for byte (MimeKit keeps each header's raw field and value).
/// </summary>
public sealed class HeaderRewriter
{
    private static readonly FormatOptions Format = CreateFormat();
    private readonly RewriteOptions _options;

    /// <summary>Creates a rewriter.</summary>
    public HeaderRewriter(RewriteOptions options) => _options = options;

    /// <summary>Returns the rewritten header lines (CRLF line ends, without the empty separator line).</summary>
    public byte[] Rewrite(ParsedMessage message, RewriteInput input)
    {
        var output = new MemoryStream(1024);
        Header? originalFrom = null;
        var hasReplyTo = false;
        var wroteFrom = false;
        var wroteSubject = false;

        foreach (var header in message.Headers)
        {
            switch (header.Id)
            {
                case HeaderId.ReturnPath:
                case HeaderId.Sender:
                case HeaderId.DkimSignature:
                    continue;
                case HeaderId.From when !wroteFrom:
                    originalFrom = header;
                    WriteNewFrom(output, header, input);
                    wroteFrom = true;
                    continue;
                case HeaderId.From:
                    continue;
                case HeaderId.ReplyTo:
                    hasReplyTo = true;
                    break;
                case HeaderId.Subject when !wroteSubject:
                    wroteSubject = true;
                    if (NeedsPrefix(header.Value))
                    {
                        WriteSubject(output, header.Value);
                        continue;
                    }

                    break;
            }

            WriteRaw(output, header);
        }

        if (!wroteFrom)
        {
            WriteNewFrom(output, null, input);
        }

        if (!hasReplyTo)
        {
            if (originalFrom is not null)
            {
                // The original value, folding and all, so the reply reaches every original author.
                WriteLine(output, "Reply-To:", originalFrom.RawValue);
            }
            else if (!string.IsNullOrEmpty(input.EnvelopeFrom))
            {
                WriteEncoded(output, HeaderId.ReplyTo, new MailboxAddress(string.Empty, input.EnvelopeFrom).ToString(Format, true));
            }
        }

        if (!wroteSubject && !string.IsNullOrEmpty(_options.SubjectPrefix))
        {
            WriteSubject(output, string.Empty);
        }

        return output.ToArray();
    }

    private void WriteNewFrom(MemoryStream output, Header? original, RewriteInput input)
    {
        var name = DisplayName(original, input.EnvelopeFrom);
        var address = string.IsNullOrWhiteSpace(_options.FromEmail) ? input.Alias : _options.FromEmail!;
        var mailbox = new MailboxAddress(name, address);
        WriteEncoded(output, HeaderId.From, mailbox.ToString(Format, true));
    }

    private bool NeedsPrefix(string? subject) =>
        !string.IsNullOrEmpty(_options.SubjectPrefix) && !(subject ?? string.Empty).TrimStart().StartsWith(_options.SubjectPrefix.Trim(), StringComparison.Ordinal);

    private void WriteSubject(MemoryStream output, string? subject)
    {
        subject = _options.SubjectPrefix + (subject ?? string.Empty).TrimStart();
        var header = new Header(Encoding.UTF8, HeaderId.Subject, subject);
        WriteLine(output, "Subject:", header.RawValue);
    }

    private static string DisplayName(Header? from, string envelopeFrom)
    {
        if (from is not null && InternetAddressList.TryParse(ParserOptions.Default, from.RawValue, out var list))
        {
            var first = list.Mailboxes.FirstOrDefault();
            if (first is not null)
            {
                return string.IsNullOrWhiteSpace(first.Name) ? AtForm(first.Address) : first.Name.Trim();
            }
        }

        return AtForm(envelopeFrom);
    }

    private static string AtForm(string address) => address.Replace("@", " at ", StringComparison.Ordinal);

    private static void WriteRaw(MemoryStream output, Header header)
    {
        output.Write(header.RawField);
        // MimeKit keeps a line without a colon as a field with an empty raw value (IsInvalid is internal).
        if (header.RawValue.Length > 0)
        {
            output.WriteByte((byte)':');
            output.Write(header.RawValue);
        }

        EnsureCrlf(output);
    }

    private static void WriteEncoded(MemoryStream output, HeaderId id, string encodedValue)
    {
        var header = new Header(id, encodedValue);
        output.Write(Encoding.ASCII.GetBytes(header.Field + ":"));
        output.Write(header.RawValue);
        EnsureCrlf(output);
    }

    private static void WriteLine(MemoryStream output, string field, byte[] rawValue)
    {
        output.Write(Encoding.ASCII.GetBytes(field));
        output.Write(rawValue);
        EnsureCrlf(output);
    }

    private static void EnsureCrlf(MemoryStream output)
    {
        var buffer = output.GetBuffer();
        var length = (int)output.Length;
        if (length >= 2 && buffer[length - 2] == '\r' && buffer[length - 1] == '\n')
        {
            return;
        }

        if (length >= 1 && buffer[length - 1] == '\n')
        {
            output.SetLength(length - 1);
        }

        output.Write("\r\n"u8);
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
