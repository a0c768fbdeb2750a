-- Each person's effort per day and report row (project, work item, activity 1 and 2): the sum of
-- the live entries' minutes and their count. Kept by effort::entries::save / delete in the same
-- transaction as the entry they change (the one place entries are written), so it always equals
-- a recount of effort_entries; the effort report (unrounded, and rounded per day and row) and a
-- project's plan read it instead of summing the entries. A row without a work item or activity
-- holds 0 there (0 is no id), so that the key has no nulls and one upsert keeps it.
CREATE TABLE effort_day_rows (
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    work_date    TEXT NOT NULL,
    project_id   BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    work_item_id BIGINT NOT NULL,
    activity1_id BIGINT NOT NULL,
    activity2_id BIGINT NOT NULL,
    minutes      BIGINT NOT NULL CHECK (minutes >= 0),
    entries      BIGINT NOT NULL CHECK (entries > 0),
    PRIMARY KEY (user_id, work_date, project_id, work_item_id, activity1_id, activity2_id)
);
-- The reports over a period, and a project's (its plan, its report).
CREATE INDEX effort_day_rows_date ON effort_day_rows(work_date);
CREATE INDEX effort_day_rows_project ON effort_day_rows(project_id, work_date);

-- The entries written before this table, summed.
INSERT INTO effort_day_rows (user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, entries)
SELECT user_id, work_date, project_id, COALESCE(work_item_id, 0), COALESCE(activity1_id, 0), COALESCE(activity2_id, 0),
       SUM(minutes), COUNT(*)
FROM effort_entries WHERE deleted_at IS NULL
GROUP BY user_id, work_date, project_id, COALESCE(work_item_id, 0), COALESCE(activity1_id, 0), COALESCE(activity2_id, 0);
