-- Stored attendance records keep their values in columns only. The engine's record was also
-- stored whole as JSON (`record`, about 740 bytes a day): it repeated the columns and made a
-- daily row about five times as large, so every table and file read five times as many pages.
-- What the columns lacked is added: whether the day was still in progress when computed, and a
-- terminal's first logon and last logoff (seconds since the Unix epoch, UTC). A per-terminal row
-- also keeps the person's name as the daily row shows it, so its table needs no join.
--
-- SQLite rewrites both tables once (DROP COLUMN would rewrite them after ADD COLUMN and UPDATE).

CREATE TABLE attendance_daily_columns (
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
    in_progress                 BIGINT NOT NULL,
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
    run_id                      BIGINT NOT NULL,
    PRIMARY KEY (work_date, person_key)
) WITHOUT ROWID;

INSERT INTO attendance_daily_columns
SELECT work_date, person_key, account, display_name, organization_id, holiday, worked, absent, missing_clock_in,
       missing_clock_out, CASE WHEN json_extract(record, '$.in_progress') THEN 1 ELSE 0 END, holiday_kind, holiday_name,
       logon_at, logoff_at, clock_in_at, clock_out_at, clock_in_text, clock_out_text, work_interval_minutes,
       actual_work_minutes, non_scheduled_work_minutes, overtime_minutes, regular_overtime_minutes, late_night_minutes,
       late_night_overtime_minutes, late_minutes, early_leave_minutes, run_id
FROM attendance_daily;

DROP TABLE attendance_daily;
ALTER TABLE attendance_daily_columns RENAME TO attendance_daily;
CREATE INDEX attendance_daily_account ON attendance_daily(account, work_date);

CREATE TABLE attendance_terminals_columns (
    work_date       TEXT NOT NULL,
    person_key      TEXT NOT NULL,
    terminal        TEXT NOT NULL,
    account         TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    first_logon_at  BIGINT,
    last_logoff_at  BIGINT,
    run_id          BIGINT NOT NULL,
    PRIMARY KEY (work_date, person_key, terminal)
) WITHOUT ROWID;

INSERT INTO attendance_terminals_columns
SELECT t.work_date, t.person_key, t.terminal, t.account, COALESCE(d.display_name, t.person_key),
       unixepoch(json_extract(t.record, '$.first_logon')), unixepoch(json_extract(t.record, '$.last_logoff')), t.run_id
FROM attendance_terminals t
LEFT JOIN attendance_daily d ON d.work_date = t.work_date AND d.person_key = t.person_key;

DROP TABLE attendance_terminals;
ALTER TABLE attendance_terminals_columns RENAME TO attendance_terminals;
