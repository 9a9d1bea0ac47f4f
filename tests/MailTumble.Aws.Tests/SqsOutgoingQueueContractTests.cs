using Amazon.S3;
using Amazon.SQS;
using MailTumble.Aws.Queue;
using MailTumble.Aws.Status;
using MailTumble.Core.Queue;
using MailTumble.Testing.Contracts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Tests;

/// <summary>
/// The queue contract against SQS in fauxqs. SQS keeps its own clock for visibility timeouts and DelaySeconds, so
/// leases and retry delays are seconds long and <see cref="PassAsync"/> waits for real as well as moving the fake clock.
/// The lease keeper is off here: the expiry test plays a crashed worker, which no longer extends its leases.
/// </summary>
public sealed class SqsOutgoingQueueContractTests : OutgoingQueueContract
{
    private AwsOptions? _options;
    private IAmazonSQS? _sqs;
    private IAmazonS3? _s3;

    protected override TimeSpan Lease => TimeSpan.FromSeconds(2);

    protected override TimeSpan RetryDelay => TimeSpan.FromSeconds(2);

    protected override bool CountsDeliveries => false;

    protected override async Task PassAsync(TimeSpan span)
    {
        await base.PassAsync(span);
        await Task.Delay(span);
    }

    protected override async Task<IOutgoingQueue> CreateAsync(TimeProvider time, bool reopen)
    {
        if (!reopen)
        {
            _options = Fauxqs.Options(o => o.ExtendVisibility = false);
            _sqs = Fauxqs.Sqs(_options);
            _s3 = Fauxqs.S3(_options);
            await Fauxqs.EnsureBucketAsync(_s3, _options.S3BucketName!);
            var (queue, _) = await Fauxqs.CreateQueuesAsync(_sqs, Fauxqs.UniqueName("contract"));
            _options.QueueUrl = queue;
        }

        var options = Options.Create(_options!);
        return new SqsOutgoingQueue(_sqs!, new DeliveryReferences(_s3!, options), new SentLog(_s3!, options), options, time, NullLogger<SqsOutgoingQueue>.Instance);
    }

    protected override async Task CloseAsync(IOutgoingQueue queue)
    {
        if (queue is SqsOutgoingQueue sqs)
        {
            await sqs.DisposeAsync();
        }
    }
}
