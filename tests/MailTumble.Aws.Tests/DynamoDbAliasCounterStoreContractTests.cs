using MailTumble.Aws.Counters;
using MailTumble.Core.Counters;
using MailTumble.Testing.Contracts;

namespace MailTumble.Aws.Tests;

/// <summary>The alias counter store contract on dynalite, each test in a state table of its own; "again" is another node.</summary>
public sealed class DynamoDbAliasCounterStoreContractTests : AliasCounterStoreContract
{
    private StateTables? _tables;

    protected override Task<IAliasCounterStore> CreateAsync()
    {
        _tables = new StateTables();
        return OpenAgainAsync();
    }

    protected override Task<IAliasCounterStore> OpenAgainAsync() =>
        Task.FromResult<IAliasCounterStore>(new DynamoDbAliasCounterStore(_tables!.Open()));

    protected override async Task CloseAsync()
    {
        if (_tables is not null)
        {
            await _tables.DisposeAsync();
        }
    }
}
