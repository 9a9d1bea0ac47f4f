using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;

namespace MailTumble.Testing.Contracts;

/// <summary>
/// What every shared <see cref="IRateBudget"/> (nodes on one backend) must do: split <c>MAXIMUM_SEND_RATE</c> (30 here)
/// among the live nodes, give a leaving node's share back at once and a dead one's within a few seconds, and lower
/// every node's share when one is throttled. Subclass once per adapter; each test's nodes share fresh storage.
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

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static NodeBeat Beat(string node, bool demand = true) =>
        new(node, "host-" + node, demand, new DeliveryStatus(DateTimeOffset.UtcNow, 10, Rate, 1, null, null, 0, 0, 0, null, 0));

    [SkippableFact]
    public async Task Live_nodes_split_the_rate_and_one_that_leaves_gives_its_share_back_at_once()
    {
        var a = Node();
        var b = Node();
        Assert.Equal(30, await a.BeatAsync(Beat("a"), default), 6);
        Pass(TimeSpan.FromMilliseconds(10));
        Assert.Equal(15, await b.BeatAsync(Beat("b"), default), 6);
        Assert.Equal(15, await a.BeatAsync(Beat("a"), default), 6);
        Pass(TimeSpan.FromMilliseconds(10));
        Assert.Equal(10, await Node().BeatAsync(Beat("c", demand: false), default), 6);

        var nodes = await a.ListNodesAsync(default);
        Assert.Equal(["a", "b", "c"], nodes.Select(n => n.NodeId));
        Assert.All(nodes, n => Assert.Equal(10, n.Share, 6));
        Assert.Equal(("host-c", false, 10.0), (nodes[2].Host, nodes[2].Demand, nodes[2].Status!.Rate));

        await b.LeaveAsync("b", default);
        await Node().LeaveAsync("c", default);
        Assert.Equal(30, await a.BeatAsync(Beat("a"), default), 6);
        Assert.Equal(["a"], (await Node().ListNodesAsync(default)).Select(n => n.NodeId));
    }

    [SkippableFact]
    public async Task A_node_that_stops_beating_gives_its_share_back_within_a_few_seconds()
    {
        var a = Node();
        var b = Node();
        await a.BeatAsync(Beat("a"), default);
        Assert.Equal(15, await b.BeatAsync(Beat("b"), default), 6);
        var lastOfB = await LastBeatAsync("b");

        // b is killed: no more heartbeats, no leave. a keeps beating, as RateBudgetService does twice a second.
        var share = 0.0;
        await Eventually.TrueAsync(
            async () =>
            {
                Pass(TimeSpan.FromMilliseconds(100));
                share = await a.BeatAsync(Beat("a"), default);
                return share > 29.99;
            },
            "the dead node's share comes back",
            TimeSpan.FromSeconds(15));

        // Measured on the budget's clock (the one heartbeats use): from b's last beat to a's beat that got all of the rate.
        var gap = (await LastBeatAsync("a") - lastOfB).TotalSeconds;
        Assert.InRange(gap, LiveWindow.TotalSeconds, 5);

        // Beat again first: under load the list may come more than the live window after a's last beat.
        await a.BeatAsync(Beat("a"), default);
        Assert.Equal(["a"], (await a.ListNodesAsync(default)).Select(n => n.NodeId));
    }

    [SkippableFact]
    public async Task Throttling_seen_by_one_node_lowers_every_node_s_share()
    {
        var a = Node();
        var b = Node();
        await a.BeatAsync(Beat("a"), default);
        await b.BeatAsync(Beat("b"), default);
        await b.ThrottledAsync("b", default);

        Assert.InRange(await a.BeatAsync(Beat("a"), default), 7.5, 8.5);

        // A second report within the second does not halve it again; the factor then grows back.
        await a.ThrottledAsync("a", default);
        Assert.InRange(await a.BeatAsync(Beat("a"), default), 7.5, 8.5);
        await Eventually.TrueAsync(
            async () =>
            {
                Pass(TimeSpan.FromMilliseconds(200));
                await b.BeatAsync(Beat("b"), default);
                return await a.BeatAsync(Beat("a"), default) > 14.99;
            },
            "the shares grow back",
            TimeSpan.FromSeconds(15));
    }

    [SkippableFact]
    public async Task Throttling_reported_by_two_nodes_at_once_halves_the_rate_once()
    {
        var a = Node();
        var b = Node();
        await a.BeatAsync(Beat("a"), default);
        await b.BeatAsync(Beat("b"), default);
        await Task.WhenAll(a.ThrottledAsync("a", default), b.ThrottledAsync("b", default));

        Assert.InRange(await a.BeatAsync(Beat("a"), default), 7.5, 8.5);
    }
}
