//! The daily task's computation for every user at once, parallel over users.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::attendance_day::{compute_user_days_in_frames, frame_index, group_by_user};
use super::clock_log::{ClockLog, TerminalNames};
use super::daily::DailyRecord;
use super::day_frame::{DayFrame, minute_of};
use super::terminal::{TerminalRecord, terminals_in_frame};
use crate::holidays::HolidayCalendar;
use crate::rules::AttendanceRules;
use kinmu_pc_logs::log_event::LogEvent;

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

/// One person's clock logs, in any order.
#[derive(Debug, Clone, Default)]
pub struct PersonLogs {
    /// The person as records name them.
    pub person: String,
    /// The person's clock logs.
    pub logs: Vec<ClockLog>,
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
    let mut terminals = TerminalNames::new();
    // By name (a BTreeMap: people in name order); someone with no clock log has no record.
    let people: Vec<PersonLogs> = group_by_user(events, rules, display_names, false)
        .into_iter()
        .map(|(person, evs)| {
            let logs = evs.into_iter().filter_map(|e| ClockLog::of(e, rules, options.terminals.then_some(&mut terminals))).collect();
            PersonLogs { person, logs }
        })
        .filter(|p| !p.logs.is_empty())
        .collect();
    compute_people(&people, &terminals, dates, rules, calendar, now, options)
}

/// Computes the records of `people` for `dates` (see [`compute_run`]), every person under
/// `rules`, their terminals named in `terminals`. Records come out in the order of `people`.
pub fn compute_people(
    people: &[PersonLogs],
    terminals: &TerminalNames,
    dates: RangeInclusive<NaiveDate>,
    rules: &AttendanceRules,
    calendar: &HolidayCalendar,
    now: DateTime<Utc>,
    options: RunOptions,
) -> AttendanceRun {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let (first, last) = (*dates.start(), *dates.end());
    let Some(before) = first.pred_opt() else { return AttendanceRun::default() };
    let frames: Vec<DayFrame> = before.iter_days().take_while(|d| *d <= last).map(|d| DayFrame::new(d, rules, calendar)).collect();

    let work = |chunk: &[PersonLogs]| {
        let mut daily = Vec::new();
        let mut terminal_records = Vec::new();
        let mut future = 0usize;
        for p in chunk {
            if rules.excludes_account(&p.person) {
                // A system or machine account: not a person, no records.
                continue;
            }
            future += p.logs.iter().filter(|e| e.time > now).count();
            daily.extend(compute_user_days_in_frames(&p.person, &p.logs, &frames, rules, now));
            if options.terminals {
                // The logs of each wanted date (the first frame is the day before).
                let mut by_day: Vec<Vec<ClockLog>> = vec![Vec::new(); frames.len()];
                for e in &p.logs {
                    if e.time <= now {
                        if let Some(i) = frame_index(&frames, minute_of(e.time)) {
                            by_day[i].push(*e);
                        }
                    }
                }
                for (frame, logs) in frames.iter().zip(&by_day).skip(1) {
                    if !logs.is_empty() {
                        terminal_records.extend(terminals_in_frame(&p.person, frame, logs, terminals, now));
                    }
                }
            }
        }
        (daily, terminal_records, future)
    };
    let results = if threads > 1 && people.len() > 1 {
        let size = people.len().div_ceil(threads * 4).max(1);
        let chunks: Vec<_> = people.chunks(size).collect();
        std::thread::scope(|s| {
            let mut out = Vec::with_capacity(chunks.len());
            // A fixed pool of `threads` workers, each taking every threads-th chunk.
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let chunks = &chunks;
                    let work = &work;
                    s.spawn(move || chunks.iter().enumerate().skip(t).step_by(threads).map(|(i, c)| (i, work(c))).collect::<Vec<_>>())
                })
                .collect();
            for h in handles {
                out.extend(h.join().expect("worker thread"));
            }
            out.sort_by_key(|(i, _)| *i);
            out.into_iter().map(|(_, r)| r).collect::<Vec<_>>()
        })
    } else {
        vec![work(people)]
    };
    let mut run = AttendanceRun::default();
    for (d, t, f) in results {
        run.daily.extend(d);
        run.terminals.extend(t);
        run.future_events_ignored += f;
    }
    run
}
