namespace MailTumble.Core.Queue;

/// <summary>Details of one lane, counted the way <see cref="QueueStats"/> counts the whole queue.</summary>
/// <param name="Lane">The lane key.</param>
/// <param name="Ready">Items due now and not leased.</param>
/// <param name="InFlight">Items leased by a worker.</param>
/// <param name="Deferred">Items waiting for a retry time.</param>
/// <param name="Bulk">How many of all its items are bulk mail.</param>
/// <param name="OldestReceivedAt">When the oldest item still queued in the lane was received.</param>
public sealed record LaneStats(string Lane, long Ready, long InFlight, long Deferred, long Bulk, DateTimeOffset? OldestReceivedAt)
{
    /// <summary>Everything queued in the lane.</summary>
    public long Depth => Ready + InFlight + Deferred;
}
