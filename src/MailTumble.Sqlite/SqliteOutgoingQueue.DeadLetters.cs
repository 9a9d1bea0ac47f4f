using MailTumble.Core.Queue;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>The dead letters of the SQLite queue: list, show, replay, purge (<see cref="IDeadLetterAdmin"/>).</summary>
internal sealed partial class SqliteOutgoingQueue
{
    public async Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteItemColumns.Names}, attempts, reason, dead_at FROM dead_letters ORDER BY dead_at DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new DeadLetter(SqliteItemColumns.Read(reader), reader.GetInt32(12), reader.GetString(13), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14))));
        }

        return list;
    }

    public Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return _writer.WriteAsync(
            context =>
            {
                var where = ids is null ? string.Empty : "WHERE id IN (SELECT value FROM json_each($ids))";
                var insert = context.Command($"""
                    INSERT OR IGNORE INTO queue ({SqliteItemColumns.Names}, due_at, attempts)
                    SELECT id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at,
                           MAX(expires_at, $expires), priority, lane, bulk, $now, 0
                    FROM dead_letters {where}
                    """);
                insert.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                insert.Parameters.AddWithValue("$expires", (now + TimeSpan.FromDays(1)).ToUnixTimeMilliseconds());
                var delete = context.Command($"DELETE FROM dead_letters {where}");
                if (ids is not null)
                {
                    var json = System.Text.Json.JsonSerializer.Serialize(ids);
                    insert.Parameters.AddWithValue("$ids", json);
                    delete.Parameters.AddWithValue("$ids", json);
                }

                var count = insert.ExecuteNonQuery();
                delete.ExecuteNonQuery();
                return count;
            },
            cancellationToken);
    }

    public async Task<DeadLetter?> GetDeadAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SqliteItemColumns.Names}, attempts, reason, dead_at FROM dead_letters WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new DeadLetter(SqliteItemColumns.Read(reader), reader.GetInt32(12), reader.GetString(13), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14)))
            : null;
    }

    public Task<(int Purged, IReadOnlyList<string> ReleasedMessages)> PurgeDeadAsync(DateTimeOffset olderThan, CancellationToken cancellationToken) =>
        _writer.WriteAsync<(int, IReadOnlyList<string>)>(
            context =>
            {
                var keys = context.Command("SELECT DISTINCT message_key FROM dead_letters WHERE dead_at < $cutoff");
                keys.Parameters.AddWithValue("$cutoff", olderThan.ToUnixTimeMilliseconds());
                var candidates = new List<string>();
                using (var reader = keys.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        candidates.Add(reader.GetString(0));
                    }
                }

                var delete = context.Command("DELETE FROM dead_letters WHERE dead_at < $cutoff");
                delete.Parameters.AddWithValue("$cutoff", olderThan.ToUnixTimeMilliseconds());
                var purged = delete.ExecuteNonQuery();
                return (purged, candidates.Where(key => !References(context, key)).ToList());
            },
            cancellationToken,
            durable: true);
}
