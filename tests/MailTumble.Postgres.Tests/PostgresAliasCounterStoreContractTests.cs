using MailTumble.Core.Counters;
using MailTumble.Testing.Contracts;

namespace MailTumble.Postgres.Tests;

/// <summary>The alias counter store contract against PostgreSQL, each test in a schema of its own; "again" is another node.</summary>
public sealed class PostgresAliasCounterStoreContractTests : AliasCounterStoreContract
{
    private TestSchema? _schema;

    protected override Task<IAliasCounterStore> CreateAsync()
    {
        _schema = new TestSchema();
        return Task.FromResult<IAliasCounterStore>(new PostgresAliasCounterStore(_schema.Open()));
    }

    protected override Task<IAliasCounterStore> OpenAgainAsync() =>
        Task.FromResult<IAliasCounterStore>(new PostgresAliasCounterStore(_schema!.Open()));

    protected override async Task CloseAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
