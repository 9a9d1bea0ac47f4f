namespace MailTumble.Core.Queue;

/// <summary>
/// No wake-up from outside this process: enqueues here signal <see cref="QueueSignal"/> directly, and anything queued
/// by another process is found by the idle poll (<c>MailTumble:Outbound:IdlePoll</c>) or the queue's own long poll.
/// </summary>
public sealed class InProcessWakeUp : IQueueWakeUp
{
    /// <inheritdoc />
    public Task ListenAsync(Action wake, CancellationToken cancellationToken) => Task.CompletedTask;
}
