namespace MailTumble.Core.Queue;

/// <summary>Wakes idle send workers when something is enqueued in this process.</summary>
public sealed class QueueSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

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
    }

    /// <summary>Waits for a signal or the timeout; returns whether signalled.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        _ = time;
        return _semaphore.WaitAsync(timeout, cancellationToken);
    }
}
