-- The schema exactly as main's SqliteDatabase left a new file before the schema had a version (commit f7d5096):
-- its Schema statements, then the lane statements, then the alias columns and their trigger. No user_version is set.
-- Kept verbatim so the upgrade test opens a file built the way real ones were; never edit it.
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
ALTER TABLE aliases ADD COLUMN targets TEXT;
ALTER TABLE aliases ADD COLUMN note TEXT;
ALTER TABLE aliases ADD COLUMN display_name TEXT;
CREATE TRIGGER IF NOT EXISTS aliases_targets_changed AFTER UPDATE OF targets, note, display_name ON aliases
WHEN OLD.targets IS NOT NEW.targets OR OLD.note IS NOT NEW.note OR OLD.display_name IS NOT NEW.display_name
BEGIN UPDATE alias_changes SET version = version + 1 WHERE id = 1; END;
