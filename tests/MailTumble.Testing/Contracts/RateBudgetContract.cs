using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using MailTumble.Core.Pacing;

namespace MailTumble.Testing.Contracts;

/// <summary>
/// What every shared <see cref="IRateBudget"/> (nodes on one backend) must do: split <c>MAXIMUM_SEND_RATE</c> (30 here)
/// among the live nodes, schedule a joining node <see cref="RateSchedule.JoinDelay"/> after its first beat and after the
/// nodes already there (one order and one instant on every node), give a leaving node's share back at once and a dead
/// one's within a few seconds, and lower every node's share when one is throttled. Subclass once per adapter; each
/// test's nodes share fresh storage.
/// </summary>
public abstract class RateBudgetContract : IAsyncLifetime
{
    /// <summary>The rate the nodes share.</summary>
    protected const double Rate = 30;

    /// <summary>How long a node counts as live after its last beat (the adapter's setting).</summary>
    protected abstract TimeSpan LiveWindow { get; }

    /// <summary>Creates another node's view of the budget: every node of one test shares its storage, with <see cref="Rate"/>.</summary>
    protected abstract IRateBudget Node();

    /// <summary>
    /// Lets <paramref name="span"/> pass on the clock the budget's heartbeats use: a fake clock moves on, a real (server)
    /// one needs nothing, as the callers poll until the fact holds.
    /// </summary>
    protected virtual void Pass(TimeSpan span)
    {
    }

    /// <summary>
    /// When <paramref name="node"/> last beat, on the budget's clock. By default from the live nodes' list, which is
    /// exact on a fake clock; an adapter on a real clock reads its storage, as under load the list may come more than the
    /// live window after the beat.
    /// </summary>
    protected virtual async Task<DateTimeOffset> LastBeatAsync(string node) =>
        Assert.Single(await Node().ListNodesAsync(default), n => n.NodeId == node).LastHeartbeat;

    /// <summary>How far the test's clock and the budget's may disagree (a server on the same machine).</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMilliseconds(50);

    /// <summary>Now on the clock the budget's heartbeats use (the same machine's for a server's clock).</summary>
    protected virtual DateTimeOffset Now => DateTimeOffset.UtcNow;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static NodeBeat Beat(string node, bool demand = true) =>
        new(node, "host-" + node, demand, new DeliveryStatus(DateTimeOffset.UtcNow, 10, Rate, 1, null, null, 0, 0, 0, null, 0));

    /// <summary>Beats and returns the share <paramref name="node"/> gets once every live node is active.</summary>
    private static async Task<double> ShareAsync(IRateBudget budget, string node, bool demand = true) =>
        (await budget.BeatAsync(Beat(node, demand), default)).Position(node, DateTimeOffset.MaxValue)?.Share ?? 0;

    [SkippableFact]
    public async Task Live_nodes_split_the_rate_and_one_that_leaves_gives_its_share_back_at_once()
    {
        var a = Node();
        var b = Node();
        Assert.Equal(30, await ShareAsync(a, "a"), 6);
        Pass(TimeSpan.FromMilliseconds(10));
        Assert.Equal(15, await ShareAsync(b, "b"), 6);
        Assert.Equal(15, await ShareAsync(a, "a"), 6);
        Pass(TimeSpan.FromMilliseconds(10));
        Assert.Equal(10, await ShareAsync(Node(), "c", demand: false), 6);

        var nodes = await a.ListNodesAsync(default);
        Assert.Equal(["a", "b", "c"], nodes.Select(n => n.NodeId));
        Assert.All(nodes, n => Assert.Equal(10, n.Share, 6));
        Assert.Equal(("host-c", false, 10.0), (nodes[2].Host, nodes[2].Demand, nodes[2].Status!.Rate));

        await b.LeaveAsync("b", default);
        await Node().LeaveAsync("c", default);
        Assert.Equal(30, await ShareAsync(a, "a"), 6);
        Assert.Equal(["a"], (await Node().ListNodesAsync(default)).Select(n => n.NodeId));
    }

    [SkippableFact]
    public async Task A_node_that_stops_beating_gives_its_share_back_within_a_few_seconds()
    {
        var a = Node();
        var b = Node();
        await ShareAsync(a, "a");
        Assert.Equal(15, await ShareAsync(b, "b"), 6);
        var lastOfB = await LastBeatAsync("b");

        // b is killed: no more heartbeats, no leave. a keeps beating, as RateBudgetService does twice a second.
        var share = 0.0;
        await Eventually.TrueAsync(
            async () =>
            {
                Pass(TimeSpan.FromMilliseconds(100));
                share = await ShareAsync(a, "a");
                return share > 29.99;
            },
            "the dead node's share comes back",
            TimeSpan.FromSeconds(15));

        // Measured on the budget's clock (the one heartbeats use): from b's last beat to a's beat that got all of the rate.
        var gap = (await LastBeatAsync("a") - lastOfB).TotalSeconds;
        Assert.InRange(gap, LiveWindow.TotalSeconds, 5);

        // Beat again first: under load the list may come more than the live window after a's last beat.
        await ShareAsync(a, "a");
        Assert.Equal(["a"], (await a.ListNodesAsync(default)).Select(n => n.NodeId));

        // b comes back (its beats had only failed): the others gave its share away, so it is scheduled as a joining
        // node, after a, and a keeps all of the rate until that instant.
        var before = Now;
        var back = await b.BeatAsync(Beat("b"), default);
        Assert.Equal(["a", "b"], back.Nodes.Select(n => n.NodeId));
        Assert.InRange(back.Nodes[1].ActiveFrom, before + RateSchedule.JoinDelay - Skew, Now + RateSchedule.JoinDelay + Skew);
        var ofA = await a.BeatAsync(Beat("a"), default);
        Assert.Equal(back.Nodes, ofA.Nodes);
        Assert.Equal(new SlotLattice(0, 1, Rate), ofA.Position("a", back.Nodes[1].ActiveFrom - TimeSpan.FromTicks(1)));
        Assert.Equal(new SlotLattice(0, 2, Rate), ofA.Position("a", back.Nodes[1].ActiveFrom));
    }

    [SkippableFact]
    public async Task A_joining_node_is_scheduled_after_the_nodes_there_and_every_node_reads_the_same_schedule()
    {
        var a = Node();
        var b = Node();
        var before = Now;
        var first = await a.BeatAsync(Beat("a"), default);
        var ofA = Assert.Single(first.Nodes);
        Assert.Equal("a", ofA.NodeId);
        Assert.InRange(ofA.ActiveFrom, before + RateSchedule.JoinDelay - Skew, Now + RateSchedule.JoinDelay + Skew);
        Assert.Equal(Rate, first.Rate, 6);

        // Not active before its instant: it sends nothing yet, and then all of the rate on every slot of the lattice.
        Assert.Null(first.Position("a", ofA.ActiveFrom - TimeSpan.FromTicks(1)));
        Assert.Equal(new SlotLattice(0, 1, Rate), first.Position("a", ofA.ActiveFrom));

        Pass(TimeSpan.FromMilliseconds(10));
        var joined = await b.BeatAsync(Beat("b"), default);
        Pass(TimeSpan.FromMilliseconds(10));
        var again = await a.BeatAsync(Beat("a"), default);

        // a keeps its instant at later beats; b comes after it; both read one schedule, and it names when b starts.
        Assert.Equal(["a", "b"], joined.Nodes.Select(n => n.NodeId));
        Assert.Equal(ofA.ActiveFrom, joined.Nodes[0].ActiveFrom);
        Assert.True(joined.Nodes[1].ActiveFrom > ofA.ActiveFrom);
        Assert.Equal(joined.Nodes, again.Nodes);
        var at = joined.Nodes[1].ActiveFrom;
        Assert.Equal(at, again.NextChange(ofA.ActiveFrom));
        Assert.Equal(new SlotLattice(0, 1, Rate), again.Position("a", at - TimeSpan.FromTicks(1)));
        Assert.Equal(new SlotLattice(0, 2, Rate), again.Position("a", at));
        Assert.Equal(new SlotLattice(1, 2, Rate), again.Position("b", at));
    }

    [SkippableFact]
    public async Task Throttling_seen_by_one_node_lowers_every_node_s_share()
    {
        var a = Node();
        var b = Node();
        await ShareAsync(a, "a");
        await ShareAsync(b, "b");
        var halved = Now;
        await b.ThrottledAsync("b", default);

        AssertHalvedOnce(await ShareAsync(a, "a"), halved);

        // A second report within the second does not halve it again; the factor then grows back.
        await a.ThrottledAsync("a", default);
        AssertHalvedOnce(await ShareAsync(a, "a"), halved);
        await Eventually.TrueAsync(
            async () =>
            {
                Pass(TimeSpan.FromMilliseconds(200));
                await ShareAsync(b, "b");
                return await ShareAsync(a, "a") > 14.99;
            },
            "the shares grow back",
            TimeSpan.FromSeconds(15));
    }

    [SkippableFact]
    public async Task Throttling_reported_by_two_nodes_at_once_halves_the_rate_once()
    {
        var a = Node();
        var b = Node();
        await ShareAsync(a, "a");
        await ShareAsync(b, "b");
        var halved = Now;
        await Task.WhenAll(a.ThrottledAsync("a", default), b.ThrottledAsync("b", default));

        AssertHalvedOnce(await ShareAsync(a, "a"), halved);
    }

    // Two nodes' share of the rate halved once (halved twice it would be 3.75), grown back by 0.1 of the rate a second
    // since `since`: on a server's clock, a busy machine may take most of a second between the halving and the read.
    private void AssertHalvedOnce(double share, DateTimeOffset since)
    {
        var grown = Rate * 0.1 * Math.Max(0, (Now - since).TotalSeconds) / 2;
        Assert.InRange(share, 7.5, 8.5 + grown);
    }
}
