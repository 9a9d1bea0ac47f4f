namespace MailTumble.Core.Pacing;

/// <summary>
/// A token bucket kept as a "next free slot" time (GCRA): each take reserves the next slot, so callers
/// are spaced exactly 1/rate apart and the burst never exceeds <see cref="Burst"/> tokens. The rate can
/// change at any time (throttle discovery). Time comes from an injected <see cref="TimeProvider"/>.
/// System.Threading.RateLimiting's limiters take neither a TimeProvider nor a changing rate, hence this.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly SlotClock _clock;
    private readonly Lock _gate = new();
    private double _rate;
    private double _burst;
    private long _nextFreeTicks;

    /// <summary>Creates a bucket at <paramref name="ratePerSecond"/> allowing <paramref name="burst"/> tokens at once.</summary>
    public TokenBucket(double ratePerSecond, double burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = time;
        _clock = new SlotClock(time);
        _rate = ratePerSecond;
        _burst = burst;
        _nextFreeTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>Tokens per second.</summary>
    public double Rate
    {
        get { lock (_gate) { return _rate; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            lock (_gate) { _rate = value; }
        }
    }

    /// <summary>How many tokens may be taken back to back after an idle spell.</summary>
    public double Burst
    {
        get { lock (_gate) { return _burst; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_gate) { _burst = value; }
        }
    }

    /// <summary>No token is handed out before <paramref name="until"/> (lets a provider's rolling window drain).</summary>
    public void HoldUntil(DateTimeOffset until)
    {
        lock (_gate)
        {
            _nextFreeTicks = Math.Max(_nextFreeTicks, until.UtcTicks);
        }
    }

    /// <summary>Reserves <paramref name="tokens"/> and returns how long the caller must wait before using them.</summary>
    public TimeSpan Reserve(int tokens = 1)
    {
        var now = _time.GetUtcNow();
        var slot = ReserveSlot(tokens, now);
        return slot > now ? slot - now : TimeSpan.Zero;
    }

    /// <summary>Reserves <paramref name="tokens"/> and returns the instant from which they may be used.</summary>
    public DateTimeOffset ReserveSlot(int tokens = 1) => ReserveSlot(tokens, _time.GetUtcNow());

    /// <summary>
    /// When a reservation made now would start, <paramref name="ahead"/> other reservations later; nothing is reserved.
    /// Lets a sender start its slow preliminaries just in time for a slot it will reserve later.
    /// </summary>
    public DateTimeOffset Estimate(int ahead)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcTicks;
            var interval = (long)(TimeSpan.TicksPerSecond / _rate);
            var tolerance = (long)((_burst - 1) * interval);
            return new DateTimeOffset(Math.Max(_nextFreeTicks, now - tolerance) + (interval * ahead), TimeSpan.Zero);
        }
    }

    /// <summary>Waits until <paramref name="tokens"/> may be used.</summary>
    public async ValueTask WaitAsync(int tokens, CancellationToken cancellationToken)
    {
        var slot = ReserveSlot(tokens);
        await _clock.WaitUntilAsync(slot, cancellationToken).ConfigureAwait(false);
    }

    private DateTimeOffset ReserveSlot(int tokens, DateTimeOffset at)
    {
        lock (_gate)
        {
            var now = at.UtcTicks;
            var interval = (long)(TimeSpan.TicksPerSecond / _rate);
            var tolerance = (long)((_burst - 1) * interval);
            var start = Math.Max(_nextFreeTicks, now - tolerance);
            _nextFreeTicks = start + (interval * tokens);
            return new DateTimeOffset(Math.Max(start, now), TimeSpan.Zero);
        }
    }
}
