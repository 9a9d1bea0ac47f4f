using MailTumble.Core.Bounces;
using MailTumble.Core.Delivery;
using MailTumble.Core.Diagnostics;
using MailTumble.Core.Aliases;
using MailTumble.Core.Fairness;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using MailTumble.Core.Receiving;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Storage;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>Lanes at intake: the key and class each delivery gets, and per-lane backpressure at RCPT and DATA.</summary>
public sealed class LaneIntakeTests
{
    private static readonly AliasRecord Alias = new("x7g2@mask.example.com", "john@real.example.org", AliasStatus.Active);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingQueue _queue = new();
    private readonly RecordingRawStore _raw = new();
    private readonly MemoryDirectory _directory = new(Alias);

    [Theory]
    [InlineData("sender-domain", "News@Campaign.EXAMPLE", "campaign.example")]
    [InlineData("sender-domain", "", "<>")]
    [InlineData("alias", "a@b.example", "x7g2@mask.example.com")]
    [InlineData("target", "a@b.example", "john@real.example.org")]
    [InlineData("header:X-Tenant", "a@b.example", "acme-7")]
    [InlineData("header:X-Missing", "a@B.example", "b.example")]
    public async Task Each_delivery_is_queued_in_its_lane(string laneBy, string from, string lane)
    {
        var (intake, _) = Intake(new FairnessOptions { LaneBy = laneBy });
        var result = await intake.ReceiveAsync(new IntakeEnvelope(from, IntakeOrigin.Smtp), [Alias.Address], Source("X-Tenant:  ACME-7\r\nFrom: a@b.example\r\n\r\nhi\r\n"), default);

        Assert.True(result.Accepted, result.Reply.ToString());
        var item = Assert.Single(_queue.Enqueued);
        Assert.Equal((lane, false), (item.Lane, item.Bulk));
    }

    [Theory]
    [InlineData("Precedence: bulk\r\n", true)]
    [InlineData("precedence :  List \r\n", true)]
    [InlineData("Precedence: junk\r\n", true)]
    [InlineData("List-Id: <news.campaign.example>\r\n", true)]
    [InlineData("List-Unsubscribe: <mailto:u@campaign.example>\r\n", true)]
    [InlineData("Precedence: first-class\r\n", false)]
    [InlineData("X-List-Id: nope\r\n", false)]
    public async Task Bulk_mail_is_recognised_by_its_headers(string header, bool bulk)
    {
        var (intake, _) = Intake(new FairnessOptions());
        await intake.ReceiveAsync(new IntakeEnvelope("a@b.example", IntakeOrigin.Smtp), [Alias.Address], Source(header + "From: a@b.example\r\n\r\nhi\r\n"), default);
        Assert.Equal(bulk, Assert.Single(_queue.Enqueued).Bulk);
    }

    [Fact]
    public async Task A_lane_under_backpressure_gets_452_at_rcpt_while_other_lanes_get_250()
    {
        var (intake, gate) = Intake(new FairnessOptions());
        gate.Publish(LaneSnapshot.Empty with { Refused = new HashSet<string>(StringComparer.Ordinal) { "campaign.example" } });

        var busy = await intake.CheckRecipientAsync("news@campaign.example", Alias.Address, default);
        Assert.False(busy.Accepted);
        Assert.Equal(452, busy.Reply.Code);
        Assert.StartsWith("4.3.1 <x7g2@mask.example.com>:", busy.Reply.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("john@real.example.org", busy.Reply.Text, StringComparison.Ordinal);

        var other = await intake.CheckRecipientAsync("me@friend.example", Alias.Address, default);
        Assert.True(other.Accepted);
        Assert.Equal(1, gate.Refusals);
    }

    [Fact]
    public async Task A_header_lane_under_backpressure_gets_451_at_data_and_nothing_is_kept()
    {
        var (intake, gate) = Intake(new FairnessOptions { LaneBy = "header:X-Tenant" });
        gate.Publish(LaneSnapshot.Empty with { Refused = new HashSet<string>(StringComparer.Ordinal) { "acme" } });

        var envelope = new IntakeEnvelope("a@b.example", IntakeOrigin.Smtp);
        Assert.True((await intake.CheckRecipientAsync("a@b.example", Alias.Address, default)).Accepted);
        var refused = await intake.ReceiveAsync(envelope, [Alias.Address], Source("X-Tenant: acme\r\nFrom: a@b.example\r\n\r\nhi\r\n"), default);
        Assert.Equal((451, false), (refused.Reply.Code, refused.Accepted));
        Assert.StartsWith("4.7.1 ", refused.Reply.Text, StringComparison.Ordinal);
        Assert.Empty(_queue.Enqueued);
        Assert.Equal(0, _raw.Puts);

        var other = await intake.ReceiveAsync(envelope, [Alias.Address], Source("X-Tenant: globex\r\nFrom: a@b.example\r\n\r\nhi\r\n"), default);
        Assert.True(other.Accepted);
        Assert.Equal("globex", Assert.Single(_queue.Enqueued).Lane);
    }

    [Fact]
    public async Task The_monitor_puts_a_lane_under_backpressure_when_its_drain_time_passes_the_limit_and_lifts_it_once_below()
    {
        var queue = new MemoryOutgoingQueue(_time);
        var options = new FairnessOptions { MaxLaneDrain = TimeSpan.FromMinutes(1) };
        var gate = new LaneGate(new LanePolicy(Options.Create(options)));
        var monitor = new LaneMonitor(queue, gate, Options.Create(options), Options.Create(new DeliveryOptions { MaxSendRate = 2 }), new MailTumbleMetrics(), _time, NullLogger<LaneMonitor>.Instance);
        await queue.EnqueueAsync([.. Items("campaign.example", 150)], default);
        await queue.EnqueueAsync([.. Items("friend.example", 30)], default);

        // Two due lanes share 2/s: 1/s each. 150 take 150 s (over a minute), 30 take 30 s.
        var snapshot = await monitor.RefreshAsync(default);
        Assert.Equal(["campaign.example"], snapshot.Refused);
        Assert.Equal((2L, 2L), (snapshot.Lanes, snapshot.DueLanes));
        var campaign = snapshot.Deepest.Single(v => v.Lane == "campaign.example");
        Assert.Equal((1.0, TimeSpan.FromSeconds(150), true), (campaign.Share, campaign.Drain, campaign.Backpressure));
        Assert.NotNull(gate.AtRecipient("news@campaign.example", Alias));
        Assert.Null(gate.AtRecipient("me@friend.example", Alias));

        // Once 100 are sent, 50 left at 1/s is under a minute: new mail is taken again. Nothing queued was touched.
        var leased = await queue.LeaseLanesAsync([new LaneTake("campaign.example", 100)], TimeSpan.FromMinutes(5), default);
        foreach (var item in leased)
        {
            await queue.AckAsync(item, "sent", default);
        }

        Assert.Empty((await monitor.RefreshAsync(default)).Refused);
        Assert.Null(gate.AtRecipient("news@campaign.example", Alias));
        Assert.Equal(80, (await queue.GetStatsAsync(default)).Depth);
    }

    [Fact]
    public async Task Backpressure_is_off_with_MaxLaneDrain_zero_or_fairness_off()
    {
        foreach (var options in (FairnessOptions[])[new() { MaxLaneDrain = TimeSpan.Zero }, new() { Enabled = false, MaxLaneDrain = TimeSpan.FromSeconds(1) }])
        {
            var queue = new MemoryOutgoingQueue(_time);
            var gate = new LaneGate(new LanePolicy(Options.Create(options)));
            var monitor = new LaneMonitor(queue, gate, Options.Create(options), Options.Create(new DeliveryOptions { MaxSendRate = 1 }), new MailTumbleMetrics(), _time, NullLogger<LaneMonitor>.Instance);
            await queue.EnqueueAsync([.. Items("campaign.example", 500)], default);
            Assert.Empty((await monitor.RefreshAsync(default)).Refused);
        }
    }

    [Fact]
    public void Shares_split_the_rate_by_weight_over_the_due_lanes()
    {
        var options = new FairnessOptions();
        options.Weights["vip.example"] = 3;
        var census = new LaneCensus(3, 2, [new LaneDepth("a.example", 10, true), new LaneDepth("vip.example", 5, true), new LaneDepth("idle.example", 4, false)]);
        var shares = new LaneShares(options, 20, census);

        Assert.Equal(4, shares.DueWeight);
        Assert.Equal(5, shares.Share("a.example", due: true));
        Assert.Equal(15, shares.Share("vip.example", due: true));
        Assert.Equal(4, shares.Share("idle.example", due: false));
        Assert.Equal(TimeSpan.FromSeconds(2), shares.View(census.Entries[0]).Drain);
    }

    [Theory]
    [InlineData("sender-domain", true)]
    [InlineData("ALIAS", true)]
    [InlineData("target", true)]
    [InlineData("header:X-Tenant-Id", true)]
    [InlineData("header:", false)]
    [InlineData("header:Bad Name", false)]
    [InlineData("recipient", false)]
    public void LaneBy_is_validated_naming_the_setting(string laneBy, bool valid)
    {
        var result = new FairnessOptionsValidator().Validate(null, new FairnessOptions { LaneBy = laneBy });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("MailTumble:Fairness:LaneBy", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Weights_out_of_range_are_refused_naming_the_lane()
    {
        var options = new FairnessOptions();
        options.Weights["campaign.example"] = 0;
        var result = new FairnessOptionsValidator().Validate(null, options);
        Assert.False(result.Succeeded);
        Assert.Contains("MailTumble:Fairness:Weights:campaign.example", result.FailureMessage, StringComparison.Ordinal);
    }

    private (MessageIntake Intake, LaneGate Gate) Intake(FairnessOptions fairness)
    {
        var bounces = new BounceAddress("0123456789abcdef-secret"u8.ToArray(), TimeSpan.FromDays(7), _time);
        var moderation = new ModerationPolicy(new MemorySenderRules(), Options.Create(new ModerationOptions()));
        var stored = new StoredMessages(_raw, NullLogger<StoredMessages>.Instance);
        var lanes = new LanePolicy(Options.Create(fairness));
        var gate = new LaneGate(lanes);
        var receiver = new MessageReceiver(
            _raw, stored, _queue, new MemoryHeldStore(), moderation, new ReceivePlanner(new HeaderRewriter(new RewriteOptions(), _time), bounces, Options.Create(new ReceiveOptions()), lanes),
            new QueueSignal(), new MailTumbleMetrics(), _time, NullLogger<MessageReceiver>.Instance, lanes, gate);
        var policy = new RecipientPolicy(_directory, Options.Create(new ReceiveOptions()), NullLogger<RecipientPolicy>.Instance, bounces);
        return (new MessageIntake(policy, moderation, receiver, _raw, stored, NullLogger<MessageIntake>.Instance, feedback: null, gate), gate);
    }

    private static MessageSource Source(string text) => MessageSource.FromMemory(System.Text.Encoding.ASCII.GetBytes(text));

    private IEnumerable<OutgoingItem> Items(string lane, int count) => Enumerable.Range(0, count).Select(i => new OutgoingItem(
        $"{lane}-{i}", $"m-{lane}-{i}", Alias.Address, Alias.Target, "b@mask.example.com", Array.Empty<byte>(), 0, _time.GetUtcNow(), _time.GetUtcNow().AddDays(5), Lane: lane));
}
