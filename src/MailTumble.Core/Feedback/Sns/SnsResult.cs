namespace MailTumble.Core.Feedback.Sns;

/// <summary>The outcome of one SNS message and, for notifications, what the feedback did.</summary>
/// <param name="Outcome">Accepted, malformed or forbidden.</param>
/// <param name="Reason">Why it was refused (for logs and the response).</param>
/// <param name="Feedback">What processing did, for accepted notifications.</param>
public sealed record SnsResult(SnsOutcome Outcome, string? Reason = null, FeedbackResult? Feedback = null);
