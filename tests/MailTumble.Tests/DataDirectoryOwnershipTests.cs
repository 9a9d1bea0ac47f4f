using System.Diagnostics;
using System.Globalization;
using MailKit.Net.Smtp;
using MailTumble.Testing;
using MimeKit;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>
/// One <c>serve</c> owns an embedded data directory: a second one refuses to start, and a restart after a crash sends what
/// the dead process had in flight at once rather than after the lease (5 minutes by default) runs out.
/// </summary>
public sealed class DataDirectoryOwnershipTests(ITestOutputHelper output) : IDisposable
{
    private const string Alias = "x7g2@mask.example.com";
    private readonly TempDirectory _dir = new();

    private string DataDir => Path.Combine(_dir.Path, "data");

    // The default LeaseTime (5 minutes) on purpose: nothing here shortens it.
    private Dictionary<string, string> Environment(int smtpPort, int smarthostPort) => new()
    {
        ["MailTumble__DataDir"] = DataDir,
        ["MailTumble__Smtp__Listen"] = $"127.0.0.1:{smtpPort}",
        ["MailTumble__Api__Listen"] = "127.0.0.1:0",
        ["MailTumble__Outbound__Smtp__Host"] = "127.0.0.1",
        ["MailTumble__Outbound__Smtp__Port"] = smarthostPort.ToString(CultureInfo.InvariantCulture),
        ["MAXIMUM_SEND_RATE"] = "100",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task In_flight_deliveries_of_a_killed_serve_go_out_within_10_seconds_of_the_restart_with_the_default_lease_time()
    {
        await using var stalling = new StallingSmtpServer();
        await using var sink = new TestSmtpSink();
        var smtpPort = TestSmtpSink.FreePort();
        var env = Environment(smtpPort, stalling.Port);
        Directory.CreateDirectory(DataDir);
        var (code, text) = await RelayProcess.RunAsync(_dir.Path, env, "alias", "add", Alias, "john@real.example.org");
        Assert.True(code == 0, text);

        var relay = await RelayProcess.StartAsync(_dir.Path, env);
        for (var n = 0; n < 3; n++)
        {
            await SendAsync(smtpPort, n);
        }

        // The fact: the send-out has leased deliveries and is talking to a smarthost that never answers.
        await Eventually.TrueAsync(() => stalling.Connections > 0, "the relay connected to the smarthost");
        var inFlight = await Eventually.ValueAsync(
            async () => (await RelayProcess.RunAsync(_dir.Path, env, "queue", "stats")).Output,
            stats => !stats.Contains("in flight       0", StringComparison.Ordinal) && stats.Contains("in flight", StringComparison.Ordinal),
            "queue stats shows deliveries in flight");
        output.WriteLine(inFlight);

        relay.Kill();
        await relay.DisposeAsync();

        // Counted from the restarted relay's banner: how long a process takes to start on a loaded machine is not the point.
        var starting = Stopwatch.StartNew();
        await using var restarted = await RelayProcess.StartAsync(_dir.Path, Environment(TestSmtpSink.FreePort(), sink.Port));
        output.WriteLine($"the restarted relay was up after {starting.Elapsed.TotalSeconds:0.0} s");
        var up = Stopwatch.StartNew();
        var delivered = await sink.WaitForAsync(3, TimeSpan.FromSeconds(10));
        output.WriteLine($"all 3 delivered {up.Elapsed.TotalSeconds:0.0} s after it was up");
        Assert.Equal(["crash-0", "crash-1", "crash-2"], delivered.Select(m => m.Header("Subject")).Order(StringComparer.Ordinal));
        Assert.Equal(0, await restarted.StopAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_second_serve_on_the_same_data_directory_refuses_to_start_and_names_it()
    {
        await using var sink = new TestSmtpSink();
        var smtpPort = TestSmtpSink.FreePort();
        Directory.CreateDirectory(DataDir);
        var (added, addText) = await RelayProcess.RunAsync(_dir.Path, Environment(smtpPort, sink.Port), "alias", "add", Alias, "john@real.example.org");
        Assert.True(added == 0, addText);
        await using var first = await RelayProcess.StartAsync(_dir.Path, Environment(smtpPort, sink.Port));

        var (code, text) = await RelayProcess.RunAsync(_dir.Path, Environment(TestSmtpSink.FreePort(), sink.Port), TimeSpan.FromSeconds(60), "serve");
        output.WriteLine(text);
        Assert.Equal(75, code);
        Assert.Contains($"another mailtumble serve owns the data directory {DataDir}", text, StringComparison.Ordinal);
        Assert.Contains("MailTumble:DataDir", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);

        // The first one is untouched by the attempt: it still takes and sends mail.
        await SendAsync(smtpPort, 7);
        Assert.Equal("crash-7", (await sink.WaitForAsync(1, TimeSpan.FromSeconds(30)))[0].Header("Subject"));
        Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));

        // Once it has stopped, the directory is free again.
        await using var next = await RelayProcess.StartAsync(_dir.Path, Environment(TestSmtpSink.FreePort(), sink.Port));
        Assert.Equal(0, await next.StopAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task SendAsync(int port, int n)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Shop", "shop@brand.example"));
        message.To.Add(new MailboxAddress(string.Empty, Alias));
        message.Subject = $"crash-{n}";
        message.Body = new TextPart("plain") { Text = $"message {n}" };
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    public void Dispose() => _dir.Dispose();
}
