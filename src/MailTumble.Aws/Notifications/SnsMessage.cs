using System.Text.Json;

namespace MailTumble.Aws.Notifications;

/// <summary>An SNS message (HTTPS POST body, or an SQS message body without raw delivery): the fields that are signed and checked.</summary>
/// <param name="Type">Notification, SubscriptionConfirmation or UnsubscribeConfirmation.</param>
/// <param name="MessageId">SNS's id for the message.</param>
/// <param name="TopicArn">The topic it was published to.</param>
/// <param name="Message">The payload (for SES feedback: the SES notification JSON).</param>
/// <param name="Timestamp">When SNS published it (as sent).</param>
/// <param name="Subject">The optional subject.</param>
/// <param name="Token">The subscription token (confirmations only).</param>
/// <param name="SubscribeUrl">Where to confirm a subscription (confirmations only).</param>
/// <param name="SignatureVersion">1 (SHA1withRSA) or 2 (SHA256withRSA).</param>
/// <param name="Signature">Base64 signature over the canonical string.</param>
/// <param name="SigningCertUrl">Where SNS's signing certificate is.</param>
internal sealed record SnsMessage(
    string Type,
    string MessageId,
    string TopicArn,
    string Message,
    string Timestamp,
    string? Subject,
    string? Token,
    string? SubscribeUrl,
    string? SignatureVersion,
    string? Signature,
    string? SigningCertUrl)
{
    /// <summary>True when the JSON has the shape of an SNS message.</summary>
    public static bool IsEnvelope(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("Type", out _) && root.TryGetProperty("TopicArn", out _);

    /// <summary>Reads the fields; throws <see cref="FormatException"/> when a required one is missing.</summary>
    public static SnsMessage Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("an SNS message must be a JSON object");
        }

        return new SnsMessage(
            Required(root, "Type"),
            Required(root, "MessageId"),
            Required(root, "TopicArn"),
            Optional(root, "Message") ?? string.Empty,
            Required(root, "Timestamp"),
            Optional(root, "Subject"),
            Optional(root, "Token"),
            Optional(root, "SubscribeURL"),
            Optional(root, "SignatureVersion"),
            Optional(root, "Signature"),
            Optional(root, "SigningCertURL"));
    }

    /// <summary>The string SNS signs: selected fields as name and value lines, in byte order of the names.</summary>
    public string CanonicalString()
    {
        var builder = new System.Text.StringBuilder();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                builder.Append(name).Append('\n').Append(value).Append('\n');
            }
        }

        Add("Message", Message);
        Add("MessageId", MessageId);
        if (Type == "Notification")
        {
            Add("Subject", Subject);
            Add("Timestamp", Timestamp);
            Add("TopicArn", TopicArn);
        }
        else
        {
            Add("SubscribeURL", SubscribeUrl);
            Add("Timestamp", Timestamp);
            Add("Token", Token);
            Add("TopicArn", TopicArn);
        }

        Add("Type", Type);
        return builder.ToString();
    }

    private static string Required(JsonElement root, string name) =>
        Optional(root, name) ?? throw new FormatException($"the SNS message has no '{name}'");

    private static string? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
