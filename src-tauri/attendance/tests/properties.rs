//! Property tests over random event streams and rules.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use kinmu_attendance::{
    AttendanceRules, ClockTime, CorrectedDisplay, Correction, HolidayCalendar, MissingLog, TimeRange, compute_day, compute_user_days,
};
use kinmu_pc_logs::{Detail, LogEvent, SourcePosition};
use proptest::prelude::*;

fn base() -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo.with_ymd_and_hms(2024, 4, 1, 0, 0, 0).unwrap().to_utc()
}

fn event(minute: i64, second: i64, logon: bool, host: u8) -> LogEvent {
    LogEvent {
        time: base() + Duration::minutes(minute) + Duration::seconds(second),
        user: "D\\u".into(),
        host: format!("PC{host}"),
        target: String::new(),
        operation: if logon { "LOGON" } else { "LOGOFF" }.into(),
        detail: Detail::parse("LogonType:Script"),
        source: SourcePosition { file: "p".into(), position: 0 },
    }
}

fn events() -> impl Strategy<Value = Vec<LogEvent>> {
    // Three days of minutes, so that events fall before, in and after 2024-04-01's day.
    prop::collection::vec((0i64..3 * 1440, 0i64..60, any::<bool>(), 0u8..3), 0..24)
        .prop_map(|v| v.into_iter().map(|(m, s, l, h)| event(m, s, l, h)).collect())
}

fn correction() -> impl Strategy<Value = Correction> {
    prop_oneof![Just(Correction::ScheduledTime), Just(Correction::DayBoundary), Just(Correction::LastClockInLog), Just(Correction::Absent)]
}

fn rules() -> impl Strategy<Value = AttendanceRules> {
    (
        (6u32..11, 0u32..4),
        (15u32..21, 0u32..4),
        0u32..=60,
        (0u32..5),
        (0u32..13 * 60),
        (18u32..24, 0u32..8),
        (correction(), correction(), any::<bool>()),
    )
        .prop_map(|((sh, sq), (eh, eq), rounding, boundary, threshold, (lns, lne), (ci, co, include))| {
            let ci = if ci == Correction::LastClockInLog { Correction::Absent } else { ci };
            AttendanceRules {
                schedule: TimeRange::new(ClockTime::hm(sh, sq * 15), ClockTime::hm(eh, eq * 15)),
                breaks: vec![TimeRange::new(ClockTime::hm(12, 0), ClockTime::hm(13, 0))],
                rounding_minutes: rounding,
                day_boundary: ClockTime::hm(boundary, 0),
                overtime_threshold_minutes: threshold,
                late_night: TimeRange::new(ClockTime::hm(lns, 0), ClockTime::hm(lne, 0)),
                missing_clock_in: MissingLog { correction: ci, display: CorrectedDisplay::Marked },
                missing_clock_out: MissingLog { correction: co, display: CorrectedDisplay::Blank },
                clock_out_includes_clock_in: include,
                ..AttendanceRules::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn daily_invariants(events in events(), rules in rules(), now_minute in 0i64..4 * 1440) {
        prop_assert_eq!(rules.validate(), Ok(()));
        let cal = HolidayCalendar::new(&rules.holidays, [2024]);
        let date = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        let now = base() + Duration::minutes(now_minute);
        let r = compute_day("u", date, &events, &rules, &cal, now);
        let actual = i64::from(r.actual_work_minutes);
        if let (Some(i), Some(o)) = (&r.clock_in, &r.clock_out) {
            // Actual work never exceeds the span from clock-in to clock-out.
            prop_assert!(actual <= (o.time - i.time).num_minutes().max(0));
        } else {
            prop_assert_eq!(actual, 0);
        }
        // Nor the attendance day.
        prop_assert!(actual <= 24 * 60);
        prop_assert!(r.late_night_minutes <= r.actual_work_minutes);
        prop_assert!(r.late_night_overtime_minutes <= r.late_night_minutes);
        prop_assert!(r.late_night_overtime_minutes <= r.overtime_minutes);
        prop_assert_eq!(i64::from(r.overtime_minutes), (actual - i64::from(rules.overtime_threshold_minutes)).max(0));
        prop_assert_eq!(r.regular_overtime_minutes + r.late_night_overtime_minutes, r.overtime_minutes);
        prop_assert!(r.non_scheduled_work_minutes <= r.actual_work_minutes);
        prop_assert!(!(r.absent && r.worked()));
        prop_assert!(!(r.missing_clock_in && r.missing_clock_out));
        if let Some(t) = r.logon { prop_assert!(t <= now); }
        if let Some(t) = r.logoff { prop_assert!(t <= now); }
        // Deterministic, and independent of the events' order.
        let mut reversed = events.clone();
        reversed.reverse();
        prop_assert_eq!(&compute_day("u", date, &reversed, &rules, &cal, now), &r);
        // Duplicating every event changes nothing but the duplicate count.
        let doubled: Vec<LogEvent> = events.iter().chain(events.iter()).cloned().collect();
        let mut d = compute_day("u", date, &doubled, &rules, &cal, now);
        d.duplicate_events_ignored = r.duplicate_events_ignored;
        d.future_events_ignored = r.future_events_ignored;
        prop_assert_eq!(d, r);
    }

    #[test]
    fn user_days_cover_every_date_and_intervals_are_consistent(events in events(), rules in rules()) {
        let cal = HolidayCalendar::new(&rules.holidays, [2024]);
        let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2024, 4, 3).unwrap();
        let now = base() + Duration::days(10);
        let days = compute_user_days("u", &events, first..=last, &rules, &cal, now);
        prop_assert_eq!(days.len(), 3);
        for w in days.windows(2) {
            prop_assert_eq!(w[0].date.succ_opt().unwrap(), w[1].date);
            if let (Some(o), Some(i), Some(gap)) = (&w[0].clock_out, &w[1].clock_in, w[1].work_interval_minutes) {
                prop_assert_eq!(gap, (i.time - o.time).num_minutes());
            }
        }
        for d in &days {
            prop_assert_eq!(&compute_day("u", d.date, &events, &rules, &cal, now).actual_work_minutes, &d.actual_work_minutes);
        }
    }
}
