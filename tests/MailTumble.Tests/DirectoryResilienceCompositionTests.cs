using System.Text;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using MailTumble.Aws;
using MailTumble.Core.Aliases;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Tests;

/// <summary>
/// The host puts one resilience policy (timeout, circuit breaker) around every directory driver, reads the drivers' older
/// setting names for it, and a driver that cannot answer gets 451 at RCPT over real SMTP.
/// </summary>
public sealed class DirectoryResilienceCompositionTests : IDisposable
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("sqlite", "SqliteAliasDirectory")]
    [InlineData("map", "MapAliasDirectory")]
    [InlineData("rest", "RestAliasDirectory")]
    [InlineData("mysql", "SqlAliasDirectory")]
    [InlineData("postgres", "SqlAliasDirectory")]
    [InlineData("dynamodb", "DynamoDbAliasDirectory")]
    public async Task Every_driver_sits_inside_the_resilience_policy_behind_the_cache(string driver, string type)
    {
        await using var provider = Build(Settings(driver));

        var cache = Assert.IsType<CachingAliasDirectory>(Assert.IsType<ResolvingAliasDirectory>(provider.GetRequiredService<IAliasDirectory>()).Inner);
        var policy = Assert.IsType<ResilientAliasDirectory>(cache.Inner);
        Assert.Equal(type, policy.Inner.GetType().Name);
        Assert.Equal(TimeSpan.FromSeconds(5), provider.GetRequiredService<IOptions<DirectoryResilienceOptions>>().Value.Timeout);
    }

    [Theory]
    [InlineData("rest", "MailTumble:Directory:Rest:Timeout")]
    [InlineData("mysql", "MailTumble:Directory:Sql:Timeout")]
    [InlineData("postgres", "MailTumble:Directory:Sql:Timeout")]
    [InlineData("dynamodb", "MailTumble:Directory:DynamoDb:Timeout")]
    public async Task A_drivers_older_timeout_setting_still_sets_the_policy_and_the_shared_one_wins(string driver, string older)
    {
        var settings = Settings(driver);
        settings[older] = "00:00:00.750";
        await using (var provider = Build(new(settings)))
        {
            Assert.Equal(TimeSpan.FromMilliseconds(750), provider.GetRequiredService<IOptions<DirectoryResilienceOptions>>().Value.Timeout);
        }

        settings["MailTumble:Directory:Resilience:Timeout"] = "00:00:02";
        await using (var provider = Build(settings))
        {
            Assert.Equal(TimeSpan.FromSeconds(2), provider.GetRequiredService<IOptions<DirectoryResilienceOptions>>().Value.Timeout);
        }
    }

    [Fact]
    public async Task The_rest_drivers_older_breaker_settings_still_set_the_policy_and_other_drivers_ignore_them()
    {
        var settings = Settings("rest");
        settings["MailTumble:Directory:Rest:BreakerFailureRatio"] = "0.25";
        settings["MailTumble:Directory:Rest:BreakerMinimumThroughput"] = "4";
        settings["MailTumble:Directory:Rest:BreakerSamplingDuration"] = "00:01:00";
        settings["MailTumble:Directory:Rest:BreakerBreakDuration"] = "00:00:20";
        await using (var provider = Build(new(settings)))
        {
            var options = provider.GetRequiredService<IOptions<DirectoryResilienceOptions>>().Value;
            Assert.Equal((0.25, 4, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(20)), (options.BreakerFailureRatio, options.BreakerMinimumThroughput, options.BreakerSamplingDuration, options.BreakerBreakDuration));
        }

        settings["MailTumble:Directory:Driver"] = "sqlite";
        settings["MailTumble:Directory:Rest:Timeout"] = "00:00:01";
        await using (var provider = Build(settings))
        {
            var options = provider.GetRequiredService<IOptions<DirectoryResilienceOptions>>().Value;
            Assert.Equal((0.5, 10, TimeSpan.FromSeconds(5)), (options.BreakerFailureRatio, options.BreakerMinimumThroughput, options.Timeout));
        }
    }

    [Theory]
    [InlineData("MailTumble:Directory:Rest:Timeout", "00:10:00", "MailTumble:Directory:Rest:Timeout must be between 00:00:00.010 and 00:05:00")]
    [InlineData("MailTumble:Directory:Resilience:Timeout", "00:00:00.001", "MailTumble:Directory:Resilience:Timeout must be between 00:00:00.010 and 00:05:00")]
    [InlineData("MailTumble:Directory:Resilience:BreakerFailureRatio", "2", "MailTumble:Directory:Resilience:BreakerFailureRatio must be between 0.01 and 1")]
    public async Task A_setting_out_of_range_stops_serve_with_exit_78_naming_it_as_written(string key, string value, string message)
    {
        var settings = Settings("rest");
        settings[key] = value;
        settings["MailTumble:Smtp:Listen"] = "127.0.0.1:0";
        settings["MailTumble:Api:Listen"] = "127.0.0.1:0";
        settings["Logging:LogLevel:Default"] = "None";
        var error = new StringWriter();

        var code = await MailTumbleCli.RunAsync(["serve"], new StringWriter(), error, () => new MemoryStream(), MailTumbleConfiguration.Build(settings));

        Assert.Equal(78, code);
        Assert.Equal("mailtumble: invalid setting: " + message + "\n", error.ToString());
    }

    [SkippableFact]
    public async Task A_dynamodb_directory_that_is_down_gets_451_at_rcpt_and_the_retry_is_delivered_once_it_is_back()
    {
        var real = new Uri(ExternalService.Require("MAILTUMBLE_TEST_DYNAMODB", "dynalite"));
        var port = TestSmtpSink.FreePort();
        var table = "down-" + Guid.NewGuid().ToString("N")[..8];
        var credentials = new BasicAWSCredentials("test", "test");
        var settings = Settings("dynamodb");
        settings["MailTumble:Directory:DynamoDb:Table"] = table;
        settings["MailTumble:Directory:DynamoDb:CreateTable"] = "true";
        // Nothing listens there yet: connection refused on loopback.
        settings["MailTumble:Aws:DynamoDbServiceUrl"] = $"http://127.0.0.1:{port}";
        await using var relay = await RelayFixture.StartAsync(
            settings,
            // The emulator takes any key; the host's client reads the usual AWS chain, which a test machine lacks.
            services => services.AddSingleton<IAmazonDynamoDB>(sp =>
                new AmazonDynamoDBClient(credentials, AwsServiceCollectionExtensions.Config(sp.GetRequiredService<IOptions<DynamoDbDirectoryOptions>>().Value))));
        TcpForwarder? forwarder = null;
        try
        {
            var (down, downData) = await TrySendAsync(relay.SmtpPort, "while down");
            Assert.StartsWith("451 4.3.0", down, StringComparison.Ordinal);
            Assert.Null(downData);

            forwarder = TcpForwarder.Start(port, real.Port);
            Assert.True(await relay.Services.GetRequiredService<IAliasAdmin>().UpsertAsync(Alias, Target, default));
            var (back, backData) = await TrySendAsync(relay.SmtpPort, "once back");
            Assert.StartsWith("250", back, StringComparison.Ordinal);
            Assert.StartsWith("250", backData, StringComparison.Ordinal);
            var delivered = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(30)));
            Assert.Equal([Target], delivered.To);
            Assert.Contains("Subject: once back", delivered.Text, StringComparison.Ordinal);
        }
        finally
        {
            if (forwarder is not null)
            {
                await forwarder.DisposeAsync();
            }

            using var client = new AmazonDynamoDBClient(credentials, new AmazonDynamoDBConfig { ServiceURL = real.ToString(), AuthenticationRegion = "eu-west-1" });
            try
            {
                await client.DeleteTableAsync(table);
            }
            catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException)
            {
            }
        }
    }

    public void Dispose() => _dir.Dispose();

    private Dictionary<string, string?> Settings(string driver)
    {
        var map = Path.Combine(_dir.Path, "aliases.yaml");
        File.WriteAllText(map, $"aliases:\n  {Alias}: {Target}\n");
        return new()
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Domains:0"] = "mask.example.com",
            ["MailTumble:Directory:Driver"] = driver,
            ["MailTumble:Directory:Map:Path"] = map,
            ["MailTumble:Directory:Rest:Url"] = "http://127.0.0.1:9/prod",
            ["MailTumble:Directory:ConnectionString"] = driver == "mysql" ? "Server=127.0.0.1;Port=9;User ID=x;Password=x;Database=x" : "Host=127.0.0.1;Port=9;Username=x;Database=x",
            ["MailTumble:Directory:DynamoDb:Table"] = "aliases",
            ["MailTumble:Aws:Region"] = "eu-west-1",
            ["MailTumble:Aws:DynamoDbServiceUrl"] = "http://127.0.0.1:9",
        };
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddMailTumbleRelay(configuration);
        return services.BuildServiceProvider();
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
            data = await smtp.CommandAsync(new StringBuilder().Append("From: alice@sender.example\r\nTo: ").Append(Alias).Append("\r\nSubject: ").Append(subject).Append("\r\n\r\nhello\r\n.").ToString());
        }
        else
        {
            await smtp.CommandAsync("RSET");
        }

        await smtp.CommandAsync("QUIT");
        return (rcpt, data);
    }
}
