using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// The embedded database's schema, as numbered migrations applied in order, the version kept in the file's own header
/// (<c>PRAGMA user_version</c>, 0 in a new file and in every file made before versions). Each process opening the file runs
/// <see cref="Migrate(SqliteConnection, string)"/> once: a file already at the latest version is left alone without taking
/// the write lock; otherwise one immediate (write-locked) transaction re-reads the version, applies what is missing and
/// records the new version, so two processes starting on the same file at once migrate one after the other, and a
/// migration that fails leaves nothing half-applied.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The migrations; the version of migration i is i + 1. Never edit one that has shipped: add another.</summary>
    internal static readonly IReadOnlyList<Action<SqliteConnection, SqliteTransaction>> Migrations =
    [
        // 1: the schema when versions began, safe on any file made before (see SqliteBaselineSchema).
        SqliteBaselineSchema.Apply,

        // 2: raw messages kept in the database (SqliteRawStore).
        SqliteRawMessagesSchema.Apply,
    ];

    /// <summary>The version this build migrates to.</summary>
    internal static int Latest => Migrations.Count;

    /// <summary>Applies the migrations the file at <paramref name="path"/> lacks; returns its version.</summary>
    public static int Migrate(SqliteConnection connection, string path) => Migrate(connection, path, Migrations);

    /// <summary>As <see cref="Migrate(SqliteConnection, string)"/>, up to the last of <paramref name="migrations"/> (tests play other builds).</summary>
    internal static int Migrate(SqliteConnection connection, string path, IReadOnlyList<Action<SqliteConnection, SqliteTransaction>> migrations)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(migrations);
        if (Check(Version(connection, transaction: null), path, migrations.Count) == migrations.Count)
        {
            return migrations.Count;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        var current = Check(Version(connection, transaction), path, migrations.Count);
        for (var version = current + 1; version <= migrations.Count; version++)
        {
            migrations[version - 1](connection, transaction);
        }

        if (current < migrations.Count)
        {
            // A pragma takes no parameters; the value is our own integer. It is part of the transaction like any write.
            SqliteBaselineSchema.Execute(connection, transaction, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {migrations.Count}"));
        }

        transaction.Commit();
        return migrations.Count;
    }

    /// <summary>The file's schema version (<c>PRAGMA user_version</c>).</summary>
    internal static int Version(SqliteConnection connection, SqliteTransaction? transaction)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static int Check(int current, string path, int known) => current <= known
        ? current
        : throw new InvalidOperationException(
            $"the database {path} is at schema version {current}, newer than this MailTumble knows ({known}): run a MailTumble at least as new as the one that last opened it");
}
