using MailTumble.Core.Queue;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// An <see cref="OutgoingItem"/> as the queue, dead-letter and held tables all store it: the columns in one order, their
/// parameter names, binding and reading, kept in one place so the three tables cannot drift apart.
/// </summary>
internal static class SqliteItemColumns
{
    /// <summary>The item's columns, in the order <see cref="Read"/> reads them.</summary>
    public const string Names = "id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at, expires_at, priority, lane, bulk";

    /// <summary>The parameters <see cref="Bind"/> sets, in the order of <see cref="Names"/>.</summary>
    public const string Parameters = "$id, $key, $alias, $recipient, $from, $headers, $offset, $received, $expires, $priority, $lane, $bulk";

    /// <summary>Sets the parameters of <see cref="Parameters"/> on <paramref name="command"/> from <paramref name="item"/>.</summary>
    public static void Bind(SqliteCommand command, OutgoingItem item)
    {
        var parameters = command.Parameters;
        parameters.AddWithValue("$id", item.Id);
        parameters.AddWithValue("$key", item.MessageKey);
        parameters.AddWithValue("$alias", item.Alias);
        parameters.AddWithValue("$recipient", item.Recipient);
        parameters.AddWithValue("$from", item.EnvelopeFrom);
        parameters.AddWithValue("$headers", item.Headers.ToArray());
        parameters.AddWithValue("$offset", item.BodyOffset);
        parameters.AddWithValue("$received", item.ReceivedAt.ToUnixTimeMilliseconds());
        parameters.AddWithValue("$expires", item.ExpiresAt.ToUnixTimeMilliseconds());
        parameters.AddWithValue("$priority", item.Priority);
        parameters.AddWithValue("$lane", item.Lane);
        parameters.AddWithValue("$bulk", item.Bulk ? 1 : 0);
    }

    /// <summary>Reads an item selected as <see cref="Names"/>, starting at column <paramref name="first"/>.</summary>
    public static OutgoingItem Read(SqliteDataReader reader, int first = 0) => new(
        Id: reader.GetString(first),
        MessageKey: reader.GetString(first + 1),
        Alias: reader.GetString(first + 2),
        Recipient: reader.GetString(first + 3),
        EnvelopeFrom: reader.GetString(first + 4),
        Headers: (byte[])reader.GetValue(first + 5),
        BodyOffset: reader.GetInt64(first + 6),
        ReceivedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 7)),
        ExpiresAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 8)),
        Priority: reader.GetInt32(first + 9),
        Lane: reader.GetString(first + 10),
        Bulk: reader.GetInt64(first + 11) != 0);
}
