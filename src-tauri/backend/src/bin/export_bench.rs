//! Benchmark of the attendance files (a benchmark that prints figures, not a test): for N users
//! over one month of stored records, each kind of table (monthly, timesheet, daily, ranking,
//! per-terminal) as CSV and as Excel, end to end (read from the database, build, write), in
//! seconds, with the process's private memory after each file and its peak.
//!
//! `cargo run --release -p kinmu --bin export_bench -- [--users 100000] [--days 30] [--db FILE]
//! [--from BASE.db] [--org-users 5000] [--only KINDS] [--formats csv,xlsx]`
//! With `--db FILE` an existing benchmark database is reused (its generation is the slow part:
//! logs are generated, imported and computed by the real attendance task).
//!
//! `--from BASE.db` (a database this benchmark made for fewer users, e.g. 3,000) makes `--db`
//! without logs: BASE's stored records (attendance_daily, attendance_monthly,
//! attendance_terminals, computed by the real task) are copied under new person keys
//! (`user000123-07`) until there are `--users` persons. The exports then read as many rows as
//! for that many users, but the values repeat BASE's; the events table is emptied.
//!
//! `--only timesheet,daily-month,…` writes only those tables (a kind, `-day` or `-month`);
//! `--formats csv` or `--formats xlsx` only those files.
//!
//! `--org-users K` gives the first K persons Kinmu users in one organisation and times the
//! console's first page of the monthly table for that organisation (what
//! `GET /api/v1/attendance/reports/monthly?month=…&organization_id=…&offset=0&limit=500` does
//! on the server, without HTTP).
//!
//! Files are written as `kinmu export` writes them: rows streamed from the database, split past
//! the limits of one file (Excel timesheets every 1,000 people).

use std::path::PathBuf;
use std::time::Instant;

use chrono::{NaiveDate, TimeZone};
use kinmu::accounts::Actor;
use kinmu::attendance::daily_task::{self, TaskControl};
use kinmu::attendance::reports::{self, CsvEncoding, FileFormat, Period, ReportRequest};
use kinmu::attendance::rule_settings;
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::pc_logs::import_file;
use kinmu_pc_logs::generator::SyntheticLogs;
use kinmu_pc_logs::import::alog_csv::write_alog_csv;
use kinmu_shared::Language;
use kinmu_shared::api::{AttendanceTaskSettings, DailyField, RankingItem, ReportKind, RetentionSettings, TableLayout, TaskTrigger};

/// The allocator of the `kinmu` server and command, which write these files.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The process's private resident memory (`RssAnon`), in MiB. The database file is read through
/// a memory map, whose pages are the system's file cache (shared, given back under pressure):
/// they count in `VmRSS` but are not the process's own memory.
fn private_memory() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The highest private memory seen, sampled every 10 ms, in KiB.
static PEAK_KIB: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn sample_peak_memory() {
    std::thread::spawn(|| {
        loop {
            let kib = (private_memory() * 1024.0) as u64;
            PEAK_KIB.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    });
}

#[tokio::main]
async fn main() {
    sample_peak_memory();
    let users: usize = arg("--users").and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let days: usize = arg("--days").and_then(|v| v.parse().ok()).unwrap_or(30);
    let first = NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
    let work = std::env::temp_dir().join(format!("kinmu-export-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("temp dir");
    let db_path = arg("--db").map(PathBuf::from).unwrap_or_else(|| work.join("bench.db"));
    if let Some(base) = arg("--from")
        && !db_path.exists()
    {
        replicate(std::path::Path::new(&base), &db_path, users).await;
    }
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
        let run =
            daily_task::begin(&db, &control, &Actor::Operator, TaskTrigger::Rebuild, first, last, now.timestamp()).await.expect("begin");
        let run = daily_task::execute(&db, &control, run, now, |_| {}).await;
        println!(
            "attendance task: {} daily records for {} days in {:.1} s ({:?})",
            run.daily_records,
            run.days_done,
            started.elapsed().as_secs_f64(),
            run.status
        );
    }
    if let Some(k) = arg("--org-users").and_then(|v| v.parse::<usize>().ok()) {
        first_page(&db, k).await;
    }
    let only: Option<Vec<String>> = arg("--only").map(|v| v.split(',').map(str::to_string).collect());
    let formats: Option<Vec<String>> = arg("--formats").map(|v| v.split(',').map(str::to_string).collect());
    let out = work.join("files");
    let day = Period::Day(first + chrono::Duration::days(14));
    let month = Period::Month(2024, 4);
    println!("{:<10} {:<6} {:>9} {:>6} {:>8} {:>9} {:>8}", "table", "file", "rows", "files", "MiB", "seconds", "private MiB");
    for (kind, period) in [
        (ReportKind::Monthly, month),
        (ReportKind::Timesheet, month),
        (ReportKind::Daily, day),
        (ReportKind::Daily, month),
        (ReportKind::Ranking, month),
        (ReportKind::Terminal, day),
        (ReportKind::Terminal, month),
    ] {
        let name = format!("{}-{}", kind.key(), if matches!(period, Period::Day(_)) { "day" } else { "month" });
        if only.as_ref().is_some_and(|o| !o.iter().any(|o| name.starts_with(o.as_str()))) {
            continue;
        }
        for format in [FileFormat::Csv, FileFormat::Xlsx] {
            if formats.as_ref().is_some_and(|f| !f.contains(&format.extension().to_string())) {
                continue;
            }
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
            let dir = out.join(format!("{}-{}-{}", kind.key(), period.label(), format.extension()));
            let base = dir.join(kind.key());
            let spec = reports::FileSpec {
                table: reports::Table { kind, period: period.label(), columns: req.layout.columns.clone(), rows: Vec::new() },
                format,
                header: true,
                encoding: CsvEncoding::Utf8Bom,
                language: Language::Ja,
                split: true,
                zip: false,
                extension: None,
                empty: Some(base.clone()),
            };
            let (_, written) = reports::export_files(
                &db,
                &Actor::Operator,
                &req,
                reports::file_grouping(kind, format),
                spec,
                Box::new(move |_| (String::new(), base.clone())),
            )
            .await
            .expect("files");
            let secs = started.elapsed().as_secs_f64();
            let rows: usize = written.iter().map(|f| f.rows).sum();
            let size: u64 = written.iter().map(|f| std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0)).sum();
            let rss = private_memory();
            println!(
                "{:<10} {:<6} {:>9} {:>6} {:>8.1} {:>9.2} {:>8.0}   ({})",
                kind.key(),
                format.extension(),
                rows,
                written.len(),
                size as f64 / 1048576.0,
                secs,
                rss,
                period.label()
            );
            std::fs::remove_dir_all(&dir).ok();
        }
    }
    let peak = PEAK_KIB.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1024.0;
    println!("peak private memory (sampled every 10 ms): {peak:.0} MiB");
    drop(db);
    std::fs::remove_dir_all(&work).ok();
}

/// Makes `path` from `base` with `users` persons (see the module's documentation).
async fn replicate(base: &std::path::Path, path: &std::path::Path, users: usize) {
    let started = Instant::now();
    // VACUUM INTO, not a file copy: what the base's write-ahead log still holds is copied too.
    let source = Db::open(&DatabaseUrl::parse(&format!("sqlite://{}", base.display())).expect("url"), 1).await.expect("base database");
    sqlx::query("VACUUM INTO $1").bind(path.display().to_string()).execute(&source.pool).await.expect("copy the base database");
    source.close().await;
    let db = Db::open(&DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("url"), 1).await.expect("database");
    sqlx::query("DELETE FROM attendance_events").execute(&db.pool).await.expect("events");
    let persons: Vec<String> = sqlx::query_scalar("SELECT DISTINCT person_key FROM attendance_monthly ORDER BY person_key")
        .fetch_all(&db.pool)
        .await
        .expect("persons");
    let n = persons.len().max(1);
    let copies = users.div_ceil(n);
    let copy = |table: &str, columns: &str, k: usize, below: &str| {
        let renamed = columns
            .replace("person_key,", &format!("person_key || '-{k:02}',"))
            .replace("account,", &format!("account || '-{k:02}',"))
            .replace("display_name,", &format!("display_name || '-{k:02}',"));
        format!("INSERT INTO {table} ({columns}) SELECT {renamed} FROM {table} WHERE person_key NOT LIKE '%-%' AND person_key < '{below}'")
    };
    let daily = DailyField::list(&DailyField::ALL);
    let monthly = "month, person_key, account, display_name, organization_id, late_count, early_leave_count, actual_work_minutes, \
        non_scheduled_work_minutes, overtime_minutes, regular_overtime_minutes, late_night_minutes, late_night_overtime_minutes, \
        late_minutes, early_leave_minutes, days_worked, holiday_days_worked, days_without_clock_in, days_without_clock_out, absent_days, run_id";
    let terminals = "work_date, person_key, terminal, account, display_name, first_logon_at, last_logoff_at, run_id";
    for k in 1..copies {
        // The last copy only as far as `users`.
        let wanted = (users - k * n).min(n);
        let below = if wanted >= n { "\u{10FFFF}".to_string() } else { persons[wanted].clone() };
        for (table, columns) in [("attendance_daily", daily.as_str()), ("attendance_monthly", monthly), ("attendance_terminals", terminals)]
        {
            sqlx::query(&copy(table, columns, k, &below)).execute(&db.pool).await.expect("copy");
        }
    }
    db.close().await;
    println!(
        "made {} from {} by copying its records: {users} persons, in {:.1} s (values repeat the base's)",
        path.display(),
        base.display(),
        started.elapsed().as_secs_f64()
    );
}

/// Gives the first `k` persons Kinmu users in one organisation, then times the first page of
/// the monthly table for that organisation, as the console's monthly tab asks for it.
async fn first_page(db: &Db, k: usize) {
    let org: Option<i64> =
        sqlx::query_scalar("SELECT id FROM organizations WHERE name = 'Bench'").fetch_optional(&db.pool).await.expect("org");
    let org = match org {
        Some(id) => id,
        None => {
            let id: i64 =
                sqlx::query_scalar("INSERT INTO organizations (name, parent_id, created_at) VALUES ('Bench', NULL, 0) RETURNING id")
                    .fetch_one(&db.pool)
                    .await
                    .expect("org");
            sqlx::query("INSERT INTO roles (name, builtin, permissions, created_at) SELECT 'Bench', NULL, '[]', 0 WHERE NOT EXISTS (SELECT 1 FROM roles)")
                .execute(&db.pool)
                .await
                .expect("role");
            sqlx::query(
                "INSERT INTO users (login, login_key, display_name, organization_id, role_id, language, time_zone, created_at, updated_at) \
                 SELECT person_key, person_key, display_name, $1, (SELECT MIN(id) FROM roles), 'ja', 'Asia/Tokyo', 0, 0 \
                 FROM attendance_monthly WHERE month = '2024-04' ORDER BY person_key LIMIT $2",
            )
            .bind(id)
            .bind(k as i64)
            .execute(&db.pool)
            .await
            .expect("users");
            sqlx::query("INSERT INTO user_log_accounts (account_key, account, user_id) SELECT login_key, login_key, id FROM users WHERE organization_id = $1")
                .bind(id)
                .execute(&db.pool)
                .await
                .expect("log accounts");
            sqlx::query("INSERT INTO user_role_history (user_id, role_id, valid_from) SELECT id, role_id, '1970-01-01' FROM users WHERE organization_id = $1")
                .bind(id)
                .execute(&db.pool)
                .await
                .expect("role history");
            id
        }
    };
    struct Page(usize, Vec<kinmu_shared::api::ReportRow>);
    impl reports::RowSink for Page {
        fn push(&mut self, row: reports::Row) -> kinmu::error::Result<()> {
            if self.1.len() < 500 {
                self.1.push(row.to_api());
            }
            self.0 += 1;
            Ok(())
        }
    }
    for _ in 0..3 {
        let started = Instant::now();
        let layout = reports::display_settings(db).await.expect("display").layout(ReportKind::Monthly).clone();
        let req = ReportRequest {
            kind: ReportKind::Monthly,
            period: Period::Month(2024, 4),
            organization_id: Some(org),
            user: None,
            terminal: None,
            ranking: RankingItem::Overtime,
            layout,
            language: Language::Ja,
        };
        let (_, page) = reports::stream(db, &Actor::Operator, &req, reports::Grouping::None, Page(0, Vec::new())).await.expect("page");
        println!(
            "monthly tab, organisation of {k} users: first page ({} of {} rows) in {:.0} ms",
            page.1.len(),
            page.0,
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}
