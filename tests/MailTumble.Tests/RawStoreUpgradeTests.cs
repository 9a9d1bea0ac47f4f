using System.Globalization;
using MailTumble.Core.Queue;
using MailTumble.Files;
using MailTumble.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// A data directory from before raw messages moved into the database (schema version 1, one file per message under
/// <c>raw/</c>): the upgraded relay migrates it and delivers the mail that was queued, then releases the old file.
/// </summary>
public sealed class RawStoreUpgradeTests : IDisposable
{
    private readonly TempDirectory _data = new();

    [Fact]
    public async Task Mail_queued_by_a_relay_that_kept_raw_files_is_delivered_after_the_upgrade()
    {
        var port = TestSmtpSink.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _data.Path,
            ["MailTumble:Outbound:Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
        };

        // The earlier version: every raw message a file under raw/ (nothing listens on the provider's port yet).
        await using (var old = await RelayFixture.StartAsync(settings, services => services.AddMailTumbleFileRawStore(o => o.RawDirectory = Path.Combine(_data.Path, "raw"))))
        {
            await old.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
            await RelaySmtp.SendAsync(old, "kept as a file", "x7g2@mask.example.com");
            await Eventually.ValueAsync(
                () => old.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default),
                s => s.Deferred == 1,
                "the delivery waits for the provider");
        }

        Assert.Single(StoredCopies.Files(_data.Path));
        Downgrade();
        Assert.Equal(1, UserVersion());

        var sink = new TestSmtpSink(port); // the fixture disposes it
        await using var relay = await RelayFixture.StartAsync(settings, sink: sink);
        var mail = Assert.Single(await sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal("kept as a file", mail.Header("Subject"));
        await relay.WaitForIdleAsync();

        Assert.Equal(0, StoredCopies.Count(_data.Path));
        Assert.Equal(2, UserVersion());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _data.Dispose();
    }

    /// <summary>Makes the database what a build before raw_messages left: schema version 1, no such table.</summary>
    private void Downgrade()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DROP TABLE raw_messages; PRAGMA user_version = 1;";
        command.ExecuteNonQuery();
    }

    private long UserVersion()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_data.Path, "mailtumble.db")};Pooling=False");
        connection.Open();
        return connection;
    }
}
