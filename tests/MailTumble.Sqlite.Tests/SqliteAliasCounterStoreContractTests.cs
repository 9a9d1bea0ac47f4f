using MailTumble.Core.Counters;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sqlite.Tests;

/// <summary>The alias counter store contract against the SQLite file; "again" opens the same file anew.</summary>
public sealed class SqliteAliasCounterStoreContractTests : AliasCounterStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<SqliteWriter> _writers = [];

    protected override Task<IAliasCounterStore> CreateAsync() => Task.FromResult(Open());

    protected override Task<IAliasCounterStore> OpenAgainAsync() => Task.FromResult(Open());

    protected override async Task CloseAsync()
    {
        foreach (var writer in _writers)
        {
            await writer.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose();

    private IAliasCounterStore Open()
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "counters.db"));
        var writer = new SqliteWriter(database, 64);
        _writers.Add(writer);
        return new SqliteAliasCounterStore(database, writer, TimeProvider.System);
    }
}
