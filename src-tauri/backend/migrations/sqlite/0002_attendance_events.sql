-- Attendance: the access-log files imported and their events.
-- Events are keyed by (user_key, occurred_at, event_hash): the same event imported twice is
-- stored once, and the daily task reads one user's events in time order from the same index.
-- occurred_at is in microseconds since the Unix epoch (UTC); event_hash is the engine's EventKey::hash64
-- as a signed 64-bit integer; user_key is the logged user lower-cased.

CREATE TABLE attendance_import_files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    format          TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    started_at      BIGINT NOT NULL,
    finished_at     BIGINT,
    events_read     BIGINT NOT NULL DEFAULT 0,
    events_imported BIGINT NOT NULL DEFAULT 0,
    duplicates      BIGINT NOT NULL DEFAULT 0,
    rejected        BIGINT NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    message         TEXT
);

CREATE TABLE attendance_events (
    user_key        TEXT NOT NULL,
    occurred_at     BIGINT NOT NULL,
    event_hash      BIGINT NOT NULL,
    log_user        TEXT NOT NULL,
    host            TEXT NOT NULL,
    target          TEXT NOT NULL,
    operation       TEXT NOT NULL,
    detail          TEXT NOT NULL,
    file_id         BIGINT NOT NULL,
    position        BIGINT NOT NULL,
    PRIMARY KEY (user_key, occurred_at, event_hash)
) WITHOUT ROWID;

CREATE TABLE attendance_import_rejects (
    file_id  BIGINT NOT NULL REFERENCES attendance_import_files(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    reason   TEXT NOT NULL
);
CREATE INDEX attendance_import_rejects_file ON attendance_import_rejects(file_id);
