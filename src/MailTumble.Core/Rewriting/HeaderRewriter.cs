using System.Buffers.Text;
using System.Text;
using MailTumble.Core.Replies;
using MimeKit;
using MimeKit.Utils;

namespace MailTumble.Core.Rewriting;

/// <summary>
/// Rewrites a header block so the message can go out from our domain. Fields it does not mean to change
/// are copied byte for byte (only line ends become CRLF, and a line over 998 characters is folded where a blank allows; an
/// unbreakable one passes unchanged).
/// Addresses are parsed and encoded with MimeKit; everything else is a byte scan, so the cost does not
/// depend on the body.
/// </summary>
public sealed class HeaderRewriter
{
    private static readonly FormatOptions Format = CreateFormat();

    static HeaderRewriter()
    {
        // Shift_JIS, IBM850, windows-125x…: without the code-page provider MimeKit cannot decode such names and subjects.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }
    private readonly RewriteOptions _options;
    private readonly TimeProvider _time;
    private readonly FromFormat _fromFormat;
    private readonly bool _toTarget;
    private readonly SubjectPrefix? _prefix;
    private readonly TwoWayMasking? _masking;

    /// <summary>
    /// Creates a rewriter. The options must have passed <see cref="RewriteOptionsValidator"/>. With
    /// <paramref name="masking"/>, correspondents in Reply-To, To and Cc become reverse aliases and sealed Message-IDs in
    /// In-Reply-To and References are opened (two-way masking); without it, Reply-To is the original author.
    /// </summary>
    public HeaderRewriter(RewriteOptions options, TimeProvider time, TwoWayMasking? masking = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _masking = masking;
        _fromFormat = RewriteOptionsValidator.ParseFromFormat(options.FromFormat) ?? throw new ArgumentException("MailTumble:Rewrite:FromFormat must be name, name-and-address, address or none", nameof(options));
        _toTarget = RewriteOptionsValidator.ParseToTarget(options.ToHeader) ?? throw new ArgumentException("MailTumble:Rewrite:ToHeader must be unchanged or target", nameof(options));
        _prefix = string.IsNullOrWhiteSpace(options.SubjectPrefix) ? null : new SubjectPrefix(options.SubjectPrefix, Format);
    }

    /// <summary>The domain our own addresses use for this alias: the bounce domain, else the FROM_EMAIL domain, else the alias's.</summary>
    public string OurDomain(string alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        if (!string.IsNullOrWhiteSpace(_options.BounceDomain))
        {
            return _options.BounceDomain.Trim().ToLowerInvariant();
        }

        var address = string.IsNullOrWhiteSpace(_options.FromEmail) ? alias : _options.FromEmail;
        return address[(address.LastIndexOf('@') + 1)..].Trim().ToLowerInvariant();
    }

    /// <summary>Rewrites the header block for one target.</summary>
    public RewriteResult Rewrite(ParsedMessage message, RewriteInput input)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(input);
        if (message.Problem is not null)
        {
            return new RewriteResult(RewriteVerdict.Refuse, [], message.Problem);
        }

        var fields = message.Fields;
        var kinds = new HeaderKind[fields.Count];
        int from = -1, subject = -1, to = -1, loopCount = 0, loopMax = 0;
        bool hasReplyTo = false, hasMessageId = false;
        for (var i = 0; i < fields.Count; i++)
        {
            var kind = HeaderNames.Classify(message.Name(fields[i]));
            kinds[i] = kind;
            switch (kind)
            {
                case HeaderKind.From when from < 0: from = i; break;
                case HeaderKind.Subject when subject < 0: subject = i; break;
                case HeaderKind.To when to < 0: to = i; break;
                case HeaderKind.ReplyTo: hasReplyTo = true; break;
                case HeaderKind.MessageId: hasMessageId = true; break;
                case HeaderKind.Loop:
                    loopCount++;
                    if (Utf8Parser.TryParse(message.Value(fields[i]).Trim(" \t\r\n"u8), out int hops, out _))
                    {
                        loopMax = Math.Max(loopMax, hops);
                    }

                    break;
            }
        }

        var passed = Math.Max(loopCount, loopMax);
        var domain = OurDomain(input.Alias);
        using var output = new HeaderOutput(message.HeaderBlock.Length + 512);

        // Trace fields go on top (RFC 5321 §4.4); the hop counter replaces any earlier one.
        output.WriteAscii($"Received: by {domain} (MailTumble) id {input.DeliveryId}\r\n\tfor <{input.Target}>; {DateUtils.FormatDate(_time.GetUtcNow())}\r\n");
        output.WriteAscii($"{HeaderNames.LoopHeader}: {passed + 1}\r\n");
        if (input.Tag is { Length: > 0 } tag && tag.All(c => c is > ' ' and < (char)0x7f))
        {
            // The sub-address tag (alias+tag@…), for the owner's filters; a local part's characters, so no folding is needed.
            output.WriteAscii($"{HeaderNames.TagHeader}: {tag}\r\n");
        }

        var originalFrom = from >= 0 ? ParseMailboxes(message.Value(fields[from])) : null;
        var keptMessageId = false;
        var keptReplyTo = false; // with masking: a Reply-To that could not be read is dropped and one made from From
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            switch (kinds[i])
            {
                case HeaderKind.Sender or HeaderKind.ReturnPath or HeaderKind.DkimSignature or HeaderKind.DeliveredTo or HeaderKind.XOriginalTo or HeaderKind.Loop or HeaderKind.Tag:
                    continue;
                case HeaderKind.From:
                    if (i == from)
                    {
                        WriteFrom(output, originalFrom, input);
                    }

                    continue; // further From fields would make the result more than one mailbox
                case HeaderKind.MessageId when keptMessageId:
                    continue;
                case HeaderKind.MessageId:
                    output.WriteLines(message.Raw(field));
                    keptMessageId = true;
                    continue;
                case HeaderKind.To when _toTarget:
                    if (i == to)
                    {
                        WriteTo(output, input.Target);
                    }

                    continue;
                case HeaderKind.Subject when i == subject && _prefix is not null && !_prefix.IsPresent(message.Value(field)):
                    WriteSubject(output, message.Name(field), message.Value(field));
                    continue;
                case HeaderKind.ReplyTo or HeaderKind.To or HeaderKind.Cc when _masking is not null:
                    var written = WriteMasked(output, message, field, input, kinds[i]);
                    keptReplyTo |= written && kinds[i] == HeaderKind.ReplyTo;
                    continue;
                case HeaderKind.InReplyTo or HeaderKind.References when _masking is not null:
                    if (MaskedFields.OpenForOwner(message.Value(field), input.Alias, _masking.Ids) is { } opened)
                    {
                        WriteField(output, message.Name(field), opened);
                        continue;
                    }

                    break;
            }

            output.WriteLines(message.Raw(field));
        }

        if (from < 0)
        {
            WriteFrom(output, null, input);
        }

        if (_toTarget && to < 0)
        {
            WriteTo(output, input.Target);
        }

        if (subject < 0 && _prefix is not null)
        {
            output.Write("Subject: "u8);
            output.Write(_prefix.Encoded);
            output.Crlf();
        }

        if (_masking is null ? !hasReplyTo : !keptReplyTo)
        {
            WriteReplyTo(output, from >= 0 && originalFrom is { Count: > 0 } ? message.Value(fields[from]) : default, originalFrom, input);
        }

        if (!hasMessageId || !keptMessageId)
        {
            output.WriteAscii($"Message-ID: <{input.MessageKey}@{domain}>\r\n");
        }

        var headers = output.ToArray();
        return passed + 1 > _options.MaxHops
            ? new RewriteResult(RewriteVerdict.Loop, headers, $"mail loop: the message has already passed through MailTumble {passed} times (MailTumble:Rewrite:MaxHops is {_options.MaxHops})")
            : new RewriteResult(RewriteVerdict.Forward, headers, null);
    }

    private void WriteFrom(HeaderOutput output, IReadOnlyList<MailboxAddress>? original, RewriteInput input)
    {
        var sender = original is { Count: > 0 } ? original[0] : EnvelopeMailbox(input.EnvelopeFrom);
        var address = string.IsNullOrWhiteSpace(_options.FromEmail) ? input.Alias : _options.FromEmail.Trim();
        var mailbox = new MailboxAddress(SenderName.Build(sender, _fromFormat), address);
        output.Write("From: "u8);
        output.WriteLines(Encoding.UTF8.GetBytes(mailbox.ToString(Format, true)));
    }

    private static void WriteTo(HeaderOutput output, string target)
    {
        output.Write("To: "u8);
        output.WriteLines(Encoding.UTF8.GetBytes(new MailboxAddress(string.Empty, target).ToString(Format, true)));
    }

    private void WriteSubject(HeaderOutput output, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var rest = value.TrimStart(" \t\r\n"u8);
        output.Write(name);
        output.Write(": "u8);
        if (rest.TrimEnd(" \t\r\n"u8).IsEmpty)
        {
            output.Write(_prefix!.Encoded);
            output.Crlf();
            return;
        }

        if (_prefix!.EncodedWithBlank is { } glued && rest.StartsWith("=?"u8))
        {
            // Encoded word after encoded word: the blank between them is not displayed (RFC 2047 §6.2), so it
            // goes inside the prefix's word; the fold keeps the two words apart on the wire.
            output.Write(glued);
            output.Write("\r\n "u8);
        }
        else
        {
            // The blank keeps an encoded word that follows a separate token (RFC 2047 §5).
            output.Write(_prefix.Encoded);
            output.Write(" "u8);
        }

        output.WriteLines(rest);
    }

    /// <summary>
    /// Writes a Reply-To, To or Cc field with its correspondents as reverse aliases (or as received when none changes).
    /// Returns false only for a Reply-To that cannot be read: it is dropped, and one is made from From instead, so a
    /// reply never goes to an address that was not masked.
    /// </summary>
    private bool WriteMasked(HeaderOutput output, ParsedMessage message, HeaderField field, RewriteInput input, HeaderKind kind)
    {
        var value = message.Value(field);
        var masked = MaskedFields.WrapForOwner(value, input.Alias, input.Target, _masking!.Aliases, out var unreadable);
        if (masked is not null)
        {
            WriteField(output, message.Name(field), masked);
            return true;
        }

        if (unreadable && kind == HeaderKind.ReplyTo)
        {
            return false;
        }

        output.WriteLines(message.Raw(field));
        return true;
    }

    private static void WriteField(HeaderOutput output, ReadOnlySpan<byte> name, string value)
    {
        output.Write(name);
        output.Write(": "u8);
        output.WriteLines(Encoding.UTF8.GetBytes(value));
    }

    private void WriteReplyTo(HeaderOutput output, ReadOnlySpan<byte> rawFrom, IReadOnlyList<MailboxAddress>? original, RewriteInput input)
    {
        if (_masking is not null)
        {
            // The authors (or the envelope sender) as reverse aliases: a reply comes back through MailTumble.
            var authors = original is { Count: > 0 } ? original : EnvelopeMailbox(input.EnvelopeFrom) is { } envelopeSender ? [envelopeSender] : [];
            if (MaskedFields.WrapForOwner(authors, input.Alias, input.Target, _masking.Aliases) is { } masked)
            {
                WriteField(output, "Reply-To"u8, masked);
            }

            return;
        }

        var envelopeFrom = input.EnvelopeFrom;
        if (!rawFrom.IsEmpty)
        {
            // The original value, folding and all, so a reply reaches every original author.
            output.Write("Reply-To:"u8);
            output.WriteLines(rawFrom);
            return;
        }

        if (EnvelopeMailbox(envelopeFrom) is { } sender)
        {
            output.Write("Reply-To: "u8);
            output.WriteLines(Encoding.UTF8.GetBytes(sender.ToString(Format, true)));
        }
    }

    private static MailboxAddress? EnvelopeMailbox(string envelopeFrom)
    {
        if (string.IsNullOrWhiteSpace(envelopeFrom))
        {
            return null;
        }

        return MailboxAddress.TryParse(ParserOptions.Default, envelopeFrom.Trim(), out var mailbox) ? mailbox : null;
    }

    private static List<MailboxAddress>? ParseMailboxes(ReadOnlySpan<byte> value)
    {
        var bytes = value.ToArray();
        return InternetAddressList.TryParse(ParserOptions.Default, bytes, 0, bytes.Length, out var list) ? list.Mailboxes.ToList() : null;
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
