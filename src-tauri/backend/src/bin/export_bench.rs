//! Benchmark of the attendance files (a benchmark that prints figures, not a test): for N users
//! over one month of stored records, each kind of table (monthly, timesheet, daily, ranking,
//! per-terminal) as CSV and as Excel, end to end (read from the database, build, write), in
//! seconds, with the process's memory after each file.
//!
//! `cargo run --release -p kinmu --bin export_bench -- [--users 100000] [--days 30] [--db FILE]`
//! With `--db FILE` an existing benchmark database is reused (its generation is the slow part:
//! logs are generated, imported and computed by the real attendance task).

use std::path::PathBuf;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone};
use kinmu::accounts::Actor;
use kinmu::attendance::daily_task::{self, TaskControl};
use kinmu::attendance::reports::{self, CsvEncoding, FileFormat, Period, ReportRequest};
use kinmu::attendance::{import_file, rule_settings};
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu_attendance::generator::SyntheticLogs;
use kinmu_attendance::import::alog_csv::write_alog_csv;
use kinmu_shared::Language;
use kinmu_shared::api::{AttendanceTaskSettings, RankingItem, ReportKind, RetentionSettings, TableLayout, TaskTrigger};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Resident and peak memory of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[tokio::main]
async fn main() {
    let users: usize = arg("--users").and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let days: usize = arg("--days").and_then(|v| v.parse().ok()).unwrap_or(30);
    let first = NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
    let work = std::env::temp_dir().join(format!("kinmu-export-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let db_path = arg("--db").map(PathBuf::from).unwrap_or_else(|| work.join("bench.db"));
    let fresh = !db_path.exists();
    let db = Db::open(&DatabaseUrl::parse(&format!("sqlite://{}", db_path.display())).expect("url"), 4).await.expect("database");
    let tz = chrono_tz::Asia::Tokyo;
    if fresh {
        // Keep everything (the month is in the past) and compute per-terminal records.
        let settings = AttendanceTaskSettings {
            retention: RetentionSettings { daily_days: 0, monthly_months: 0, events_days: 0 },
            ..AttendanceTaskSettings::default()
        };
        rule_settings::save_task_settings(&db, &Actor::Operator, settings).await.expect("settings");
        let started = Instant::now();
        let mut events = 0u64;
        for d in 0..days {
            let date = first + chrono::Duration::days(d as i64);
            let logs = SyntheticLogs { first_date: date, days: 1, seed: 42 + d as u64, ..SyntheticLogs::new(users, 2, 0) }.generate();
            let file = work.join(format!("day{d:02}.csv"));
            let mut out = std::io::BufWriter::new(std::fs::File::create(&file).expect("csv"));
            write_alog_csv(&mut out, &logs, tz).expect("write csv");
            drop(out);
            let s = import_file(&db, &file, None, tz, 0, |_| {}).await.expect("import");
            events += s.imported;
            std::fs::remove_file(&file).ok();
        }
        println!("generated and imported {events} events for {users} users x {days} days in {:.1} s", started.elapsed().as_secs_f64());
        let started = Instant::now();
        let control = TaskControl::new();
        let last = first + chrono::Duration::days(days as i64 - 1);
        let now = tz.from_local_datetime(&(last + chrono::Duration::days(2)).and_hms_opt(12, 0, 0).expect("noon")).unwrap().to_utc();
        let run = daily_task::begin(&db, &control, &Actor::Operator, TaskTrigger::Rebuild, first, last, now.timestamp()).await.expect("begin");
        let run = daily_task::execute(&db, &control, run, now, |_| {}).await;
        println!(
            "attendance task: {} daily records for {} days in {:.1} s ({:?})",
            run.daily_records,
            run.days_done,
            started.elapsed().as_secs_f64(),
            run.status
        );
    }
    let out = work.join("files");
    let day = Period::Day(first + chrono::Duration::days(14));
    let month = Period::Month(2024, 4);
    println!("{:<10} {:<6} {:>9} {:>8} {:>9} {:>9} {:>9} {:>8}", "table", "file", "rows", "MiB", "seconds", "(read)", "(write)", "RSS MiB");
    for (kind, period) in [
        (ReportKind::Monthly, month),
        (ReportKind::Timesheet, month),
        (ReportKind::Daily, day),
        (ReportKind::Ranking, month),
        (ReportKind::Terminal, day),
    ] {
        for format in [FileFormat::Csv, FileFormat::Xlsx] {
            let started = Instant::now();
            let req = ReportRequest {
                kind,
                period,
                organization_id: None,
                user: None,
                terminal: None,
                ranking: RankingItem::Overtime,
                layout: TableLayout::default_for(kind),
                language: Language::Ja,
            };
            let table = reports::build(&db, &Actor::Operator, &req).await.expect("table");
            let read = started.elapsed().as_secs_f64();
            let rows: Vec<&reports::Row> = table.rows.iter().collect();
            let path = out.join(format!("{}.{}", kind.key(), format.extension()));
            reports::write_file(&table, &rows, format, true, CsvEncoding::Utf8Bom, Language::Ja, &path).expect("file");
            let secs = started.elapsed().as_secs_f64();
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0;
            let (rss, _) = memory();
            println!(
                "{:<10} {:<6} {:>9} {:>8.1} {:>9.2} {:>9.2} {:>9.2} {:>8.0}",
                kind.key(),
                format.extension(),
                rows.len(),
                size,
                secs,
                read,
                secs - read,
                rss
            );
            drop(rows);
            drop(table);
            std::fs::remove_file(&path).ok();
        }
    }
    let (_, peak) = memory();
    println!("peak memory: {peak:.0} MiB");
    drop(db);
    std::fs::remove_dir_all(&work).ok();
}
