using MailTumble.Core.Queue;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>The dead letters of the PostgreSQL queue: list, show, replay, purge (<see cref="IDeadLetterAdmin"/>), for the whole cluster.</summary>
internal sealed partial class PostgresOutgoingQueue
{
    private const string DeadColumns = $"{ItemColumns}, attempts, reason, dead_at";

    public async Task<IReadOnlyList<DeadLetter>> ListDeadAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {DeadColumns} FROM dead_letters ORDER BY dead_at DESC, id LIMIT @limit", connection);
        command.Parameters.AddWithValue("limit", limit);
        var list = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(ReadDead(reader));
        }

        return list;
    }

    public async Task<int> ReplayDeadAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var where = ids is null ? string.Empty : "WHERE id = ANY(@ids)";
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int count;
        await using (var move = new NpgsqlCommand($"""
            WITH gone AS (DELETE FROM dead_letters {where} RETURNING {ItemColumns})
            INSERT INTO queue ({ItemColumns}, due_at, attempts)
            SELECT id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at,
                   GREATEST(expires_at, @expires), priority, lane, bulk, @now, 0
            FROM gone ORDER BY lane
            ON CONFLICT (id) DO NOTHING
            """, connection, transaction))
        {
            move.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            move.Parameters.AddWithValue("expires", (now + TimeSpan.FromDays(1)).ToUnixTimeMilliseconds());
            if (ids is not null)
            {
                move.Parameters.AddWithValue("ids", ids.ToArray());
            }

            count = await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (count > 0)
        {
            await PostgresWakeUp.NotifyAsync(_database, connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    public async Task<DeadLetter?> GetDeadAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {DeadColumns} FROM dead_letters WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadDead(reader) : null;
    }

    public async Task<(int Purged, IReadOnlyList<string> ReleasedMessages)> PurgeDeadAsync(DateTimeOffset olderThan, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var candidates = new List<string>();
        await using (var keys = new NpgsqlCommand("SELECT DISTINCT message_key FROM dead_letters WHERE dead_at < @cutoff", connection, transaction))
        {
            keys.Parameters.AddWithValue("cutoff", olderThan.ToUnixTimeMilliseconds());
            await using var reader = await keys.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                candidates.Add(reader.GetString(0));
            }
        }

        int purged;
        await using (var delete = new NpgsqlCommand("DELETE FROM dead_letters WHERE dead_at < @cutoff", connection, transaction))
        {
            delete.Parameters.AddWithValue("cutoff", olderThan.ToUnixTimeMilliseconds());
            purged = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var released = await LockAndFindUnreferencedAsync(connection, transaction, candidates, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return (purged, released);
    }

    private static DeadLetter ReadDead(NpgsqlDataReader reader) =>
        new(ReadItem(reader), reader.GetInt32(12), reader.GetString(13), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14)));
}
