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

        // 2: raw messages (a raw_messages row per message, committed once all its chunks of PostgresRawStore.ChunkSize are
        // written as they arrive; bytea stored uncompressed), held mail, sender rules, first-contact settings, known senders, sent deliveries, feedback events,
        // and each node's published send-out status.
        """
        CREATE TABLE raw_messages (
            key text PRIMARY KEY,
            length bigint NOT NULL DEFAULT 0,
            chunk_size integer NOT NULL,
            committed boolean NOT NULL DEFAULT false,
            created_at bigint NOT NULL
        );
        CREATE INDEX raw_messages_unfinished ON raw_messages (created_at) WHERE NOT committed;
        CREATE TABLE raw_chunks (
            key text NOT NULL,
            n integer NOT NULL,
            data bytea NOT NULL,
            PRIMARY KEY (key, n)
        );
        ALTER TABLE raw_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
        CREATE TABLE held (
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
            sender text NOT NULL,
            envelope_sender text NOT NULL,
            subject text NOT NULL,
            size bigint NOT NULL,
            reason text NOT NULL,
            held_at bigint NOT NULL,
            state text NOT NULL DEFAULT 'held',
            decided_at bigint,
            decided_by text,
            decision_reason text
        );
        CREATE INDEX held_state ON held (state, held_at);
        CREATE INDEX held_alias ON held (alias, state);
        CREATE INDEX held_message ON held (message_key, state);
        CREATE TABLE sender_rules (
            pattern text NOT NULL,
            alias text NOT NULL,
            action text NOT NULL,
            silent boolean NOT NULL,
            created_at bigint NOT NULL,
            created_by text NOT NULL,
            note text,
            PRIMARY KEY (pattern, alias)
        );
        CREATE TABLE moderation_settings (
            alias text PRIMARY KEY,
            first_contact boolean NOT NULL
        );
        CREATE TABLE known_senders (
            alias text NOT NULL,
            sender text NOT NULL,
            first_at bigint NOT NULL,
            PRIMARY KEY (alias, sender)
        );
        CREATE TABLE sent_deliveries (
            id text PRIMARY KEY,
            alias text NOT NULL,
            target text NOT NULL,
            provider_message_id text,
            sent_at bigint NOT NULL
        );
        CREATE INDEX sent_deliveries_provider ON sent_deliveries (provider_message_id);
        CREATE INDEX sent_deliveries_sent_at ON sent_deliveries (sent_at);
        CREATE TABLE feedback_events (
            event_key text PRIMARY KEY,
            alias text NOT NULL,
            delivery_id text NOT NULL,
            type text NOT NULL,
            bounce_type text NOT NULL,
            sub_type text,
            recipient text NOT NULL,
            origin text NOT NULL,
            detail text,
            at bigint NOT NULL
        );
        CREATE INDEX feedback_events_alias ON feedback_events (alias, at);
        CREATE INDEX feedback_events_at ON feedback_events (at);
        CREATE TABLE runtime_status (
            node_id text PRIMARY KEY,
            json text NOT NULL,
            updated_at bigint NOT NULL
        );
        """,

        // 3: the cluster's rate budget: a heartbeat row per live node (the server's clock, so nodes' clocks need not
        // agree), and one row with the factor throttling replies seen by any node put on everybody's share.
        """
        CREATE TABLE nodes (
            node_id text PRIMARY KEY,
            host text NOT NULL,
            demand boolean NOT NULL,
            status text,
            joined_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            last_beat timestamptz NOT NULL
        );
        CREATE TABLE rate_budget (
            id integer PRIMARY KEY CHECK (id = 1),
            factor double precision NOT NULL,
            changed_at timestamptz NOT NULL
        );
        INSERT INTO rate_budget (id, factor, changed_at) VALUES (1, 1, clock_timestamp() - interval '1 hour');
        """,

        // 4: per-alias counters (forwarded, replied, blocked), added to by every node.
        """
        CREATE TABLE alias_counters (
            alias text PRIMARY KEY,
            forwarded bigint NOT NULL DEFAULT 0,
            replied bigint NOT NULL DEFAULT 0,
            blocked bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL
        );
        """,

        // 5: when each node starts sending (its first beat plus the join delay; a node of an older build has none and
        // counts as active from when it joined).
        """
        ALTER TABLE nodes ADD COLUMN active_from timestamptz;
        """,
    ];

    /// <summary>The version this build migrates to.</summary>
    internal static int Latest => Migrations.Count;

    /// <summary>Creates <paramref name="schema"/> when missing and applies the migrations it lacks; returns its version.</summary>
    public static Task<int> MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken) =>
        MigrateAsync(dataSource, schema, Migrations, cancellationToken);

    /// <summary>As <see cref="MigrateAsync(NpgsqlDataSource, string, CancellationToken)"/>, up to the last of <paramref name="migrations"/> (tests play older builds).</summary>
    internal static async Task<int> MigrateAsync(NpgsqlDataSource dataSource, string schema, IReadOnlyList<string> migrations, CancellationToken cancellationToken)
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

        if (current > migrations.Count)
        {
            throw new InvalidOperationException(
                $"the PostgreSQL schema '{schema}' is at version {current}, newer than this MailTumble knows ({migrations.Count}): run a MailTumble at least as new as the one that migrated it");
        }

        for (var version = current + 1; version <= migrations.Count; version++)
        {
            await ExecuteAsync(connection, transaction, $"""SET LOCAL search_path TO "{schema}";""" + migrations[version - 1], cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand($"""INSERT INTO "{schema}".schema_version (version) VALUES (@version)""", connection, transaction);
            record.Parameters.AddWithValue("version", version);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return migrations.Count;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
