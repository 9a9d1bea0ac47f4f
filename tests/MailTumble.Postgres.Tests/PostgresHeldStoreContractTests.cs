using MailTumble.Core.Moderation;
using MailTumble.Testing.Contracts;

namespace MailTumble.Postgres.Tests;

/// <summary>The held store contract against PostgreSQL, each test in a schema of its own.</summary>
public sealed class PostgresHeldStoreContractTests : HeldStoreContract, IAsyncLifetime
{
    private TestSchema? _schema;

    protected override Task<IHeldStore> CreateAsync(TimeProvider time)
    {
        _schema = new TestSchema();
        return Task.FromResult<IHeldStore>(new PostgresHeldStore(_schema.Open()));
    }

    protected override Task CloseAsync(IHeldStore store) => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
