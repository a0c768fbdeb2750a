//! One user's attendance on one day (manual 8.6.1.3, items 15–25).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::clock_log::ClockLog;
use super::day_frame::{DayFrame, Span, instant_of, minute_of, offset_minutes, overlap, subtract};
use crate::holidays::{HolidayCalendar, HolidayKind};
use crate::rules::{AttendanceRules, CorrectedDisplay, Correction, MissingLog};
use kinmu_pc_logs::log_event::LogEvent;

/// A clock-in or clock-out time as adopted for the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStamp {
    /// The instant (UTC), after rounding or correction.
    pub time: DateTime<Utc>,
    /// The same instant as local time in the rules' time zone.
    pub local: NaiveDateTime,
    /// Whether the time was filled in by a missing-log correction (補正).
    pub corrected: bool,
    /// The text to show (`8:55`, `*18:00`, or empty), per the corrected-time display rule.
    pub text: String,
}

/// One user's attendance on one attendance day. Durations are whole minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyRecord {
    /// The user (as shown, per the user-name rules).
    pub user: String,
    /// The attendance date (the day runs from the boundary on this date to the boundary on the next).
    pub date: NaiveDate,
    /// Why the day is a holiday, if it is.
    pub holiday: Option<HolidayKind>,
    /// The time of the log adopted as logon (ログオン): the day's first clock-in log.
    pub logon: Option<DateTime<Utc>>,
    /// The time of the log adopted as logoff (ログオフ): the day's last clock-out log.
    pub logoff: Option<DateTime<Utc>>,
    /// Clock-in (出勤時刻): the logon rounded up, or the correction for a missing logon.
    pub clock_in: Option<ClockStamp>,
    /// Clock-out (退勤時刻): the logoff rounded down, or the correction for a missing logoff.
    pub clock_out: Option<ClockStamp>,
    /// Actual work (実労働時間): clock-in to clock-out less the breaks within it.
    pub actual_work_minutes: u32,
    /// Scheduled work of the day (所定労働時間): the schedule less breaks; 0 on holidays.
    pub scheduled_work_minutes: u32,
    /// Non-scheduled work (所定外労働時間): actual work beyond the scheduled work.
    pub non_scheduled_work_minutes: u32,
    /// Overtime (残業時間): actual work beyond the overtime threshold.
    pub overtime_minutes: u32,
    /// Overtime outside the late-night range (残業時間・通常).
    pub regular_overtime_minutes: u32,
    /// Actual work inside the late-night range (深夜労働時間).
    pub late_night_minutes: u32,
    /// Overtime inside the late-night range (深夜残業時間).
    pub late_night_overtime_minutes: u32,
    /// Late (遅刻): from the scheduled start to the clock-in, when later; 0 on holidays.
    pub late_minutes: u32,
    /// Early leave (早退): from the clock-out to the scheduled end, when earlier; 0 on holidays.
    pub early_leave_minutes: u32,
    /// Work interval (勤務間インターバル): from the previous day's clock-out to this clock-in;
    /// `None` when either is missing. Set by [`super::attendance_day::compute_user_days`] or
    /// [`link_work_intervals`].
    pub work_interval_minutes: Option<i64>,
    /// A working day that is over with no computable work (no logs, or a missing log set to absent).
    pub absent: bool,
    /// There was a clock-out log but no clock-in log (出勤記録のない日).
    pub missing_clock_in: bool,
    /// There was a clock-in log but no clock-out log, and the day is over (退勤記録のない日).
    pub missing_clock_out: bool,
    /// The day is not over at `now`: a missing clock-out is not corrected yet.
    pub in_progress: bool,
    /// Events after `now` that were ignored.
    pub future_events_ignored: u32,
    /// Events identical to an earlier one (same time, user, host, target, operation, detail) that were ignored.
    pub duplicate_events_ignored: u32,
}

impl DailyRecord {
    /// Whether the day has both a clock-in and a clock-out (logged or corrected): a day worked.
    pub fn worked(&self) -> bool {
        self.clock_in.is_some() && self.clock_out.is_some()
    }
}

/// Computes one user's attendance for `date` from `events` (the user's events of that
/// attendance day, in any order; others are ignored). Pure: `now` tells which events are in
/// the future (ignored and counted) and whether the day is over. The work interval is left
/// `None`; see [`link_work_intervals`].
pub fn compute_day<'a>(
    user: &str,
    date: NaiveDate,
    events: impl IntoIterator<Item = &'a LogEvent>,
    rules: &AttendanceRules,
    calendar: &HolidayCalendar,
    now: DateTime<Utc>,
) -> DailyRecord {
    let frame = DayFrame::new(date, rules, calendar);
    let logs: Vec<ClockLog> = events.into_iter().filter_map(|e| ClockLog::of(e, rules, None)).collect();
    compute_in_frame(user, &frame, &logs, rules, now)
}

fn round_up(minute: i64, unit: u32, tz: chrono_tz::Tz) -> i64 {
    if unit <= 1 {
        return minute;
    }
    let off = offset_minutes(minute, tz);
    let local = minute + off;
    let unit = i64::from(unit);
    (local + unit - 1).div_euclid(unit) * unit - off
}

fn round_down(minute: i64, unit: u32, tz: chrono_tz::Tz) -> i64 {
    if unit <= 1 {
        return minute;
    }
    let off = offset_minutes(minute, tz);
    let local = minute + off;
    let unit = i64::from(unit);
    local.div_euclid(unit) * unit - off
}

fn stamp(minute: i64, corrected: bool, missing: &MissingLog, tz: chrono_tz::Tz) -> ClockStamp {
    let time = instant_of(minute);
    let local = time.with_timezone(&tz).naive_local();
    let plain = local.format("%-H:%M").to_string();
    let text = match (corrected, missing.display) {
        (false, _) | (true, CorrectedDisplay::AsIs) => plain,
        (true, CorrectedDisplay::Marked) => format!("*{plain}"),
        (true, CorrectedDisplay::Blank) => String::new(),
    };
    ClockStamp { time, local, corrected, text }
}

/// One user's record for the day of `frame` from the user's clock logs (any order; those
/// outside the frame are ignored).
pub(crate) fn compute_in_frame(
    user: &str,
    frame: &DayFrame,
    logs: &[ClockLog],
    rules: &AttendanceRules,
    now: DateTime<Utc>,
) -> DailyRecord {
    // Relevant logs of the day, in time order, without duplicates or future ones.
    let mut future = 0u32;
    let mut relevant: Vec<ClockLog> = Vec::with_capacity(logs.len());
    for e in logs {
        if !e.clock_in && !e.clock_out {
            continue;
        }
        let m = minute_of(e.time);
        if m < frame.start || m >= frame.end {
            continue;
        }
        if e.time > now {
            future += 1;
            continue;
        }
        relevant.push(*e);
    }
    relevant.sort_unstable_by_key(|e| (e.time, e.identity));
    let before = relevant.len();
    relevant.dedup_by(|b, a| a.time == b.time && a.identity == b.identity);
    let duplicates = (before - relevant.len()) as u32;

    let logon = relevant.iter().find(|r| r.clock_in).map(|r| r.time);
    let last_in = relevant.iter().rev().find(|r| r.clock_in).map(|r| r.time);
    let mut logoff = relevant.iter().rev().find(|r| r.clock_out).map(|r| r.time);
    // A clock-out log before the first clock-in log does not end that work.
    if let (Some(i), Some(o)) = (logon, logoff) {
        if o < i {
            logoff = None;
        }
    }
    let over = minute_of(now) >= frame.end;
    let tz = frame.tz;
    let unit = rules.rounding_minutes;

    let mut clock_in = logon.map(|t| stamp(round_up(minute_of(t), unit, tz).min(frame.end), false, &rules.missing_clock_in, tz));
    let mut clock_out = logoff.map(|t| stamp(round_down(minute_of(t), unit, tz).max(frame.start), false, &rules.missing_clock_out, tz));
    let missing_clock_in = logon.is_none() && logoff.is_some();
    let missing_clock_out = logon.is_some() && logoff.is_none() && over;

    if missing_clock_in {
        let m = match rules.missing_clock_in.correction {
            Correction::ScheduledTime => Some(frame.schedule.0),
            Correction::DayBoundary => Some(frame.start),
            Correction::LastClockInLog | Correction::Absent => None,
        };
        clock_in = m.map(|m| stamp(m, true, &rules.missing_clock_in, tz));
    }
    if missing_clock_out {
        let m = match rules.missing_clock_out.correction {
            Correction::ScheduledTime => Some(frame.schedule.1),
            Correction::DayBoundary => Some(frame.end),
            Correction::LastClockInLog => last_in.map(|t| round_down(minute_of(t), unit, tz).max(frame.start)),
            Correction::Absent => None,
        };
        clock_out = m.map(|m| stamp(m, true, &rules.missing_clock_out, tz));
    }

    let holiday = frame.holiday.clone();
    let mut record = DailyRecord {
        user: user.to_string(),
        date: frame.date,
        holiday,
        logon,
        logoff,
        clock_in,
        clock_out,
        actual_work_minutes: 0,
        scheduled_work_minutes: if frame.holiday.is_some() { 0 } else { rules.scheduled_work_minutes() },
        non_scheduled_work_minutes: 0,
        overtime_minutes: 0,
        regular_overtime_minutes: 0,
        late_night_minutes: 0,
        late_night_overtime_minutes: 0,
        late_minutes: 0,
        early_leave_minutes: 0,
        work_interval_minutes: None,
        absent: false,
        missing_clock_in,
        missing_clock_out,
        in_progress: !over,
        future_events_ignored: future,
        duplicate_events_ignored: duplicates,
    };

    let (Some(ci), Some(co)) = (&record.clock_in, &record.clock_out) else {
        record.absent = over && frame.holiday.is_none();
        return record;
    };
    let (cin, cout) = (minute_of(ci.time), minute_of(co.time));
    let worked: Vec<Span> = if cout > cin { subtract(cin, cout, &frame.breaks) } else { Vec::new() };
    let actual: i64 = worked.iter().map(|(a, b)| b - a).sum();
    let threshold = i64::from(rules.overtime_threshold_minutes);
    // The work after the first `threshold` minutes is overtime.
    let mut overtime_spans = Vec::new();
    let mut seen = 0i64;
    for &(a, b) in &worked {
        let len = b - a;
        if seen + len > threshold {
            let from = a + (threshold - seen).max(0);
            overtime_spans.push((from, b));
        }
        seen += len;
    }
    let late_night = overlap(&worked, &frame.late_night);
    let late_night_overtime = overlap(&overtime_spans, &frame.late_night);
    let overtime = (actual - threshold).max(0);
    record.actual_work_minutes = actual as u32;
    record.non_scheduled_work_minutes = (actual - i64::from(record.scheduled_work_minutes)).max(0) as u32;
    record.overtime_minutes = overtime as u32;
    record.late_night_minutes = late_night as u32;
    record.late_night_overtime_minutes = late_night_overtime as u32;
    record.regular_overtime_minutes = (overtime - late_night_overtime) as u32;
    if frame.holiday.is_none() {
        let (s, e) = frame.schedule;
        record.late_minutes = (cin.min(e) - s).max(0) as u32;
        record.early_leave_minutes = (e - cout.max(s)).max(0) as u32;
    }
    record
}

/// Sets each record's work interval from the record of the calendar day before (records of
/// one user; any order). A record whose previous day is absent from `records`, or lacks a
/// clock-out, gets `None`.
pub fn link_work_intervals(records: &mut [DailyRecord]) {
    records.sort_by(|a, b| (&a.user, a.date).cmp(&(&b.user, b.date)));
    for i in 0..records.len() {
        let interval = if i == 0 {
            None
        } else {
            let (prev, cur) = (&records[i - 1], &records[i]);
            let consecutive = prev.user == cur.user && prev.date.succ_opt() == Some(cur.date);
            match (consecutive, &prev.clock_out, &cur.clock_in) {
                (true, Some(o), Some(c)) => Some((c.time - o.time).num_minutes()),
                _ => None,
            }
        };
        records[i].work_interval_minutes = interval;
    }
}
