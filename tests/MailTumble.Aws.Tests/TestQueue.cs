using Amazon.S3;
using Amazon.SQS;
using MailTumble.Aws.Queue;

namespace MailTumble.Aws.Tests;

/// <summary>An SQS queue adapter over a fresh emulator queue, with the clients it uses.</summary>
internal sealed record TestQueue(SqsOutgoingQueue Queue, IAmazonSQS Sqs, IAmazonS3 S3, string Url) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await Queue.DisposeAsync();
        Sqs.Dispose();
        S3.Dispose();
    }
}
