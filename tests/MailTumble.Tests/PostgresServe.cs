using System.Globalization;
using MailTumble.Testing;
using Npgsql;

namespace MailTumble.Tests;

/// <summary>
/// The settings of <c>serve</c> processes in the postgres family for one test: a schema of its own on the PostgreSQL of
/// <c>MAILTUMBLE_TEST_POSTGRES</c>, one alias in a map directory, sending to the test's sink; dropped again by
/// <see cref="DropSchemaAsync"/>. The server is required on first use, so a test without it is skipped.
/// </summary>
internal sealed class PostgresServe
{
    public const string Alias = "x7g2@mask.example.com";
    private readonly string _root;
    private readonly int _sinkPort;
    private string? _connectionString;

    public PostgresServe(string root, int sinkPort)
    {
        _root = root;
        _sinkPort = sinkPort;
    }

    /// <summary>The schema every node of this test shares.</summary>
    public string Schema { get; } = $"cluster_{Guid.NewGuid():N}";

    /// <summary>The real server's connection string.</summary>
    public string ConnectionString => _connectionString ??= ExternalService.Require("MAILTUMBLE_TEST_POSTGRES", "PostgreSQL");

    /// <summary>
    /// One node's environment (data directory <c>{root}/{name}</c>, a free SMTP port); <paramref name="extra"/> adds or
    /// overrides entries, e.g. the connection string through a proxy.
    /// </summary>
    public Dictionary<string, string> Node(string name, params (string Key, string Value)[] extra)
    {
        var map = Path.Combine(_root, "aliases.yaml");
        if (!File.Exists(map))
        {
            File.WriteAllText(map, $"aliases:\n  {Alias}: john@real.example.org\n");
        }

        var environment = new Dictionary<string, string>
        {
            ["MailTumble__Backend"] = "postgres",
            ["MailTumble__Postgres__ConnectionString"] = ConnectionString,
            ["MailTumble__Postgres__Schema"] = Schema,
            ["MailTumble__DataDir"] = Path.Combine(_root, name),
            ["MailTumble__Directory__Driver"] = "map",
            ["MailTumble__Directory__Map__Path"] = map,
            ["MailTumble__Domains__0"] = "mask.example.com",
            ["FROM_EMAIL"] = "relay@mask.example.com",
            ["MAXIMUM_SEND_RATE"] = "1000",
            ["MailTumble__Smtp__Listen"] = $"127.0.0.1:{TestSmtpSink.FreePort()}",
            ["MailTumble__Api__Listen"] = "127.0.0.1:0",
            ["MailTumble__Outbound__Smtp__Host"] = "127.0.0.1",
            ["MailTumble__Outbound__Smtp__Port"] = _sinkPort.ToString(CultureInfo.InvariantCulture),
            ["MailTumble__Outbound__IdlePoll"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>The SMTP port a node listens on.</summary>
    public static int SmtpPort(IReadOnlyDictionary<string, string> node) =>
        int.Parse(node["MailTumble__Smtp__Listen"].Split(':')[1], CultureInfo.InvariantCulture);

    /// <summary>One value from the test's schema.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = Schema, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Drops the test's schema, if the test got as far as the server.</summary>
    public async Task DropSchemaAsync()
    {
        if (_connectionString is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }
}
