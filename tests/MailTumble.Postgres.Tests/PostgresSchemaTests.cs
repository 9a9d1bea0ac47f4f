using Npgsql;

namespace MailTumble.Postgres.Tests;

public sealed class PostgresSchemaTests : IAsyncLifetime
{
    private readonly TestSchema _schema = new();

    [SkippableFact]
    public async Task Nodes_starting_at_once_create_the_schema_once_and_all_start()
    {
        // Eight nodes on a schema that does not exist yet, all migrating at the same moment: without the advisory lock,
        // concurrent CREATE TABLE/FUNCTION fail on the catalog's unique indexes (pg_type, pg_proc) and versions repeat.
        var nodes = Enumerable.Range(0, 8).Select(_ => _schema.Open()).ToList();
        using var start = new Barrier(nodes.Count);
        var versions = await Task.WhenAll(nodes.Select(node => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await node.EnsureCreatedAsync(default);
        })));

        Assert.All(versions, v => Assert.Equal(PostgresSchema.Latest, v));
        Assert.Equal((long)PostgresSchema.Latest, await _schema.ScalarAsync("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(PostgresSchema.Latest, await _schema.ScalarAsync("SELECT MAX(version) FROM schema_version"));
    }

    [SkippableFact]
    public async Task A_schema_left_by_an_older_build_gets_only_the_missing_migrations_and_keeps_its_data()
    {
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(_schema.ConnectionString) { SearchPath = _schema.Name }.ConnectionString);
        Assert.Equal(1, await PostgresSchema.MigrateAsync(dataSource, _schema.Name, PostgresSchema.Migrations.Take(1).ToList(), default));
        await _schema.ScalarAsync("INSERT INTO delivery_log (at, outcome) VALUES (1, 'sent')");
        Assert.Equal(true, await _schema.ScalarAsync("SELECT to_regclass('held') IS NULL"));

        Assert.Equal(PostgresSchema.Latest, await _schema.Open().EnsureCreatedAsync(default));
        Assert.Equal(1L, await _schema.ScalarAsync("SELECT COUNT(*) FROM delivery_log"));
        Assert.Equal("held", await _schema.ScalarAsync("SELECT to_regclass('held')::text"));
        Assert.Equal((long)PostgresSchema.Latest, await _schema.ScalarAsync("SELECT COUNT(*) FROM schema_version"));
    }

    [SkippableFact]
    public async Task A_schema_newer_than_this_build_stops_start_with_a_message()
    {
        await _schema.Open().EnsureCreatedAsync(default);
        await _schema.ScalarAsync($"INSERT INTO schema_version (version) VALUES ({PostgresSchema.Latest + 1})");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _schema.Open().EnsureCreatedAsync(default));
        Assert.Contains($"version {PostgresSchema.Latest + 1}", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_first_connection_migrates_and_works_in_the_configured_schema()
    {
        await using (var connection = await _schema.Open().OpenAsync(default))
        await using (var command = new NpgsqlCommand("SELECT current_schema()", connection))
        {
            Assert.Equal(_schema.Name, await command.ExecuteScalarAsync());
        }

        Assert.Equal((long)PostgresSchema.Latest, await _schema.ScalarAsync("SELECT COUNT(*) FROM schema_version"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _schema.DisposeAsync().AsTask();
}
