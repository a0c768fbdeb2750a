//! Attendance API bodies: the attendance task (its settings, runs and status) and stored records.
//! The rules themselves travel as the engine's `AttendanceRules` / `RulesOverride` JSON
//! (documented in `docs/attendance-rules.md`).

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// How long stored data is kept; 0 keeps it for ever. The maintenance step after each
/// attendance task applies it (manual 8.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RetentionSettings {
    /// Daily records (and per-terminal records), in days.
    pub daily_days: u32,
    /// Monthly records, in months.
    pub monthly_months: u32,
    /// Imported raw access-log events, in days. A day whose events are gone cannot be rebuilt.
    pub events_days: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self { daily_days: 760, monthly_months: 0, events_days: 400 }
    }
}

/// The attendance task's schedule (manual 8.2.6): once a day at `run_at` in the company's time
/// zone, disabled until an administrator enables it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AttendanceTaskSettings {
    /// Whether the daily run is on (off by default, so it cannot run before the rules are set).
    pub enabled: bool,
    /// Local time of the daily run, `HH:MM` (default 06:00: after a 05:00 day boundary).
    pub run_at: String,
    /// How many days up to yesterday each daily run computes again (late logs are taken in), 1–31.
    pub recompute_days: u32,
    /// Whether per-terminal records are computed too.
    pub terminals: bool,
    /// Retention of stored data.
    pub retention: RetentionSettings,
}

impl Default for AttendanceTaskSettings {
    fn default() -> Self {
        Self { enabled: false, run_at: "06:00".into(), recompute_days: 3, terminals: true, retention: RetentionSettings::default() }
    }
}

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskTrigger {
    /// The daily schedule.
    Scheduled,
    /// "Run now" (the scheduled range, now).
    Manual,
    /// A rebuild of a chosen date range (manual 8.3.6).
    Rebuild,
}

impl TaskTrigger {
    pub fn key(self) -> &'static str {
        match self {
            TaskTrigger::Scheduled => "scheduled",
            TaskTrigger::Manual => "manual",
            TaskTrigger::Rebuild => "rebuild",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [TaskTrigger::Scheduled, TaskTrigger::Manual, TaskTrigger::Rebuild].into_iter().find(|t| t.key() == key)
    }
}

/// How a run stands or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Running,
    /// Every day of the range was computed and stored.
    Completed,
    /// Stopped on request: the days done are stored, the others keep their previous records.
    Stopped,
    /// An error ended it (see the message); days stored before it are whole.
    Failed,
    /// The process ended during the run (found at the next start).
    Interrupted,
}

impl TaskStatus {
    pub fn key(self) -> &'static str {
        match self {
            TaskStatus::Running => "running",
            TaskStatus::Completed => "completed",
            TaskStatus::Stopped => "stopped",
            TaskStatus::Failed => "failed",
            TaskStatus::Interrupted => "interrupted",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [TaskStatus::Running, TaskStatus::Completed, TaskStatus::Stopped, TaskStatus::Failed, TaskStatus::Interrupted]
            .into_iter()
            .find(|t| t.key() == key)
    }
}

/// One run of the attendance task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskRun {
    pub id: i64,
    pub trigger: TaskTrigger,
    /// First and last attendance date computed, `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub status: TaskStatus,
    pub days_total: i64,
    pub days_done: i64,
    pub events_read: i64,
    pub daily_records: i64,
    /// Why it failed, or what was skipped.
    pub message: Option<String>,
}

/// `GET /attendance/task`: what runs now, the last runs, and when the next scheduled run is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskOverview {
    pub settings: AttendanceTaskSettings,
    /// The run in progress, if any.
    pub running: Option<TaskRun>,
    /// The latest runs, newest first.
    pub recent: Vec<TaskRun>,
    /// When the schedule will start the next run (none while disabled).
    pub next_run_at: Option<Timestamp>,
    /// The stored days a rebuild can compute again (their events are still kept): what a change
    /// of the rules leaves computed under the old rules until rebuilt. None when nothing is stored.
    #[serde(default)]
    pub rebuildable: Option<DateRange>,
}

/// Days from `from` to `to`, both included (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateRange {
    pub from: String,
    pub to: String,
}

/// `POST /attendance/task/run`: with no dates, the scheduled range (the last `recompute_days`
/// days up to yesterday); with both, a rebuild of `from`–`to` (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RunTask {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One day of a timesheet, from the stored daily record. Durations are minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimesheetDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Why the day is a holiday (`weekly`, `national`, `company`), if it is.
    pub holiday: Option<String>,
    /// Clock-in and clock-out as the rules show them (`8:55`, `*18:00`, or empty).
    pub clock_in: String,
    pub clock_out: String,
    pub clock_in_at: Option<Timestamp>,
    pub clock_out_at: Option<Timestamp>,
    pub actual_work_minutes: u32,
    pub non_scheduled_work_minutes: u32,
    pub overtime_minutes: u32,
    pub late_night_minutes: u32,
    pub late_night_overtime_minutes: u32,
    pub late_minutes: u32,
    pub early_leave_minutes: u32,
    pub work_interval_minutes: Option<i64>,
    pub absent: bool,
    pub missing_clock_in: bool,
    pub missing_clock_out: bool,
    pub in_progress: bool,
}

/// A month's totals (manual 8.6.1.3). Durations are minutes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthTotals {
    pub late_count: u32,
    pub early_leave_count: u32,
    pub actual_work_minutes: u64,
    pub non_scheduled_work_minutes: u64,
    pub overtime_minutes: u64,
    pub late_night_minutes: u64,
    pub late_night_overtime_minutes: u64,
    pub days_worked: u32,
    pub holiday_days_worked: u32,
    pub days_without_clock_in: u32,
    pub days_without_clock_out: u32,
    pub absent_days: u32,
}

/// `GET /attendance/timesheet`: one person's stored month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Timesheet {
    /// `YYYY-MM`.
    pub month: String,
    /// The name shown.
    pub name: String,
    /// The log users whose records these are (lower-case).
    pub log_users: Vec<String>,
    /// Days with a stored record, in date order (days not computed yet are absent).
    pub days: Vec<TimesheetDay>,
    pub totals: MonthTotals,
}

/// `GET /attendance/rules/organizations`: an organisation's departures from the company rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationRules {
    pub organization_id: i64,
    pub rules: crate::attendance_rules::RulesOverride,
}

/// `POST /attendance/rules/preview`: what `rules` (the engine's `AttendanceRules` JSON, unsaved)
/// give for `user` on `date`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesPreviewRequest {
    /// The rules to try, as `GET /attendance/rules` returns them.
    pub rules: serde_json::Value,
    /// A Kinmu login or a log user.
    pub user: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// A log line the preview read, and the role the rules gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewEvent {
    pub at: Timestamp,
    /// Local time, `YYYY-MM-DD HH:MM:SS`.
    pub local: String,
    pub user: String,
    pub host: String,
    pub target: String,
    pub operation: String,
    pub detail: String,
    /// `clock_in`, `clock_out`, `both` or `none`.
    pub role: String,
    /// Whether it was adopted as the day's logon or logoff.
    pub adopted: bool,
}

/// The preview's answer: the day as the rules compute it, and the log lines of that day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulesPreview {
    pub day: TimesheetDay,
    pub events: Vec<PreviewEvent>,
}

/// A holiday of the calendar page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayEntry {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The national holiday's name, or empty for a company day.
    pub name: String,
    /// `national`, `company` (added by the company) or `working` (a national holiday the company works).
    pub kind: String,
}

/// `GET /attendance/timesheet`: one person's month (default: oneself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimesheetQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `YYYY-MM`.
    pub month: String,
}

/// `GET /attendance/holidays`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayQuery {
    pub year: i32,
}
