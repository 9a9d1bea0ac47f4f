using System.Data.Common;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using MailTumble.Aws;
using MailTumble.Core.Aliases;
using MailTumble.Core.Receiving;
using MailTumble.Hosting;
using MailTumble.RestDirectory;
using MailTumble.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Npgsql;

namespace MailTumble.Tests;

public sealed class DirectoryDriverSelectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? replace = null)
    {
        settings["MailTumble:DataDir"] = _dir.Path;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddMailTumbleRelay(configuration);
        replace?.Invoke(services);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void An_unknown_driver_stops_start_up_naming_the_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(new() { ["MailTumble:Directory:Driver"] = "ldap" }));
        Assert.Contains("MailTumble:Directory:Driver", error.Message, StringComparison.Ordinal);
        Assert.Contains("ldap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rest_driver_without_api_url_names_the_setting()
    {
        using var provider = Build(new() { ["MailTumble:Directory:Driver"] = "rest" });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RestDirectoryOptions>>().Value);
        Assert.Contains("API_URL (MailTumble:Directory:Rest:Url)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_driver_is_sqlite_behind_the_cache_and_writable()
    {
        await using var provider = Build([]);
        var admin = provider.GetRequiredService<IAliasAdmin>();
        Assert.IsType<CachingAliasDirectory>(Assert.IsType<ResolvingAliasDirectory>(provider.GetRequiredService<IAliasDirectory>()).Inner);
        Assert.True(await admin.UpsertAsync("x7g2@mask.example.com", "john@real.example.org", default));
        var decision = await provider.GetRequiredService<RecipientPolicy>().CheckAsync("x7g2@mask.example.com", default);
        Assert.Equal(250, decision.Reply.Code);
    }

    [Fact]
    public async Task The_map_driver_is_read_only_and_answers_rcpt()
    {
        var path = Path.Combine(_dir.Path, "aliases.yaml");
        await File.WriteAllTextAsync(path, "aliases:\n  x7g2@mask.example.com: john@real.example.org\n");
        await using var provider = Build(new() { ["MailTumble:Directory:Driver"] = "map", ["MailTumble:Directory:Map:Path"] = path });
        Assert.Null(provider.GetService<IAliasAdmin>());
        var policy = provider.GetRequiredService<RecipientPolicy>();
        Assert.Equal(250, (await policy.CheckAsync("x7g2+news@mask.example.com", default)).Reply.Code);
        Assert.Equal(550, (await policy.CheckAsync("nobody@mask.example.com", default)).Reply.Code);
        Assert.Equal(554, (await policy.CheckAsync("x7g2@elsewhere.example", default)).Reply.Code);
    }

    [Fact]
    public async Task The_map_driver_applies_user_and_catch_all_rules_on_the_configured_domains()
    {
        // A map with no 'domains:' list: MailTumble:Domains is what makes mask.example.com ours, for RCPT and for the rules.
        var path = Path.Combine(_dir.Path, "aliases.yaml");
        await File.WriteAllTextAsync(path, "aliases:\n  info: info@real.example.org\n  \"@\": catchall@real.example.org\n");
        await using var provider = Build(new()
        {
            ["MailTumble:Directory:Driver"] = "map",
            ["MailTumble:Directory:Map:Path"] = path,
            ["MailTumble:Domains:0"] = "mask.example.com",
        });
        var policy = provider.GetRequiredService<RecipientPolicy>();
        var info = await policy.CheckAsync("info@mask.example.com", default);
        Assert.Equal((250, "info@real.example.org"), (info.Reply.Code, info.Alias?.Target));
        var other = await policy.CheckAsync("anyone@mask.example.com", default);
        Assert.Equal((250, "catchall@real.example.org"), (other.Reply.Code, other.Alias?.Target));
        Assert.Equal(554, (await policy.CheckAsync("info@elsewhere.example", default)).Reply.Code);
    }

    [Fact]
    public async Task A_custom_sql_lookup_without_domains_or_a_domain_query_stops_start_up_naming_the_settings()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayFixture.StartAsync(new()
        {
            ["MailTumble:Directory:Driver"] = "postgres",
            ["MailTumble:Directory:ConnectionString"] = "Host=127.0.0.1;Port=9;Username=x;Database=x",
            ["MailTumble:Directory:Sql:LookupQuery"] = "SELECT dest AS email FROM forwards WHERE addr = @address",
        }));
        Assert.Contains("MailTumble:Directory:Sql:LookupQuery", error.Message, StringComparison.Ordinal);
        Assert.Contains("MailTumble:Domains", error.Message, StringComparison.Ordinal);
        Assert.Contains("MailTumble:Directory:Sql:DomainQuery", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MailTumble:Domains:0", "mask.example.com")]
    [InlineData("MailTumble:Directory:Sql:DomainQuery", "SELECT 1 FROM our_domains WHERE name = @domain")]
    public async Task A_custom_sql_lookup_starts_with_domains_or_a_domain_query(string key, string value)
    {
        // Nothing listens on port 9: start-up must not need the server, only coherent settings.
        await using var relay = await RelayFixture.StartAsync(new()
        {
            ["MailTumble:Directory:Driver"] = "mysql",
            ["MailTumble:Directory:ConnectionString"] = "Server=127.0.0.1;Port=9;User ID=x;Password=x;Database=x;Connection Timeout=2",
            ["MailTumble:Directory:Sql:LookupQuery"] = "SELECT dest AS email FROM forwards WHERE addr = @address",
            [key] = value,
        });
        // Behind the cache, the resilience policy every driver gets; behind it, the driver.
        Assert.StartsWith("Sql", ((ResilientAliasDirectory)((CachingAliasDirectory)((ResolvingAliasDirectory)relay.Services.GetRequiredService<IAliasDirectory>()).Inner).Inner).Inner.GetType().Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_domain_query_without_the_domain_parameter_stops_start_up()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayFixture.StartAsync(new()
        {
            ["MailTumble:Directory:Driver"] = "postgres",
            ["MailTumble:Directory:ConnectionString"] = "Host=127.0.0.1;Port=9;Username=x;Database=x",
            ["MailTumble:Directory:Sql:DomainQuery"] = "SELECT 1 FROM our_domains",
        }));
        Assert.Contains("MailTumble:Directory:Sql:DomainQuery must use the parameter @domain", error.Message, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("mysql")]
    [InlineData("postgres")]
    public async Task The_sql_drivers_are_selected_by_name_and_use_the_connection_string(string driver)
    {
        var connectionString = driver == "mysql"
            ? ExternalService.Require("MAILTUMBLE_TEST_MYSQL", "MariaDB")
            : ExternalService.Require("MAILTUMBLE_TEST_POSTGRES", "PostgreSQL");
        var table = "sel_" + Guid.NewGuid().ToString("N")[..8];
        await using var source = driver == "mysql" ? (DbDataSource)new MySqlDataSource(connectionString) : NpgsqlDataSource.Create(connectionString);
        try
        {
            await using (var provider = Build(new()
            {
                ["MailTumble:Directory:Driver"] = driver,
                ["MailTumble:Directory:ConnectionString"] = connectionString,
                ["MailTumble:Directory:Sql:Table"] = table,
            }))
            {
                Assert.True(await provider.GetRequiredService<IAliasAdmin>().UpsertAsync("x7g2@mask.example.com", "john@real.example.org", default));
                var policy = provider.GetRequiredService<RecipientPolicy>();
                var decision = await policy.CheckAsync("X7G2@mask.example.com", default);
                Assert.Equal((250, "john@real.example.org"), (decision.Reply.Code, decision.Alias?.Target));
                Assert.Equal(550, (await policy.CheckAsync("nobody@mask.example.com", default)).Reply.Code);
                Assert.Equal(554, (await policy.CheckAsync("x7g2@elsewhere.example", default)).Reply.Code);
            }

            // The row is in that server's table, written through the driver of that name.
            await using var select = source.CreateCommand($"SELECT email FROM {table} WHERE alias = 'x7g2@mask.example.com'");
            Assert.Equal("john@real.example.org", await select.ExecuteScalarAsync());
        }
        finally
        {
            await using var drop = source.CreateCommand($"DROP TABLE IF EXISTS {table}");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [SkippableFact]
    public async Task The_dynamodb_driver_is_selected_by_name_and_uses_the_table_setting()
    {
        var url = ExternalService.Require("MAILTUMBLE_TEST_DYNAMODB", "dynalite");
        var table = "sel-" + Guid.NewGuid().ToString("N")[..8];
        var credentials = new BasicAWSCredentials("test", "test");
        using var client = new AmazonDynamoDBClient(credentials, new AmazonDynamoDBConfig { ServiceURL = url, AuthenticationRegion = "eu-west-1" });
        try
        {
            await using (var provider = Build(
                new()
                {
                    ["MailTumble:Directory:Driver"] = "dynamodb",
                    ["MailTumble:Directory:DynamoDb:Table"] = table,
                    ["MailTumble:Directory:DynamoDb:CreateTable"] = "true",
                    ["MailTumble:Aws:DynamoDbServiceUrl"] = url,
                    ["MailTumble:Aws:Region"] = "eu-west-1",
                    ["MailTumble:Domains:0"] = "mask.example.com",
                },
                // The emulator takes any key; the host's client reads the usual AWS chain, which a test machine lacks.
                services => services.AddSingleton<IAmazonDynamoDB>(sp =>
                    new AmazonDynamoDBClient(credentials, AwsServiceCollectionExtensions.Config(sp.GetRequiredService<IOptions<DynamoDbDirectoryOptions>>().Value)))))
            {
                Assert.True(await provider.GetRequiredService<IAliasAdmin>().UpsertAsync("x7g2@mask.example.com", "john@real.example.org", default));
                var policy = provider.GetRequiredService<RecipientPolicy>();
                var decision = await policy.CheckAsync("x7g2@mask.example.com", default);
                Assert.Equal((250, "john@real.example.org"), (decision.Reply.Code, decision.Alias?.Target));
                Assert.Equal(550, (await policy.CheckAsync("nobody@mask.example.com", default)).Reply.Code);
            }

            var item = await client.GetItemAsync(table, new Dictionary<string, AttributeValue> { ["alias"] = new("x7g2@mask.example.com") });
            Assert.Equal("john@real.example.org", item.Item["email"].S);
        }
        finally
        {
            try
            {
                await client.DeleteTableAsync(table);
            }
            catch (ResourceNotFoundException)
            {
            }
        }
    }

    [Fact]
    public async Task The_seed_variables_api_url_and_api_token_reach_the_rest_driver()
    {
        // A separate process, so the variables are read from its environment as a deployment would set them.
        await using var directory = await TestRestDirectory.StartAsync("t0ken-from-env");
        directory.Targets["x7g2@mask.example.com"] = "john@real.example.org";
        var environment = new Dictionary<string, string>
        {
            ["API_URL"] = directory.Url,
            ["API_TOKEN"] = "t0ken-from-env",
            ["MailTumble__Directory__Driver"] = "rest",
            ["MailTumble__Domains__0"] = "mask.example.com",
            ["MailTumble__DataDir"] = _dir.Path,
        };
        var (code, output) = await RelayProcess.RunAsync(_dir.Path, environment, "alias", "show", "x7g2@mask.example.com");
        Assert.True(code == 0, output);
        Assert.Matches(@"target\s+john@real\.example\.org", output);
        Assert.Contains("/prod/aliases/x7g2%40mask.example.com", directory.RawTargets);

        // The token is what the server checks: a different API_TOKEN is refused (401 → directory unavailable, not "no such alias").
        environment["API_TOKEN"] = "another";
        var (refused, refusedOutput) = await RelayProcess.RunAsync(_dir.Path, environment, "alias", "show", "x7g2@mask.example.com");
        Assert.Equal(ExitCodes.TempFail, refused);
        Assert.Contains("directory unavailable", refusedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_seed_variables_alone_select_the_rest_driver()
    {
        // As the seed is deployed: API_URL and API_TOKEN, the domains, and no MailTumble driver name.
        await using var directory = await TestRestDirectory.StartAsync("t0ken-from-env");
        directory.Targets["x7g2@mask.example.com"] = "john@real.example.org";
        var environment = new Dictionary<string, string>
        {
            ["API_URL"] = directory.Url,
            ["API_TOKEN"] = "t0ken-from-env",
            ["MailTumble__Domains__0"] = "mask.example.com",
            ["MailTumble__DataDir"] = _dir.Path,
        };
        var (code, output) = await RelayProcess.RunAsync(_dir.Path, environment, "alias", "show", "x7g2@mask.example.com");
        Assert.True(code == 0, output);
        Assert.Matches(@"target\s+john@real\.example\.org", output);
        Assert.Equal(1, directory.Hits);
    }

    [Fact]
    public void Api_url_selects_rest_unless_a_driver_is_named()
    {
        var rest = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Rest:Url"] = "http://127.0.0.1:9/prod" }).Build();
        Assert.Equal("rest", ServiceComposition.DirectoryDriver(rest));
        var named = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Rest:Url"] = "http://127.0.0.1:9/prod", ["Driver"] = "SQLite" }).Build();
        Assert.Equal("sqlite", ServiceComposition.DirectoryDriver(named));
        Assert.Equal("sqlite", ServiceComposition.DirectoryDriver(new ConfigurationBuilder().Build()));
    }

    [Fact]
    public async Task The_seed_api_url_without_domains_stops_with_a_message_naming_the_setting_never_silently_sqlite()
    {
        var environment = new Dictionary<string, string>
        {
            ["API_URL"] = "http://127.0.0.1:9/prod",
            ["API_TOKEN"] = "t0ken-from-env",
            ["MailTumble__DataDir"] = _dir.Path,
        };
        var (code, output) = await RelayProcess.RunAsync(_dir.Path, environment, "alias", "show", "x7g2@mask.example.com");
        Assert.Equal(ExitCodes.Config, code);
        Assert.Contains("MailTumble:Domains", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rest_driver_without_domains_stops_start_up_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RelayFixture.StartAsync(new()
        {
            ["MailTumble:Directory:Driver"] = "rest",
            ["MailTumble:Directory:Rest:Url"] = "http://127.0.0.1:9/prod",
        }));
        Assert.Contains("MailTumble:Domains", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_its_domains_the_rest_driver_denies_relaying_to_other_domains_without_asking_the_api()
    {
        await using var directory = await TestRestDirectory.StartAsync("t0ken");
        directory.Targets["x7g2@mask.example.com"] = "john@real.example.org";
        directory.Targets["someone@gmail.com"] = "john@real.example.org";
        await using var provider = Build(new()
        {
            ["MailTumble:Directory:Rest:Url"] = directory.Url,
            ["MailTumble:Directory:Rest:Token"] = "t0ken",
            ["MailTumble:Domains:0"] = "mask.example.com",
        });
        var policy = provider.GetRequiredService<RecipientPolicy>();
        Assert.Equal(554, (await policy.CheckAsync("someone@gmail.com", default)).Reply.Code);
        Assert.Equal(0, directory.Hits);
        Assert.Equal(250, (await policy.CheckAsync("x7g2@mask.example.com", default)).Reply.Code);
        Assert.Equal(1, directory.Hits);
    }

    public void Dispose() => _dir.Dispose();
}
