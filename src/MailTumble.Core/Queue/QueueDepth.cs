namespace MailTumble.Core.Queue;

/// <summary>The items in the outgoing queue itself: <see cref="QueueStats"/> without dead letters and the delivery count.</summary>
/// <param name="Ready">Items due now and not leased.</param>
/// <param name="InFlight">Items leased by a worker.</param>
/// <param name="Deferred">Items waiting for a retry time.</param>
public sealed record QueueDepth(long Ready, long InFlight, long Deferred)
{
    /// <summary>Everything not yet delivered or dead.</summary>
    public long Total => Ready + InFlight + Deferred;
}
