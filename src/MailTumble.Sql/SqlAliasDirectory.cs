using System.Data.Common;
using System.Runtime.CompilerServices;
using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using Microsoft.Extensions.Options;

namespace MailTumble.Sql;

/// <summary>
/// The <c>mysql</c> and <c>postgres</c> alias directories: one table, parameterized statements only
/// (the table name is a validated identifier), the original system's column names. Lookups and domain checks let an
/// outage throw: the host's <see cref="ResilientAliasDirectory"/> bounds them in time and turns failures into 451.
/// This file: the lookup, the domain check, the schema and reading rows; changes in <c>.Admin.cs</c>, feedback counters
/// in <c>.Feedback.cs</c>, listing and import in <c>.Bulk.cs</c>.
/// </summary>
internal sealed partial class SqlAliasDirectory : IAliasDirectory, IAliasAdmin, IAsyncDisposable
{
    private const int ImportBatch = 1000;
    private readonly DbDataSource _source;
    private readonly SqlDialect _dialect;
    private readonly SqlDirectoryOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private readonly string _table;
    private readonly string _lookup;
    private readonly string? _domainQuery;
    private volatile bool _schemaReady;

    public SqlAliasDirectory(SqlEngine engine, IOptions<SqlDirectoryOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _dialect = SqlDialect.For(engine);
        _source = _dialect.CreateSource(_options.ConnectionString!);
        _time = time;
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

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, _lookup, ("address", parsed.Value));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? LookupResult.Found(Read(reader, parsed.Value)) : LookupResult.NotFound;
    }

    public async ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (_domainQuery is null)
        {
            // The host refuses this combination at start; a direct caller gets the same words.
            throw new InvalidOperationException("MailTumble:Directory:Sql:LookupQuery reads a custom schema, so our domains must come from MailTumble:Domains or MailTumble:Directory:Sql:DomainQuery");
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, _domainQuery, ("domain", domain.Trim().TrimEnd('.').ToLowerInvariant()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        _schemaGate.Dispose();
    }

    private static string Key(string address) => address.Trim().ToLowerInvariant();

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
}
