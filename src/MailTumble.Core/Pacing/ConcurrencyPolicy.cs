namespace MailTumble.Core.Pacing;

/// <summary>How many send workers the queue depth justifies.</summary>
public static class ConcurrencyPolicy
{
    /// <summary>
    /// One worker when idle; one more per <paramref name="itemsPerWorker"/> queued; never more than the
    /// rate budget can keep busy (rate × typical latency) nor <paramref name="max"/>.
    /// </summary>
    public static int Desired(long depth, double ratePerSecond, TimeSpan typicalLatency, int max, int itemsPerWorker = 10)
    {
        var byDepth = (int)Math.Min(int.MaxValue, Math.Max(1, (depth + itemsPerWorker - 1) / itemsPerWorker));
        var byBudget = (int)Math.Max(1, Math.Ceiling(ratePerSecond * Math.Max(typicalLatency.TotalSeconds, 0.001)) + 1);
        return Math.Clamp(Math.Min(byDepth, byBudget), 1, Math.Max(1, max));
    }
}
