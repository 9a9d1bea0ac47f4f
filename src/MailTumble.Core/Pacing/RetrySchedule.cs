namespace MailTumble.Core.Pacing;

/// <summary>Exponential backoff with jitter: initial, doubling, capped.</summary>
public sealed class RetrySchedule
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Random _random;

    /// <summary>Creates a schedule.</summary>
    public RetrySchedule(TimeSpan initial, TimeSpan max, Random? random = null)
    {
        _initial = initial;
        _max = max;
        _random = random ?? Random.Shared;
    }

    /// <summary>The delay before attempt number <paramref name="attempt"/> + 1 (attempt counts from 1).</summary>
    public TimeSpan Delay(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var baseTicks = Math.Min(_initial.Ticks * Math.Pow(2, exponent), _max.Ticks);
        // +/-20% so a burst that failed together does not retry together.
        var jitter = 0.8 + (_random.NextDouble() * 0.4);
        return TimeSpan.FromTicks((long)Math.Min(baseTicks * jitter, _max.Ticks));
    }
}
