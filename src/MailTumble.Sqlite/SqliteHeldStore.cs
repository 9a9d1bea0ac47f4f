using System.Text.Json;
using MailTumble.Core.Moderation;
using MailTumble.Core.Queue;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>The held store in the same SQLite file as the queue; bulk decisions are single set-based statements.</summary>
internal sealed class SqliteHeldStore : IHeldStore
{
    private const string Columns = """
        id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at, expires_at, priority,
        sender, envelope_sender, subject, size, reason, held_at, state, decided_at, decided_by, decision_reason, lane, bulk
        """;

    // Unset parameters match everything, so one prepared statement serves every query shape.
    private const string Filter = """
        ($ids IS NULL OR id IN (SELECT value FROM json_each($ids)))
        AND ($alias IS NULL OR alias = $alias)
        AND ($sender IS NULL OR sender = $sender OR envelope_sender = $sender
             OR (substr($sender, 1, 1) = '@' AND (substr(sender, -length($sender)) = $sender OR substr(envelope_sender, -length($sender)) = $sender)))
        AND ($before IS NULL OR held_at < $before)
        """;

    private readonly SqliteDatabase _database;
    private readonly SqliteWriter _writer;

    public SqliteHeldStore(SqliteDatabase database, SqliteWriter writer)
    {
        _database = database;
        _writer = writer;
    }

    public Task HoldAsync(IReadOnlyList<HeldMessage> messages, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
            context =>
            {
                foreach (var m in messages)
                {
                    var command = context.Command($"""
                        INSERT OR IGNORE INTO held ({SqliteItemColumns.Names}, sender, envelope_sender, subject, size, reason, held_at, state)
                        VALUES ({SqliteItemColumns.Parameters}, $sender, $envelope_sender, $subject, $size, $reason, $held_at, 'held')
                        """);
                    SqliteItemColumns.Bind(command, m.Item);
                    command.Parameters.AddWithValue("$sender", m.Sender);
                    command.Parameters.AddWithValue("$envelope_sender", m.EnvelopeSender);
                    command.Parameters.AddWithValue("$subject", m.Subject);
                    command.Parameters.AddWithValue("$size", m.Size);
                    command.Parameters.AddWithValue("$reason", m.Reason);
                    command.Parameters.AddWithValue("$held_at", m.HeldAt.ToUnixTimeMilliseconds());
                    command.ExecuteNonQuery();
                }

                return 0;
            },
            cancellationToken);

    public async Task<HeldMessage?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var list = await ListAsync(new HeldQuery(Ids: [id], IncludeDecided: true, Limit: 1), cancellationToken).ConfigureAwait(false);
        return list.Count == 0 ? null : list[0];
    }

    public async Task<IReadOnlyList<HeldMessage>> ListAsync(HeldQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM held
            WHERE ($decided OR state = 'held') AND {Filter}
            ORDER BY held_at, id LIMIT $limit
            """;
        Bind(command, query);
        command.Parameters.AddWithValue("$decided", query.IncludeDecided);
        command.Parameters.AddWithValue("$limit", query.Limit ?? -1);
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
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM held WHERE state = 'held' AND {Filter}";
        Bind(command, query);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public Task<IReadOnlyList<string>> ClaimForApprovalAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) =>
        Transition(ids, decision, from: "held", to: "approving", cancellationToken);

    public Task<IReadOnlyList<string>> MarkApprovedAsync(IReadOnlyCollection<string> ids, HeldDecision decision, CancellationToken cancellationToken) =>
        Transition(ids, decision, from: "approving", to: "approved", cancellationToken);

    public async Task<int> ReleaseClaimsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        (await Transition(ids, decision: null, from: "approving", to: "held", cancellationToken).ConfigureAwait(false)).Count;

    public Task<int> ReopenStaleClaimsAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
            context =>
            {
                var command = context.Command("""
                    UPDATE held SET state = 'held', decided_at = NULL, decided_by = NULL, decision_reason = NULL
                    WHERE state = 'approving' AND decided_at < $before
                    """);
                command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    /// <summary>One conditional state change: only entries in state <paramref name="from"/> move, so two deciders never both win.</summary>
    private Task<IReadOnlyList<string>> Transition(IReadOnlyCollection<string> ids, HeldDecision? decision, string from, string to, CancellationToken cancellationToken) =>
        _writer.WriteAsync<IReadOnlyList<string>>(
            context =>
            {
                var command = context.Command("""
                    UPDATE held SET state = $to, decided_at = $now, decided_by = $by, decision_reason = $reason
                    WHERE state = $from AND id IN (SELECT value FROM json_each($ids))
                    RETURNING id
                    """);
                command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
                command.Parameters.AddWithValue("$from", from);
                command.Parameters.AddWithValue("$to", to);
                if (decision is null)
                {
                    command.Parameters.AddWithValue("$now", DBNull.Value);
                    command.Parameters.AddWithValue("$by", DBNull.Value);
                    command.Parameters.AddWithValue("$reason", DBNull.Value);
                }
                else
                {
                    BindDecision(command, decision);
                }

                var moved = new List<string>();
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    moved.Add(reader.GetString(0));
                }

                return moved;
            },
            cancellationToken);

    public Task<RejectResult> RejectAsync(HeldQuery query, HeldDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(decision);
        return _writer.WriteAsync(
            context =>
            {
                var update = context.Command($"""
                    UPDATE held SET state = 'rejected', decided_at = $now, decided_by = $by, decision_reason = $reason
                    WHERE state = 'held' AND {Filter}
                    RETURNING message_key
                    """);
                Bind(update, query);
                BindDecision(update, decision);
                var count = 0;
                var keys = new HashSet<string>(StringComparer.Ordinal);
                using (var reader = update.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        count++;
                        keys.Add(reader.GetString(0));
                    }
                }

                var released = new List<string>();
                if (keys.Count > 0)
                {
                    var check = context.Command("""
                        SELECT k.value FROM json_each($keys) AS k
                        WHERE NOT EXISTS (SELECT 1 FROM queue WHERE message_key = k.value)
                          AND NOT EXISTS (SELECT 1 FROM dead_letters WHERE message_key = k.value)
                          AND NOT EXISTS (SELECT 1 FROM held WHERE message_key = k.value AND state IN ('held', 'approving'))
                        """);
                    check.Parameters.AddWithValue("$keys", JsonSerializer.Serialize(keys));
                    using var reader = check.ExecuteReader();
                    while (reader.Read())
                    {
                        released.Add(reader.GetString(0));
                    }
                }

                return new RejectResult(count, released);
            },
            cancellationToken);
    }

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        _writer.WriteAsync(
            context =>
            {
                var command = context.Command("DELETE FROM held WHERE state IN ('approved', 'rejected') AND decided_at < $before");
                command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    private static void Bind(SqliteCommand command, HeldQuery query)
    {
        command.Parameters.AddWithValue("$ids", query.Ids is null ? DBNull.Value : JsonSerializer.Serialize(query.Ids));
        command.Parameters.AddWithValue("$alias", (object?)query.Alias?.Trim().ToLowerInvariant() ?? DBNull.Value);
        command.Parameters.AddWithValue("$sender", (object?)query.Sender?.Trim().ToLowerInvariant() ?? DBNull.Value);
        command.Parameters.AddWithValue("$before", (object?)query.HeldBefore?.ToUnixTimeMilliseconds() ?? DBNull.Value);
    }

    private static void BindDecision(SqliteCommand command, HeldDecision decision)
    {
        command.Parameters.AddWithValue("$now", decision.At.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$by", decision.By);
        command.Parameters.AddWithValue("$reason", (object?)decision.Reason ?? DBNull.Value);
    }

    private static HeldMessage Read(SqliteDataReader reader)
    {
        var item = new OutgoingItem(
            Id: reader.GetString(0),
            MessageKey: reader.GetString(1),
            Alias: reader.GetString(2),
            Recipient: reader.GetString(3),
            EnvelopeFrom: reader.GetString(4),
            Headers: (byte[])reader.GetValue(5),
            BodyOffset: reader.GetInt64(6),
            ReceivedAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
            ExpiresAt: DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
            Priority: reader.GetInt32(9),
            Lane: reader.GetString(20),
            Bulk: reader.GetInt64(21) != 0);
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
