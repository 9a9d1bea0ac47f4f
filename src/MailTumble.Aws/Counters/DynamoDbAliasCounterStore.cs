using System.Globalization;
using Amazon.DynamoDBv2.Model;
using MailTumble.Aws.Cluster;
using MailTumble.Core.Counters;

namespace MailTumble.Aws.Counters;

/// <summary>
/// Per-alias counters in the AWS family's state table (partition <c>counters</c>, sort key the alias), shared by every
/// node: each node adds its deltas (a batch a second) with one atomic <c>UpdateItem … ADD</c> per alias, and any node
/// reads the totals. The aliases of one batch are separate writes (DynamoDB has no batch update), so a batch cut short
/// by an outage may count some of its aliases; a count is never lost or added twice by writers racing.
/// </summary>
internal sealed class DynamoDbAliasCounterStore(DynamoDbStateTable table) : IAliasCounterStore
{
    private const string Partition = "counters";

    public async Task AddAsync(IReadOnlyCollection<AliasCounts> deltas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0)
        {
            return;
        }

        await table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var merged = deltas.GroupBy(d => d.Alias, StringComparer.Ordinal)
            .Select(g => new AliasCounts(g.Key, g.Sum(d => d.Forwarded), g.Sum(d => d.Replied), g.Sum(d => d.Blocked)));
        await Parallel.ForEachAsync(merged, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (delta, token) =>
            await table.Client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = table.Name,
                    Key = DynamoDbStateTable.Key(Partition, delta.Alias),
                    UpdateExpression = "ADD forwarded :f, replied :r, blocked :b",
                    ExpressionAttributeValues = new()
                    {
                        [":f"] = Number(delta.Forwarded),
                        [":r"] = Number(delta.Replied),
                        [":b"] = Number(delta.Blocked),
                    },
                },
                token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task<AliasCounts> GetAsync(string alias, CancellationToken cancellationToken)
    {
        await table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var item = (await table.Client.GetItemAsync(
            new GetItemRequest { TableName = table.Name, Key = DynamoDbStateTable.Key(Partition, alias), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false)).Item;
        return item is { Count: > 0 }
            ? new AliasCounts(alias, Long(item, "forwarded"), Long(item, "replied"), Long(item, "blocked"))
            : new AliasCounts(alias);
    }

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;
}
