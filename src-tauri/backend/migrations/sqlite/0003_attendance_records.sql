-- Attendance: per-organisation rule overrides, the records the attendance task stores, and the
-- task's runs. The company rules and the task settings live in `settings` as JSON.
--
-- A "person" is a user as found in the logs, keyed by `person_key` (the logged name lower-cased,
-- without its domain unless the rules show names with domains); `account` is the account
-- without domain, lower-cased. A Kinmu user owns the records whose person matches one of its
-- log account names, decided when the records are read, so records become a user's as soon
-- as the account name is added. Dates are `YYYY-MM-DD`, months `YYYY-MM`; `record` is the
-- engine's daily record as JSON; the columns beside it are for totals, filters and sorting.
-- Times (logon_at, logoff_at, clock_in_at, clock_out_at) are seconds since the Unix epoch (UTC);
-- clock_in_text and clock_out_text are the times as the rules show them (`8:55`, `*18:00`, blank);
-- holiday_kind is NULL on working days, else weekly, national (holiday_name is its name) or company.

CREATE TABLE attendance_rule_overrides (
    organization_id BIGINT PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
    rules           TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX attendance_events_time ON attendance_events(occurred_at);

CREATE TABLE attendance_daily (
    work_date                   TEXT NOT NULL,
    person_key                  TEXT NOT NULL,
    account                     TEXT NOT NULL,
    display_name                TEXT NOT NULL,
    organization_id             BIGINT,
    holiday                     BIGINT NOT NULL,
    worked                      BIGINT NOT NULL,
    absent                      BIGINT NOT NULL,
    missing_clock_in            BIGINT NOT NULL,
    missing_clock_out           BIGINT NOT NULL,
    holiday_kind                TEXT,
    holiday_name                TEXT NOT NULL,
    logon_at                    BIGINT,
    logoff_at                   BIGINT,
    clock_in_at                 BIGINT,
    clock_out_at                BIGINT,
    clock_in_text               TEXT NOT NULL,
    clock_out_text              TEXT NOT NULL,
    work_interval_minutes       BIGINT,
    actual_work_minutes         BIGINT NOT NULL,
    non_scheduled_work_minutes  BIGINT NOT NULL,
    overtime_minutes            BIGINT NOT NULL,
    regular_overtime_minutes    BIGINT NOT NULL,
    late_night_minutes          BIGINT NOT NULL,
    late_night_overtime_minutes BIGINT NOT NULL,
    late_minutes                BIGINT NOT NULL,
    early_leave_minutes         BIGINT NOT NULL,
    record                      TEXT NOT NULL,
    run_id                      BIGINT NOT NULL,
    PRIMARY KEY (work_date, person_key)
) WITHOUT ROWID;
CREATE INDEX attendance_daily_account ON attendance_daily(account, work_date);

-- Totals of attendance_daily per person and month (computed by the task with GROUP BY).
CREATE TABLE attendance_monthly (
    month                       TEXT NOT NULL,
    person_key                  TEXT NOT NULL,
    account                     TEXT NOT NULL,
    display_name                TEXT NOT NULL,
    organization_id             BIGINT,
    late_count                  BIGINT NOT NULL,
    early_leave_count           BIGINT NOT NULL,
    actual_work_minutes         BIGINT NOT NULL,
    non_scheduled_work_minutes  BIGINT NOT NULL,
    overtime_minutes            BIGINT NOT NULL,
    regular_overtime_minutes    BIGINT NOT NULL,
    late_night_minutes          BIGINT NOT NULL,
    late_night_overtime_minutes BIGINT NOT NULL,
    late_minutes                BIGINT NOT NULL,
    early_leave_minutes         BIGINT NOT NULL,
    days_worked                 BIGINT NOT NULL,
    holiday_days_worked         BIGINT NOT NULL,
    days_without_clock_in       BIGINT NOT NULL,
    days_without_clock_out      BIGINT NOT NULL,
    absent_days                 BIGINT NOT NULL,
    run_id                      BIGINT NOT NULL,
    PRIMARY KEY (month, person_key)
) WITHOUT ROWID;
CREATE INDEX attendance_monthly_account ON attendance_monthly(account, month);

CREATE TABLE attendance_terminals (
    work_date   TEXT NOT NULL,
    person_key  TEXT NOT NULL,
    terminal    TEXT NOT NULL,
    account     TEXT NOT NULL,
    record      TEXT NOT NULL,
    run_id      BIGINT NOT NULL,
    PRIMARY KEY (work_date, person_key, terminal)
) WITHOUT ROWID;

CREATE TABLE attendance_task_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger_kind  TEXT NOT NULL,
    from_date     TEXT NOT NULL,
    to_date       TEXT NOT NULL,
    requested_by  BIGINT,
    started_at    BIGINT NOT NULL,
    finished_at   BIGINT,
    status        TEXT NOT NULL,
    days_total    BIGINT NOT NULL,
    days_done     BIGINT NOT NULL DEFAULT 0,
    events_read   BIGINT NOT NULL DEFAULT 0,
    daily_records BIGINT NOT NULL DEFAULT 0,
    message       TEXT
);
CREATE INDEX attendance_task_runs_started ON attendance_task_runs(started_at);
