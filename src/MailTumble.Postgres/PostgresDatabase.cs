using MailTumble.Core.Queue;
using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// The family's database: one <see cref="NpgsqlDataSource"/> whose connections work in <see cref="PostgresOptions.Schema"/>,
/// and the schema itself, created and migrated once per process before the first connection is handed out (see
/// <see cref="PostgresSchema"/>).
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The first key of the transaction-level advisory locks MailTumble takes (the second names what is locked).</summary>
    internal const int MigrationLock = 7300;

    /// <summary>Lock class for one stored message: whoever may release its bytes checks its references under it.</summary>
    internal const int MessageLock = 7301;

    /// <summary>Lock class for the rate budget's heartbeats (the second key the schema): beats run one at a time, so joins are ordered.</summary>
    internal const int RateBudgetLock = 7302;

    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _migrated;

    public PostgresDatabase(string connectionString, string schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Schema = schema;
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = schema };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>The schema MailTumble's tables live in.</summary>
    public string Schema { get; }

    /// <summary>The data source (for LISTEN connections, which must not come back to the pool with a listener on).</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Opens a pooled connection, creating or migrating the schema first when this process has not yet.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsOutage(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says the server cannot be used at all (down, unreachable, restarting, out of
    /// connections) rather than that one statement failed.
    /// </summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        QueueUnavailableException => false,
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
            || pg.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    /// <summary>The outage as the send-out reports it: once, naming the setting (see <see cref="IsOutage"/>).</summary>
    public QueueUnavailableException Unavailable(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var where = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        var detail = exception.InnerException is { } inner && !exception.Message.Contains(inner.Message, StringComparison.Ordinal)
            ? $"{exception.Message.TrimEnd('.')}: {inner.Message.TrimEnd('.')}"
            : exception.Message.TrimEnd('.');
        return new QueueUnavailableException($"cannot use PostgreSQL at {where.Host}:{where.Port} (MailTumble:Postgres:ConnectionString): {detail}", exception);
    }

    /// <summary>Creates or migrates the schema (once per process); returns the schema version now in place.</summary>
    public async Task<int> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var version = await PostgresSchema.MigrateAsync(_dataSource, Schema, cancellationToken).ConfigureAwait(false);
            _migrated = true;
            return version;
        }
        catch (NpgsqlException ex)
        {
            // Unreachable, refused, bad credentials: say which setting it is (a socket error alone reads like a listener's).
            var where = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
            throw new PostgresUnavailableException(
                $"cannot use PostgreSQL at {where.Host}:{where.Port} (MailTumble:Postgres:ConnectionString): {ex.Message.TrimEnd('.')}", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
