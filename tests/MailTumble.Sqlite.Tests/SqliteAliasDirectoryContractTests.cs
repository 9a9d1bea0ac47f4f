using MailTumble.Core.Aliases;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sqlite.Tests;

public sealed class SqliteAliasDirectoryContractTests : AliasDirectoryContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override async Task<IAliasDirectory> CreateAsync(IReadOnlyList<AliasRecord> seed)
    {
        var directory = new SqliteAliasDirectory(new SqliteDatabase(Path.Combine(_dir.Path, "aliases.db")), TimeProvider.System);
        await SeedAsync(directory, seed);
        return directory;
    }

    public void Dispose() => _dir.Dispose();
}
