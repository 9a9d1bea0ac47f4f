namespace MailTumble.Core.Feedback;

/// <summary>What a provider's feedback document holds (<see cref="IFeedbackDocumentReader"/>), not yet attributed.</summary>
/// <param name="Events">One per report and recipient; none for a document that is no report, or an SES event that is no feedback (an open, a click).</param>
/// <param name="NotAReport">When set, the document is no bounce, complaint or delivery report, and why (an SNS subscription message, another service's notification).</param>
/// <param name="IgnoredId">When set, the id of a notification whose message held no report, for the log line that says so.</param>
public sealed record FeedbackReading(IReadOnlyList<FeedbackEvent> Events, string? NotAReport = null, string? IgnoredId = null);
