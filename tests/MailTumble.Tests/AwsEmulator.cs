using System.Net.Http;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using MailTumble.Aws;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// Fresh queues, topic and key prefix in the fauxqs emulator for one end-to-end test. SNS is driven over its
/// query API with plain HTTP, as the SNS SDK is not available here.
/// </summary>
internal sealed class AwsEmulator : IDisposable
{
    public const string Variable = "MAILTUMBLE_TEST_FAUXQS";
    public const string Bucket = "mailtumble-e2e";
    public const string SesBucket = "mailtumble-ses-receipts";
    private static readonly HttpClient Http = new();

    private AwsEmulator(string serviceUrl, AwsOptions options, IAmazonS3 s3, IAmazonSQS sqs)
    {
        ServiceUrl = serviceUrl;
        Options = options;
        S3 = s3;
        Sqs = sqs;
    }

    public string ServiceUrl { get; }

    /// <summary>dynalite, where the family keeps its shared state.</summary>
    public string DynamoDbServiceUrl { get; } = ExternalService.Require("MAILTUMBLE_TEST_DYNAMODB", "dynalite");

    /// <summary>This emulator's state table (every relay of one test shares it).</summary>
    public string StateTable { get; } = "mt-e2e-" + Guid.NewGuid().ToString("N")[..12];

    public AwsOptions Options { get; }

    public IAmazonS3 S3 { get; }

    public IAmazonSQS Sqs { get; }

    public string QueueUrl => Options.QueueUrl!;

    public string InboundQueueUrl => Options.InboundQueueUrl!;

    public string? TopicArn { get; private set; }

    /// <summary>The emulator accepts any key; these never leave loopback.</summary>
    public static IReadOnlyDictionary<string, string> CredentialVariables { get; } = new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
    };

    public static async Task<AwsEmulator> CreateAsync(bool inbound = false)
    {
        var url = ExternalService.Require(Variable, "fauxqs");
        var run = Guid.NewGuid().ToString("N")[..10];
        var options = new AwsOptions { ServiceUrl = url, Region = "us-east-1", S3BucketName = Bucket, S3KeyPrefix = $"e2e-{run}/", ReceiveWaitSeconds = 1 };
        var credentials = new BasicAWSCredentials("test", "test");
        var s3 = AwsClients.CreateS3(options, credentials);
        var sqs = AwsClients.CreateSqs(options, credentials);
        var emulator = new AwsEmulator(url, options, s3, sqs);
        foreach (var bucket in new[] { Bucket, SesBucket })
        {
            try
            {
                await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
            }
            catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
            }
        }

        var dead = await sqs.CreateQueueAsync($"out-{run}-dlq");
        var deadArn = await ArnAsync(sqs, dead.QueueUrl);
        options.QueueUrl = (await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = $"out-{run}",
            Attributes = new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{deadArn}}","maxReceiveCount":"5"}""" },
        })).QueueUrl;
        if (inbound)
        {
            options.InboundQueueUrl = (await sqs.CreateQueueAsync($"in-{run}")).QueueUrl;
            emulator.TopicArn = Match(await SnsAsync(url, new() { ["Action"] = "CreateTopic", ["Name"] = $"ses-in-{run}" }), "TopicArn");
            await SnsAsync(url, new()
            {
                ["Action"] = "Subscribe",
                ["TopicArn"] = emulator.TopicArn,
                ["Protocol"] = "sqs",
                ["Endpoint"] = await ArnAsync(sqs, options.InboundQueueUrl),
            });
        }

        return emulator;
    }

    /// <summary>Settings for a relay in AWS mode against this emulator (as <c>MailTumble:...</c> keys).</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["MailTumble:Backend"] = "aws",
        ["MailTumble:Aws:ServiceUrl"] = ServiceUrl,
        ["MailTumble:Aws:DynamoDbServiceUrl"] = DynamoDbServiceUrl,
        ["MailTumble:Aws:StateTable"] = StateTable,
        ["MailTumble:Aws:Region"] = "us-east-1",
        ["MailTumble:Aws:QueueUrl"] = QueueUrl,
        ["MailTumble:Aws:S3BucketName"] = Bucket,
        ["MailTumble:Aws:S3KeyPrefix"] = Options.S3KeyPrefix,
        ["MailTumble:Aws:InboundQueueUrl"] = Options.InboundQueueUrl,
        ["MailTumble:Aws:ReceiveWaitSeconds"] = "1",
    };

    /// <summary>Publishes a message to the topic, as SES does after its S3 action.</summary>
    public Task PublishAsync(string message) =>
        SnsAsync(ServiceUrl, new() { ["Action"] = "Publish", ["TopicArn"] = TopicArn!, ["Message"] = message });

    public void Dispose()
    {
        S3.Dispose();
        Sqs.Dispose();
    }

    private static async Task<string> ArnAsync(IAmazonSQS sqs, string queueUrl) =>
        (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).Attributes["QueueArn"];

    private static async Task<string> SnsAsync(string url, Dictionary<string, string> form)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await Http.PostAsync(new Uri(url), content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"SNS {form["Action"]}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static string Match(string xml, string element) =>
        Regex.Match(xml, $"<{element}>([^<]+)</{element}>") is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no {element} in {xml}");
}
