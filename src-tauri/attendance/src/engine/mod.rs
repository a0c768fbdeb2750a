//! The pure attendance computation: from one user's events to daily, monthly and
//! per-terminal records. No clock, no IO: `now`, the rules and the calendar are arguments.

pub mod attendance_day;
pub mod clock_log;
pub mod daily;
pub(crate) mod day_frame;
pub mod monthly;
pub mod run;
pub mod terminal;

#[cfg(test)]
mod tests;
