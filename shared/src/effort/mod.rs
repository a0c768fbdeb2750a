//! Effort tracking's pure rules, shared by the server, the UI (wasm) and later the offline
//! desktop: how durations are typed and shown ([`duration`]), the period states and the lock rule
//! ([`period`]), the gap between effort and attended work ([`gap`]) and its monthly report ([`gap_report`]) and what an entry must respect
//! ([`entry_rules`]). No IO: callers pass today's date, settings and stored values in.

pub mod duration;
pub mod entry_rules;
pub mod gap;
pub mod gap_report;
pub mod period;

pub use duration::{BareNumber, DURATION_MAX_MINUTES, DurationError, format_minutes, parse_duration, parse_duration_with};
pub use entry_rules::{DAY_MAX_MINUTES, EntryRuleError};
pub use gap::{GapKind, GapMark};
pub use period::{PeriodAction, PeriodError, PeriodRoles, PeriodState, PeriodUnit};
