namespace MailTumble.Core.Pacing;

/// <summary>
/// Additive-increase / multiplicative-decrease of the send rate: a throttling reply cuts the rate,
/// a quiet spell lets it grow back toward the configured maximum.
/// </summary>
public sealed class RateController
{
    private readonly TokenBucket _bucket;
    private readonly double _max;
    private readonly TimeProvider _time;
    private readonly TimeSpan _quietPeriod;
    private readonly Lock _gate = new();
    private DateTimeOffset _lastChange;

    /// <summary>Creates a controller driving <paramref name="bucket"/>.</summary>
    public RateController(TokenBucket bucket, double maxRate, TimeProvider time, TimeSpan? quietPeriod = null)
    {
        _bucket = bucket;
        _max = maxRate;
        _time = time;
        _quietPeriod = quietPeriod ?? TimeSpan.FromSeconds(5);
        _lastChange = time.GetUtcNow();
    }

    /// <summary>The rate in force.</summary>
    public double CurrentRate => _bucket.Rate;

    /// <summary>Called on a throttling reply: multiplicative decrease (at most once per half quiet period).</summary>
    public void OnThrottled()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (now - _lastChange < _quietPeriod / 2 && _bucket.Rate < _max)
            {
                return;
            }

            _bucket.Rate = Math.Max(_max / 100, _bucket.Rate * 0.7);
            _lastChange = now;
        }
    }

    /// <summary>Called on a success: additive increase after a quiet period.</summary>
    public void OnSuccess()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_bucket.Rate >= _max || now - _lastChange < _quietPeriod)
            {
                return;
            }

            _bucket.Rate = Math.Min(_max, _bucket.Rate + Math.Max(_max * 0.05, 0.1));
            _lastChange = now;
        }
    }
}
