//! The frame of one attendance day: its bounds, schedule, breaks and late-night windows as
//! instants (whole minutes since the Unix epoch, UTC), computed once per date and shared by
//! every user.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::holidays::{HolidayCalendar, HolidayKind};
use crate::rules::{AttendanceRules, ClockTime, TimeRange};

/// Minutes since the Unix epoch (UTC), floored.
pub(crate) fn minute_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// The instant of a minute since the epoch.
pub(crate) fn instant_of(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minute * 60, 0).expect("minute in range")
}

/// The instant (in minutes) of local time `date` `time` in `tz`: the earlier one when the
/// clock goes back, the first existing minute after when it skips forward.
pub(crate) fn local_minute(date: NaiveDate, time: ClockTime, tz: Tz) -> i64 {
    let naive: NaiveDateTime = date.and_hms_opt(time.minutes() / 60, time.minutes() % 60, 0).expect("valid time");
    let mut probe = naive;
    for _ in 0..=4 * 60 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return minute_of(t.with_timezone(&Utc)),
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    minute_of(naive.and_utc())
}

/// The UTC offset in minutes in force at `minute` in `tz`.
pub(crate) fn offset_minutes(minute: i64, tz: Tz) -> i64 {
    i64::from(tz.offset_from_utc_datetime(&instant_of(minute).naive_utc()).fix().local_minus_utc()) / 60
}

/// A half-open range of minutes `[start, end)`.
pub(crate) type Span = (i64, i64);

/// Total overlap of `spans` with `windows` (each list free of self-overlap).
pub(crate) fn overlap(spans: &[Span], windows: &[Span]) -> i64 {
    let mut total = 0;
    for &(a, b) in spans {
        for &(c, d) in windows {
            let lo = a.max(c);
            let hi = b.min(d);
            if hi > lo {
                total += hi - lo;
            }
        }
    }
    total
}

/// `[from, to)` less the `holes` (sorted, disjoint), as sorted spans.
pub(crate) fn subtract(from: i64, to: i64, holes: &[Span]) -> Vec<Span> {
    let mut out = Vec::with_capacity(holes.len() + 1);
    let mut cursor = from;
    for &(c, d) in holes {
        if d <= cursor || c >= to {
            continue;
        }
        if c > cursor {
            out.push((cursor, c));
        }
        cursor = cursor.max(d);
    }
    if cursor < to {
        out.push((cursor, to));
    }
    out
}

/// Everything about one attendance date that does not depend on the user.
#[derive(Debug, Clone)]
pub(crate) struct DayFrame {
    pub date: NaiveDate,
    /// The day's start (the boundary on `date`) and end (the boundary on the next date).
    pub start: i64,
    pub end: i64,
    pub schedule: Span,
    /// Breaks, sorted and disjoint.
    pub breaks: Vec<Span>,
    /// Late-night windows that can touch the day.
    pub late_night: Vec<Span>,
    pub holiday: Option<HolidayKind>,
    pub tz: Tz,
}

impl DayFrame {
    pub fn new(date: NaiveDate, rules: &AttendanceRules, calendar: &HolidayCalendar) -> Self {
        let tz = rules.time_zone;
        let next = date.succ_opt().expect("date in range");
        let boundary = rules.day_boundary;
        // A clock time belongs to `date` from the boundary on, else to the next date.
        let at = |t: ClockTime, is_end: bool| {
            let on_date = t > boundary || (t == boundary && !is_end);
            local_minute(if on_date { date } else { next }, t, tz)
        };
        let range = |r: &TimeRange| {
            let s = at(r.start, false);
            let e = at(r.end, true);
            (s, e.max(s))
        };
        let schedule = range(&rules.schedule);
        let mut breaks: Vec<Span> = rules.breaks.iter().map(range).filter(|(s, e)| e > s).collect();
        breaks.sort();
        // Merge overlaps so that no minute is subtracted twice.
        let mut merged: Vec<Span> = Vec::with_capacity(breaks.len());
        for b in breaks {
            match merged.last_mut() {
                Some(last) if b.0 <= last.1 => last.1 = last.1.max(b.1),
                _ => merged.push(b),
            }
        }
        let mut late_night = Vec::with_capacity(3);
        if rules.late_night.start != rules.late_night.end {
            let prev = date.pred_opt().expect("date in range");
            for d in [prev, date, next] {
                let s = local_minute(d, rules.late_night.start, tz);
                let e_date = if rules.late_night.wraps_midnight() { d.succ_opt().expect("date") } else { d };
                let e = local_minute(e_date, rules.late_night.end, tz);
                if e > s {
                    late_night.push((s, e));
                }
            }
        }
        Self {
            date,
            start: local_minute(date, boundary, tz),
            end: local_minute(next, boundary, tz),
            schedule,
            breaks: merged,
            late_night,
            holiday: calendar.holiday(date),
            tz,
        }
    }

    /// The attendance date of the instant `minute` under `rules`.
    pub fn date_of(minute: i64, rules: &AttendanceRules) -> NaiveDate {
        let local = instant_of(minute).with_timezone(&rules.time_zone).naive_local();
        (local - Duration::minutes(i64::from(rules.day_boundary.minutes()))).date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_subtract_and_overlap() {
        assert_eq!(subtract(0, 100, &[(10, 20), (50, 60)]), vec![(0, 10), (20, 50), (60, 100)]);
        assert_eq!(subtract(15, 55, &[(10, 20), (50, 60)]), vec![(20, 50)]);
        assert_eq!(subtract(0, 10, &[(20, 30)]), vec![(0, 10)]);
        assert_eq!(overlap(&[(0, 10), (20, 30)], &[(5, 25)]), 10);
    }

    #[test]
    fn frame_of_a_default_day_in_tokyo() {
        let rules = AttendanceRules::default();
        let cal = HolidayCalendar::new(&rules.holidays, [2024]);
        let d = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        let f = DayFrame::new(d, &rules, &cal);
        let hm = |m: i64| instant_of(m).with_timezone(&rules.time_zone).format("%d %H:%M").to_string();
        assert_eq!((hm(f.start), hm(f.end)), ("01 05:00".into(), "02 05:00".into()));
        assert_eq!((hm(f.schedule.0), hm(f.schedule.1)), ("01 09:00".into(), "01 18:00".into()));
        assert_eq!(f.breaks.len(), 1);
        assert_eq!(f.late_night.iter().map(|w| hm(w.0)).collect::<Vec<_>>(), vec!["31 22:00", "01 22:00", "02 22:00"]);
        assert_eq!(DayFrame::date_of(f.start - 1, &rules), d.pred_opt().unwrap());
        assert_eq!(DayFrame::date_of(f.start, &rules), d);
        assert_eq!(DayFrame::date_of(f.end - 1, &rules), d);
    }
}
