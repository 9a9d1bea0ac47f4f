namespace MailTumble.Core.Queue;

/// <summary>
/// Port: wakes this node's idle send workers when work is queued elsewhere (another node, a CLI process), so they need
/// not poll. Work queued in this process wakes them through <see cref="QueueSignal"/> directly. A family whose queue
/// waits by itself (SQS long polling) or that has only one node uses <see cref="InProcessWakeUp"/>.
/// </summary>
public interface IQueueWakeUp
{
    /// <summary>Calls <paramref name="wake"/> whenever work may have been queued elsewhere, until cancelled.</summary>
    Task ListenAsync(Action wake, CancellationToken cancellationToken);
}
