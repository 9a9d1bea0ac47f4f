using System.Buffers;
using MailTumble.Core.Queue;

namespace MailTumble.Core.Storage;

/// <summary>
/// Optional port of a raw store that keeps its bytes in the same database as the outgoing queue (the embedded family):
/// a message's bytes and its queued deliveries are written in one durable transaction, so accepting it waits for one
/// commit instead of two in a row, and a crash can never leave the bytes without their deliveries.
/// </summary>
public interface IQueueingRawStore
{
    /// <summary>Whether a message of <paramref name="length"/> bytes can be stored together with items of <paramref name="queue"/>.</summary>
    bool CanStoreWith(IOutgoingQueue queue, long length);

    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="key"/> and enqueues <paramref name="items"/> in one
    /// transaction; returns only once it is durable. Throws as <see cref="IOutgoingQueue.EnqueueAsync"/> does
    /// (<see cref="QueueFullException"/>, <see cref="StorageFullException"/>); nothing is stored when it throws before
    /// the write was queued.
    /// </summary>
    Task PutAndEnqueueAsync(string key, ReadOnlySequence<byte> content, IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken);
}
