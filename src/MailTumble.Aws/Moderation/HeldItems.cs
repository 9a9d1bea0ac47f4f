using System.Globalization;
using Amazon.DynamoDBv2.Model;
using MailTumble.Aws.Cluster;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;

namespace MailTumble.Aws.Moderation;

/// <summary>
/// How a held entry is kept in the state table: partition <c>held</c>, sort key the entry's id, one attribute per field
/// (times in epoch milliseconds). Empty strings are left out (read back as empty), so any DynamoDB (or emulator) takes them.
/// </summary>
internal static class HeldItems
{
    public const string Partition = "held";
    public const string State = "state";
    public const string DecidedAt = "decided_at";
    public const string DecidedBy = "decided_by";
    public const string DecisionReason = "decision_reason";

    public static Dictionary<string, AttributeValue> Write(HeldMessage held)
    {
        var item = held.Item;
        var values = DynamoDbStateTable.Key(Partition, held.Id);
        Text(values, "message_key", item.MessageKey);
        Text(values, "alias", item.Alias);
        Text(values, "recipient", item.Recipient);
        Text(values, "envelope_from", item.EnvelopeFrom);
        if (!item.Headers.IsEmpty)
        {
            values["headers"] = new AttributeValue { B = new MemoryStream(item.Headers.ToArray()) };
        }

        values["body_offset"] = Number(item.BodyOffset);
        values["received_at"] = Number(item.ReceivedAt.ToUnixTimeMilliseconds());
        values["expires_at"] = Number(item.ExpiresAt.ToUnixTimeMilliseconds());
        values["priority"] = Number(item.Priority);
        Text(values, "lane", item.Lane);
        values["bulk"] = new AttributeValue { BOOL = item.Bulk };
        Text(values, "sender", held.Sender);
        Text(values, "envelope_sender", held.EnvelopeSender);
        Text(values, "subject", held.Subject);
        values["size"] = Number(held.Size);
        Text(values, "reason", held.Reason);
        values["held_at"] = Number(held.HeldAt.ToUnixTimeMilliseconds());
        values[State] = new AttributeValue { S = Name(HeldState.Held) };
        return values;
    }

    public static HeldMessage Read(Dictionary<string, AttributeValue> values)
    {
        var item = new OutgoingItem(
            Id: values[DynamoDbStateTable.Sk].S,
            MessageKey: Text(values, "message_key"),
            Alias: Text(values, "alias"),
            Recipient: Text(values, "recipient"),
            EnvelopeFrom: Text(values, "envelope_from"),
            Headers: values.TryGetValue("headers", out var headers) && headers.B is { } stream ? stream.ToArray() : [],
            BodyOffset: Long(values, "body_offset"),
            ReceivedAt: Time(values, "received_at"),
            ExpiresAt: Time(values, "expires_at"),
            Priority: (int)Long(values, "priority"),
            Lane: Text(values, "lane"),
            Bulk: values.TryGetValue("bulk", out var bulk) && bulk.BOOL == true);
        var state = Parse(Text(values, State));
        var decision = state == HeldState.Held ? null : new HeldDecision(
            state,
            Text(values, DecidedBy),
            values.TryGetValue(DecisionReason, out var reason) ? reason.S : null,
            Time(values, DecidedAt));
        return new HeldMessage(
            item,
            Text(values, "sender"),
            Text(values, "envelope_sender"),
            Text(values, "subject"),
            Long(values, "size"),
            Text(values, "reason"),
            Time(values, "held_at"),
            decision);
    }

    /// <summary>Whether an entry matches the query's filters (not its limit).</summary>
    public static bool Matches(HeldMessage held, HeldQuery query)
    {
        if (!query.IncludeDecided && held.State != HeldState.Held)
        {
            return false;
        }

        if (query.Ids is { } ids && !ids.Contains(held.Id))
        {
            return false;
        }

        if (query.Alias is { } alias && !string.Equals(held.Item.Alias, alias.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (query.HeldBefore is { } before && held.HeldAt >= before)
        {
            return false;
        }

        if (query.Sender?.Trim().ToLowerInvariant() is { } sender)
        {
            var author = held.Sender.ToLowerInvariant();
            var envelope = held.EnvelopeSender.ToLowerInvariant();
            var match = sender.StartsWith('@')
                ? author.EndsWith(sender, StringComparison.Ordinal) || envelope.EndsWith(sender, StringComparison.Ordinal)
                : author == sender || envelope == sender;
            if (!match)
            {
                return false;
            }
        }

        return true;
    }

    public static string Name(HeldState state) => state.ToString().ToLowerInvariant();

    public static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    private static HeldState Parse(string state) => state switch
    {
        "approved" => HeldState.Approved,
        "approving" => HeldState.Approving,
        "rejected" => HeldState.Rejected,
        _ => HeldState.Held,
    };

    private static void Text(Dictionary<string, AttributeValue> values, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            values[name] = new AttributeValue { S = value };
        }
    }

    private static string Text(Dictionary<string, AttributeValue> values, string name) =>
        values.TryGetValue(name, out var value) && value.S is { } text ? text : string.Empty;

    private static long Long(Dictionary<string, AttributeValue> values, string name) =>
        values.TryGetValue(name, out var value) && value.N is { } number ? long.Parse(number, CultureInfo.InvariantCulture) : 0;

    private static DateTimeOffset Time(Dictionary<string, AttributeValue> values, string name) => DateTimeOffset.FromUnixTimeMilliseconds(Long(values, name));
}
