using Amazon;
using Amazon.DynamoDBv2;
using Amazon.S3;
using Amazon.SQS;
using MailTumble.Aws.Cluster;
using MailTumble.Aws.Feedback;
using MailTumble.Aws.Ingress;
using MailTumble.Aws.Moderation;
using MailTumble.Aws.Notifications;
using MailTumble.Aws.Queue;
using MailTumble.Aws.Status;
using MailTumble.Aws.Storage;
using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Core.Feedback.Sns;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws;

/// <summary>Registers the AWS adapters.</summary>
public static class AwsServiceCollectionExtensions
{
    /// <summary>Adds the <c>dynamodb</c> <see cref="IAliasDirectory"/> and <see cref="IAliasAdmin"/>; credentials come from the usual AWS chain.</summary>
    public static IServiceCollection AddMailTumbleDynamoDbDirectory(this IServiceCollection services, Action<DynamoDbDirectoryOptions> configure)
    {
        services.AddOptions<DynamoDbDirectoryOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(
                o => string.IsNullOrWhiteSpace(o.ServiceUrl) || Uri.TryCreate(o.ServiceUrl, UriKind.Absolute, out _),
                "MailTumble:Aws:DynamoDbServiceUrl must be an absolute URL such as http://127.0.0.1:4567")
            .Validate(
                o => !string.IsNullOrWhiteSpace(o.ServiceUrl) || !string.IsNullOrWhiteSpace(o.Region) || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AWS_REGION")),
                "MailTumble:Aws:Region (or AWS_REGION) is required for the dynamodb directory driver unless MailTumble:Aws:DynamoDbServiceUrl is set")
            .ValidateOnStart();
        services.AddSingleton<IAmazonDynamoDB>(sp => CreateClient(sp.GetRequiredService<IOptions<DynamoDbDirectoryOptions>>().Value));
        services.AddSingleton(sp => new DynamoDbAliasDirectory(
            sp.GetRequiredService<IAmazonDynamoDB>(),
            sp.GetRequiredService<IOptions<DynamoDbDirectoryOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAliasDirectory>(sp => sp.GetRequiredService<DynamoDbAliasDirectory>());
        services.AddSingleton<IAliasAdmin>(sp => sp.GetRequiredService<DynamoDbAliasDirectory>());
        return services;
    }

    /// <summary>Adds the S3 <see cref="IRawStore"/> (<c>MailTumble:Aws:S3BucketName</c> + <c>S3KeyPrefix</c>).</summary>
    public static IServiceCollection AddMailTumbleS3RawStore(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsOptions(services, configure)
            .Validate(o => !string.IsNullOrWhiteSpace(o.S3BucketName), "MailTumble:Aws:S3BucketName (S3_BUCKET_NAME) is required for the S3 raw store (MailTumble:Backend aws, or MailTumble:Postgres:RawStore s3)");
        services.TryAddSingleton(sp => AwsClients.CreateS3(sp.GetRequiredService<IOptions<AwsOptions>>().Value));
        services.AddSingleton<IRawStore, S3RawStore>();
        return services;
    }

    /// <summary>
    /// Adds the SQS <see cref="IOutgoingQueue"/> at <c>MailTumble:Aws:QueueUrl</c> (<c>QUEUE_URL</c>). It keeps per-delivery
    /// references in the S3 bucket, so <c>MailTumble:Aws:S3BucketName</c> is required too.
    /// </summary>
    public static IServiceCollection AddMailTumbleSqsQueue(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsOptions(services, configure)
            .Validate(o => Uri.TryCreate(o.QueueUrl, UriKind.Absolute, out _), "MailTumble:Aws:QueueUrl (QUEUE_URL) must be the absolute URL of the outgoing SQS queue")
            .Validate(o => string.IsNullOrWhiteSpace(o.DeadLetterQueueUrl) || Uri.TryCreate(o.DeadLetterQueueUrl, UriKind.Absolute, out _), "MailTumble:Aws:DeadLetterQueueUrl must be an absolute SQS queue URL")
            .Validate(o => !string.IsNullOrWhiteSpace(o.S3BucketName), "MailTumble:Aws:S3BucketName (S3_BUCKET_NAME) is required for the SQS queue (it keeps delivery references there)")
            .Validate(o => o.ReceiveWaitSeconds is >= 0 and <= 20, "MailTumble:Aws:ReceiveWaitSeconds must be between 0 and 20")
            .Validate(o => o.MaxLeaseHold > TimeSpan.Zero, "MailTumble:Aws:MaxLeaseHold must be positive");
        services.TryAddSingleton(sp => AwsClients.CreateS3(sp.GetRequiredService<IOptions<AwsOptions>>().Value));
        services.TryAddSingleton(sp => AwsClients.CreateSqs(sp.GetRequiredService<IOptions<AwsOptions>>().Value));
        services.TryAddSingleton<DeliveryReferences>();
        services.TryAddSingleton<SentLog>();
        services.AddSingleton<SqsOutgoingQueue>();
        services.AddSingleton<IOutgoingQueue>(sp => sp.GetRequiredService<SqsOutgoingQueue>());
        services.AddSingleton<IDeadLetterAdmin>(sp => sp.GetRequiredService<SqsOutgoingQueue>());
        return services;
    }

    /// <summary>
    /// Adds the held store in the shared state table (partition <c>held</c>): mail held on one node is listed, approved or
    /// rejected on any. An undecided entry keeps its stored message alive next to the SQS deliveries' references in S3.
    /// Needs <see cref="AddMailTumbleSqsQueue"/>.
    /// </summary>
    public static IServiceCollection AddMailTumbleAwsHeldStore(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsStateTable(services, configure);
        services.AddSingleton<IHeldStore>(sp => new DynamoDbHeldStore(sp.GetRequiredService<DynamoDbStateTable>(), sp.GetRequiredService<DeliveryReferences>()));
        return services;
    }

    /// <summary>
    /// Adds the sent deliveries, feedback events and their history (<see cref="IFeedbackStore"/>, <see cref="IFeedbackHistory"/>)
    /// in the shared state table: a bounce taken in by any node finds the delivery another node sent, and counts once.
    /// </summary>
    public static IServiceCollection AddMailTumbleAwsFeedbackStore(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsStateTable(services, configure);
        services.AddSingleton(sp => new DynamoDbFeedbackStore(sp.GetRequiredService<DynamoDbStateTable>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IFeedbackStore>(sp => sp.GetRequiredService<DynamoDbFeedbackStore>());
        services.AddSingleton<IFeedbackHistory>(sp => sp.GetRequiredService<DynamoDbFeedbackStore>());
        return services;
    }

    /// <summary>
    /// Adds the published send-out status and the delivery log (<see cref="IDeliveryStatusStore"/>) in the bucket, shared
    /// by every process. Needs <see cref="AddMailTumbleSqsQueue"/>.
    /// </summary>
    public static IServiceCollection AddMailTumbleAwsDeliveryStatus(this IServiceCollection services)
    {
        services.TryAddSingleton<SentLog>();
        services.AddSingleton<IDeliveryStatusStore, S3DeliveryStatusStore>();
        return services;
    }

    /// <summary>
    /// Adds the family's shared DynamoDB state table (<c>MailTumble:Aws:StateTable</c>, created on start when missing)
    /// and the rate budget kept in it: heartbeats, shares of <c>MAXIMUM_SEND_RATE</c> among the live nodes, a cluster-wide
    /// throttling factor.
    /// </summary>
    public static IServiceCollection AddMailTumbleAwsRateBudget(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsStateTable(services, configure);
        services.AddSingleton<IRateBudget, DynamoDbRateBudget>();
        return services;
    }

    /// <summary>
    /// Adds the sender rules, first-contact settings and known senders (<see cref="ISenderRuleStore"/>) in the shared
    /// state table, so a rule set on one node applies on every node (within two seconds).
    /// </summary>
    public static IServiceCollection AddMailTumbleAwsSenderRules(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsStateTable(services, configure);
        services.AddSingleton<ISenderRuleStore>(sp => new DynamoDbSenderRuleStore(
            sp.GetRequiredService<DynamoDbStateTable>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IOptions<ModerationOptions>>()));
        return services;
    }

    /// <summary>
    /// Adds the per-alias counters (<see cref="Core.Counters.IAliasCounterStore"/>) in the shared state table (partition
    /// <c>counters</c>), so every node adds to and reads the same totals.
    /// </summary>
    public static IServiceCollection AddMailTumbleAwsAliasCounters(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsStateTable(services, configure);
        services.AddSingleton<Core.Counters.IAliasCounterStore>(sp => new Counters.DynamoDbAliasCounterStore(sp.GetRequiredService<DynamoDbStateTable>()));
        return services;
    }

    private static void AddAwsStateTable(IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsOptions(services, configure)
            .Validate(
                o => string.IsNullOrWhiteSpace(o.DynamoDbServiceUrl) || Uri.TryCreate(o.DynamoDbServiceUrl, UriKind.Absolute, out _),
                "MailTumble:Aws:DynamoDbServiceUrl must be an absolute URL such as http://127.0.0.1:4567")
            .Validate(
                o => string.IsNullOrWhiteSpace(o.ServiceUrl) || !string.IsNullOrWhiteSpace(o.DynamoDbServiceUrl),
                "MailTumble:Aws:DynamoDbServiceUrl is required when MailTumble:Aws:ServiceUrl is set: the AWS family keeps its shared state (MailTumble:Aws:StateTable) in DynamoDB, e.g. dynalite at http://127.0.0.1:4567")
            .Validate(
                o => o.StateTable is { Length: >= 3 and <= 255 } name && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'),
                "MailTumble:Aws:StateTable must be a DynamoDB table name: 3 to 255 letters, digits, '_', '-' or '.'");
        if (services.Any(d => d.ServiceType == typeof(DynamoDbStateTable)))
        {
            return;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new DynamoDbStateTable(
            AwsClients.CreateDynamoDb(sp.GetRequiredService<IOptions<AwsOptions>>().Value),
            sp.GetRequiredService<IOptions<AwsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DynamoDbStateTable>>()));
        services.AddSingleton<IHostedService, DynamoDbStateTableStarter>();
    }

    /// <summary>
    /// Adds SES ingress: a poller on <c>MailTumble:Aws:InboundQueueUrl</c> (the SQS queue subscribed to the receipt
    /// rule's SNS topic) that runs each <c>Received</c> notification through the receive pipeline. Needs the core
    /// pipeline (<c>AddMailTumbleCore</c>) and <c>MailTumble:Aws:S3BucketName</c> for its idempotency ledger.
    /// </summary>
    public static IServiceCollection AddMailTumbleSesIngress(this IServiceCollection services, Action<AwsOptions> configure)
    {
        AddAwsOptions(services, configure)
            .Validate(o => Uri.TryCreate(o.InboundQueueUrl, UriKind.Absolute, out _), "MailTumble:Aws:InboundQueueUrl must be the absolute URL of the SQS queue subscribed to the SES receipt topic")
            .Validate(o => !string.IsNullOrWhiteSpace(o.S3BucketName), "MailTumble:Aws:S3BucketName (S3_BUCKET_NAME) is required for SES ingress (it records taken-in SES message ids there)");
        services.TryAddSingleton(sp => AwsClients.CreateS3(sp.GetRequiredService<IOptions<AwsOptions>>().Value));
        services.TryAddSingleton(sp => AwsClients.CreateSqs(sp.GetRequiredService<IOptions<AwsOptions>>().Value));
        services.TryAddSingleton<IngestLedger>();
        services.TryAddSingleton<SesIngressHandler>();
        return services.AddMailTumbleSqsPoller(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AwsOptions>>().Value;
            return (new SqsPollerSettings("ses-inbound", options.InboundQueueUrl!, options.ReceiveWaitSeconds, Setting: "MailTumble:Aws:InboundQueueUrl"), sp.GetRequiredService<SesIngressHandler>());
        });
    }

    /// <summary>
    /// Adds a hosted poller that long-polls one SQS queue and hands each body to a handler (SES ingress, feedback).
    /// Call once per queue; the factory picks the queue and the handler.
    /// </summary>
    public static IServiceCollection AddMailTumbleSqsPoller(this IServiceCollection services, Func<IServiceProvider, (SqsPollerSettings Settings, IQueueMessageHandler Handler)> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        services.TryAddSingleton(TimeProvider.System);
        // Not AddHostedService: it would keep only the first poller of this type.
        services.AddSingleton<IHostedService>(sp =>
        {
            var (settings, handler) = create(sp);
            return new SqsQueuePoller(sp.GetRequiredService<IAmazonSQS>(), handler, settings, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SqsQueuePoller>>());
        });
        return services;
    }

    /// <summary>Polls the SES feedback queue (<c>MailTumble:Aws:FeedbackQueueUrl</c>) into the feedback processor.</summary>
    public static IServiceCollection AddMailTumbleSesFeedback(this IServiceCollection services, string queueUrl, int waitSeconds = 20) =>
        services.AddMailTumbleSqsPoller(sp => (
            new SqsPollerSettings("feedback", queueUrl, waitSeconds, Setting: "MailTumble:Aws:FeedbackQueueUrl"),
            new Feedback.SesFeedbackHandler(sp.GetRequiredService<Core.Feedback.FeedbackProcessor>())));

    /// <summary>
    /// Adds the AWS feedback formats and the SNS HTTPS subscription: the reader of SNS envelopes and SES notifications
    /// (<see cref="IFeedbackDocumentReader"/>), the subscription (<see cref="ISnsSubscription"/>: topic allowlist, SNS
    /// signatures, confirmations) and the HTTPS client it needs (<see cref="ISnsHttp"/>: signing certificates, subscription
    /// URLs). Needs no AWS mode: <c>POST /feedback/sns</c>, <c>feedback ingest</c> and the SQS feedback queue read these
    /// formats in every mode. Needs <c>AddMailTumbleFeedback</c>.
    /// </summary>
    public static IServiceCollection AddMailTumbleAwsFeedbackFormats(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISnsHttp, HttpSnsClient>();
        services.TryAddSingleton<SnsVerifier>();
        services.TryAddSingleton<SesFeedbackReader>();
        services.TryAddSingleton<IFeedbackDocumentReader>(sp => sp.GetRequiredService<SesFeedbackReader>());
        services.TryAddSingleton<ISnsSubscription, SnsFeedbackHandler>();
        return services;
    }

    private static OptionsBuilder<AwsOptions> AddAwsOptions(IServiceCollection services, Action<AwsOptions> configure) =>
        services.AddOptions<AwsOptions>().Configure(configure)
            .Validate(
                o => string.IsNullOrWhiteSpace(o.ServiceUrl) || Uri.TryCreate(o.ServiceUrl, UriKind.Absolute, out _),
                "MailTumble:Aws:ServiceUrl must be an absolute URL such as http://127.0.0.1:4566")
            .Validate(
                o => !string.IsNullOrWhiteSpace(o.ServiceUrl) || !string.IsNullOrWhiteSpace(o.Region) || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("AWS_REGION")),
                "MailTumble:Aws:Region (or AWS_REGION) is required in AWS mode unless MailTumble:Aws:ServiceUrl is set")
            .ValidateOnStart();

    internal static AmazonDynamoDBConfig Config(DynamoDbDirectoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonDynamoDBConfig { Timeout = options.Timeout, MaxErrorRetry = 1 };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region;
        }
        else if (!string.IsNullOrWhiteSpace(options.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return config;
    }

    private static AmazonDynamoDBClient CreateClient(DynamoDbDirectoryOptions options) => new(Config(options));
}
