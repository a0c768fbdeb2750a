-- The effort timer and the activity levels' names (issue 18). The timer: at most one running
-- timer per person, on a row of the week grid (project, work item, activity 1, activity 2), with
-- the note an entry it creates gets and the instant it started (Unix seconds). Stopping it adds
-- its minutes to the row's entries and deletes the row; discarding deletes it.

CREATE TABLE effort_timers (
    user_id      BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    project_id   BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    work_item_id BIGINT REFERENCES work_items(id) ON DELETE CASCADE,
    activity1_id BIGINT REFERENCES activities(id),
    activity2_id BIGINT REFERENCES activities(id),
    note         TEXT NOT NULL DEFAULT '',
    started_at   BIGINT NOT NULL
);

-- The history of entries learns the path `timer` (SQLite cannot change a CHECK: the table is
-- rebuilt with its rows; nothing refers to it).
CREATE TABLE effort_entry_history_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id        TEXT NOT NULL,
    changed_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    changed_by_name TEXT NOT NULL,
    changed_at      BIGINT NOT NULL,
    path            TEXT NOT NULL CHECK (path IN ('ui', 'api', 'import', 'cli', 'sync', 'timer')),
    before_json     TEXT,
    after_json      TEXT
);
INSERT INTO effort_entry_history_new (id, entry_id, changed_by, changed_by_name, changed_at, path, before_json, after_json)
    SELECT id, entry_id, changed_by, changed_by_name, changed_at, path, before_json, after_json FROM effort_entry_history;
DROP TABLE effort_entry_history;
ALTER TABLE effort_entry_history_new RENAME TO effort_entry_history;
CREATE INDEX effort_entry_history_entry ON effort_entry_history(entry_id, id);

-- The two activity levels' names (NULL: "Activity 1" / "Activity 2") and whether each is used
-- (the setup wizard and the effort settings set them; an unused level's column is hidden).
ALTER TABLE effort_settings ADD COLUMN activity1_label TEXT;
ALTER TABLE effort_settings ADD COLUMN activity2_label TEXT;
ALTER TABLE effort_settings ADD COLUMN activity1_used BIGINT NOT NULL DEFAULT 1;
ALTER TABLE effort_settings ADD COLUMN activity2_used BIGINT NOT NULL DEFAULT 1;
