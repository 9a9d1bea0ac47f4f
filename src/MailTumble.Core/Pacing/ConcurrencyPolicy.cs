namespace MailTumble.Core.Pacing;

/// <summary>How many send workers the queue depth justifies, and how many items each should lease at once.</summary>
public static class ConcurrencyPolicy
{
    /// <summary>
    /// One worker when idle; one per queued item as the queue deepens; never more than the rate budget can keep busy
    /// (rate × typical latency, plus two waiting for the next slots, so a slot is never lost for want of a worker)
    /// nor <paramref name="max"/>.
    /// </summary>
    public static int Desired(long depth, double ratePerSecond, TimeSpan typicalLatency, int max)
    {
        var byBudget = (int)Math.Max(1, Math.Ceiling(ratePerSecond * Math.Max(typicalLatency.TotalSeconds, 0.001)) + 2);
        return (int)Math.Clamp(Math.Min(depth, byBudget), 1, Math.Max(1, max));
    }

    /// <summary>
    /// Items a worker leases at once: enough to save queue round trips when the queue is deep, few enough near its end
    /// that the last items are spread over every worker instead of waiting in one worker's batch.
    /// </summary>
    public static int BatchSize(long depth, int workers, double ratePerSecond)
    {
        var share = Math.Ceiling((double)Math.Max(1, depth) / Math.Max(1, workers) / 4);
        return (int)Math.Clamp(Math.Min(share, Math.Ceiling(ratePerSecond / Math.Max(1, workers))), 1, 10);
    }
}
