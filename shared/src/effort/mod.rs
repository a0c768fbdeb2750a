//! Effort tracking's pure rules, shared by the server, the UI (wasm) and later the offline
//! desktop: who approves a person's periods ([`approver`]), how durations are typed and shown
//! ([`duration`]), the period states and the lock rule ([`period`]), the gap between effort and
//! attended work ([`gap`]) and its monthly report ([`gap_report`]), what an entry must respect
//! ([`entry_rules`]), a project's plan against actual, earned value and cost ([`plan`]), the Gantt
//! chart's rows ([`schedule`]), a running timer's days ([`timer`]), which past days miss their effort
//! ([`missing`]), the effort report's groupings, filters and rounding ([`report`]), and the resource
//! view's planned hours per person and week against their working hours ([`resource`]). No IO:
//! callers pass today's date, `now`, the time zone, settings and stored values in.

pub mod approver;
pub mod duration;
pub mod entry_rules;
pub mod foreign_import;
pub mod gap;
pub mod gap_report;
pub mod missing;
pub mod period;
pub mod plan;
pub mod report;
pub mod resource;
pub mod schedule;
pub mod timer;

pub use approver::{OrgLevel, approver_of, chain_of};
pub use duration::{BareNumber, DURATION_MAX_MINUTES, DurationError, format_minutes, parse_duration, parse_duration_with};
pub use entry_rules::{DAY_MAX_MINUTES, EntryRuleError};
pub use gap::{GapKind, GapMark};
pub use missing::{lookback, missing_days};
pub use period::{PeriodAction, PeriodError, PeriodRoles, PeriodState, PeriodUnit};
pub use timer::{MidnightChoice, TimerError, TimerSegment, TimerSplit};
