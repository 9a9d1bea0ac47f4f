using MailTumble.Core.Queue;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// The outgoing queue in PostgreSQL, shared by every node. An item is due when <c>due_at</c> has passed; a lease pushes
/// <c>due_at</c> to the lease's end under a fresh token, so an item whose worker (or node) died becomes due again by
/// itself. Leases pick rows with <c>FOR UPDATE SKIP LOCKED</c>: nodes leasing at once never wait on, nor take, each
/// other's rows.
/// </summary>
internal sealed partial class PostgresOutgoingQueue : IOutgoingQueue, IDeadLetterAdmin, IAsyncDisposable
{
    private const string ItemColumns = "id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at, expires_at, priority, lane, bulk";
    private const string ItemValues = "@id, @key, @alias, @recipient, @from, @headers, @offset, @received, @expires, @priority, @lane, @bulk";
    private readonly PostgresDatabase _database;
    private readonly TimeProvider _time;
    private readonly int _ingestConcurrency;
    private readonly LeaseRenewer? _keeper;
    private int _enqueuing;
    private long _logged;

    /// <summary>Creates the queue; with a <paramref name="maxLeaseHold"/> above zero, leases held by live workers are renewed up to that long.</summary>
    public PostgresOutgoingQueue(PostgresDatabase database, TimeProvider time, TimeSpan maxLeaseHold = default, int ingestConcurrency = 256)
    {
        _database = database;
        _time = time;
        _ingestConcurrency = ingestConcurrency;
        _keeper = maxLeaseHold > TimeSpan.Zero ? new LeaseRenewer(RenewAsync, maxLeaseHold, TimeSpan.FromSeconds(1), time) : null;
    }

    /// <summary>The batch's leases (one token per leased batch or lane take) are no longer renewed.</summary>
    public void Finished(IReadOnlyList<LeasedItem> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _keeper?.Forget(batch);
    }

    public async ValueTask DisposeAsync()
    {
        if (_keeper is not null)
        {
            await _keeper.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> RenewAsync(string token, TimeSpan visibility, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("UPDATE queue SET due_at = @until WHERE lease_token = @token", connection);
        command.Parameters.AddWithValue("until", (_time.GetUtcNow() + visibility).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("token", token);

        // None left: every item of the batch was acked, retried or released.
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _enqueuing) > _ingestConcurrency)
        {
            Interlocked.Decrement(ref _enqueuing);
            throw new QueueFullException("too many messages are waiting to be written; try again shortly");
        }

        try
        {
            await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // One round trip for the whole batch, in lane order: two transactions adding to the same lanes lock their
            // lane rows in the same order. An id already queued is left as it is: re-approving held mail whose earlier
            // approval stopped half-way (see IHeldStore.ReopenStaleClaimsAsync) must not fail the whole batch.
            await using (var batch = new NpgsqlBatch(connection, transaction))
            {
                foreach (var item in items.OrderBy(i => i.Lane, StringComparer.Ordinal))
                {
                    var command = new NpgsqlBatchCommand($"INSERT INTO queue ({ItemColumns}, due_at) VALUES ({ItemValues}, @due) ON CONFLICT (id) DO NOTHING");
                    AddItem(command.Parameters, item);
                    command.Parameters.AddWithValue("due", item.Priority > 0 ? 0L : item.ReceivedAt.ToUnixTimeMilliseconds());
                    batch.BatchCommands.Add(command);
                }

                if (batch.BatchCommands.Count > 0)
                {
                    await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            await PostgresWakeUp.NotifyAsync(_database, connection, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _enqueuing);
        }
    }

    private async Task<IReadOnlyList<LeasedItem>> LeaseCoreAsync(int max, TimeSpan visibility, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var until = now + visibility;
        var token = Guid.NewGuid().ToString("N");
        var leased = new List<(long Due, long Seq, LeasedItem Item)>();
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand($"""
                WITH picked AS (
                    SELECT seq, due_at FROM queue WHERE due_at <= @now ORDER BY due_at, seq LIMIT @max FOR UPDATE SKIP LOCKED)
                UPDATE queue q SET lease_token = @token, due_at = @until FROM picked WHERE q.seq = picked.seq
                RETURNING picked.due_at, q.seq, {Prefixed("q")}, q.attempts, q.last_error
                """, connection);
            command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("max", max);
            command.Parameters.AddWithValue("token", token);
            command.Parameters.AddWithValue("until", until.ToUnixTimeMilliseconds());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                leased.Add((reader.GetInt64(0), reader.GetInt64(1), ReadLeased(reader, 2, token, until)));
            }
        }

        if (leased.Count > 0)
        {
            _keeper?.Hold(token, visibility);
        }

        // RETURNING keeps no order: oldest due first, as picked.
        return [.. leased.OrderBy(l => l.Due).ThenBy(l => l.Seq).Select(l => l.Item)];
    }

    private async Task<bool> AckCoreAsync(LeasedItem item, string outcome, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockMessageAsync(connection, transaction, item.Item.MessageKey, cancellationToken).ConfigureAwait(false);
        await using (var delete = new NpgsqlCommand("DELETE FROM queue WHERE id = @id AND lease_token = @token", connection, transaction))
        {
            delete.Parameters.AddWithValue("id", item.Item.Id);
            delete.Parameters.AddWithValue("token", item.LeaseToken);
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await LogAsync(connection, transaction, outcome, cancellationToken).ConfigureAwait(false);
        var referenced = await ReferencesAsync(connection, transaction, item.Item.MessageKey, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return !referenced;
    }

    private async Task RetryCoreAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("""
            UPDATE queue SET lease_token = NULL, due_at = @due, attempts = attempts + 1, last_error = @reason
            WHERE id = @id AND lease_token = @token
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("due", notBefore.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("reason", reason);
            command.Parameters.AddWithValue("id", item.Item.Id);
            command.Parameters.AddWithValue("token", item.LeaseToken);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await LogAsync(connection, transaction, "deferred", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DeadLetterCoreAsync(LeasedItem item, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var move = new NpgsqlCommand($"""
            WITH gone AS (DELETE FROM queue WHERE id = @id AND lease_token = @token RETURNING {ItemColumns}, attempts)
            INSERT INTO dead_letters ({ItemColumns}, attempts, reason, dead_at)
            SELECT {ItemColumns}, attempts + 1, @reason, @now FROM gone
            ON CONFLICT (id) DO UPDATE SET {ReplaceDead}
            """, connection, transaction))
        {
            move.Parameters.AddWithValue("id", item.Item.Id);
            move.Parameters.AddWithValue("token", item.LeaseToken);
            move.Parameters.AddWithValue("reason", reason);
            move.Parameters.AddWithValue("now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await LogAsync(connection, transaction, "dead", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var item in items)
        {
            await using var command = new NpgsqlCommand($"""
                INSERT INTO dead_letters ({ItemColumns}, attempts, reason, dead_at) VALUES ({ItemValues}, 0, @reason, @now)
                ON CONFLICT (id) DO UPDATE SET {ReplaceDead}
                """, connection, transaction);
            AddItem(command, item);
            command.Parameters.AddWithValue("reason", reason);
            command.Parameters.AddWithValue("now", now);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await LogAsync(connection, transaction, "dead", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReleaseCoreAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            UPDATE queue q SET lease_token = NULL, due_at = @now
            FROM unnest(@ids, @tokens) AS r(id, token) WHERE q.id = r.id AND q.lease_token = r.token
            """, connection);
        command.Parameters.AddWithValue("now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("ids", items.Select(i => i.Item.Id).ToArray());
        command.Parameters.AddWithValue("tokens", items.Select(i => i.LeaseToken).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await PostgresWakeUp.NotifyAsync(_database, connection, null, cancellationToken).ConfigureAwait(false);
    }

    // The queue's own items, ready, in flight and deferred: the depth, and the first three of the statistics.
    private const string DepthCounts =
        "(SELECT COUNT(*) FROM queue WHERE due_at <= @now), " +
        "(SELECT COUNT(*) FROM queue WHERE due_at > @now AND lease_token IS NOT NULL), " +
        "(SELECT COUNT(*) FROM queue WHERE due_at > @now AND lease_token IS NULL)";

    private async Task<QueueStats> GetStatsCoreAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT
              {DepthCounts},
              (SELECT COUNT(*) FROM dead_letters),
              (SELECT COUNT(*) FROM delivery_log WHERE at > @minute AND outcome = 'sent')
            """, connection);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("minute", now - 60_000);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new QueueStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    // Only the queue's rows: the status loop asks every few seconds, and the delivery log keeps a day of rows.
    private async Task<QueueDepth> GetDepthCoreAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT
              {DepthCounts}
            """, connection);
        command.Parameters.AddWithValue("now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new QueueDepth(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private async Task<DateTimeOffset?> NextDueCoreAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT MIN(due_at) FROM queue", connection);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>
    /// Serialises, per stored message, the transactions that may release its bytes: each checks the message's references
    /// after the others committed, so two nodes acking its last two deliveries at once cannot both see the other's.
    /// </summary>
    internal static async Task LockMessageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string messageKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, hashtext(@key))", connection, transaction);
        command.Parameters.AddWithValue("class", PostgresDatabase.MessageLock);
        command.Parameters.AddWithValue("key", messageKey);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="LockMessageAsync"/> for many messages in one statement, in key order (so two such transactions cannot
    /// deadlock), then returns those of them nothing refers to any more.
    /// </summary>
    internal static async Task<IReadOnlyList<string>> LockAndFindUnreferencedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> messageKeys, CancellationToken cancellationToken)
    {
        if (messageKeys.Count == 0)
        {
            return [];
        }

        var keys = messageKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await using (var lockAll = new NpgsqlCommand(
            "SELECT COUNT(pg_advisory_xact_lock(@class, hashtext(k))) FROM (SELECT k FROM unnest(@keys) AS u(k) ORDER BY k COLLATE \"C\") AS ordered",
            connection,
            transaction))
        {
            lockAll.Parameters.AddWithValue("class", PostgresDatabase.MessageLock);
            lockAll.Parameters.AddWithValue("keys", keys);
            await lockAll.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var check = new NpgsqlCommand("""
            SELECT k FROM unnest(@keys) AS u(k)
            WHERE NOT EXISTS (SELECT 1 FROM queue WHERE message_key = k)
              AND NOT EXISTS (SELECT 1 FROM dead_letters WHERE message_key = k)
              AND NOT EXISTS (SELECT 1 FROM held WHERE message_key = k AND state IN ('held', 'approving'))
            """, connection, transaction);
        check.Parameters.AddWithValue("keys", keys);
        var released = new List<string>();
        await using var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            released.Add(reader.GetString(0));
        }

        return released;
    }

    /// <summary>Whether a queued item or dead letter still refers to the message (or undecided held mail).</summary>
    internal static async Task<bool> ReferencesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string messageKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(PostgresReferences.Sql, connection, transaction);
        command.Parameters.AddWithValue("key", messageKey);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    private async Task LogAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string outcome, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _logged) % 1000 == 0)
        {
            // Only the last minute is reported; keep a day for operators looking at the table.
            await using var prune = new NpgsqlCommand("DELETE FROM delivery_log WHERE at < @cutoff", connection, transaction);
            prune.Parameters.AddWithValue("cutoff", (_time.GetUtcNow() - TimeSpan.FromDays(1)).ToUnixTimeMilliseconds());
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var command = new NpgsqlCommand("INSERT INTO delivery_log (at, outcome) VALUES (@at, @outcome)", connection, transaction);
        command.Parameters.AddWithValue("at", _time.GetUtcNow().ToUnixTimeMilliseconds());
        // Kept as given (e.g. "dropped: alias dead"), so the table says why a delivery was not sent.
        command.Parameters.AddWithValue("outcome", outcome);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static readonly string ReplaceDead = string.Join(", ", (ItemColumns + ", attempts, reason, dead_at").Split(", ").Where(c => c != "id").Select(c => $"{c} = excluded.{c}"));

    private static string Prefixed(string alias) => string.Join(", ", ItemColumns.Split(", ").Select(c => $"{alias}.{c}"));

    internal static void AddItem(NpgsqlCommand command, OutgoingItem item) => AddItem(command.Parameters, item);

    internal static void AddItem(NpgsqlParameterCollection parameters, OutgoingItem item)
    {
        parameters.AddWithValue("id", item.Id);
        parameters.AddWithValue("key", item.MessageKey);
        parameters.AddWithValue("alias", item.Alias);
        parameters.AddWithValue("recipient", item.Recipient);
        parameters.AddWithValue("from", item.EnvelopeFrom);
        parameters.AddWithValue("headers", item.Headers.ToArray());
        parameters.AddWithValue("offset", item.BodyOffset);
        parameters.AddWithValue("received", item.ReceivedAt.ToUnixTimeMilliseconds());
        parameters.AddWithValue("expires", item.ExpiresAt.ToUnixTimeMilliseconds());
        parameters.AddWithValue("priority", item.Priority);
        parameters.AddWithValue("lane", item.Lane);
        parameters.AddWithValue("bulk", item.Bulk);
    }

    private static LeasedItem ReadLeased(NpgsqlDataReader reader, int first, string token, DateTimeOffset until) =>
        new(ReadItem(reader, first), reader.GetInt32(first + 12), token, until, reader.IsDBNull(first + 13) ? null : reader.GetString(first + 13));

    internal static OutgoingItem ReadItem(NpgsqlDataReader reader, int first = 0) => new(
        Id: reader.GetString(first),
        MessageKey: reader.GetString(first + 1),
        Alias: reader.GetString(first + 2),
        Recipient: reader.GetString(first + 3),
        EnvelopeFrom: reader.GetString(first + 4),
        Headers: reader.GetFieldValue<byte[]>(first + 5),
        BodyOffset: reader.GetInt64(first + 6),
        ReceivedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 7)),
        ExpiresAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 8)),
        Priority: reader.GetInt32(first + 9),
        Lane: reader.GetString(first + 10),
        Bulk: reader.GetBoolean(first + 11));
}
