using System.Runtime.CompilerServices;
using MailTumble.Core.Addressing;
using MailTumble.Core.Directory;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// The embedded alias directory: a table in the same SQLite file as the queue. Triggers count changes of
/// address, target and status, so a cache in a running <c>serve</c> sees an <c>alias add</c>, <c>rm</c> or
/// <c>hold</c> made by another process within <see cref="ChangeCheckInterval"/>.
/// </summary>
internal sealed class SqliteAliasDirectory : IAliasDirectory, IAliasAdmin, IVersionedAliasDirectory
{
    /// <summary>How often the change counter is read; a cached answer is at most this much stale.</summary>
    internal static readonly TimeSpan ChangeCheckInterval = TimeSpan.FromSeconds(1);

    private const int ImportBatch = 5000;
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly int _bounceLimit;
    private readonly Lock _versionGate = new();
    private long _version = -1;
    private long _checkedAt;

    /// <summary>Creates the directory; more than <paramref name="bounceLimit"/> permanent bounces mark an alias dead.</summary>
    public SqliteAliasDirectory(SqliteDatabase database, TimeProvider time, int bounceLimit = AliasRules.BounceLimit)
    {
        _database = database;
        _time = time;
        _bounceLimit = bounceLimit;
    }

    public long Version
    {
        get
        {
            var now = _time.GetTimestamp();
            if (_time.GetElapsedTime(Volatile.Read(ref _checkedAt), now) < ChangeCheckInterval)
            {
                return Volatile.Read(ref _version);
            }

            // One reader checks; the others use the last value rather than wait.
            if (!_versionGate.TryEnter())
            {
                return Volatile.Read(ref _version);
            }

            try
            {
                using var connection = _database.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT version FROM alias_changes WHERE id = 1";
                Volatile.Write(ref _version, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
            {
                // A busy or broken database: keep the cache as it is; lookups report the trouble themselves.
            }
            finally
            {
                Volatile.Write(ref _checkedAt, now);
                _versionGate.Exit();
            }

            return Volatile.Read(ref _version);
        }
    }

    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = _database.Open();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT address, target, status, count_bounce, count_complaint, count_delivery FROM aliases WHERE address = $address";
            command.Parameters.AddWithValue("$address", address.ToLowerInvariant());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? LookupResult.Found(Read(reader)) : LookupResult.NotFound;
        }
        catch (SqliteException ex)
        {
            return LookupResult.TemporaryFailure("sqlite: " + ex.Message);
        }
    }

    public async ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS(SELECT 1 FROM aliases WHERE domain = $domain)";
        command.Parameters.AddWithValue("$domain", domain.ToLowerInvariant());
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }

    public async Task<bool> UpsertAsync(string address, string target, CancellationToken cancellationToken)
    {
        var alias = MailAddress.Parse(address);
        var to = MailAddress.Parse(target);
        await using var connection = _database.Open(durable: true);
        await using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT EXISTS(SELECT 1 FROM aliases WHERE address = $address)";
        exists.Parameters.AddWithValue("$address", alias.Value);
        var existed = Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 0;
        await using var command = CreateUpsert(connection, null);
        Bind(command, alias, to.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return !existed;
    }

    public async Task<bool> RemoveAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open(durable: true);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM aliases WHERE address = $address";
        command.Parameters.AddWithValue("$address", address.Trim().ToLowerInvariant());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open(durable: true);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE aliases SET status = $status, updated_at = $now WHERE address = $address";
        command.Parameters.AddWithValue("$status", AliasRules.Format(status));
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$address", address.Trim().ToLowerInvariant());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> RecordFeedbackAsync(string address, FeedbackKind kind, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open(durable: true);
        await using var command = connection.CreateCommand();
        // One statement, so concurrent reports cannot lose a count; SET expressions see the old row.
        command.CommandText = """
            UPDATE aliases SET
                count_bounce = count_bounce + $b,
                count_complaint = count_complaint + $c,
                count_delivery = count_delivery + $d,
                status = CASE WHEN status IN ('active', 'held') AND ($c > 0 OR ($b > 0 AND count_bounce + $b > $limit)) THEN 'dead' ELSE status END,
                updated_at = $now
            WHERE address = $address
            """;
        command.Parameters.AddWithValue("$b", kind is FeedbackKind.Bounce ? 1 : 0);
        command.Parameters.AddWithValue("$c", kind is FeedbackKind.Complaint ? 1 : 0);
        command.Parameters.AddWithValue("$d", kind is FeedbackKind.Delivery ? 1 : 0);
        command.Parameters.AddWithValue("$limit", _bounceLimit);
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$address", address.Trim().ToLowerInvariant());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT address, target, status, count_bounce, count_complaint, count_delivery FROM aliases
            WHERE address > $after AND substr(address, 1, length($prefix)) = $prefix
            ORDER BY address LIMIT $limit
            """;
        command.Parameters.AddWithValue("$after", after?.ToLowerInvariant() ?? string.Empty);
        command.Parameters.AddWithValue("$prefix", prefix?.ToLowerInvariant() ?? string.Empty);
        command.Parameters.AddWithValue("$limit", limit);
        var list = new List<AliasRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async Task<int> ImportAsync(IAsyncEnumerable<(string Address, string Target)> rows, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open(durable: true);
        var total = 0;
        var pending = 0;
        var transaction = connection.BeginTransaction();
        var command = CreateUpsert(connection, transaction);
        try
        {
            await foreach (var (address, target) in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var alias = MailAddress.TryParse(address.Trim(), out var a) ? a : throw new FormatException($"row {total + 1}: '{address}' is not a valid alias address");
                var to = MailAddress.TryParse(target.Trim(), out var t) ? t : throw new FormatException($"row {total + 1}: '{target}' is not a valid target address");
                Bind(command, alias, to.Value);
                command.ExecuteNonQuery();
                total++;
                if (++pending == ImportBatch)
                {
                    transaction.Commit();
                    transaction.Dispose();
                    transaction = connection.BeginTransaction();
                    command.Transaction = transaction;
                    pending = 0;
                    progress?.Report(total);
                }
            }

            transaction.Commit();
            progress?.Report(total);
            return total;
        }
        finally
        {
            await command.DisposeAsync().ConfigureAwait(false);
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
    }

    private SqliteCommand CreateUpsert(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO aliases (address, target, domain, status, updated_at) VALUES ($address, $target, $domain, 'active', $now)
            ON CONFLICT(address) DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at
            """;
        command.Parameters.Add("$address", SqliteType.Text);
        command.Parameters.Add("$target", SqliteType.Text);
        command.Parameters.Add("$domain", SqliteType.Text);
        command.Parameters.Add("$now", SqliteType.Integer);
        return command;
    }

    private void Bind(SqliteCommand command, MailAddress alias, string target)
    {
        command.Parameters["$address"].Value = alias.Value;
        command.Parameters["$target"].Value = target;
        command.Parameters["$domain"].Value = alias.Domain;
        command.Parameters["$now"].Value = _time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    private static AliasRecord Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        AliasRules.ParseStatus(reader.GetString(2)),
        reader.GetInt32(3),
        reader.GetInt32(4),
        reader.GetInt32(5));
}
