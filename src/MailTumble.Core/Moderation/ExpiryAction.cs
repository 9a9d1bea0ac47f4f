namespace MailTumble.Core.Moderation;

/// <summary>What happens to held mail nobody decided on within <see cref="ModerationOptions.HeldTtl"/>.</summary>
public enum ExpiryAction
{
    /// <summary>Reject it (the default: held mail is suspect).</summary>
    Reject,

    /// <summary>Approve and send it.</summary>
    Approve,
}
