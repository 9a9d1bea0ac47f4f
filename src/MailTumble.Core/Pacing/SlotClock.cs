using System.Diagnostics;

namespace MailTumble.Core.Pacing;

/// <summary>
/// The pacing clock: monotonic instants (time since the clock was made, from <see cref="TimeProvider.GetTimestamp"/>,
/// so a wall-clock step neither stalls nor bursts the sends) and waits to them with millisecond precision.
/// <c>Task.Delay</c> wakes 1.5 ms late on average and 5 ms late at the 99th percentile (measured here), which at 200
/// sends per second is a whole slot and bunches sends at the provider. On the system clock one background thread
/// sleeps to the earliest waiter instead (about 0.6 ms late, rarely more than 1.2 ms); with any other
/// <see cref="TimeProvider"/> (tests) it falls back to <c>Task.Delay</c> on that provider, so fake time drives it.
/// A release wait (<see cref="WaitForReleaseAsync"/>) resumes its waiter on that clock thread itself, not through the
/// thread pool: while intake saturates the pool its queue holds a resumed send back by 100 ms and more, which bunches
/// sends at the provider.
/// </summary>
public sealed class SlotClock
{
    private static readonly Lazy<PreciseTimer> SystemTimer = new(() => new PreciseTimer(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly List<TimeSpan> _releaseWaits = [];

    /// <summary>Creates a clock on <paramref name="time"/>.</summary>
    public SlotClock(TimeProvider time)
    {
        _time = time;
        _origin = time.GetTimestamp();
    }

    /// <summary>The clock's time provider.</summary>
    public TimeProvider Time => _time;

    /// <summary>The current instant: time elapsed since the clock was made.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_origin);

    /// <summary>Completes at the instant <paramref name="when"/> (at once if it has passed); the waiter resumes on the thread pool.</summary>
    public Task WaitUntilAsync(TimeSpan when, CancellationToken cancellationToken) => Wait(when, inline: false, cancellationToken);

    /// <summary>
    /// Completes at the instant <paramref name="when"/>, and on the system clock runs the waiter's continuation on the
    /// clock thread: for the few microseconds between a send's slot and its content reaching the socket (the waiter
    /// must not block; it gives the thread back at its first real wait, the provider's reply).
    /// </summary>
    public Task WaitForReleaseAsync(TimeSpan when, CancellationToken cancellationToken) => Wait(when, inline: true, cancellationToken);

    private Task Wait(TimeSpan when, bool inline, CancellationToken cancellationToken)
    {
        var wait = when - Now;
        if (wait <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        if (ReferenceEquals(_time, TimeProvider.System))
        {
            return SystemTimer.Value.WaitUntilAsync(Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency), inline, cancellationToken);
        }

        return inline ? ProviderReleaseDelayAsync(when, wait, cancellationToken) : Task.Delay(wait, _time, cancellationToken);
    }

    /// <summary>
    /// The earliest instant a release wait on a provider other than the system clock is waiting for (null when none):
    /// lets a test on a fake clock move it exactly to the next release and wait on that fact.
    /// </summary>
    internal TimeSpan? EarliestReleaseWait
    {
        get
        {
            lock (_releaseWaits)
            {
                return _releaseWaits.Count == 0 ? null : _releaseWaits.Min();
            }
        }
    }

    // A timer on the injected provider (tests), tracked in _releaseWaits until its waiter has resumed.
    private async Task ProviderReleaseDelayAsync(TimeSpan when, TimeSpan wait, CancellationToken cancellationToken)
    {
        // The timer first, then the entry: a test that sees the entry moves the clock to it, and a timer made after
        // that move would be due a whole wait later than the instant it stands for.
        var delay = Task.Delay(wait, _time, cancellationToken);
        lock (_releaseWaits)
        {
            _releaseWaits.Add(when);
        }

        try
        {
            await delay.ConfigureAwait(false);
        }
        finally
        {
            lock (_releaseWaits)
            {
                _releaseWaits.Remove(when);
            }
        }
    }

    /// <summary>One thread, a heap of due timestamps, and a sleep to the earliest; its waiters resume on the thread pool, or on it (release waits).</summary>
    private sealed class PreciseTimer
    {
        private readonly PriorityQueue<TaskCompletionSource, long> _due = new();
        private readonly object _gate = new(); // Monitor.Wait/Pulse need a monitor, not a Lock

        public PreciseTimer()
        {
            var thread = new Thread(Run) { IsBackground = true, Name = "MailTumble send clock" };
            thread.Start();
        }

        public Task WaitUntilAsync(long dueTimestamp, bool inline, CancellationToken cancellationToken)
        {
            var done = new TaskCompletionSource(inline ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _due.Enqueue(done, dueTimestamp);
                Monitor.PulseAll(_gate);
            }

            return cancellationToken.CanBeCanceled ? WithCancellationAsync(done, cancellationToken) : done.Task;
        }

        private static async Task WithCancellationAsync(TaskCompletionSource done, CancellationToken cancellationToken)
        {
            // The entry stays in the heap until due; completing it twice is harmless.
            using (cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource)state!).TrySetCanceled(token), done))
            {
                await done.Task.ConfigureAwait(false);
            }
        }

        private void Run()
        {
            var ready = new List<TaskCompletionSource>();
            while (true)
            {
                lock (_gate)
                {
                    while (true)
                    {
                        var now = Stopwatch.GetTimestamp();
                        while (_due.TryPeek(out var waiter, out var due) && due <= now)
                        {
                            _due.Dequeue();
                            ready.Add(waiter);
                        }

                        if (ready.Count > 0)
                        {
                            break;
                        }

                        // Rounded up to whole milliseconds: never early, and a sleep wakes about half a millisecond late.
                        var sleep = _due.TryPeek(out _, out var next)
                            ? (int)Math.Clamp(Math.Ceiling((next - now) * 1000.0 / Stopwatch.Frequency), 1, int.MaxValue)
                            : Timeout.Infinite;
                        Monitor.Wait(_gate, sleep);
                    }
                }

                foreach (var waiter in ready)
                {
                    // A release waiter's continuation runs right here (an async method's: what it throws goes to its task).
                    waiter.TrySetResult();
                }

                ready.Clear();
            }
        }
    }
}
