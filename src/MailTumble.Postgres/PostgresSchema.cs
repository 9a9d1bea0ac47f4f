using Npgsql;

namespace MailTumble.Postgres;

/// <summary>
/// The schema, as numbered migrations applied in order and recorded in <c>schema_version</c>. Every node runs
/// <see cref="MigrateAsync"/> at start: one transaction that first takes a transaction-level advisory lock for the schema,
/// so nodes starting at once migrate one after the other (the later ones find the work done), and a migration that fails
/// leaves nothing half-applied.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The migrations; the version of migration i is i + 1. Never edit one that has shipped: add another.</summary>
    internal static readonly IReadOnlyList<string> Migrations =
    [
        // 1: the outgoing queue, its lanes, dead letters and the delivery log. Times are Unix milliseconds from the
        // relay's clock (never the server's), as in the embedded family. Lane keys compare byte-wise (COLLATE "C").
        // lanes holds one row per lane with items, kept by triggers on insert and delete, so lane listings and depths
        // never scan items; whether a lane is due is two index probes of queue_lane (one per class).
        """
        CREATE TABLE queue (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id text NOT NULL UNIQUE,
            message_key text NOT NULL,
            alias text NOT NULL,
            recipient text NOT NULL,
            envelope_from text NOT NULL,
            headers bytea NOT NULL,
            body_offset bigint NOT NULL,
            received_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            priority integer NOT NULL DEFAULT 0,
            lane text COLLATE "C" NOT NULL DEFAULT '',
            bulk boolean NOT NULL DEFAULT false,
            due_at bigint NOT NULL,
            lease_token text,
            attempts integer NOT NULL DEFAULT 0,
            last_error text
        );
        CREATE INDEX queue_due ON queue (due_at, seq);
        CREATE INDEX queue_message ON queue (message_key);
        CREATE INDEX queue_lane ON queue (lane, bulk, due_at, seq);
        CREATE INDEX queue_lease ON queue (lease_token) WHERE lease_token IS NOT NULL;
        CREATE TABLE dead_letters (
            id text PRIMARY KEY,
            message_key text NOT NULL,
            alias text NOT NULL,
            recipient text NOT NULL,
            envelope_from text NOT NULL,
            headers bytea NOT NULL,
            body_offset bigint NOT NULL,
            received_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            priority integer NOT NULL DEFAULT 0,
            lane text COLLATE "C" NOT NULL DEFAULT '',
            bulk boolean NOT NULL DEFAULT false,
            attempts integer NOT NULL,
            reason text NOT NULL,
            dead_at bigint NOT NULL
        );
        CREATE INDEX dead_letters_message ON dead_letters (message_key);
        CREATE INDEX dead_letters_dead_at ON dead_letters (dead_at);
        CREATE TABLE delivery_log (
            at bigint NOT NULL,
            outcome text NOT NULL
        );
        CREATE INDEX delivery_log_at ON delivery_log (at);
        CREATE TABLE lanes (
            lane text COLLATE "C" PRIMARY KEY,
            depth bigint NOT NULL
        );
        CREATE FUNCTION queue_lane_added() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        BEGIN
            INSERT INTO lanes (lane, depth) VALUES (NEW.lane, 1) ON CONFLICT (lane) DO UPDATE SET depth = lanes.depth + 1;
            RETURN NULL;
        END $$;
        CREATE FUNCTION queue_lane_removed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
        BEGIN
            UPDATE lanes SET depth = depth - 1 WHERE lane = OLD.lane;
            DELETE FROM lanes WHERE lane = OLD.lane AND depth <= 0;
            RETURN NULL;
        END $$;
        CREATE TRIGGER queue_lane_insert AFTER INSERT ON queue FOR EACH ROW EXECUTE FUNCTION queue_lane_added();
        CREATE TRIGGER queue_lane_delete AFTER DELETE ON queue FOR EACH ROW EXECUTE FUNCTION queue_lane_removed();
        """,
    ];

    /// <summary>The version this build migrates to.</summary>
    internal static int Latest => Migrations.Count;

    /// <summary>Creates <paramref name="schema"/> when missing and applies the migrations it lacks; returns its version.</summary>
    public static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, hashtext(@schema))", connection, transaction))
        {
            command.Parameters.AddWithValue("class", PostgresDatabase.MigrationLock);
            command.Parameters.AddWithValue("schema", schema);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The schema name is checked by PostgresOptions (a plain lower-case identifier), so quoting it is enough.
        await ExecuteAsync(connection, transaction, $"""
            CREATE SCHEMA IF NOT EXISTS "{schema}";
            CREATE TABLE IF NOT EXISTS "{schema}".schema_version (
                version integer PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken).ConfigureAwait(false);
        int current;
        await using (var command = new NpgsqlCommand($"""SELECT COALESCE(MAX(version), 0) FROM "{schema}".schema_version""", connection, transaction))
        {
            current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (current > Latest)
        {
            throw new InvalidOperationException(
                $"the PostgreSQL schema '{schema}' is at version {current}, newer than this MailTumble knows ({Latest}): run a MailTumble at least as new as the one that migrated it");
        }

        for (var version = current + 1; version <= Latest; version++)
        {
            await ExecuteAsync(connection, transaction, $"""SET LOCAL search_path TO "{schema}";""" + Migrations[version - 1], cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand($"""INSERT INTO "{schema}".schema_version (version) VALUES (@version)""", connection, transaction);
            record.Parameters.AddWithValue("version", version);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return Latest;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
