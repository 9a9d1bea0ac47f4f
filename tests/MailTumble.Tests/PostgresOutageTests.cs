using System.Text.RegularExpressions;
using MailTumble.Testing;
using Npgsql;

namespace MailTumble.Tests;

/// <summary>
/// PostgreSQL going away while <c>serve</c> runs (a TCP proxy on loopback in front of the real server, cut and
/// restored): one line naming <c>MailTumble:Postgres:ConnectionString</c>, SMTP answers 4xx meanwhile (never a 250
/// without the message stored), and sending picks up again by itself when the server is back.
/// </summary>
public sealed partial class PostgresOutageTests : IAsyncLifetime
{
    private const string Alias = PostgresServe.Alias;
    private const string OutageLine = "Send-out cannot use the queue: cannot use PostgreSQL at";
    private readonly TempDirectory _dir = new();
    private readonly TestSmtpSink _sink = new();
    private readonly PostgresServe _postgres;
    private LoopbackTcpProxy? _proxy;

    public PostgresOutageTests() => _postgres = new PostgresServe(_dir.Path, _sink.Port);

    [SkippableFact]
    public async Task An_outage_is_one_line_naming_the_setting_smtp_gets_4xx_and_sending_resumes_when_it_is_back()
    {
        var server = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString);
        _proxy = new LoopbackTcpProxy(server.Host!, server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString) { Host = "127.0.0.1", Port = _proxy.Port }.ConnectionString;
        var environment = _postgres.Node(
            "data",
            ("MailTumble__Postgres__ConnectionString", throughProxy),
            ("Logging__LogLevel__MailTumble.Core.Delivery.DeliveryService", "Information"));
        var smtpPort = PostgresServe.SmtpPort(environment);
        await using var relay = await RelayProcess.StartAsync(_dir.Path, environment);
        Assert.StartsWith("250", await SendAsync(smtpPort, "before"));
        await _sink.WaitForAsync(1, TimeSpan.FromSeconds(60));

        _proxy.Cut();

        // Meanwhile no 250: the message cannot be stored, so the client must keep it.
        var (rcpt, data) = await TransactAsync(smtpPort, "during");
        Assert.True(data is null ? rcpt.StartsWith('4') : data.StartsWith('4'), $"during the outage: RCPT {rcpt}, DATA {data ?? "(not sent)"}\n{relay.Output}");
        var line = $"{OutageLine} 127.0.0.1:{_proxy.Port} (MailTumble:Postgres:ConnectionString)";
        await Eventually.TrueAsync(() => relay.Output.Contains(line, StringComparison.Ordinal), "the outage is logged naming the setting", TimeSpan.FromSeconds(30));

        // Some seconds of outage (the node keeps trying: heartbeats, the listener, the send-out's backoff): still one line.
        await Eventually.TrueAsync(() => _proxy.Dropped >= 20, "the node keeps trying the server", TimeSpan.FromSeconds(60));
        (rcpt, data) = await TransactAsync(smtpPort, "still during");
        Assert.True(data is null ? rcpt.StartsWith('4') : data.StartsWith('4'), $"later in the outage: RCPT {rcpt}, DATA {data ?? "(not sent)"}\n{relay.Output}");
        var output = relay.Output;
        Assert.True(Occurrences(output, OutageLine) == 1, $"one line for the outage, not {Occurrences(output, OutageLine)}:\n{output}");
        Assert.DoesNotContain("Send worker failed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not read queue statistics", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Rate budget heartbeat failed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not take the lane census", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Console chart sample failed", output, StringComparison.Ordinal);

        _proxy.Restore();
        await Eventually.TrueAsync(
            () => relay.Output.Contains("Send-out can use the queue again", StringComparison.Ordinal),
            "the send-out recovers by itself (waits double up to a minute)",
            TimeSpan.FromSeconds(90));
        Assert.StartsWith("250", await SendAsync(smtpPort, "after"));
        await Eventually.TrueAsync(
            () => _sink.Messages.Any(m => m.Header("Subject") == "after"),
            "mail taken in after the outage is delivered",
            TimeSpan.FromSeconds(60));
        Assert.Equal(["after", "before"], _sink.Messages.Select(m => m.Header("Subject")!).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(0, await relay.StopAsync(TimeSpan.FromSeconds(30)));
    }

    private static int Occurrences(string text, string what) => Regex.Matches(text, Regex.Escape(what)).Count;

    private static async Task<string?> SendAsync(int port, string subject)
    {
        var (rcpt, data) = await TransactAsync(port, subject);
        Assert.StartsWith("250", rcpt);
        return data;
    }

    private static async Task<(string Rcpt, string? Data)> TransactAsync(int port, string subject)
    {
        var (recipients, data) = await RelaySmtp.TransactAsync(
            port, "shop@brand.example", [Alias], $"From: Shop <shop@brand.example>\r\nSubject: {subject}\r\n\r\nthe body of {subject}\r\n");
        return (Assert.Single(recipients), data);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _sink.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        await _postgres.DropSchemaAsync();
        _dir.Dispose();
    }
}
