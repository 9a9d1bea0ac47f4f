namespace MailTumble.Core.Queue;

/// <summary>A snapshot of the outgoing queue.</summary>
/// <param name="Ready">Items due now and not leased.</param>
/// <param name="InFlight">Items leased by a worker.</param>
/// <param name="Deferred">Items waiting for a retry time.</param>
/// <param name="DeadLetters">Items in the dead-letter store.</param>
/// <param name="SentLastMinute">
/// Deliveries completed in the last 60 seconds, by every process using the queue; null when the queue cannot know
/// (SQS keeps no record of deleted messages, and one process sees only its own).
/// </param>
public sealed record QueueStats(long Ready, long InFlight, long Deferred, long DeadLetters, long? SentLastMinute)
{
    /// <summary>Everything not yet delivered or dead.</summary>
    public long Depth => Ready + InFlight + Deferred;
}
