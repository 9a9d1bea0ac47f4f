using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// Migration 2 of <see cref="SqliteSchema"/>: the table <see cref="SqliteRawStore"/> keeps messages of up to
/// <see cref="SqliteRawStore.InlineLimit"/> bytes in, written in the same group commit as the queue (one fsync for both).
/// </summary>
internal static class SqliteRawMessagesSchema
{
    public static void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "CREATE TABLE IF NOT EXISTS raw_messages (key TEXT PRIMARY KEY, content BLOB NOT NULL)";
        command.ExecuteNonQuery();
    }
}
