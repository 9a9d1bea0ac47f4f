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
    // The release log (Admit): sends released and not yet completed, and the completion instants of the others, oldest
    // first (instants on _clock, recorded under the lock, so in order).
    private readonly Queue<TimeSpan> _completed = new();
    private int _inFlight;
    private TimeSpan? _lastRelease;
    private SlotLattice? _lattice;
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
    public void SetShare(double rate) => _rate.Rescale(rate);

    /// <summary>
    /// Sets this node's share as its place on the cluster's slot lattice (<see cref="SlotLattice"/>), and the place it
    /// takes from the wall-clock instant <paramref name="switchAt"/> on (a node joining: the slots from then on are
    /// already on the new split, whenever this is called again). When the number of active nodes changes, the log
    /// forgets the completed sends: the nodes switch together, so a node's own sends at the old share say nothing
    /// about the cluster's window any more (kept, they would stall it half a second at a join). Sends still in flight
    /// stay counted until a window after they complete: one held up by a stall arrives late, with the sends of the
    /// new split (forgotten, a join at a stall let 206 arrive in a second at 200/s).
    /// </summary>
    public void SetShare(SlotLattice position, DateTimeOffset? switchAt = null, SlotLattice? next = null)
    {
        ArgumentNullException.ThrowIfNull(position);
        _rate.Rescale(position.Share);
        _bucket.SetLattice(position, switchAt, next);
        lock (_completed)
        {
            if (_lattice is { } before && before.Count != position.Count)
            {
                _completed.Clear();
            }

            _lattice = position;
        }
    }

    /// <summary>No send starts before <paramref name="until"/>; sends may already be on their way to their first slot (a joining node).</summary>
    public void HoldUntil(DateTimeOffset until) => _bucket.HoldUntil(until);

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
    /// back to back. Fractional rates (a node's share) are not rounded down. <paramref name="release"/> names the
    /// release for <see cref="Completed"/> (-1 when not admitted).
    /// </summary>
    internal TimeSpan? Admit(out long release)
    {
        release = -1;
        lock (_completed)
        {
            var now = _clock.Now;
            var rate = _rate.CurrentRate;
            var limit = Math.Max(1, (int)Math.Ceiling(rate - 1e-9));
            var window = TimeSpan.FromSeconds(limit / rate);
            var spacing = TimeSpan.FromSeconds(0.5 / rate);
            while (_completed.Count > 0 && now - _completed.Peek() >= window)
            {
                _completed.Dequeue();
            }

            TimeSpan? later = null;
            var counted = _inFlight + _completed.Count;
            if (counted >= limit)
            {
                // Room comes when enough completed sends are a window old (more than the limit after a rate cut);
                // a send still in flight may arrive any moment, so with too few completed ones, look again shortly.
                var needed = counted - limit + 1;
                later = needed <= _completed.Count
                    ? _completed.ElementAt(needed - 1) + window
                    : now + TimeSpan.FromTicks(Math.Clamp(spacing.Ticks, TimeSpan.TicksPerMillisecond, 5 * TimeSpan.TicksPerMillisecond));
            }

            if (_lastRelease is { } last && now - last < spacing && (later is null || later < last + spacing))
            {
                later = last + spacing;
            }

            if (later is not null)
            {
                return later;
            }

            _inFlight++;
            _lastRelease = now;
            release = 0;
            return null;
        }
    }

    /// <summary>
    /// The send released as <paramref name="release"/> is over (the provider's reply read, or it failed): it counts
    /// in the release log for one more window. Each release is completed once; -1 (not admitted) is ignored.
    /// </summary>
    internal void Completed(long release)
    {
        if (release < 0)
        {
            return;
        }

        lock (_completed)
        {
            _inFlight--;
            _completed.Enqueue(_clock.Now);
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
