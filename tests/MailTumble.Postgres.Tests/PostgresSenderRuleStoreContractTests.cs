using MailTumble.Core.Moderation;
using MailTumble.Testing.Contracts;

namespace MailTumble.Postgres.Tests;

/// <summary>The sender rule store contract against PostgreSQL, each test in a schema of its own.</summary>
public sealed class PostgresSenderRuleStoreContractTests : SenderRuleStoreContract, IAsyncLifetime
{
    private TestSchema? _schema;

    protected override Task<ISenderRuleStore> CreateAsync(TimeProvider time)
    {
        _schema = new TestSchema();
        return Task.FromResult<ISenderRuleStore>(new PostgresSenderRuleStore(_schema.Open(), time));
    }

    protected override Task CloseAsync(ISenderRuleStore store) => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
