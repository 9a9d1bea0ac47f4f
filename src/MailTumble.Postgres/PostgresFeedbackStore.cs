using MailTumble.Core.Feedback;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Sent deliveries and feedback events in PostgreSQL: a bounce that comes back to any node finds the delivery another
/// node sent, and the event key is the primary key, so an event reported to two nodes counts once.
/// </summary>
internal sealed class PostgresFeedbackStore : IFeedbackStore, IFeedbackHistory
{
    private const string DeliveryColumns = "id, alias, target, provider_message_id, sent_at";
    private const string EventColumns = "event_key, alias, delivery_id, type, bounce_type, sub_type, recipient, origin, detail, at";

    /// <summary>Sent deliveries are kept this long: past any bounce address lifetime and the slowest MTA's final DSN.</summary>
    private static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private long _recorded;

    public PostgresFeedbackStore(PostgresDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
    }

    public async Task RecordDeliveryAsync(SentDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand($"""
            INSERT INTO sent_deliveries ({DeliveryColumns}) VALUES (@id, @alias, @target, @provider, @at)
            ON CONFLICT (id) DO UPDATE SET alias = excluded.alias, target = excluded.target,
                provider_message_id = excluded.provider_message_id, sent_at = excluded.sent_at
            """, connection))
        {
            command.Parameters.AddWithValue("id", delivery.DeliveryId);
            command.Parameters.AddWithValue("alias", delivery.Alias);
            command.Parameters.AddWithValue("target", delivery.Target.ToLowerInvariant());
            command.Parameters.Add(new NpgsqlParameter("provider", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)delivery.ProviderMessageId ?? DBNull.Value });
            command.Parameters.AddWithValue("at", delivery.SentAt.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (Interlocked.Increment(ref _recorded) % 1000 == 1)
        {
            await using var prune = new NpgsqlCommand("DELETE FROM sent_deliveries WHERE sent_at < @cutoff", connection);
            prune.Parameters.AddWithValue("cutoff", (_time.GetUtcNow() - Retention).ToUnixTimeMilliseconds());
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<SentDelivery?> FindDeliveryAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var found = await QueryDeliveriesAsync("id = @value", deliveryId, cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0] : null;
    }

    public Task<IReadOnlyList<SentDelivery>> FindByProviderMessageIdAsync(string providerMessageId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync("provider_message_id = @value", providerMessageId, cancellationToken);

    public async Task<bool> TryAddEventAsync(StoredFeedback feedback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO feedback_events ({EventColumns})
            VALUES (@key, @alias, @delivery, @type, @bounce, @sub, @recipient, @origin, @detail, @at)
            ON CONFLICT (event_key) DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("key", feedback.Key);
        command.Parameters.AddWithValue("alias", feedback.Alias);
        command.Parameters.AddWithValue("delivery", feedback.DeliveryId);
        command.Parameters.AddWithValue("type", feedback.Type.ToString());
        command.Parameters.AddWithValue("bounce", feedback.BounceType.ToString());
        command.Parameters.Add(new NpgsqlParameter("sub", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)feedback.SubType ?? DBNull.Value });
        command.Parameters.AddWithValue("recipient", feedback.Recipient);
        command.Parameters.AddWithValue("origin", feedback.Origin.ToString());
        command.Parameters.Add(new NpgsqlParameter("detail", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)feedback.Detail ?? DBNull.Value });
        command.Parameters.AddWithValue("at", feedback.At.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task RemoveEventAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM feedback_events WHERE event_key = @key", connection);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<FeedbackSummary> GetSummaryAsync(string alias, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alias);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT type, bounce_type, sub_type, COUNT(*) FROM feedback_events WHERE alias = @alias GROUP BY type, bounce_type, sub_type", connection);
        command.Parameters.AddWithValue("alias", alias.Trim().ToLowerInvariant());
        var summary = new FeedbackSummaryBuilder();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            summary.Add(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), (int)reader.GetInt64(3));
        }

        return summary.Build();
    }

    public async Task<IReadOnlyList<StoredFeedback>> ListRecentAsync(string? alias, IReadOnlyCollection<FeedbackType> types, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(types);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT {EventColumns} FROM feedback_events
            WHERE (@alias::text IS NULL OR alias = @alias) AND (cardinality(@types::text[]) = 0 OR type = ANY(@types))
            ORDER BY at DESC, event_key COLLATE "C" LIMIT @limit
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("alias", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)alias?.Trim().ToLowerInvariant() ?? DBNull.Value });
        command.Parameters.AddWithValue("types", types.Select(t => t.ToString()).ToArray());
        command.Parameters.AddWithValue("limit", Math.Clamp(limit, 1, 10_000));
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
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {DeliveryColumns} FROM sent_deliveries WHERE {where}", connection);
        command.Parameters.AddWithValue("value", value);
        var list = new List<SentDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new SentDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return list;
    }
}
