using System.Text.Json;
using MailTumble.Core.Feedback;

namespace MailTumble.Aws.Notifications;

/// <summary>
/// The AWS formats of feedback (<see cref="IFeedbackDocumentReader"/>): an SNS envelope whose <c>Message</c> is an SES
/// notification, or the SES notification itself (raw message delivery, a saved file). What the events mean is the
/// <see cref="FeedbackProcessor"/>'s to decide.
/// </summary>
internal sealed class SesFeedbackReader : IFeedbackDocumentReader
{
    /// <inheritdoc />
    public FeedbackReading Read(string json)
    {
        using var document = NotificationJson.Parse(json);
        var root = document.RootElement;
        if (SnsMessage.IsEnvelope(root))
        {
            var sns = SnsMessage.Parse(root);
            return sns.Type == "Notification"
                ? ReadNotification(sns.Message, sns.MessageId)
                : new FeedbackReading([], $"SNS message {sns.MessageId}: a {sns.Type}, not a notification");
        }

        if (SesNotificationParser.IsSes(root))
        {
            return new FeedbackReading(SesNotificationParser.ParseFeedback(root, null));
        }

        throw new FormatException("the JSON is neither an SNS message nor an SES notification");
    }

    /// <summary>
    /// Reads the <c>Message</c> of an SNS notification: an SES notification, whose events without an id of their own are
    /// keyed by <paramref name="snsMessageId"/>. Throws <see cref="FormatException"/> when it is not JSON.
    /// </summary>
    public FeedbackReading ReadNotification(string message, string? snsMessageId)
    {
        using var document = NotificationJson.Parse(message);
        if (!SesNotificationParser.IsSes(document.RootElement))
        {
            var id = snsMessageId ?? "(no id)";
            return new FeedbackReading([], $"SNS message {id}: not an SES bounce, complaint or delivery notification", id);
        }

        return new FeedbackReading(SesNotificationParser.ParseFeedback(document.RootElement, snsMessageId));
    }

    /// <inheritdoc />
    public int FeedbackJsonLength(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            return SesNotificationParser.IsSes(root) || SnsMessage.IsEnvelope(root) ? (int)reader.BytesConsumed : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }
}
