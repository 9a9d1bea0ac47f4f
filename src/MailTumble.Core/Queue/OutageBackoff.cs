namespace MailTumble.Core.Queue;

/// <summary>
/// Backs off while something keeps failing the same way and says when that is worth a log line: the first failure of
/// an outage (or a different reason), then nothing until it works again. Delays double from <see cref="Initial"/> up
/// to <see cref="Max"/>. Thread-safe: the workers of one loop share one instance, so an outage is one line for all.
/// </summary>
public sealed class OutageBackoff
{
    private readonly Lock _lock = new();
    private int _failures;
    private string? _reason;

    /// <summary>Creates the backoff.</summary>
    public OutageBackoff(TimeSpan? initial = null, TimeSpan? max = null)
    {
        Initial = initial ?? TimeSpan.FromSeconds(1);
        Max = max ?? TimeSpan.FromMinutes(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Initial, TimeSpan.Zero, nameof(initial));
        ArgumentOutOfRangeException.ThrowIfLessThan(Max, Initial, nameof(max));
    }

    /// <summary>The first delay.</summary>
    public TimeSpan Initial { get; }

    /// <summary>The longest delay.</summary>
    public TimeSpan Max { get; }

    /// <summary>Whether the last attempt failed.</summary>
    public bool Failing
    {
        get
        {
            lock (_lock)
            {
                return _failures > 0;
            }
        }
    }

    /// <summary>Records a failure; returns whether to log it (new outage or new reason) and how long to wait.</summary>
    public bool Fail(string reason, out TimeSpan delay)
    {
        lock (_lock)
        {
            var report = _failures == 0 || !string.Equals(reason, _reason, StringComparison.Ordinal);
            _failures = Math.Min(_failures + 1, 62);
            _reason = reason;
            var ticks = Initial.Ticks * Math.Pow(2, _failures - 1);
            delay = ticks >= Max.Ticks ? Max : TimeSpan.FromTicks((long)ticks);
            return report;
        }
    }

    /// <summary>Records a success; returns true when it ends an outage (worth one line saying so).</summary>
    public bool Succeed()
    {
        if (Volatile.Read(ref _failures) == 0)
        {
            return false;
        }

        lock (_lock)
        {
            var ended = _failures > 0;
            _failures = 0;
            _reason = null;
            return ended;
        }
    }
}
