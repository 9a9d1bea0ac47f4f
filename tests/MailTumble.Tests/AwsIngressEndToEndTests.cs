using Amazon.S3.Model;
using Amazon.SQS.Model;
using MailTumble.Core.Moderation;
using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// SES ingress end to end on the emulator: raw message in S3, the SES notification published to the SNS topic whose
/// SQS subscription is the inbound queue, the relay in AWS mode (S3 raw store, SQS queue), and the rewritten message at
/// a test SMTP server standing in for the SES SMTP interface.
/// </summary>
public sealed class AwsIngressEndToEndTests
{
    private const string Alias = "x7g2@mask.example.com";

    [SkippableFact]
    public async Task A_published_ses_notification_is_delivered_rewritten_once_and_verdicts_apply()
    {
        using var aws = await AwsEmulator.CreateAsync(inbound: true);
        foreach (var (name, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(name, Environment.GetEnvironmentVariable(name) ?? value);
        }

        await using var relay = await RelayFixture.StartAsync(aws.Settings());
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        var run = Guid.NewGuid().ToString("N")[..8];
        var objectKey = $"inbound/{run}/mail1";
        await aws.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = AwsEmulator.SesBucket,
            Key = objectKey,
            ContentBody = "From: Alice <alice@sender.example>\r\nTo: x7g2@mask.example.com\r\nSubject: via SES\r\nMessage-ID: <m1@sender.example>\r\n\r\nHello through SES.\r\n",
        });

        var notification = SesNotifications.Received($"ses-{run}-1", "alice@sender.example", [Alias, "nobody@mask.example.com"], AwsEmulator.SesBucket, objectKey);
        await aws.PublishAsync(notification);

        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(["john@real.example.org"], mail.To);
        Assert.Equal("via SES", mail.Header("Subject"));
        Assert.DoesNotContain("alice@sender.example", mail.Header("From") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("Hello through SES.", mail.Text, StringComparison.Ordinal);

        // SNS may deliver twice, and a virus verdict drops: neither may reach the sink.
        await aws.PublishAsync(notification);
        await aws.PublishAsync(SesNotifications.Received($"ses-{run}-2", "alice@sender.example", [Alias], AwsEmulator.SesBucket, objectKey, virus: "FAIL"));
        await DrainedAsync(aws, aws.InboundQueueUrl);
        await relay.WaitForIdleAsync();
        Assert.Single(relay.Sink.Messages);

        // A spam FAIL is "hold": it waits in the held store, with the verdict as the reason, until an operator approves it.
        await aws.PublishAsync(SesNotifications.Received($"ses-{run}-3", "alice@sender.example", [Alias], AwsEmulator.SesBucket, objectKey, spam: "FAIL"));
        var held = Assert.Single(await ModerationTests.WaitForHeldAsync(relay, 1));
        Assert.Equal((Alias, "via SES"), (held.Item.Alias, held.Subject));
        Assert.Equal("SES verdict: spam FAIL", held.Reason);
        await DrainedAsync(aws, aws.InboundQueueUrl);
        await relay.WaitForIdleAsync();
        Assert.Single(relay.Sink.Messages);

        // Approval queues it on SQS; the stored copy is still in S3, so it goes out whole.
        Assert.Equal(1, await relay.Services.GetRequiredService<Moderator>().ApproveAsync(new HeldQuery(Ids: [held.Id]), "test", null, allowSender: false, default));
        var both = await relay.Sink.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(2, both.Count);
        Assert.Contains("Hello through SES.", both[1].Text, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_report_to_our_bounce_address_through_SES_is_counted_and_the_other_recipient_still_gets_the_message()
    {
        using var aws = await AwsEmulator.CreateAsync(inbound: true);
        foreach (var (name, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(name, Environment.GetEnvironmentVariable(name) ?? value);
        }

        await using var relay = await RelayFixture.StartAsync(aws.Settings());
        await relay.AddAliasAsync(Alias, "john@real.example.org");
        await relay.AddAliasAsync("shop7@mask.example.com", "jane@real.example.org");
        var run = Guid.NewGuid().ToString("N")[..8];

        // One forwarded message; its envelope sender is our signed bounce address for that delivery.
        var bounceAddress = await FeedbackEndToEndTests.ForwardOneAsync(relay, "first", Alias);

        // A DSN about it comes in through SES, to the bounce address and (as SES may group recipients) to another alias.
        // The bounce address has no alias: the intake takes it as a report, never as a delivery without an alias.
        var dsnKey = $"inbound/{run}/dsn";
        await aws.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = AwsEmulator.SesBucket,
            Key = dsnKey,
            ContentBody = MailReportSamples.Dsn(bounceAddress, "john@real.example.org", "5.1.1", $"dsn-{run}@mx.real.example.org"),
        });
        await aws.PublishAsync(SesNotifications.Received($"ses-{run}-dsn", "mailer-daemon@mx.real.example.org", [bounceAddress, "shop7@mask.example.com"], AwsEmulator.SesBucket, dsnKey));

        var both = await relay.Sink.WaitForAsync(2, TimeSpan.FromSeconds(30));
        Assert.Equal(["jane@real.example.org"], both[1].To);
        await Eventually.TrueAsync(async () => (await FeedbackEndToEndTests.AliasAsync(relay)).CountBounce == 1, "the DSN taken in through SES counts as a bounce of x7g2");

        // The notification was handled once and deleted, not left to come back (it used to fail and go to the DLQ).
        await DrainedAsync(aws, aws.InboundQueueUrl);
        await relay.WaitForIdleAsync();
        Assert.Equal(1, (await FeedbackEndToEndTests.AliasAsync(relay)).CountBounce);
        Assert.Equal(2, relay.Sink.Messages.Count);
    }

    /// <summary>
    /// Waits until the SQS queue holds nothing visible, in flight or delayed. For the inbound queue: every notification
    /// was handled, since one is deleted only after its mail was taken in.
    /// </summary>
    internal static Task DrainedAsync(AwsEmulator aws, string queueUrl) =>
        Eventually.ValueAsync(
            async () => (await aws.Sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest
            {
                QueueUrl = queueUrl,
                AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
            })).Attributes,
            attributes => attributes.Values.All(v => v == "0"),
            $"SQS queue {queueUrl} is drained",
            RelayFixture.IdleTimeout);
}
