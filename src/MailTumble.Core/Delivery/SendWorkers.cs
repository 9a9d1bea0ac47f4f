using MailTumble.Core.Fairness;
using MailTumble.Core.Pacing;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Delivery;

/// <summary>
/// The send workers: as many as <see cref="DeliveryConcurrency"/> says are needed lease batches (lane by lane with fair
/// share, else first in, first out), move deliveries for held aliases to the held store, and hand each of the rest to
/// <see cref="DeliveryAttempt"/>. Worker 0 waits for the queue's wake-up signal when idle; a worker the queue depth does
/// not call for waits until <see cref="DeliveryConcurrency.Desired"/> changes. Work an idle poll finds that nobody
/// signalled (queued by another process) is announced on <see cref="QueueSignal.Activity"/>.
/// </summary>
internal sealed partial class SendWorkers(
    IOutgoingQueue queue,
    QueuedHoldMover holds,
    DeliveryAttempt attempt,
    DeliveryConcurrency concurrency,
    SendPacer pacer,
    SendOutQueueOutage outage,
    QueueSignal signal,
    IOptions<DeliveryOptions> options,
    TimeProvider time,
    ILogger<DeliveryService> logger,
    FairLeaser? leaser = null,
    IntakeFirst? intakeFirst = null)
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(20);
    private readonly DeliveryOptions _options = options.Value;
    private int _working;

    /// <summary>
    /// Leased batches a worker is still working on, up to the release of their stored copies (which follows the ack).
    /// With an empty queue, zero means nothing is left to happen: the idle signal tests wait on.
    /// </summary>
    public int BatchesInFlight => Volatile.Read(ref _working);

    /// <summary>Starts <see cref="DeliveryOptions.MaxConcurrency"/> workers; they end when <paramref name="stoppingToken"/> stops them.</summary>
    public IReadOnlyList<Task> Start(CancellationToken stoppingToken) =>
        Enumerable.Range(0, _options.MaxConcurrency).Select(i => Task.Run(() => WorkerAsync(i, stoppingToken), CancellationToken.None)).ToList();

    private async Task WorkerAsync(int index, CancellationToken stoppingToken)
    {
        // Whether the last empty lease was followed by a poll nobody signalled: work found then was queued behind this
        // process's back (another process), so the other waiters on the queue signal have not heard of it either.
        var unannounced = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var desiredChanged = concurrency.Changed;
                if (index >= concurrency.Desired)
                {
                    await desiredChanged.WaitAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }

                if (pacer.IsPaused(out _))
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                // Fair share picks lane by lane (deficit round robin); without it, first in, first out.
                var batch = leaser is null
                    ? await queue.LeaseAsync(concurrency.BatchSize, _options.LeaseTime, stoppingToken).ConfigureAwait(false)
                    : await leaser.LeaseAsync(concurrency.BatchSize, _options.LeaseTime, stoppingToken).ConfigureAwait(false);
                outage.Worked();
                if (batch.Count == 0)
                {
                    if (index == 0)
                    {
                        unannounced = !await signal.WaitAsync(_options.IdlePoll, time, stoppingToken).ConfigureAwait(false);
                    }
                    else
                    {
                        var activity = signal.Activity;
                        await Task.Delay(_options.IdlePoll, time, stoppingToken).ConfigureAwait(false);
                        unannounced = !activity.IsCompleted;
                    }

                    continue;
                }

                if (unannounced)
                {
                    // Wake the status loop and the lane monitor, which wait on the signal while the queue is empty.
                    unannounced = false;
                    signal.NotifyActivity();
                }

                Interlocked.Increment(ref _working);
                try
                {
                    await ProcessBatchAsync(batch, stoppingToken).ConfigureAwait(false);

                    // Every item is acked, retried, dead lettered, moved or released: its lease needs no keeping alive.
                    queue.Finished(batch);
                }
                finally
                {
                    Interlocked.Decrement(ref _working);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (StorageFullException)
            {
                // Not even the reserve had room for the lease; the storage says so once a minute. Try again shortly.
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (QueueUnavailableException ex)
            {
                await outage.FailedAsync(ex, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogWorkerFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task ProcessBatchAsync(IReadOnlyList<LeasedItem> leasedBatch, CancellationToken stoppingToken)
    {
        var batch = await holds.MoveHeldAsync(leasedBatch, stoppingToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            if (stoppingToken.IsCancellationRequested || pacer.IsPaused(out _))
            {
                // Hand the rest back at once rather than letting their leases run out.
                await queue.ReleaseAsync(batch.Skip(i).Select(b => b.Leased).ToList(), CancellationToken.None).ConfigureAwait(false);
                return;
            }

            // A burst coming in has the machine first: the send-out keeps to its share of it until it is over.
            await YieldToIntakeAsync(stoppingToken).ConfigureAwait(false);

            // An in-flight send is allowed to finish on shutdown, within a grace period.
            using var grace = new CancellationTokenSource();
            using var registration = stoppingToken.Register(() => grace.CancelAfter(ShutdownGrace));
            try
            {
                await attempt.RunAsync(batch[i].Leased, batch[i].Lookup, stoppingToken, grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await queue.ReleaseAsync(batch.Skip(i).Select(b => b.Leased).ToList(), CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task YieldToIntakeAsync(CancellationToken stoppingToken)
    {
        if (intakeFirst is null)
        {
            return;
        }

        var turn = intakeFirst.TakeTurn(pacer.CurrentRate);
        if (turn == TimeSpan.Zero)
        {
            return;
        }

        intakeFirst.Yielded();
        while (turn is null)
        {
            await Task.Delay(IntakeFirst.LookAgain, time, stoppingToken).ConfigureAwait(false);
            turn = intakeFirst.TakeTurn(pacer.CurrentRate);
        }

        if (turn.Value > TimeSpan.Zero)
        {
            await Task.Delay(turn.Value, time, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 1090, Level = LogLevel.Error, Message = "Send worker failed; retrying in a second")]
    private static partial void LogWorkerFailed(ILogger logger, Exception exception);
}
