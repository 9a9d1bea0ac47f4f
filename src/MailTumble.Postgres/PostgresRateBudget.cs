using System.Text.Json;
using MailTumble.Core.Cluster;
using MailTumble.Core.Delivery;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// The cluster's share of <c>MAXIMUM_SEND_RATE</c>, kept in PostgreSQL. Every node beats twice a second (a row in
/// <c>nodes</c>, stamped with the server's clock); a node is live while its last beat is younger than
/// <see cref="LiveWindow"/>, and each live node's share is <c>MAXIMUM_SEND_RATE × factor / live nodes</c>. A node that
/// stops orderly deletes its row (its share moves at once); one that dies drops out after <see cref="LiveWindow"/>, and
/// the others take its share at their next beat (<see cref="RateBudgetService"/>): within about 3.5 s. Throttling
/// seen by any node halves the factor for everybody (at most once a second, never below 0.1); it grows back by 0.1 a
/// second.
/// </summary>
internal sealed class PostgresRateBudget : IRateBudget
{
    /// <summary>How long a node counts as live after its last heartbeat.</summary>
    public static readonly TimeSpan LiveWindow = TimeSpan.FromSeconds(3);

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

    public async Task<double> BeatAsync(NodeBeat beat, CancellationToken cancellationToken)
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

    private async Task<double> BeatCoreAsync(NodeBeat beat, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO nodes (node_id, host, demand, status, last_beat) VALUES (@node, @host, @demand, @status, clock_timestamp())
            ON CONFLICT (node_id) DO UPDATE SET host = excluded.host, demand = excluded.demand, status = excluded.status, last_beat = excluded.last_beat;
            SELECT {Factor}, (SELECT COUNT(*) FROM nodes WHERE {Live} OR node_id = @node);
            """, connection);
        command.Parameters.AddWithValue("node", beat.NodeId);
        command.Parameters.AddWithValue("host", beat.Host);
        command.Parameters.AddWithValue("demand", beat.Demand);
        command.Parameters.AddWithValue("status", JsonSerializer.Serialize(beat.Status));
        command.Parameters.AddWithValue("window", LiveWindow.TotalSeconds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return Share(reader.GetDouble(0), reader.GetInt64(1));
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
            FROM nodes WHERE {Live} ORDER BY joined_at, node_id
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
