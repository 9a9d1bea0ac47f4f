using System.Data.Common;
using System.Globalization;
using MailTumble.Testing;
using MySqlConnector;
using Npgsql;

namespace MailTumble.Tests;

/// <summary>
/// "Directory down or slow → 451 at RCPT, the sender keeps the message, and it is delivered once the directory is back",
/// over real SMTP against a whole relay, for the rest and SQL drivers (REST refused connections: <see cref="RestDirectoryOutageEndToEndTests"/>).
/// </summary>
public sealed class DirectoryOutageEndToEndTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";

    [Fact]
    public async Task A_rest_directory_that_answers_after_its_timeout_gets_451_and_the_retry_is_delivered_once_it_is_fast()
    {
        await using var directory = await TestRestDirectory.StartAsync("t0ken");
        directory.Targets[Alias] = Target;
        directory.Delay = TimeSpan.FromSeconds(5);
        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Directory:Driver"] = "rest",
            ["MailTumble:Directory:Rest:Url"] = directory.Url,
            ["MailTumble:Directory:Rest:Token"] = "t0ken",
            ["MailTumble:Directory:Rest:Timeout"] = "00:00:00.500",
        });

        await SlowThenBackAsync(relay, "slow rest", () => directory.Delay = TimeSpan.Zero);
        Assert.True(directory.Hits >= 2, $"the directory was asked {directory.Hits} time(s)");
    }

    [SkippableTheory]
    [InlineData("postgres", "lookup")]
    [InlineData("postgres", "domain")]
    [InlineData("mysql", "lookup")]
    [InlineData("mysql", "domain")]
    public async Task A_sql_directory_slower_than_its_timeout_gets_451_and_the_retry_is_delivered_once_it_is_fast(string driver, string slowQuery)
    {
        var connectionString = driver == "mysql"
            ? ExternalService.Require("MAILTUMBLE_TEST_MYSQL", "MariaDB")
            : ExternalService.Require("MAILTUMBLE_TEST_POSTGRES", "PostgreSQL");
        var table = "slow_" + Guid.NewGuid().ToString("N")[..8];
        await using var source = driver == "mysql" ? (DbDataSource)new MySqlDataSource(connectionString) : NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(source, $"CREATE TABLE {table} (addr VARCHAR(300) NOT NULL, dest VARCHAR(300) NOT NULL)");
        await ExecuteAsync(source, $"CREATE TABLE {table}_ctl (secs INT NOT NULL)");
        await ExecuteAsync(source, $"INSERT INTO {table} VALUES ('{Alias}', '{Target}')");
        await ExecuteAsync(source, $"INSERT INTO {table}_ctl VALUES (10)");
        try
        {
            // The server sleeps for {table}_ctl.secs inside the query; the row in the control table is the outage switch.
            var sleep = driver == "mysql"
                ? $"(SELECT SLEEP(secs) FROM {table}_ctl) = 0"
                : $"(SELECT count(*) FROM (SELECT pg_sleep(secs) FROM {table}_ctl) z) = 1";
            var settings = new Dictionary<string, string?>
            {
                ["MailTumble:Directory:Driver"] = driver,
                ["MailTumble:Directory:ConnectionString"] = connectionString,
                ["MailTumble:Directory:Sql:CreateTable"] = "false",
                ["MailTumble:Directory:Sql:Timeout"] = "00:00:00.500",
                ["MailTumble:Directory:Sql:LookupQuery"] = $"SELECT dest AS email FROM {table} WHERE addr = @address" + (slowQuery == "lookup" ? " AND " + sleep : string.Empty),
            };
            if (slowQuery == "lookup")
            {
                settings["MailTumble:Domains:0"] = "mask.example.com";
            }
            else
            {
                // No MailTumble:Domains: RCPT first asks the domain query, and that is the slow one.
                settings["MailTumble:Directory:Sql:DomainQuery"] = $"SELECT 1 FROM {table} WHERE addr LIKE '%@mask.example.com' AND @domain = 'mask.example.com' AND {sleep}";
            }

            await using var relay = await RelayFixture.StartAsync(settings);
            await SlowThenBackAsync(relay, $"slow {driver} {slowQuery}", () => ExecuteAsync(source, $"UPDATE {table}_ctl SET secs = 0").GetAwaiter().GetResult());
        }
        finally
        {
            await ExecuteAsync(source, $"DROP TABLE {table}");
            await ExecuteAsync(source, $"DROP TABLE {table}_ctl");
        }
    }

    [Theory]
    [InlineData("postgres", "Host=127.0.0.1;Port={0};Username=x;Database=x;Timeout=3", true)]
    [InlineData("postgres", "Host=127.0.0.1;Port={0};Username=x;Database=x;Timeout=3", false)]
    [InlineData("mysql", "Server=127.0.0.1;Port={0};User ID=x;Password=x;Database=x;Connection Timeout=3", true)]
    [InlineData("mysql", "Server=127.0.0.1;Port={0};User ID=x;Password=x;Database=x;Connection Timeout=3", false)]
    public async Task A_sql_directory_that_is_down_gets_451_at_rcpt(string driver, string template, bool domainsConfigured)
    {
        var settings = new Dictionary<string, string?>
        {
            ["MailTumble:Directory:Driver"] = driver,
            // Nothing listens there: connection refused on loopback.
            ["MailTumble:Directory:ConnectionString"] = string.Format(CultureInfo.InvariantCulture, template, TestSmtpSink.FreePort()),
        };
        if (domainsConfigured)
        {
            settings["MailTumble:Domains:0"] = "mask.example.com";
        }

        await using var relay = await RelayFixture.StartAsync(settings);
        var (rcpt, _) = await TrySendAsync(relay.SmtpPort, "down");
        Assert.StartsWith("451 4.3.0", rcpt, StringComparison.Ordinal);
        Assert.Empty(relay.Sink.Messages);
    }

    [SkippableTheory]
    [InlineData("postgres")]
    [InlineData("mysql")]
    public async Task A_sql_directory_that_is_down_gets_451_and_the_retry_is_delivered_once_it_is_back(string driver)
    {
        var real = driver == "mysql"
            ? ExternalService.Require("MAILTUMBLE_TEST_MYSQL", "MariaDB")
            : ExternalService.Require("MAILTUMBLE_TEST_POSTGRES", "PostgreSQL");
        var table = "down_" + Guid.NewGuid().ToString("N")[..8];
        await using var source = driver == "mysql" ? (DbDataSource)new MySqlDataSource(real) : NpgsqlDataSource.Create(real);
        await ExecuteAsync(source, $"CREATE TABLE {table} (addr VARCHAR(300) NOT NULL, dest VARCHAR(300) NOT NULL)");
        await ExecuteAsync(source, $"INSERT INTO {table} VALUES ('{Alias}', '{Target}')");
        try
        {
            // The relay talks to the server through a port where nothing listens yet.
            var port = TestSmtpSink.FreePort();
            string through;
            int serverPort;
            if (driver == "mysql")
            {
                var builder = new MySqlConnectionStringBuilder(real);
                serverPort = (int)builder.Port;
                builder.Port = (uint)port;
                builder.Pooling = false;
                through = builder.ConnectionString;
            }
            else
            {
                var builder = new NpgsqlConnectionStringBuilder(real);
                serverPort = builder.Port;
                builder.Port = port;
                builder.Pooling = false;
                through = builder.ConnectionString;
            }

            await using var relay = await RelayFixture.StartAsync(new()
            {
                ["MailTumble:Domains:0"] = "mask.example.com",
                ["MailTumble:Directory:Driver"] = driver,
                ["MailTumble:Directory:ConnectionString"] = through,
                ["MailTumble:Directory:Sql:CreateTable"] = "false",
                ["MailTumble:Directory:Sql:LookupQuery"] = $"SELECT dest AS email FROM {table} WHERE addr = @address",
            });
            TcpForwarder? forwarder = null;
            try
            {
                await SlowThenBackAsync(relay, $"down {driver}", () => forwarder = TcpForwarder.Start(port, serverPort));
            }
            finally
            {
                if (forwarder is not null)
                {
                    await forwarder.DisposeAsync();
                }
            }
        }
        finally
        {
            await ExecuteAsync(source, $"DROP TABLE {table}");
        }
    }

    /// <summary>While slow or down: 451 at RCPT and nothing accepted; after <paramref name="recover"/>: the sender's retry is taken and delivered.</summary>
    private static async Task SlowThenBackAsync(RelayFixture relay, string subject, Action recover)
    {
        var (first, firstData) = await TrySendAsync(relay.SmtpPort, subject);
        Assert.StartsWith("451 4.3.0", first, StringComparison.Ordinal);
        Assert.Null(firstData);

        recover();
        var (retry, retryData) = await TrySendAsync(relay.SmtpPort, subject);
        Assert.StartsWith("250", retry, StringComparison.Ordinal);
        Assert.StartsWith("250", retryData, StringComparison.Ordinal);

        var delivered = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal([Target], delivered.To);
        Assert.Contains("Subject: " + subject, delivered.Text, StringComparison.Ordinal);

        // The 451 at RCPT accepted nothing: once the relay is idle no second copy is left to go out.
        await relay.WaitForIdleAsync();
        Assert.Single(relay.Sink.Messages);
    }

    /// <summary>One sender attempt: RCPT's reply, and DATA's final reply when RCPT was accepted (null otherwise: the sender keeps the message).</summary>
    private static async Task<(string? Rcpt, string? Data)> TrySendAsync(int port, string subject)
    {
        await using var smtp = await SmtpWireClient.ConnectAsync(port);
        await smtp.ReadReplyAsync();
        await smtp.CommandAsync("EHLO sender.example");
        await smtp.CommandAsync("MAIL FROM:<alice@sender.example>");
        var rcpt = await smtp.CommandAsync($"RCPT TO:<{Alias}>");
        string? data = null;
        if (rcpt?.StartsWith("250", StringComparison.Ordinal) == true)
        {
            Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);
            data = await smtp.CommandAsync($"From: alice@sender.example\r\nTo: {Alias}\r\nSubject: {subject}\r\n\r\nhello\r\n.");
        }
        else
        {
            await smtp.CommandAsync("RSET");
        }

        await smtp.CommandAsync("QUIT");
        return (rcpt, data);
    }

    private static async Task ExecuteAsync(DbDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
