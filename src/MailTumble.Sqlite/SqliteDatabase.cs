using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>Opens connections to the embedded database and keeps its schema current (see <see cref="SqliteSchema"/>).</summary>
internal sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly Lock _gate = new();
    private int _initialized;

    public SqliteDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Path { get; }

    /// <summary>Opens a connection; <paramref name="durable"/> selects synchronous=FULL for commits that must survive power loss.</summary>
    public SqliteConnection Open(bool durable = false)
    {
        EnsureCreated();
        var connection = new SqliteConnection(_connectionString);
        connection.Open();

        // Reads (most opens, one per lookup) need no pragmas; a busy database is retried up to
        // DefaultTimeout by Microsoft.Data.Sqlite itself. Writes that must survive power loss ask for FULL.
        if (durable)
        {
            Execute(connection, "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;");
        }

        return connection;
    }

    public void EnsureCreated()
    {
        if (Volatile.Read(ref _initialized) == 1)
        {
            return;
        }

        lock (_gate)
        {
            if (_initialized == 1)
            {
                return;
            }

            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory))
            {
                System.IO.Directory.CreateDirectory(directory);
            }

            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout=30000; PRAGMA journal_mode=WAL;");
            SqliteSchema.Migrate(connection, Path);
            Volatile.Write(ref _initialized, 1);
        }
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
