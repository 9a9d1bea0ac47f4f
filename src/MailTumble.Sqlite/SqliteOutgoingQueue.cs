using MailTumble.Core.Queue;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// The outgoing queue in SQLite. An item is due when <c>due_at</c> has passed; leasing pushes
/// <c>due_at</c> to the end of the lease, so an item whose worker died becomes due again by itself.
/// </summary>
internal sealed partial class SqliteOutgoingQueue : IOutgoingQueue, IDeadLetterAdmin, IAsyncDisposable
{
    private readonly SqliteDatabase _database;
    private readonly SqliteWriter _writer;
    private readonly TimeProvider _time;
    private readonly LeaseRenewer? _keeper;
    private long _logged;

    /// <summary>Creates the queue; with a <paramref name="maxLeaseHold"/> above zero, leases held by live workers are renewed up to that long.</summary>
    public SqliteOutgoingQueue(SqliteDatabase database, SqliteWriter writer, TimeProvider time, TimeSpan maxLeaseHold = default)
    {
        _database = database;
        _writer = writer;
        _time = time;
        _keeper = maxLeaseHold > TimeSpan.Zero ? new LeaseRenewer(RenewAsync, maxLeaseHold, TimeSpan.FromSeconds(1), time) : null;
    }

    /// <summary>Lease renewals done so far (zero when renewal is off).</summary>
    internal long LeaseRenewals => _keeper?.Renewals ?? 0;

    /// <summary>Lease tokens the keeper still watches.</summary>
    internal int LeasesWatched => _keeper?.Held ?? 0;

    public async ValueTask DisposeAsync()
    {
        if (_keeper is not null)
        {
            await _keeper.DisposeAsync().ConfigureAwait(false);
        }

        await DisposeLaneReaderAsync().ConfigureAwait(false);
    }

    /// <summary>Extends every item still leased under <paramref name="token"/> (one token per leased batch).</summary>
    private async Task<bool> RenewAsync(string token, TimeSpan visibility, CancellationToken cancellationToken)
    {
        var until = _time.GetUtcNow() + visibility;
        var rows = await _writer.WriteAsync(
            context =>
            {
                var command = context.Command("UPDATE queue SET due_at = $until WHERE lease_token = $token");
                command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$token", token);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

        // None left: every item of the batch was acked, retried or released.
        return rows > 0;
    }

    public Task EnqueueAsync(IReadOnlyList<OutgoingItem> items, CancellationToken cancellationToken)
    {
        if (_writer.StorageFull)
        {
            // What room is left on a full disk is for send-out, which frees it.
            throw new StorageFullException("the data disk is full");
        }

        if (!_writer.TryWrite(
                context =>
                {
                    Insert(context, items);
                    return 0;
                },
                out var completion))
        {
            throw new QueueFullException("too many messages are waiting to be written; try again shortly");
        }

        // The caller may stop waiting, but the write itself is not cancelled once queued.
        return completion.WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<LeasedItem>> LeaseAsync(int max, TimeSpan visibility, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var until = now + visibility;
        var token = Guid.NewGuid().ToString("N");
        var leased = await _writer.WriteAsync<IReadOnlyList<LeasedItem>>(
            context =>
            {
                var command = context.Command($"""
                    UPDATE queue SET lease_token = $token, due_at = $until
                    WHERE seq IN (SELECT seq FROM queue WHERE due_at <= $now ORDER BY due_at, seq LIMIT $max)
                    RETURNING {SqliteItemColumns.Names}, attempts, last_error
                    """);
                command.Parameters.AddWithValue("$token", token);
                command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$max", max);
                var batch = new List<LeasedItem>();
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    batch.Add(new LeasedItem(SqliteItemColumns.Read(reader), reader.GetInt32(12), token, until, reader.IsDBNull(13) ? null : reader.GetString(13)));
                }

                return batch;
            },
            cancellationToken).ConfigureAwait(false);
        if (leased.Count > 0)
        {
            _keeper?.Hold(token, visibility);
        }

        return leased;
    }

    /// <summary>The batch's leases (one token per leased batch or lane take) are no longer renewed.</summary>
    public void Finished(IReadOnlyList<LeasedItem> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _keeper?.Forget(batch);
    }

    public Task<bool> AckAsync(LeasedItem item, string outcome, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
            context =>
            {
                var delete = context.Command("DELETE FROM queue WHERE id = $id AND lease_token = $token");
                delete.Parameters.AddWithValue("$id", item.Item.Id);
                delete.Parameters.AddWithValue("$token", item.LeaseToken);
                delete.ExecuteNonQuery();
                Log(context, outcome);
                return !References(context, item.Item.MessageKey);
            },
            cancellationToken);

    public Task RetryAsync(LeasedItem item, DateTimeOffset notBefore, string reason, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
            context =>
            {
                var command = context.Command("""
                    UPDATE queue SET lease_token = NULL, due_at = $due, attempts = attempts + 1, last_error = $reason
                    WHERE id = $id AND lease_token = $token
                    """);
                command.Parameters.AddWithValue("$due", notBefore.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$reason", reason);
                command.Parameters.AddWithValue("$id", item.Item.Id);
                command.Parameters.AddWithValue("$token", item.LeaseToken);
                command.ExecuteNonQuery();
                Log(context, "deferred");
                return 0;
            },
            cancellationToken);

    public Task DeadLetterAsync(LeasedItem item, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync(
            context =>
            {
                var move = context.Command($"""
                    INSERT OR REPLACE INTO dead_letters ({SqliteItemColumns.Names}, attempts, reason, dead_at)
                    SELECT {SqliteItemColumns.Names}, attempts + 1, $reason, $now FROM queue WHERE id = $id AND lease_token = $token
                    """);
                move.Parameters.AddWithValue("$reason", reason);
                move.Parameters.AddWithValue("$now", now);
                move.Parameters.AddWithValue("$id", item.Item.Id);
                move.Parameters.AddWithValue("$token", item.LeaseToken);
                if (move.ExecuteNonQuery() > 0)
                {
                    var delete = context.Command("DELETE FROM queue WHERE id = $id");
                    delete.Parameters.AddWithValue("$id", item.Item.Id);
                    delete.ExecuteNonQuery();
                }

                Log(context, "dead");
                return 0;
            },
            cancellationToken);
    }

    public Task EnqueueDeadAsync(IReadOnlyList<OutgoingItem> items, string reason, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync(
            context =>
            {
                foreach (var item in items)
                {
                    var command = context.Command($"""
                        INSERT OR REPLACE INTO dead_letters ({SqliteItemColumns.Names}, attempts, reason, dead_at)
                        VALUES ({SqliteItemColumns.Parameters}, 0, $reason, $now)
                        """);
                    SqliteItemColumns.Bind(command, item);
                    command.Parameters.AddWithValue("$reason", reason);
                    command.Parameters.AddWithValue("$now", now);
                    command.ExecuteNonQuery();
                    Log(context, "dead");
                }

                return 0;
            },
            cancellationToken,
            durable: true);
    }

    public Task ReleaseAsync(IReadOnlyList<LeasedItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return Task.CompletedTask;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync(
            context =>
            {
                foreach (var item in items)
                {
                    var command = context.Command("UPDATE queue SET lease_token = NULL, due_at = $now WHERE id = $id AND lease_token = $token");
                    command.Parameters.AddWithValue("$now", now);
                    command.Parameters.AddWithValue("$id", item.Item.Id);
                    command.Parameters.AddWithValue("$token", item.LeaseToken);
                    command.ExecuteNonQuery();
                }

                return 0;
            },
            cancellationToken);
    }

    /// <summary>
    /// Makes every leased item due now. Only for the process that has just taken ownership of the data directory (see
    /// <see cref="DataDirectoryOwner"/>): no lease in the file can then be held by a live worker.
    /// </summary>
    internal Task<int> ReleaseAllLeasesAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writer.WriteAsync(
            context =>
            {
                var command = context.Command("UPDATE queue SET lease_token = NULL, due_at = MIN(due_at, $now) WHERE lease_token IS NOT NULL");
                command.Parameters.AddWithValue("$now", now);
                return command.ExecuteNonQuery();
            },
            cancellationToken);
    }

    // The queue's own items, ready, in flight and deferred: the depth, and the first three of the statistics.
    private const string DepthCounts =
        "(SELECT COUNT(*) FROM queue WHERE due_at <= $now), " +
        "(SELECT COUNT(*) FROM queue WHERE due_at > $now AND lease_token IS NOT NULL), " +
        "(SELECT COUNT(*) FROM queue WHERE due_at > $now AND lease_token IS NULL)";

    public async Task<QueueStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT
              {DepthCounts},
              (SELECT COUNT(*) FROM dead_letters),
              (SELECT COUNT(*) FROM delivery_log WHERE at > $minute AND outcome = 'sent')
            """;
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$minute", now - 60_000);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new QueueStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    // Only the queue's rows: the status loop asks every few seconds, and the delivery log keeps a day of rows.
    public async Task<QueueDepth> GetDepthAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT
              {DepthCounts}
            """;
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new QueueDepth(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(due_at) FROM queue";
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>Whether this queue's writes go through <paramref name="writer"/> (so they can share its transactions).</summary>
    internal bool WritesThrough(SqliteWriter writer) => ReferenceEquals(_writer, writer);

    internal static void Insert(SqliteWriter.Context context, IReadOnlyList<OutgoingItem> items)
    {
        foreach (var item in items)
        {
            // An id already queued is left as it is: re-approving held mail whose earlier approval stopped
            // half-way (see IHeldStore.ReopenStaleClaimsAsync) must not fail the whole batch.
            var command = context.Command($"""
                INSERT OR IGNORE INTO queue ({SqliteItemColumns.Names}, due_at)
                VALUES ({SqliteItemColumns.Parameters}, $due)
                """);
            SqliteItemColumns.Bind(command, item);
            command.Parameters.AddWithValue("$due", item.Priority > 0 ? 0 : item.ReceivedAt.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    // Held entries count too: the stored message must outlive a delivery moved to the held store.
    private static bool References(SqliteWriter.Context context, string messageKey)
    {
        var command = context.Command("""
            SELECT EXISTS(SELECT 1 FROM queue WHERE message_key = $key) OR EXISTS(SELECT 1 FROM dead_letters WHERE message_key = $key)
                OR EXISTS(SELECT 1 FROM held WHERE message_key = $key AND state IN ('held', 'approving'))
            """);
        command.Parameters.AddWithValue("$key", messageKey);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    private void Log(SqliteWriter.Context context, string outcome)
    {
        if (++_logged % 1000 == 0)
        {
            // Only the last minute is reported; keep a day for operators poking at the file.
            var prune = context.Command("DELETE FROM delivery_log WHERE at < $cutoff");
            prune.Parameters.AddWithValue("$cutoff", (_time.GetUtcNow() - TimeSpan.FromDays(1)).ToUnixTimeMilliseconds());
            prune.ExecuteNonQuery();
        }

        var command = context.Command("INSERT INTO delivery_log (at, outcome) VALUES ($at, $outcome)");
        command.Parameters.AddWithValue("$at", _time.GetUtcNow().ToUnixTimeMilliseconds());
        // Kept as given (e.g. "dropped: alias dead"), so the file says why a delivery was not sent.
        command.Parameters.AddWithValue("$outcome", outcome);
        command.ExecuteNonQuery();
    }
}
