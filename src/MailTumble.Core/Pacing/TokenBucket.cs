namespace MailTumble.Core.Pacing;

/// <summary>
/// A token bucket kept as a "next free slot" time (GCRA): each take reserves the next slot, so callers
/// are spaced exactly 1/rate apart and the burst never exceeds <see cref="Burst"/> tokens. The rate can
/// change at any time (throttle discovery). Time comes from an injected <see cref="TimeProvider"/>, as monotonic
/// instants on <see cref="Clock"/>, so a step of the wall clock does not stall or burst the sends.
/// System.Threading.RateLimiting's limiters take neither a TimeProvider nor a changing rate, hence this.
/// </summary>
public sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly SlotClock _clock;
    private readonly Lock _gate = new();
    private double _rate;
    private double _burst;
    private long _catchUpTicks;
    private long _nextFreeTicks; // an instant on _clock, in TimeSpan ticks

    /// <summary>Creates a bucket at <paramref name="ratePerSecond"/> allowing <paramref name="burst"/> tokens at once.</summary>
    public TokenBucket(double ratePerSecond, double burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = time;
        _clock = new SlotClock(time);
        _rate = ratePerSecond;
        _burst = burst;
        _nextFreeTicks = _clock.Now.Ticks;
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

    /// <summary>
    /// How long a slot stays claimable after it passed unused while a caller was on its way (0: a late caller loses it
    /// and the slots move on from its time). Slots that pass while nobody is on the way are dropped with
    /// <see cref="Floor"/>, so an idle spell banks nothing beyond <see cref="Burst"/>.
    /// </summary>
    public TimeSpan CatchUp
    {
        get { lock (_gate) { return TimeSpan.FromTicks(_catchUpTicks); } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate) { _catchUpTicks = value.Ticks; }
        }
    }

    /// <summary>Drops the slots that have passed (nobody was waiting for them): the next one is now at the earliest.</summary>
    public void Floor()
    {
        lock (_gate)
        {
            var now = _clock.Now.Ticks;
            var interval = (long)(TimeSpan.TicksPerSecond / _rate);
            _nextFreeTicks = Math.Max(_nextFreeTicks, now - (long)((_burst - 1) * interval));
        }
    }

    /// <summary>The clock whose instants <see cref="ReserveSlot"/> and <see cref="Estimate"/> return.</summary>
    public SlotClock Clock => _clock;

    /// <summary>No token is handed out for <paramref name="pause"/> from now (lets a provider's rolling window drain).</summary>
    public void HoldFor(TimeSpan pause)
    {
        lock (_gate)
        {
            _nextFreeTicks = Math.Max(_nextFreeTicks, (_clock.Now + pause).Ticks);
        }
    }

    /// <summary>Reserves <paramref name="tokens"/> and returns how long the caller must wait before using them.</summary>
    public TimeSpan Reserve(int tokens = 1)
    {
        var now = _clock.Now;
        var slot = ReserveSlot(tokens, now);
        return slot > now ? slot - now : TimeSpan.Zero;
    }

    /// <summary>Reserves <paramref name="tokens"/> and returns the instant on <see cref="Clock"/> from which they may be used.</summary>
    public TimeSpan ReserveSlot(int tokens = 1) => ReserveSlot(tokens, _clock.Now);

    /// <summary>
    /// When a reservation made now would start, <paramref name="ahead"/> other reservations later; nothing is reserved.
    /// Lets a sender start its slow preliminaries just in time for a slot it will reserve later.
    /// </summary>
    public TimeSpan Estimate(int ahead)
    {
        lock (_gate)
        {
            var now = _clock.Now.Ticks;
            var interval = (long)(TimeSpan.TicksPerSecond / _rate);
            return TimeSpan.FromTicks(Math.Max(_nextFreeTicks, now - Tolerance(interval)) + (interval * ahead));
        }
    }

    /// <summary>Waits until <paramref name="tokens"/> may be used.</summary>
    public async ValueTask WaitAsync(int tokens, CancellationToken cancellationToken)
    {
        var slot = ReserveSlot(tokens);
        await _clock.WaitUntilAsync(slot, cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan ReserveSlot(int tokens, TimeSpan at)
    {
        lock (_gate)
        {
            var now = at.Ticks;
            var interval = (long)(TimeSpan.TicksPerSecond / _rate);
            var start = Math.Max(_nextFreeTicks, now - Tolerance(interval));
            _nextFreeTicks = start + (interval * tokens);
            return TimeSpan.FromTicks(Math.Max(start, now));
        }
    }

    // How far behind now a reservation may start: the burst's slots, or the catch-up span if that is longer.
    private long Tolerance(long interval) => Math.Max((long)((_burst - 1) * interval), _catchUpTicks);
}
