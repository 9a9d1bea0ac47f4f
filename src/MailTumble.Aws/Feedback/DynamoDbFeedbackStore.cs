using System.Globalization;
using Amazon.DynamoDBv2.Model;
using MailTumble.Aws.Cluster;
using MailTumble.Core.Feedback;

namespace MailTumble.Aws.Feedback;

/// <summary>
/// Sent deliveries and feedback events in the AWS family's state table, shared by every node: a bounce taken off the
/// feedback queue by node B finds the delivery node A sent, each event counts once across nodes, and every node shows
/// the same history. Items: <c>sent#{deliveryId}</c> and <c>sent-by-provider#{id}</c> (kept 30 days, time to live), the
/// claim <c>event#{key}</c> (a conditional write, so of two nodes taking the same event one wins), and the event in the
/// history partitions <c>events</c> (all aliases) and <c>events#{alias}</c>, sorted by time.
/// </summary>
internal sealed partial class DynamoDbFeedbackStore : IFeedbackStore, IFeedbackHistory
{
    /// <summary>Sent deliveries are kept this long: past any bounce address lifetime and the slowest MTA's final DSN.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private const string One = "-";
    private readonly DynamoDbStateTable _table;
    private readonly TimeProvider _time;

    public DynamoDbFeedbackStore(DynamoDbStateTable table, TimeProvider time)
    {
        _table = table;
        _time = time;
    }

    public async Task RecordDeliveryAsync(SentDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var writes = new List<WriteRequest> { new(new PutRequest(Delivery("sent#" + delivery.DeliveryId, One, delivery))) };
        if (!string.IsNullOrEmpty(delivery.ProviderMessageId))
        {
            writes.Add(new WriteRequest(new PutRequest(Delivery("sent-by-provider#" + delivery.ProviderMessageId, delivery.DeliveryId, delivery))));
        }

        await WriteAsync(writes, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SentDelivery?> FindDeliveryAsync(string deliveryId, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var item = (await _table.Client.GetItemAsync(
            new GetItemRequest { TableName = _table.Name, Key = DynamoDbStateTable.Key("sent#" + deliveryId, One), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } && ReadDelivery(item) is { } found && Fresh(found) ? found : null;
    }

    public async Task<IReadOnlyList<SentDelivery>> FindByProviderMessageIdAsync(string providerMessageId, CancellationToken cancellationToken) =>
        (await QueryAsync("sent-by-provider#" + providerMessageId, newestFirst: false, limit: null, cancellationToken).ConfigureAwait(false))
            .Select(ReadDelivery).Where(Fresh).ToList();

    public async Task<bool> TryAddEventAsync(StoredFeedback feedback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var stored = feedback with { Alias = Normal(feedback.Alias) };
        try
        {
            await _table.Client.PutItemAsync(
                new PutItemRequest { TableName = _table.Name, Item = Event("event#" + stored.Key, One, stored), ConditionExpression = "attribute_not_exists(pk)" },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }

        await WriteAsync(
            [new WriteRequest(new PutRequest(Event("events", HistoryKey(stored), stored))), new WriteRequest(new PutRequest(Event("events#" + stored.Alias, HistoryKey(stored), stored)))],
            cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task RemoveEventAsync(string key, CancellationToken cancellationToken)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var item = (await _table.Client.GetItemAsync(
            new GetItemRequest { TableName = _table.Name, Key = DynamoDbStateTable.Key("event#" + key, One), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false)).Item;
        if (item is not { Count: > 0 })
        {
            return;
        }

        var stored = ReadEvent(item);
        await WriteAsync(
            [
                new WriteRequest(new DeleteRequest(DynamoDbStateTable.Key("events", HistoryKey(stored)))),
                new WriteRequest(new DeleteRequest(DynamoDbStateTable.Key("events#" + stored.Alias, HistoryKey(stored)))),
                new WriteRequest(new DeleteRequest(DynamoDbStateTable.Key("event#" + key, One))),
            ],
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<FeedbackSummary> GetSummaryAsync(string alias, CancellationToken cancellationToken)
    {
        var summary = new FeedbackSummaryBuilder();
        foreach (var item in await QueryAsync("events#" + Normal(alias), newestFirst: false, limit: null, cancellationToken).ConfigureAwait(false))
        {
            summary.Add(item["type"].S, item.TryGetValue("bounce_type", out var b) ? b.S : null, item.TryGetValue("sub_type", out var s) ? s.S : null, 1);
        }

        return summary.Build();
    }

    public async Task<IReadOnlyList<StoredFeedback>> ListRecentAsync(string? alias, IReadOnlyCollection<FeedbackType> types, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(types);
        var wanted = types.Select(t => t.ToString()).ToHashSet(StringComparer.Ordinal);
        var items = await QueryAsync(
            alias is null ? "events" : "events#" + Normal(alias),
            newestFirst: true,
            limit: Math.Clamp(limit, 1, 10_000),
            cancellationToken,
            item => wanted.Count == 0 || wanted.Contains(item["type"].S)).ConfigureAwait(false);
        return items.Select(ReadEvent).ToList();
    }

    private bool Fresh(SentDelivery delivery) => delivery.SentAt >= _time.GetUtcNow() - Retention;

    private static string Normal(string alias) => alias.Trim().ToLowerInvariant();

    private static string HistoryKey(StoredFeedback e) => e.At.ToUnixTimeMilliseconds().ToString("D15", CultureInfo.InvariantCulture) + "#" + e.Key;
}
