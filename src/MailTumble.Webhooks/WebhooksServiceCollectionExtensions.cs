using MailTumble.Core.Feedback;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailTumble.Webhooks;

/// <summary>Registers the status webhook.</summary>
public static class WebhooksServiceCollectionExtensions
{
    /// <summary>
    /// Tells <c>MailTumble:Feedback:WebhookUrl</c> about status changes (<see cref="IStatusChangeNotifier"/>); with no URL set,
    /// no one is told. Needs the feedback options (<c>AddMailTumbleFeedback</c>).
    /// </summary>
    public static IServiceCollection AddMailTumbleStatusWebhook(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<IStatusChangeNotifier>(sp =>
            sp.GetRequiredService<IOptions<FeedbackOptions>>().Value.WebhookUrl is null
                ? new NullStatusChangeNotifier()
                : ActivatorUtilities.CreateInstance<StatusWebhook>(sp)));
        return services;
    }
}
