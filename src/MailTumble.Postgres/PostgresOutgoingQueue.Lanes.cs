using MailTumble.Core.Queue;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Per-lane access for Core's fair scheduler (<see cref="LaneAccess.PerLane"/>). The <c>lanes</c> table (kept by triggers,
/// see <see cref="PostgresSchema"/>) lists lanes and their depths without touching items; whether a lane is due, and its
/// due items in lane order, come from range scans of the <c>queue_lane</c> index (lane, bulk, due_at, seq).
/// </summary>
internal sealed partial class PostgresOutgoingQueue
{
    /// <summary>Whether lane <c>l</c> has a due item: one index probe per class.</summary>
    private const string LaneDue = """
        (EXISTS (SELECT 1 FROM queue q WHERE q.lane = l.lane AND q.bulk = false AND q.due_at <= @now)
         OR EXISTS (SELECT 1 FROM queue q WHERE q.lane = l.lane AND q.bulk = true AND q.due_at <= @now))
        """;

    public LaneAccess LaneAccess => LaneAccess.PerLane;

    private async Task<IReadOnlyList<string>> ListDueLanesCoreAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            after is null
                ? $"SELECT l.lane FROM lanes l WHERE {LaneDue} ORDER BY l.lane LIMIT @limit"
                : $"SELECT l.lane FROM lanes l WHERE l.lane > @after AND {LaneDue} ORDER BY l.lane LIMIT @limit",
            connection);
        command.Parameters.AddWithValue("now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("limit", Math.Max(1, limit));
        if (after is not null)
        {
            command.Parameters.AddWithValue("after", after);
        }

        var lanes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lanes.Add(reader.GetString(0));
        }

        return lanes;
    }

    private async Task<IReadOnlyList<LeasedItem>> LeaseLanesCoreAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (takes.Count == 0)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        var until = now + visibility;
        var token = Guid.NewGuid().ToString("N");
        var picked = new List<long>();
        var leased = new Dictionary<long, LeasedItem>();
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var take in takes)
            {
                // Non-bulk first, then bulk: two range scans of queue_lane, each already in (due_at, seq) order. Rows
                // another node is leasing right now are skipped, not waited for.
                var fromLane = 0;
                for (var bulk = 0; bulk <= 1 && fromLane < take.Max; bulk++)
                {
                    await using var select = new NpgsqlCommand("""
                        SELECT seq FROM queue WHERE lane = @lane AND bulk = @bulk AND due_at <= @now
                        ORDER BY due_at, seq LIMIT @max FOR UPDATE SKIP LOCKED
                        """, connection, transaction);
                    select.Parameters.AddWithValue("lane", take.Lane);
                    select.Parameters.AddWithValue("bulk", bulk == 1);
                    select.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
                    select.Parameters.AddWithValue("max", take.Max - fromLane);
                    await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        picked.Add(reader.GetInt64(0));
                        fromLane++;
                    }
                }
            }

            if (picked.Count > 0)
            {
                // One statement for the whole lease, in the transaction that locked the rows.
                await using var update = new NpgsqlCommand($"""
                    UPDATE queue SET lease_token = @token, due_at = @until WHERE seq = ANY(@seqs)
                    RETURNING seq, {ItemColumns}, attempts, last_error
                    """, connection, transaction);
                update.Parameters.AddWithValue("token", token);
                update.Parameters.AddWithValue("until", until.ToUnixTimeMilliseconds());
                update.Parameters.AddWithValue("seqs", picked.ToArray());
                await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    leased[reader.GetInt64(0)] = ReadLeased(reader, 1, token, until);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (leased.Count > 0)
        {
            _keeper?.Hold(token, visibility);
        }

        return [.. picked.Where(leased.ContainsKey).Select(seq => leased[seq])];
    }

    private async Task<LaneCensus> GetLaneCensusCoreAsync(LaneCensusQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        long lanes;
        long due;
        await using (var totals = new NpgsqlCommand($"SELECT (SELECT COUNT(*) FROM lanes), (SELECT COUNT(*) FROM lanes l WHERE {LaneDue})", connection))
        {
            totals.Parameters.AddWithValue("now", now);
            await using var reader = await totals.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            lanes = reader.GetInt64(0);
            due = reader.GetInt64(1);
        }

        var entries = new List<LaneDepth>();
        await using (var deepest = new NpgsqlCommand($"SELECT l.lane, l.depth, {LaneDue} FROM lanes l WHERE l.depth >= @min ORDER BY l.depth DESC, l.lane LIMIT @limit", connection))
        {
            deepest.Parameters.AddWithValue("now", now);
            deepest.Parameters.AddWithValue("min", Math.Max(1, query.MinDepth));
            deepest.Parameters.AddWithValue("limit", Math.Max(0, query.Limit));
            await ReadDepthsAsync(deepest, entries, cancellationToken).ConfigureAwait(false);
        }

        var missing = query.Named?.Where(n => !entries.Exists(e => e.Lane == n)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing is { Length: > 0 })
        {
            await using var named = new NpgsqlCommand($"SELECT l.lane, l.depth, {LaneDue} FROM lanes l WHERE l.lane = ANY(@names) ORDER BY l.lane", connection);
            named.Parameters.AddWithValue("now", now);
            named.Parameters.AddWithValue("names", missing);
            await ReadDepthsAsync(named, entries, cancellationToken).ConfigureAwait(false);
        }

        return new LaneCensus(lanes, due, entries);
    }

    private async Task<IReadOnlyList<LaneStats>> GetLaneStatsCoreAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var found = new Dictionary<string, LaneStats>(StringComparer.Ordinal);
        await using (var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand("""
                SELECT lane, COUNT(*), COUNT(*) FILTER (WHERE due_at <= @now), COUNT(*) FILTER (WHERE due_at > @now AND lease_token IS NOT NULL),
                       COUNT(*) FILTER (WHERE bulk), MIN(received_at)
                FROM queue WHERE lane = ANY(@lanes) GROUP BY lane
                """, connection);
            command.Parameters.AddWithValue("now", now);
            command.Parameters.AddWithValue("lanes", lanes.Distinct(StringComparer.Ordinal).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var depth = reader.GetInt64(1);
                var ready = reader.GetInt64(2);
                var inFlight = reader.GetInt64(3);
                var lane = reader.GetString(0);
                found[lane] = new LaneStats(lane, ready, inFlight, depth - ready - inFlight, reader.GetInt64(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));
            }
        }

        return [.. lanes.Distinct(StringComparer.Ordinal).Where(found.ContainsKey).Select(l => found[l])];
    }

    private static async Task ReadDepthsAsync(NpgsqlCommand command, List<LaneDepth> entries, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new LaneDepth(reader.GetString(0), reader.GetInt64(1), reader.GetBoolean(2)));
        }
    }
}
