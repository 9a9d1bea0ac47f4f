using System.Text.Json;
using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Each node's send-out status as a row of its own (keyed by node id), so <c>queue stats</c> on any node can read the
/// latest; the delivery log (every node's acks) seeds the daily quota after a restart.
/// </summary>
internal sealed class PostgresDeliveryStatusStore : IDeliveryStatusStore
{
    private readonly PostgresDatabase _database;
    private readonly NodeIdentity _node;

    public PostgresDeliveryStatusStore(PostgresDatabase database, NodeIdentity node)
    {
        _database = database;
        _node = node;
    }

    public async Task SaveAsync(DeliveryStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(status);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO runtime_status (node_id, json, updated_at) VALUES (@node, @json, @at)
            ON CONFLICT (node_id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at
            """, connection);
        command.Parameters.AddWithValue("node", _node.Id);
        command.Parameters.AddWithValue("json", JsonSerializer.Serialize(status));
        command.Parameters.AddWithValue("at", status.UpdatedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<DeliveryStatus?> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT json FROM runtime_status ORDER BY updated_at DESC LIMIT 1", connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json
            ? JsonSerializer.Deserialize<DeliveryStatus>(json)
            : null;
    }

    public async Task<IReadOnlyList<DateTimeOffset>> SentSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT at FROM delivery_log WHERE outcome = 'sent' AND at >= @since ORDER BY at", connection);
        command.Parameters.AddWithValue("since", since.ToUnixTimeMilliseconds());
        var list = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)));
        }

        return list;
    }
}
