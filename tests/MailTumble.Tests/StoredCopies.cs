using Microsoft.Data.Sqlite;

namespace MailTumble.Tests;

/// <summary>
/// The stored messages of an embedded data directory, wherever the raw store keeps them: rows of <c>raw_messages</c> in
/// <c>mailtumble.db</c> (messages stored whole) and files under <c>raw/</c> (large, streamed ones and older versions').
/// </summary>
internal static class StoredCopies
{
    /// <summary>How many messages are stored.</summary>
    public static int Count(string dataDir) => Rows(dataDir).Count + Files(dataDir).Length;

    /// <summary>The files under <c>raw/</c>.</summary>
    public static string[] Files(string dataDir)
    {
        var raw = Path.Combine(dataDir, "raw");
        return Directory.Exists(raw) ? Directory.EnumerateFiles(raw, "*.eml", SearchOption.AllDirectories).ToArray() : [];
    }

    /// <summary>The contents of the messages kept in the database.</summary>
    public static IReadOnlyList<byte[]> Rows(string dataDir)
    {
        var path = Path.Combine(dataDir, "mailtumble.db");
        if (!File.Exists(path))
        {
            return [];
        }

        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'raw_messages'";
        if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return [];
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT content FROM raw_messages";
        var rows = new List<byte[]>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add((byte[])reader[0]);
        }

        return rows;
    }

    /// <summary>Makes every later store of a whole message fail, as a broken disk would (root ignores file permissions).</summary>
    public static void BreakDatabaseStore(string dataDir)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "mailtumble.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TRIGGER broken_disk BEFORE INSERT ON raw_messages BEGIN SELECT RAISE(ABORT, 'disk I/O error (test)'); END";
        command.ExecuteNonQuery();
    }
}
