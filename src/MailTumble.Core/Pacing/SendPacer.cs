using MailTumble.Core.Delivery;
using MailTumble.Core.Sending;

namespace MailTumble.Core.Pacing;

/// <summary>
/// Everything that decides when the next send may start: the token bucket (recipients per second),
/// throttle discovery, the daily quota and pauses (quota spent, provider unreachable).
/// </summary>
public sealed class SendPacer
{
    private readonly TokenBucket _bucket;
    private readonly RateController _rate;
    private readonly DailyQuota? _quota;
    private readonly TimeProvider _time;
    private readonly SlidingCounter _sent;
    private readonly SlidingCounter _throttled;
    private readonly SlidingCounter _failed;
    private readonly Lock _gate = new();
    // A send that reaches its slot late (a stall of the process, a slow exchange before the content) may still use it
    // for this long, as long as no second holds more than the rate; older missed slots are gone.
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LapsePause = TimeSpan.FromSeconds(1);
    private readonly SlotClock _clock;
    // The release log (Admit), and the instant of the last release; both under the log's lock.
    private readonly ReleaseLog _log;
    private TimeSpan? _lastRelease;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _sendsUntil = DateTimeOffset.MaxValue;
    private string? _lapseReason;
    private int _pending;
    private long _throttledTotal;
    private long _preliminaryTicks = TimeSpan.TicksPerMillisecond * 5;
    private string? _pauseReason;

    /// <summary>Creates a pacer for the configured rate and quota.</summary>
    public SendPacer(DeliveryOptions options, TimeProvider time)
    {
        _time = time;
        // The whole rate until the family's rate budget says what this node's share is (SetShare).
        _bucket = new TokenBucket(options.MaxSendRate, 1, time) { CatchUp = CatchUp };
        _clock = _bucket.Clock;
        _rate = new RateController(_bucket, options.MaxSendRate, time);
        _log = new ReleaseLog(options.MaxSendRate, _bucket.ToInstant(TokenBucket.LatticeEpoch));
        _quota = options.DailyQuota is { } limit ? new DailyQuota(limit, time) : null;
        _sent = new SlidingCounter(time);
        _throttled = new SlidingCounter(time);
        _failed = new SlidingCounter(time);
    }

    /// <summary>The rate in force.</summary>
    public double CurrentRate => _rate.CurrentRate;

    /// <summary>Throttling replies recorded since start (the rate budget reports new ones to the cluster).</summary>
    public long ThrottledTotal => Interlocked.Read(ref _throttledTotal);

    /// <summary>
    /// Sets this node's share of the provider's rate (the rate budget's answer): the most it may send, with any cut
    /// throttle discovery has made scaled along.
    /// </summary>
    public void SetShare(double rate)
    {
        _rate.Rescale(rate);
        lock (_log)
        {
            _log.SetShare(_clock.Now, rate, null);
        }
    }

    /// <summary>
    /// Sets this node's share as its place on the cluster's slot lattice (<see cref="SlotLattice"/>), and the place it
    /// takes from the wall-clock instant <paramref name="switchAt"/> on (a node joining: the slots from then on are
    /// already on the new split, whenever this is called again). The release log keeps its sends across the change:
    /// in a window that spans it, it lets through what the old share allows before the instant and the new one after
    /// (<see cref="ReleaseLog"/>). Forgetting them at the change instead let a node that had fallen behind its slots
    /// make them up on top of the new split: 204-206 arrived in a second at 200/s while bench/cluster's nodes joined.
    /// </summary>
    public void SetShare(SlotLattice position, DateTimeOffset? switchAt = null, SlotLattice? next = null)
    {
        ArgumentNullException.ThrowIfNull(position);
        _rate.Rescale(position.Share);
        _bucket.SetLattice(position, switchAt, next);
        lock (_log)
        {
            var now = _clock.Now;
            _log.SetShare(now, position.Share, position);
            if (switchAt is { } at && next is not null)
            {
                var from = _bucket.ToInstant(at);
                _log.SetShare(from > now ? from : now, next.Share, next);
            }
        }
    }

    /// <summary>
    /// No send starts before <paramref name="until"/> (a joining node); sends may already be on their way to their
    /// first slot. Until then the node has no share, so its first window lets through only what its share allows
    /// from that instant.
    /// </summary>
    public void HoldUntil(DateTimeOffset until)
    {
        _bucket.HoldUntil(until);
        lock (_log)
        {
            var now = _clock.Now;
            var from = _bucket.ToInstant(until);
            if (from > now)
            {
                _log.Hold(now, from);
            }
        }
    }

    /// <summary>Ends a pause given for <paramref name="reason"/> (a later pause for another reason stays).</summary>
    public void Resume(string reason)
    {
        lock (_gate)
        {
            if (_pauseReason == reason)
            {
                _pausedUntil = DateTimeOffset.MinValue;
                _pauseReason = null;
            }
        }
    }

    /// <summary>The daily quota, if one is set.</summary>
    public DailyQuota? Quota => _quota;

    /// <summary>
    /// Lets sends start only before <paramref name="until"/>, until this is called again: a node of a shared budget sends
    /// only while its heartbeat is fresh enough that the others still count its share as taken. Once it runs out,
    /// sending pauses for <paramref name="reason"/> (a second at a time) until it is renewed and that pause is ended
    /// (<see cref="Resume"/>).
    /// </summary>
    public void SendOnlyUntil(DateTimeOffset until, string reason)
    {
        lock (_gate)
        {
            _sendsUntil = until;
            _lapseReason = reason;
        }
    }

    /// <summary>Whether sending is paused now, and until when.</summary>
    public bool IsPaused(out DateTimeOffset until)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (now >= _sendsUntil && now >= _pausedUntil)
            {
                // A heartbeat that hangs never fails, so nothing else would pause: the lapse becomes a pause like any other.
                _pausedUntil = now + LapsePause;
                _pauseReason = _lapseReason;
            }

            until = _pausedUntil;
            return now < _pausedUntil;
        }
    }

    /// <summary>Pauses all sending until <paramref name="until"/> (a later pause wins).</summary>
    public void PauseUntil(DateTimeOffset until, string reason)
    {
        lock (_gate)
        {
            if (until > _pausedUntil)
            {
                _pausedUntil = until;
                _pauseReason = reason;
            }
        }
    }

    /// <summary>
    /// Claims a send's turn: null when sending is paused (or the quota is spent), and the caller hands the delivery
    /// back instead of sending it. The turn is timed in two steps (<see cref="SendTurn"/>), so the message reaches
    /// the provider at its rate-budget slot however long the SMTP exchange before it takes.
    /// </summary>
    public SendTurn? BeginTurn()
    {
        if (IsPaused(out _))
        {
            return null;
        }

        if (_quota is not null && !_quota.TryAcquire(out var retryAt))
        {
            PauseUntil(retryAt, $"daily quota of {_quota.Limit} spent");
            return null;
        }

        var ahead = Interlocked.Increment(ref _pending) - 1;
        if (ahead == 0)
        {
            // Nobody was on the way: the slots that passed were not missed, just unused, and are not made up.
            _bucket.Floor();
        }

        return new SendTurn(this, ahead);
    }

    /// <summary>Waits for a turn and its slot in one step, for sends with nothing to do before the content.</summary>
    public async ValueTask<bool> WaitTurnAsync(CancellationToken cancellationToken)
    {
        using var turn = BeginTurn();
        if (turn is null)
        {
            return false;
        }

        await turn.EnterAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// How long before its slot a send should begin: twice what the exchange before the content takes, plus 20 ms. A
    /// send that arrives early waits a little at the gate; one that arrives late still takes its slot (within a second).
    /// </summary>
    internal TimeSpan Lead => TimeSpan.FromTicks(Math.Min((2 * Volatile.Read(ref _preliminaryTicks)) + (20 * TimeSpan.TicksPerMillisecond), 2 * TimeSpan.TicksPerSecond));

    internal TokenBucket Bucket => _bucket;

    internal SlotClock Clock => _clock;

    internal void Entered(TimeSpan preliminaries)
    {
        Interlocked.Decrement(ref _pending);
        var previous = Volatile.Read(ref _preliminaryTicks);
        Volatile.Write(ref _preliminaryTicks, (long)((previous * 0.9) + (preliminaries.Ticks * 0.1)));
    }

    internal void Abandoned() => Interlocked.Decrement(ref _pending);

    /// <summary>
    /// Admits a release now and returns null when, counting it, no window of <c>N / rate</c> can see more than N sends
    /// arrive at the provider (N = the rate rounded up, so one second at whole rates), and it is at least half a slot
    /// after the previous one; otherwise returns when it may go. A send arrives somewhere between its release and its
    /// completion (the provider's reply read), so the log counts each send from its release until a window after its
    /// completion: in flight always, completed while it completed less than a window ago. Any window of arrivals then
    /// holds at most N: at the release of the last send released among them, every other one had been released and had
    /// not completed a window before (it arrived in the window, after that release less a window), so it was counted.
    /// A send stalled between its release and the provider (the process or the provider's end starved of CPU) thus
    /// holds back the sends after it instead of bunching with them; at a steady rate with a send latency L the log
    /// lets N per window + L through (L = 1 ms costs 0.1%). The slots (<see cref="TokenBucket"/>) are spaced exactly,
    /// and a late send may still take its missed slot; the half-slot spacing keeps sends that catch up from leaving
    /// back to back. Fractional rates (a node's share) are not rounded down. Around a change of the node's share the
    /// limit of each window is what the shares allowed in it (<see cref="ReleaseLog"/>). A send admitted counts as in
    /// flight until its sender calls <see cref="Completed"/>, once.
    /// </summary>
    internal TimeSpan? Admit()
    {
        lock (_log)
        {
            var now = _clock.Now;
            var rate = _rate.CurrentRate;
            var spacing = TimeSpan.FromSeconds(0.5 / rate);
            var shortly = now + TimeSpan.FromTicks(Math.Clamp(spacing.Ticks, TimeSpan.TicksPerMillisecond, 5 * TimeSpan.TicksPerMillisecond));
            var later = _log.Room(now, rate, rate / _rate.MaxRate, shortly);

            if (_lastRelease is { } last && now - last < spacing && (later is null || later < last + spacing))
            {
                later = last + spacing;
            }

            if (later is not null)
            {
                return later;
            }

            _log.Released();
            _lastRelease = now;
            return null;
        }
    }

    /// <summary>
    /// A send admitted earlier is over (the provider's reply read, or it failed): it counts in the release log for one
    /// more window. Called once per admitted send.
    /// </summary>
    internal void Completed()
    {
        lock (_log)
        {
            _log.Completed(_clock.Now);
        }
    }

    /// <summary>Feeds one send outcome into the counters and throttle discovery.</summary>
    public void Record(SendOutcome outcome)
    {
        switch (outcome)
        {
            case SendOutcome.Sent:
                _sent.Increment();
                _rate.OnSuccess();
                break;
            case SendOutcome.Throttled:
                _throttled.Increment();
                Interlocked.Increment(ref _throttledTotal);
                _rate.OnThrottled();
                break;
            default:
                _failed.Increment();
                break;
        }
    }

    /// <summary>The status to publish.</summary>
    public DeliveryStatus Snapshot(int concurrency)
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? pausedUntil;
        string? reason;
        lock (_gate)
        {
            pausedUntil = now < _pausedUntil ? _pausedUntil : null;
            reason = pausedUntil is null ? null : _pauseReason;
        }

        return new DeliveryStatus(now, _rate.CurrentRate, _rate.MaxRate, concurrency, pausedUntil, reason,
            _sent.LastMinute, _throttled.LastMinute, _failed.LastMinute, _quota?.Limit, _quota?.Used ?? 0);
    }
}
