namespace MailTumble.Core.Pacing;

/// <summary>A rolling 24-hour send quota (as SES counts it): room frees up as old sends age out.</summary>
public sealed class DailyQuota
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private readonly Queue<DateTimeOffset> _sends = new();
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    /// <summary>Creates a quota of <paramref name="limit"/> sends per rolling day.</summary>
    public DailyQuota(int limit, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
        _time = time;
    }

    /// <summary>Sends allowed per rolling day.</summary>
    public int Limit { get; }

    /// <summary>Sends in the last 24 hours.</summary>
    public int Used
    {
        get
        {
            lock (_gate)
            {
                Trim(_time.GetUtcNow());
                return _sends.Count;
            }
        }
    }

    /// <summary>Counts sends made before this process started (from the delivery log).</summary>
    public void Seed(IEnumerable<DateTimeOffset> sends)
    {
        lock (_gate)
        {
            foreach (var send in sends.Order())
            {
                _sends.Enqueue(send);
            }

            Trim(_time.GetUtcNow());
        }
    }

    /// <summary>Takes one send from the quota, or says when the next one frees up.</summary>
    public bool TryAcquire(out DateTimeOffset retryAt)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Trim(now);
            if (_sends.Count < Limit)
            {
                _sends.Enqueue(now);
                retryAt = now;
                return true;
            }

            retryAt = _sends.Peek() + Day;
            return false;
        }
    }

    private void Trim(DateTimeOffset now)
    {
        while (_sends.Count > 0 && now - _sends.Peek() >= Day)
        {
            _sends.Dequeue();
        }
    }
}
