using MailTumble.Aws.Moderation;
using MailTumble.Core.Moderation;
using MailTumble.Testing.Contracts;

namespace MailTumble.Aws.Tests;

/// <summary>The sender rule store contract on dynalite, each test in a table of its own.</summary>
public sealed class DynamoDbSenderRuleStoreContractTests : SenderRuleStoreContract, IAsyncLifetime
{
    private StateTables? _tables;

    protected override Task<ISenderRuleStore> CreateAsync(TimeProvider time)
    {
        _tables = new StateTables();
        return Task.FromResult<ISenderRuleStore>(new DynamoDbSenderRuleStore(_tables.Open(), time));
    }

    protected override Task CloseAsync(ISenderRuleStore store) => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_tables is not null)
        {
            await _tables.DisposeAsync();
        }
    }
}
