using System.Text.Json;

namespace MailTumble.Tests;

/// <summary>SES <c>Received</c> notifications as an SES receipt rule with an S3 action and an SNS topic publishes them.</summary>
internal static class SesNotifications
{
    public static string Received(string messageId, string source, IReadOnlyList<string> recipients, string bucket, string objectKey, string virus = "PASS", string spam = "PASS", string spf = "PASS", string dkim = "PASS", string dmarc = "PASS") =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["notificationType"] = "Received",
            ["mail"] = new Dictionary<string, object>
            {
                ["timestamp"] = "2026-11-28T12:00:00.000Z",
                ["source"] = source,
                ["messageId"] = messageId,
                ["destination"] = recipients,
                ["headersTruncated"] = false,
            },
            ["receipt"] = new Dictionary<string, object>
            {
                ["timestamp"] = "2026-11-28T12:00:00.000Z",
                ["processingTimeMillis"] = 420,
                ["recipients"] = recipients,
                ["spamVerdict"] = new Dictionary<string, string> { ["status"] = spam },
                ["virusVerdict"] = new Dictionary<string, string> { ["status"] = virus },
                ["spfVerdict"] = new Dictionary<string, string> { ["status"] = spf },
                ["dkimVerdict"] = new Dictionary<string, string> { ["status"] = dkim },
                ["dmarcVerdict"] = new Dictionary<string, string> { ["status"] = dmarc },
                ["action"] = new Dictionary<string, string>
                {
                    ["type"] = "S3",
                    ["topicArn"] = "arn:aws:sns:us-east-1:000000000000:ses-in",
                    ["bucketName"] = bucket,
                    ["objectKey"] = objectKey,
                },
            },
        });
}
