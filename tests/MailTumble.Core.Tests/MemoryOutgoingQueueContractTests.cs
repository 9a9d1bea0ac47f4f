using MailTumble.Core.Queue;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Core.Tests;

/// <summary>The in-memory queue the scheduler tests use passes the same contract as the real adapters.</summary>
public sealed class MemoryOutgoingQueueContractTests : OutgoingQueueContract
{
    private MemoryOutgoingQueue? _queue;

    protected override Task<IOutgoingQueue> CreateAsync(TimeProvider time, bool reopen) =>
        Task.FromResult<IOutgoingQueue>(_queue = reopen && _queue is not null ? _queue : new MemoryOutgoingQueue(time));

    protected override Task CloseAsync(IOutgoingQueue queue) => Task.CompletedTask;
}
