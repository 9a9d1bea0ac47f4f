using System.Text.Json;
using MailTumble.Core.Queue;

namespace MailTumble.Sqlite;

/// <summary>
/// Per-lane access for Core's fair scheduler (<see cref="LaneAccess.PerLane"/>). The <c>lanes</c> table (kept by triggers,
/// see <see cref="SqliteDatabase"/>) finds due lanes and depths without touching items; the <c>queue_lane</c> index
/// (lane, bulk, due_at) gives one lane's due items in lane order with one range scan per class.
/// </summary>
internal sealed partial class SqliteOutgoingQueue
{
    /// <summary>One class of one lane's due items in lane order: a range scan of queue_lane, already in (due_at, seq) order.</summary>
    internal const string LaneLeaseSql = $"""
        SELECT seq, {ItemColumns}, attempts, last_error FROM queue
        WHERE lane = $lane AND bulk = $bulk AND due_at <= $now ORDER BY due_at, seq LIMIT $max
        """;

    internal const string DueLanesSql = "SELECT lane FROM lanes WHERE next_due <= $now ORDER BY lane LIMIT $limit";

    internal const string DueLanesAfterSql = "SELECT lane FROM lanes WHERE lane > $after AND next_due <= $now ORDER BY lane LIMIT $limit";

    public LaneAccess LaneAccess => LaneAccess.PerLane;

    public async Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = after is null ? DueLanesSql : DueLanesAfterSql;
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", Math.Max(1, limit));
        if (after is not null)
        {
            command.Parameters.AddWithValue("$after", after);
        }

        var lanes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lanes.Add(reader.GetString(0));
        }

        return lanes;
    }

    public async Task<IReadOnlyList<LeasedItem>> LeaseLanesAsync(IReadOnlyList<LaneTake> takes, TimeSpan visibility, CancellationToken cancellationToken)
    {
        if (takes.Count == 0)
        {
            return [];
        }

        var now = _time.GetUtcNow();
        var until = now + visibility;
        var token = Guid.NewGuid().ToString("N");
        var leased = await _writer.WriteAsync<IReadOnlyList<LeasedItem>>(
            context =>
            {
                var batch = new List<LeasedItem>();
                var picked = new List<long>();
                foreach (var take in takes)
                {
                    // Non-bulk first, then bulk: two range scans of queue_lane, each already in (due_at, seq) order.
                    for (var bulk = 0; bulk <= 1 && picked.Count < take.Max; bulk++)
                    {
                        var select = context.Command(LaneLeaseSql);
                        select.Parameters.AddWithValue("$lane", take.Lane);
                        select.Parameters.AddWithValue("$bulk", bulk);
                        select.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                        select.Parameters.AddWithValue("$max", take.Max - picked.Count);
                        using var reader = select.ExecuteReader();
                        while (reader.Read())
                        {
                            picked.Add(reader.GetInt64(0));
                            batch.Add(new LeasedItem(ReadItem(reader, 1), reader.GetInt32(13), token, until, reader.IsDBNull(14) ? null : reader.GetString(14)));
                        }
                    }

                    foreach (var seq in picked)
                    {
                        var update = context.Command("UPDATE queue SET lease_token = $token, due_at = $until WHERE seq = $seq");
                        update.Parameters.AddWithValue("$token", token);
                        update.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
                        update.Parameters.AddWithValue("$seq", seq);
                        update.ExecuteNonQuery();
                    }

                    picked.Clear();
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

    public async Task<LaneCensus> GetLaneCensusAsync(LaneCensusQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = _database.Open();
        long lanes;
        long due;
        await using (var totals = connection.CreateCommand())
        {
            totals.CommandText = "SELECT COUNT(*), (SELECT COUNT(*) FROM lanes WHERE next_due <= $now) FROM lanes";
            totals.Parameters.AddWithValue("$now", now);
            await using var reader = await totals.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            lanes = reader.GetInt64(0);
            due = reader.GetInt64(1);
        }

        var entries = new List<LaneDepth>();
        await using (var deepest = connection.CreateCommand())
        {
            deepest.CommandText = "SELECT lane, depth, next_due <= $now FROM lanes WHERE depth >= $min ORDER BY depth DESC, lane LIMIT $limit";
            deepest.Parameters.AddWithValue("$now", now);
            deepest.Parameters.AddWithValue("$min", Math.Max(1, query.MinDepth));
            deepest.Parameters.AddWithValue("$limit", Math.Max(0, query.Limit));
            await ReadDepthsAsync(deepest, entries, cancellationToken).ConfigureAwait(false);
        }

        var missing = query.Named?.Where(n => !entries.Exists(e => e.Lane == n)).Distinct(StringComparer.Ordinal).ToList();
        if (missing is { Count: > 0 })
        {
            await using var named = connection.CreateCommand();
            named.CommandText = "SELECT lane, depth, next_due <= $now FROM lanes WHERE lane IN (SELECT value FROM json_each($names)) ORDER BY lane";
            named.Parameters.AddWithValue("$now", now);
            named.Parameters.AddWithValue("$names", JsonSerializer.Serialize(missing));
            await ReadDepthsAsync(named, entries, cancellationToken).ConfigureAwait(false);
        }

        return new LaneCensus(lanes, due, entries);
    }

    public async Task<IReadOnlyList<LaneStats>> GetLaneStatsAsync(IReadOnlyList<string> lanes, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var stats = new List<LaneStats>(lanes.Count);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT COUNT(*), COALESCE(SUM(due_at <= $now), 0), COALESCE(SUM(due_at > $now AND lease_token IS NOT NULL), 0),
                   COALESCE(SUM(bulk), 0), MIN(received_at)
            FROM queue WHERE lane = $lane
            """;
        command.Parameters.AddWithValue("$now", now);
        var lane = command.Parameters.Add("$lane", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var name in lanes)
        {
            lane.Value = name;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var depth = reader.GetInt64(0);
            if (depth == 0)
            {
                continue;
            }

            var ready = reader.GetInt64(1);
            var inFlight = reader.GetInt64(2);
            stats.Add(new LaneStats(name, ready, inFlight, depth - ready - inFlight, reader.GetInt64(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return stats;
    }

    private static async Task ReadDepthsAsync(Microsoft.Data.Sqlite.SqliteCommand command, List<LaneDepth> entries, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new LaneDepth(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2) != 0));
        }
    }
}
