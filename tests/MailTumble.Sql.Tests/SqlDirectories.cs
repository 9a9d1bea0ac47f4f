using MailTumble.Testing;
using Microsoft.Extensions.Options;

namespace MailTumble.Sql.Tests;

internal static class SqlDirectories
{
    public const string MySqlVariable = "MAILTUMBLE_TEST_MYSQL";
    public const string PostgresVariable = "MAILTUMBLE_TEST_POSTGRES";

    public static string ConnectionString(SqlEngine engine) => engine is SqlEngine.MySql
        ? ExternalService.Require(MySqlVariable, "MariaDB")
        : ExternalService.Require(PostgresVariable, "PostgreSQL");

    public static SqlAliasDirectory Create(SqlEngine engine, Action<SqlDirectoryOptions>? configure = null)
    {
        var options = new SqlDirectoryOptions { ConnectionString = ConnectionString(engine), Table = "mt_aliases_test" };
        configure?.Invoke(options);
        return new SqlAliasDirectory(engine, Options.Create(options), TimeProvider.System);
    }
}
