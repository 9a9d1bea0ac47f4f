using System.Globalization;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// Three (and two) <c>serve</c> processes in AWS mode on fauxqs (SQS, S3) and dynalite (the shared state table) act as
/// one relay: they pace <c>MAXIMUM_SEND_RATE</c> together at the provider without <c>Workers</c>, and mail held by one
/// process is approved with the CLI of another and delivered.
/// </summary>
public sealed class AwsThreeProcessTests : IAsyncLifetime
{
    private const string Alias = ClusterFlow.Alias;
    private readonly TempDirectory _dir = new();
    private readonly TestSmtpSink _sink = new();
    private AwsEmulator? _aws;

    [SkippableFact]
    public async Task Mail_held_by_one_process_is_approved_with_the_cli_of_another_and_delivered()
    {
        var a = Node("a");
        var b = Node("b");
        // A rule set from process b's CLI before anything runs: process a holds by it (sender rules are shared).
        var (code, output) = await RelayProcess.RunAsync(_dir.Path, b, "sender", "hold", "@brand.example");
        Assert.True(code == 0, output);
        await using var nodeA = await RelayProcess.StartAsync(_dir.Path, a);
        await using var nodeB = await RelayProcess.StartAsync(_dir.Path, b);

        await SendAsync(a, "held on a");
        var listed = await Eventually.ValueAsync(
            async () => (await RelayProcess.RunAsync(_dir.Path, b, "held", "list")).Output,
            o => o.Contains("held on a", StringComparison.Ordinal),
            "process b lists the mail process a held (value: its listing)");
        var id = listed.Split('\t')[0];
        Assert.Empty(_sink.Messages);

        (code, output) = await RelayProcess.RunAsync(_dir.Path, b, "held", "approve", id);
        Assert.True((code, output) == (0, "approved 1\n"), $"exit {code}: {output}");
        var mail = Assert.Single(await _sink.WaitForAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Contains("the body of held on a", mail.Text, StringComparison.Ordinal);
        Assert.Equal(["john@real.example.org"], mail.To);

        // Decided once for every process: a's CLI sees the decision and cannot decide again.
        (code, output) = await RelayProcess.RunAsync(_dir.Path, a, "held", "reject", id);
        Assert.True(code == 67 && output.Contains($"{id} (already approved)", StringComparison.Ordinal), $"exit {code}: {output}");
        await AwsIngressEndToEndTests.DrainedAsync(_aws!, _aws!.QueueUrl);
        Assert.Equal(0, await nodeA.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await nodeB.StopAsync(TimeSpan.FromSeconds(30)));
    }

    [SkippableFact]
    public async Task Three_processes_share_30_per_second_without_workers()
    {
        const int Messages = 600;
        const double Rate = 30;
        (string, string)[] settings =
        [
            ("MAXIMUM_SEND_RATE", "30"),
            ("Logging__LogLevel__MailTumble.Core.Cluster.RateBudgetService", "Information"),
        ];
        var configs = new[] { Node("a", settings), Node("b", settings), Node("c", settings) };
        await using var nodeA = await RelayProcess.StartAsync(_dir.Path, configs[0]);
        await using var nodeB = await RelayProcess.StartAsync(_dir.Path, configs[1]);
        await using var nodeC = await RelayProcess.StartAsync(_dir.Path, configs[2]);
        RelayProcess[] nodes = [nodeA, nodeB, nodeC];
        await ClusterFlow.EveryNodeUsesAsync(nodes, "10/s of 30/s");

        // Held on all three (a rule from b's CLI), listed from a's, approved from c's.
        await ClusterFlow.TakeInHeldAsync(_dir.Path, configs, Messages, "paced");
        var (code, output) = await RelayProcess.RunAsync(_dir.Path, configs[0], "held", "list");
        Assert.True(code == 0 && output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == Messages, $"process a lists all {Messages} held: exit {code}, {output.Length} chars");
        Assert.Empty(_sink.Messages);
        await ClusterFlow.ApproveAllAsync(_dir.Path, configs[2]);

        await ClusterFlow.EveryMessageDeliveredAsync(_sink, Messages, "paced");

        // The provider's view, steady part: from 1 s after the first arrival to 1 s before the last.
        var arrivals = _sink.Messages.Select(m => m.Arrived).Order().ToList();
        var steady = ArrivalPace.Steady(arrivals, arrivals[0] + TimeSpan.FromSeconds(1), arrivals[^1] - TimeSpan.FromSeconds(1));
        var busiest = ArrivalPace.Busiest(arrivals);
        var figures = $"three processes: {steady.Rate:0.00}/s over {steady.Count} arrivals; busiest 1-s window {busiest.Count} at "
            + $"{(busiest.Start - arrivals[0]).TotalSeconds:0.0} s of the drain; {arrivals.Count} arrivals for {Messages} messages";
        // One budget, not three (a process that took the whole rate would make it 60–90/s). How close to the rate they pace
        // is a speed figure, not asserted here where parallel tests share the machine's cores.
        Assert.True(steady.Count >= 300, $"too few arrivals in the steady part: {figures}");
        Assert.True(steady.Rate <= Rate * 1.05, $"three processes together sent faster than 30/s: {figures}");
        Assert.True(busiest.Count <= Rate * 1.2, $"a one-second window held far more than 30: {figures}");
        Console.WriteLine(figures);
        await AwsIngressEndToEndTests.DrainedAsync(_aws!, _aws!.QueueUrl);
        foreach (var node in nodes)
        {
            Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(30)));
        }
    }

    private Dictionary<string, string> Node(string name, params (string Key, string Value)[] extra)
    {
        var map = Path.Combine(_dir.Path, "aliases.yaml");
        if (!File.Exists(map))
        {
            File.WriteAllText(map, $"aliases:\n  {Alias}: john@real.example.org\n");
        }

        var environment = new Dictionary<string, string>(AwsEmulator.CredentialVariables)
        {
            ["MailTumble__DataDir"] = Path.Combine(_dir.Path, name),
            ["MailTumble__Directory__Driver"] = "map",
            ["MailTumble__Directory__Map__Path"] = map,
            ["MailTumble__Domains__0"] = "mask.example.com",
            ["FROM_EMAIL"] = "relay@mask.example.com",
            ["MAXIMUM_SEND_RATE"] = "1000",
            ["MailTumble__Smtp__Listen"] = $"127.0.0.1:{TestSmtpSink.FreePort()}",
            ["MailTumble__Api__Listen"] = "127.0.0.1:0",
            ["MailTumble__Outbound__Smtp__Host"] = "127.0.0.1",
            ["MailTumble__Outbound__Smtp__Port"] = _sink.Port.ToString(CultureInfo.InvariantCulture),
            ["MailTumble__Outbound__IdlePoll"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in _aws!.Settings())
        {
            if (value is not null)
            {
                environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }

        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    private static Task SendAsync(Dictionary<string, string> node, string subject) => ClusterFlow.SendAsync(node, subject);

    public async Task InitializeAsync() => _aws = await AwsEmulator.CreateAsync();

    public async Task DisposeAsync()
    {
        await _sink.DisposeAsync();
        _aws?.Dispose();
        _dir.Dispose();
    }
}
