using MailTumble.Core.Addressing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MailTumble.Core.Feedback;

/// <summary>Registers feedback processing (needs an <see cref="IFeedbackStore"/> and an <see cref="IFeedbackDocumentReader"/> from adapters).</summary>
public static class FeedbackServiceCollectionExtensions
{
    /// <summary>
    /// Adds the processor, with <c>MailTumble:Feedback</c> options. Adapters add the provider formats
    /// (<see cref="IFeedbackDocumentReader"/>), the SNS subscription (<see cref="Sns.ISnsSubscription"/>) and the webhook
    /// (<see cref="IStatusChangeNotifier"/>).
    /// </summary>
    public static IServiceCollection AddMailTumbleFeedback(this IServiceCollection services, Action<FeedbackOptions> configure)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<FeedbackOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrWhiteSpace(o.ComplaintsAddress) || MailAddress.TryParse(o.ComplaintsAddress.Trim(), out _),
                "MailTumble:Feedback:ComplaintsAddress must be a mail address such as fbl@mask.example.com")
            .Validate(o => o.SnsTopicArns.All(t => t.Trim().StartsWith("arn:aws", StringComparison.Ordinal) && t.Trim().Split(':').Length >= 6),
                "MailTumble:Feedback:SnsTopicArns must hold topic ARNs such as arn:aws:sns:us-east-1:123456789012:ses-feedback")
            .Validate(o => o.WebhookUrl is null || (o.WebhookUrl.IsAbsoluteUri && o.WebhookUrl.Scheme is "http" or "https"),
                "MailTumble:Feedback:WebhookUrl must be an absolute http(s) URL")
            .ValidateOnStart();
        // The webhook is an adapter (MailTumble.Webhooks); without it, status changes are told to no one.
        services.TryAddSingleton<IStatusChangeNotifier, NullStatusChangeNotifier>();
        services.TryAddSingleton<FeedbackProcessor>();
        return services;
    }
}
