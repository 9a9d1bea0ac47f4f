namespace MailTumble.Core.Pacing;

/// <summary>Counts events in the last minute, in one-second buckets.</summary>
public sealed class SlidingCounter
{
    private readonly long[] _buckets = new long[60];
    private readonly long[] _seconds = new long[60];
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    /// <summary>Creates a counter on <paramref name="time"/>.</summary>
    public SlidingCounter(TimeProvider time) => _time = time;

    /// <summary>Counts one event now.</summary>
    public void Increment()
    {
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(second % 60);
        lock (_gate)
        {
            if (_seconds[slot] != second)
            {
                _seconds[slot] = second;
                _buckets[slot] = 0;
            }

            _buckets[slot]++;
        }
    }

    /// <summary>Events in the last 60 seconds.</summary>
    public long LastMinute
    {
        get
        {
            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            long total = 0;
            lock (_gate)
            {
                for (var i = 0; i < 60; i++)
                {
                    if (now - _seconds[i] < 60)
                    {
                        total += _buckets[i];
                    }
                }
            }

            return total;
        }
    }
}
