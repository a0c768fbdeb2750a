//! Kinmu's attendance engine: from the PC log events of `kinmu-pc-logs`, applies
//! the attendance rules (after the ALog WorkTime manual, chapter 8) and computes daily, monthly
//! and per-terminal records. Pure: no database, no clock: every computation takes `now`, the
//! rules (with their time zone) and the holiday calendar as arguments.
//!
//! The usual flow of the backend's daily task:
//!
//! 1. `kinmu_pc_logs::read_events` each uploaded log file, store each event once by its
//!    `event_key`, and keep the import errors to show;
//! 2. build the company's [`AttendanceRules`] (merged with an organisation's [`RulesOverride`]),
//!    [`AttendanceRules::validate`] them, and make a [`HolidayCalendar`];
//! 3. [`compute_run`] over the events of the period (or [`compute_user_days`] for one user), store
//!    the [`DailyRecord`]s and [`TerminalRecord`]s, and total each month with [`compute_month`].
#![warn(missing_docs)]

pub mod engine;
pub mod holidays;
pub mod rules;

pub use engine::attendance_day::{AttendanceDays, attendance_date, compute_user_days, group_by_user, group_into_days};
pub use engine::clock_log::{ClockLog, TerminalNames, event_identity, terminal_name};
pub use engine::daily::{ClockStamp, DailyRecord, compute_day, link_work_intervals};
pub use engine::monthly::{MonthlyRecord, compute_month};
pub use engine::run::{AttendanceRun, PersonLogs, RunOptions, compute_people, compute_run};
pub use engine::terminal::{TerminalRecord, compute_terminals};
pub use holidays::{HolidayCalendar, HolidayKind, NationalHoliday, national_holiday, national_holidays};
pub use rules::{
    AttendanceRules, ClockRoles, ClockTime, CorrectedDisplay, Correction, DetailMatch, HolidayRules, LogCondition, MatchesLog, MissingLog,
    RuleError, RulesOverride, TimeRange, UserNameMode, UserNameRules,
};
