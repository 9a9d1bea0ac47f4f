namespace MailTumble.Web.Live;

/// <summary>What the overview shows, read in one go.</summary>
/// <param name="At">When it was read.</param>
/// <param name="Depth">Not yet delivered or dead: ready + in flight + deferred.</param>
/// <param name="Ready">Due now, not leased.</param>
/// <param name="InFlight">Leased by a worker.</param>
/// <param name="Deferred">Waiting for a retry time.</param>
/// <param name="DeadLetters">In the dead-letter store.</param>
/// <param name="Held">Undecided held mail (null when moderation is not available).</param>
/// <param name="Sending">Whether a send-out stage reports its status (this process, or another within 10 s).</param>
/// <param name="Rate">Send rate in force.</param>
/// <param name="MaxRate">MAXIMUM_SEND_RATE (this process's share).</param>
/// <param name="Workers">Send workers the depth justifies.</param>
/// <param name="SentPerSecond">Average of the last 10 seconds.</param>
/// <param name="ThrottledPerSecond">Average of the last 10 seconds.</param>
/// <param name="FailedPerSecond">Average of the last 10 seconds.</param>
/// <param name="SentLastMinute">Deliveries the provider took in the last minute.</param>
/// <param name="DailyQuota">The daily quota, if set.</param>
/// <param name="DailyUsed">Sends counted against it.</param>
/// <param name="SecondsToDrain">Ready + in flight at the rate in force; null when it cannot be estimated (paused, rate 0).</param>
/// <param name="PausedUntil">When sending resumes, if paused.</param>
/// <param name="PauseReason">Why sending is paused.</param>
internal sealed record OverviewSnapshot(
    DateTimeOffset At,
    long Depth,
    long Ready,
    long InFlight,
    long Deferred,
    long DeadLetters,
    long? Held,
    bool Sending,
    double Rate,
    double MaxRate,
    int Workers,
    double SentPerSecond,
    double ThrottledPerSecond,
    double FailedPerSecond,
    long SentLastMinute,
    int? DailyQuota,
    int DailyUsed,
    double? SecondsToDrain,
    DateTimeOffset? PausedUntil,
    string? PauseReason)
{
    /// <summary>Whether sending is paused now.</summary>
    public bool Paused => PausedUntil is { } until && until > At;
}
