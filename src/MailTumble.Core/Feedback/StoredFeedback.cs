namespace MailTumble.Core.Feedback;

/// <summary>One attributed feedback event as kept in the event store.</summary>
/// <param name="Key">The event's dedupe key.</param>
/// <param name="Alias">The alias it was attributed to.</param>
/// <param name="DeliveryId">The delivery it is about.</param>
/// <param name="Type">Bounce, complaint or delivery.</param>
/// <param name="BounceType">For bounces: permanent, transient or undetermined.</param>
/// <param name="SubType">Finer reason (mailbox full, message too large, content rejected, ...).</param>
/// <param name="Recipient">The reported recipient.</param>
/// <param name="Origin">Where it came from.</param>
/// <param name="Detail">Status and diagnostic text.</param>
/// <param name="At">When it was recorded.</param>
public sealed record StoredFeedback(
    string Key,
    string Alias,
    string DeliveryId,
    FeedbackType Type,
    BounceType BounceType,
    string? SubType,
    string Recipient,
    FeedbackOrigin Origin,
    string? Detail,
    DateTimeOffset At);
