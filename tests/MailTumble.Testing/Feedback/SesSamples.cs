using System.Text.Json;

namespace MailTumble.Testing.Feedback;

/// <summary>SES notifications shaped as SES sends them (documented examples, with the fields SES adds that we ignore).</summary>
public static class SesSamples
{
    private static object Mail(string source, string messageId, IEnumerable<string> destination) => new
    {
        timestamp = "2026-11-28T03:59:58.000Z",
        source,
        sourceArn = "arn:aws:ses:us-east-1:123456789012:identity/mask.example.com",
        sourceIp = "127.0.3.0",
        callerIdentity = "mailtumble-smtp",
        sendingAccountId = "123456789012",
        messageId,
        destination,
        headersTruncated = false,
        headers = new[] { new { name = "From", value = "Shop via x7g2 <x7g2@mask.example.com>" }, new { name = "Subject", value = "Sale" } },
        commonHeaders = new { from = new[] { "Shop via x7g2 <x7g2@mask.example.com>" }, to = destination, subject = "Sale", messageId = "<abc@shop.example>" },
        tags = new Dictionary<string, string[]> { ["ses:configuration-set"] = ["feedback"] },
    };

    /// <summary>A bounce notification (<c>notificationType</c>), one bounced recipient per address.</summary>
    public static string Bounce(string source, string messageId, string bounceType, string subType, string feedbackId, params string[] recipients) =>
        JsonSerializer.Serialize(new
        {
            notificationType = "Bounce",
            bounce = new
            {
                feedbackId,
                bounceType,
                bounceSubType = subType,
                bouncedRecipients = recipients.Select(r => new
                {
                    emailAddress = r,
                    action = "failed",
                    status = bounceType == "Permanent" ? "5.1.1" : "4.2.2",
                    diagnosticCode = bounceType == "Permanent" ? "smtp; 550 5.1.1 user unknown" : "smtp; 452 4.2.2 mailbox full",
                }),
                timestamp = "2026-11-28T04:00:00.000Z",
                remoteMtaIp = "127.0.2.0",
                reportingMTA = "dsn; a8-70.smtp-out.amazonses.com",
                futureField = new { added = "later" },
            },
            mail = Mail(source, messageId, recipients),
        });

    /// <summary>A complaint as an event publishing record (<c>eventType</c>).</summary>
    public static string Complaint(string source, string messageId, string feedbackId, params string[] recipients) =>
        JsonSerializer.Serialize(new
        {
            eventType = "Complaint",
            complaint = new
            {
                feedbackId,
                complaintSubType = (string?)null,
                complainedRecipients = recipients.Select(r => new { emailAddress = r }),
                timestamp = "2026-11-28T05:00:00.000Z",
                userAgent = "Mozilla/5.0 (webmail)",
                complaintFeedbackType = "abuse",
                arrivalDate = "2026-11-28T04:59:00.000Z",
            },
            mail = Mail(source, messageId, recipients),
        });

    /// <summary>A delivery notification.</summary>
    public static string Delivery(string source, string messageId, params string[] recipients) =>
        JsonSerializer.Serialize(new
        {
            notificationType = "Delivery",
            delivery = new
            {
                timestamp = "2026-11-28T04:00:01.000Z",
                processingTimeMillis = 546,
                recipients,
                smtpResponse = "250 ok:  Message 64111812 accepted",
                reportingMTA = "a8-70.smtp-out.amazonses.com",
                remoteMtaIp = "127.0.2.0",
            },
            mail = Mail(source, messageId, recipients),
        });

    /// <summary>The SNS envelope SQS receives (no raw delivery), unsigned fields filled as SNS fills them.</summary>
    public static string Envelope(string message, string messageId, string topicArn = "arn:aws:sns:us-east-1:123456789012:ses-feedback") =>
        JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["Type"] = "Notification",
            ["MessageId"] = messageId,
            ["TopicArn"] = topicArn,
            ["Message"] = message,
            ["Timestamp"] = "2026-11-28T04:00:02.000Z",
            ["SignatureVersion"] = "1",
            ["Signature"] = "EXAMPLE",
            ["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
            ["UnsubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:ses-feedback:1",
        });
}
