//! Splitting events into users and attendance days, and computing a user's days in a row.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};

use super::clock_log::ClockLog;
use super::daily::{DailyRecord, compute_in_frame, link_work_intervals};
use super::day_frame::{DayFrame, minute_of};
use crate::holidays::HolidayCalendar;
use crate::rules::{AttendanceRules, ClockRoles};
use kinmu_pc_logs::log_event::LogEvent;

/// The attendance date an instant belongs to: with a 05:00 boundary, 2024-04-02 04:59 local
/// time belongs to 2024-04-01.
pub fn attendance_date(time: DateTime<Utc>, rules: &AttendanceRules) -> NaiveDate {
    DayFrame::date_of(minute_of(time), rules)
}

/// One user's events split into attendance days.
#[derive(Debug, Clone, Default)]
pub struct AttendanceDays<'a> {
    /// Each attendance date with its events in time order (dates ascending).
    pub days: BTreeMap<NaiveDate, Vec<&'a LogEvent>>,
    /// Events after `now`, left out of `days` (to be reported).
    pub future: Vec<&'a LogEvent>,
}

/// Splits one user's events (any order) into attendance days by the day boundary; events
/// after `now` are set apart.
pub fn group_into_days<'a>(
    events: impl IntoIterator<Item = &'a LogEvent>,
    rules: &AttendanceRules,
    now: DateTime<Utc>,
) -> AttendanceDays<'a> {
    let mut out = AttendanceDays::default();
    for e in events {
        if e.time > now {
            out.future.push(e);
        } else {
            out.days.entry(attendance_date(e.time, rules)).or_default().push(e);
        }
    }
    for v in out.days.values_mut() {
        v.sort_by_key(|e| e.time);
    }
    out
}

/// Groups events by user as shown under the rules' user-name settings (`display_names` is
/// the directory for [`crate::rules::UserNameMode::DisplayName`]); the events of accounts that
/// are not people ([`AttendanceRules::excluded_accounts`]) are left out. Events that are neither
/// clock-in nor clock-out logs are left out when `attendance_only` is set.
pub fn group_by_user<'a>(
    events: impl IntoIterator<Item = &'a LogEvent>,
    rules: &AttendanceRules,
    display_names: &BTreeMap<String, String>,
    attendance_only: bool,
) -> BTreeMap<String, Vec<&'a LogEvent>> {
    // Each logged name's person, or None for an account that is not a person.
    let mut names: HashMap<&'a str, Option<String>> = HashMap::new();
    let mut out: BTreeMap<String, Vec<&'a LogEvent>> = BTreeMap::new();
    for e in events {
        if attendance_only {
            let (i, o) = rules.clock_roles(&e.operation, &e.detail);
            if !i && !o {
                continue;
            }
        }
        let name = names
            .entry(e.user.as_str())
            .or_insert_with(|| (!rules.excludes_account(&e.user)).then(|| rules.user_names.display(&e.user, display_names)));
        let Some(name) = name else { continue };
        match out.get_mut(name.as_str()) {
            Some(v) => v.push(e),
            None => {
                out.insert(name.clone(), vec![e]);
            }
        }
    }
    out
}

/// Computes one user's records for every date of `dates` (days without logs included, as
/// absent or holidays), with work intervals linked (the day before the first date is
/// computed too, for the first interval). `events` are the user's events, in any order.
pub fn compute_user_days<'a>(
    user: &str,
    events: impl IntoIterator<Item = &'a LogEvent>,
    dates: std::ops::RangeInclusive<NaiveDate>,
    rules: &AttendanceRules,
    calendar: &HolidayCalendar,
    now: DateTime<Utc>,
) -> Vec<DailyRecord> {
    let (first, last) = (*dates.start(), *dates.end());
    let Some(before) = first.pred_opt() else { return Vec::new() };
    let frames: Vec<DayFrame> = before.iter_days().take_while(|d| *d <= last).map(|d| DayFrame::new(d, rules, calendar)).collect();
    let logs: Vec<ClockLog> = events.into_iter().filter_map(|e| ClockLog::of(e, rules, None)).collect();
    compute_user_days_in_frames(user, &logs, &frames, rules, now)
}

/// The index of the frame holding `minute` (frames in time order), if any.
pub(crate) fn frame_index(frames: &[DayFrame], minute: i64) -> Option<usize> {
    let i = frames.partition_point(|f| f.end <= minute);
    (i < frames.len() && frames[i].start <= minute).then_some(i)
}

/// [`compute_user_days`] from the user's clock logs, with the frames computed once for all
/// users; `frames` start the day before the first date wanted and are consecutive.
pub(crate) fn compute_user_days_in_frames(
    user: &str,
    logs: &[ClockLog],
    frames: &[DayFrame],
    rules: &AttendanceRules,
    now: DateTime<Utc>,
) -> Vec<DailyRecord> {
    if frames.is_empty() {
        return Vec::new();
    }
    let mut by_day: Vec<Vec<ClockLog>> = vec![Vec::new(); frames.len()];
    let mut future_outside = 0u32;
    for e in logs {
        match frame_index(frames, minute_of(e.time)) {
            Some(i) => by_day[i].push(*e),
            None if e.time > now => future_outside += 1,
            None => {}
        }
    }
    let mut records: Vec<DailyRecord> = frames.iter().zip(&by_day).map(|(f, logs)| compute_in_frame(user, f, logs, rules, now)).collect();
    link_work_intervals(&mut records);
    records.remove(0);
    if let Some(last) = records.last_mut() {
        last.future_events_ignored += future_outside;
    }
    records
}
