using MailTumble.Core.Queue;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Fairness;

/// <summary>
/// Leases for the send-out stage: by <see cref="LaneScheduler"/> over a <see cref="LaneAccess.PerLane"/> queue, or first
/// in, first out (<see cref="IOutgoingQueue.LeaseAsync"/>) when fairness is off or the queue service isolates lanes itself.
/// One lease at a time, so the round robin sees every result before planning the next.
/// </summary>
public sealed class FairLeaser : IDisposable
{
    private readonly IOutgoingQueue _queue;
    private readonly LaneScheduler _scheduler;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates the leaser from the fairness settings.</summary>
    public FairLeaser(IOutgoingQueue queue, IOptions<FairnessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        var settings = options.Value;
        Enabled = settings.Enabled && queue.LaneAccess == LaneAccess.PerLane;
        _scheduler = new LaneScheduler(settings.Weight);
    }

    /// <summary>Whether leases go lane by lane (fairness on and a per-lane queue).</summary>
    public bool Enabled { get; }

    /// <summary>Leases up to <paramref name="max"/> items: fairly across lanes, in round-robin visiting order.</summary>
    public async Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return await _queue.LeaseAsync(max, visibility, cancellationToken).ConfigureAwait(false);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var limit = Math.Max(4 * max, 32);
            var cursor = _scheduler.Cursor;
            var after = await _queue.ListDueLanesAsync(cursor, limit, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<string> wrap = [];
            var complete = false;
            if (after.Count < limit)
            {
                if (cursor is null)
                {
                    complete = true;
                }
                else
                {
                    wrap = await _queue.ListDueLanesAsync(null, limit, cancellationToken).ConfigureAwait(false);
                    var listed = new HashSet<string>(after, StringComparer.Ordinal) { cursor };
                    complete = wrap.Count < limit || wrap.Any(listed.Contains);
                }
            }

            var plan = _scheduler.Plan(max, after, wrap, complete);
            if (plan.IsEmpty)
            {
                return [];
            }

            var leased = await _queue.LeaseLanesAsync(plan.Takes, visibility, cancellationToken).ConfigureAwait(false);
            _scheduler.Commit(plan, leased);
            return plan.Arrange(leased);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}
