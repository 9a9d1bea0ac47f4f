namespace MailTumble.Sql;

/// <summary>The SQL servers the directory driver speaks to.</summary>
public enum SqlEngine
{
    /// <summary>MySQL or MariaDB (MySqlConnector); driver name <c>mysql</c>.</summary>
    MySql,

    /// <summary>PostgreSQL (Npgsql); driver name <c>postgres</c>.</summary>
    Postgres,
}
