using MailTumble.Core.Cluster;
using MailTumble.Core.Counters;
using MailTumble.Core.Delivery;
using MailTumble.Core.Aliases;
using MailTumble.Core.Feedback;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Storage;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailTumble.Tests;

/// <summary>
/// Every backend family registers every stateful port once, with its own adapters: resolving each port per family shows
/// which assembly answers, and none may fall back to another family's. The alias directory is chosen separately.
/// </summary>
public sealed class BackendFamilyCompositionTests : IDisposable
{
    /// <summary>The stateful ports a family must provide.</summary>
    private static readonly Type[] Ports =
    [
        typeof(IRawStore), typeof(IOutgoingQueue), typeof(IDeadLetterAdmin), typeof(IHeldStore), typeof(ISenderRuleStore),
        typeof(IFeedbackStore), typeof(IDeliveryStatusStore), typeof(IRateBudget), typeof(IQueueWakeUp),
    ];

    private readonly TempDirectory _dir = new();

    public static TheoryData<string> Families() => ["embedded", "aws", "postgres"];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Every_port_is_registered_once_and_answered_by_the_family_s_own_adapters(string family)
    {
        var services = Compose(family);
        // The postgres family also answers the event history, the storage state and the alias counters itself (the others' come from elsewhere).
        Type[] ports = family == "postgres" ? [.. Ports, typeof(IFeedbackHistory), typeof(IStorageState), typeof(IAliasCounterStore)] : Ports;
        foreach (var port in ports)
        {
            Assert.True(services.Count(d => d.ServiceType == port && !d.IsKeyedService) == 1, $"{family}: {port.Name} is registered {services.Count(d => d.ServiceType == port && !d.IsKeyedService)} times");
        }

        await using var provider = services.BuildServiceProvider();
        var answered = ports.ToDictionary(p => p, p => provider.GetRequiredService(p).GetType());
        foreach (var (port, type) in answered)
        {
            var assembly = type.Assembly.GetName().Name!;
            Assert.True(Allowed(family, port).Contains(assembly), $"{family}: {port.Name} is answered by {type.FullName} from {assembly}");
        }
    }

    [Fact]
    public async Task The_aws_family_keeps_no_state_in_the_process_s_sqlite_file_not_even_behind_its_own_adapters()
    {
        // A shared adapter wrapping a process-local SQLite store (registered keyed) would pass the test above.
        Type[] ports = [.. Ports, typeof(IFeedbackHistory), typeof(IAliasCounterStore)];
        var services = Compose("aws");
        await using var provider = services.BuildServiceProvider();
        var answered = ports.Select(p => (Port: p, Type: provider.GetService(p)?.GetType()));
        var wrapped = services.Where(d => d.IsKeyedService && ports.Contains(d.ServiceType)).Select(d => (Port: d.ServiceType, Type: d.KeyedImplementationType));
        var sqlite = answered.Concat(wrapped)
            .Where(d => d.Type?.Assembly.GetName().Name == "MailTumble.Sqlite")
            .Select(d => $"{d.Port.Name} -> {d.Type!.Name}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Empty(sqlite);
    }

    [Fact]
    public async Task Postgres_with_raw_messages_in_s3_answers_the_raw_store_from_s3_and_every_other_port_from_postgres()
    {
        var services = Compose("postgres", new() { ["MailTumble:Postgres:RawStore"] = "s3" });
        Type[] ports = [.. Ports, typeof(IFeedbackHistory), typeof(IStorageState), typeof(IAliasCounterStore)];
        foreach (var port in ports)
        {
            Assert.True(services.Count(d => d.ServiceType == port && !d.IsKeyedService) == 1, $"postgres+s3: {port.Name} is registered {services.Count(d => d.ServiceType == port && !d.IsKeyedService)} times");
        }

        await using var provider = services.BuildServiceProvider();
        foreach (var port in ports)
        {
            var type = provider.GetRequiredService(port).GetType();
            var (expected, assembly) = port == typeof(IRawStore) ? ("S3RawStore", "MailTumble.Aws") : (type.Name, "MailTumble.Postgres");
            Assert.True(type.Name == expected && type.Assembly.GetName().Name == assembly, $"postgres+s3: {port.Name} is answered by {type.FullName} from {type.Assembly.GetName().Name}");
        }
    }

    [Theory]
    [InlineData("embedded", "map")]
    [InlineData("aws", "sqlite")]
    [InlineData("aws", "map")]
    [InlineData("postgres", "sqlite")]
    [InlineData("postgres", "map")]
    public async Task The_alias_directory_is_a_separate_choice(string family, string driver)
    {
        var map = Path.Combine(_dir.Path, "aliases.yaml");
        await File.WriteAllTextAsync(map, "aliases:\n  x7g2@mask.example.com: john@real.example.org\n");
        await using var provider = Compose(family, new() { ["MailTumble:Directory:Driver"] = driver, ["MailTumble:Directory:Map:Path"] = map }).BuildServiceProvider();
        var lookup = await provider.GetRequiredService<IAliasDirectory>().LookupAsync("x7g2@mask.example.com", default);
        Assert.Equal(driver == "map" ? LookupOutcome.Found : LookupOutcome.NotFound, lookup.Outcome);
        Assert.Equal(family switch { "aws" => "SqsOutgoingQueue", "postgres" => "PostgresOutgoingQueue", _ => "SqliteOutgoingQueue" }, provider.GetRequiredService<IOutgoingQueue>().GetType().Name);
    }

    public void Dispose() => _dir.Dispose();

    private static HashSet<string> Allowed(string family, Type port) => family switch
    {
        "embedded" => ["MailTumble.Sqlite", "MailTumble.Files", "MailTumble.Core"],
        "aws" => ["MailTumble.Aws", "MailTumble.Core"],
        "postgres" => ["MailTumble.Postgres"],
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };

    private ServiceCollection Compose(string family, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = _dir.Path,
            ["MailTumble:Backend"] = family,
            ["MailTumble:Aws:QueueUrl"] = "http://127.0.0.1:1/000000000000/out",
            ["MailTumble:Aws:S3BucketName"] = "raw",
            ["MailTumble:Aws:ServiceUrl"] = "http://127.0.0.1:1",
            ["MailTumble:Aws:DynamoDbServiceUrl"] = "http://127.0.0.1:1",
            // Never connected to: composing and resolving the ports opens no connection.
            ["MailTumble:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Username=nobody",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddMailTumbleRelay(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        return services;
    }
}
