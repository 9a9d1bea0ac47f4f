namespace MailTumble.Core.Queue;

/// <summary>
/// Wakes idle send workers when something is enqueued in this process. One waiter (send worker 0) takes the signal
/// (<see cref="WaitAsync"/>: a signal given while nobody waits is kept for the next wait); anyone else who only needs to
/// know that work arrived (the status loop, the lane monitor) waits on <see cref="Activity"/>, which every signal completes.
/// </summary>
public sealed class QueueSignal
{
    // One signal kept for the next WaitAsync (1) or none (0): a count of at most one, as a semaphore of one would keep.
    private int _pending;
    private TaskCompletionSource _activity = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes at the next <see cref="Notify"/> or <see cref="NotifyActivity"/>. Read it before looking at the queue,
    /// then wait on it: work enqueued after the look completes it, so nothing is missed.
    /// </summary>
    public Task Activity => Volatile.Read(ref _activity).Task;

    /// <summary>Signals that work may be available.</summary>
    public void Notify()
    {
        // Set before the activity completes, so a waiter woken by it (or reading the new one) finds the signal.
        Interlocked.Exchange(ref _pending, 1);
        NotifyActivity();
    }

    /// <summary>
    /// Completes <see cref="Activity"/> without a signal for <see cref="WaitAsync"/>: a send worker that found work nobody
    /// announced (queued by another process) tells the other waiters, having the work itself.
    /// </summary>
    public void NotifyActivity() =>
        Interlocked.Exchange(ref _activity, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for a signal or the timeout (measured on <paramref name="time"/>); returns whether signalled.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        cancellationToken.ThrowIfCancellationRequested();

        // The timeout runs on the given clock, not the wall clock, so a fake clock drives idle polling in tests. No
        // semaphore, token source or exception per wait: the idle worker waits like this once a poll interval.
        var started = time.GetTimestamp();
        while (true)
        {
            var activity = Activity;
            if (Interlocked.Exchange(ref _pending, 0) == 1)
            {
                return true;
            }

            var left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - time.GetElapsedTime(started);
            if (left > TimeSpan.Zero || left == Timeout.InfiniteTimeSpan)
            {
                await activity.WaitAsync(left, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!activity.IsCompleted)
            {
                // Timed out; a signal given at that very moment counts as in time.
                return Interlocked.Exchange(ref _pending, 0) == 1;
            }

            // Woken by activity: take its signal unless another waiter (or a NotifyActivity) left none.
        }
    }

    /// <summary>
    /// Waits until <paramref name="activity"/> (an <see cref="Activity"/> read earlier) completes or
    /// <paramref name="timeout"/> passes on <paramref name="time"/>; throws only when <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static async Task WaitForActivityAsync(Task activity, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activity);
        await activity.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
