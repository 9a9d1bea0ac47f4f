using System.Text.Json;

namespace MailTumble.Aws.Ingress;

/// <summary>
/// Reads an SQS body carrying an SES receipt notification: either the SNS envelope (<c>Type: Notification</c> with the
/// SES JSON in <c>Message</c>) or, with raw message delivery on the subscription, the SES JSON itself.
/// </summary>
public static class SesNotificationParser
{
    private static readonly string[] VerdictNames = ["spam", "virus", "spf", "dkim", "dmarc"];

    /// <summary>
    /// Returns the receipt, or null for anything that is not a <c>Received</c> notification with an S3 action
    /// (SNS subscription confirmations, SES setup test messages). Throws <see cref="FormatException"/> for malformed JSON.
    /// </summary>
    public static SesReceipt? Parse(string body)
    {
        try
        {
            using var outer = JsonDocument.Parse(body);
            var root = outer.RootElement;
            if (Text(root, "Type") is { } type)
            {
                return type == "Notification" && Text(root, "Message") is { } message ? ParseSes(message) : null;
            }

            return ParseSes(body);
        }
        catch (JsonException ex)
        {
            throw new FormatException("not an SNS or SES notification: " + ex.Message, ex);
        }
    }

    private static SesReceipt? ParseSes(string json)
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

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
