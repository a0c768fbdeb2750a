//! Kinmu's attendance engine: reads access logs (ALog CSV, Windows EVTX, JSON lines), applies
//! the attendance rules (after the ALog WorkTime manual, chapter 8) and computes daily, monthly
//! and per-terminal records. Pure: no database, no clock: every computation takes `now`, the
//! rules (with their time zone) and the holiday calendar as arguments.
//!
//! The usual flow of the backend's daily task:
//!
//! 1. [`read_events`] each uploaded log file, store each event once by [`LogEvent::event_key`],
//!    and keep the [`ImportError`]s to show;
//! 2. build the company's [`AttendanceRules`] (merged with an organisation's [`RulesOverride`]),
//!    [`AttendanceRules::validate`] them, and make a [`HolidayCalendar`];
//! 3. [`compute_run`] over the events of the period (or [`compute_user_days`] for one user), store
//!    the [`DailyRecord`]s and [`TerminalRecord`]s, and total each month with [`compute_month`].
#![warn(missing_docs)]

pub mod engine;
pub mod generator;
pub mod holidays;
pub mod import;
pub mod log_event;
pub mod rules;

pub use engine::attendance_day::{AttendanceDays, attendance_date, compute_user_days, group_by_user, group_into_days};
pub use engine::clock_log::{ClockLog, TerminalNames, event_identity, terminal_name};
pub use engine::daily::{ClockStamp, DailyRecord, compute_day, link_work_intervals};
pub use engine::monthly::{MonthlyRecord, compute_month};
pub use engine::run::{AttendanceRun, PersonLogs, RunOptions, compute_people, compute_run};
pub use engine::terminal::{TerminalRecord, compute_terminals};
pub use holidays::{HolidayCalendar, HolidayKind, NationalHoliday, national_holiday, national_holidays};
pub use import::format::{LogFormat, detect_format, read_events};
pub use import::{EventStream, ImportError, ImportResult};
pub use log_event::{Detail, DetailLookup, EventKey, LogEvent, SourcePosition, detail_fields};
pub use rules::{
    AttendanceRules, ClockTime, CorrectedDisplay, Correction, DetailMatch, HolidayRules, LogCondition, MissingLog, RuleError,
    RulesOverride, TimeRange, UserNameMode, UserNameRules,
};
