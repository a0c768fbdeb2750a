//! Attendance: the rules administrators set, and the attendance task that computes and stores
//! the records from the stored PC log events (see [`crate::pc_logs`]) with the engine in
//! `kinmu-attendance`; the tables, files and checks made from them.
//!
//! - [`agreement`]: the 36-agreement check and the break rule per person, for the console.
//! - [`rule_settings`]: the company's rules, organisation overrides, the task's schedule and retention.
//! - [`rules_preview`]: what unsaved rules give for a person and day; the holiday calendar.
//! - [`people`]: persons in the logs and the Kinmu users who own them.
//! - [`daily_task`]: the attendance task (scheduled, run now, rebuild, stop, status).
//! - [`retention`]: the maintenance step that deletes old records and events.
//! - [`reports`]: the monthly, timesheet, daily, ranking and per-terminal tables, as CSV and Excel.
//! - [`timesheet`]: one person's stored month, as the API and the command line show it.
//! - [`output_profiles`]: files of attendance tables written after each task and on demand.
//! - [`month_report`]: one person's month computed on the fly from the stored events.

pub mod agreement;
pub mod daily_task;
pub mod month_report;
pub mod output_profiles;
pub mod output_roots;
pub mod people;
pub mod period;
pub mod reports;
pub mod retention;
pub mod rule_settings;
pub mod rules_preview;
pub mod timesheet;

pub use month_report::{MonthReport, ReportError, month_report};
pub use period::parse_month;
