using System.ComponentModel.DataAnnotations;
using MailTumble.Core.Aliases;

namespace MailTumble.Core.Feedback;

/// <summary>Bounce and complaint handling (<c>MailTumble:Feedback</c>); the defaults are the original system's policy.</summary>
public sealed class FeedbackOptions
{
    /// <summary>
    /// More permanent bounces than this mark an alias dead (default: the original's 3). The host hands the same
    /// limit to the directory driver, so the status a lookup answers and the status feedback sets agree.
    /// </summary>
    [Range(0, 1000, ErrorMessage = "MailTumble:Feedback:MaxBounces must be between {1} and {2}")]
    public int MaxBounces { get; set; } = AliasRules.BounceLimit;

    /// <summary>Where ARF complaint reports (feedback loops) are sent to us, e.g. <c>fbl@mask.example.com</c>. Unset: no such address.</summary>
    public string? ComplaintsAddress { get; set; }

    /// <summary>SNS topics whose messages <c>POST /feedback/sns</c> accepts (ARNs). Empty: the endpoint refuses everything.</summary>
    public IList<string> SnsTopicArns { get; } = [];

    /// <summary>
    /// Base URL told about status changes: <c>PUT {WebhookUrl}/aliases/{address}</c> with the new status
    /// (the original system's API_URL). Unset: no webhook.
    /// </summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Bearer token for the webhook (the original system's API_TOKEN).</summary>
    public string? WebhookToken { get; set; }

    /// <summary>Tries per webhook call before it is given up (and logged).</summary>
    [Range(1, 20, ErrorMessage = "MailTumble:Feedback:WebhookAttempts must be between {1} and {2}")]
    public int WebhookAttempts { get; set; } = 6;

    /// <summary>The first retry delay; each next one doubles.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "MailTumble:Feedback:WebhookRetry must be between {1} and {2}")]
    public TimeSpan WebhookRetry { get; set; } = TimeSpan.FromSeconds(2);
}
