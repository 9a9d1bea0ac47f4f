using MailTumble.Core.Moderation;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteSenderRuleStoreContractTests : SenderRuleStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();
    private SqliteWriter? _writer;

    protected override Task<ISenderRuleStore> CreateAsync(TimeProvider time)
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "rules.db"));
        _writer = new SqliteWriter(database, 64);
        return Task.FromResult<ISenderRuleStore>(new SqliteSenderRuleStore(database, _writer, time));
    }

    protected override async Task CloseAsync(ISenderRuleStore store)
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose();
}
