using System.Text;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Data.Sqlite;

namespace MailTumble.Tests;

/// <summary>A data directory whose database a newer build has migrated: <c>serve</c> and the CLI refuse it with one line naming the file and the version.</summary>
public sealed class SqliteSchemaVersionCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("serve", "mailtumble: cannot start: the database ")]
    [InlineData("queue stats", "mailtumble: the database ")]
    public async Task A_database_from_a_newer_build_is_refused_naming_the_file_and_its_version(string command, string start)
    {
        Assert.Equal(0, (await RunAsync("alias", "add", "x7g2@mask.example.com", "john@real.example.org")).Code);
        var path = Path.Combine(_dir.Path, "mailtumble.db");
        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var set = connection.CreateCommand();
            set.CommandText = "PRAGMA user_version = 999";
            await set.ExecuteNonQueryAsync();
        }

        var result = await RunAsync(command.Split(' '));

        Assert.Equal(1, result.Code);
        Assert.StartsWith(start + path + " is at schema version 999, newer than this MailTumble knows", result.Err, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Smtp:Listen"] = "127.0.0.1:0",
            ["MailTumble:Api:Listen"] = "127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "None",
        });
        var code = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(string.Empty)), configuration);
        return (code, output.ToString(), error.ToString());
    }
}
