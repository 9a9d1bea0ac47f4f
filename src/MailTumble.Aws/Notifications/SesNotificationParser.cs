using System.Text.Json;
using MailTumble.Aws.Ingress;
using MailTumble.Core.Feedback;
using static MailTumble.Aws.Notifications.NotificationJson;

namespace MailTumble.Aws.Notifications;

/// <summary>
/// Reads SES notifications, whichever way they come: the feedback ones (<c>notificationType</c> notifications and
/// <c>eventType</c> event publishing records: Bounce, Complaint and Delivery, one event per recipient) and the inbound
/// <c>Received</c> notification of a receipt rule with an S3 action. Other types and unknown fields are ignored.
/// </summary>
internal static class SesNotificationParser
{
    private static readonly string[] VerdictNames = ["spam", "virus", "spf", "dkim", "dmarc"];

    /// <summary>True when the JSON looks like an SES notification rather than an SNS envelope.</summary>
    public static bool IsSes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("notificationType", out _) || root.TryGetProperty("eventType", out _));

    /// <summary>
    /// Parses one SES bounce, complaint or delivery notification; <paramref name="fallbackKey"/> (the SNS MessageId) keys
    /// events that carry no id of their own. Other types yield no event.
    /// </summary>
    public static IReadOnlyList<FeedbackEvent> ParseFeedback(JsonElement root, string? fallbackKey)
    {
        var type = Text(root, "notificationType") ?? Text(root, "eventType");
        var mail = Object(root, "mail");
        var source = Text(mail, "source");
        var messageId = Text(mail, "messageId");
        var addresses = AddressText.BounceAddressesIn(source).ToList();
        var events = new List<FeedbackEvent>();
        switch (type)
        {
            case "Bounce" when root.TryGetProperty("bounce", out var bounce):
            {
                var bounceType = Text(bounce, "bounceType") switch
                {
                    "Permanent" => BounceType.Permanent,
                    "Transient" => BounceType.Transient,
                    _ => BounceType.Undetermined,
                };
                var subType = Text(bounce, "bounceSubType") ?? "General"; // the sub-type every source's records use when there is none
                var id = Key(Text(bounce, "feedbackId"), fallbackKey, messageId, "bounce");
                foreach (var recipient in Items(bounce, "bouncedRecipients"))
                {
                    var address = AddressText.Bare(Text(recipient, "emailAddress"));
                    var detail = string.Join(' ', new[] { Text(recipient, "status"), Text(recipient, "diagnosticCode") }.Where(s => !string.IsNullOrEmpty(s)));
                    events.Add(new FeedbackEvent($"{id}:{address}", FeedbackType.Bounce, address, FeedbackOrigin.Ses, addresses, messageId, bounceType, subType, detail));
                }

                break;
            }

            case "Complaint" when root.TryGetProperty("complaint", out var complaint):
            {
                var id = Key(Text(complaint, "feedbackId"), fallbackKey, messageId, "complaint");
                var subType = Text(complaint, "complaintFeedbackType") ?? Text(complaint, "complaintSubType") ?? "abuse";
                foreach (var recipient in Items(complaint, "complainedRecipients"))
                {
                    var address = AddressText.Bare(Text(recipient, "emailAddress"));
                    events.Add(new FeedbackEvent($"{id}:{address}", FeedbackType.Complaint, address, FeedbackOrigin.Ses, addresses, messageId, SubType: subType, Detail: Text(complaint, "userAgent")));
                }

                break;
            }

            case "Delivery" when root.TryGetProperty("delivery", out var delivery):
            {
                // A delivery has no feedbackId; the SES message id and recipient identify it.
                var id = Key(null, messageId is null ? fallbackKey : null, messageId, "delivery");
                foreach (var recipient in Items(delivery, "recipients"))
                {
                    var address = AddressText.Bare(recipient.ValueKind == JsonValueKind.String ? recipient.GetString() : null);
                    events.Add(new FeedbackEvent($"{id}:{address}", FeedbackType.Delivery, address, FeedbackOrigin.Ses, addresses, messageId, Detail: Text(delivery, "smtpResponse")));
                }

                break;
            }
        }

        return events;
    }

    /// <summary>
    /// Reads an SQS body carrying an SES receipt notification: either the SNS envelope (<c>Type: Notification</c> with the
    /// SES JSON in <c>Message</c>) or, with raw message delivery on the subscription, the SES JSON itself. Returns the
    /// receipt, or null for anything that is not a <c>Received</c> notification with an S3 action (SNS subscription
    /// confirmations, SES setup test messages). Throws <see cref="FormatException"/> for malformed JSON.
    /// </summary>
    public static SesReceipt? ParseReceipt(string body)
    {
        try
        {
            using var outer = JsonDocument.Parse(body);
            var root = outer.RootElement;
            if (Text(root, "Type") is { } type)
            {
                return type == "Notification" && Text(root, "Message") is { } message ? Receipt(message) : null;
            }

            return Receipt(body);
        }
        catch (JsonException ex)
        {
            throw new FormatException("not an SNS or SES notification: " + ex.Message, ex);
        }
    }

    private static SesReceipt? Receipt(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || Text(root, "notificationType") != "Received"
            || !root.TryGetProperty("mail", out var mail) || !root.TryGetProperty("receipt", out var receipt)
            || !receipt.TryGetProperty("action", out var action) || Text(action, "type") is not ("S3" or null))
        {
            return null;
        }

        var messageId = Text(mail, "messageId") ?? throw new FormatException("SES notification without mail.messageId");
        var bucket = Text(action, "bucketName") ?? throw new FormatException($"SES notification {messageId} has no receipt.action.bucketName");
        var key = Text(action, "objectKey") ?? throw new FormatException($"SES notification {messageId} has no receipt.action.objectKey");
        var recipients = receipt.TryGetProperty("recipients", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(r => r.GetString()).OfType<string>().ToList()
            : [];
        var verdicts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in VerdictNames)
        {
            if (receipt.TryGetProperty(name + "Verdict", out var verdict) && Text(verdict, "status") is { } status)
            {
                verdicts[name] = status.ToUpperInvariant();
            }
        }

        return new SesReceipt(messageId, Text(mail, "source") ?? string.Empty, recipients, bucket, key, verdicts, Text(receipt, "dmarcPolicy")?.ToLowerInvariant());
    }

    private static string Key(string? feedbackId, string? snsMessageId, string? sesMessageId, string kind) =>
        feedbackId is not null ? "ses:" + feedbackId
        : snsMessageId is not null ? "sns:" + snsMessageId
        : $"ses-{kind}:{sesMessageId ?? throw new FormatException($"the SES {kind} notification has neither a feedbackId nor a mail.messageId")}";
}
