//! The daily task's computation for every user at once, parallel over users.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::attendance_day::{compute_user_days_in_frames, group_by_user};
use super::daily::{DailyRecord, roles};
use super::day_frame::DayFrame;
use super::terminal::{TerminalRecord, compute_terminals};
use crate::holidays::HolidayCalendar;
use crate::log_event::LogEvent;
use crate::rules::AttendanceRules;

/// What the run computes besides daily records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunOptions {
    /// Also compute per-terminal records (costs time in proportion to terminals).
    pub terminals: bool,
    /// Worker threads; 0 = as many as the machine has.
    pub threads: usize,
}

/// The records of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceRun {
    /// Every user's record for every date, by user then date.
    pub daily: Vec<DailyRecord>,
    /// Per-terminal records (when asked for), by user, date, first logon.
    pub terminals: Vec<TerminalRecord>,
    /// Attendance events after `now`, ignored.
    pub future_events_ignored: usize,
}

/// Computes every user's records for `dates` from `events` (all users, any order; events
/// that are neither clock-in nor clock-out logs are skipped). Users are named and grouped
/// under the rules' user-name settings, `display_names` being the directory. Deterministic:
/// the same input gives the same output whatever the thread count.
pub fn compute_run(
    events: &[LogEvent],
    dates: RangeInclusive<NaiveDate>,
    rules: &AttendanceRules,
    calendar: &HolidayCalendar,
    display_names: &BTreeMap<String, String>,
    now: DateTime<Utc>,
    options: RunOptions,
) -> AttendanceRun {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // Filtering is the bulk of the work when most logs are unrelated: do it in parallel.
    let relevant: Vec<&LogEvent> = if threads > 1 && events.len() > 100_000 {
        let size = events.len().div_ceil(threads);
        std::thread::scope(|s| {
            let parts: Vec<_> = events
                .chunks(size)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .filter(|e| {
                                let (i, o) = roles(e, rules);
                                i || o
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts.into_iter().flat_map(|h| h.join().expect("filter thread")).collect()
        })
    } else {
        events
            .iter()
            .filter(|e| {
                let (i, o) = roles(e, rules);
                i || o
            })
            .collect()
    };
    let users: Vec<(String, Vec<&LogEvent>)> =
        group_by_user(relevant.iter().copied(), rules, display_names, false).into_iter().collect();
    let (first, last) = (*dates.start(), *dates.end());
    let Some(before) = first.pred_opt() else { return AttendanceRun::default() };
    let frames: Vec<DayFrame> =
        before.iter_days().take_while(|d| *d <= last).map(|d| DayFrame::new(d, rules, calendar)).collect();

    let work = |chunk: &[(String, Vec<&LogEvent>)]| {
        let mut daily = Vec::new();
        let mut terminals = Vec::new();
        let mut future = 0usize;
        for (user, evs) in chunk {
            future += evs.iter().filter(|e| e.time > now).count();
            daily.extend(compute_user_days_in_frames(user, evs.iter().copied(), &frames, rules, now));
            if options.terminals {
                let days = super::attendance_day::group_into_days(evs.iter().copied(), rules, now);
                for (date, devs) in days.days.range(first..=last) {
                    terminals.extend(compute_terminals(user, *date, devs.iter().copied(), rules, calendar, now));
                }
            }
        }
        (daily, terminals, future)
    };
    let results = if threads > 1 && users.len() > 1 {
        let size = users.len().div_ceil(threads * 4).max(1);
        let chunks: Vec<_> = users.chunks(size).collect();
        std::thread::scope(|s| {
            let mut out = Vec::with_capacity(chunks.len());
            // A fixed pool of `threads` workers, each taking every threads-th chunk.
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let chunks = &chunks;
                    let work = &work;
                    s.spawn(move || {
                        chunks.iter().enumerate().skip(t).step_by(threads).map(|(i, c)| (i, work(c))).collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                out.extend(h.join().expect("worker thread"));
            }
            out.sort_by_key(|(i, _)| *i);
            out.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
        })
    } else {
        vec![work(&users)]
    };
    let mut run = AttendanceRun::default();
    for (d, t, f) in results {
        run.daily.extend(d);
        run.terminals.extend(t);
        run.future_events_ignored += f;
    }
    run
}
