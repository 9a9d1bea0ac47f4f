using System.Buffers.Text;
using System.Text;
using MailTumble.Core.Rewriting;
using MimeKit;
using MimeKit.Utils;

namespace MailTumble.Core.Replies;

/// <summary>
/// Rewrites the header block of a reply so nothing in it leads back to the owner. Only the fields a reader needs are
/// kept (<see cref="Kept"/>); the rest, <c>Sender</c>, <c>Reply-To</c>, <c>Received</c>, <c>Return-Path</c>,
/// <c>X-Originating-IP</c>, the owner's DKIM signatures, <c>Authentication-Results</c>, mail-program headers and
/// anything unknown, is dropped. <c>From</c> becomes the alias (with the alias's display name, if any); in <c>To</c> and <c>Cc</c> the alias's reverse aliases
/// become the correspondents' real addresses; the Message-ID is sealed and the owner's ids in <c>In-Reply-To</c> and
/// <c>References</c> too; a kept field that still mentions the owner's address gets the alias instead.
/// </summary>
internal sealed class ReplyRewriter(int maxHops, TwoWayMasking masking, TimeProvider time)
{
    /// <summary>Fields kept from a reply (besides From, To, Cc, Message-ID, In-Reply-To and References, which are rewritten).</summary>
    public static readonly IReadOnlySet<string> Kept = new HashSet<string>(
        [
            "Date", "Subject", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
            "Content-Language", "Content-ID", "Content-Description", "Thread-Topic", "Thread-Index", "Importance",
            "Priority", "X-Priority", "Sensitivity", "Auto-Submitted",
        ],
        StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> Unstructured = new(["Subject", "Thread-Topic", "Content-Description"], StringComparer.OrdinalIgnoreCase);
    private static readonly FormatOptions Format = CreateFormat();

    /// <summary>Rewrites the reply for one correspondent.</summary>
    public RewriteResult Rewrite(ParsedMessage message, ReplyInput input)
    {
        if (message.Problem is not null)
        {
            return new RewriteResult(RewriteVerdict.Refuse, [], message.Problem);
        }

        var domain = input.Alias[(input.Alias.LastIndexOf('@') + 1)..];
        using var output = new HeaderOutput(message.HeaderBlock.Length + 512);
        var hops = Hops(message);
        output.WriteAscii($"Received: by {domain} (MailTumble) id {input.DeliveryId}\r\n\tfor <{input.Correspondent}>; {DateUtils.FormatDate(time.GetUtcNow())}\r\n");
        output.WriteAscii($"{HeaderNames.LoopHeader}: {hops + 1}\r\n");

        bool from = false, messageId = false, date = false;
        foreach (var field in message.Fields)
        {
            var name = Encoding.ASCII.GetString(message.Name(field));
            var value = message.Value(field);
            switch (name.ToLowerInvariant())
            {
                case "from" when !from:
                    from = true;
                    WriteField(output, "From", FromField(input));
                    break;
                case "to" or "cc":
                    var unwrapped = MaskedFields.UnwrapForCorrespondent(value, input.Alias, input.Target, masking.Aliases);
                    WriteScrubbed(output, name, unwrapped is null ? value : Encoding.UTF8.GetBytes(" " + unwrapped), input, structured: true);
                    break;
                case "message-id" when !messageId:
                    messageId = true;
                    var original = MimeUtils.ParseMessageId(value.ToArray(), 0, value.Length);
                    var sealedId = original is null ? null : masking.Ids.Seal(original, input.Alias);
                    WriteField(output, "Message-ID", "<" + (sealedId ?? NewId(input, domain)) + ">");
                    break;
                case "in-reply-to" or "references":
                    var sealedIds = MaskedFields.SealForCorrespondent(value, input.Alias, input.Target, masking.Ids);
                    WriteScrubbed(output, name, sealedIds is null ? value : Encoding.UTF8.GetBytes(" " + sealedIds), input, structured: true);
                    break;
                case var kept when Kept.Contains(kept):
                    date |= kept == "date";
                    WriteScrubbed(output, name, value, input, structured: !Unstructured.Contains(kept));
                    break;
            }
        }

        if (!from)
        {
            WriteField(output, "From", FromField(input));
        }

        if (!date)
        {
            WriteField(output, "Date", DateUtils.FormatDate(time.GetUtcNow()));
        }

        if (!messageId)
        {
            WriteField(output, "Message-ID", "<" + NewId(input, domain) + ">");
        }

        var headers = output.ToArray();
        return hops + 1 > maxHops
            ? new RewriteResult(RewriteVerdict.Loop, headers, $"mail loop: the reply has already passed through MailTumble {hops} times (MailTumble:Rewrite:MaxHops is {maxHops})")
            : new RewriteResult(RewriteVerdict.Forward, headers, null);
    }

    /// <summary>
    /// The new From: the alias, with its display name when it has one (quoted or RFC 2047-encoded as needed); never the
    /// owner's own display name, which could name them.
    /// </summary>
    private static string FromField(ReplyInput input) =>
        new MailboxAddress(input.DisplayName ?? string.Empty, input.Alias).ToString(Format, true);

    /// <summary>Writes a field, with the owner's address replaced by the alias wherever it still appears.</summary>
    private static void WriteScrubbed(HeaderOutput output, string name, ReadOnlySpan<byte> value, ReplyInput input, bool structured)
    {
        var scrubber = AddressScrubber.For(input.Target, input.Alias);
        var raw = Encoding.UTF8.GetString(value);
        if (scrubber.Contains(raw))
        {
            WriteField(output, name, scrubber.Replace(raw).Trim());
            return;
        }

        if (!structured && raw.Contains("=?", StringComparison.Ordinal))
        {
            // Encoded words: the address may hide in one.
            var decoded = Rfc2047.DecodeText(ParserOptions.Default, value.ToArray());
            if (scrubber.Contains(decoded))
            {
                WriteField(output, name, Encoding.ASCII.GetString(Rfc2047.EncodeText(Format, Encoding.UTF8, scrubber.Replace(decoded).Trim())));
                return;
            }
        }

        output.Write(Encoding.ASCII.GetBytes(name));
        output.Write(":"u8);
        output.WriteLines(value);
    }

    private static void WriteField(HeaderOutput output, string name, string value)
    {
        output.Write(Encoding.ASCII.GetBytes(name));
        output.Write(": "u8);
        output.WriteLines(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>For a reply without a Message-ID: the same for every correspondent of the reply.</summary>
    private static string NewId(ReplyInput input, string domain) => $"{input.MessageKey}@{domain}";

    private static int Hops(ParsedMessage message)
    {
        int count = 0, max = 0;
        foreach (var field in message.Fields)
        {
            if (!Ascii.EqualsIgnoreCase(message.Name(field), Encoding.ASCII.GetBytes(HeaderNames.LoopHeader)))
            {
                continue;
            }

            count++;
            if (Utf8Parser.TryParse(message.Value(field).Trim(" \t\r\n"u8), out int hops, out _))
            {
                max = Math.Max(max, hops);
            }
        }

        return Math.Max(count, max);
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
