using MailTumble.Core.Addressing;
using MailTumble.Core.Feedback.Sns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Feedback;

/// <summary>Registers feedback processing (needs an <see cref="IFeedbackStore"/> from an adapter).</summary>
public static class FeedbackServiceCollectionExtensions
{
    /// <summary>Adds the processor, the SNS handler and the webhook, with <c>MailTumble:Feedback</c> options.</summary>
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
        services.TryAddSingleton<ISnsHttp, HttpSnsClient>();
        services.TryAddSingleton<SnsVerifier>();
        services.TryAddSingleton<SnsFeedbackHandler>();
        services.TryAddSingleton<IStatusChangeNotifier>(sp =>
            sp.GetRequiredService<IOptions<FeedbackOptions>>().Value.WebhookUrl is null
                ? new NullStatusChangeNotifier()
                : ActivatorUtilities.CreateInstance<StatusWebhook>(sp));
        services.TryAddSingleton<FeedbackProcessor>();
        return services;
    }
}
