using System.Runtime.CompilerServices;
using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
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
            command.CommandText = "SELECT address, target, status, count_bounce, count_complaint, count_delivery, targets, note, display_name FROM aliases WHERE address = $address";
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

    public async Task<bool> UpsertAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var alias = AliasKey.Parse(address);
        var to = AliasTargets.Normalize(targets);
        await using var connection = _database.Open(durable: true);
        await using var transaction = connection.BeginTransaction(deferred: false);
        var current = await StatesAsync(connection, transaction, alias.Value, cancellationToken).ConfigureAwait(false);
        await using var command = CreateUpsert(connection, transaction);
        Bind(command, alias, to, current ?? []);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return current is null;
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

    public async Task<bool> EnableAsync(string address, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open(durable: true);
        await using var command = connection.CreateCommand();
        // Any stored status that reads as disabled (AliasRules.ParseStatus) is switched on; held and dead stay.
        command.CommandText = "UPDATE aliases SET status = 'active', updated_at = $now WHERE address = $address AND lower(status) NOT IN ('active', 'held', 'dead')";
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$address", address.Trim().ToLowerInvariant());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> SetLabelsAsync(string address, AliasLabels labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var checkedLabels = labels.Checked();
        await using var connection = _database.Open(durable: true);
        await using var command = CreateExtras(connection, null);
        BindExtras(command, address.Trim().ToLowerInvariant(), checkedLabels, null);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> RecordFeedbackAsync(string address, string? target, FeedbackKind kind, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open(durable: true);
        if (target is not null && await RecordTargetFeedbackAsync(connection, address.Trim().ToLowerInvariant(), target, kind, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

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

    /// <summary>
    /// An alias with several targets counts the event on the target too, in one write transaction (so concurrent
    /// reports cannot lose a count); false when the alias has one target or no such target, counted on the alias.
    /// </summary>
    private async Task<bool> RecordTargetFeedbackAsync(SqliteConnection connection, string address, string target, FeedbackKind kind, CancellationToken cancellationToken)
    {
        await using var transaction = connection.BeginTransaction(deferred: false);
        var current = await StatesAsync(connection, transaction, address, cancellationToken).ConfigureAwait(false);
        if (current is not { Count: > 1 } || AliasTargets.Record(current, target, kind) is not { } next)
        {
            return false;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE aliases SET targets = $targets, count_bounce = count_bounce + $b, count_complaint = count_complaint + $c,
                count_delivery = count_delivery + $d, updated_at = $now
            WHERE address = $address
            """;
        command.Parameters.AddWithValue("$targets", AliasTargets.Encode(next));
        command.Parameters.AddWithValue("$b", kind is FeedbackKind.Bounce ? 1 : 0);
        command.Parameters.AddWithValue("$c", kind is FeedbackKind.Complaint ? 1 : 0);
        command.Parameters.AddWithValue("$d", kind is FeedbackKind.Delivery ? 1 : 0);
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$address", address);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The alias's targets with their counts (one target: the alias's own); null when there is no such alias.</summary>
    private static async Task<IReadOnlyList<TargetState>?> StatesAsync(SqliteConnection connection, SqliteTransaction transaction, string address, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT target, count_bounce, count_complaint, count_delivery, targets FROM aliases WHERE address = $address";
        command.Parameters.AddWithValue("$address", address);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var states = AliasTargets.Decode(reader.IsDBNull(4) ? null : reader.GetString(4));
        return states.Count > 1 ? states : [new TargetState(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3))];
    }

    public async Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT address, target, status, count_bounce, count_complaint, count_delivery, targets, note, display_name FROM aliases
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

    public async Task<int> ImportAsync(IAsyncEnumerable<AliasImportLine> rows, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = _database.Open(durable: true);
        var total = 0;
        var pending = 0;
        var transaction = connection.BeginTransaction();
        var command = CreateUpsert(connection, transaction);
        var extras = CreateExtras(connection, transaction);
        try
        {
            await foreach (var line in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var row = AliasImportRow.Parse(total + 1, line);
                var (alias, to) = row;

                // Only an alias with several targets has per-target counts worth keeping.
                var current = to.Count > 1 ? await StatesAsync(connection, transaction, alias.Value, cancellationToken).ConfigureAwait(false) : null;
                Bind(command, alias, to, current ?? []);
                command.ExecuteNonQuery();
                if (!row.Labels.IsEmpty || row.Disabled is not null)
                {
                    BindExtras(extras, alias.Value, row.Labels, row.Disabled);
                    extras.ExecuteNonQuery();
                }

                total++;
                if (++pending == ImportBatch)
                {
                    transaction.Commit();
                    transaction.Dispose();
                    transaction = connection.BeginTransaction();
                    command.Transaction = transaction;
                    extras.Transaction = transaction;
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
            await extras.DisposeAsync().ConfigureAwait(false);
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The statement that sets an existing alias's note, display name and switch: each only when given
    /// (<c>$set_note</c>, <c>$set_name</c>; <c>$switch</c> 1 disables, 0 switches a disabled alias on, -1 leaves it).
    /// </summary>
    private static SqliteCommand CreateExtras(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE aliases SET
                note = CASE WHEN $set_note = 1 THEN $note ELSE note END,
                display_name = CASE WHEN $set_name = 1 THEN $name ELSE display_name END,
                status = CASE WHEN $switch = 1 THEN 'disabled' WHEN $switch = 0 AND lower(status) NOT IN ('active', 'held', 'dead') THEN 'active' ELSE status END,
                updated_at = $now
            WHERE address = $address
            """;
        foreach (var name in (string[])["$set_note", "$set_name", "$switch", "$now"])
        {
            command.Parameters.Add(name, SqliteType.Integer);
        }

        command.Parameters.Add("$note", SqliteType.Text);
        command.Parameters.Add("$name", SqliteType.Text);
        command.Parameters.Add("$address", SqliteType.Text);
        return command;
    }

    private void BindExtras(SqliteCommand command, string address, AliasLabels labels, bool? disabled)
    {
        command.Parameters["$set_note"].Value = labels.Note is null ? 0 : 1;
        command.Parameters["$note"].Value = (object?)AliasLabels.Stored(labels.Note) ?? DBNull.Value;
        command.Parameters["$set_name"].Value = labels.DisplayName is null ? 0 : 1;
        command.Parameters["$name"].Value = (object?)AliasLabels.Stored(labels.DisplayName) ?? DBNull.Value;
        command.Parameters["$switch"].Value = disabled switch { true => 1, false => 0, null => -1 };
        command.Parameters["$now"].Value = _time.GetUtcNow().ToUnixTimeMilliseconds();
        command.Parameters["$address"].Value = address;
    }

    private SqliteCommand CreateUpsert(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO aliases (address, target, targets, domain, status, updated_at) VALUES ($address, $target, $targets, $domain, 'active', $now)
            ON CONFLICT(address) DO UPDATE SET target = excluded.target, targets = excluded.targets, updated_at = excluded.updated_at
            """;
        command.Parameters.Add("$address", SqliteType.Text);
        command.Parameters.Add("$target", SqliteType.Text);
        command.Parameters.Add("$targets", SqliteType.Text);
        command.Parameters.Add("$domain", SqliteType.Text);
        command.Parameters.Add("$now", SqliteType.Integer);
        return command;
    }

    private void Bind(SqliteCommand command, AliasKey alias, IReadOnlyList<string> targets, IReadOnlyList<TargetState> current)
    {
        command.Parameters["$address"].Value = alias.Value;
        command.Parameters["$target"].Value = targets[0];
        command.Parameters["$targets"].Value = (object?)AliasTargets.Encode(AliasTargets.Retarget(current, targets)) ?? DBNull.Value;
        command.Parameters["$domain"].Value = alias.Domain;
        command.Parameters["$now"].Value = _time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    private AliasRecord Read(SqliteDataReader reader) => AliasTargets.Complete(
        new(
            reader.GetString(0),
            reader.GetString(1),
            AliasRules.ParseStatus(reader.GetString(2)),
            reader.GetInt32(3),
            reader.GetInt32(4),
            reader.GetInt32(5))
        {
            Note = reader.IsDBNull(7) ? null : reader.GetString(7),
            DisplayName = reader.IsDBNull(8) ? null : reader.GetString(8),
        },
        reader.IsDBNull(6) ? null : reader.GetString(6),
        _bounceLimit);
}
