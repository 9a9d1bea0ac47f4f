using MailTumble.Core.Delivery;
using MailTumble.Core.Directory;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailTumble.Sqlite;

/// <summary>Registers the embedded SQLite queue and alias directory.</summary>
public static class SqliteServiceCollectionExtensions
{
    /// <summary>Adds the <see cref="IOutgoingQueue"/>, <see cref="IFeedbackStore"/>, <see cref="IHeldStore"/> and <see cref="ISenderRuleStore"/> backed by one SQLite file.</summary>
    public static IServiceCollection AddMailTumbleSqlite(this IServiceCollection services, Action<SqliteOptions> configure)
    {
        services.AddOptions<SqliteOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteOptions>>().Value.DatabasePath));
        services.AddSingleton(sp => new SqliteWriter(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<IOptions<SqliteOptions>>().Value.IngestChannelCapacity));
        services.AddSingleton(sp => new SqliteOutgoingQueue(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<SqliteWriter>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<SqliteOptions>>().Value.MaxLeaseHold));
        services.AddSingleton<IOutgoingQueue>(sp => sp.GetRequiredService<SqliteOutgoingQueue>());
        services.AddSingleton<IDeadLetterAdmin>(sp => sp.GetRequiredService<SqliteOutgoingQueue>());
        services.AddSingleton<IDeliveryStatusStore, SqliteDeliveryStatusStore>();
        services.AddSingleton<SqliteFeedbackStore>();
        services.AddSingleton<IFeedbackStore>(sp => sp.GetRequiredService<SqliteFeedbackStore>());
        // The event history stays in the local file in every mode (the AWS store decorates IFeedbackStore only).
        services.AddSingleton<IFeedbackHistory>(sp => sp.GetRequiredService<SqliteFeedbackStore>());
        services.AddSingleton<IHeldStore, SqliteHeldStore>();
        services.AddSingleton<ISenderRuleStore, SqliteSenderRuleStore>();
        return services;
    }

    /// <summary>Adds the embedded <see cref="IAliasDirectory"/> and <see cref="IAliasAdmin"/> in the same SQLite file (call after <see cref="AddMailTumbleSqlite"/>).</summary>
    public static IServiceCollection AddMailTumbleSqliteDirectory(this IServiceCollection services)
    {
        services.AddSingleton(sp => new SqliteAliasDirectory(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IOptions<FeedbackOptions>>()?.Value.MaxBounces ?? AliasRules.BounceLimit));
        services.AddSingleton<IAliasDirectory>(sp => sp.GetRequiredService<SqliteAliasDirectory>());
        services.AddSingleton<IAliasAdmin>(sp => sp.GetRequiredService<SqliteAliasDirectory>());
        return services;
    }
}
