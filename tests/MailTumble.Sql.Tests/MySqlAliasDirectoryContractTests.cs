using MailTumble.Core.Aliases;
using MailTumble.Testing.Contracts;

namespace MailTumble.Sql.Tests;

public sealed class MySqlAliasDirectoryContractTests : AliasDirectoryContract, IAsyncLifetime
{
    private SqlAliasDirectory? _directory;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_directory is not null)
        {
            await _directory.DisposeAsync();
        }
    }

    protected override async Task<IAliasDirectory> CreateAsync(IReadOnlyList<AliasRecord> seed)
    {
        _directory = SqlDirectories.Create(SqlEngine.MySql);
        await SeedAsync(_directory, seed);
        return _directory;
    }
}
