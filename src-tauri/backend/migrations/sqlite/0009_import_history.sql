-- Every import's record says where the file came from (`upload`, `command` or `inbox`), who
-- imported it (the user's login; none from the command line or the inbox), and how many of its
-- events were older than the retention of raw events (kept out, unless the import kept them).
ALTER TABLE attendance_import_files ADD COLUMN source TEXT NOT NULL DEFAULT 'command';
ALTER TABLE attendance_import_files ADD COLUMN imported_by TEXT;
ALTER TABLE attendance_import_files ADD COLUMN older_than_retention BIGINT NOT NULL DEFAULT 0;
ALTER TABLE attendance_import_files ADD COLUMN older_kept BIGINT NOT NULL DEFAULT 0;
CREATE INDEX attendance_import_files_started ON attendance_import_files(started_at);
