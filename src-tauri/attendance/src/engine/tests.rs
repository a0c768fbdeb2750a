//! Worked examples of every rule; docs/attendance-rules.md quotes them by test name.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::holidays::{HolidayCalendar, HolidayKind};
use crate::rules::{AttendanceRules, CorrectedDisplay, Correction, LogCondition, MissingLog};
use crate::{RunOptions, compute_day, compute_month, compute_run, compute_terminals, compute_user_days};
use kinmu_pc_logs::log_event::{Detail, LogEvent, SourcePosition};

const USER: &str = "Domain\\Kawasaki";

fn at(s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    chrono_tz::Asia::Tokyo.from_local_datetime(&naive).unwrap().to_utc()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ev(time: &str, op: &str, terminal: &str) -> LogEvent {
    LogEvent {
        time: at(time),
        user: USER.into(),
        host: "DC001".into(),
        target: terminal.into(),
        operation: op.into(),
        detail: Detail::parse(&format!("ClientIP:169.254.123.159 ClientName: {terminal} Count:1 LogonType:Script")),
        source: SourcePosition { file: "test.csv".into(), position: 1 },
    }
}

fn later() -> DateTime<Utc> {
    at("2030-01-01 00:00")
}

fn calendar(rules: &AttendanceRules) -> HolidayCalendar {
    HolidayCalendar::new(&rules.holidays, [2024])
}

fn day(rules: &AttendanceRules, d: &str, events: &[LogEvent]) -> crate::DailyRecord {
    compute_day("Kawasaki", date(d), events, rules, &calendar(rules), later())
}

fn text(s: &Option<crate::ClockStamp>) -> &str {
    s.as_ref().map_or("-", |s| s.text.as_str())
}

#[test]
fn rounding_example_of_the_manual() {
    // 8.3.2: unit 5 min: logon 8:51 -> clock-in 8:55; logoff 18:12 -> clock-out 18:10.
    let rules = AttendanceRules { rounding_minutes: 5, ..AttendanceRules::default() };
    let r = day(&rules, "2024-04-01", &[ev("2024-04-01 08:51", "LOGON", "CLPC001"), ev("2024-04-01 18:12", "LOGOFF", "CLPC001")]);
    assert_eq!(r.logon, Some(at("2024-04-01 08:51")));
    assert_eq!(r.logoff, Some(at("2024-04-01 18:12")));
    assert_eq!((text(&r.clock_in), text(&r.clock_out)), ("8:55", "18:10"));
    assert_eq!(r.actual_work_minutes, 9 * 60 + 15 - 60);
    assert_eq!(r.overtime_minutes, 15);
    assert_eq!(r.non_scheduled_work_minutes, 15);
    assert_eq!((r.late_minutes, r.early_leave_minutes), (0, 0));
    // Without rounding the logged minutes are used as they are.
    let r = day(&AttendanceRules::default(), "2024-04-01", &[ev("2024-04-01 08:51", "LOGON", "A"), ev("2024-04-01 18:12", "LOGOFF", "A")]);
    assert_eq!((text(&r.clock_in), text(&r.clock_out)), ("8:51", "18:12"));
}

#[test]
fn late_and_early_leave() {
    let r = day(&AttendanceRules::default(), "2024-04-01", &[ev("2024-04-01 09:05", "LOGON", "A"), ev("2024-04-01 17:30", "LOGOFF", "A")]);
    assert_eq!((r.late_minutes, r.early_leave_minutes), (5, 30));
    assert_eq!(r.actual_work_minutes, 8 * 60 + 25 - 60);
    assert_eq!(r.overtime_minutes, 0);
    let m = compute_month("Kawasaki", 2024, 4, &[r]);
    assert_eq!((m.late_count, m.early_leave_count, m.days_worked), (1, 1, 1));
}

/// The manual's 8.3.3.1 example: 8/7 has a logon but no logoff, 8/8 a logoff but no logon.
fn missing_logs_days(missing_in: MissingLog, missing_out: MissingLog) -> Vec<crate::DailyRecord> {
    let rules = AttendanceRules { missing_clock_in: missing_in, missing_clock_out: missing_out, ..AttendanceRules::default() };
    let events = [ev("2024-08-07 09:00", "LOGON", "A"), ev("2024-08-08 18:00", "LOGOFF", "A")];
    compute_user_days("Okuno", &events, date("2024-08-07")..=date("2024-08-08"), &rules, &calendar(&rules), later())
}

#[test]
fn missing_logs_case_1_absent() {
    let absent = MissingLog { correction: Correction::Absent, display: CorrectedDisplay::Marked };
    let days = missing_logs_days(absent, absent);
    let (d7, d8) = (&days[0], &days[1]);
    assert_eq!((text(&d7.clock_in), text(&d7.clock_out)), ("9:00", "-"));
    assert_eq!((text(&d8.clock_in), text(&d8.clock_out)), ("-", "18:00"));
    for d in &days {
        assert_eq!((d.actual_work_minutes, d.overtime_minutes, d.late_minutes, d.early_leave_minutes), (0, 0, 0, 0));
        assert!(d.absent);
    }
    assert!(d7.missing_clock_out && d8.missing_clock_in);
    let m = compute_month("Okuno", 2024, 8, &days);
    assert_eq!((m.days_without_clock_in, m.days_without_clock_out, m.days_worked), (1, 1, 0));
}

#[test]
fn missing_logs_case_2_scheduled_time_marked() {
    let fix = MissingLog { correction: Correction::ScheduledTime, display: CorrectedDisplay::Marked };
    let days = missing_logs_days(fix, fix);
    let (d7, d8) = (&days[0], &days[1]);
    assert_eq!(text(&d7.clock_out), "*18:00");
    assert_eq!(text(&d8.clock_in), "*9:00");
    assert!(d7.clock_out.as_ref().unwrap().corrected && !d7.clock_in.as_ref().unwrap().corrected);
    assert_eq!((d7.actual_work_minutes, d8.actual_work_minutes), (480, 480));
    assert!(!d7.absent && !d8.absent);
    assert_eq!(d8.work_interval_minutes, Some(15 * 60), "8/7 18:00 to 8/8 9:00");
    let m = compute_month("Okuno", 2024, 8, &days);
    assert_eq!((m.days_without_clock_in, m.days_without_clock_out, m.days_worked), (1, 1, 2));
}

#[test]
fn missing_logs_case_3_day_boundary_unmarked() {
    let fix = MissingLog { correction: Correction::DayBoundary, display: CorrectedDisplay::AsIs };
    let days = missing_logs_days(fix, fix);
    let (d7, d8) = (&days[0], &days[1]);
    assert_eq!((text(&d7.clock_out), text(&d8.clock_in)), ("5:00", "5:00"));
    assert_eq!(d7.clock_out.as_ref().unwrap().time, at("2024-08-08 05:00"));
    // 8/7 9:00 to 8/8 5:00: 20 h less the 1 h break; 22:00-5:00 is late night, all overtime.
    assert_eq!(d7.actual_work_minutes, 19 * 60);
    assert_eq!(d7.late_night_minutes, 7 * 60);
    assert_eq!(d7.overtime_minutes, 11 * 60);
    assert_eq!(d7.late_night_overtime_minutes, 7 * 60);
    assert_eq!(d7.regular_overtime_minutes, 4 * 60);
    // 8/8 5:00 to 18:00 less the break.
    assert_eq!(d8.actual_work_minutes, 12 * 60);
    assert_eq!(d8.late_night_minutes, 0);
    assert_eq!(d8.work_interval_minutes, Some(0));
    // Blank display still computes.
    let blank = MissingLog { correction: Correction::DayBoundary, display: CorrectedDisplay::Blank };
    let days = missing_logs_days(blank, blank);
    assert_eq!((text(&days[0].clock_out), days[0].actual_work_minutes), ("", 19 * 60));
}

#[test]
fn missing_clock_out_filled_with_the_last_clock_in_log() {
    let rules = AttendanceRules {
        missing_clock_out: MissingLog { correction: Correction::LastClockInLog, display: CorrectedDisplay::Marked },
        ..AttendanceRules::default()
    };
    let r = day(&rules, "2024-04-01", &[ev("2024-04-01 09:00", "LOGON", "A"), ev("2024-04-01 13:30", "LOGON", "A")]);
    assert_eq!(text(&r.clock_out), "*13:30");
    assert_eq!(r.actual_work_minutes, 3 * 60 + 30);
    assert!(r.missing_clock_out);
}

#[test]
fn clock_out_includes_clock_in_logs_when_chosen() {
    let events = [ev("2024-04-01 09:00", "LOGON", "A"), ev("2024-04-01 17:00", "LOGOFF", "A"), ev("2024-04-01 19:00", "LOGON", "A")];
    let plain = day(&AttendanceRules::default(), "2024-04-01", &events);
    assert_eq!(text(&plain.clock_out), "17:00");
    let rules = AttendanceRules { clock_out_includes_clock_in: true, ..AttendanceRules::default() };
    let with = day(&rules, "2024-04-01", &events);
    assert_eq!(text(&with.clock_out), "19:00");
    assert!(!with.clock_out.as_ref().unwrap().corrected);
    assert_eq!(with.actual_work_minutes, 9 * 60);
}

#[test]
fn several_clock_in_definitions_are_or_joined() {
    let rules = AttendanceRules {
        clock_in: vec![
            LogCondition::operation_with("LOGON", "LogonType", "Script"),
            LogCondition::operation_with("UNLOCK", "LogonType", "Script"),
        ],
        ..AttendanceRules::default()
    };
    let r = day(
        &rules,
        "2024-04-01",
        &[ev("2024-04-01 08:40", "UNLOCK", "A"), ev("2024-04-01 09:00", "LOGON", "A"), ev("2024-04-01 18:00", "LOGOFF", "A")],
    );
    assert_eq!(text(&r.clock_in), "8:40");
    // Logs matching no definition (the default ignores UNLOCK) change nothing.
    let r = day(&AttendanceRules::default(), "2024-04-01", &[ev("2024-04-01 08:40", "UNLOCK", "A"), ev("2024-04-01 09:00", "LOGON", "A")]);
    assert_eq!(r.logon, Some(at("2024-04-01 09:00")));
}

#[test]
fn per_terminal_example_of_the_manual() {
    // 8.1.1.1.5: on 6/3 the office terminal until 18:32, then the home terminal 19:12-22:55.
    let rules = AttendanceRules::default();
    let events = [
        ev("2024-06-03 08:50", "LOGON", "CLI10-P-005"),
        ev("2024-06-03 12:05", "LOGOFF", "CLI10-P-005"),
        ev("2024-06-03 13:00", "LOGON", "CLI10-P-005"),
        ev("2024-06-03 18:32", "LOGOFF", "CLI10-P-005"),
        ev("2024-06-03 19:12", "LOGON", "CLI10-M-031"),
        ev("2024-06-03 22:55", "LOGOFF", "CLI10-M-031"),
    ];
    let t = compute_terminals("Kawasaki", date("2024-06-03"), &events, &rules, &calendar(&rules), later());
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].terminal.as_str(), t[0].first_logon, t[0].last_logoff),
        ("CLI10-P-005", Some(at("2024-06-03 08:50")), Some(at("2024-06-03 18:32")))
    );
    assert_eq!(
        (t[1].terminal.as_str(), t[1].first_logon, t[1].last_logoff),
        ("CLI10-M-031", Some(at("2024-06-03 19:12")), Some(at("2024-06-03 22:55")))
    );
    assert_eq!(t[1].span_minutes, Some(3 * 60 + 43));
    // The day as a whole runs from the first logon to the last logoff.
    let r = day(&rules, "2024-06-03", &events);
    assert_eq!((text(&r.clock_in), text(&r.clock_out)), ("8:50", "22:55"));
    assert_eq!(r.late_night_minutes, 55);
    assert_eq!(r.late_night_overtime_minutes, 55);
    // Without a terminal key the target names the terminal.
    let rules = AttendanceRules { terminal_key: None, ..AttendanceRules::default() };
    let t = compute_terminals("Kawasaki", date("2024-06-03"), &events, &rules, &calendar(&rules), later());
    assert_eq!(t[1].terminal, "CLI10-M-031");
}

#[test]
fn work_past_midnight_belongs_to_the_day_before_the_boundary() {
    let rules = AttendanceRules::default();
    let events = [ev("2024-04-01 09:00", "LOGON", "A"), ev("2024-04-02 01:30", "LOGOFF", "A")];
    let days = compute_user_days("K", &events, date("2024-04-01")..=date("2024-04-02"), &rules, &calendar(&rules), later());
    let (d1, d2) = (&days[0], &days[1]);
    assert_eq!(d1.clock_out.as_ref().unwrap().time, at("2024-04-02 01:30"));
    assert_eq!(d1.actual_work_minutes, 16 * 60 + 30 - 60);
    assert_eq!(d1.late_night_minutes, 3 * 60 + 30);
    assert_eq!(d1.overtime_minutes, 16 * 60 + 30 - 60 - 480);
    assert_eq!(d1.late_night_overtime_minutes, 3 * 60 + 30);
    assert!(d2.absent && d2.clock_in.is_none());
    assert_eq!(crate::attendance_date(at("2024-04-02 04:59"), &rules), date("2024-04-01"));
    assert_eq!(crate::attendance_date(at("2024-04-02 05:00"), &rules), date("2024-04-02"));
}

#[test]
fn a_holiday_worked() {
    let rules = AttendanceRules::default();
    let r = day(&rules, "2024-04-29", &[ev("2024-04-29 10:00", "LOGON", "A"), ev("2024-04-29 15:00", "LOGOFF", "A")]);
    assert_eq!(r.holiday, Some(HolidayKind::National("昭和の日".into())));
    assert_eq!(r.actual_work_minutes, 4 * 60);
    assert_eq!(r.scheduled_work_minutes, 0);
    assert_eq!(r.non_scheduled_work_minutes, 4 * 60);
    assert_eq!((r.late_minutes, r.early_leave_minutes), (0, 0));
    let sat = day(&rules, "2024-04-27", &[]);
    assert!(!sat.absent, "a holiday without logs is not an absence");
    let m = compute_month("Kawasaki", 2024, 4, &[r, sat]);
    assert_eq!((m.days_worked, m.holiday_days_worked, m.absent_days), (1, 1, 0));
}

#[test]
fn out_of_order_duplicate_and_future_events() {
    let rules = AttendanceRules::default();
    let events = [
        ev("2024-04-01 18:00", "LOGOFF", "A"),
        ev("2024-04-01 09:00", "LOGON", "A"),
        ev("2024-04-01 09:00", "LOGON", "A"),
        ev("2024-04-01 12:30", "LOGOFF", "A"),
    ];
    let cal = calendar(&rules);
    let r = compute_day("K", date("2024-04-01"), &events, &rules, &cal, later());
    assert_eq!((text(&r.clock_in), text(&r.clock_out), r.duplicate_events_ignored), ("9:00", "18:00", 1));
    // At 12:45 the 18:00 logoff is in the future: ignored, reported, and the day is in progress.
    let now = at("2024-04-01 12:45");
    let r = compute_day("K", date("2024-04-01"), &events, &rules, &cal, now);
    assert_eq!(r.future_events_ignored, 1);
    assert_eq!(text(&r.clock_out), "12:30");
    assert!(r.in_progress && !r.absent);
    let grouped = crate::group_into_days(&events, &rules, now);
    assert_eq!(grouped.future.len(), 1);
    // A logoff before the first logon ends nothing.
    let r = day(&rules, "2024-04-01", &[ev("2024-04-01 06:00", "LOGOFF", "A"), ev("2024-04-01 09:00", "LOGON", "A")]);
    assert!(r.logoff.is_none() && r.missing_clock_out);
}

#[test]
fn late_night_range_and_overtime_threshold_follow_the_rules() {
    let rules = AttendanceRules {
        overtime_threshold_minutes: 7 * 60,
        late_night: crate::TimeRange::new(crate::ClockTime::hm(20, 0), crate::ClockTime::hm(6, 0)),
        ..AttendanceRules::default()
    };
    let r = day(&rules, "2024-04-01", &[ev("2024-04-01 09:00", "LOGON", "A"), ev("2024-04-01 21:00", "LOGOFF", "A")]);
    assert_eq!(r.actual_work_minutes, 11 * 60);
    assert_eq!(r.overtime_minutes, 4 * 60);
    assert_eq!(r.late_night_minutes, 60);
    assert_eq!(r.late_night_overtime_minutes, 60);
    assert_eq!(r.non_scheduled_work_minutes, 3 * 60);
}

#[test]
fn monthly_totals() {
    let rules = AttendanceRules::default();
    let events = [
        ev("2024-04-01 09:10", "LOGON", "A"),
        ev("2024-04-01 19:00", "LOGOFF", "A"),
        ev("2024-04-02 08:55", "LOGON", "A"),
        ev("2024-04-02 17:00", "LOGOFF", "A"),
        ev("2024-04-03 09:00", "LOGON", "A"),
        ev("2024-04-04 18:30", "LOGOFF", "A"),
        ev("2024-04-06 10:00", "LOGON", "A"),
        ev("2024-04-06 12:00", "LOGOFF", "A"),
    ];
    let days = compute_user_days("K", &events, date("2024-04-01")..=date("2024-04-30"), &rules, &calendar(&rules), later());
    assert_eq!(days.len(), 30);
    let m = compute_month("K", 2024, 4, &days);
    assert_eq!((m.late_count, m.early_leave_count), (1, 1));
    assert_eq!(m.days_worked, 3);
    assert_eq!(m.holiday_days_worked, 1);
    assert_eq!((m.days_without_clock_in, m.days_without_clock_out), (1, 1));
    assert_eq!(m.actual_work_minutes, (530 + 425 + 120) as u64);
    assert_eq!(m.overtime_minutes, 50);
    // 22 working days in April 2024 (4/29 is a holiday); 2 of them worked.
    assert_eq!(m.absent_days, 19);
    assert_eq!(days[1].work_interval_minutes, Some(13 * 60 + 55));
}

#[test]
fn run_over_all_users_is_deterministic_whatever_the_threads() {
    let rules = AttendanceRules::default();
    let events = kinmu_pc_logs::generator::SyntheticLogs::new(40, 6, 500).generate();
    let cal = calendar(&rules);
    let dates = date("2024-04-01")..=date("2024-04-01");
    let names = BTreeMap::new();
    let one = compute_run(&events, dates.clone(), &rules, &cal, &names, later(), RunOptions { terminals: true, threads: 1 });
    let two = compute_run(&events, dates, &rules, &cal, &names, later(), RunOptions { terminals: true, threads: 3 });
    assert_eq!(one, two);
    assert_eq!(one.daily.len(), 40);
    assert!(one.daily.iter().all(|r| r.worked()));
    assert!(one.terminals.len() >= 40);
    assert_eq!(one.daily[0].user, "user000000");
}

#[test]
fn system_and_machine_accounts_make_no_attendance() {
    let mut rules = AttendanceRules::default();
    let as_user = |user: &str, time: &str, op: &str| LogEvent { user: user.into(), ..ev(time, op, "CLPC001") };
    let mut events = vec![ev("2024-04-01 08:51", "LOGON", "CLPC001"), ev("2024-04-01 18:02", "LOGOFF", "CLPC001")];
    for user in
        ["NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\ANONYMOUS LOGON", "LOCAL SERVICE", "DOMAIN\\CLPC001$", "Window Manager\\DWM-3", "UMFD-1"]
    {
        events.push(as_user(user, "2024-04-01 07:00", "LOGON"));
        events.push(as_user(user, "2024-04-01 23:00", "LOGOFF"));
    }
    let (cal, names, dates) = (calendar(&rules), BTreeMap::new(), date("2024-04-01")..=date("2024-04-01"));
    let run = compute_run(&events, dates.clone(), &rules, &cal, &names, later(), RunOptions { terminals: true, threads: 2 });
    let users: Vec<&str> = run.daily.iter().map(|r| r.user.as_str()).collect();
    assert_eq!(users, ["Kawasaki"], "only the person");
    assert!(run.terminals.iter().all(|t| t.user == "Kawasaki"));
    // With the list emptied, every account is computed as a person again.
    rules.excluded_accounts.clear();
    let run = compute_run(&events, dates, &rules, &cal, &names, later(), RunOptions { terminals: false, threads: 1 });
    assert_eq!(run.daily.len(), 7);
}
