namespace MailTumble.Core.Queue;

/// <summary>
/// Wakes idle send workers when something is enqueued in this process. One waiter (send worker 0) takes the signal
/// (<see cref="WaitAsync"/>: a signal given while nobody waits is kept for the next wait); anyone else who only needs to
/// know that work arrived (the status loop, the lane monitor) waits on <see cref="Activity"/>, which every signal completes.
/// </summary>
public sealed class QueueSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);
    private TaskCompletionSource _activity = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes at the next <see cref="Notify"/>. Read it before looking at the queue, then wait on it: work enqueued
    /// after the look completes it, so nothing is missed.
    /// </summary>
    public Task Activity => Volatile.Read(ref _activity).Task;

    /// <summary>Signals that work may be available.</summary>
    public void Notify()
    {
        try
        {
            if (_semaphore.CurrentCount == 0)
            {
                _semaphore.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }

        Interlocked.Exchange(ref _activity, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Waits for a signal or the timeout (measured on <paramref name="time"/>); returns whether signalled.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        // The timeout runs on the given clock, not the wall clock, so a fake clock drives idle polling in tests.
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await _semaphore.WaitAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
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
