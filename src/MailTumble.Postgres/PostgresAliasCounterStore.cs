using MailTumble.Core.Counters;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// Per-alias counters in PostgreSQL (<c>alias_counters</c>), shared by the cluster: every node adds its deltas (a batch
/// a second, one upsert per alias in one transaction, aliases in order so two nodes' batches never deadlock), and any
/// node reads the cluster's totals.
/// </summary>
internal sealed class PostgresAliasCounterStore(PostgresDatabase database) : IAliasCounterStore
{
    private const string Upsert = """
        INSERT INTO alias_counters (alias, forwarded, replied, blocked, updated_at) VALUES (@alias, @f, @r, @b, clock_timestamp())
        ON CONFLICT (alias) DO UPDATE SET forwarded = alias_counters.forwarded + excluded.forwarded,
            replied = alias_counters.replied + excluded.replied, blocked = alias_counters.blocked + excluded.blocked,
            updated_at = excluded.updated_at
        """;

    public async Task AddAsync(IReadOnlyCollection<AliasCounts> deltas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        if (deltas.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var delta in deltas.OrderBy(d => d.Alias, StringComparer.Ordinal))
        {
            var command = new NpgsqlBatchCommand(Upsert);
            command.Parameters.AddWithValue("alias", delta.Alias);
            command.Parameters.AddWithValue("f", delta.Forwarded);
            command.Parameters.AddWithValue("r", delta.Replied);
            command.Parameters.AddWithValue("b", delta.Blocked);
            batch.BatchCommands.Add(command);
        }

        // A batch runs as one implicit transaction: all of it counts, or none.
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<AliasCounts> GetAsync(string alias, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT forwarded, replied, blocked FROM alias_counters WHERE alias = @alias", connection);
        command.Parameters.AddWithValue("alias", alias);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AliasCounts(alias, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2))
            : new AliasCounts(alias);
    }
}
