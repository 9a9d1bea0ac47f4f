using MailTumble.Core.Counters;
using MailTumble.Core.Delivery;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailTumble.Sqlite;

/// <summary>Registers the embedded SQLite adapters, all in one file (<see cref="SqliteOptions.DatabasePath"/>).</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>Adds the database file and its group-commit writer (once; later calls keep the first settings).</summary>
    public static IServiceCollection AddMailTumbleSqliteDatabase(this IServiceCollection services, Action<SqliteOptions> configure)
    {
        if (services.Any(d => d.ServiceType == typeof(SqliteDatabase)))
        {
            return services;
        }

        services.AddOptions<SqliteOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteOptions>>().Value.DatabasePath));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SqliteOptions>>().Value;
            var database = sp.GetRequiredService<SqliteDatabase>();
            return new DiskReserve(
                System.IO.Path.GetDirectoryName(database.Path)!,
                options.DiskReserveMegabytes * 1024L * 1024,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DiskReserve>>());
        });
        services.AddSingleton(sp => new SqliteWriter(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<IOptions<SqliteOptions>>().Value.IngestChannelCapacity,
            sp.GetRequiredService<DiskReserve>()));
        return services;
    }

    /// <summary>
    /// Adds the outgoing queue (<see cref="IOutgoingQueue"/>, <see cref="IDeadLetterAdmin"/>), its delivery log and the
    /// published send-out status (<see cref="IDeliveryStatusStore"/>). Needs <see cref="AddMailTumbleSqliteDatabase"/>.
    /// </summary>
    public static IServiceCollection AddMailTumbleSqliteQueue(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new SqliteOutgoingQueue(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<SqliteWriter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<SqliteOptions>>().Value.MaxLeaseHold));
        services.AddSingleton<IOutgoingQueue>(sp => sp.GetRequiredService<SqliteOutgoingQueue>());
        services.AddSingleton<IDeadLetterAdmin>(sp => sp.GetRequiredService<SqliteOutgoingQueue>());
        services.AddSingleton<IDeliveryStatusStore, SqliteDeliveryStatusStore>();
        services.AddSingleton<IStorageState>(sp => sp.GetRequiredService<DiskReserve>());
        return services;
    }

    /// <summary>
    /// Adds the raw store in the database (<see cref="SqliteRawStore"/>): messages stored whole, up to
    /// <see cref="SqliteRawStore.InlineLimit"/> bytes, are rows written in the queue's group commit; larger and streamed
    /// ones, and files from earlier versions, are kept in <paramref name="files"/>. Needs <see cref="AddMailTumbleSqliteDatabase"/>.
    /// </summary>
    public static IServiceCollection AddMailTumbleSqliteRawStore(this IServiceCollection services, Func<IServiceProvider, IRawStore> files)
    {
        services.AddSingleton<IRawStore>(sp => new SqliteRawStore(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<SqliteWriter>(), files(sp)));
        return services;
    }

    /// <summary>
    /// Makes the running relay the only owner of <paramref name="dataDir"/>: at start it takes an exclusive lock (a second
    /// <c>serve</c> then fails with <see cref="DataDirectoryInUseException"/>) and releases every lease a dead process
    /// left in the queue. Call before any other hosted service is added. Needs <see cref="AddMailTumbleSqliteQueue"/>.
    /// </summary>
    public static IServiceCollection AddMailTumbleSqliteOwnership(this IServiceCollection services, string dataDir)
    {
        services.AddSingleton<Microsoft.Extensions.Hosting.IHostedService>(sp => new DataDirectoryOwner(
            dataDir,
            sp.GetRequiredService<SqliteOutgoingQueue>(),
            sp.GetRequiredService<DiskReserve>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<DataDirectoryOwner>>()));
        return services;
    }

    /// <summary>Adds the held store (<see cref="IHeldStore"/>) and sender rules (<see cref="ISenderRuleStore"/>). Needs <see cref="AddMailTumbleSqliteDatabase"/>.</summary>
    public static IServiceCollection AddMailTumbleSqliteModeration(this IServiceCollection services)
    {
        services.AddSingleton<IHeldStore, SqliteHeldStore>();
        services.AddSingleton<ISenderRuleStore, SqliteSenderRuleStore>();
        return services;
    }

    /// <summary>Adds the per-alias counters (<see cref="IAliasCounterStore"/>). Needs <see cref="AddMailTumbleSqliteDatabase"/>.</summary>
    public static IServiceCollection AddMailTumbleSqliteAliasCounters(this IServiceCollection services)
    {
        services.AddSingleton<IAliasCounterStore, SqliteAliasCounterStore>();
        return services;
    }

    /// <summary>Adds the feedback and sent-delivery records (<see cref="IFeedbackStore"/>, <see cref="IFeedbackHistory"/>). Needs <see cref="AddMailTumbleSqliteDatabase"/>.</summary>
    public static IServiceCollection AddMailTumbleSqliteFeedback(this IServiceCollection services)
    {
        services.AddSingleton<SqliteFeedbackStore>();
        services.AddSingleton<IFeedbackStore>(sp => sp.GetRequiredService<SqliteFeedbackStore>());
        services.AddSingleton<IFeedbackHistory>(sp => sp.GetRequiredService<SqliteFeedbackStore>());
        return services;
    }

    /// <summary>Adds the embedded <see cref="IAliasDirectory"/> and <see cref="IAliasAdmin"/> in the database file (any family).</summary>
    public static IServiceCollection AddMailTumbleSqliteDirectory(this IServiceCollection services, Action<SqliteOptions> configure)
    {
        services.AddMailTumbleSqliteDatabase(configure);
        services.AddSingleton(sp => new SqliteAliasDirectory(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IOptions<FeedbackOptions>>()?.Value.MaxBounces ?? AliasRules.BounceLimit));
        services.AddSingleton<IAliasDirectory>(sp => sp.GetRequiredService<SqliteAliasDirectory>());
        services.AddSingleton<IAliasAdmin>(sp => sp.GetRequiredService<SqliteAliasDirectory>());
        return services;
    }
}
