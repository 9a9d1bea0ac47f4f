namespace MailTumble.Core.Queue;

/// <summary>
/// Port: the durable outgoing queue. At-least-once: a lease that runs out makes the item visible again,
/// and every item keeps its id so a redelivery is recognisable.
/// </summary>
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

    /// <summary>Makes leased items visible again at once (used on shutdown).</summary>
    Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken);

    /// <summary>Counts ready, in-flight, deferred and dead items.</summary>
    Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>When the next deferred item becomes due, if any.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    /// <summary>Lists dead letters, newest first.</summary>
    Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Moves dead letters back into the queue (all when <paramref name="ids"/> is null); returns how many.</summary>
    Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken);
}
