using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using Npgsql;
using NpgsqlTypes;

namespace MailTumble.Postgres;

/// <summary>
/// Held mail in PostgreSQL, shared by every node: mail held on one node is listed, approved or rejected on any other.
/// Every decision is one conditional statement on the entries' state, so two operators (or nodes) deciding at once never
/// both win.
/// </summary>
internal sealed class PostgresHeldStore : IHeldStore
{
    private const string Columns = """
        id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at, expires_at, priority,
        sender, envelope_sender, subject, size, reason, held_at, state, decided_at, decided_by, decision_reason, lane, bulk
        """;

    // Unset parameters match everything.
    private const string Filter = """
        (@ids::text[] IS NULL OR id = ANY(@ids))
        AND (@alias::text IS NULL OR alias = @alias)
        AND (@sender::text IS NULL OR sender = @sender OR envelope_sender = @sender
             OR (left(@sender, 1) = '@' AND (right(sender, length(@sender)) = @sender OR right(envelope_sender, length(@sender)) = @sender)))
        AND (@before::bigint IS NULL OR held_at < @before)
        """;

    private readonly PostgresDatabase _database;

    public PostgresHeldStore(PostgresDatabase database)
    {
        _database = database;
    }

    public async Task HoldAsync(IReadOnlyList<HeldMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            foreach (var m in messages)
            {
                var command = new NpgsqlBatchCommand($"""
                    INSERT INTO held ({Columns})
                    VALUES (@id, @key, @alias, @recipient, @from, @headers, @offset, @received, @expires, @priority,
                            @sender, @envelope_sender, @subject, @size, @reason, @held_at, 'held', NULL, NULL, NULL, @lane, @bulk)
                    ON CONFLICT (id) DO NOTHING
                    """);
                PostgresOutgoingQueue.AddItem(command.Parameters, m.Item);
                command.Parameters.AddWithValue("sender", m.Sender);
                command.Parameters.AddWithValue("envelope_sender", m.EnvelopeSender);
                command.Parameters.AddWithValue("subject", m.Subject);
                command.Parameters.AddWithValue("size", m.Size);
                command.Parameters.AddWithValue("reason", m.Reason);
                command.Parameters.AddWithValue("held_at", m.HeldAt.ToUnixTimeMilliseconds());
                batch.BatchCommands.Add(command);
            }

            if (batch.BatchCommands.Count > 0)
            {
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<HeldMessage?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var list = await ListAsync(new HeldQuery(Ids: [id], IncludeDecided: true, Limit: 1), cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    public async Task<IReadOnlyList<HeldMessage>> ListAsync(HeldQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT {Columns} FROM held
            WHERE (@decided OR state = 'held') AND {Filter}
            ORDER BY held_at, id LIMIT @limit
            """, connection);
        Bind(command, query);
        command.Parameters.AddWithValue("decided", query.IncludeDecided);
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = (object?)query.Limit ?? DBNull.Value });
        var list = new List<HeldMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async Task<long> CountAsync(HeldQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT COUNT(*) FROM held WHERE state = 'held' AND {Filter}", connection);
        Bind(command, query);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public Task<IReadOnlyList<string>> ClaimForApprovalAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) =>
        TransitionAsync(ids, decision, from: "held", to: "approving", cancellationToken);

    public Task<IReadOnlyList<string>> MarkApprovedAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) =>
        TransitionAsync(ids, decision, from: "approving", to: "approved", cancellationToken);

    public async Task<int> ReleaseClaimsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        (await TransitionAsync(ids, decision: null, from: "approving", to: "held", cancellationToken).ConfigureAwait(false)).Count;

    public async Task<int> ReopenStaleClaimsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            UPDATE held SET state = 'held', decided_at = NULL, decided_by = NULL, decision_reason = NULL
            WHERE state = 'approving' AND decided_at < @before
            """, connection);
        command.Parameters.AddWithValue("before", before.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One conditional state change: only entries in state <paramref name="from"/> move, so two deciders never both win.</summary>
    private async Task<IReadOnlyList<string>> TransitionAsync(IReadOnlyCollection<string> ids, HeldDecision? decision, string from, string to, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            UPDATE held SET state = @to, decided_at = @now, decided_by = @by, decision_reason = @reason
            WHERE state = @from AND id = ANY(@ids)
            RETURNING id
            """, connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("to", to);
        BindDecision(command, decision);
        var moved = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            moved.Add(reader.GetString(0));
        }

        return moved;
    }

    public async Task<RejectResult> RejectAsync(HeldQuery query, HeldDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(decision);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var count = 0;
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await using (var update = new NpgsqlCommand($"""
            UPDATE held SET state = 'rejected', decided_at = @now, decided_by = @by, decision_reason = @reason
            WHERE state = 'held' AND {Filter}
            RETURNING message_key
            """, connection, transaction))
        {
            Bind(update, query);
            BindDecision(update, decision);
            await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                count++;
                keys.Add(reader.GetString(0));
            }
        }

        // Which messages nothing refers to any more, checked under their locks, so a node acking a message's last
        // delivery at the same moment cannot miss the release too.
        var released = await PostgresOutgoingQueue.LockAndFindUnreferencedAsync(connection, transaction, keys, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RejectResult(count, released);
    }

    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM held WHERE state IN ('approved', 'rejected') AND decided_at < @before", connection);
        command.Parameters.AddWithValue("before", before.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Bind(NpgsqlCommand command, HeldQuery query)
    {
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)query.Ids?.ToArray() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("alias", NpgsqlDbType.Text) { Value = (object?)query.Alias?.Trim().ToLowerInvariant() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("sender", NpgsqlDbType.Text) { Value = (object?)query.Sender?.Trim().ToLowerInvariant() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = (object?)query.HeldBefore?.ToUnixTimeMilliseconds() ?? DBNull.Value });
    }

    private static void BindDecision(NpgsqlCommand command, HeldDecision? decision)
    {
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.Bigint) { Value = (object?)decision?.At.ToUnixTimeMilliseconds() ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("by", NpgsqlDbType.Text) { Value = (object?)decision?.By ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)decision?.Reason ?? DBNull.Value });
    }

    private static HeldMessage Read(NpgsqlDataReader reader)
    {
        var item = new OutgoingItem(
            Id: reader.GetString(0),
            MessageKey: reader.GetString(1),
            Alias: reader.GetString(2),
            Recipient: reader.GetString(3),
            EnvelopeFrom: reader.GetString(4),
            Headers: reader.GetFieldValue<byte[]>(5),
            BodyOffset: reader.GetInt64(6),
            ReceivedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
            ExpiresAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
            Priority: reader.GetInt32(9),
            Lane: reader.GetString(20),
            Bulk: reader.GetBoolean(21));
        var state = reader.GetString(16);
        var decision = state == "held" ? null : new HeldDecision(
            state switch { "approved" => HeldState.Approved, "approving" => HeldState.Approving, _ => HeldState.Rejected },
            reader.IsDBNull(18) ? string.Empty : reader.GetString(18),
            reader.IsDBNull(19) ? null : reader.GetString(19),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.IsDBNull(17) ? 0 : reader.GetInt64(17)));
        return new HeldMessage(
            item,
            reader.GetString(10),
            reader.GetString(11),
            reader.GetString(12),
            reader.GetInt64(13),
            reader.GetString(14),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(15)),
            decision);
    }
}
