using System.Globalization;
using Amazon.DynamoDBv2.Model;
using MailTumble.Aws.Cluster;
using MailTumble.Core.Feedback;

namespace MailTumble.Aws.Feedback;

/// <summary>The items and the table calls.</summary>
internal sealed partial class DynamoDbFeedbackStore
{
    private static Dictionary<string, AttributeValue> Delivery(string pk, string sk, SentDelivery delivery)
    {
        var item = DynamoDbStateTable.Key(pk, sk);
        item["delivery_id"] = Text(delivery.DeliveryId);
        item["alias"] = Text(delivery.Alias);
        item["target"] = Text(delivery.Target.ToLowerInvariant());
        if (!string.IsNullOrEmpty(delivery.ProviderMessageId))
        {
            item["provider_id"] = Text(delivery.ProviderMessageId);
        }

        item["sent_at"] = Number(delivery.SentAt.ToUnixTimeMilliseconds());
        item[DynamoDbStateTable.Expires] = Number((delivery.SentAt + Retention).ToUnixTimeSeconds());
        return item;
    }

    private static SentDelivery ReadDelivery(Dictionary<string, AttributeValue> item) => new(
        item["delivery_id"].S,
        item["alias"].S,
        item["target"].S,
        item.TryGetValue("provider_id", out var provider) ? provider.S : null,
        DateTimeOffset.FromUnixTimeMilliseconds(Long(item, "sent_at")));

    private static Dictionary<string, AttributeValue> Event(string pk, string sk, StoredFeedback e)
    {
        var item = DynamoDbStateTable.Key(pk, sk);
        item["key"] = Text(e.Key);
        item["alias"] = Text(e.Alias);
        Optional(item, "delivery_id", e.DeliveryId);
        item["type"] = Text(e.Type.ToString());
        item["bounce_type"] = Text(e.BounceType.ToString());
        Optional(item, "sub_type", e.SubType);
        Optional(item, "recipient", e.Recipient);
        item["origin"] = Text(e.Origin.ToString());
        Optional(item, "detail", e.Detail);
        item["at"] = Number(e.At.ToUnixTimeMilliseconds());
        return item;
    }

    private static StoredFeedback ReadEvent(Dictionary<string, AttributeValue> item) => new(
        item["key"].S,
        item["alias"].S,
        item.TryGetValue("delivery_id", out var delivery) ? delivery.S : string.Empty,
        Enum.Parse<FeedbackType>(item["type"].S),
        Enum.Parse<BounceType>(item["bounce_type"].S),
        item.TryGetValue("sub_type", out var sub) ? sub.S : null,
        item.TryGetValue("recipient", out var recipient) ? recipient.S : string.Empty,
        Enum.Parse<FeedbackOrigin>(item["origin"].S),
        item.TryGetValue("detail", out var detail) ? detail.S : null,
        DateTimeOffset.FromUnixTimeMilliseconds(Long(item, "at")));

    /// <summary>A partition's items in sort key order (or reversed), strongly consistent; up to <paramref name="limit"/> that pass <paramref name="keep"/>.</summary>
    private async Task<List<Dictionary<string, AttributeValue>>> QueryAsync(
        string partition, bool newestFirst, int? limit, CancellationToken cancellationToken, Func<Dictionary<string, AttributeValue>, bool>? keep = null)
    {
        await _table.EnsureAsync(cancellationToken).ConfigureAwait(false);
        var request = new QueryRequest
        {
            TableName = _table.Name,
            KeyConditionExpression = "pk = :pk",
            ExpressionAttributeValues = new() { [":pk"] = Text(partition) },
            ConsistentRead = true,
            ScanIndexForward = !newestFirst,
        };
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var page = await _table.Client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (keep is null || keep(item))
                {
                    items.Add(item);
                    if (items.Count == limit)
                    {
                        return items;
                    }
                }
            }

            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);
        return items;
    }

    private async Task WriteAsync(List<WriteRequest> writes, CancellationToken cancellationToken)
    {
        var pending = new Dictionary<string, List<WriteRequest>> { [_table.Name] = writes };
        for (var attempt = 0; pending.Values.Sum(v => v.Count) > 0; attempt++)
        {
            if (attempt > 0)
            {
                await _table.PauseAsync(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }

            var response = await _table.Client.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, cancellationToken).ConfigureAwait(false);
            pending = response.UnprocessedItems ?? [];
        }
    }

    private static void Optional(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            item[name] = Text(value);
        }
    }

    private static AttributeValue Text(string value) => new() { S = value };

    private static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static long Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;
}
