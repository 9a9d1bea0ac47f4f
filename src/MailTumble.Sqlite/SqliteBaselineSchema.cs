using Microsoft.Data.Sqlite;

namespace MailTumble.Sqlite;

/// <summary>
/// Migration 1 of <see cref="SqliteSchema"/>: the schema as it stood when the embedded database got a version. Files made
/// before then carry no version (<c>user_version</c> 0) and may be any of the shapes main has created over time, so this
/// one migration is written to be safe on all of them: every table and index is created when missing, and the columns and
/// tables added since the first files (lanes, the alias model's columns) are added when missing. On a new file it simply
/// creates the schema. Later changes are new migrations, never edits of this one.
/// </summary>
internal static class SqliteBaselineSchema
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS aliases (
            address TEXT PRIMARY KEY,
            target TEXT NOT NULL,
            domain TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active',
            count_bounce INTEGER NOT NULL DEFAULT 0,
            count_complaint INTEGER NOT NULL DEFAULT 0,
            count_delivery INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS aliases_domain ON aliases(domain);
        CREATE TABLE IF NOT EXISTS alias_changes (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            version INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO alias_changes (id, version) VALUES (1, 0);
        CREATE TRIGGER IF NOT EXISTS aliases_inserted AFTER INSERT ON aliases
        BEGIN UPDATE alias_changes SET version = version + 1 WHERE id = 1; END;
        CREATE TRIGGER IF NOT EXISTS aliases_deleted AFTER DELETE ON aliases
        BEGIN UPDATE alias_changes SET version = version + 1 WHERE id = 1; END;
        CREATE TRIGGER IF NOT EXISTS aliases_changed AFTER UPDATE OF target, status ON aliases
        WHEN OLD.target IS NOT NEW.target OR OLD.status IS NOT NEW.status
        BEGIN UPDATE alias_changes SET version = version + 1 WHERE id = 1; END;
        CREATE TABLE IF NOT EXISTS queue (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            message_key TEXT NOT NULL,
            alias TEXT NOT NULL,
            recipient TEXT NOT NULL,
            envelope_from TEXT NOT NULL,
            headers BLOB NOT NULL,
            body_offset INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            due_at INTEGER NOT NULL,
            lease_token TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            lane TEXT NOT NULL DEFAULT '',
            bulk INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS queue_due ON queue(due_at);
        CREATE INDEX IF NOT EXISTS queue_message ON queue(message_key);
        CREATE TABLE IF NOT EXISTS dead_letters (
            id TEXT PRIMARY KEY,
            message_key TEXT NOT NULL,
            alias TEXT NOT NULL,
            recipient TEXT NOT NULL,
            envelope_from TEXT NOT NULL,
            headers BLOB NOT NULL,
            body_offset INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL,
            reason TEXT NOT NULL,
            dead_at INTEGER NOT NULL,
            lane TEXT NOT NULL DEFAULT '',
            bulk INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS dead_message ON dead_letters(message_key);
        CREATE TABLE IF NOT EXISTS delivery_log (
            at INTEGER NOT NULL,
            outcome TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS delivery_log_at ON delivery_log(at);
        CREATE TABLE IF NOT EXISTS alias_counters (
            alias TEXT PRIMARY KEY,
            forwarded INTEGER NOT NULL DEFAULT 0,
            replied INTEGER NOT NULL DEFAULT 0,
            blocked INTEGER NOT NULL DEFAULT 0,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS runtime_status (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            json TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sent_deliveries (
            id TEXT PRIMARY KEY,
            alias TEXT NOT NULL,
            target TEXT NOT NULL,
            provider_message_id TEXT,
            sent_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS sent_deliveries_provider ON sent_deliveries(provider_message_id);
        CREATE TABLE IF NOT EXISTS feedback_events (
            event_key TEXT PRIMARY KEY,
            alias TEXT NOT NULL,
            delivery_id TEXT NOT NULL,
            type TEXT NOT NULL,
            bounce_type TEXT NOT NULL,
            sub_type TEXT,
            recipient TEXT NOT NULL,
            origin TEXT NOT NULL,
            detail TEXT,
            at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS feedback_events_alias ON feedback_events(alias);
        CREATE INDEX IF NOT EXISTS feedback_events_at ON feedback_events(at);
        CREATE TABLE IF NOT EXISTS held (
            id TEXT PRIMARY KEY,
            message_key TEXT NOT NULL,
            alias TEXT NOT NULL,
            recipient TEXT NOT NULL,
            envelope_from TEXT NOT NULL,
            headers BLOB NOT NULL,
            body_offset INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            priority INTEGER NOT NULL DEFAULT 0,
            sender TEXT NOT NULL,
            envelope_sender TEXT NOT NULL,
            subject TEXT NOT NULL,
            size INTEGER NOT NULL,
            reason TEXT NOT NULL,
            held_at INTEGER NOT NULL,
            state TEXT NOT NULL DEFAULT 'held',
            decided_at INTEGER,
            decided_by TEXT,
            decision_reason TEXT,
            lane TEXT NOT NULL DEFAULT '',
            bulk INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS held_state ON held(state, held_at);
        CREATE INDEX IF NOT EXISTS held_alias ON held(alias, state);
        CREATE INDEX IF NOT EXISTS held_message ON held(message_key, state);
        CREATE TABLE IF NOT EXISTS sender_rules (
            pattern TEXT NOT NULL,
            alias TEXT NOT NULL,
            action TEXT NOT NULL,
            silent INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            note TEXT,
            PRIMARY KEY (pattern, alias)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS moderation_settings (
            alias TEXT PRIMARY KEY,
            first_contact INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS known_senders (
            alias TEXT NOT NULL,
            sender TEXT NOT NULL,
            first_at INTEGER NOT NULL,
            PRIMARY KEY (alias, sender)
        ) WITHOUT ROWID;
        """;

    // Fair share: one row per lane holding items, kept by triggers on every change to the queue, so finding due lanes and
    // lane depths never scans items. next_due is the lane's earliest due_at (a leased item's due_at is its lease end), so a
    // lane is due exactly when next_due has passed. queue_lane gives each lane its items in lane order.
    private const string LaneSchema = """
        CREATE INDEX IF NOT EXISTS queue_lane ON queue(lane, bulk, due_at);
        CREATE TABLE IF NOT EXISTS lanes (
            lane TEXT PRIMARY KEY,
            depth INTEGER NOT NULL,
            next_due INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS queue_lane_insert AFTER INSERT ON queue
        BEGIN
            INSERT INTO lanes (lane, depth, next_due) VALUES (NEW.lane, 1, NEW.due_at)
            ON CONFLICT (lane) DO UPDATE SET depth = depth + 1, next_due = MIN(next_due, excluded.next_due);
        END;
        CREATE TRIGGER IF NOT EXISTS queue_lane_update AFTER UPDATE OF due_at ON queue
        WHEN NEW.due_at IS NOT OLD.due_at
        BEGIN
            UPDATE lanes SET next_due = CASE
                WHEN NEW.due_at <= next_due THEN NEW.due_at
                WHEN OLD.due_at > next_due THEN next_due
                ELSE (SELECT MIN(m) FROM (
                    SELECT MIN(due_at) AS m FROM queue WHERE lane = NEW.lane AND bulk = 0
                    UNION ALL SELECT MIN(due_at) FROM queue WHERE lane = NEW.lane AND bulk = 1))
                END
            WHERE lane = NEW.lane;
        END;
        CREATE TRIGGER IF NOT EXISTS queue_lane_delete AFTER DELETE ON queue
        BEGIN
            DELETE FROM lanes WHERE lane = OLD.lane AND depth <= 1;
            UPDATE lanes SET depth = depth - 1, next_due = CASE
                WHEN OLD.due_at > next_due THEN next_due
                ELSE (SELECT MIN(m) FROM (
                    SELECT MIN(due_at) AS m FROM queue WHERE lane = OLD.lane AND bulk = 0
                    UNION ALL SELECT MIN(due_at) FROM queue WHERE lane = OLD.lane AND bulk = 1))
                END
            WHERE lane = OLD.lane;
        END;
        """;

    /// <summary>Brings a file without a version, new or made by any earlier build, to the versioned baseline.</summary>
    public static void Apply(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, transaction, Schema);
        AddLanes(connection, transaction);
        AddAliasColumns(connection, transaction);
    }

    /// <summary>
    /// Adds the lane columns to a database created before lanes existed (its items join the lane <c>""</c>), then the lane
    /// table, index and triggers, filling the table once from the queue.
    /// </summary>
    private static void AddLanes(SqliteConnection connection, SqliteTransaction transaction)
    {
        foreach (var table in (string[])["queue", "dead_letters", "held"])
        {
            AddColumn(connection, transaction, table, "lane", "TEXT NOT NULL DEFAULT ''");
            AddColumn(connection, transaction, table, "bulk", "INTEGER NOT NULL DEFAULT 0");
        }

        var fill = !Exists(connection, transaction, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lanes'");
        Execute(connection, transaction, LaneSchema);
        if (fill)
        {
            Execute(connection, transaction, "INSERT INTO lanes (lane, depth, next_due) SELECT lane, COUNT(*), MIN(due_at) FROM queue GROUP BY lane");
        }
    }

    /// <summary>
    /// Adds the alias model's columns to a database created before them: the per-target state of an alias with several
    /// targets (<c>targets</c>, null for one), and the operator's note and display name. A change of targets counts as
    /// a change for other processes' caches, as one of target or status does.
    /// </summary>
    private static void AddAliasColumns(SqliteConnection connection, SqliteTransaction transaction)
    {
        AddColumn(connection, transaction, "aliases", "targets", "TEXT");
        AddColumn(connection, transaction, "aliases", "note", "TEXT");
        AddColumn(connection, transaction, "aliases", "display_name", "TEXT");
        Execute(connection, transaction, """
            CREATE TRIGGER IF NOT EXISTS aliases_targets_changed AFTER UPDATE OF targets, note, display_name ON aliases
            WHEN OLD.targets IS NOT NEW.targets OR OLD.note IS NOT NEW.note OR OLD.display_name IS NOT NEW.display_name
            BEGIN UPDATE alias_changes SET version = version + 1 WHERE id = 1; END;
            """);
    }

    private static void AddColumn(SqliteConnection connection, SqliteTransaction transaction, string table, string column, string definition)
    {
        if (!Exists(connection, transaction, $"SELECT 1 FROM pragma_table_info('{table}') WHERE name = '{column}'"))
        {
            Execute(connection, transaction, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
        }
    }

    private static bool Exists(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar() is not null;
    }

    internal static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
