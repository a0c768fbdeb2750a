-- Effort tracking (issue 18): projects with their members, work items as a tree, activities in two
-- levels, effort entries (UUIDs made by clients, versions raised by the server, tombstones) and
-- their history, periods with their approval and its history, gap reasons and explanations, and
-- the effort settings (the company's row has no organisation).

CREATE TABLE projects (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    code             TEXT NOT NULL,
    code_key         TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    client           TEXT NOT NULL DEFAULT '',
    manager_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    planned_start    TEXT,
    planned_end      TEXT,
    status           TEXT NOT NULL CHECK (status IN ('planning', 'active', 'closed')),
    allow_unassigned BIGINT NOT NULL DEFAULT 0,
    progress_mode    TEXT NOT NULL DEFAULT 'entered' CHECK (progress_mode IN ('entered', 'derived')),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

CREATE TABLE project_members (
    project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('manager', 'member')),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members(user_id);

CREATE TABLE work_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id       BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    parent_id        BIGINT REFERENCES work_items(id),
    name             TEXT NOT NULL,
    path             TEXT NOT NULL,
    path_key         TEXT NOT NULL,
    planned_minutes  BIGINT,
    planned_start    TEXT,
    planned_end      TEXT,
    milestone        BIGINT NOT NULL DEFAULT 0,
    progress_percent BIGINT,
    created_at       BIGINT NOT NULL,
    UNIQUE (project_id, path_key)
);
CREATE INDEX work_items_parent ON work_items(parent_id);

CREATE TABLE work_item_assignees (
    work_item_id BIGINT NOT NULL REFERENCES work_items(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (work_item_id, user_id)
);

CREATE TABLE activities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    level      BIGINT NOT NULL CHECK (level IN (1, 2)),
    code       TEXT NOT NULL,
    code_key   TEXT NOT NULL,
    name       TEXT NOT NULL,
    active     BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    UNIQUE (level, code_key)
);

CREATE TABLE project_activities (
    project_id  BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    activity_id BIGINT NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, activity_id)
);

CREATE TABLE effort_entries (
    id           TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    work_date    TEXT NOT NULL,
    project_id   BIGINT NOT NULL REFERENCES projects(id),
    work_item_id BIGINT REFERENCES work_items(id),
    activity1_id BIGINT REFERENCES activities(id),
    activity2_id BIGINT REFERENCES activities(id),
    minutes      BIGINT NOT NULL CHECK (minutes >= 0 AND minutes <= 1440),
    note         TEXT NOT NULL DEFAULT '',
    version      BIGINT NOT NULL,
    deleted_at   BIGINT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
-- The week grid and the day totals: a person's entries of a range of days.
CREATE INDEX effort_entries_user_date ON effort_entries(user_id, work_date);
CREATE INDEX effort_entries_work_item ON effort_entries(work_item_id);
CREATE INDEX effort_entries_project ON effort_entries(project_id);

-- Each person's effort per day, kept with every entry change: the 24-hour rule is one conditional
-- update of this row, so parallel saves of one day cannot pass it together.
CREATE TABLE effort_day_totals (
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    work_date TEXT NOT NULL,
    minutes   BIGINT NOT NULL CHECK (minutes >= 0),
    PRIMARY KEY (user_id, work_date)
);

CREATE TABLE effort_entry_history (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id        TEXT NOT NULL,
    changed_by      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    changed_by_name TEXT NOT NULL,
    changed_at      BIGINT NOT NULL,
    path            TEXT NOT NULL CHECK (path IN ('ui', 'api', 'import', 'cli', 'sync')),
    before_json     TEXT,
    after_json      TEXT
);
CREATE INDEX effort_entry_history_entry ON effort_entry_history(entry_id, id);

CREATE TABLE effort_periods (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('open', 'submitted', 'approved', 'sent_back', 'reopened')),
    submitted_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    submitted_at  BIGINT,
    approved_by   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    approved_at   BIGINT,
    comment       TEXT NOT NULL DEFAULT '',
    reopened_by   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    reopened_at   BIGINT,
    reopen_reason TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL,
    UNIQUE (user_id, period_start)
);
CREATE INDEX effort_periods_state ON effort_periods(state, period_start);

-- Every change of a period's state: who, when, and the comment or reason given.
CREATE TABLE effort_period_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    period_id  BIGINT NOT NULL REFERENCES effort_periods(id) ON DELETE CASCADE,
    action     TEXT NOT NULL CHECK (action IN ('submit', 'approve', 'send_back', 'reopen')),
    actor_id   BIGINT REFERENCES users(id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL,
    at         BIGINT NOT NULL,
    comment    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX effort_period_history_period ON effort_period_history(period_id, id);

CREATE TABLE effort_gap_reasons (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    active     BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

CREATE TABLE effort_gap_explanations (
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    work_date    TEXT NOT NULL,
    reason_id    BIGINT REFERENCES effort_gap_reasons(id),
    reason_text  TEXT NOT NULL DEFAULT '',
    explained_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, work_date)
);

CREATE TABLE effort_settings (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id       BIGINT UNIQUE REFERENCES organizations(id) ON DELETE CASCADE,
    period_unit           TEXT NOT NULL CHECK (period_unit IN ('month', 'week')),
    gap_threshold_minutes BIGINT NOT NULL CHECK (gap_threshold_minutes >= 0),
    future_days_allowed   BIGINT NOT NULL CHECK (future_days_allowed >= 0)
);
INSERT INTO effort_settings (organization_id, period_unit, gap_threshold_minutes, future_days_allowed) VALUES (NULL, 'month', 30, 0);
