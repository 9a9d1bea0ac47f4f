using MailTumble.Aws;
using MailTumble.Core.Cluster;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Files;
using MailTumble.Postgres;
using MailTumble.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.Hosting;

/// <summary>
/// The backend families (<c>MailTumble:Backend</c>). Each registers a complete, consistent set of the stateful ports:
/// raw store, outgoing queue and dead letters, held store, sender rules and known senders, feedback and delivery
/// records, delivery log and status, rate budget and wake-up signal. Nothing is registered and then replaced: a family
/// is composed whole, and families are never mixed. The alias directory is chosen separately.
/// </summary>
internal static class BackendFamilies
{
    /// <summary>The key of the embedded family's file store for large raw messages.</summary>
    private const string LargeRawFiles = "raw-files";

    /// <summary>The families by their <c>MailTumble:Backend</c> name.</summary>
    public static readonly IReadOnlyList<string> Names = ["embedded", "aws", "postgres"];

    /// <summary>One machine: SQLite (WAL) for the queue, all state and raw messages (large ones as files), all of the rate for this node.</summary>
    public static IServiceCollection AddMailTumbleEmbedded(this IServiceCollection services, IConfigurationSection root, string dataDir)
    {
        services.AddMailTumbleSqliteDatabase(Sqlite(root, dataDir));
        services.AddMailTumbleSqliteQueue();
        // Only hosted services start it: a CLI command on the same directory builds the services but starts none.
        services.AddMailTumbleSqliteOwnership(dataDir);
        services.AddMailTumbleSqliteModeration();
        services.AddMailTumbleSqliteFeedback();
        services.AddMailTumbleSqliteAliasCounters();
        // Raw messages in the database, written by the queue's group-commit writer; large ones (and older versions' files) under raw/.
        services.AddMailTumbleFileRawStore(o => o.RawDirectory = Path.Combine(dataDir, "raw"), LargeRawFiles);
        services.AddMailTumbleSqliteRawStore(sp => sp.GetRequiredKeyedService<Core.Storage.IRawStore>(LargeRawFiles));
        services.AddSingleton<IRateBudget, LocalRateBudget>();
        services.AddSingleton<IQueueWakeUp, InProcessWakeUp>();
        return services;
    }

    /// <summary>
    /// AWS: raw messages in S3, the queue and dead letters on SQS, the delivery log and published status in the bucket; the
    /// rate budget (heartbeats), held mail, sender rules, sent deliveries and feedback, and alias counters in the DynamoDB
    /// state table. No state lives in a process: any number of <c>serve</c> processes act as one relay.
    /// </summary>
    public static IServiceCollection AddMailTumbleAws(this IServiceCollection services, IConfigurationSection root, string dataDir)
    {
        Action<AwsOptions> aws = o => root.GetSection("Aws").Bind(o);
        services.AddMailTumbleS3RawStore(aws);
        services.AddMailTumbleSqsQueue(aws);
        services.AddMailTumbleAwsHeldStore(aws);
        services.AddMailTumbleAwsFeedbackStore(aws);
        services.AddMailTumbleAwsDeliveryStatus();
        services.AddMailTumbleAwsRateBudget(aws);
        services.AddMailTumbleAwsSenderRules(aws);
        services.AddMailTumbleAwsAliasCounters(aws);
        services.AddSingleton<IQueueWakeUp, InProcessWakeUp>(); // SQS long polling waits for work by itself
        if (!string.IsNullOrWhiteSpace(root["Aws:InboundQueueUrl"]))
        {
            services.AddMailTumbleSesIngress(aws);
        }

        if (root["Aws:FeedbackQueueUrl"] is { Length: > 0 } feedbackQueue)
        {
            services.AddMailTumbleSesFeedback(feedbackQueue, root.GetValue("Aws:ReceiveWaitSeconds", 20));
        }

        return services;
    }

    /// <summary>The places the postgres family keeps raw messages in, by their <c>MailTumble:Postgres:RawStore</c> name.</summary>
    public static readonly IReadOnlyList<string> PostgresRawStores = ["postgres", "s3"];

    /// <summary>
    /// PostgreSQL (<c>MailTumble:Postgres</c>): every node's queue, raw messages, held mail, sender rules, feedback, delivery
    /// log and rate budget in one schema, so any number of <c>serve</c> processes on one database act as one relay. With
    /// <c>MailTumble:Postgres:RawStore: s3</c> the raw messages go to an S3-compatible bucket instead (the AWS family's
    /// S3 raw store and its <c>MailTumble:Aws:S3BucketName</c>, <c>S3KeyPrefix</c>, <c>ServiceUrl</c> and <c>Region</c>);
    /// every other port stays in PostgreSQL.
    /// </summary>
    public static IServiceCollection AddMailTumblePostgres(this IServiceCollection services, IConfigurationSection root)
    {
        var rawStore = PostgresRawStore(root);
        services.AddMailTumblePostgres(o => root.GetSection("Postgres").Bind(o), rawStore: rawStore == "postgres");
        if (rawStore == "s3")
        {
            services.AddMailTumbleS3RawStore(o => root.GetSection("Aws").Bind(o));
        }

        return services;
    }

    /// <summary><c>MailTumble:Postgres:RawStore</c>: <c>postgres</c> (the default) or <c>s3</c>; anything else stops start naming the setting.</summary>
    public static string PostgresRawStore(IConfiguration root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var name = root["Postgres:RawStore"]?.Trim().ToLowerInvariant();
        return name switch
        {
            null or "" => "postgres",
            _ when PostgresRawStores.Contains(name) => name,
            _ => throw new OptionsValidationException("MailTumble:Postgres:RawStore", typeof(string),
                [$"MailTumble:Postgres:RawStore is '{root["Postgres:RawStore"]}'; expected one of: {string.Join(", ", PostgresRawStores)}"]),
        };
    }

    /// <summary>The SQLite file under the data directory (the embedded family's state, or the sqlite alias directory in any family).</summary>
    public static Action<SqliteOptions> Sqlite(IConfigurationSection root, string dataDir) => o =>
    {
        o.DatabasePath = Path.Combine(dataDir, "mailtumble.db");
        root.GetSection("Sqlite").Bind(o);
    };
}
