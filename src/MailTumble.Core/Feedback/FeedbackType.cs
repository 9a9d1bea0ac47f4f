namespace MailTumble.Core.Feedback;

/// <summary>What a feedback event reports about one delivery.</summary>
public enum FeedbackType
{
    /// <summary>The target's server refused the message, now or later.</summary>
    Bounce,

    /// <summary>The target marked the message as spam.</summary>
    Complaint,

    /// <summary>The target's server accepted the message.</summary>
    Delivery,
}
