using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using MailTumble.Testing;

namespace MailTumble.Aws.Tests;

/// <summary>The fauxqs emulator (SQS + SNS + S3) that <c>.ci/run</c> starts; every test makes its own queues and prefixes.</summary>
internal static class Fauxqs
{
    public const string Variable = "MAILTUMBLE_TEST_FAUXQS";

    /// <summary>The emulator accepts any key; these never leave loopback.</summary>
    public static readonly AWSCredentials Credentials = new BasicAWSCredentials("test", "test");

    public static AwsOptions Options(Action<AwsOptions>? configure = null)
    {
        var options = new AwsOptions
        {
            ServiceUrl = ExternalService.Require(Variable, "fauxqs"),
            Region = "us-east-1",
            S3BucketName = "mailtumble-test",
            S3KeyPrefix = "t" + Guid.NewGuid().ToString("N")[..10] + "/",
            ReceiveWaitSeconds = 0,
        };
        configure?.Invoke(options);
        return options;
    }

    public static IAmazonS3 S3(AwsOptions options) => AwsClients.CreateS3(options, Credentials);

    public static IAmazonSQS Sqs(AwsOptions options) => AwsClients.CreateSqs(options, Credentials);

    public static async Task EnsureBucketAsync(IAmazonS3 s3, string bucket)
    {
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>Creates a fresh queue and its dead-letter queue (linked by a redrive policy); returns both URLs.</summary>
    public static async Task<(string Queue, string Dead)> CreateQueuesAsync(IAmazonSQS sqs, string name, int maxReceiveCount = 5)
    {
        var dead = await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name + "-dlq" });
        var deadArn = (await sqs.GetQueueAttributesAsync(dead.QueueUrl, ["QueueArn"])).Attributes["QueueArn"];
        var queue = await sqs.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name,
            Attributes = new() { ["RedrivePolicy"] = $$"""{"deadLetterTargetArn":"{{deadArn}}","maxReceiveCount":"{{maxReceiveCount}}"}""" },
        });
        return (queue.QueueUrl, dead.QueueUrl);
    }

    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];
}
