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
    /// Parses one message. <paramref name="envelopeRecipient"/> is the address it was delivered to, when known:
    /// the signed bounce address, which is the most trustworthy attribution there is.
    /// </summary>
    public static IReadOnlyList<FeedbackEvent> Parse(MimeMessage message, ReadOnlySpan<byte> raw, string? envelopeRecipient, FeedbackOrigin origin)
    {
        var id = string.IsNullOrWhiteSpace(message.MessageId) ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw)) : message.MessageId.Trim().ToLowerInvariant();
        var report = Find<MultipartReport>(message.Body);
        var returned = ReturnedHeaders(report);
        var candidates = new List<string>();
        Add(candidates, envelopeRecipient);

        if (report is not null && string.Equals(report.ReportType, "feedback-report", StringComparison.OrdinalIgnoreCase))
        {
            return ParseArf(report, id, candidates, returned, origin);
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

        // Not a standard report: only mail to a bounce address is a bounce at all.
        if (candidates.Count == 0)
        {
            return [];
        }

        var text = message.Subject + "\n" + string.Join('\n', message.BodyParts.OfType<TextPart>().Select(p => p.Text));
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

    private static IReadOnlyList<FeedbackEvent> ParseArf(MultipartReport report, string id, List<string> candidates, HeaderList? returned, FeedbackOrigin origin)
    {
        var part = report.OfType<MimePart>().FirstOrDefault(p => p.ContentType.IsMimeType("message", "feedback-report"));
        var fields = part is null ? new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase) : Fields(part);
        var feedbackType = First(fields, "Feedback-Type")?.ToLowerInvariant() ?? "abuse";
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

        return recipients.Select(r => new FeedbackEvent($"arf:{id}:{r}", FeedbackType.Complaint, r, origin, candidates,
            SubType: feedbackType, Detail: First(fields, "User-Agent"), RecipientMustMatch: recipients.Count > 1)).ToList();
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
