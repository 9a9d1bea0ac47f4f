using System.Net;
using MailTumble.Core.Aliases;
using MailTumble.Core.Queue;
using MailTumble.Hosting;
using MailTumble.Smtp.Inbound;
using MailTumble.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>A whole relay in this process: real SMTP listener on loopback, real SQLite file, sending to a test SMTP server.</summary>
internal sealed class RelayFixture : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();

    private RelayFixture(TestSmtpSink sink, WebApplication app, IPEndPoint smtp, string dataDir)
    {
        Sink = sink;
        App = app;
        Smtp = smtp;
        DataDir = dataDir;
    }

    public TestSmtpSink Sink { get; }

    public WebApplication App { get; }

    public IPEndPoint Smtp { get; }

    public string DataDir { get; }

    public int SmtpPort => Smtp.Port;

    public string ApiBase
    {
        get
        {
            var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return addresses.First();
        }
    }

    public IServiceProvider Services => App.Services;

    public static async Task<RelayFixture> StartAsync(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, TestSmtpSink? sink = null)
    {
        sink ??= new TestSmtpSink();
        var dir = new TempDirectory();
        var values = new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = dir.Path,
            ["MailTumble:Smtp:Listen"] = "127.0.0.1:0",
            ["MailTumble:Smtp:ServerName"] = "relay.test",
            ["MailTumble:Api:Listen"] = "127.0.0.1:0",
            ["MailTumble:Outbound:Smtp:Host"] = "127.0.0.1",
            ["MailTumble:Outbound:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MailTumble:Outbound:MaxSendRate"] = "1000",
            ["MailTumble:Outbound:RetryInitial"] = "00:00:00.200",
            ["MailTumble:Outbound:RetryMax"] = "00:00:01",
            ["MailTumble:Outbound:ThrottleRetry"] = "00:00:00.100",
            ["MailTumble:Outbound:IdlePoll"] = "00:00:00.100",
            ["MailTumble:Outbound:UnreachablePause"] = "00:00:00.300",
            ["Logging:LogLevel:Default"] = "Warning",
            // Smaller than the default 16 MB: every relay a test starts writes its reserve.
            ["MailTumble:Sqlite:DiskReserveMegabytes"] = "1",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var app = RelayHost.Build(MailTumbleConfiguration.Build(values), services);
        await app.StartAsync();
        var smtp = await app.Services.GetRequiredService<SmtpListenerService>().BoundEndPoint.WaitAsync(TimeSpan.FromSeconds(10));
        var fixture = new RelayFixture(sink, app, smtp, dir.Path);
        fixture._owned = dir;
        return fixture;
    }

    private TempDirectory? _owned;

    /// <summary>
    /// Completes when nothing is queued, in flight or deferred: every accepted delivery has been sent, held,
    /// dropped or dead-lettered. The fact a test waits on before it checks what did (and did not) go out.
    /// </summary>
    public Task<QueueStats> WaitForIdleAsync(TimeSpan? timeout = null) =>
        Eventually.ValueAsync(
            () => Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default),
            stats => stats.Depth == 0,
            "the relay's queue is empty (nothing ready, in flight or deferred)",
            timeout);

    public Task AddAliasAsync(string alias, string target) =>
        Services.GetRequiredService<IAliasAdmin>().UpsertAsync(alias, target, default);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await Sink.DisposeAsync();
        _owned?.Dispose();
        _dir.Dispose();
    }
}
