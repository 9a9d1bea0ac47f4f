using MailTumble.Core.Counters;

namespace MailTumble.Sqlite;

/// <summary>Per-alias counters in the database file (<c>alias_counters</c>): one upsert per alias, a whole batch in one commit.</summary>
internal sealed class SqliteAliasCounterStore(SqliteDatabase database, SqliteWriter writer, TimeProvider time) : IAliasCounterStore
{
    private const string Upsert = """
        INSERT INTO alias_counters (alias, forwarded, replied, blocked, updated_at) VALUES ($alias, $f, $r, $b, $at)
        ON CONFLICT (alias) DO UPDATE SET forwarded = forwarded + excluded.forwarded, replied = replied + excluded.replied,
            blocked = blocked + excluded.blocked, updated_at = excluded.updated_at
        """;

    public Task AddAsync(IReadOnlyCollection<AliasCounts> deltas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        return writer.WriteAsync(
            context =>
            {
                foreach (var delta in deltas)
                {
                    var command = context.Command(Upsert);
                    command.Parameters.AddWithValue("$alias", delta.Alias);
                    command.Parameters.AddWithValue("$f", delta.Forwarded);
                    command.Parameters.AddWithValue("$r", delta.Replied);
                    command.Parameters.AddWithValue("$b", delta.Blocked);
                    command.Parameters.AddWithValue("$at", at);
                    command.ExecuteNonQuery();
                }

                return deltas.Count;
            },
            cancellationToken,
            durable: true);
    }

    public async Task<AliasCounts> GetAsync(string alias, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT forwarded, replied, blocked FROM alias_counters WHERE alias = $alias";
        command.Parameters.AddWithValue("$alias", alias);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new AliasCounts(alias, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2))
            : new AliasCounts(alias);
    }
}
