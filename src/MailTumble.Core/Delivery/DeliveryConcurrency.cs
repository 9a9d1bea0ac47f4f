using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Delivery;

/// <summary>
/// How many send workers and how large a lease batch the queue depth justifies at the rate in force
/// (<see cref="ConcurrencyPolicy"/>), from the depth at the last look and the workers' typical turn. Thread-safe: the
/// statistics loop updates it, every worker reads it.
/// </summary>
internal sealed class DeliveryConcurrency(IOptions<DeliveryOptions> options)
{
    private readonly int _max = options.Value.MaxConcurrency;
    private volatile int _desired = 1;
    private volatile int _batchSize = 1;
    private double _latencySeconds = 0.05;
    private long _depth;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The worker count the queue depth currently justifies.</summary>
    public int Desired => _desired;

    /// <summary>
    /// Completes when <see cref="Desired"/> next changes: a worker it leaves out reads this, then <see cref="Desired"/>, and
    /// waits on it (rather than polling).
    /// </summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>How many deliveries one worker leases at a time.</summary>
    public int BatchSize => _batchSize;

    /// <summary>Ready and in-flight items at the last look (the rate budget's demand).</summary>
    public long Depth => Interlocked.Read(ref _depth);

    /// <summary>Sizes the workers for the queue as it is now, sending at <paramref name="rate"/> per second.</summary>
    public void Update(QueueDepth queue, double rate)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var depth = queue.Ready + queue.InFlight;
        Interlocked.Exchange(ref _depth, depth);
        var desired = ConcurrencyPolicy.Desired(depth, rate, TimeSpan.FromSeconds(Volatile.Read(ref _latencySeconds)), _max);
        var before = _desired;
        _desired = desired;
        if (desired != before)
        {
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        _batchSize = ConcurrencyPolicy.BatchSize(queue.Ready, _desired, rate);
    }

    /// <summary>
    /// Records one worker's whole turn without the waits for the budget (send, acknowledgement, clean-up): what sizes
    /// the worker count, so that one is always ready when a slot comes round.
    /// </summary>
    public void RecordTurn(TimeSpan turn)
    {
        var seconds = Math.Max(0, turn.TotalSeconds);
        Volatile.Write(ref _latencySeconds, (Volatile.Read(ref _latencySeconds) * 0.9) + (seconds * 0.1));
    }
}
