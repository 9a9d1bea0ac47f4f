using MailTumble.Core.Bounces;
using MailTumble.Core.Cluster;
using MailTumble.Core.Counters;
using MailTumble.Core.Delivery;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Fairness;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Sending;
using MailTumble.Core.Signing;
using MailTumble.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core;

/// <summary>Registers the pipeline: receive, rewrite, pace and send, independent of adapters.</summary>
public static class CoreServiceCollectionExtensions
{
    /// <summary>Adds the receive stage, the recipient policy and their options; the key files come from an adapter (<see cref="IKeyFiles"/>).</summary>
    public static IServiceCollection AddMailTumbleCore(
        this IServiceCollection services,
        Action<ReceiveOptions> receive,
        Action<RewriteOptions> rewrite,
        Action<DeliveryOptions> delivery,
        Action<ModerationOptions>? moderation = null,
        Action<ReplyOptions>? reply = null,
        Action<DkimOptions>? dkim = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ReceiveOptions>().Configure(receive).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReceiveOptions>, ReceiveOptionsValidator>());
        services.AddOptions<RewriteOptions>().Configure(rewrite).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RewriteOptions>, RewriteOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RewriteOptions>>().Value;
            return new BounceAddress(BounceKey.Load(options.BounceKey, options.BounceKeyFile, sp.GetRequiredService<IKeyFiles>()), options.BounceLifetime, sp.GetRequiredService<TimeProvider>());
        });
        services.AddOptions<ReplyOptions>().Configure(reply ?? (_ => { }))
            .Validate(o => string.IsNullOrEmpty(o.Key) || o.Key.Length >= 16, "MailTumble:Reply:Key must be at least 16 characters")
            .ValidateOnStart();
        // Always there, so queued replies are still recognised (and sent) when replies are later switched off.
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ReplyOptions>>().Value;
            return new TwoWayMasking(BounceKey.Load(options.Key, options.KeyFile, sp.GetRequiredService<IKeyFiles>(), "reply key"));
        });
        services.TryAddSingleton<ReplyReceiver>();
        services.AddOptions<DkimOptions>().Configure(dkim ?? (_ => { })).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>());
        services.TryAddSingleton<DkimSigning>();
        services.TryAddSingleton(sp => new AliasCounters(sp.GetRequiredService<ILogger<AliasCounters>>(), sp.GetService<IAliasCounterStore>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddHostedService<AliasCounterFlusher>();
        services.AddOptions<DeliveryOptions>().Configure(delivery).ValidateDataAnnotations()
            .Validate(o => o.RetryInitial <= o.RetryMax, "MailTumble:Outbound:RetryInitial must not exceed MailTumble:Outbound:RetryMax")
            .ValidateOnStart();
        services.TryAddSingleton<QueueSignal>();
        services.TryAddSingleton<NodeIdentity>();
        services.TryAddSingleton<MailTumbleMetrics>();
        services.TryAddSingleton(new ReplyClassifier());
        services.TryAddSingleton<RecipientPolicy>();
        services.AddOptions<ModerationOptions>().Configure(moderation ?? (_ => { })).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ModerationPolicy>();
        services.TryAddSingleton<ModerationAudit>();
        services.TryAddSingleton<Moderator>();
        services.TryAddSingleton<StoredMessages>();
        services.TryAddSingleton<DeadLetterPurge>();
        // Replies rewrite Reply-To to reverse aliases only while they are switched on.
        services.TryAddSingleton(sp => new HeaderRewriter(
            sp.GetRequiredService<IOptions<RewriteOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<ReplyOptions>>().Value.Enabled ? sp.GetRequiredService<TwoWayMasking>() : null));
        services.TryAddSingleton<ReceivePlanner>();
        services.TryAddSingleton<MessageReceiver>();
        services.TryAddSingleton(sp => new MessageIntake(
            sp.GetRequiredService<RecipientPolicy>(),
            sp.GetRequiredService<ModerationPolicy>(),
            sp.GetRequiredService<MessageReceiver>(),
            sp.GetRequiredService<IRawStore>(),
            sp.GetRequiredService<StoredMessages>(),
            sp.GetRequiredService<ILogger<MessageIntake>>(),
            sp.GetService<FeedbackProcessor>(),
            sp.GetService<LaneGate>(),
            sp.GetRequiredService<IOptions<ReplyOptions>>().Value.Enabled ? sp.GetRequiredService<ReplyReceiver>() : null,
            sp.GetService<IStorageState>(),
            sp.GetRequiredService<AliasCounters>(),
            sp.GetService<IntakeFirst>()));
        return services;
    }

    /// <summary>Adds fair share between lanes: the lane policy, the fair leaser and the lane gate, with their options.</summary>
    public static IServiceCollection AddMailTumbleFairness(this IServiceCollection services, Action<FairnessOptions> configure)
    {
        services.AddOptions<FairnessOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FairnessOptions>, FairnessOptionsValidator>());
        services.TryAddSingleton<LanePolicy>();
        services.TryAddSingleton<LaneGate>();
        services.TryAddSingleton<FairLeaser>();
        services.TryAddSingleton<LaneReporter>();
        return services;
    }

    /// <summary>Adds the lane monitor (census every second: backpressure and lane metrics) as a hosted service.</summary>
    public static IServiceCollection AddMailTumbleLaneMonitor(this IServiceCollection services)
    {
        services.TryAddSingleton<LaneMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<LaneMonitor>());
        return services;
    }

    /// <summary>Adds the sweeper that applies the expiry action to held mail past its TTL.</summary>
    public static IServiceCollection AddMailTumbleHeldExpiry(this IServiceCollection services)
    {
        services.AddHostedService<HeldExpiryService>();
        return services;
    }

    /// <summary>
    /// Adds the send-out stage as a hosted service, with the family's rate budget (its heartbeat starts first, so the
    /// first send already knows this node's share) and its queue wake-up.
    /// </summary>
    public static IServiceCollection AddMailTumbleDelivery(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new SendPacer(sp.GetRequiredService<IOptions<DeliveryOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<DeliveryConcurrency>();
        services.TryAddSingleton<IntakeFirst>();
        services.TryAddSingleton<DeliveryPolicy>();
        services.TryAddSingleton<DeliveryVerdictApplier>();
        services.TryAddSingleton<DeliveryAttempt>();
        services.TryAddSingleton<QueuedHoldMover>();
        services.TryAddSingleton<SendOutQueueOutage>();
        services.TryAddSingleton<SendWorkers>();
        services.TryAddSingleton<DeliveryStatusPublisher>();
        services.TryAddSingleton(sp => new DeliveryService(
            sp.GetRequiredService<SendWorkers>(),
            sp.GetRequiredService<DeliveryStatusPublisher>(),
            sp.GetRequiredService<DeliveryConcurrency>(),
            sp.GetRequiredService<SendPacer>(),
            sp.GetRequiredService<IOptions<DeliveryOptions>>(),
            sp.GetRequiredService<MailTumbleMetrics>()));
        services.AddHostedService<RateBudgetService>();
        services.AddHostedService<WakeUpService>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryService>());
        return services;
    }
}
