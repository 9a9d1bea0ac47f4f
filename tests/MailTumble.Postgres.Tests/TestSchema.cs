using MailTumble.Testing;
using Npgsql;

namespace MailTumble.Postgres.Tests;

/// <summary>A schema of its own for one test on the PostgreSQL that <c>.ci/run</c> starts, dropped with everything in it afterwards.</summary>
internal sealed class TestSchema : IAsyncDisposable
{
    public const string Variable = "MAILTUMBLE_TEST_POSTGRES";

    private readonly List<PostgresDatabase> _opened = [];

    public TestSchema()
    {
        ConnectionString = new NpgsqlConnectionStringBuilder(ExternalService.Require(Variable, "PostgreSQL"))
        {
            // Many tests run at once on a server with 100 connections, shared with other test projects.
            MaxPoolSize = 8,
        }.ConnectionString;
        Name = $"t_{Guid.NewGuid():N}";
    }

    public string ConnectionString { get; }

    public string Name { get; }

    /// <summary>A database handle on this schema, as one node would open it; disposed with the schema.</summary>
    public PostgresDatabase Open()
    {
        var database = new PostgresDatabase(ConnectionString, Name);
        _opened.Add(database);
        return database;
    }

    /// <summary>Runs one SQL statement against the schema and returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = Name, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Name}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
