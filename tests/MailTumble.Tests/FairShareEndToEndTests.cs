using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MailTumble.Core.Queue;
using MailTumble.Hosting;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// Fair share over real SMTP: a burst from one sender domain does not hold up another domain's mail, a lane too far
/// behind gets temporary refusals while others get 250, and the lanes show in <c>queue lanes</c> and <c>/queue/lanes</c>.
/// </summary>
public sealed class FairShareEndToEndTests
{
    private const string Burst = "burst@mask.example.com";
    private const string Friend = "friend@mask.example.com";

    [Fact]
    public async Task A_trickle_from_another_domain_is_delivered_while_the_burst_is_still_queued()
    {
        await using var relay = await StartAsync(new() { ["MailTumble:Outbound:MaxSendRate"] = "40" });
        await SendManyAsync(relay, "news@campaign.example", Burst, 400, sessions: 4);

        for (var i = 0; i < 3; i++)
        {
            await SendManyAsync(relay, "me@friend.example", Friend, 1, sessions: 1, subject: $"personal {i}");
        }

        // The three personal messages arrive; at that moment most of the burst is still waiting.
        var arrived = await Eventually.ValueAsync(
            () => relay.Sink.Messages.ToArray(),
            all => all.Count(m => m.Header("Subject")!.StartsWith("personal", StringComparison.Ordinal)) == 3,
            "the three personal messages reached the provider");
        var burstSent = arrived.Count(m => m.Header("Subject")!.StartsWith("burst", StringComparison.Ordinal));
        var queued = (await relay.Services.GetRequiredService<IOutgoingQueue>().GetStatsAsync(default)).Depth;
        Assert.True(queued >= 50, $"only {queued} of the burst still queued when the trickle arrived ({burstSent} sent)");

        // Nothing is lost: the whole burst follows.
        await relay.WaitForIdleAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(403, relay.Sink.Messages.Count);
    }

    [Fact]
    public async Task With_fairness_off_the_trickle_waits_behind_the_whole_burst()
    {
        await using var relay = await StartAsync(new() { ["MailTumble:Outbound:MaxSendRate"] = "100", ["MailTumble:Fairness:Enabled"] = "false" });
        await SendManyAsync(relay, "news@campaign.example", Burst, 300, sessions: 4);
        await SendManyAsync(relay, "me@friend.example", Friend, 1, sessions: 1, subject: "personal 0");

        await relay.WaitForIdleAsync(TimeSpan.FromSeconds(60));
        var order = relay.Sink.Messages.Select(m => m.Header("Subject")!).ToList();
        Assert.Equal(301, order.Count);
        Assert.True(order.IndexOf("personal 0") >= 295, $"the personal message went out as number {order.IndexOf("personal 0") + 1} of 301");
    }

    [Fact]
    public async Task A_lane_past_MaxLaneDrain_gets_452_at_rcpt_while_others_get_250_and_everything_accepted_is_delivered()
    {
        // 60 queued at 5/s take 12 s, more than the 2 s allowed.
        await using var relay = await StartAsync(new()
        {
            ["MailTumble:Outbound:MaxSendRate"] = "5",
            ["MailTumble:Fairness:MaxLaneDrain"] = "00:00:02",
        });
        await SendOneToManyAsync(relay, "news@campaign.example", await AddAliasesAsync(relay, "campaign", 60));

        var refused = await Eventually.ValueAsync<string>(() => RcptAsync(relay, "news@campaign.example", Burst), r => r.StartsWith("452", StringComparison.Ordinal), "the campaign's lane is refused");
        Assert.StartsWith("452 4.3.1 <burst@mask.example.com>", refused, StringComparison.Ordinal);
        Assert.StartsWith("250", await RcptAsync(relay, "me@friend.example", Friend), StringComparison.Ordinal);
        await SendManyAsync(relay, "me@friend.example", Friend, 1, sessions: 1, subject: "personal 0");
        await Eventually.TrueAsync(() => relay.Sink.Messages.Any(m => m.Header("Subject") == "personal 0"), "the other lane's mail is delivered");

        // Once the lane is under the limit again it takes mail; everything that got 250 is delivered.
        await Eventually.ValueAsync<string>(() => RcptAsync(relay, "news@campaign.example", Burst), r => r.StartsWith("250", StringComparison.Ordinal), "the campaign's lane takes mail again", TimeSpan.FromSeconds(30));
        await relay.WaitForIdleAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(61, relay.Sink.Messages.Count);
    }

    [Fact]
    public async Task A_header_lane_past_MaxLaneDrain_gets_451_at_data_while_other_tenants_get_250()
    {
        await using var relay = await StartAsync(new()
        {
            ["MailTumble:Outbound:MaxSendRate"] = "5",
            ["MailTumble:Fairness:MaxLaneDrain"] = "00:00:02",
            ["MailTumble:Fairness:LaneBy"] = "header:X-Tenant",
        });
        await SendOneToManyAsync(relay, "app@saas.example", await AddAliasesAsync(relay, "acme", 60), header: "X-Tenant: acme\r\n");

        // Probes that still get 250 are accepted mail too: count them.
        var accepted = 60;
        var refused = await Eventually.ValueAsync<string>(
            async () =>
            {
                var reply = await DataAsync(relay, "X-Tenant: acme\r\n");
                accepted += reply.StartsWith("250", StringComparison.Ordinal) ? 1 : 0;
                return reply;
            },
            r => r.StartsWith("451", StringComparison.Ordinal),
            "the acme tenant is refused at DATA");
        Assert.StartsWith("451 4.7.1", refused, StringComparison.Ordinal);
        Assert.StartsWith("250", await DataAsync(relay, "X-Tenant: globex\r\n"), StringComparison.Ordinal);
        await relay.WaitForIdleAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(accepted + 1, relay.Sink.Messages.Count);
    }

    [Fact]
    public async Task Lanes_are_listed_by_the_api_and_the_cli_with_depth_share_and_backpressure()
    {
        await using var relay = await StartAsync(new()
        {
            ["MailTumble:Outbound:Enabled"] = "false",
            ["MailTumble:Outbound:MaxSendRate"] = "10",
            ["MailTumble:Fairness:Weights:campaign.example"] = "3",
        });
        await SendManyAsync(relay, "news@campaign.example", Burst, 6, sessions: 1, header: "Precedence: bulk\r\n");
        await SendManyAsync(relay, "me@friend.example", Friend, 2, sessions: 1);

        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        var lanes = JsonDocument.Parse(await http.GetStringAsync(new Uri("/queue/lanes?top=10", UriKind.Relative))).RootElement;
        Assert.Equal((true, true, "sender-domain", 2L), (lanes.GetProperty("available").GetBoolean(), lanes.GetProperty("enabled").GetBoolean(), lanes.GetProperty("lane_by").GetString(), lanes.GetProperty("lanes").GetInt64()));
        var top = lanes.GetProperty("top");
        Assert.Equal(("campaign.example", 6, 6, 6), (top[0].GetProperty("lane").GetString(), top[0].GetProperty("depth").GetInt32(), top[0].GetProperty("ready").GetInt32(), top[0].GetProperty("bulk").GetInt32()));
        Assert.Equal((3.0, 7.5, 0.8), (top[0].GetProperty("weight").GetDouble(), top[0].GetProperty("share").GetDouble(), top[0].GetProperty("seconds_to_drain").GetDouble()));
        Assert.Equal(("friend.example", 2.5, false), (top[1].GetProperty("lane").GetString(), top[1].GetProperty("share").GetDouble(), top[1].GetProperty("backpressure").GetBoolean()));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("/queue/lanes?top=0", UriKind.Relative))).StatusCode);

        var output = new StringWriter();
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?>
        {
            ["MailTumble:DataDir"] = relay.DataDir,
            ["MailTumble:Outbound:MaxSendRate"] = "10",
            ["MailTumble:Fairness:Weights:campaign.example"] = "3",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        Assert.Equal(0, await MailTumbleCli.RunAsync(["queue", "lanes"], output, new StringWriter(), () => Stream.Null, configuration));
        var lines = output.ToString().Split('\n');
        Assert.StartsWith("lanes 2 (2 with mail due), fair share on, lane by sender-domain, rate 10/s", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^lane\s+depth\s+ready\s+in flight\s+deferred\s+bulk\s+weight\s+share/s\s+drain\s+oldest\s+backpressure$", lines[1]);
        Assert.Matches(@"^campaign\.example\s+6\s+6\s+0\s+0\s+6\s+3\s+7\.5\s+00:00:00\s+00:00:\d\d\s+off$", lines[2]);
        Assert.Matches(@"^friend\.example\s+2\s+2\s+0\s+0\s+0\s+1\s+2\.5\s+00:00:00\s+00:00:\d\d\s+off$", lines[3]);
    }

    [Fact]
    public async Task The_deepest_lanes_are_metrics_labelled_by_lane_and_only_the_top_N_of_them()
    {
        await using var relay = await StartAsync(new()
        {
            ["MailTumble:Outbound:Enabled"] = "false",
            ["MailTumble:Outbound:MaxSendRate"] = "10",
            ["MailTumble:Fairness:MetricLanes"] = "1",
        });
        await SendManyAsync(relay, "news@campaign.example", Burst, 3, sessions: 1);
        await SendManyAsync(relay, "me@friend.example", Friend, 1, sessions: 1);

        // The census runs once a second: wait for one taken after both lanes had mail (two due lanes of weight 1,
        // so campaign.example has half of 10/s and its 3 drain in 0.6 s). Only this relay's instruments are read: the
        // meter name is the same for every relay the test process runs, its factory tells them apart.
        var factory = relay.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var seen = new Dictionary<(string Instrument, string? Lane), double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("mailtumble.lane.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(System.Diagnostics.Metrics.Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? lane = null;
            foreach (var tag in tags)
            {
                lane = tag.Key == "lane" ? tag.Value as string : lane;
            }

            lock (seen)
            {
                seen[(instrument.Name, lane)] = value;
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        double? Seen(string instrument, string? lane)
        {
            lock (seen)
            {
                return seen.TryGetValue((instrument, lane), out var v) ? v : null;
            }
        }

        await Eventually.TrueAsync(
            () =>
            {
                lock (seen)
                {
                    seen.Clear();
                }

                listener.RecordObservableInstruments();
                return Task.FromResult(Seen("mailtumble.lane.share", "campaign.example") == 5);
            },
            "the metrics show the deepest lane sharing the rate with the other one");
        Assert.Equal(3, Seen("mailtumble.lane.depth", "campaign.example"));
        Assert.Equal(5, Seen("mailtumble.lane.share", "campaign.example"));
        Assert.Equal(0.6, Seen("mailtumble.lane.drain", "campaign.example")!.Value, 3);
        Assert.Equal(0, Seen("mailtumble.lane.backpressure", "campaign.example"));
        Assert.Equal(0, Seen("mailtumble.lane.refused", null));

        // MetricLanes=1: the other lane has mail but no series of its own.
        Assert.Null(Seen("mailtumble.lane.depth", "friend.example"));
    }

    [Theory]
    [InlineData("MailTumble:Fairness:LaneBy", "recipient", "MailTumble:Fairness:LaneBy is 'recipient'; expected sender-domain, alias, target or header:NAME")]
    [InlineData("MailTumble:Fairness:Weights:campaign.example", "0", "MailTumble:Fairness:Weights:campaign.example must be between 0.01 and 1000")]
    [InlineData("MailTumble:Fairness:MaxLaneDrain", "31.00:00:00", "MailTumble:Fairness:MaxLaneDrain must be between")]
    public async Task A_bad_fairness_setting_is_named_and_refused(string key, string value, string message)
    {
        using var dir = new TempDirectory();
        var error = new StringWriter();
        var configuration = MailTumbleConfiguration.Build(new Dictionary<string, string?> { ["MailTumble:DataDir"] = dir.Path, [key] = value });
        Assert.Equal(78, await MailTumbleCli.RunAsync(["queue", "lanes"], new StringWriter(), error, () => Stream.Null, configuration));
        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<RelayFixture> StartAsync(Dictionary<string, string?> settings)
    {
        var relay = await RelayFixture.StartAsync(settings);
        await relay.AddAliasAsync(Burst, "burst.target@real.example.org");
        await relay.AddAliasAsync(Friend, "friend.target@real.example.org");
        return relay;
    }

    /// <summary>Sends <paramref name="count"/> messages over a few SMTP sessions in parallel; every one must get 250.</summary>
    private static async Task SendManyAsync(RelayFixture relay, string from, string to, int count, int sessions, string? subject = null, string header = "")
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async _ =>
        {
            await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
            await client.ReadReplyAsync();
            await client.CommandAsync("EHLO client.test");
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{from}>"), StringComparison.Ordinal);
                Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{to}>"), StringComparison.Ordinal);
                Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
                var text = subject ?? string.Create(CultureInfo.InvariantCulture, $"burst {i}");
                await client.SendAsync(Encoding.ASCII.GetBytes($"{header}From: <{from}>\r\nSubject: {text}\r\n\r\nbody\r\n.\r\n"));
                Assert.StartsWith("250", await client.ReadReplyAsync(), StringComparison.Ordinal);
            }
        }));
    }

    /// <summary>Aliases <c>PREFIX-n@mask.example.com</c>, each forwarding to its own target (one delivery each).</summary>
    private static async Task<IReadOnlyList<string>> AddAliasesAsync(RelayFixture relay, string prefix, int count)
    {
        var aliases = Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i}@mask.example.com")).ToList();
        foreach (var alias in aliases)
        {
            await relay.AddAliasAsync(alias, alias.Replace("@mask.example.com", ".target@real.example.org", StringComparison.Ordinal));
        }

        return aliases;
    }

    /// <summary>
    /// One message to all <paramref name="aliases"/>, which must get 250: its deliveries join the lane together, so the
    /// once-a-second lane census cannot see the lane half full and refuse the rest of the burst (as separate messages
    /// sent under load could be, each becoming a race with the census).
    /// </summary>
    private static async Task SendOneToManyAsync(RelayFixture relay, string from, IReadOnlyList<string> aliases, string header = "")
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO client.test");
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{from}>"), StringComparison.Ordinal);
        foreach (var alias in aliases)
        {
            Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{alias}>"), StringComparison.Ordinal);
        }

        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        await client.SendAsync(Encoding.ASCII.GetBytes($"{header}From: <{from}>\r\nSubject: burst\r\n\r\nbody\r\n.\r\n"));
        Assert.StartsWith("250", await client.ReadReplyAsync(), StringComparison.Ordinal);
    }

    private static async Task<string> RcptAsync(RelayFixture relay, string from, string to)
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync($"MAIL FROM:<{from}>");
        return await client.CommandAsync($"RCPT TO:<{to}>") ?? string.Empty;
    }

    /// <summary>One message with the given header; the reply to the end of DATA (a 250 counts as accepted mail).</summary>
    private static async Task<string> DataAsync(RelayFixture relay, string header)
    {
        await using var client = await SmtpWireClient.ConnectAsync(relay.SmtpPort);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO client.test");
        await client.CommandAsync("MAIL FROM:<app@saas.example>");
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{Friend}>"), StringComparison.Ordinal);
        await client.CommandAsync("DATA");
        await client.SendAsync(Encoding.ASCII.GetBytes($"{header}From: <app@saas.example>\r\nSubject: tenant\r\n\r\nbody\r\n.\r\n"));
        return await client.ReadReplyAsync() ?? string.Empty;
    }
}
