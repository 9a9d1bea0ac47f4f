using Amazon.SQS.Model;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// AWS mode with two processes on the same queues and bucket: the one that takes a bounce off the feedback queue
/// is not always the one that sent the mail. Sent deliveries and feedback claims are shared through the DynamoDB state table.
/// </summary>
public sealed class AwsSharedFeedbackTests
{
    private const string Alias = "x7g2@mask.example.com";

    [SkippableFact]
    public async Task A_bounce_for_mail_sent_by_one_process_is_attributed_by_the_other()
    {
        using var aws = await AwsEmulator.CreateAsync();
        SetCredentials();
        var feedbackQueue = (await aws.Sqs.CreateQueueAsync($"feedback-{Guid.NewGuid():N}")).QueueUrl;

        // A sends and does not poll feedback; B polls it. Both know the alias (a shared directory in production)
        // and sign bounce addresses with the same key, as the README asks of every node.
        var senderSettings = aws.Settings();
        senderSettings["MailTumble:Rewrite:BounceKey"] = "shared-bounce-key-for-every-node";
        await using var sender = await RelayFixture.StartAsync(senderSettings);
        var readerSettings = aws.Settings();
        readerSettings["MailTumble:Rewrite:BounceKey"] = "shared-bounce-key-for-every-node";
        readerSettings["MailTumble:Aws:FeedbackQueueUrl"] = feedbackQueue;
        readerSettings["MailTumble:Outbound:Enabled"] = "false";
        await using var reader = await RelayFixture.StartAsync(readerSettings);
        await sender.AddAliasAsync(Alias, "john@real.example.org");
        await reader.AddAliasAsync(Alias, "john@real.example.org");

        var bounceAddress = await FeedbackEndToEndTests.ForwardOneAsync(sender, "hello", Alias);
        for (var i = 0; i < 4; i++)
        {
            var bounce = SesSamples.Bounce(bounceAddress, $"ses-message-{i}", "Permanent", "General", $"fb-{Guid.NewGuid():N}", "john@real.example.org");
            await aws.Sqs.SendMessageAsync(new SendMessageRequest(feedbackQueue, SesSamples.Envelope(bounce, Guid.NewGuid().ToString())));
        }

        await Eventually.TrueAsync(async () => (await FeedbackEndToEndTests.AliasAsync(reader, Alias)).Status == AliasStatus.Dead, "the bounces from the shared feedback queue killed the alias", RelayFixture.IdleTimeout);
        Assert.Equal(4, (await FeedbackEndToEndTests.AliasAsync(reader, Alias)).CountBounce);
    }

    [SkippableFact]
    public async Task Deliveries_recorded_by_one_process_are_found_by_the_other_and_an_event_counts_once()
    {
        using var aws = await AwsEmulator.CreateAsync();
        SetCredentials();
        var settings = aws.Settings();
        settings["MailTumble:Outbound:Enabled"] = "false";
        await using var one = await RelayFixture.StartAsync(settings);
        await using var two = await RelayFixture.StartAsync(settings);
        var first = one.Services.GetRequiredService<IFeedbackStore>();
        var second = two.Services.GetRequiredService<IFeedbackStore>();

        var run = Guid.NewGuid().ToString("N");
        // Kept to the millisecond, as by every feedback store.
        var sent = new SentDelivery($"d-{run}", Alias, "john@real.example.org", $"ses-{run}", DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        await first.RecordDeliveryAsync(sent, default);
        Assert.Equal(sent, await second.FindDeliveryAsync(sent.DeliveryId, default));
        Assert.Equal(sent, Assert.Single(await second.FindByProviderMessageIdAsync(sent.ProviderMessageId!, default)));
        Assert.Null(await second.FindDeliveryAsync($"other-{run}", default));

        var feedback = new StoredFeedback($"fb-{run}", Alias, sent.DeliveryId, FeedbackType.Bounce, BounceType.Permanent, "General", sent.Target, FeedbackOrigin.Ses, null, DateTimeOffset.UtcNow);
        Assert.True(await first.TryAddEventAsync(feedback, default));
        Assert.False(await first.TryAddEventAsync(feedback, default));

        // An event whose consequence could not be applied is forgotten, so the redelivery counts.
        await first.RemoveEventAsync(feedback.Key, default);
        Assert.True(await first.TryAddEventAsync(feedback, default));
    }

    private static void SetCredentials()
    {
        foreach (var (name, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(name, Environment.GetEnvironmentVariable(name) ?? value);
        }
    }
}
