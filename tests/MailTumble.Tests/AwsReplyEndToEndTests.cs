using Amazon.S3.Model;
using MailTumble.Core.Replies;
using MailTumble.Testing;
using MailTumble.Testing.Replies;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailTumble.Tests;

/// <summary>
/// Two-way masking in AWS mode on the emulator: the owner's reply comes in through SES (S3 object, SNS notification,
/// SQS), and SES's SPF/DKIM verdicts decide whether it is trusted. Envelope sender and From are the owner's in every
/// case here: only the verdicts differ.
/// </summary>
public sealed class AwsReplyEndToEndTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Owner = "john@real.example.org";

    [SkippableFact]
    public async Task A_reply_through_SES_is_refused_when_SPF_and_DKIM_failed_and_relayed_from_the_alias_when_they_passed()
    {
        using var aws = await AwsEmulator.CreateAsync(inbound: true);
        foreach (var (name, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(name, Environment.GetEnvironmentVariable(name) ?? value);
        }

        await using var relay = await RelayFixture.StartAsync(aws.Settings());
        await relay.AddAliasAsync(Alias, Owner);
        var reverse = relay.Services.GetRequiredService<TwoWayMasking>().Aliases.Create(Alias, "shop@brand.example")!;
        var run = Guid.NewGuid().ToString("N")[..8];

        // A forged reply: envelope and From say the owner, SES says neither SPF nor DKIM passed.
        var forgedKey = $"inbound/{run}/forged";
        await aws.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = AwsEmulator.SesBucket,
            Key = forgedKey,
            ContentBody = ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>").Replace("Sounds good.", "Send the refund to IBAN XX00.", StringComparison.Ordinal),
        });
        await aws.PublishAsync(SesNotifications.Received($"ses-{run}-forged", Owner, [reverse], AwsEmulator.SesBucket, forgedKey, spf: "FAIL", dkim: "FAIL", dmarc: "FAIL"));
        await AwsIngressEndToEndTests.DrainedAsync(aws, aws.InboundQueueUrl);
        var outcome = await LedgerAsync(aws, $"ses-{run}-forged");
        Assert.StartsWith("refused: 550 5.7.1", outcome, StringComparison.Ordinal);

        // The genuine one: SPF passed for the owner's envelope sender. It goes out from the alias to the shop.
        var genuineKey = $"inbound/{run}/genuine";
        await aws.S3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = AwsEmulator.SesBucket,
            Key = genuineKey,
            ContentBody = ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>"),
        });
        await aws.PublishAsync(SesNotifications.Received($"ses-{run}-genuine", Owner, [reverse], AwsEmulator.SesBucket, genuineKey, spf: "PASS", dkim: "GRAY", dmarc: "GRAY"));
        await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30));
        await AwsIngressEndToEndTests.DrainedAsync(aws, aws.InboundQueueUrl);
        await AwsIngressEndToEndTests.DrainedAsync(aws, aws.QueueUrl);
        await relay.WaitForIdleAsync();

        var mail = Assert.Single(relay.Sink.Messages);
        Assert.Equal(["shop@brand.example"], mail.To);
        Assert.Contains("Sounds good.", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("IBAN", mail.Text, StringComparison.Ordinal);
        Assert.Equal(Alias, Assert.Single(MimeMessage.Load(new MemoryStream(mail.Data)).From.Mailboxes).Address);
        Assert.Empty(Leaks.Find(mail.Data, Owner));
        Assert.StartsWith("queued as ", await LedgerAsync(aws, $"ses-{run}-genuine"), StringComparison.Ordinal);
    }

    /// <summary>What the SES ingress recorded for one SES message id (its ledger object).</summary>
    private static async Task<string> LedgerAsync(AwsEmulator aws, string sesMessageId)
    {
        using var response = await aws.S3.GetObjectAsync(AwsEmulator.Bucket, aws.Options.S3KeyPrefix + "ses-ingested/" + Uri.EscapeDataString(sesMessageId));
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }
}
