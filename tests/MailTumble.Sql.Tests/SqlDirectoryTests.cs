using System.Data.Common;
using System.Net;
using System.Net.Sockets;
using MailTumble.Core.Aliases;
using MailTumble.Core.Receiving;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Npgsql;

namespace MailTumble.Sql.Tests;

public sealed class SqlDirectoryTests
{
    [SkippableTheory]
    [InlineData(SqlEngine.MySql)]
    [InlineData(SqlEngine.Postgres)]
    public async Task A_custom_lookup_query_reads_an_existing_schema_with_the_address_as_a_parameter(SqlEngine engine)
    {
        var table = "legacy_" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = SqlDirectories.ConnectionString(engine);
        await using var source = engine is SqlEngine.MySql ? (DbDataSource)new MySqlDataSource(connectionString) : NpgsqlDataSource.Create(connectionString);
        await using (var create = source.CreateCommand($"CREATE TABLE {table} (addr VARCHAR(300) NOT NULL, dest VARCHAR(300) NOT NULL, bounces INT NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var insert = source.CreateCommand($"INSERT INTO {table} VALUES ('o''brien@mask.example.com', 'John@real.example.org', 0), ('gone@mask.example.com', 'x@real.example.org', 9)"))
        {
            await insert.ExecuteNonQueryAsync();
        }

        await using var directory = SqlDirectories.Create(engine, o =>
        {
            o.CreateTable = false;
            o.LookupQuery = $"SELECT dest AS email, bounces AS count_bounce FROM {table} WHERE addr = @address";
        });
        var found = await directory.LookupAsync("O'Brien@mask.example.com", default);
        Assert.Equal((LookupOutcome.Found, "john@real.example.org", AliasStatus.Active), (found.Outcome, found.Alias!.Target, found.Alias.Status));
        Assert.Equal(AliasStatus.Dead, (await directory.LookupAsync("gone@mask.example.com", default)).Alias!.Status);
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync("x' OR '1'='1@mask.example.com", default)).Outcome);
        Assert.Equal(LookupOutcome.NotFound, (await directory.LookupAsync("x'or'1'='1@mask.example.com", default)).Outcome);

        await using var drop = source.CreateCommand($"DROP TABLE {table}");
        await drop.ExecuteNonQueryAsync();
    }

    [SkippableTheory]
    [InlineData(SqlEngine.MySql)]
    [InlineData(SqlEngine.Postgres)]
    public async Task With_a_custom_lookup_query_rcpt_asks_the_domain_query_which_domains_are_ours(SqlEngine engine)
    {
        var table = "legacy_" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = SqlDirectories.ConnectionString(engine);
        await using var source = engine is SqlEngine.MySql ? (DbDataSource)new MySqlDataSource(connectionString) : NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(source, $"CREATE TABLE {table} (addr VARCHAR(300) NOT NULL, dest VARCHAR(300) NOT NULL)");
        await ExecuteAsync(source, $"CREATE TABLE {table}_domains (name VARCHAR(300) NOT NULL)");
        await ExecuteAsync(source, $"INSERT INTO {table} VALUES ('x7g2@mask.example.com', 'john@real.example.org'), ('x7g2@elsewhere.example', 'jane@real.example.org')");
        await ExecuteAsync(source, $"INSERT INTO {table}_domains VALUES ('mask.example.com')");
        try
        {
            // The existing schema has no 'domain' column and MailTumble:Domains is empty: RCPT must use the DomainQuery.
            await using var directory = SqlDirectories.Create(engine, o =>
            {
                o.CreateTable = false;
                o.Table = table;
                o.LookupQuery = $"SELECT dest AS email FROM {table} WHERE addr = @address";
                o.DomainQuery = $"SELECT 1 FROM {table}_domains WHERE name = @domain";
            });
            var policy = new RecipientPolicy(directory, Options.Create(new ReceiveOptions()), NullLogger<RecipientPolicy>.Instance);
            var ok = await policy.CheckAsync("X7G2@Mask.Example.com", default);
            Assert.Equal((250, "john@real.example.org"), (ok.Reply.Code, ok.Alias?.Target));
            Assert.Equal(550, (await policy.CheckAsync("nobody@mask.example.com", default)).Reply.Code);
            // Has a row in the lookup table, but its domain is not ours: never relayed.
            Assert.Equal(554, (await policy.CheckAsync("x7g2@elsewhere.example", default)).Reply.Code);
            Assert.Equal(554, (await policy.CheckAsync("x@mask.example.com' OR '1'='1", default)).Reply.Code);

            // Without a DomainQuery the driver says which settings are missing instead of asking a column that is not there.
            await using var bare = SqlDirectories.Create(engine, o =>
            {
                o.CreateTable = false;
                o.Table = table;
                o.LookupQuery = $"SELECT dest AS email FROM {table} WHERE addr = @address";
            });
            var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await bare.HasDomainAsync("mask.example.com", default));
            Assert.Contains("MailTumble:Directory:Sql:DomainQuery", error.Message, StringComparison.Ordinal);
            Assert.Equal(451, (await new RecipientPolicy(bare, Options.Create(new ReceiveOptions()), NullLogger<RecipientPolicy>.Instance).CheckAsync("x7g2@mask.example.com", default)).Reply.Code);
        }
        finally
        {
            await ExecuteAsync(source, $"DROP TABLE {table}");
            await ExecuteAsync(source, $"DROP TABLE {table}_domains");
        }
    }

    [Theory]
    [InlineData(SqlEngine.MySql, "Server=127.0.0.1;Port={0};User ID=x;Password=x;Database=x;Connection Timeout=2")]
    [InlineData(SqlEngine.Postgres, "Host=127.0.0.1;Port={0};Username=x;Database=x;Timeout=2")]
    public async Task A_server_that_is_down_is_a_temporary_failure(SqlEngine engine, string template)
    {
        var options = new SqlDirectoryOptions { ConnectionString = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, FreePort()) };
        await using var driver = new SqlAliasDirectory(engine, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        var directory = ResilientDirectories.Wrap(driver, engine.ToString().ToLowerInvariant());
        var result = await directory.LookupAsync("x7g2@mask.example.com", default);
        Assert.Equal(LookupOutcome.TemporaryFailure, result.Outcome);
        Assert.NotNull(result.Reason);
    }

    private static async Task ExecuteAsync(DbDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
