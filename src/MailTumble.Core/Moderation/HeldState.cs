namespace MailTumble.Core.Moderation;

/// <summary>Where a held message stands.</summary>
public enum HeldState
{
    /// <summary>Waiting for a decision.</summary>
    Held,

    /// <summary>Approved and queued.</summary>
    Approved,

    /// <summary>Rejected; never sent.</summary>
    Rejected,
}
