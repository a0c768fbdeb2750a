//! Attendance per terminal (端末別, manual 8.1.1.1.5): each terminal's first logon and last
//! logoff of the day, e.g. the office PC until 18:32, then the home PC 19:12–22:55.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::clock_log::{ClockLog, TerminalNames};
use super::day_frame::{DayFrame, minute_of};
use crate::holidays::HolidayCalendar;
use crate::rules::AttendanceRules;
use kinmu_pc_logs::log_event::LogEvent;

/// One user's use of one terminal on one attendance day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalRecord {
    /// The user (as shown).
    pub user: String,
    /// The attendance date.
    pub date: NaiveDate,
    /// The terminal: the detail field named by the rules' terminal key, else the target, else the host.
    pub terminal: String,
    /// The first clock-in log on this terminal.
    pub first_logon: Option<DateTime<Utc>>,
    /// The last clock-out log on this terminal (not before the first logon).
    pub last_logoff: Option<DateTime<Utc>>,
    /// Minutes from the first logon to the last logoff, when both exist.
    pub span_minutes: Option<u32>,
}

/// Per-terminal records of one user for `date` from the user's events of that attendance day
/// (others, and events after `now`, are ignored), sorted by first logon then terminal.
pub fn compute_terminals<'a>(
    user: &str,
    date: NaiveDate,
    events: impl IntoIterator<Item = &'a LogEvent>,
    rules: &AttendanceRules,
    calendar: &HolidayCalendar,
    now: DateTime<Utc>,
) -> Vec<TerminalRecord> {
    let frame = DayFrame::new(date, rules, calendar);
    let mut names = TerminalNames::new();
    let logs: Vec<ClockLog> = events.into_iter().filter_map(|e| ClockLog::of(e, rules, Some(&mut names))).collect();
    terminals_in_frame(user, &frame, &logs, &names, now)
}

/// [`compute_terminals`] from a user's clock logs, their terminals named in `names`.
pub(crate) fn terminals_in_frame(
    user: &str,
    frame: &DayFrame,
    logs: &[ClockLog],
    names: &TerminalNames,
    now: DateTime<Utc>,
) -> Vec<TerminalRecord> {
    // Per terminal: (first logon, last logoff).
    type FirstLast = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let mut per: BTreeMap<u32, FirstLast> = BTreeMap::new();
    for e in logs {
        let m = minute_of(e.time);
        if m < frame.start || m >= frame.end || e.time > now {
            continue;
        }
        if !e.clock_in && !e.clock_out {
            continue;
        }
        let entry = per.entry(e.terminal).or_default();
        if e.clock_in {
            entry.0 = Some(entry.0.map_or(e.time, |t| t.min(e.time)));
        }
        if e.clock_out {
            entry.1 = Some(entry.1.map_or(e.time, |t| t.max(e.time)));
        }
    }
    let date = frame.date;
    let mut out: Vec<TerminalRecord> = per
        .into_iter()
        .map(|(terminal, (on, off))| {
            let off = match (on, off) {
                (Some(i), Some(o)) if o < i => None,
                (_, o) => o,
            };
            let span = match (on, off) {
                (Some(i), Some(o)) => Some(((o - i).num_minutes()) as u32),
                _ => None,
            };
            TerminalRecord {
                user: user.to_string(),
                date,
                terminal: names.name(terminal).to_string(),
                first_logon: on,
                last_logoff: off,
                span_minutes: span,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.first_logon.or(a.last_logoff), &a.terminal).cmp(&(b.first_logon.or(b.last_logoff), &b.terminal)));
    out
}
