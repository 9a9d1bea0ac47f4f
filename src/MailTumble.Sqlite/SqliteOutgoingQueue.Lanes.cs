using System.Text.Json;
using MailTumble.Core.Queue;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// Per-lane access for Core's fair scheduler (<see cref="LaneAccess.PerLane"/>). The <c>lanes</c> table (kept by triggers,
/// see <see cref="SqliteDatabase"/>) finds due lanes and depths without touching items; the <c>queue_lane</c> index
/// (lane, bulk, due_at) gives one lane's due items in lane order with one range scan per class.
/// </summary>
internal sealed partial class SqliteOutgoingQueue
{
    private readonly SemaphoreSlim _laneReaderGate = new(1, 1);
    private LaneReader? _laneReader;

    /// <summary>One class of one lane's due items in lane order: a range scan of queue_lane, already in (due_at, seq) order.</summary>
    internal const string LaneLeaseSql = $"""
        SELECT seq, {SqliteItemColumns.Names}, attempts, last_error FROM queue
        WHERE lane = $lane AND bulk = $bulk AND due_at <= $now ORDER BY due_at, seq LIMIT $max
        """;

    internal const string DueLanesSql = "SELECT lane FROM lanes WHERE next_due <= $now ORDER BY lane LIMIT $limit";

    internal const string DueLanesAfterSql = "SELECT lane FROM lanes WHERE lane > $after AND next_due <= $now ORDER BY lane LIMIT $limit";

    public LaneAccess LaneAccess => LaneAccess.PerLane;

    public async Task<IReadOnlyList<string>> ListDueLanesAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        // Called before every fair lease: one connection with both statements prepared once, instead of a pooled open
        // and a fresh prepare each time (most of the cost of so small a query).
        await _laneReaderGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_laneReader is null)
            {
                var connection = _database.Open();
                var first = connection.CreateCommand();
                first.CommandText = DueLanesSql;
                first.Parameters.Add("$now", SqliteType.Integer);
                first.Parameters.Add("$limit", SqliteType.Integer);
                first.Prepare();
                var next = connection.CreateCommand();
                next.CommandText = DueLanesAfterSql;
                next.Parameters.Add("$now", SqliteType.Integer);
                next.Parameters.Add("$limit", SqliteType.Integer);
                next.Parameters.Add("$after", SqliteType.Text);
                next.Prepare();
                _laneReader = new LaneReader(connection, first, next);
            }

            var command = after is null ? _laneReader.First : _laneReader.After;
            command.Parameters["$now"].Value = _time.GetUtcNow().ToUnixTimeMilliseconds();
            command.Parameters["$limit"].Value = Math.Max(1, limit);
            if (after is not null)
            {
                command.Parameters["$after"].Value = after;
            }

            var lanes = new List<string>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                lanes.Add(reader.GetString(0));
            }

            return lanes;
        }
        catch
        {
            // A broken connection is opened afresh next time.
            await DisposeLaneReaderAsync(locked: true).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _laneReaderGate.Release();
        }
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
                    var fromLane = 0;
                    for (var bulk = 0; bulk <= 1 && fromLane < take.Max; bulk++)
                    {
                        var select = context.Command(LaneLeaseSql);
                        select.Parameters.AddWithValue("$lane", take.Lane);
                        select.Parameters.AddWithValue("$bulk", bulk);
                        select.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                        select.Parameters.AddWithValue("$max", take.Max - fromLane);
                        using var reader = select.ExecuteReader();
                        while (reader.Read())
                        {
                            picked.Add(reader.GetInt64(0));
                            batch.Add(new LeasedItem(SqliteItemColumns.Read(reader, 1), reader.GetInt32(13), token, until, reader.IsDBNull(14) ? null : reader.GetString(14)));
                            fromLane++;
                        }
                    }
                }

                if (picked.Count > 0)
                {
                    // One statement for the whole lease: the same transaction, so nothing picked can be taken by another.
                    var update = context.Command("UPDATE queue SET lease_token = $token, due_at = $until WHERE seq IN (SELECT value FROM json_each($seqs))");
                    update.Parameters.AddWithValue("$token", token);
                    update.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
                    update.Parameters.AddWithValue("$seqs", JsonSerializer.Serialize(picked));
                    update.ExecuteNonQuery();
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
        var lane = command.Parameters.Add("$lane", SqliteType.Text);
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

    private async ValueTask DisposeLaneReaderAsync(bool locked = false)
    {
        if (!locked)
        {
            await _laneReaderGate.WaitAsync().ConfigureAwait(false);
        }

        try
        {
            if (_laneReader is { } reader)
            {
                _laneReader = null;
                await reader.First.DisposeAsync().ConfigureAwait(false);
                await reader.After.DisposeAsync().ConfigureAwait(false);
                await reader.Connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (!locked)
            {
                _laneReaderGate.Release();
            }
        }
    }

    private static async Task ReadDepthsAsync(SqliteCommand command, List<LaneDepth> entries, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new LaneDepth(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2) != 0));
        }
    }

    private sealed record LaneReader(SqliteConnection Connection, SqliteCommand First, SqliteCommand After);
}
