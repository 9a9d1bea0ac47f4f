namespace MailTumble.Core.Moderation;

/// <summary>Where a held message stands.</summary>
public enum HeldState
{
    /// <summary>Waiting for a decision.</summary>
    Held,

    /// <summary>Approved and queued.</summary>
    Approved,

    /// <summary>Claimed by an approval that is queueing it; a reject can no longer take it.</summary>
    Approving,

    /// <summary>Rejected; never sent.</summary>
    Rejected,
}
