namespace MailTumble.Core.Receiving;

/// <summary>What the intake did for one recipient.</summary>
public enum RecipientDisposition
{
    /// <summary>Refused (unknown, dead, not ours, ...): not part of the message.</summary>
    Refused,

    /// <summary>Not taken this time: the whole message was deferred or failed, and the sender should try again.</summary>
    Deferred,

    /// <summary>Queued for sending.</summary>
    Queued,

    /// <summary>Kept in the held store for an operator.</summary>
    Held,

    /// <summary>Accepted and dropped silently by a sender rule.</summary>
    Dropped,

    /// <summary>Blocked by a sender rule (the message went to the other recipients only).</summary>
    Blocked,

    /// <summary>Kept as a dead letter and never sent (a relay loop).</summary>
    DeadLettered,

    /// <summary>A report to our bounce or complaints address, consumed as feedback.</summary>
    Report,
}
