using MailTumble.Core.Aliases;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Sqlite.Tests;

/// <summary>The embedded database's schema version (<c>PRAGMA user_version</c>) and its migrations, on real files.</summary>
public sealed class SqliteSchemaTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_file_made_before_versions_upgrades_in_place_keeps_its_data_and_ends_as_a_new_file_would()
    {
        // A file built by the statements main ran before the schema had a version, with mail and an alias in it.
        var path = Path.Combine(_dir.Path, "old.db");
        await ExecuteAsync(path, await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Schema", "unversioned-f7d5096.sql")) + """
            INSERT INTO aliases (address, target, domain, status, updated_at, note) VALUES ('a@mask.example.com', 't@real.example.org', 'mask.example.com', 'active', 1, 'kept');
            INSERT INTO queue (id, message_key, alias, recipient, envelope_from, headers, body_offset, received_at, expires_at, due_at, lane)
                VALUES ('old1', 'm', 'a@mask.example.com', 't@real.example.org', 'b@mask.example.com', x'00', 0, 1, 9999999999999, 1, 'shop.example');
            """);
        Assert.Equal(0L, await ScalarAsync(path, "PRAGMA user_version"));

        var database = new SqliteDatabase(path);
        database.EnsureCreated();

        Assert.Equal((long)SqliteSchema.Latest, await ScalarAsync(path, "PRAGMA user_version"));
        var directory = new SqliteAliasDirectory(database, _time);
        var alias = (await directory.LookupAsync("a@mask.example.com", default)).Alias!;
        Assert.Equal(("t@real.example.org", "kept"), (alias.Target, alias.Note));
        await using (var writer = new SqliteWriter(database, 64))
        {
            var queue = new SqliteOutgoingQueue(database, writer, _time);
            Assert.Equal(["shop.example"], await queue.ListDueLanesAsync(null, 10, default));
            Assert.Equal("old1", Assert.Single(await queue.LeaseAsync(10, TimeSpan.FromMinutes(5), default)).Item.Id);
        }

        // Tables, columns, indexes and triggers: the same as a file this build creates.
        var fresh = Path.Combine(_dir.Path, "fresh.db");
        new SqliteDatabase(fresh).EnsureCreated();
        Assert.Equal(await SchemaAsync(fresh), await SchemaAsync(path));
    }

    [Fact]
    public async Task A_new_file_gets_the_latest_version()
    {
        var path = Path.Combine(_dir.Path, "new.db");
        new SqliteDatabase(path).EnsureCreated();

        Assert.Equal((long)SqliteSchema.Latest, await ScalarAsync(path, "PRAGMA user_version"));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'lanes'"));
    }

    [Fact]
    public async Task A_file_at_an_older_version_gets_only_the_migrations_it_lacks()
    {
        var path = Path.Combine(_dir.Path, "older.db");
        await using (var connection = Open(path))
        {
            Assert.Equal(1, SqliteSchema.Migrate(connection, path, [SqliteBaselineSchema.Apply]));
        }

        // Version 1 is in place, so its migration must not run again; the next one does, and the version records it.
        await using (var connection = Open(path))
        {
            Assert.Equal(2, SqliteSchema.Migrate(connection, path, [(_, _) => throw new InvalidOperationException("migration 1 ran again"), Probe]));
        }

        Assert.Equal(2L, await ScalarAsync(path, "PRAGMA user_version"));
        Assert.Equal(1L, await ScalarAsync(path, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'probe'"));
    }

    [Fact]
    public async Task A_migration_that_fails_leaves_the_file_as_it_was()
    {
        var path = Path.Combine(_dir.Path, "failed.db");
        await using (var connection = Open(path))
        {
            Assert.Throws<InvalidOperationException>(() => SqliteSchema.Migrate(connection, path, [SqliteBaselineSchema.Apply, (c, t) =>
            {
                Probe(c, t);
                throw new InvalidOperationException("half-way");
            }]));
        }

        Assert.Equal(0L, await ScalarAsync(path, "PRAGMA user_version"));
        Assert.Equal(0L, await ScalarAsync(path, "SELECT COUNT(*) FROM sqlite_master"));
    }

    [Fact]
    public async Task A_file_newer_than_this_build_is_refused_with_a_message_naming_it()
    {
        var path = Path.Combine(_dir.Path, "newer.db");
        new SqliteDatabase(path).EnsureCreated();
        await ExecuteAsync(path, $"PRAGMA user_version = {SqliteSchema.Latest + 1}");

        var error = Assert.Throws<InvalidOperationException>(() => new SqliteDatabase(path).EnsureCreated());
        Assert.Contains($"schema version {SqliteSchema.Latest + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal((long)SqliteSchema.Latest + 1, await ScalarAsync(path, "PRAGMA user_version"));
    }

    [Fact]
    public async Task Processes_opening_a_new_file_at_once_all_open_it()
    {
        // Each SqliteDatabase is a process's view of the file. A deferred transaction that upgrades to a write fails at
        // once with "database is locked" when another holds the write lock; the migration's immediate one waits its turn.
        var path = Path.Combine(_dir.Path, "race.db");
        var processes = Enumerable.Range(0, 6).Select(_ => new SqliteDatabase(path)).ToList();
        using var start = new Barrier(processes.Count);
        await Task.WhenAll(processes.Select(p => Task.Run(() =>
        {
            start.SignalAndWait();
            p.EnsureCreated();
        })));

        Assert.Equal((long)SqliteSchema.Latest, await ScalarAsync(path, "PRAGMA user_version"));
    }

    [Fact]
    public async Task Opening_a_file_at_the_latest_version_needs_no_write_lock()
    {
        // A CLI command reading while another process holds a long write must not wait for it (busy_timeout is 30 s).
        var path = Path.Combine(_dir.Path, "busy.db");
        new SqliteDatabase(path).EnsureCreated();
        SqliteConnection.ClearAllPools();
        await using var blocker = Open(path);
        await using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        // Waiting for the lock would take the whole busy timeout and then fail; this must be done well before.
        await Task.Run(() => new SqliteDatabase(path).EnsureCreated()).WaitAsync(TimeSpan.FromSeconds(20));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private static void Probe(SqliteConnection connection, SqliteTransaction transaction) =>
        SqliteBaselineSchema.Execute(connection, transaction, "CREATE TABLE probe (x INTEGER)");

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = Open(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string path, string sql)
    {
        await using var connection = Open(path);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Every table, index and trigger with its SQL, and every table's columns, in a stable order.</summary>
    private static async Task<List<string>> SchemaAsync(string path)
    {
        await using var connection = Open(path);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT m.type || ' ' || m.name || ': ' || COALESCE(m.sql, '') FROM sqlite_master m
            UNION ALL
            SELECT 'column ' || m.name || '.' || c.name || ' ' || c.type || ' ' || c."notnull" || ' ' || COALESCE(c.dflt_value, '') || ' ' || c.pk
            FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table'
            ORDER BY 1
            """;
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
