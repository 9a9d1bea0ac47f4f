using System.Security.Cryptography;
using System.Text;
using MimeKit;

namespace MailTumble.Core.Feedback;

/// <summary>
/// Reads feedback that arrives as mail: RFC 3464 delivery status notifications, RFC 5965 ARF complaint
/// reports, and (best effort, from the text) bounces that follow neither.
/// </summary>
internal static class MailReportParser
{
    static MailReportParser()
    {
        // MimeKit maps charset names once, when first used: the code-page provider must be there before (see HeaderRewriter).
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>Parses the message with MimeKit, making sure legacy charsets (Shift_JIS, windows-125x) can be decoded.</summary>
    public static Task<MimeMessage> LoadAsync(Stream stream, CancellationToken cancellationToken) => MimeMessage.LoadAsync(stream, cancellationToken);

    /// <summary>
    /// A saved document as the JSON parsers want it: <paramref name="content"/> itself, unless it is a saved email whose
    /// text/plain body is an SES notification or an SNS envelope (an SNS email or email-json subscription; SNS adds an
    /// unsubscribe footer after the JSON), then that JSON alone. <paramref name="reader"/> knows those formats.
    /// </summary>
    public static ReadOnlyMemory<byte> JsonIn(ReadOnlyMemory<byte> content, IFeedbackDocumentReader reader)
    {
        var text = content.Span.TrimStart("\xEF\xBB\xBF \t\r\n"u8);
        if (text.Length == 0 || text[0] == (byte)'{')
        {
            return content;
        }

        using var stream = new MemoryStream(content.ToArray(), writable: false);
        var body = MimeMessage.Load(stream).TextBody?.TrimStart();
        if (body is null || !body.StartsWith('{'))
        {
            return content;
        }

        var json = Encoding.UTF8.GetBytes(body);
        var length = reader.FeedbackJsonLength(json);
        return length > 0 ? json.AsMemory(0, length) : content;
    }

    /// <summary>
    /// Parses one message. <paramref name="envelopeRecipient"/> is the address it was delivered to, when known:
    /// the signed bounce address, which is the most trustworthy attribution there is.
    /// </summary>
    public static IReadOnlyList<FeedbackEvent> Parse(MimeMessage message, ReadOnlySpan<byte> raw, string? envelopeRecipient, FeedbackOrigin origin) =>
        Parse(message, raw, envelopeRecipient, origin, out _);

    /// <summary>As <see cref="Parse(MimeMessage, ReadOnlySpan{byte}, string?, FeedbackOrigin)"/>; when nothing is found, <paramref name="ignored"/> says why.</summary>
    public static IReadOnlyList<FeedbackEvent> Parse(MimeMessage message, ReadOnlySpan<byte> raw, string? envelopeRecipient, FeedbackOrigin origin, out string? ignored)
    {
        ignored = null;
        var id = string.IsNullOrWhiteSpace(message.MessageId) ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw)) : message.MessageId.Trim().ToLowerInvariant();
        var report = Find<MultipartReport>(message.Body);
        var returned = ReturnedHeaders(report);
        var candidates = new List<string>();
        Add(candidates, envelopeRecipient);

        if (report is not null && string.Equals(report.ReportType, "feedback-report", StringComparison.OrdinalIgnoreCase))
        {
            var complaints = ParseArf(report, id, candidates, returned, origin, out var feedbackType);
            if (complaints.Count == 0)
            {
                ignored = feedbackType == "auth-failure"
                    ? "an ARF auth-failure report (RFC 6591: a message failed SPF/DKIM/DMARC), which is no complaint by the recipient and says nothing about the address"
                    : $"an ARF {feedbackType} report, which is no complaint";
            }

            return complaints;
        }

        if (report is null && Jmrp(message) is { } complained)
        {
            // Microsoft JMRP: no feedback-report part, the complained-about message is attached whole.
            Add(candidates, complained.Headers["Return-Path"]);
            Add(candidates, string.Join('\n', complained.Headers.Select(h => h.Field + ": " + h.Value)));
            if (candidates.Count == 0)
            {
                ignored = "a Microsoft JMRP complaint whose attached message names none of our bounce addresses";
                return [];
            }

            var complainant = AddressText.Bare(complained.Headers["To"]);
            return [new FeedbackEvent($"jmrp:{id}:{complainant}", FeedbackType.Complaint, complainant, origin, candidates,
                SubType: "abuse", Detail: "Microsoft JMRP " + message.From.Mailboxes.FirstOrDefault()?.Address, RecipientMustMatch: false)];
        }

        // Delivered to a bounce address, that address alone decides; the headers are the sender's to write.
        if (candidates.Count == 0)
        {
            foreach (var header in new[] { "Delivered-To", "X-Original-To", "To" })
            {
                Add(candidates, message.Headers[header]);
            }

            Add(candidates, returned?["Return-Path"]);
        }
        var status = report?.OfType<MessageDeliveryStatus>().FirstOrDefault() ?? Find<MessageDeliveryStatus>(message.Body);
        if (status is not null && status.StatusGroups.Count > 1)
        {
            return ParseDsn(status, id, candidates, origin);
        }

        var text = message.Subject + "\n" + string.Join('\n', message.BodyParts.OfType<TextPart>().Select(p => p.Text));

        // Not a standard report: only mail to a bounce address is a bounce at all. A free-text bounce saved from a
        // mailbox (Exim, Gmail, Yahoo, Office 365) may not be addressed to it any more, but it quotes the returned
        // message, whose headers (Received ... envelope-from, Return-Path) name our bounce address: taken then, when the
        // message reads as a bounce from a mail system.
        if (candidates.Count == 0 && LooksLikeBounce(message))
        {
            Add(candidates, AllText(message.Body));
        }

        if (candidates.Count == 0)
        {
            ignored = status is not null || report is not null
                ? "a report that names none of our bounce addresses and no recipient in per-recipient fields"
                : LooksLikeBounce(message)
                    ? "a bounce that names none of our bounce addresses (bounces+...@ our domain), so it is about no delivery of ours"
                    : "no report (no multipart/report, no message/delivery-status) and not sent to one of our bounce addresses";
            return [];
        }

        var (type, subType, code) = BounceClassifier.FromText(text);
        var recipient = AddressText.Bare(returned?["To"]);
        var detail = code ?? FirstLine(text);
        return [new FeedbackEvent($"mail:{id}:{recipient}", FeedbackType.Bounce, recipient, origin, candidates, BounceType: type, SubType: subType, Detail: detail, RecipientMustMatch: false)];
    }

    private static IReadOnlyList<FeedbackEvent> ParseDsn(MessageDeliveryStatus status, string id, List<string> candidates, FeedbackOrigin origin)
    {
        var groups = status.StatusGroups.Skip(1).ToList();
        var events = new List<FeedbackEvent>();
        foreach (var group in groups)
        {
            var action = (group["Action"] ?? string.Empty).Trim().ToLowerInvariant();
            var code = group["Status"]?.Trim();
            var recipient = AddressText.Bare(group["Original-Recipient"] ?? group["Final-Recipient"]);
            var detail = string.Join(' ', new[] { code, group["Diagnostic-Code"]?.Trim() }.Where(s => !string.IsNullOrEmpty(s)));
            var key = $"dsn:{id}:{recipient}";
            FeedbackEvent? feedback = action switch
            {
                "failed" => new(key, FeedbackType.Bounce, recipient, origin, candidates,
                    BounceType: BounceClassifier.FromStatus(code), SubType: BounceClassifier.SubType(code), Detail: detail),
                "delayed" => new(key, FeedbackType.Bounce, recipient, origin, candidates,
                    BounceType: BounceType.Transient, SubType: BounceClassifier.SubType(code), Detail: detail),
                "delivered" or "relayed" or "expanded" => new(key, FeedbackType.Delivery, recipient, origin, candidates, Detail: detail),
                _ => null,
            };
            if (feedback is not null)
            {
                events.Add(feedback with { RecipientMustMatch = groups.Count > 1 });
            }
        }

        return events;
    }

    private static IReadOnlyList<FeedbackEvent> ParseArf(MultipartReport report, string id, List<string> candidates, HeaderList? returned, FeedbackOrigin origin, out string feedbackType)
    {
        var part = report.OfType<MimePart>().FirstOrDefault(p => p.ContentType.IsMimeType("message", "feedback-report"));
        var fields = part is null ? new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase) : Fields(part);
        feedbackType = First(fields, "Feedback-Type")?.ToLowerInvariant() ?? "abuse";
        if (feedbackType is "not-spam" or "auth-failure")
        {
            return [];
        }

        Add(candidates, First(fields, "Original-Mail-From"));
        Add(candidates, returned?["Return-Path"]);
        var recipients = fields.TryGetValue("Original-Rcpt-To", out var list) ? list.Select(AddressText.Bare).Distinct().ToList() : [];
        if (recipients.Count == 0)
        {
            recipients.Add(AddressText.Bare(returned?["To"]));
        }

        var subType = feedbackType;
        return recipients.Select(r => new FeedbackEvent($"arf:{id}:{r}", FeedbackType.Complaint, r, origin, candidates,
            SubType: subType, Detail: First(fields, "User-Agent"), RecipientMustMatch: recipients.Count > 1)).ToList();
    }

    /// <summary>
    /// The complained-about message of a Microsoft JMRP report: multipart/mixed from staff@hotmail.com (or another
    /// Microsoft consumer domain), or saying "This is an email abuse report", with the original as message/rfc822.
    /// </summary>
    private static MimeMessage? Jmrp(MimeMessage message)
    {
        if (message.Body is not Multipart multipart || !multipart.ContentType.IsMimeType("multipart", "mixed")
            || multipart.OfType<MessagePart>().FirstOrDefault()?.Message is not { } original)
        {
            return null;
        }

        var from = message.From.Mailboxes.FirstOrDefault();
        var microsoft = from is not null && from.LocalPart.Equals("staff", StringComparison.OrdinalIgnoreCase)
            && MicrosoftDomains.Contains(from.Domain, StringComparer.OrdinalIgnoreCase);
        var says = multipart.OfType<TextPart>().Any(p => p.Text.Contains("This is an email abuse report", StringComparison.OrdinalIgnoreCase));
        return microsoft || says ? original : null;
    }

    private static readonly string[] MicrosoftDomains = ["hotmail.com", "outlook.com", "live.com", "msn.com"];

    /// <summary>
    /// Whether a message reads as a bounce sent by a mail system: from MAILER-DAEMON / postmaster / a "Mail Delivery"
    /// sender, or with a subject such as Exim's, Gmail's, Yahoo's and Office 365's.
    /// </summary>
    private static bool LooksLikeBounce(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault();
        var local = from?.LocalPart ?? string.Empty;
        if (local.Equals("mailer-daemon", StringComparison.OrdinalIgnoreCase) || local.Equals("postmaster", StringComparison.OrdinalIgnoreCase)
            || (from?.Name?.Contains("Mail Delivery", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return true;
        }

        var subject = message.Subject ?? string.Empty;
        return BounceSubjects.Any(s => subject.Contains(s, StringComparison.OrdinalIgnoreCase));
    }

    private static readonly string[] BounceSubjects =
    [
        "Mail delivery failed", "Undeliverable:", "Undelivered Mail Returned to Sender", "Delivery Status Notification (Failure)",
        "Delivery Status Notification (Delay)", "Failure Notice", "Delivery failure", "Returned mail:", "Mail System Error",
        "Message not delivered", "Delivery has failed",
    ];

    /// <summary>Every text of a message: text parts, and the headers and texts of returned messages inside it.</summary>
    private static string AllText(MimeEntity? entity)
    {
        var text = new StringBuilder();
        void Walk(MimeEntity? e)
        {
            switch (e)
            {
                case Multipart multipart:
                    foreach (var child in multipart)
                    {
                        Walk(child);
                    }

                    break;
                case MessagePart { Message: { } inner }:
                    text.AppendJoin('\n', inner.Headers.Select(h => h.Field + ": " + h.Value)).Append('\n');
                    Walk(inner.Body);
                    break;
                case TextPart part:
                    text.Append(part.Text).Append('\n');
                    break;
            }
        }

        Walk(entity);
        return text.ToString();
    }

    /// <summary>The header block of the returned original message (message/rfc822 or text/rfc822-headers).</summary>
    private static HeaderList? ReturnedHeaders(MultipartReport? report)
    {
        if (report is null)
        {
            return null;
        }

        if (report.OfType<MessagePart>().FirstOrDefault()?.Message is { } original)
        {
            return original.Headers;
        }

        var headers = report.OfType<TextPart>().FirstOrDefault(p => p.ContentType.IsMimeType("text", "rfc822-headers"));
        if (headers is null)
        {
            return null;
        }

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(headers.Text + "\r\n"));
        return HeaderList.Load(stream);
    }

    private static Dictionary<string, List<string>> Fields(MimePart part)
    {
        using var content = new MemoryStream();
        part.Content?.DecodeTo(content);
        content.Position = 0;
        var fields = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in HeaderList.Load(content))
        {
            if (!fields.TryGetValue(header.Field, out var values))
            {
                fields[header.Field] = values = [];
            }

            values.Add(header.Value.Trim());
        }

        return fields;
    }

    private static string? First(Dictionary<string, List<string>> fields, string name) =>
        fields.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    private static void Add(List<string> candidates, string? text)
    {
        foreach (var address in AddressText.BounceAddressesIn(text))
        {
            if (!candidates.Contains(address))
            {
                candidates.Add(address);
            }
        }
    }

    private static T? Find<T>(MimeEntity? entity)
        where T : MimeEntity =>
        entity switch
        {
            T match => match,
            Multipart multipart => multipart.Select(Find<T>).FirstOrDefault(e => e is not null),
            _ => null,
        };

    private static string FirstLine(string text)
    {
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? string.Empty;
        return line.Length > 200 ? line[..200] : line;
    }
}
