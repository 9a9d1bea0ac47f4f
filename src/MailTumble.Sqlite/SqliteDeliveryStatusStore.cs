using System.Text.Json;
using MailTumble.Core.Delivery;

namespace MailTumble.Sqlite;

/// <summary>The send-out status as one row, so <c>queue stats</c> in another process can read it.</summary>
internal sealed class SqliteDeliveryStatusStore(SqliteDatabase database, SqliteWriter writer) : IDeliveryStatusStore
{
    public Task SaveAsync(DeliveryStatus status, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.Serialize(status);
        return writer.WriteAsync(
            context =>
            {
                var command = context.Command("INSERT OR REPLACE INTO runtime_status (id, json, updated_at) VALUES (1, $json, $at)");
                command.Parameters.AddWithValue("$json", json);
                command.Parameters.AddWithValue("$at", status.UpdatedAt.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken);
    }

    public async Task<DeliveryStatus?> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT json FROM runtime_status WHERE id = 1";
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json
            ? JsonSerializer.Deserialize<DeliveryStatus>(json)
            : null;
    }

    public async Task<IReadOnlyList<DateTimeOffset>> SentSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT at FROM delivery_log WHERE outcome = 'sent' AND at >= $since ORDER BY at";
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        var list = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)));
        }

        return list;
    }
}
