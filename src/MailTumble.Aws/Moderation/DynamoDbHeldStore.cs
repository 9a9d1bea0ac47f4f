using Amazon.DynamoDBv2.Model;
using MailTumble.Aws.Cluster;
using MailTumble.Aws.Queue;
using MailTumble.Core.Moderation;

namespace MailTumble.Aws.Moderation;

/// <summary>
/// Held mail in the AWS family's state table (partition <c>held</c>), shared by every node: mail held on one node is
/// listed, approved or rejected on any other. Every decision is one conditional write per entry on its state, so two
/// operators (or nodes) deciding at once never both win; many entries are decided by parallel conditional writes (DynamoDB
/// has no conditional batch), new entries written 25 a request. Listings read the partition (strongly consistent). The
/// stored message stays in S3: each undecided entry also holds a reference on it next to the SQS deliveries' references
/// (<see cref="DeliveryReferences"/>), so the last SQS ack leaves a message alone while an entry still needs it, and a
/// rejected entry releases the message only when no delivery or entry of it is left.
/// </summary>
internal sealed partial class DynamoDbHeldStore : IHeldStore
{
    /// <summary>Reference ids of held entries, beside the deliveries' ids.</summary>
    private const string ReferencePrefix = "held-";

    /// <summary>How many single-item writes run at once for one call.</summary>
    private const int Parallelism = 32;

    private readonly DynamoDbStateTable _table;
    private readonly DeliveryReferences _references;

    public DynamoDbHeldStore(DynamoDbStateTable table, DeliveryReferences references)
    {
        _table = table;
        _references = references;
    }

    public async Task HoldAsync(IReadOnlyList<HeldMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);

        // Reference first: the entry must never exist while its message looks unreferenced.
        await _references.AddAsync(messages.Select(m => m.Item with { Id = ReferencePrefix + m.Id }).ToList(), cancellationToken).ConfigureAwait(false);

        // An id already present is left as it is (a redelivery after a crash); the others are written 25 a request.
        var present = (await GetManyAsync(messages.Select(m => m.Id).ToList(), cancellationToken).ConfigureAwait(false)).ToDictionary(h => h.Id, StringComparer.Ordinal);
        var fresh = messages.Where(m => !present.ContainsKey(m.Id)).DistinctBy(m => m.Id, StringComparer.Ordinal).Select(HeldItems.Write).ToList();
        await WriteAsync(fresh.Select(item => new WriteRequest(new PutRequest(item))), cancellationToken).ConfigureAwait(false);

        // An entry already decided must not keep the reference just added.
        var decided = present.Values.Where(h => h.State is HeldState.Approved or HeldState.Rejected).ToList();
        if (decided.Count > 0)
        {
            await _references.RemoveManyAsync(decided.Select(h => (h.Item.MessageKey, ReferencePrefix + h.Id)).ToList(), cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<HeldMessage?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var response = await _table.Client.GetItemAsync(
            new GetItemRequest { TableName = _table.Name, Key = DynamoDbStateTable.Key(HeldItems.Partition, id), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? HeldItems.Read(item) : null;
    }

    public async Task<IReadOnlyList<HeldMessage>> ListAsync(HeldQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var entries = query.Ids is { } ids
            ? await GetManyAsync(ids, cancellationToken).ConfigureAwait(false)
            : await QueryAsync(query.IncludeDecided ? null : HeldState.Held, cancellationToken).ConfigureAwait(false);
        var list = entries.Where(h => HeldItems.Matches(h, query)).OrderBy(h => h.HeldAt).ThenBy(h => h.Id, StringComparer.Ordinal);
        return (query.Limit is { } limit ? list.Take(limit) : list).ToList();
    }

    public async Task<long> CountAsync(HeldQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return (await ListAsync(query with { Limit = null, IncludeDecided = false }, cancellationToken).ConfigureAwait(false)).Count;
    }

    /// <summary>The entries with these ids (strongly consistent, 100 a request).</summary>
    private async Task<List<HeldMessage>> GetManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<HeldMessage>();
        foreach (var chunk in ids.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            var pending = new Dictionary<string, KeysAndAttributes>
            {
                [_table.Name] = new KeysAndAttributes { Keys = chunk.Select(id => DynamoDbStateTable.Key(HeldItems.Partition, id)).ToList(), ConsistentRead = true },
            };
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0)
                {
                    await _table.PauseAsync(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
                }

                var response = await _table.Client.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = pending }, cancellationToken).ConfigureAwait(false);
                if (response.Responses is { } responses && responses.TryGetValue(_table.Name, out var items))
                {
                    found.AddRange(items.Select(HeldItems.Read));
                }

                pending = response.UnprocessedKeys is { Count: > 0 } left && left.Values.Sum(k => k.Keys.Count) > 0 ? left : [];
            }
        }

        return found;
    }

    /// <summary>Every entry of the partition (in one state, or all), strongly consistent.</summary>
    private async Task<List<HeldMessage>> QueryAsync(HeldState? state, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var request = new QueryRequest
        {
            TableName = _table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = HeldItems.Partition } },
            ConsistentRead = true,
        };
        if (state is { } wanted)
        {
            request.FilterExpression = "#state = :state";
            request.ExpressionAttributeNames = new() { ["#state"] = HeldItems.State };
            request.ExpressionAttributeValues[":state"] = new AttributeValue { S = HeldItems.Name(wanted) };
        }

        var entries = new List<HeldMessage>();
        do
        {
            var page = await _table.Client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            entries.AddRange((page.Items ?? []).Select(HeldItems.Read));
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);
        return entries;
    }

    /// <summary>Writes (puts or deletes) without conditions, 25 a request, retrying what DynamoDB leaves unprocessed.</summary>
    private async Task WriteAsync(IEnumerable<WriteRequest> writes, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(writes.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (chunk, token) =>
        {
            var pending = new Dictionary<string, List<WriteRequest>> { [_table.Name] = [.. chunk] };
            for (var attempt = 0; pending.Values.Sum(v => v.Count) > 0; attempt++)
            {
                if (attempt > 0)
                {
                    await _table.PauseAsync(TimeSpan.FromMilliseconds(50 * attempt), token).ConfigureAwait(false);
                }

                var response = await _table.Client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, token).ConfigureAwait(false);
                pending = response.UnprocessedItems ?? [];
            }
        }).ConfigureAwait(false);
    }

    private static Task ForEachAsync<T>(IEnumerable<T> source, Func<T, CancellationToken, ValueTask> body, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(source, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, body);
}
