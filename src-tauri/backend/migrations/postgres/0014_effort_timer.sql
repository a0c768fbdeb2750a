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

-- The history of entries learns the path `timer`.
ALTER TABLE effort_entry_history DROP CONSTRAINT effort_entry_history_path_check;
ALTER TABLE effort_entry_history ADD CONSTRAINT effort_entry_history_path_check
    CHECK (path IN ('ui', 'api', 'import', 'cli', 'sync', 'timer'));

-- The two activity levels' names (NULL: "Activity 1" / "Activity 2") and whether each is used
-- (the setup wizard and the effort settings set them; an unused level's column is hidden).
ALTER TABLE effort_settings ADD COLUMN activity1_label TEXT;
ALTER TABLE effort_settings ADD COLUMN activity2_label TEXT;
ALTER TABLE effort_settings ADD COLUMN activity1_used BIGINT NOT NULL DEFAULT 1;
ALTER TABLE effort_settings ADD COLUMN activity2_used BIGINT NOT NULL DEFAULT 1;
