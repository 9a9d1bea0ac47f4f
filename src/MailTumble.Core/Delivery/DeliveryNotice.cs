namespace MailTumble.Core.Delivery;

/// <summary>The log line a retry verdict is worth (one per event; none when there is nothing new to say).</summary>
internal enum DeliveryNotice
{
    /// <summary>No line of its own.</summary>
    None,

    /// <summary>The provider throttled the send (the line names the rate now in force).</summary>
    Throttled,

    /// <summary>The provider's daily quota is spent.</summary>
    QuotaSpent,

    /// <summary>The provider could not be reached, and sending was not paused already.</summary>
    Unreachable,

    /// <summary>A temporary failure, retried after the backoff in <see cref="DeliveryVerdict.Delay"/>.</summary>
    Deferred,
}
