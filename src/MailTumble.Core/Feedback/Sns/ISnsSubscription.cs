namespace MailTumble.Core.Feedback.Sns;

/// <summary>
/// Port: the SNS HTTPS subscription SES feedback can arrive by (<c>POST /feedback/sns</c>), and the same checks for an
/// SNS envelope saved to a file (<c>feedback ingest</c>). The adapter (MailTumble.Aws) reads the SNS format, accepts only
/// topics on <c>MailTumble:Feedback:SnsTopicArns</c> and genuinely signed messages, confirms subscriptions, and hands
/// notifications to the <see cref="FeedbackProcessor"/>.
/// </summary>
public interface ISnsSubscription
{
    /// <summary>
    /// Handles one POSTed SNS message body: <see cref="SnsOutcome.Accepted"/> (a notification processed, a subscription
    /// confirmed), <see cref="SnsOutcome.Malformed"/>, <see cref="SnsOutcome.Forbidden"/> (foreign topic, bad or missing
    /// signature) or <see cref="SnsOutcome.Unavailable"/> (the certificate or the subscription URL cannot be reached now).
    /// </summary>
    Task<SnsResult> HandleAsync(string body, CancellationToken cancellationToken);

    /// <summary>
    /// For a saved document (<c>feedback ingest</c>): null when it is not an SNS message at all, else the same checks as
    /// <see cref="HandleAsync"/> (an allowlisted topic, a genuine SNS signature) and null only when they pass, or why
    /// they do not. Throws <see cref="SnsUnavailableException"/> when the certificate cannot be fetched for a passing
    /// reason.
    /// </summary>
    Task<string?> CheckSavedAsync(SavedReport report, CancellationToken cancellationToken);
}
