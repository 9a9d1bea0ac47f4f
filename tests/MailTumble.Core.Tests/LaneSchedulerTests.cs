using MailTumble.Core.Fairness;
using MailTumble.Core.Queue;

namespace MailTumble.Core.Tests;

/// <summary>The deficit round robin itself, fed lane lists and lease results by hand.</summary>
public sealed class LaneSchedulerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Equal_lanes_take_turns_one_recipient_each()
    {
        var scheduler = new LaneScheduler(_ => 1);
        var plan = scheduler.Plan(4, ["a", "b"], [], complete: true);
        Assert.Equal([("a", 1), ("b", 1), ("a", 1), ("b", 1)], plan.Visits);
        Assert.Equal([new LaneTake("a", 2), new LaneTake("b", 2)], plan.Takes);
    }

    [Fact]
    public void A_weight_of_three_sends_three_per_turn_and_a_short_batch_leaves_the_turn_open()
    {
        var scheduler = new LaneScheduler(l => l == "a" ? 3 : 1);
        var first = scheduler.Plan(2, ["a", "b"], [], complete: true);
        Assert.Equal([("a", 2)], first.Visits);
        scheduler.Commit(first, Leased(("a", 2)));

        // a still has one recipient of its turn; then b's turn.
        var second = scheduler.Plan(2, ["b"], ["a", "b"], complete: true);
        Assert.Equal([("a", 1), ("b", 1)], second.Visits);
    }

    [Fact]
    public void A_weight_below_one_sends_every_few_rounds()
    {
        var scheduler = new LaneScheduler(l => l == "slow" ? 0.5 : 1);
        var sent = new Dictionary<string, int>(StringComparer.Ordinal) { ["slow"] = 0, ["fast"] = 0 };
        for (var i = 0; i < 30; i++)
        {
            var plan = scheduler.Plan(1, Next(scheduler.Cursor), Next(null), complete: true);
            var (lane, count) = Assert.Single(plan.Visits);
            sent[lane] += count;
            scheduler.Commit(plan, Leased((lane, count)));
        }

        Assert.Equal((10, 20), (sent["slow"], sent["fast"]));

        static IReadOnlyList<string> Next(string? after) => ((string[])["fast", "slow"]).Where(l => after is null || string.CompareOrdinal(l, after) > 0).ToList();
    }

    [Fact]
    public void A_lane_that_runs_dry_starts_from_nothing_next_time()
    {
        var scheduler = new LaneScheduler(l => l == "a" ? 2.5 : 1);
        var plan = scheduler.Plan(10, ["a"], [], complete: true);
        Assert.Equal([new LaneTake("a", 10)], plan.Takes);

        // Only 3 were due: the lane is empty now, and its leftover deficit is gone with it.
        scheduler.Commit(plan, Leased(("a", 3)));
        Assert.Equal(0, scheduler.Carried);
        var again = scheduler.Plan(1, [], ["a", "b"], complete: true);
        Assert.Equal([("a", 1)], again.Visits);
    }

    [Fact]
    public void A_truncated_lane_list_gets_one_pass_so_lanes_past_it_are_not_skipped_twice()
    {
        var scheduler = new LaneScheduler(_ => 1);
        var plan = scheduler.Plan(10, ["a", "b", "c"], [], complete: false);
        Assert.Equal([("a", 1), ("b", 1), ("c", 1)], plan.Visits);
        scheduler.Commit(plan, Leased(("a", 1), ("b", 1), ("c", 1)));
        Assert.Equal("c", scheduler.Cursor);
    }

    [Fact]
    public void The_walk_goes_on_after_the_cursor_and_wraps_round()
    {
        var scheduler = new LaneScheduler(_ => 1);
        var plan = scheduler.Plan(2, ["a", "b", "c", "d"], [], complete: true);
        scheduler.Commit(plan, Leased(("a", 1), ("b", 1)));
        var next = scheduler.Plan(3, ["c", "d"], ["a", "b", "c", "d"], complete: true);
        Assert.Equal([("c", 1), ("d", 1), ("a", 1)], next.Visits);
    }

    [Fact]
    public void Leased_items_are_handed_out_in_visiting_order()
    {
        var scheduler = new LaneScheduler(_ => 1);
        var plan = scheduler.Plan(4, ["busy", "quiet"], [], complete: true);
        var leased = Leased(("busy", 2), ("quiet", 1));
        Assert.Equal(["busy", "quiet", "busy"], plan.Arrange(leased).Select(l => l.Item.Lane));
    }

    private static List<LeasedItem> Leased(params (string Lane, int Count)[] lanes) =>
        [.. lanes.SelectMany(l => Enumerable.Range(0, l.Count).Select(i => new LeasedItem(
            new OutgoingItem($"{l.Lane}{i}", "m", "x@mask.example.com", "t@real.example.org", "b@mask.example.com", Array.Empty<byte>(), 0, Now, Now.AddDays(1), Lane: l.Lane),
            0, "token", Now.AddMinutes(5))))];
}
