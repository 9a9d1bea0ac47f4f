using MailTumble.Aws.Cluster;
using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using MailTumble.Testing.Contracts;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Aws.Tests;

/// <summary>The rate budget contract on dynalite, the nodes' clock a fake one (so dying takes no real seconds).</summary>
public sealed class DynamoDbRateBudgetTests : RateBudgetContract
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
    private StateTables? _tables;

    protected override TimeSpan LiveWindow => DynamoDbRateBudget.LiveWindow;

    protected override IRateBudget Node()
    {
        _tables ??= new StateTables();
        return new DynamoDbRateBudget(_tables.Open(), Options.Create(new DeliveryOptions { MaxSendRate = Rate }), _time);
    }

    protected override void Pass(TimeSpan span) => _time.Advance(span);

    protected override DateTimeOffset Now => _time.GetUtcNow();

    public override async Task DisposeAsync()
    {
        if (_tables is not null)
        {
            await _tables.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task The_table_is_created_on_first_use_and_a_long_dead_node_s_item_is_swept()
    {
        var a = Node();
        var b = Node();
        await b.BeatAsync(new NodeBeat("b", "host-b", true, new DeliveryStatus(_time.GetUtcNow(), 1, Rate, 1, null, null, 0, 0, 0, null, 0)), default);
        _time.Advance(TimeSpan.FromMinutes(11));
        var schedule = await a.BeatAsync(new NodeBeat("a", "host-a", true, new DeliveryStatus(_time.GetUtcNow(), 1, Rate, 1, null, null, 0, 0, 0, null, 0)), default);
        Assert.Equal(["a"], schedule.Nodes.Select(n => n.NodeId));
        Assert.Equal(30, schedule.Rate, 6);

        var items = await _tables!.Open().Client.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = _tables.Options.StateTable });
        Assert.Equal(["node#a"], items.Items.Select(i => i["sk"].S));
        Assert.True(long.Parse(items.Items[0]["expires"].N, System.Globalization.CultureInfo.InvariantCulture) > _time.GetUtcNow().ToUnixTimeSeconds());
    }
}
