namespace MailTumble.Core.Aliases;

/// <summary>A delivery report about an alias's target.</summary>
public enum FeedbackKind
{
    /// <summary>A permanent bounce.</summary>
    Bounce,

    /// <summary>A spam complaint.</summary>
    Complaint,

    /// <summary>A successful delivery.</summary>
    Delivery,
}
