using MailTumble.Core.Queue;
using MailTumble.Testing.Contracts;

namespace MailTumble.Postgres.Tests;

/// <summary>The queue contract (including lanes and fair share) against PostgreSQL, each test on a schema of its own.</summary>
public sealed class PostgresOutgoingQueueContractTests : OutgoingQueueContract, IAsyncLifetime
{
    private TestSchema? _schema;

    protected override Task<IOutgoingQueue> CreateAsync(TimeProvider time, bool reopen)
    {
        _schema ??= new TestSchema();
        return Task.FromResult<IOutgoingQueue>(new PostgresOutgoingQueue(_schema.Open(), time));
    }

    protected override async Task CloseAsync(IOutgoingQueue queue)
    {
        if (queue is PostgresOutgoingQueue postgres)
        {
            await postgres.DisposeAsync();
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
