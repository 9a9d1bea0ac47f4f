using MailTumble.Core.Feedback;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>Sent deliveries and feedback events in the embedded database; the event key is the primary key, so each counts once.</summary>
internal sealed class SqliteFeedbackStore : IFeedbackStore, IFeedbackHistory
{
    private const string DeliveryColumns = "id, alias, target, provider_message_id, sent_at";

    /// <summary>Sent deliveries are kept this long: past any bounce address lifetime and the slowest MTA's final DSN.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private readonly SqliteDatabase _database;
    private readonly SqliteWriter _writer;
    private readonly TimeProvider _time;
    private long _recorded;

    public SqliteFeedbackStore(SqliteDatabase database, SqliteWriter writer, TimeProvider time)
    {
        _database = database;
        _writer = writer;
        _time = time;
    }

    public Task RecordDeliveryAsync(SentDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var prune = Interlocked.Increment(ref _recorded) % 1000 == 1;
        var cutoff = (_time.GetUtcNow() - Retention).ToUnixTimeMilliseconds();
        return _writer.WriteAsync(
            context =>
            {
                var command = context.Command($"INSERT OR REPLACE INTO sent_deliveries ({DeliveryColumns}) VALUES ($id, $alias, $target, $provider, $at)");
                command.Parameters.AddWithValue("$id", delivery.DeliveryId);
                command.Parameters.AddWithValue("$alias", delivery.Alias);
                command.Parameters.AddWithValue("$target", delivery.Target.ToLowerInvariant());
                command.Parameters.AddWithValue("$provider", (object?)delivery.ProviderMessageId ?? DBNull.Value);
                command.Parameters.AddWithValue("$at", delivery.SentAt.ToUnixTimeMilliseconds());
                var written = command.ExecuteNonQuery();
                if (prune)
                {
                    var old = context.Command("DELETE FROM sent_deliveries WHERE sent_at < $cutoff");
                    old.Parameters.AddWithValue("$cutoff", cutoff);
                    old.ExecuteNonQuery();
                }

                return written;
            },
            cancellationToken);
    }

    public async Task<SentDelivery?> FindDeliveryAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var found = await QueryDeliveriesAsync("id = $value", deliveryId, cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    public Task<IReadOnlyList<SentDelivery>> FindByProviderMessageIdAsync(string providerMessageId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync("provider_message_id = $value", providerMessageId, cancellationToken);

    public Task<bool> TryAddEventAsync(StoredFeedback feedback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        return _writer.WriteAsync(
            context =>
            {
                var command = context.Command("""
                    INSERT INTO feedback_events (event_key, alias, delivery_id, type, bounce_type, sub_type, recipient, origin, detail, at)
                    VALUES ($key, $alias, $delivery, $type, $bounce, $sub, $recipient, $origin, $detail, $at)
                    ON CONFLICT(event_key) DO NOTHING
                    """);
                command.Parameters.AddWithValue("$key", feedback.Key);
                command.Parameters.AddWithValue("$alias", feedback.Alias);
                command.Parameters.AddWithValue("$delivery", feedback.DeliveryId);
                command.Parameters.AddWithValue("$type", feedback.Type.ToString());
                command.Parameters.AddWithValue("$bounce", feedback.BounceType.ToString());
                command.Parameters.AddWithValue("$sub", (object?)feedback.SubType ?? DBNull.Value);
                command.Parameters.AddWithValue("$recipient", feedback.Recipient);
                command.Parameters.AddWithValue("$origin", feedback.Origin.ToString());
                command.Parameters.AddWithValue("$detail", (object?)feedback.Detail ?? DBNull.Value);
                command.Parameters.AddWithValue("$at", feedback.At.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery() > 0;
            },
            cancellationToken);
    }

    public Task RemoveEventAsync(string key, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
            context =>
            {
                var command = context.Command("DELETE FROM feedback_events WHERE event_key = $key");
                command.Parameters.AddWithValue("$key", key);
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    public async Task<FeedbackSummary> GetSummaryAsync(string alias, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, bounce_type, sub_type, count(*) FROM feedback_events WHERE alias = $alias GROUP BY type, bounce_type, sub_type";
        command.Parameters.AddWithValue("$alias", alias.Trim().ToLowerInvariant());
        var summary = new FeedbackSummaryBuilder();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            summary.Add(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3));
        }

        return summary.Build();
    }

    public async Task<IReadOnlyList<StoredFeedback>> ListRecentAsync(string? alias, IReadOnlyCollection<FeedbackType> types, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(types);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (alias is not null)
        {
            where.Add("alias = $alias");
            command.Parameters.AddWithValue("$alias", alias.Trim().ToLowerInvariant());
        }

        if (types.Count > 0)
        {
            where.Add($"type IN ({string.Join(", ", types.Select((_, i) => "$t" + i))})");
            var i = 0;
            foreach (var type in types)
            {
                command.Parameters.AddWithValue("$t" + i++, type.ToString());
            }
        }

        command.CommandText = "SELECT event_key, alias, delivery_id, type, bounce_type, sub_type, recipient, origin, detail, at FROM feedback_events"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty)
            + " ORDER BY at DESC, event_key LIMIT $limit";
        command.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 10_000));
        var list = new List<StoredFeedback>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new StoredFeedback(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                Enum.Parse<FeedbackType>(reader.GetString(3)),
                Enum.Parse<BounceType>(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6),
                Enum.Parse<FeedbackOrigin>(reader.GetString(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }

        return list;
    }

    private async Task<IReadOnlyList<SentDelivery>> QueryDeliveriesAsync(string where, string value, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {DeliveryColumns} FROM sent_deliveries WHERE {where}";
        command.Parameters.AddWithValue("$value", value);
        var list = new List<SentDelivery>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new SentDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return list;
    }
}
