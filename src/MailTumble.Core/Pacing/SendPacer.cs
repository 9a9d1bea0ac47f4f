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
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private string? _pauseReason;

    /// <summary>Creates a pacer for the configured rate and quota.</summary>
    public SendPacer(DeliveryOptions options, TimeProvider time)
    {
        _time = time;
        // Each of several processes on one queue takes its share of the provider's rate.
        _bucket = new TokenBucket(options.ProcessSendRate, 1, time);
        _rate = new RateController(_bucket, options.ProcessSendRate, time);
        _quota = options.DailyQuota is { } limit ? new DailyQuota(limit, time) : null;
        _sent = new SlidingCounter(time);
        _throttled = new SlidingCounter(time);
        _failed = new SlidingCounter(time);
    }

    /// <summary>The rate in force.</summary>
    public double CurrentRate => _rate.CurrentRate;

    /// <summary>The daily quota, if one is set.</summary>
    public DailyQuota? Quota => _quota;

    /// <summary>Whether sending is paused now, and until when.</summary>
    public bool IsPaused(out DateTimeOffset until)
    {
        lock (_gate)
        {
            until = _pausedUntil;
            return _time.GetUtcNow() < _pausedUntil;
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
    /// Waits for this send's turn. False when sending is paused (or the quota is spent): the caller
    /// hands the delivery back instead of sending it.
    /// </summary>
    public async ValueTask<bool> WaitTurnAsync(CancellationToken cancellationToken)
    {
        if (IsPaused(out _))
        {
            return false;
        }

        if (_quota is not null && !_quota.TryAcquire(out var retryAt))
        {
            PauseUntil(retryAt, $"daily quota of {_quota.Limit} spent");
            return false;
        }

        await _bucket.WaitAsync(1, cancellationToken).ConfigureAwait(false);
        return true;
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
