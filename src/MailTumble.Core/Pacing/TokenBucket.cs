namespace MailTumble.Core.Pacing;

/// <summary>
/// A token bucket kept as a "next free slot" time (GCRA): each take reserves the next slot, so callers
/// are spaced exactly 1/rate apart and the burst never exceeds <see cref="Burst"/> tokens. The rate can
/// change at any time (throttle discovery). Time comes from an injected <see cref="TimeProvider"/>, as monotonic
/// instants on <see cref="Clock"/>, so a step of the wall clock does not stall or burst the sends.
/// System.Threading.RateLimiting's limiters take neither a TimeProvider nor a changing rate, hence this.
/// A node of a cluster also puts its slots on the cluster's lattice (<see cref="SetLattice"/>): each slot is rounded up
/// to the next instant the node owns, so the nodes' sends interleave on one grid instead of bunching.
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
    private readonly long _epochTicks; // LatticeEpoch as an instant on _clock, converted once
    private SlotLattice? _lattice;
    private SlotLattice? _nextLattice;
    private long _switchTicks = long.MaxValue;

    /// <summary>
    /// The wall-clock instant the cluster's lattice counts from. Any fixed instant every node shares would do; a recent
    /// one keeps the lattice's arithmetic (doubles of ticks since it) exact to well under a microsecond for decades.
    /// </summary>
    public static readonly DateTimeOffset LatticeEpoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

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
        // The wall clock is read once: a later step of it moves no slot (the nodes' clocks must agree, NTP).
        _epochTicks = _clock.Now.Ticks - (time.GetUtcNow() - LatticeEpoch).Ticks;
    }

    /// <summary>
    /// Puts the slots on <paramref name="lattice"/> (null: anywhere, a single node), and from the wall-clock instant
    /// <paramref name="switchAt"/> on <paramref name="next"/>: a slot at or after that instant is on the next lattice,
    /// so a scheduled change of the cluster's split takes effect exactly then, however late the caller applies it.
    /// </summary>
    public void SetLattice(SlotLattice? lattice, DateTimeOffset? switchAt = null, SlotLattice? next = null)
    {
        lock (_gate)
        {
            _lattice = lattice;
            _nextLattice = next;
            _switchTicks = switchAt is { } at && next is not null ? ToInstant(at).Ticks : long.MaxValue;
        }
    }

    /// <summary>The wall-clock instant <paramref name="at"/> as an instant on <see cref="Clock"/>.</summary>
    public TimeSpan ToInstant(DateTimeOffset at) => TimeSpan.FromTicks(_epochTicks + (at - LatticeEpoch).Ticks);

    /// <summary>No slot before the wall-clock instant <paramref name="until"/> (a joining node's start).</summary>
    public void HoldUntil(DateTimeOffset until)
    {
        lock (_gate)
        {
            _nextFreeTicks = Math.Max(_nextFreeTicks, ToInstant(until).Ticks);
        }
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
            return TimeSpan.FromTicks(OnLattice(Math.Max(_nextFreeTicks, now - Tolerance(interval))) + (interval * ahead));
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
            var start = OnLattice(Math.Max(_nextFreeTicks, now - Tolerance(interval)));
            _nextFreeTicks = start + (interval * tokens);
            return TimeSpan.FromTicks(Math.Max(start, now));
        }
    }

    // The first instant at or after ticks that this node owns on the lattice in force there (ticks itself without one);
    // a slot the old lattice would put at or after a scheduled switch is the new lattice's first after the switch.
    private long OnLattice(long ticks)
    {
        if (ticks >= _switchTicks)
        {
            return OnLattice(_nextLattice, ticks);
        }

        var point = OnLattice(_lattice, ticks);
        return point < _switchTicks ? point : OnLattice(_nextLattice, _switchTicks);
    }

    private long OnLattice(SlotLattice? lattice, long ticks)
    {
        // A slot within rounding below ticks is taken as at ticks, not one period later (SlotLattice).
        return lattice is null ? ticks : _epochTicks + lattice.Slot(lattice.FirstAtOrAfter(ticks - _epochTicks));
    }

    // How far behind now a reservation may start: the burst's slots, or the catch-up span if that is longer.
    private long Tolerance(long interval) => Math.Max((long)((_burst - 1) * interval), _catchUpTicks);
}
