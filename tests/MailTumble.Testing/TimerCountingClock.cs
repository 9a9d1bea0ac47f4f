using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Testing;

/// <summary>
/// A fake clock (a <see cref="FakeTimeProvider"/> underneath) that counts the timers made on it and those still
/// pending (neither fired, for a one-shot timer, nor disposed), so a test can show that an idle loop has no timer set,
/// and wait until a loop has set its next one before moving the clock.
/// </summary>
public sealed class TimerCountingClock(DateTimeOffset start) : TimeProvider
{
    private readonly FakeTimeProvider _fake = new(start);
    private int _created;
    private int _pending;

    /// <summary>Timers made so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Timers that may still fire.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <inheritdoc />
    public override long TimestampFrequency => _fake.TimestampFrequency;

    /// <summary>Moves the clock on, firing the timers due meanwhile.</summary>
    public void Advance(TimeSpan span) => _fake.Advance(span);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

    /// <inheritdoc />
    public override long GetTimestamp() => _fake.GetTimestamp();

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Interlocked.Increment(ref _created);
        var timer = new CountedTimer(this, period);
        timer.Arm(dueTime);
        timer.Inner = _fake.CreateTimer(
            s =>
            {
                timer.Fired();
                callback(s);
            },
            state,
            dueTime,
            period);
        return timer;
    }

    private sealed class CountedTimer(TimerCountingClock clock, TimeSpan period) : ITimer
    {
        private TimeSpan _period = period;
        private int _armed;

        public ITimer? Inner { get; set; }

        public void Arm(TimeSpan dueTime)
        {
            if (dueTime != Timeout.InfiniteTimeSpan && Interlocked.Exchange(ref _armed, 1) == 0)
            {
                Interlocked.Increment(ref clock._pending);
            }
            else if (dueTime == Timeout.InfiniteTimeSpan)
            {
                Disarm();
            }
        }

        public void Fired()
        {
            if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
            {
                Disarm();
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            Arm(dueTime);
            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            Disarm();
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Disarm()
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Interlocked.Decrement(ref clock._pending);
            }
        }
    }
}
