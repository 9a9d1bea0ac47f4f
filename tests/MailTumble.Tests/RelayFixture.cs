using System.Net;
using MailTumble.Core.Aliases;
using MailTumble.Core.Delivery;
using MailTumble.Core.Moderation;
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

    /// <summary>The alias <see cref="SendControlAsync"/> writes to, kept apart from every alias a test uses.</summary>
    public const string ControlAlias = "control@mask.example.com";

    /// <summary>Where the relay forwards <see cref="ControlAlias"/>: how a control message is told apart in the sink.</summary>
    public const string ControlTarget = "control@control.example.org";

    private const string ControlSender = "control@control.example.net";

    private int _controls;

    /// <summary>
    /// Completes when nothing is queued, in flight or deferred and no send-out worker is still finishing a batch (acks
    /// come before the stored copy is released): every accepted delivery has been sent, held, dropped or dead-lettered,
    /// and its stored copy released. The fact a test waits on before it checks what did (and did not) go out.
    /// </summary>
    public async Task<QueueStats> WaitForIdleAsync(TimeSpan? timeout = null)
    {
        var queue = Services.GetRequiredService<IOutgoingQueue>();
        var delivery = Services.GetRequiredService<DeliveryService>();

        // The queue first: an item is counted there from its enqueue until a worker, busy from its lease, acks it.
        var idle = await Eventually.ValueAsync(
            async () => (Stats: await queue.GetStatsAsync(default), Working: delivery.BatchesInFlight),
            seen => seen.Stats.Depth == 0 && seen.Working == 0,
            "the relay is idle (queue empty: nothing ready, in flight or deferred; no send-out batch being finished)",
            timeout ?? IdleTimeout);
        return idle.Stats;
    }

    /// <summary>Generous: the wait ends as soon as the relay is idle, and the machines that run the tests are shared.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Positive evidence that nothing (more) goes out: sends a control message to <see cref="ControlAlias"/>, after
    /// whatever the test expects to stay unsent, waits until <paramref name="sink"/> has it and the relay is idle, and
    /// returns the mail <paramref name="sink"/> received besides control messages. A relay that never sends fails here,
    /// where a quiet window followed by "nothing arrived" would pass.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedMail>> SettleWithControlAsync(TestSmtpSink? sink = null)
    {
        sink ??= Sink;
        var number = Interlocked.Increment(ref _controls);
        if (number == 1)
        {
            await AddAliasAsync(ControlAlias, ControlTarget);

            // Allowed, so neither first-contact moderation nor a sender rule of the test can hold it.
            await Services.GetRequiredService<ISenderRuleStore>().SetAsync(new SenderRule(ControlSender, ControlAlias, SenderRuleAction.Allow, false, DateTimeOffset.UtcNow, "test"), default);
        }

        await using (var client = await SmtpWireClient.ConnectAsync(SmtpPort))
        {
            Assert.StartsWith("220", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO control.test"));
            Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{ControlSender}>"));
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{ControlAlias}>"));
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            await client.SendAsync($"From: <{ControlSender}>\r\nTo: <{ControlAlias}>\r\nSubject: control {number}\r\n\r\ncontrol message {number}\r\n.\r\n");
            Assert.StartsWith("250", await client.ReadReplyAsync());
        }

        await Eventually.TrueAsync(
            () => sink.Messages.Count(IsControl) >= number,
            $"control message {number} to <{ControlAlias}>, sent after the mail that must not go out, was delivered",
            IdleTimeout);
        await WaitForIdleAsync();
        return Delivered(sink);
    }

    /// <summary>Whether <paramref name="mail"/> is a control message of <see cref="SettleWithControlAsync"/>.</summary>
    public static bool IsControl(ReceivedMail mail) => mail.To.Contains(ControlTarget, StringComparer.OrdinalIgnoreCase);

    /// <summary>What <paramref name="sink"/> (by default this relay's) received, control messages left out.</summary>
    public IReadOnlyList<ReceivedMail> Delivered(TestSmtpSink? sink = null) => (sink ?? Sink).Messages.Where(m => !IsControl(m)).ToList();

    /// <summary>Waits until <paramref name="sink"/> received at least <paramref name="count"/> messages besides control messages.</summary>
    public Task<IReadOnlyList<ReceivedMail>> WaitForDeliveredAsync(int count, TestSmtpSink? sink = null) =>
        Eventually.ValueAsync(
            () => Delivered(sink),
            delivered => delivered.Count >= count,
            $"the sink received {count} message(s) besides control messages",
            IdleTimeout);

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
