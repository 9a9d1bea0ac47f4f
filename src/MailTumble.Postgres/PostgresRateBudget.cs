using System.Text.Json;
using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// The cluster's share of <c>MAXIMUM_SEND_RATE</c>, kept in PostgreSQL. Every node beats twice a second (a row in
/// <c>nodes</c>, stamped with the server's clock); a node is live while its last beat is younger than
/// <see cref="LiveWindow"/>, and the active live nodes split <c>MAXIMUM_SEND_RATE × factor</c> evenly
/// (<see cref="RateSchedule"/>). A node's first beat, and its first after a lapse longer than the live window, set its
/// <c>active_from</c> to the server's clock plus <see cref="RateSchedule.JoinDelay"/>; every beat returns the live nodes
/// ordered by <c>active_from</c> and node id, so every node sees the same order and the same instant of each switch
/// (the server's timestamps taken as the nodes' clocks: keep them in sync, NTP). Beats run one at a time under an
/// advisory lock, so of two nodes joining at once the later one is scheduled after the earlier. A node that
/// stops orderly deletes its row (its share moves at once); one that dies drops out after <see cref="LiveWindow"/>, and
/// the others take its share at their next beat (<see cref="RateBudgetService"/>): within about 3.5 s. Throttling
/// seen by any node halves the factor for everybody (at most once a second, never below 0.1); it grows back by 0.1 a
/// second.
/// </summary>
internal sealed class PostgresRateBudget : IRateBudget
{
    /// <summary>How long a node counts as live after its last heartbeat.</summary>
    public static readonly TimeSpan LiveWindow = RateSchedule.LiveWindow;

    // The factor as of now: its last value, grown back since by 0.1 a second, at most 1.
    private const string Factor = "(SELECT LEAST(1.0, factor + 0.1 * EXTRACT(EPOCH FROM clock_timestamp() - changed_at)) FROM rate_budget WHERE id = 1)";
    private const string Live = "last_beat > clock_timestamp() - make_interval(secs => @window)";

    private readonly PostgresDatabase _database;
    private readonly DeliveryOptions _options;

    public PostgresRateBudget(PostgresDatabase database, IOptions<DeliveryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _options = options.Value;
    }

    public async Task<RateSchedule> BeatAsync(NodeBeat beat, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(beat);
        try
        {
            return await BeatCoreAsync(beat, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (PostgresDatabase.IsOutage(ex))
        {
            throw _database.Unavailable(ex);
        }
    }

    private async Task<RateSchedule> BeatCoreAsync(NodeBeat beat, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT pg_advisory_xact_lock(@lock, hashtext(current_schema()));
            INSERT INTO nodes (node_id, host, demand, status, last_beat, active_from)
            VALUES (@node, @host, @demand, @status, clock_timestamp(), clock_timestamp() + make_interval(secs => @delay))
            ON CONFLICT (node_id) DO UPDATE SET host = excluded.host, demand = excluded.demand, status = excluded.status, last_beat = excluded.last_beat,
                active_from = CASE WHEN nodes.active_from IS NULL OR nodes.last_beat <= clock_timestamp() - make_interval(secs => @window)
                    THEN excluded.active_from ELSE nodes.active_from END;
            SELECT {Factor};
            SELECT node_id, COALESCE(active_from, joined_at) AS active FROM nodes WHERE {Live} OR node_id = @node ORDER BY active, node_id;
            """, connection, transaction);
        command.Parameters.AddWithValue("lock", PostgresDatabase.RateBudgetLock);
        command.Parameters.AddWithValue("node", beat.NodeId);
        command.Parameters.AddWithValue("host", beat.Host);
        command.Parameters.AddWithValue("demand", beat.Demand);
        command.Parameters.AddWithValue("status", JsonSerializer.Serialize(beat.Status));
        command.Parameters.AddWithValue("window", LiveWindow.TotalSeconds);
        command.Parameters.AddWithValue("delay", RateSchedule.JoinDelay.TotalSeconds);
        double factor;
        var nodes = new List<ScheduledNode>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            // The lock's row first (the upsert has no result set).
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            factor = reader.GetDouble(0);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                nodes.Add(new ScheduledNode(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RateSchedule(_options.MaxSendRate * factor, nodes);
    }

    public async Task ThrottledAsync(string nodeId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            UPDATE rate_budget SET factor = GREATEST(0.1, {Factor} * 0.5), changed_at = clock_timestamp()
            WHERE id = 1 AND changed_at < clock_timestamp() - interval '1 second'
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task LeaveAsync(string nodeId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM nodes WHERE node_id = @node", connection);
        command.Parameters.AddWithValue("node", nodeId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ClusterNode>> ListNodesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            SELECT node_id, host, demand, status, last_beat, {Factor}, COUNT(*) OVER ()
            FROM nodes WHERE {Live} ORDER BY COALESCE(active_from, joined_at), node_id
            """, connection);
        command.Parameters.AddWithValue("window", LiveWindow.TotalSeconds);
        var list = new List<ClusterNode>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new ClusterNode(
                reader.GetString(0),
                reader.GetString(1),
                Share(reader.GetDouble(5), reader.GetInt64(6)),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetBoolean(2),
                reader.IsDBNull(3) ? null : JsonSerializer.Deserialize<DeliveryStatus>(reader.GetString(3))));
        }

        return list;
    }

    private double Share(double factor, long liveNodes) => _options.MaxSendRate * factor / Math.Max(1, liveNodes);
}
