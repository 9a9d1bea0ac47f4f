namespace MailTumble.Core.Pacing;

/// <summary>
/// Throttle discovery, additive-increase / multiplicative-decrease: a throttling reply cuts the rate
/// to just under what the provider demonstrably accepted in the last second (never more than a fixed
/// fraction of the current rate); a quiet spell lets it grow back in small steps toward the maximum.
/// After a cut, sending holds briefly so the provider's rolling count drains instead of throttling
/// the sends of the next second; the rate then stays at 95% of the discovered limit, probing above it
/// only after twenty quiet periods. A provider whose real limit is below the configured
/// one is found within a second or two, and probing above it costs a few throttled attempts.
/// </summary>
public sealed class RateController
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

    // Long enough for a provider's one-second count to fall below the cut rate, short enough to lose little.
    private static readonly TimeSpan Hold = TimeSpan.FromMilliseconds(500);
    private readonly TokenBucket _bucket;
    private double _max;
    private double _min;
    private double _step;
    private readonly TimeProvider _time;
    private readonly TimeSpan _quietPeriod;
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _recentSuccesses = new();
    private readonly TimeSpan _probeInterval;
    private double? _ceiling;
    private DateTimeOffset _lastChange;
    private DateTimeOffset _lastCut = DateTimeOffset.MinValue;

    /// <summary>Creates a controller driving <paramref name="bucket"/>.</summary>
    public RateController(TokenBucket bucket, double maxRate, TimeProvider time, TimeSpan? quietPeriod = null)
    {
        _bucket = bucket;
        _max = maxRate;
        _min = Math.Min(maxRate, Math.Max(0.05, maxRate / 100));
        _step = Math.Max(0.5, maxRate * 0.02);
        _time = time;
        _quietPeriod = quietPeriod ?? TimeSpan.FromSeconds(3);
        _probeInterval = _quietPeriod * 20;
        _lastChange = time.GetUtcNow();
    }

    /// <summary>The rate in force.</summary>
    public double CurrentRate => _bucket.Rate;

    /// <summary>The configured maximum.</summary>
    public double MaxRate => _max;

    /// <summary>
    /// Changes the maximum (this node's share of a rate shared with others). The rate in force, and the ceiling throttle
    /// discovery found, scale with it: a node cut to 80% of its share stays at 80% of the new one.
    /// </summary>
    public void Rescale(double maxRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRate);
        lock (_gate)
        {
            var factor = maxRate / _max;
            if (Math.Abs(factor - 1) < 1e-9)
            {
                return;
            }

            _max = maxRate;
            _min = Math.Min(maxRate, Math.Max(0.05, maxRate / 100));
            _step = Math.Max(0.5, maxRate * 0.02);
            _bucket.Rate = Math.Clamp(_bucket.Rate * factor, _min, _max);
            _ceiling *= factor;
        }
    }

    /// <summary>Called on a throttling reply. Replies to sends already under way when the first came do not cut again.</summary>
    public void OnThrottled()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (now - _lastCut < Window)
            {
                return;
            }

            Trim(now);
            var accepted = _recentSuccesses.Count;

            // Remember where the provider pushed back; growing past it again is a probe, made rarely.
            _ceiling = accepted > 0 ? accepted : _bucket.Rate;
            var cut = accepted > 0 ? Math.Min(_bucket.Rate * 0.85, accepted * 0.95) : _bucket.Rate * 0.5;
            _bucket.Rate = Math.Max(_min, cut);
            _bucket.HoldFor(Hold);
            _lastCut = now;
            _lastChange = now;
        }
    }

    /// <summary>Called on a success: after a quiet period, one additive step up.</summary>
    public void OnSuccess()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _recentSuccesses.Enqueue(now);
            Trim(now);
            if (_bucket.Rate >= _max)
            {
                return;
            }

            // Below the last ceiling: climb back in quiet-period steps. At it: probe one step higher, rarely.
            var cap = _ceiling is { } ceiling ? Math.Min(_max, ceiling * 0.95) : _max;
            if (_bucket.Rate < cap)
            {
                if (now - _lastChange < _quietPeriod)
                {
                    return;
                }

                _bucket.Rate = Math.Min(cap, _bucket.Rate + _step);
            }
            else
            {
                if (now - _lastChange < _probeInterval)
                {
                    return;
                }

                _bucket.Rate = Math.Min(_max, _bucket.Rate + _step);
                _ceiling = _bucket.Rate / 0.95;
            }

            _lastChange = now;
        }
    }

    private void Trim(DateTimeOffset now)
    {
        while (_recentSuccesses.Count > 0 && now - _recentSuccesses.Peek() > Window)
        {
            _recentSuccesses.Dequeue();
        }
    }
}
