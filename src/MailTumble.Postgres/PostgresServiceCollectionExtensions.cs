using MailTumble.Core.Cluster;
using MailTumble.Core.Counters;
using MailTumble.Core.Delivery;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MailTumble.Postgres;

/// <summary>Registers the postgres family: every stateful port in one PostgreSQL schema, shared by all nodes.</summary>
public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Adds the raw store, outgoing queue and dead letters, held store, sender rules and known senders, feedback and
    /// delivery records, delivery log and status, rate budget (heartbeats) and wake-up signal (LISTEN/NOTIFY), all in
    /// <see cref="PostgresOptions.Schema"/>, created or migrated at start. Call before other hosted services are added.
    /// With <paramref name="rawStore"/> false the raw messages are left to another <see cref="IRawStore"/> the caller
    /// registers (an S3-compatible bucket, <c>MailTumble:Postgres:RawStore: s3</c>); everything else stays in PostgreSQL.
    /// </summary>
    public static IServiceCollection AddMailTumblePostgres(this IServiceCollection services, Action<PostgresOptions> configure, bool rawStore = true)
    {
        services.AddOptions<PostgresOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgresOptions>>().Value;
            return new PostgresDatabase(options.ConnectionString!, options.Schema);
        });
        services.AddSingleton<IHostedService, PostgresSchemaStarter>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PostgresOptions>>().Value;
            return new PostgresOutgoingQueue(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>(), options.MaxLeaseHold, options.IngestConcurrency);
        });
        services.AddSingleton<IOutgoingQueue>(sp => sp.GetRequiredService<PostgresOutgoingQueue>());
        services.AddSingleton<IDeadLetterAdmin>(sp => sp.GetRequiredService<PostgresOutgoingQueue>());
        services.AddSingleton<IStorageState, PostgresStorageState>();
        services.AddSingleton<IDeliveryStatusStore, PostgresDeliveryStatusStore>();
        if (rawStore)
        {
            services.AddSingleton<IRawStore, PostgresRawStore>();
        }

        services.AddSingleton<IHeldStore, PostgresHeldStore>();
        services.AddSingleton<ISenderRuleStore, PostgresSenderRuleStore>();
        services.AddSingleton<PostgresFeedbackStore>();
        services.AddSingleton<IFeedbackStore>(sp => sp.GetRequiredService<PostgresFeedbackStore>());
        services.AddSingleton<IFeedbackHistory>(sp => sp.GetRequiredService<PostgresFeedbackStore>());
        services.AddSingleton<IAliasCounterStore, PostgresAliasCounterStore>();
        services.AddSingleton<IRateBudget, PostgresRateBudget>();
        services.AddSingleton<IQueueWakeUp, PostgresWakeUp>();
        return services;
    }
}
