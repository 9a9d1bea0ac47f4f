using System.Data.Common;
using MySqlConnector;
using Npgsql;

namespace MailTumble.Sql;

/// <summary>What differs between the servers: the connection source, the DDL and the duplicate-key error.</summary>
internal sealed record SqlDialect(SqlEngine Engine, Func<string, DbDataSource> CreateSource, Func<string, string> Schema, Func<DbException, bool> IsDuplicate, string ColumnExists)
{
    public static SqlDialect For(SqlEngine engine) => engine switch
    {
        SqlEngine.MySql => new(
            engine,
            cs => new MySqlDataSource(cs),
            table => $"""
                CREATE TABLE IF NOT EXISTS {table} (
                    alias VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
                    email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
                    domain VARCHAR(253) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
                    status VARCHAR(16) NOT NULL DEFAULT 'active',
                    count_bounce INT NOT NULL DEFAULT 0,
                    count_complaint INT NOT NULL DEFAULT 0,
                    count_delivery INT NOT NULL DEFAULT 0,
                    optout BOOLEAN NOT NULL DEFAULT FALSE,
                    updated_at BIGINT NOT NULL,
                    targets TEXT NULL,
                    note TEXT NULL,
                    display_name TEXT NULL,
                    INDEX {table}_domain (domain)
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                """,
            ex => ex is MySqlException { ErrorCode: MySqlErrorCode.DuplicateKeyEntry },
            "SELECT 1 FROM information_schema.columns WHERE table_schema = DATABASE() AND LOWER(table_name) = @table AND column_name = @column"),
        SqlEngine.Postgres => new(
            engine,
            cs => NpgsqlDataSource.Create(cs),
            table => $"""
                CREATE TABLE IF NOT EXISTS {table} (
                    alias TEXT COLLATE "C" NOT NULL PRIMARY KEY,
                    email TEXT NOT NULL,
                    domain TEXT COLLATE "C" NOT NULL,
                    status TEXT NOT NULL DEFAULT 'active',
                    count_bounce INTEGER NOT NULL DEFAULT 0,
                    count_complaint INTEGER NOT NULL DEFAULT 0,
                    count_delivery INTEGER NOT NULL DEFAULT 0,
                    optout BOOLEAN NOT NULL DEFAULT FALSE,
                    updated_at BIGINT NOT NULL,
                    targets TEXT NULL,
                    note TEXT NULL,
                    display_name TEXT NULL
                );
                CREATE INDEX IF NOT EXISTS {table}_domain ON {table} (domain);
                """,
            ex => ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation },
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table AND column_name = @column"),
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };
}
