-- Attendance events clustered by time. The key stays (occurred_at, user_key, event_hash) (each
-- event is stored once), in time order first: the attendance task reads whole days, retention
-- deletes old days and a month's report reads a month, all as one range of the key, and a log
-- file, written in time order, lands at the end of the table instead of all over it. This one
-- key replaces the table keyed by user first and its separate index on occurred_at: one B-tree
-- to write per event instead of two, and no lookup from the index into the table per event.

CREATE TABLE attendance_events_by_time (
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
    PRIMARY KEY (occurred_at, user_key, event_hash)
) WITHOUT ROWID;

INSERT INTO attendance_events_by_time
    (user_key, occurred_at, event_hash, log_user, host, target, operation, detail, file_id, position)
SELECT user_key, occurred_at, event_hash, log_user, host, target, operation, detail, file_id, position
FROM attendance_events ORDER BY occurred_at, user_key, event_hash;

DROP TABLE attendance_events;
ALTER TABLE attendance_events_by_time RENAME TO attendance_events;
