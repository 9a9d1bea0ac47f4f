using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using MailTumble.Testing.Contracts;

namespace MailTumble.Postgres.Tests;

/// <summary>The delivery log and status contract against PostgreSQL, each test in a schema of its own.</summary>
public sealed class PostgresDeliveryLogContractTests : DeliveryLogContract, IAsyncLifetime
{
    private TestSchema? _schema;

    protected override Task<(IOutgoingQueue Queue, IDeliveryStatusStore Status)> CreateAsync(TimeProvider time)
    {
        _schema = new TestSchema();
        var database = _schema.Open();
        return Task.FromResult<(IOutgoingQueue, IDeliveryStatusStore)>((new PostgresOutgoingQueue(database, time), new PostgresDeliveryStatusStore(database, new NodeIdentity())));
    }

    protected override async Task CloseAsync(IOutgoingQueue queue, IDeliveryStatusStore status)
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
