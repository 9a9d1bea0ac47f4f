using MailTumble.Core.Moderation;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteHeldStoreContractTests : HeldStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();
    private SqliteWriter? _writer;

    protected override Task<IHeldStore> CreateAsync(TimeProvider time)
    {
        var database = new SqliteDatabase(Path.Combine(_dir.Path, "held.db"));
        _writer = new SqliteWriter(database, 1024);
        return Task.FromResult<IHeldStore>(new SqliteHeldStore(database, _writer));
    }

    protected override async Task CloseAsync(IHeldStore store)
    {
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
        }
    }

    public void Dispose() => _dir.Dispose();
}
