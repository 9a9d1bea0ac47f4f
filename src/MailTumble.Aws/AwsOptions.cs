using MailTumble.Aws.Ingress;

namespace MailTumble.Aws;

/// <summary>
/// AWS mode settings, bound from <c>MailTumble:Aws</c>. The seed's <c>QUEUE_URL</c>, <c>S3_BUCKET_NAME</c> and
/// <c>S3_KEY_PREFIX</c> map to <see cref="QueueUrl"/>, <see cref="S3BucketName"/> and <see cref="S3KeyPrefix"/>.
/// </summary>
public sealed class AwsOptions
{
    /// <summary>The AWS region, e.g. <c>eu-west-1</c>; with <see cref="ServiceUrl"/> it only signs requests.</summary>
    public string? Region { get; set; }

    /// <summary>One endpoint override for SQS, SNS and S3 (an emulator such as fauxqs).</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The DynamoDB endpoint override (an emulator such as dynalite, <c>http://127.0.0.1:4567</c>); required when
    /// <see cref="ServiceUrl"/> is set, as that emulator need not speak DynamoDB.
    /// </summary>
    public string? DynamoDbServiceUrl { get; set; }

    /// <summary>
    /// The DynamoDB table the family's nodes share (heartbeats and rate factor, held mail, sender rules and known senders,
    /// sent deliveries and feedback, alias counters); created on start when missing.
    /// </summary>
    public string StateTable { get; set; } = "mailtumble-state";

    /// <summary>The outgoing queue (SQS standard queue URL).</summary>
    public string? QueueUrl { get; set; }

    /// <summary>
    /// Where dead letters go. When empty, the outgoing queue's redrive target (<c>RedrivePolicy.deadLetterTargetArn</c>) is used.
    /// </summary>
    public string? DeadLetterQueueUrl { get; set; }

    /// <summary>The bucket for original messages.</summary>
    public string? S3BucketName { get; set; }

    /// <summary>Prefix for every object MailTumble writes (e.g. <c>raw/</c>).</summary>
    public string? S3KeyPrefix { get; set; }

    /// <summary>The SQS queue subscribed to the SNS topic of the SES receipt rule (ingress); empty turns SES ingress off.</summary>
    public string? InboundQueueUrl { get; set; }

    /// <summary>The SQS queue subscribed to the SES bounce/complaint topics; consumed by the feedback handler.</summary>
    public string? FeedbackQueueUrl { get; set; }

    /// <summary>Long-polling wait per receive, in seconds (SQS allows 0 to 20).</summary>
    public int ReceiveWaitSeconds { get; set; } = 20;

    /// <summary>Whether leased items get their visibility extended while this process still works on them.</summary>
    public bool ExtendVisibility { get; set; } = true;

    /// <summary>The longest a lease is kept alive by extension; after that the send is presumed hung and the item is given to another worker.</summary>
    public TimeSpan MaxLeaseHold { get; set; } = TimeSpan.FromHours(1);

    /// <summary>What to do with SES receipts by verdict.</summary>
    public SesVerdictPolicy Verdicts { get; set; } = new();
}
