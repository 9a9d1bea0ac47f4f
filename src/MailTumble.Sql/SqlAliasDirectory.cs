using System.Data.Common;
using System.Runtime.CompilerServices;
using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Sql;

/// <summary>
/// The <c>mysql</c> and <c>postgres</c> alias directories: one table, parameterized statements only
/// (the table name is a validated identifier), the original system's column names.
/// </summary>
internal sealed partial class SqlAliasDirectory : IAliasDirectory, IAliasAdmin, IAsyncDisposable
{
    private const int ImportBatch = 1000;
    private readonly DbDataSource _source;
    private readonly SqlDialect _dialect;
    private readonly SqlDirectoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SqlAliasDirectory> _logger;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly string _table;
    private readonly string _lookup;
    private readonly string? _domainQuery;
    private volatile bool _schemaReady;

    public SqlAliasDirectory(SqlEngine engine, IOptions<SqlDirectoryOptions> options, TimeProvider time, ILogger<SqlAliasDirectory> logger)
    {
        _options = options.Value;
        _dialect = SqlDialect.For(engine);
        _source = _dialect.CreateSource(_options.ConnectionString!);
        _time = time;
        _logger = logger;
        _table = _options.Table;
        _lookup = string.IsNullOrWhiteSpace(_options.LookupQuery)
            ? $"SELECT alias, email, status, count_bounce, count_complaint, count_delivery, optout, targets, note, display_name FROM {_table} WHERE alias = @address"
            : _options.LookupQuery;
        _domainQuery = !string.IsNullOrWhiteSpace(_options.DomainQuery) ? _options.DomainQuery
            : string.IsNullOrWhiteSpace(_options.LookupQuery) ? $"SELECT 1 FROM {_table} WHERE domain = @domain LIMIT 1"
            : null;
        _schemaReady = !_options.CreateTable;
    }

    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        if (!AliasKey.TryParse(address, out var parsed))
        {
            return LookupResult.NotFound;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await using var connection = await OpenAsync(timeout.Token).ConfigureAwait(false);
            await using var command = Command(connection, _lookup, ("address", parsed.Value));
            await using var reader = await command.ExecuteReaderAsync(timeout.Token).ConfigureAwait(false);
            if (!await reader.ReadAsync(timeout.Token).ConfigureAwait(false))
            {
                return LookupResult.NotFound;
            }

            return LookupResult.Found(Read(reader, parsed.Value));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailure(_logger, _dialect.Engine, parsed.Value, "timeout");
            return LookupResult.TemporaryFailure($"{_dialect.Engine}: no answer within {_options.Timeout.TotalSeconds:0.###} s");
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException or TimeoutException)
        {
            LogFailure(_logger, _dialect.Engine, parsed.Value, ex.Message);
            return LookupResult.TemporaryFailure($"{_dialect.Engine}: {ex.Message}");
        }
    }

    public async ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (_domainQuery is null)
        {
            // The host refuses this combination at start; a direct caller gets the same words.
            throw new InvalidOperationException("MailTumble:Directory:Sql:LookupQuery reads a custom schema, so our domains must come from MailTumble:Domains or MailTumble:Directory:Sql:DomainQuery");
        }

        // Bounded like a lookup, so a slow or unreachable server is a 451 in Timeout, not a stalled RCPT.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await using var connection = await OpenAsync(timeout.Token).ConfigureAwait(false);
            await using var command = Command(connection, _domainQuery, ("domain", domain.Trim().TrimEnd('.').ToLowerInvariant()));
            await using var reader = await command.ExecuteReaderAsync(timeout.Token).ConfigureAwait(false);
            return await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not an OperationCanceledException: the caller must see an outage, not its own cancellation.
            throw new TimeoutException($"{_dialect.Engine}: no answer within {_options.Timeout.TotalSeconds:0.###} s", ex);
        }
    }

    public async Task<bool> UpsertAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var alias = AliasKey.Parse(address);
        var to = AliasTargets.Normalize(targets);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await UpsertAsync(connection, null, alias, to, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RemoveAsync(string address, CancellationToken cancellationToken) =>
        await ExecuteAsync($"DELETE FROM {_table} WHERE alias = @address", cancellationToken, ("address", Key(address))).ConfigureAwait(false) > 0;

    public async Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            $"UPDATE {_table} SET status = @status, updated_at = @now WHERE alias = @address",
            cancellationToken,
            ("status", AliasRules.Format(status)),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", Key(address))).ConfigureAwait(false) > 0;

    public async Task<bool> EnableAsync(string address, CancellationToken cancellationToken) =>
        // Any stored status that reads as disabled (AliasRules.ParseStatus) is switched on; held and dead stay.
        await ExecuteAsync(
            $"UPDATE {_table} SET status = 'active', updated_at = @now WHERE alias = @address AND LOWER(status) NOT IN ('active', 'held', 'dead')",
            cancellationToken,
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", Key(address))).ConfigureAwait(false) > 0;

    public async Task<bool> SetLabelsAsync(string address, AliasLabels labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await SetExtrasAsync(connection, null, Key(address), labels.Checked(), null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RecordFeedbackAsync(string address, string? target, FeedbackKind kind, CancellationToken cancellationToken) =>
        (target is not null && await RecordTargetFeedbackAsync(Key(address), target, kind, cancellationToken).ConfigureAwait(false)) ||
        // One statement, so concurrent reports cannot lose a count. MySQL evaluates SET left to right
        // with the new values, so the status comes first and sees the old counts on both servers.
        await ExecuteAsync(
            $"""
            UPDATE {_table} SET
                status = CASE WHEN status IN ('active', 'held') AND (@c > 0 OR (@b > 0 AND count_bounce + @b > @limit)) THEN 'dead' ELSE status END,
                count_bounce = count_bounce + @b,
                count_complaint = count_complaint + @c,
                count_delivery = count_delivery + @d,
                updated_at = @now
            WHERE alias = @address
            """,
            cancellationToken,
            ("b", kind is FeedbackKind.Bounce ? 1 : 0),
            ("c", kind is FeedbackKind.Complaint ? 1 : 0),
            ("d", kind is FeedbackKind.Delivery ? 1 : 0),
            ("limit", _options.BounceLimit),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", Key(address))).ConfigureAwait(false) > 0;

    /// <summary>
    /// An alias with several targets counts the event on the target too, under a row lock (so concurrent reports cannot
    /// lose a count); false when the alias has one target or no such target, counted on the alias.
    /// </summary>
    private async Task<bool> RecordTargetFeedbackAsync(string address, string target, FeedbackKind kind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var current = await StatesAsync(connection, transaction, address, cancellationToken).ConfigureAwait(false);
        if (current is not { Count: > 1 } || AliasTargets.Record(current, target, kind) is not { } next)
        {
            return false;
        }

        await using var update = Command(
            connection,
            $"""
            UPDATE {_table} SET targets = @targets, count_bounce = count_bounce + @b, count_complaint = count_complaint + @c,
                count_delivery = count_delivery + @d, updated_at = @now
            WHERE alias = @address
            """,
            ("targets", AliasTargets.Encode(next)!),
            ("b", kind is FeedbackKind.Bounce ? 1 : 0),
            ("c", kind is FeedbackKind.Complaint ? 1 : 0),
            ("d", kind is FeedbackKind.Delivery ? 1 : 0),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", address));
        update.Transaction = transaction;
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The alias's targets with their counts (one target: the alias's own), row-locked; null when there is no such alias.</summary>
    private async Task<IReadOnlyList<TargetState>?> StatesAsync(DbConnection connection, DbTransaction? transaction, string address, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"SELECT email, count_bounce, count_complaint, count_delivery, targets FROM {_table} WHERE alias = @address" + (transaction is null ? string.Empty : " FOR UPDATE"),
            ("address", address));
        command.Transaction = transaction;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var states = AliasTargets.Decode(reader.IsDBNull(4) ? null : reader.GetString(4));
        return states.Count > 1 ? states : [new TargetState(reader.GetString(0).Trim().ToLowerInvariant(), Int(reader, "count_bounce"), Int(reader, "count_complaint"), Int(reader, "count_delivery"))];
    }

    public async Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken)
    {
        var start = prefix?.ToLowerInvariant() ?? string.Empty;
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // LEFT() instead of LIKE, so '%' and '_' in a prefix are plain characters.
        await using var command = Command(
            connection,
            $"""
            SELECT alias, email, status, count_bounce, count_complaint, count_delivery, optout, targets, note, display_name FROM {_table}
            WHERE alias > @after AND LEFT(alias, @length) = @prefix ORDER BY alias LIMIT @limit
            """,
            ("after", after?.ToLowerInvariant() ?? string.Empty),
            ("length", start.Length),
            ("prefix", start),
            ("limit", limit));
        var list = new List<AliasRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader, reader.GetString(0)));
        }

        return list;
    }

    public async Task<int> ImportAsync(IAsyncEnumerable<AliasImportLine> rows, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var total = 0;
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var line in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var row = AliasImportRow.Parse(total + 1, line);
                await UpsertAsync(connection, transaction, row.Alias, row.Targets, cancellationToken).ConfigureAwait(false);
                if (!row.Labels.IsEmpty || row.Disabled is not null)
                {
                    await SetExtrasAsync(connection, transaction, row.Alias.Value, row.Labels, row.Disabled, cancellationToken).ConfigureAwait(false);
                }

                if (++total % ImportBatch == 0)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.DisposeAsync().ConfigureAwait(false);
                    transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    progress?.Report(total);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            progress?.Report(total);
            return total;
        }
        finally
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        _schemaGate.Dispose();
    }

    private static string Key(string address) => address.Trim().ToLowerInvariant();

    private async Task<bool> UpsertAsync(DbConnection connection, DbTransaction? transaction, AliasKey alias, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var target = targets[0];
        // Only an alias with several targets has per-target counts worth keeping.
        var current = targets.Count > 1 ? await StatesAsync(connection, transaction, alias.Value, cancellationToken).ConfigureAwait(false) : null;
        object states = (object?)AliasTargets.Encode(AliasTargets.Retarget(current ?? [], targets)) ?? DBNull.Value;
        // Update first, insert when there was nothing; a racing insert turns into an update. Portable to both servers.
        for (var attempt = 0; ; attempt++)
        {
            await using var update = Command(connection, $"UPDATE {_table} SET email = @email, targets = @targets, updated_at = @now WHERE alias = @address", ("email", target), ("targets", states), ("now", now), ("address", alias.Value));
            update.Transaction = transaction;
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                return false;
            }

            await using var insert = Command(
                connection,
                $"INSERT INTO {_table} (alias, email, targets, domain, status, updated_at) VALUES (@address, @email, @targets, @domain, 'active', @now)",
                ("address", alias.Value),
                ("email", target),
                ("targets", states),
                ("domain", alias.Domain),
                ("now", now));
            insert.Transaction = transaction;
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (DbException ex) when (_dialect.IsDuplicate(ex) && attempt == 0 && transaction is null)
            {
            }
        }
    }

    /// <summary>
    /// Sets an existing alias's note, display name and switch, each only when given (<paramref name="disabled"/> true
    /// disables, false switches a disabled alias on, null leaves it); false when there is no such alias.
    /// </summary>
    private async Task<bool> SetExtrasAsync(DbConnection connection, DbTransaction? transaction, string address, AliasLabels labels, bool? disabled, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"""
            UPDATE {_table} SET
                note = CASE WHEN @set_note = 1 THEN @note ELSE note END,
                display_name = CASE WHEN @set_name = 1 THEN @name ELSE display_name END,
                status = CASE WHEN @onoff = 1 THEN 'disabled' WHEN @onoff = 0 AND LOWER(status) NOT IN ('active', 'held', 'dead') THEN 'active' ELSE status END,
                updated_at = @now
            WHERE alias = @address
            """,
            ("set_note", labels.Note is null ? 0 : 1),
            ("note", (object?)AliasLabels.Stored(labels.Note) ?? DBNull.Value),
            ("set_name", labels.DisplayName is null ? 0 : 1),
            ("name", (object?)AliasLabels.Stored(labels.DisplayName) ?? DBNull.Value),
            ("onoff", disabled switch { true => 1, false => 0, null => -1 }),
            ("now", _time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("address", address));
        command.Transaction = transaction;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (!_schemaReady)
        {
            await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        return connection;
    }

    private async Task EnsureSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_schemaReady)
            {
                await using var command = Command(connection, _dialect.Schema(_table));
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await AddColumnsAsync(connection, cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    /// <summary>Adds the alias model's columns to a table created before them (both servers: look, then alter).</summary>
    private async Task AddColumnsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        foreach (var column in (string[])["targets", "note", "display_name"])
        {
            await using var exists = Command(connection, _dialect.ColumnExists, ("table", _table.ToLowerInvariant()), ("column", column));
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                await using var alter = Command(connection, $"ALTER TABLE {_table} ADD COLUMN {column} TEXT NULL");
                await alter.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The text is a constant template with a validated table name; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private AliasRecord Read(DbDataReader reader, string address)
    {
        var target = reader.GetString(reader.GetOrdinal("email")).Trim().ToLowerInvariant();
        var bounce = Int(reader, "count_bounce");
        var complaint = Int(reader, "count_complaint");
        var stored = AliasRules.ParseStatus(Column(reader, "status") is { } s && !reader.IsDBNull(s) ? reader.GetString(s) : null);
        var optout = Column(reader, "optout") is { } o && !reader.IsDBNull(o) && Convert.ToBoolean(reader.GetValue(o), System.Globalization.CultureInfo.InvariantCulture);
        var states = Column(reader, "targets") is { } t && !reader.IsDBNull(t) ? reader.GetString(t) : null;
        var note = Text(reader, "note");
        var name = Text(reader, "display_name");
        if (AliasTargets.Decode(states).Count > 1)
        {
            // Several targets: each dies alone; the alias's counts are totals and kill nothing by themselves.
            var record = new AliasRecord(address, target, AliasRules.Effective(stored, optout, 0, 0), bounce, complaint, Int(reader, "count_delivery")) { Note = note, DisplayName = name };
            return AliasTargets.Complete(record, states, _options.BounceLimit);
        }

        return new AliasRecord(address, target, AliasRules.Effective(stored, optout, bounce, complaint, _options.BounceLimit), bounce, complaint, Int(reader, "count_delivery")) { Note = note, DisplayName = name };
    }

    /// <summary>A text column when the query has it (a custom LookupQuery may not); null when absent, null or empty.</summary>
    private static string? Text(DbDataReader reader, string name) =>
        Column(reader, name) is { } i && !reader.IsDBNull(i) && reader.GetValue(i) is var value && Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) is { Length: > 0 } text ? text : null;

    private static int? Column(DbDataReader reader, string name)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (string.Equals(reader.GetName(i), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return null;
    }

    private static int Int(DbDataReader reader, string name) =>
        Column(reader, name) is { } i && !reader.IsDBNull(i) ? Convert.ToInt32(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) : 0;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Engine} directory lookup for {Address} failed: {Reason}")]
    private static partial void LogFailure(ILogger logger, SqlEngine engine, string address, string reason);
}
