using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using Microsoft.Extensions.Options;

namespace MailTumble.Aws.Cluster;

/// <summary>
/// The AWS family's share of <c>MAXIMUM_SEND_RATE</c>, kept in the state table's <c>rate</c> partition. Every node beats
/// twice a second (an item <c>node#{id}</c> stamped with its clock, and a time to live); a node is live while its last beat
/// is younger than <see cref="LiveWindow"/>, and the active live nodes split <c>MAXIMUM_SEND_RATE × factor</c> evenly
/// (<see cref="RateSchedule"/>). A node's first beat, and its first after a lapse longer than the live window, set its
/// <c>active</c> instant to its clock plus <see cref="RateSchedule.JoinDelay"/>; every beat returns the live nodes ordered
/// by that instant and node id, so every node sees the same order and the same instant of each switch.
/// A node that stops orderly deletes its item (its share moves at once); one that dies drops out after
/// <see cref="LiveWindow"/>, and the others take its share at their next beat (<see cref="RateBudgetService"/>): within
/// about 3.5 s. Throttling seen by any node halves the shared factor (item <c>factor</c>, a conditional
/// write so two nodes' reports at once halve it once; at most once a second, never below 0.1); it grows back by 0.1 a
/// second. One beat is one write and one strongly consistent query of the partition. Nodes' clocks must agree to well
/// under a second (NTP, as on EC2).
/// </summary>
internal sealed class DynamoDbRateBudget : IRateBudget
{
    /// <summary>How long a node counts as live after its last heartbeat.</summary>
    public static readonly TimeSpan LiveWindow = RateSchedule.LiveWindow;

    /// <summary>After this long without a beat a node's item is deleted by the others (and by the time to live).</summary>
    private static readonly TimeSpan Forget = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan HalveAtMostEvery = TimeSpan.FromSeconds(1);
    private const string Partition = "rate";
    private const string FactorKey = "factor";
    private const string NodePrefix = "node#";
    private readonly DynamoDbStateTable _table;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;

    public DynamoDbRateBudget(DynamoDbStateTable table, IOptions<DeliveryOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _table = table;
        _options = options.Value;
        _time = time;
    }

    public async Task<RateSchedule> BeatAsync(NodeBeat beat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(beat);
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var key = DynamoDbStateTable.Key(Partition, NodePrefix + beat.NodeId);
        var active = Number((now + RateSchedule.JoinDelay).ToUnixTimeMilliseconds());
        var response = await _table.Client.UpdateItemAsync(
            new UpdateItemRequest
            {
                TableName = _table.Name,
                Key = key,
                UpdateExpression = "SET host = :host, demand = :demand, #status = :status, beat = :beat, joined = if_not_exists(joined, :beat), active = if_not_exists(active, :active), #expires = :expires",
                ExpressionAttributeNames = new() { ["#status"] = "status", ["#expires"] = DynamoDbStateTable.Expires },
                ExpressionAttributeValues = new()
                {
                    [":host"] = new AttributeValue { S = beat.Host },
                    [":demand"] = new AttributeValue { BOOL = beat.Demand },
                    [":status"] = new AttributeValue { S = JsonSerializer.Serialize(beat.Status) },
                    [":beat"] = Number(now.ToUnixTimeMilliseconds()),
                    [":active"] = active,
                    [":expires"] = Number((now + Forget).ToUnixTimeSeconds()),
                },
                ReturnValues = ReturnValue.UPDATED_OLD,
            },
            cancellationToken).ConfigureAwait(false);
        var old = response.Attributes;
        if (old is { Count: > 0 } && old.ContainsKey("beat") && Long(old, "beat") <= (now - LiveWindow).ToUnixTimeMilliseconds())
        {
            // Back after its beats lapsed past the live window: the others gave its share away, so it joins again.
            await _table.Client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _table.Name,
                    Key = key,
                    UpdateExpression = "SET active = :active",
                    ExpressionAttributeValues = new() { [":active"] = active },
                },
                cancellationToken).ConfigureAwait(false);
        }

        var (factor, nodes) = await ReadAsync(now, cancellationToken).ConfigureAwait(false);
        var schedule = nodes.Select(n => new ScheduledNode(n.Node.NodeId, DateTimeOffset.FromUnixTimeMilliseconds(n.Active))).ToList();
        if (!schedule.Any(n => n.NodeId == beat.NodeId))
        {
            // Read back without its own beat (its clock is behind the live window): it still counts itself.
            schedule.Add(new ScheduledNode(beat.NodeId, DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(active.N, CultureInfo.InvariantCulture))));
        }

        return new RateSchedule(_options.MaxSendRate * factor, schedule);
    }

    public async Task ThrottledAsync(string nodeId, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var item = (await _table.Client.GetItemAsync(
            new GetItemRequest { TableName = _table.Name, Key = DynamoDbStateTable.Key(Partition, FactorKey), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false)).Item;
        var exists = item is { Count: > 0 };
        var changed = exists ? Long(item!, "changed") : 0;
        if (exists && now.ToUnixTimeMilliseconds() - changed < HalveAtMostEvery.TotalMilliseconds)
        {
            return;
        }

        var halved = Math.Max(0.1, Factor(item, now) * 0.5);
        var request = new PutItemRequest
        {
            TableName = _table.Name,
            Item = new Dictionary<string, AttributeValue>(DynamoDbStateTable.Key(Partition, FactorKey))
            {
                ["factor"] = new AttributeValue { N = halved.ToString("R", CultureInfo.InvariantCulture) },
                ["changed"] = Number(now.ToUnixTimeMilliseconds()),
                ["by"] = new AttributeValue { S = nodeId },
            },
            // Only over the value just read: of two nodes halving at once, one wins and the other's report is the same news.
            ConditionExpression = exists ? "changed = :changed" : "attribute_not_exists(pk)",
        };
        if (exists)
        {
            request.ExpressionAttributeValues = new() { [":changed"] = Number(changed) };
        }

        try
        {
            await _table.Client.PutItemAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
        }
    }

    public async Task LeaveAsync(string nodeId, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        await _table.Client.DeleteItemAsync(
            new DeleteItemRequest { TableName = _table.Name, Key = DynamoDbStateTable.Key(Partition, NodePrefix + nodeId) },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ClusterNode>> ListNodesAsync(CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var (factor, nodes) = await ReadAsync(_time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return nodes.Select(n => n.Node with { Share = Share(factor, nodes.Count) }).ToList();
    }

    /// <summary>
    /// The factor as of <paramref name="now"/> and the live nodes with their active instants (Unix ms), in the cluster's
    /// order (active instant, then node id); forgets long-dead nodes.
    /// </summary>
    private async Task<(double Factor, List<(long Active, ClusterNode Node)> Nodes)> ReadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = _table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = Partition } },
            ConsistentRead = true,
        };
        var factor = 1.0;
        var live = new List<(long Active, ClusterNode Node)>();
        var stale = new List<(string Sk, long Beat)>();
        var liveAfter = (now - LiveWindow).ToUnixTimeMilliseconds();
        var forgetBefore = (now - Forget).ToUnixTimeMilliseconds();
        do
        {
            var page = await _table.Client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                var sk = item[DynamoDbStateTable.Sk].S;
                if (sk == FactorKey)
                {
                    factor = Factor(item, now);
                    continue;
                }

                var beat = Long(item, "beat");
                if (beat > liveAfter)
                {
                    var status = item.TryGetValue("status", out var s) && s.S is { } json ? JsonSerializer.Deserialize<DeliveryStatus>(json) : null;
                    var node = new ClusterNode(sk[NodePrefix.Length..], item.TryGetValue("host", out var h) ? h.S : "", 0, DateTimeOffset.FromUnixTimeMilliseconds(beat), item.TryGetValue("demand", out var d) && d.BOOL == true, status);
                    // An item of an older build has no active instant: it counts as active from when it joined.
                    live.Add((item.ContainsKey("active") ? Long(item, "active") : Long(item, "joined"), node));
                }
                else if (beat < forgetBefore)
                {
                    stale.Add((sk, beat));
                }
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);

        foreach (var (sk, beat) in stale)
        {
            try
            {
                await _table.Client.DeleteItemAsync(
                    new DeleteItemRequest
                    {
                        TableName = _table.Name,
                        Key = DynamoDbStateTable.Key(Partition, sk),
                        ConditionExpression = "beat = :beat",
                        ExpressionAttributeValues = new() { [":beat"] = Number(beat) },
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (ConditionalCheckFailedException)
            {
                // It beat again (or another node deleted it first).
            }
        }

        return (factor, live.OrderBy(n => n.Active).ThenBy(n => n.Node.NodeId, StringComparer.Ordinal).ToList());
    }

    /// <summary>The factor's last value, grown back since by 0.1 a second, at most 1 (1 when nobody was throttled yet).</summary>
    private static double Factor(Dictionary<string, AttributeValue>? item, DateTimeOffset now)
    {
        if (item is not { Count: > 0 } || !item.TryGetValue("factor", out var f))
        {
            return 1.0;
        }

        var since = Math.Max(0, now.ToUnixTimeMilliseconds() - Long(item, "changed")) / 1000.0;
        return Math.Min(1.0, double.Parse(f.N, CultureInfo.InvariantCulture) + 0.1 * since);
    }

    private double Share(double factor, int liveNodes) => _options.MaxSendRate * factor / Math.Max(1, liveNodes);

    private static long Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}
