using System.Text.Json;

namespace MailTumble.Core.Feedback;

/// <summary>
/// Reads SES notifications (<c>notificationType</c>) and event publishing records (<c>eventType</c>):
/// Bounce, Complaint and Delivery, one event per recipient. Other types and unknown fields are ignored.
/// </summary>
internal static class SesNotificationParser
{
    /// <summary>True when the JSON looks like an SES notification rather than an SNS envelope.</summary>
    public static bool IsSes(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("notificationType", out _) || root.TryGetProperty("eventType", out _));

    /// <summary>Parses one SES notification; <paramref name="fallbackKey"/> (the SNS MessageId) keys events that carry no id of their own.</summary>
    public static IReadOnlyList<FeedbackEvent> Parse(JsonElement root, string? fallbackKey)
    {
        var type = Text(root, "notificationType") ?? Text(root, "eventType");
        var mail = root.TryGetProperty("mail", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
        var source = mail.ValueKind == JsonValueKind.Object ? Text(mail, "source") : null;
        var messageId = mail.ValueKind == JsonValueKind.Object ? Text(mail, "messageId") : null;
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
                var subType = Text(bounce, "bounceSubType") ?? BounceClassifier.General;
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

    private static string Key(string? feedbackId, string? snsMessageId, string? sesMessageId, string kind) =>
        feedbackId is not null ? "ses:" + feedbackId
        : snsMessageId is not null ? "sns:" + snsMessageId
        : $"ses-{kind}:{sesMessageId ?? throw new FormatException($"the SES {kind} notification has neither a feedbackId nor a mail.messageId")}";

    private static IEnumerable<JsonElement> Items(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray()
            : [];

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
