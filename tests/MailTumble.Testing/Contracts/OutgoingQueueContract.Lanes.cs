using MailTumble.Core.Fairness;
using MailTumble.Core.Queue;
using Microsoft.Extensions.Options;

namespace MailTumble.Testing.Contracts;

/// <summary>The lane part of the queue contract (see the remarks on <see cref="IOutgoingQueue"/>).</summary>
public abstract partial class OutgoingQueueContract
{
    /// <summary>Skips a per-lane test for a queue whose service schedules lanes itself.</summary>
    protected void RequirePerLane() =>
        Skip.If(Queue.LaneAccess != LaneAccess.PerLane, "this queue's service isolates lanes itself (LaneAccess.Native); it has no per-lane access to test");

    [SkippableFact]
    public async Task Lane_and_bulk_class_come_back_from_lease_retry_dead_letter_and_replay()
    {
        var item = Item(lane: "shop.example", bulk: true);
        await Queue.EnqueueAsync([item], default);
        var leased = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        Assert.Equal(("shop.example", true), (leased.Item.Lane, leased.Item.Bulk));

        await Queue.RetryAsync(leased, Time.GetUtcNow() + RetryDelay, "451 later", default);
        await PassAsync(RetryDelay);
        var again = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        Assert.Equal(("shop.example", true), (again.Item.Lane, again.Item.Bulk));

        await Queue.DeadLetterAsync(again, "550 no", default);
        var dead = Assert.Single(await Queue.ListDeadAsync(10, default));
        Assert.Equal(("shop.example", true), (dead.Item.Lane, dead.Item.Bulk));
        Assert.Equal(1, await Queue.ReplayDeadAsync([item.Id], default));
        var replayed = Assert.Single(await Queue.LeaseAsync(1, Lease, default));
        Assert.Equal(("shop.example", true), (replayed.Item.Lane, replayed.Item.Bulk));
    }

    [SkippableFact]
    public async Task Due_lanes_are_listed_in_key_order_from_a_cursor_without_leased_or_deferred_ones()
    {
        RequirePerLane();
        foreach (var lane in (string[])["b.example", "a.example", "c.example", "leased.example", "deferred.example"])
        {
            await Queue.EnqueueAsync([Item(lane: lane)], default);
        }

        var leased = await Queue.LeaseLanesAsync([new LaneTake("leased.example", 1), new LaneTake("deferred.example", 1)], Lease, default);
        Assert.Equal(2, leased.Count);
        await Queue.RetryAsync(leased.Single(l => l.Item.Lane == "deferred.example"), Time.GetUtcNow() + TimeSpan.FromHours(1), "later", default);

        Assert.Equal(["a.example", "b.example", "c.example"], await Queue.ListDueLanesAsync(null, 10, default));
        Assert.Equal(["b.example", "c.example"], await Queue.ListDueLanesAsync("a.example", 10, default));
        Assert.Equal(["a.example", "b.example"], await Queue.ListDueLanesAsync(null, 2, default));
        Assert.Equal(["c.example"], await Queue.ListDueLanesAsync("b.example", 10, default));
        Assert.Empty(await Queue.ListDueLanesAsync("c.example", 10, default));

        // A lease that runs out makes its lane due again; a lane whose last item is acked is gone.
        await PassAsync(Lease + TimeSpan.FromSeconds(1));
        Assert.Contains("leased.example", await Queue.ListDueLanesAsync(null, 10, default));
        var b = Assert.Single(await Queue.LeaseLanesAsync([new LaneTake("b.example", 5)], Lease, default));
        await Queue.AckAsync(b, "sent", default);
        Assert.DoesNotContain("b.example", await Queue.ListDueLanesAsync(null, 10, default));
    }

    [SkippableFact]
    public async Task A_lane_is_leased_non_bulk_first_then_approved_then_by_due_time()
    {
        RequirePerLane();
        await Queue.EnqueueAsync([Item(id: "bulk-oldest", lane: "l.example", bulk: true)], default);
        Time.Advance(TimeSpan.FromMilliseconds(10));
        await Queue.EnqueueAsync([Item(id: "n1", lane: "l.example")], default);
        Time.Advance(TimeSpan.FromMilliseconds(10));
        await Queue.EnqueueAsync([Item(id: "n2", lane: "l.example")], default);
        Time.Advance(TimeSpan.FromMilliseconds(10));
        await Queue.EnqueueAsync([Item(id: "approved", lane: "l.example", priority: 1)], default);
        await Queue.EnqueueAsync([Item(id: "other-lane", lane: "m.example")], default);
        Time.Advance(TimeSpan.FromMilliseconds(10));

        var first = await Queue.LeaseLanesAsync([new LaneTake("l.example", 2)], Lease, default);
        Assert.Equal(["approved", "n1"], first.Select(l => l.Item.Id));

        // A retry goes behind the lane's other due mail by its due time; bulk still comes last.
        await Queue.RetryAsync(first[1], Time.GetUtcNow() + RetryDelay, "451 later", default);
        await PassAsync(RetryDelay);
        var rest = await Queue.LeaseLanesAsync([new LaneTake("l.example", 10)], Lease, default);
        Assert.Equal(["n2", "n1", "bulk-oldest"], rest.Select(l => l.Item.Id));
        Assert.Equal(1, rest.Single(l => l.Item.Id == "n1").Attempts);
        Assert.Equal(["m.example"], await Queue.ListDueLanesAsync(null, 10, default));
    }

    [SkippableFact]
    public async Task Takes_lease_from_each_lane_up_to_their_max_in_one_lease()
    {
        RequirePerLane();
        for (var i = 0; i < 5; i++)
        {
            await Queue.EnqueueAsync([Item(id: $"a{i}", lane: "a.example")], default);
            Time.Advance(TimeSpan.FromMilliseconds(10));
        }

        await Queue.EnqueueAsync([Item(id: "b0", lane: "b.example")], default);
        var leased = await Queue.LeaseLanesAsync([new LaneTake("b.example", 3), new LaneTake("a.example", 2), new LaneTake("none.example", 4)], Lease, default);
        Assert.Equal(["b0", "a0", "a1"], leased.Select(l => l.Item.Id));
        Assert.Single(leased.Select(l => l.LeaseToken).Distinct());
        Assert.Equal(["a.example"], await Queue.ListDueLanesAsync(null, 10, default));

        var stats = await Queue.GetStatsAsync(default);
        Assert.Equal((3L, 3L), (stats.Ready, stats.InFlight));
        await Queue.ReleaseAsync(leased, default);
        Assert.Equal(["a.example", "b.example"], await Queue.ListDueLanesAsync(null, 10, default));
    }

    [SkippableFact]
    public async Task The_census_counts_lanes_and_depths_deepest_first_with_named_lanes()
    {
        RequirePerLane();
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 3).Select(_ => Item(lane: "deep.example"))], default);
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 2).Select(_ => Item(lane: "mid.example"))], default);
        await Queue.EnqueueAsync([Item(lane: "one.example"), Item(lane: "weighted.example")], default);
        var leased = await Queue.LeaseLanesAsync([new LaneTake("weighted.example", 1)], Lease, default);

        var census = await Queue.GetLaneCensusAsync(new LaneCensusQuery(2, Named: ["weighted.example", "unknown.example"]), default);
        Assert.Equal((4L, 3L), (census.Lanes, census.DueLanes));
        Assert.Equal(
            [new LaneDepth("deep.example", 3, true), new LaneDepth("mid.example", 2, true), new LaneDepth("weighted.example", 1, false)],
            census.Entries);

        var deep = await Queue.GetLaneCensusAsync(new LaneCensusQuery(100, MinDepth: 2), default);
        Assert.Equal(["deep.example", "mid.example"], deep.Entries.Select(e => e.Lane));

        await Queue.AckAsync(Assert.Single(leased), "sent", default);
        var after = await Queue.GetLaneCensusAsync(new LaneCensusQuery(10), default);
        Assert.Equal((3L, 3L), (after.Lanes, after.DueLanes));
        Assert.DoesNotContain(after.Entries, e => e.Lane == "weighted.example");
    }

    [SkippableFact]
    public async Task Lane_stats_count_ready_in_flight_deferred_bulk_and_the_oldest_item()
    {
        RequirePerLane();
        var oldest = Time.GetUtcNow();
        await Queue.EnqueueAsync([Item(lane: "s.example", bulk: true)], default);
        Time.Advance(TimeSpan.FromSeconds(1));
        await Queue.EnqueueAsync([Item(lane: "s.example"), Item(lane: "s.example"), Item(lane: "s.example")], default);
        var leased = await Queue.LeaseLanesAsync([new LaneTake("s.example", 2)], Lease, default);
        await Queue.RetryAsync(leased[1], Time.GetUtcNow() + TimeSpan.FromHours(1), "later", default);

        var stats = Assert.Single(await Queue.GetLaneStatsAsync(["s.example", "empty.example"], default));
        Assert.Equal(new LaneStats("s.example", Ready: 2, InFlight: 1, Deferred: 1, Bulk: 1, OldestReceivedAt: oldest), stats);
        Assert.Equal(4, stats.Depth);
    }

    [SkippableFact]
    public async Task A_quiet_lane_is_served_within_one_round_while_another_lane_holds_a_burst()
    {
        // SQS fair queues do this in the service, across consumers; fauxqs does not emulate them, so there is nothing to test.
        Skip.If(Queue.LaneAccess == LaneAccess.Native, "the queue service isolates lanes itself, and the emulator does not emulate SQS fair queues");
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 40).Select(i => Item(id: $"burst{i}", lane: "campaign.example"))], default);
        Time.Advance(TimeSpan.FromMilliseconds(10));
        using var leaser = new FairLeaser(Queue, Options.Create(new FairnessOptions()));
        var before = await leaser.LeaseAsync(3, Lease, default);
        Assert.All(before, l => Assert.Equal("campaign.example", l.Item.Lane));

        await Queue.EnqueueAsync([Item(id: "personal", lane: "friend.example")], default);
        var next = await leaser.LeaseAsync(3, Lease, default);
        Assert.Equal(["personal", "burst3"], next.Select(l => l.Item.Id));
    }

    [SkippableFact]
    public async Task Busy_lanes_share_the_leases_by_weight_and_an_emptied_lane_gives_its_share_back()
    {
        RequirePerLane();
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 30).Select(_ => Item(lane: "a.example"))], default);
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 30).Select(_ => Item(lane: "b.example"))], default);
        await Queue.EnqueueAsync([.. Enumerable.Range(0, 30).Select(_ => Item(lane: "c.example"))], default);
        var options = new FairnessOptions();
        options.Weights["c.example"] = 2;
        using var leaser = new FairLeaser(Queue, Options.Create(options));

        var leased = new List<LeasedItem>();
        for (var i = 0; i < 10; i++)
        {
            leased.AddRange(await leaser.LeaseAsync(4, Lease, default));
        }

        var counts = leased.CountBy(l => l.Item.Lane).ToDictionary();
        Assert.Equal((10, 10, 20), (counts["a.example"], counts["b.example"], counts["c.example"]));

        // c has 10 left, a and b 20 each: once c is empty, a and b split every lease between them.
        for (var i = 0; i < 10; i++)
        {
            leased.AddRange(await leaser.LeaseAsync(4, Lease, default));
        }

        counts = leased.CountBy(l => l.Item.Lane).ToDictionary();
        Assert.Equal(30, counts["c.example"]);
        var late = await leaser.LeaseAsync(4, Lease, default);
        Assert.Equal(2, late.Count(l => l.Item.Lane == "a.example"));
        Assert.Equal(2, late.Count(l => l.Item.Lane == "b.example"));
    }
}
