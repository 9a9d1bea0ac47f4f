using System.Text.Json;
using MailTumble.Aws.Ingress;
using MailTumble.Aws.Notifications;

namespace MailTumble.Aws.Tests;

public sealed class SesNotificationTests
{
    private const string Ses = """
        {"notificationType":"Received",
         "mail":{"source":"alice@sender.example","messageId":"o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1","destination":["x7g2@mask.example.com"]},
         "receipt":{"recipients":["x7g2@mask.example.com","y@mask.example.com"],
           "spamVerdict":{"status":"PASS"},"virusVerdict":{"status":"PASS"},"spfVerdict":{"status":"FAIL"},
           "dkimVerdict":{"status":"GRAY"},"dmarcVerdict":{"status":"FAIL"},"dmarcPolicy":"REJECT",
           "action":{"type":"S3","topicArn":"arn:aws:sns:us-east-1:123456789012:ses","bucketName":"in-bucket","objectKey":"mail/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"}}}
        """;

    [Fact]
    public void The_sns_envelope_and_the_raw_ses_json_give_the_same_receipt()
    {
        var envelope = JsonSerializer.Serialize(new Dictionary<string, string> { ["Type"] = "Notification", ["MessageId"] = "sns-1", ["Message"] = Ses });
        var viaSns = SesNotificationParser.ParseReceipt(envelope)!;
        var raw = SesNotificationParser.ParseReceipt(Ses)!;

        Assert.Equal("o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1", viaSns.MessageId);
        Assert.Equal("alice@sender.example", viaSns.Source);
        Assert.Equal(["x7g2@mask.example.com", "y@mask.example.com"], viaSns.Recipients);
        Assert.Equal(("in-bucket", "mail/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"), (viaSns.BucketName, viaSns.ObjectKey));
        Assert.Equal("FAIL", viaSns.Verdicts["spf"]);
        Assert.Equal("reject", viaSns.DmarcPolicy);
        Assert.Equal(viaSns.Verdicts, raw.Verdicts);
        Assert.Equal(viaSns.ObjectKey, raw.ObjectKey);
    }

    [Fact]
    public void Subscription_confirmations_and_other_notifications_are_not_receipts()
    {
        Assert.Null(SesNotificationParser.ParseReceipt("""{"Type":"SubscriptionConfirmation","SubscribeURL":"https://example"}"""));
        Assert.Null(SesNotificationParser.ParseReceipt("""{"notificationType":"AMAZON_SES_SETUP_NOTIFICATION"}"""));
        Assert.Throws<FormatException>(() => SesNotificationParser.ParseReceipt("not json"));
        Assert.Throws<FormatException>(() => SesNotificationParser.ParseReceipt(Ses.Replace("\"bucketName\":\"in-bucket\",", string.Empty, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("PASS", "PASS", "PASS", "none", VerdictAction.Pass)]
    [InlineData("FAIL", "PASS", "PASS", "none", VerdictAction.Drop)]
    [InlineData("PASS", "FAIL", "PASS", "none", VerdictAction.Hold)]
    [InlineData("FAIL", "FAIL", "PASS", "none", VerdictAction.Drop)]
    [InlineData("PASS", "PASS", "FAIL", "REJECT", VerdictAction.Drop)]
    [InlineData("PASS", "PASS", "FAIL", "QUARANTINE", VerdictAction.Pass)]
    [InlineData("PASS", "GRAY", "PROCESSING_FAILED", "REJECT", VerdictAction.Pass)]
    public void Default_verdict_policy(string virus, string spam, string dmarc, string dmarcPolicy, VerdictAction expected)
    {
        var json = Ses.Replace("\"virusVerdict\":{\"status\":\"PASS\"}", $"\"virusVerdict\":{{\"status\":\"{virus}\"}}", StringComparison.Ordinal)
            .Replace("\"spamVerdict\":{\"status\":\"PASS\"}", $"\"spamVerdict\":{{\"status\":\"{spam}\"}}", StringComparison.Ordinal)
            .Replace("\"dmarcVerdict\":{\"status\":\"FAIL\"}", $"\"dmarcVerdict\":{{\"status\":\"{dmarc}\"}}", StringComparison.Ordinal)
            .Replace("REJECT", dmarcPolicy, StringComparison.Ordinal);
        var (action, reason) = SesVerdicts.Decide(SesNotificationParser.ParseReceipt(json)!, new SesVerdictPolicy());
        Assert.Equal(expected, action);
        Assert.Equal(expected == VerdictAction.Pass, reason.Length == 0);
    }

    [Fact]
    public void Verdict_policy_is_configurable_per_verdict()
    {
        var receipt = SesNotificationParser.ParseReceipt(Ses)!;
        Assert.Equal(VerdictAction.Hold, SesVerdicts.Decide(receipt, new SesVerdictPolicy { DmarcReject = VerdictAction.Pass, Spf = VerdictAction.Hold }).Action);
    }

    [Fact]
    public void The_spf_dkim_and_dmarc_verdicts_are_the_authentication_results_a_reply_is_checked_against()
    {
        var results = SesVerdicts.Authentication(SesNotificationParser.ParseReceipt(Ses)!)!;
        Assert.Equal(["spf=fail", "dkim=gray", "dmarc=fail"], results.Checks.Select(c => $"{c.Method}={c.Result}"));
        Assert.All(results.Checks, c => Assert.Null(c.Domain));
        Assert.Contains("o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1", results.Source, StringComparison.Ordinal);

        var without = Ses.Replace("\"spfVerdict\":{\"status\":\"FAIL\"},", string.Empty, StringComparison.Ordinal)
            .Replace("\"dkimVerdict\":{\"status\":\"GRAY\"},\"dmarcVerdict\":{\"status\":\"FAIL\"},", string.Empty, StringComparison.Ordinal);
        Assert.Null(SesVerdicts.Authentication(SesNotificationParser.ParseReceipt(without)!));
    }
}
