-- The effort timer (issue 18): at most one running timer per person, on a row of the week grid
-- (project, work item, activity 1, activity 2), with the note an entry it creates gets and the
-- instant it started (Unix seconds). Stopping it adds its minutes to the row's entries and
-- deletes the row; discarding deletes it.

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
