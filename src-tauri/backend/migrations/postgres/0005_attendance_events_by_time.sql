-- Attendance events keyed by time first. The key stays (occurred_at, user_key, event_hash) (each
-- event is stored once), in time order first: the attendance task reads whole days, retention
-- deletes old days and a month's report reads a month, all as one range of the key, and a log
-- file, written in time order, adds to the end of the key's index instead of all over it. The
-- separate index on occurred_at is no longer needed: one index to write per event instead of two.

ALTER TABLE attendance_events DROP CONSTRAINT attendance_events_pkey;
ALTER TABLE attendance_events ADD PRIMARY KEY (occurred_at, user_key, event_hash);
DROP INDEX attendance_events_time;
