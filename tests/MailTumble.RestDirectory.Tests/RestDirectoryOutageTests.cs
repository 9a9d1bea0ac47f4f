using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MailTumble.Core.Aliases;
using MailTumble.Core.Receiving;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.RestDirectory.Tests;

/// <summary>The original driver dropped mail during outages; these prove an outage is a 451, never a 550.</summary>
public sealed class RestDirectoryOutageTests : IAsyncLifetime
{
    private const string Address = "x7g2@mask.example.com";
    private IndependentAliasServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await IndependentAliasServer.StartAsync();
        _server.Documents[Address] = new { email = "john@real.example.org" };
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(IndependentAliasServer.Behaviour.Error500)]
    [InlineData(IndependentAliasServer.Behaviour.Malformed)]
    [InlineData(IndependentAliasServer.Behaviour.NoTarget)]
    public async Task Server_errors_and_bad_answers_are_temporary_failures(IndependentAliasServer.Behaviour mode)
    {
        using var rest = RestDirectories.Create(_server.BaseAddress, IndependentAliasServer.Token);
        var directory = RestDirectories.Resilient(rest);
        _server.Mode = mode;
        var result = await directory.LookupAsync(Address, default);
        Assert.Equal(LookupOutcome.TemporaryFailure, result.Outcome);
        Assert.NotNull(result.Reason);
    }

    [Fact]
    public async Task A_wrong_token_is_a_temporary_failure_not_an_unknown_alias()
    {
        using var rest = RestDirectories.Create(_server.BaseAddress, "wrong");
        var directory = RestDirectories.Resilient(rest);
        var result = await directory.LookupAsync(Address, default);
        Assert.Equal(LookupOutcome.TemporaryFailure, result.Outcome);
        Assert.Contains("401", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_server_times_out_as_a_temporary_failure()
    {
        using var rest = RestDirectories.Create(_server.BaseAddress, IndependentAliasServer.Token);
        var directory = RestDirectories.Resilient(rest, configure: o => o.Timeout = TimeSpan.FromMilliseconds(300));
        _server.Mode = IndependentAliasServer.Behaviour.Slow;
        var clock = Stopwatch.StartNew();
        var result = await directory.LookupAsync(Address, default);
        Assert.Equal(LookupOutcome.TemporaryFailure, result.Outcome);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_refused_connection_is_a_temporary_failure()
    {
        using var rest = RestDirectories.Create(new Uri($"http://127.0.0.1:{FreePort()}/prod"), IndependentAliasServer.Token);
        var directory = RestDirectories.Resilient(rest);
        Assert.Equal(LookupOutcome.TemporaryFailure, (await directory.LookupAsync(Address, default)).Outcome);
    }

    [Theory]
    [InlineData("{\"email\":\"john@real.example.org\",\"count_bounce\":3}", AliasStatus.Active)]
    [InlineData("{\"email\":\"john@real.example.org\",\"count_bounce\":4}", AliasStatus.Dead)]
    [InlineData("{\"email\":\"john@real.example.org\",\"count_complaint\":1}", AliasStatus.Dead)]
    [InlineData("{\"email\":\"john@real.example.org\",\"optout\":true}", AliasStatus.Disabled)]
    [InlineData("{\"email\":\"john@real.example.org\",\"status\":\"held\"}", AliasStatus.Held)]
    [InlineData("{\"email\":\"john@real.example.org\",\"status\":\"typo\"}", AliasStatus.Disabled)]
    [InlineData("{\"alias\":\"John@Real.example.org\",\"count_bounce\":\"2\"}", AliasStatus.Active)]
    [InlineData("{\"address\":\"x7g2@mask.example.com\",\"alias\":\"john@real.example.org\",\"email\":\"john@real.example.org\"}", AliasStatus.Active)]
    [InlineData("{\"alias\":\"x7g2@mask.example.com\",\"email\":\"john@real.example.org\"}", AliasStatus.Active)]
    public void The_original_semantics_decide_the_status(string json, AliasStatus expected)
    {
        var result = RestAliasDirectory.Parse(System.Text.Encoding.UTF8.GetBytes(json), Address);
        Assert.Equal(LookupOutcome.Found, result.Outcome);
        Assert.Equal(("john@real.example.org", expected), (result.Alias!.Target, result.Alias.Status));
    }

    [Theory]
    [InlineData(3, AliasStatus.Dead)]
    [InlineData(5, AliasStatus.Active)]
    public void The_configured_bounce_limit_replaces_the_original_three(int limit, AliasStatus expected)
    {
        var json = "{\"email\":\"john@real.example.org\",\"count_bounce\":4}"u8;
        Assert.Equal(expected, RestAliasDirectory.Parse(json, Address, limit).Alias!.Status);
    }

    [Fact]
    public async Task The_circuit_opens_after_failures_and_closes_when_the_server_recovers()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var rest = RestDirectories.Create(_server.BaseAddress, IndependentAliasServer.Token);
        var directory = RestDirectories.Resilient(rest, time, o =>
        {
            o.BreakerMinimumThroughput = 4;
            o.BreakerBreakDuration = TimeSpan.FromSeconds(30);
        });
        _server.Mode = IndependentAliasServer.Behaviour.Error500;
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(LookupOutcome.TemporaryFailure, (await directory.LookupAsync(Address, default)).Outcome);
        }

        var hits = _server.Hits;
        var open = await directory.LookupAsync(Address, default);
        Assert.Equal(LookupOutcome.TemporaryFailure, open.Outcome);
        Assert.Contains("circuit", open.Reason, StringComparison.Ordinal);
        Assert.Equal(hits, _server.Hits);

        _server.Mode = IndependentAliasServer.Behaviour.Normal;
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(LookupOutcome.Found, (await directory.LookupAsync(Address, default)).Outcome);
        Assert.Equal(hits + 1, _server.Hits);
    }

    [Fact]
    public async Task Rcpt_gets_451_while_the_directory_is_down_and_250_once_it_is_back()
    {
        var port = FreePort();
        using var rest = RestDirectories.Create(new Uri($"http://127.0.0.1:{port}/prod"), IndependentAliasServer.Token);
        var cached = new CachingAliasDirectory(RestDirectories.Resilient(rest, configure: o => o.Timeout = TimeSpan.FromMilliseconds(1500)), null, Options.Create(new DirectoryCacheOptions()), TimeProvider.System);
        var receive = new ReceiveOptions();
        receive.Domains.Add("mask.example.com");
        var policy = new RecipientPolicy(cached, Options.Create(receive), NullLogger<RecipientPolicy>.Instance);

        Assert.Equal(451, (await policy.CheckAsync(Address, default)).Reply.Code);

        await using (var slow = await IndependentAliasServer.StartAsync(port))
        {
            slow.Documents[Address] = new { email = "john@real.example.org" };
            slow.Mode = IndependentAliasServer.Behaviour.Slow;
            Assert.Equal(451, (await policy.CheckAsync(Address, default)).Reply.Code);
            slow.Mode = IndependentAliasServer.Behaviour.Error500;
            Assert.Equal(451, (await policy.CheckAsync(Address, default)).Reply.Code);

            // Back: the failures were not cached, so the next attempt is accepted and an unknown alias is a 550.
            slow.Mode = IndependentAliasServer.Behaviour.Normal;
            var accepted = await policy.CheckAsync(Address, default);
            Assert.Equal(250, accepted.Reply.Code);
            Assert.Equal("john@real.example.org", accepted.Alias!.Target);
            Assert.Equal(550, (await policy.CheckAsync("nobody@mask.example.com", default)).Reply.Code);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
