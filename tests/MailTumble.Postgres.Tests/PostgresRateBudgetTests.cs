using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using MailTumble.Testing;
using Microsoft.Extensions.Options;

namespace MailTumble.Postgres.Tests;

/// <summary>The cluster's rate budget on real PostgreSQL and its clock (heartbeats age for real, so these wait seconds).</summary>
public sealed class PostgresRateBudgetTests : IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    private PostgresRateBudget Node() => new(_schema.Open(), Options.Create(new DeliveryOptions { MaxSendRate = 30 }));

    private static NodeBeat Beat(string node, bool demand = true) =>
        new(node, "host-" + node, demand, new DeliveryStatus(DateTimeOffset.UtcNow, 10, 30, 1, null, null, 0, 0, 0, null, 0));

    [SkippableFact]
    public async Task Live_nodes_split_the_rate_and_one_that_leaves_gives_its_share_back_at_once()
    {
        var a = Node();
        var b = Node();
        Assert.Equal(30, await a.BeatAsync(Beat("a"), default), 6);
        Assert.Equal(15, await b.BeatAsync(Beat("b"), default), 6);
        Assert.Equal(15, await a.BeatAsync(Beat("a"), default), 6);
        Assert.Equal(10, await Node().BeatAsync(Beat("c", demand: false), default), 6);

        var nodes = await a.ListNodesAsync(default);
        Assert.Equal(["a", "b", "c"], nodes.Select(n => n.NodeId));
        Assert.All(nodes, n => Assert.Equal(10, n.Share, 6));
        Assert.Equal(("host-c", false, 10.0), (nodes[2].Host, nodes[2].Demand, nodes[2].Status!.Rate));

        await b.LeaveAsync("b", default);
        await Node().LeaveAsync("c", default);
        Assert.Equal(30, await a.BeatAsync(Beat("a"), default), 6);
    }

    [SkippableFact]
    public async Task A_node_that_stops_beating_gives_its_share_back_within_a_few_seconds()
    {
        var a = Node();
        var b = Node();
        await a.BeatAsync(Beat("a"), default);
        Assert.Equal(15, await b.BeatAsync(Beat("b"), default), 6);

        // b is killed: no more heartbeats, no leave. a keeps beating, as RateBudgetService does twice a second.
        await Eventually.TrueAsync(async () => await a.BeatAsync(Beat("a"), default) > 29.99, "the dead node's share comes back", TimeSpan.FromSeconds(15));

        // Measured on the server's clock (the one heartbeats use): from b's last beat to a's beat that got all of the rate.
        var gap = (double)(await _schema.ScalarAsync("SELECT EXTRACT(EPOCH FROM (SELECT last_beat FROM nodes WHERE node_id = 'a') - (SELECT last_beat FROM nodes WHERE node_id = 'b'))::float8"))!;
        Assert.InRange(gap, PostgresRateBudget.LiveWindow.TotalSeconds, 5);

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

        var share = await a.BeatAsync(Beat("a"), default);
        Assert.InRange(share, 7.5, 8.5);

        // A second report within the second does not halve it again; the factor then grows back.
        await a.ThrottledAsync("a", default);
        Assert.InRange(await a.BeatAsync(Beat("a"), default), 7.5, 8.5);
        await Eventually.TrueAsync(async () => await a.BeatAsync(Beat("a"), default) > 14.99, "the shares grow back", TimeSpan.FromSeconds(10));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
