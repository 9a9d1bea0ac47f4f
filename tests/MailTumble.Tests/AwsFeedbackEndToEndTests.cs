using Amazon.SQS.Model;
using MailTumble.Core.Aliases;
using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>AWS mode: an SES bounce notification on the SNS → SQS feedback queue makes the alias dead.</summary>
public sealed class AwsFeedbackEndToEndTests
{
    private const string Alias = "x7g2@mask.example.com";

    [SkippableFact]
    public async Task A_permanent_bounce_from_the_feedback_queue_kills_the_alias_and_the_next_rcpt_gets_550()
    {
        using var aws = await AwsEmulator.CreateAsync();
        foreach (var (name, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(name, Environment.GetEnvironmentVariable(name) ?? value);
        }

        var feedbackQueue = (await aws.Sqs.CreateQueueAsync($"feedback-{Guid.NewGuid():N}")).QueueUrl;
        var settings = aws.Settings();
        settings["MailTumble:Aws:FeedbackQueueUrl"] = feedbackQueue;
        await using var relay = await RelayFixture.StartAsync(settings);
        await relay.AddAliasAsync(Alias, "john@real.example.org");

        // Forward one message; its envelope sender is the signed bounce address SES reports as mail.source.
        // The helper also waits for the delivery record, as a real bounce cannot overtake it.
        var bounceAddress = await FeedbackEndToEndTests.ForwardOneAsync(relay, "hello", Alias);
        var bounce = SesSamples.Bounce(bounceAddress, "ses-message-1", "Permanent", "General", $"fb-{Guid.NewGuid():N}", "john@real.example.org");
        await aws.Sqs.SendMessageAsync(new SendMessageRequest(feedbackQueue, SesSamples.Envelope(bounce, Guid.NewGuid().ToString())));

        // The original policy: more than three permanent bounces kill; send three more distinct ones.
        for (var i = 0; i < 3; i++)
        {
            var again = SesSamples.Bounce(bounceAddress, $"ses-message-{i + 2}", "Permanent", "General", $"fb-{Guid.NewGuid():N}", "john@real.example.org");
            await aws.Sqs.SendMessageAsync(new SendMessageRequest(feedbackQueue, SesSamples.Envelope(again, Guid.NewGuid().ToString())));
        }

        var directory = relay.Services.GetRequiredService<IAliasDirectory>();
        var alias = await Eventually.ValueAsync(
            async () => (await directory.LookupAsync(Alias, default)).Alias,
            a => a?.Status == AliasStatus.Dead,
            "four permanent bounces from the SQS feedback queue killed the alias",
            RelayFixture.IdleTimeout);
        Assert.Equal(AliasStatus.Dead, alias!.Status);
        Assert.Equal(4, alias.CountBounce);

        await using var next = await Testing.SmtpWireClient.ConnectAsync(relay.SmtpPort);
        await next.ReadReplyAsync();
        await next.CommandAsync("EHLO client.test");
        await next.CommandAsync("MAIL FROM:<shop@brand.example>");
        Assert.StartsWith("550 5.1.1", await next.CommandAsync("RCPT TO:<x7g2@mask.example.com>"));
    }
}
