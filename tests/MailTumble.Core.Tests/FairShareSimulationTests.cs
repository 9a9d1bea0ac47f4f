using MailTumble.Core.Fairness;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// The scheduler as the send-out stage uses it, on a fake clock: a worker leases batches through <see cref="FairLeaser"/>
/// from the in-memory queue and sends one recipient every 1/rate seconds, so shares and waits are in simulated seconds.
/// </summary>
public sealed class FairShareSimulationTests
{
    private const double Rate = 20;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly MemoryOutgoingQueue _queue;
    private readonly List<(OutgoingItem Item, DateTimeOffset SentAt)> _sent = [];
    private readonly Queue<LeasedItem> _inHand = new();
    private int _id;

    public FairShareSimulationTests() => _queue = new MemoryOutgoingQueue(_time);

    [Fact]
    public async Task Two_busy_lanes_share_the_rate_evenly()
    {
        await EnqueueAsync("a.example", 1000);
        await EnqueueAsync("b.example", 1000);
        await RunAsync(Leaser(), TimeSpan.FromSeconds(30));

        var counts = Counts();
        Assert.Equal(600, counts.Values.Sum());
        Assert.InRange(counts["a.example"], 295, 305);
        Assert.InRange(counts["b.example"], 295, 305);
    }

    [Fact]
    public async Task Weights_are_honoured()
    {
        await EnqueueAsync("a.example", 1000);
        await EnqueueAsync("b.example", 1000);
        await RunAsync(Leaser(("a.example", 3)), TimeSpan.FromSeconds(40));

        var counts = Counts();
        Assert.InRange(counts["a.example"], 595, 605);
        Assert.InRange(counts["b.example"], 195, 205);
    }

    [Fact]
    public async Task A_single_message_in_a_quiet_lane_goes_out_within_one_round_while_fifo_keeps_it_behind_the_burst()
    {
        foreach (var fair in (bool[])[true, false])
        {
            var queue = new MemoryOutgoingQueue(_time);
            _sent.Clear();
            _inHand.Clear();
            await EnqueueAsync("campaign.example", 5000, queue);
            using var leaser = Leaser(enabled: fair, queue: queue);
            await RunAsync(leaser, TimeSpan.FromSeconds(10), queue);
            var personal = await EnqueueAsync("friend.example", 1, queue);
            await RunAsync(leaser, TimeSpan.FromSeconds(fair ? 5 : 60), queue);

            var sent = _sent.SingleOrDefault(s => s.Item.Id == personal[0].Id);
            if (fair)
            {
                // One round is one visit to each due lane: one recipient of the burst at most, then the quiet lane's.
                Assert.NotEqual(default, sent);
                Assert.InRange((sent.SentAt - personal[0].ReceivedAt).TotalSeconds, 0, 0.5);
            }
            else
            {
                Assert.Equal(default, sent);
            }
        }
    }

    [Fact]
    public async Task Bulk_mail_yields_to_the_lanes_other_mail_and_not_to_other_lanes()
    {
        var bulk = await EnqueueAsync("shop.example", 100, bulk: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        var personal = await EnqueueAsync("shop.example", 10);
        await EnqueueAsync("other.example", 100);
        await RunAsync(Leaser(), TimeSpan.FromSeconds(2));

        // Forty sends: half to each lane; shop.example's first ten are its personal mail, queued after its bulk.
        var shop = _sent.Where(s => s.Item.Lane == "shop.example").Select(s => s.Item.Id).ToList();
        Assert.Equal(20, shop.Count);
        Assert.Equal(personal.Select(p => p.Id), shop.Take(10));
        Assert.Equal(bulk.Take(10).Select(b => b.Id), shop.Skip(10));
        Assert.Equal(20, _sent.Count(s => s.Item.Lane == "other.example"));
    }

    [Fact]
    public async Task A_lane_that_empties_gives_its_share_back_at_once()
    {
        await EnqueueAsync("big.example", 1000);
        await EnqueueAsync("small.example", 50);
        await RunAsync(Leaser(), TimeSpan.FromSeconds(10));

        var lastSmall = _sent.Last(s => s.Item.Lane == "small.example").SentAt;
        Assert.Equal(50, _sent.Count(s => s.Item.Lane == "small.example"));
        var after = _sent.Where(s => s.SentAt > lastSmall).ToList();
        Assert.All(after, s => Assert.Equal("big.example", s.Item.Lane));
        Assert.InRange(after.Count, (int)((_time.GetUtcNow() - lastSmall).TotalSeconds * Rate) - 1, int.MaxValue);
    }

    [Fact]
    public async Task A_retry_waits_for_its_due_time_and_then_takes_its_lanes_turn()
    {
        var first = await EnqueueAsync("a.example", 3);
        await EnqueueAsync("b.example", 100);
        using var leaser = Leaser();
        var batch = await leaser.LeaseAsync(10, TimeSpan.FromMinutes(5), default);
        var leased = batch.Single(l => l.Item.Id == first[0].Id);
        await _queue.RetryAsync(leased, _time.GetUtcNow() + TimeSpan.FromSeconds(3), "451 later", default);
        await _queue.ReleaseAsync([.. batch.Where(l => l != leased)], default);
        await RunAsync(leaser, TimeSpan.FromSeconds(5));

        var retried = _sent.Single(s => s.Item.Id == first[0].Id);
        Assert.InRange((retried.SentAt - first[0].ReceivedAt).TotalSeconds, 3, 3.5);
    }

    private FairLeaser Leaser(params (string Lane, double Weight)[] weights) => Leaser(true, null, weights);

    private FairLeaser Leaser(bool enabled, MemoryOutgoingQueue? queue = null, params (string Lane, double Weight)[] weights)
    {
        var options = new FairnessOptions { Enabled = enabled };
        foreach (var (lane, weight) in weights)
        {
            options.Weights[lane] = weight;
        }

        return new FairLeaser(queue ?? _queue, Options.Create(options));
    }

    private async Task<List<OutgoingItem>> EnqueueAsync(string lane, int count, MemoryOutgoingQueue? queue = null, bool bulk = false)
    {
        var now = _time.GetUtcNow();
        var items = Enumerable.Range(0, count).Select(_ => new OutgoingItem(
            $"d{++_id}", $"m{_id}", "x@mask.example.com", "t@real.example.org", "b@mask.example.com", Array.Empty<byte>(), 0, now, now.AddDays(5), Lane: lane, Bulk: bulk)).ToList();
        await (queue ?? _queue).EnqueueAsync(items, default);
        return items;
    }

    private Task<List<OutgoingItem>> EnqueueAsync(string lane, int count, bool bulk) => EnqueueAsync(lane, count, null, bulk);

    /// <summary>One worker: a batch of up to five leased when its hands are empty, one recipient sent every 1/rate seconds.</summary>
    private async Task RunAsync(FairLeaser leaser, TimeSpan span, MemoryOutgoingQueue? queue = null)
    {
        var target = queue ?? _queue;
        var end = _time.GetUtcNow() + span;
        while (_time.GetUtcNow() < end)
        {
            _time.Advance(TimeSpan.FromSeconds(1 / Rate));
            if (_inHand.Count == 0)
            {
                foreach (var leased in await leaser.LeaseAsync(5, TimeSpan.FromMinutes(5), default))
                {
                    _inHand.Enqueue(leased);
                }
            }

            if (_inHand.TryDequeue(out var next))
            {
                await target.AckAsync(next, "sent", default);
                _sent.Add((next.Item, _time.GetUtcNow()));
            }
        }
    }

    private Dictionary<string, int> Counts() => _sent.CountBy(s => s.Item.Lane).ToDictionary();
}
