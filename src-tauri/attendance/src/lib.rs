//! Kinmu's attendance engine (pure): reads access logs, applies the attendance rules and
//! computes daily, monthly and per-terminal records.
#![warn(missing_docs)]

pub mod holidays;
pub mod import;
pub mod log_event;
pub mod rules;

pub use log_event::LogEvent;
