namespace MailTumble.Core.Delivery;

/// <summary>What the send-out stage is doing, as published every second for <c>queue stats</c> and the API.</summary>
/// <param name="UpdatedAt">When this snapshot was taken.</param>
/// <param name="Rate">The send rate in force (lower than the maximum while the provider throttles).</param>
/// <param name="MaxRate">The configured maximum (<c>MAXIMUM_SEND_RATE</c>).</param>
/// <param name="Concurrency">Send workers the queue depth justifies now.</param>
/// <param name="PausedUntil">When sending resumes, if paused.</param>
/// <param name="PauseReason">Why sending is paused (quota spent, provider unreachable).</param>
/// <param name="SentLastMinute">Deliveries the provider took in the last minute.</param>
/// <param name="ThrottledLastMinute">Throttling replies in the last minute.</param>
/// <param name="FailedLastMinute">Other failed attempts in the last minute.</param>
/// <param name="DailyQuota">The rolling daily quota, if set.</param>
/// <param name="DailyUsed">Sends counted against it in the last 24 hours.</param>
public sealed record DeliveryStatus(
    DateTimeOffset UpdatedAt,
    double Rate,
    double MaxRate,
    int Concurrency,
    DateTimeOffset? PausedUntil,
    string? PauseReason,
    long SentLastMinute,
    long ThrottledLastMinute,
    long FailedLastMinute,
    int? DailyQuota,
    int DailyUsed)
{
    /// <summary>
    /// How old a published status may be and still come from a running send-out: it publishes every quarter second, so
    /// one older than this means no <c>serve</c> runs (it stopped, or died without saying so).
    /// </summary>
    public static readonly TimeSpan LiveWithin = TimeSpan.FromSeconds(10);

    /// <summary>Whether a send-out that published this status still runs at <paramref name="now"/> (see <see cref="LiveWithin"/>).</summary>
    public bool IsLive(DateTimeOffset now) => now - UpdatedAt < LiveWithin;

    /// <summary>How long the given depth takes to drain at the current rate (null when paused for the day or idle).</summary>
    public TimeSpan? EstimatedDrain(long depth) =>
        depth == 0 ? TimeSpan.Zero : Rate <= 0 ? null : TimeSpan.FromSeconds(Math.Ceiling(depth / Rate));
}
