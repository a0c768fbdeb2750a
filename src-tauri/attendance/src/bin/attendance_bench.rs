//! Benchmark after the manual's performance measurement (8.6.2): parsing a generated ALog CSV,
//! and computing every user's day for 3,000 and 100,000 users × 4 and 40 logon/logoff logs a
//! day among unrelated access logs.
//!
//! Build and run in release:
//! `CARGO_TARGET_DIR=target/attendance cargo run --release -p kinmu-attendance --bin attendance_bench [-- --quick] [--unrelated N] [--threads N]`

use std::collections::BTreeMap;
use std::io::Cursor;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone};
use kinmu_attendance::{AttendanceRules, HolidayCalendar, RunOptions, compute_run};
use kinmu_pc_logs::generator::SyntheticLogs;
use kinmu_pc_logs::import::alog_csv::{AlogCsvReader, TextEncoding, write_alog_csv};

fn arg(name: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let unrelated = arg("--unrelated").unwrap_or(if quick { 100_000 } else { 1_000_000 });
    let threads = arg("--threads").unwrap_or(0);
    let rules = AttendanceRules::default();
    let calendar = HolidayCalendar::new(&rules.holidays, [2024]);
    let date = NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
    let now = chrono_tz::Asia::Tokyo.with_ymd_and_hms(2024, 4, 3, 0, 0, 0).unwrap().to_utc();

    // Parsing: 3,000 users x 40 logs among the unrelated logs, as CSV text.
    let events = SyntheticLogs::new(3_000, 40, unrelated).generate();
    let mut csv = Vec::new();
    write_alog_csv(&mut csv, &events, rules.time_zone).expect("write csv");
    let started = Instant::now();
    let reader = AlogCsvReader::new(Cursor::new(csv.clone()), "bench.csv", rules.time_zone, TextEncoding::Detect).expect("reader");
    let (mut ok, mut bad) = (0usize, 0usize);
    for r in reader {
        if r.is_ok() { ok += 1 } else { bad += 1 }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "parse ALog CSV: {ok} events ({bad} errors), {:.1} MiB in {secs:.2} s = {:.0} events/s",
        csv.len() as f64 / 1048576.0,
        ok as f64 / secs
    );
    drop(csv);
    drop(events);

    let users_list: &[usize] = if quick { &[3_000] } else { &[3_000, 100_000] };
    for &users in users_list {
        for logs in [4usize, 40] {
            let events = SyntheticLogs::new(users, logs, unrelated).generate();
            let started = Instant::now();
            let run = compute_run(&events, date..=date, &rules, &calendar, &BTreeMap::new(), now, RunOptions { terminals: false, threads });
            let secs = started.elapsed().as_secs_f64();
            let worked = run.daily.iter().filter(|r| r.worked()).count();
            println!(
                "compute days: {users} users x {logs} logs/day + {unrelated} unrelated = {} events -> {} daily records ({worked} worked) in {secs:.2} s",
                events.len(),
                run.daily.len()
            );
            let started = Instant::now();
            let run = compute_run(&events, date..=date, &rules, &calendar, &BTreeMap::new(), now, RunOptions { terminals: true, threads });
            println!("  with per-terminal records ({}): {:.2} s", run.terminals.len(), started.elapsed().as_secs_f64());
        }
    }
}
