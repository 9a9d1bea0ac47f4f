namespace MailTumble.Core.Queue;

/// <summary>
/// Port: the durable outgoing queue. At-least-once: a lease that runs out makes the item visible again,
/// and every item keeps its id so a redelivery is recognisable.
/// </summary>
/// <remarks>
/// <para><b>Lanes.</b> Every item belongs to a lane (<see cref="OutgoingItem.Lane"/>, an opaque key Core chose at receive
/// time, e.g. the sender's domain) and is either bulk or not (<see cref="OutgoingItem.Bulk"/>). A queue stores both with
/// the item and returns them unchanged from every lease, retry, release, dead letter and replay. Core decides which lane
/// goes next (deficit round robin, in recipients: one item is one recipient); the queue only gives it fast access per
/// lane. <see cref="LaneAccess"/> says which kind of queue this is. A queue whose service isolates lanes itself (SQS fair
/// queues) is <see cref="Queue.LaneAccess.Native"/>: it hands the lane key to the service (SQS: <c>MessageGroupId</c>),
/// Core leases with <see cref="LeaseAsync"/>, and the per-lane members throw <see cref="NotSupportedException"/>.
/// Every other queue is <see cref="Queue.LaneAccess.PerLane"/> and implements them as follows.</para>
/// <list type="bullet">
/// <item><description>An item is <i>due</i> when <see cref="LeaseAsync"/> would return it now: it is not leased (or its
/// lease ran out) and its retry time has passed. A lane is due when at least one of its items is due.</description></item>
/// <item><description><i>Lane order</i>, the order in which one lane's items are leased: non-bulk before bulk; within
/// each, items with a <see cref="OutgoingItem.Priority"/> above zero (approved by an operator) first, then by the time the
/// item became due (arrival for new mail, the retry or release time otherwise), then by arrival.</description></item>
/// <item><description>Lane keys are compared byte-wise (ordinal, as UTF-8; in SQL use a binary collation such as
/// <c>COLLATE "C"</c>), so every call sees the same total order of lanes.</description></item>
/// <item><description>None of the lane members may scan the queue's items to find lanes or count them: their cost grows
/// with the number of lanes they return or skip (kept in a lane table or index maintained with the items), never with
/// the depth of the queue. <see cref="GetLaneStatsAsync"/> is the exception: it may count the named lanes' items.</description></item>
/// </list>
/// </remarks>
public interface IOutgoingQueue
{
    /// <summary>Stores the items durably; returns only once they are on disk. Throws <see cref="QueueFullException"/> under overload.</summary>
    Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken);

    /// <summary>Leases up to <paramref name="max"/> due items for <paramref name="visibility"/>.</summary>
    Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>Marks a leased item delivered (or dropped). Returns true when no item refers to its message any more.</summary>
    Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken);

    /// <summary>Puts a leased item back, due again at <paramref name="notBefore"/>.</summary>
    Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken);

    /// <summary>Gives up on a leased item: it moves to the dead-letter store with the reason.</summary>
    Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Stores new items straight in the dead-letter store with the reason (never sent unless replayed).
    /// Used for mail that must be kept but not forwarded, such as a relay loop; durable on return.
    /// </summary>
    Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Tells the queue that the send-out is done with a leased batch: every item in it was acknowledged, retried, dead
    /// lettered or released, so the leases it was taken under need no renewal any more (a queue that renews a lease per
    /// batch stops watching it). Not called for a batch a worker gave up on with an error: those leases are kept alive up
    /// to the maximum hold, as for a hung worker.
    /// </summary>
    void Finished(IReadOnlyList<LeasedItem> batch)
    {
    }

    /// <summary>Makes leased items visible again at once (used on shutdown).</summary>
    Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken);

    /// <summary>Counts ready, in-flight, deferred and dead items.</summary>
    Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Counts ready, in-flight and deferred items, the same as <see cref="GetStatsAsync"/> does. For pollers that need only
    /// the depth (the send-out's status loop, the console's history): a queue whose statistics cost more than counting its
    /// items (dead letters, the last minute's deliveries) counts only the items here.
    /// </summary>
    async Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken)
    {
        var stats = await GetStatsAsync(cancellationToken).ConfigureAwait(false);
        return new QueueDepth(stats.Ready, stats.InFlight, stats.Deferred);
    }

    /// <summary>When the next deferred item becomes due, if any.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>How this queue takes part in fair scheduling; see the remarks on <see cref="IOutgoingQueue"/>.</summary>
    LaneAccess LaneAccess { get; }

    /// <summary>
    /// Due lanes in lane-key order, starting after <paramref name="after"/> (exclusive; null starts at the first lane),
    /// at most <paramref name="limit"/>. A scheduler walks the lanes round robin by calling this from where it stopped
    /// and, at the end, again from null.
    /// </summary>
    Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Leases, for each take, up to <see cref="LaneTake.Max"/> due items of its lane in lane order (fewer when the lane has
    /// fewer due items, none for a lane with none), all for <paramref name="visibility"/> under one lease token, in one
    /// atomic step. Returns them grouped by take, in the takes' order, lane order within each group.
    /// </summary>
    Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken);

    /// <summary>
    /// Lane totals and per-lane depth from counters maintained with the items (no scan of items): the lanes at least
    /// <see cref="LaneCensusQuery.MinDepth"/> deep, deepest first (ties by key), at most <see cref="LaneCensusQuery.Limit"/>
    /// of them, followed by the <see cref="LaneCensusQuery.Named"/> lanes not already listed that hold items.
    /// </summary>
    Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken);

    /// <summary>Ready, in-flight, deferred and bulk counts and the oldest item of each named lane that holds items, in the order asked.</summary>
    Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken);

    /// <summary>Lists dead letters, newest first.</summary>
    Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Moves dead letters back into the queue (all when <paramref name="ids"/> is null); returns how many.</summary>
    Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken);
}
