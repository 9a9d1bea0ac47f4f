using MailTumble.Core.Storage;
using MailTumble.Testing.Contracts;

namespace MailTumble.Postgres.Tests;

/// <summary>The raw store contract against PostgreSQL (messages larger than a chunk included), in a schema of its own.</summary>
public sealed class PostgresRawStoreContractTests : RawStoreContract, IAsyncLifetime
{
    private TestSchema? _schema;
    private PostgresRawStore? _store;

    protected override IRawStore Store => _store ??= new PostgresRawStore((_schema ??= new TestSchema()).Open(), TimeProvider.System);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
