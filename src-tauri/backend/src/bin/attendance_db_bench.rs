//! Benchmark of the attendance data path through the database, after the manual's performance
//! measurement (8.6.2): for 3,000 and 100,000 users × 4 and 40 logon/logoff logs a day among
//! 5,000,000 other access logs (one day, 2024-04-01, Tokyo), it writes the generated logs as an
//! ALog CSV file, imports the file into a fresh database (`import_file`, as `kinmu import`
//! does), then runs the attendance task for that day (`daily_task::begin` + `execute`, as a
//! rebuild does). It prints figures, never asserts on them.
//!
//! ```text
//! CARGO_TARGET_DIR=target/bench cargo run --release -p kinmu --bin attendance_db_bench -- \
//!     [--quick] [--scenario 3000x4,3000x40,100000x4,100000x40] [--unrelated N] \
//!     [--engines sqlite,postgres] [--postgres-url postgres://user@host:port/db] [--dir DIR]
//! ```
//!
//! `--quick` makes 100,000 unrelated logs instead of 5,000,000. PostgreSQL needs `--postgres-url`
//! (or `KINMU_BENCH_POSTGRES_URL`): a server whose user may create databases; each scenario
//! gets a new database, dropped afterwards. `scripts/bench-attendance` starts a throwaway
//! server and runs both engines. Files go in a new folder under `--dir` (default: the system's
//! temporary folder), removed at the end.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{NaiveDate, TimeZone, Utc};
use kinmu::accounts::Actor;
use kinmu::attendance::daily_task::{self, TaskControl};
use kinmu::config::{DatabaseKind, DatabaseUrl};
use kinmu::database::Db;
use kinmu::pc_logs::import_file;
use kinmu_pc_logs::generator::SyntheticLogs;
use kinmu_pc_logs::import::alog_csv::AlogCsvWriter;
use kinmu_pc_logs::{LogFormat, read_events};
use kinmu_shared::api::{TaskStatus, TaskTrigger};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The same allocator as the `kinmu` command (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;
const SCENARIOS: [(usize, usize); 4] = [(3_000, 4), (3_000, 40), (100_000, 4), (100_000, 40)];

struct Options {
    scenarios: Vec<(usize, usize)>,
    unrelated: usize,
    engines: Vec<DatabaseKind>,
    postgres_url: Option<String>,
    dir: PathBuf,
    parse_only: bool,
    time_order: bool,
    keep: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: attendance_db_bench [--quick] [--scenario USERSxLOGS,…] [--unrelated N] [--engines sqlite,postgres] \
         [--postgres-url URL] [--dir DIR] [--no-parse] [--time-order] [--keep]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Options {
        scenarios: SCENARIOS.to_vec(),
        unrelated: 5_000_000,
        engines: vec![DatabaseKind::Sqlite, DatabaseKind::Postgres],
        postgres_url: std::env::var("KINMU_BENCH_POSTGRES_URL").ok(),
        dir: std::env::temp_dir(),
        parse_only: true,
        time_order: false,
        keep: false,
    };
    let mut unrelated = None;
    let mut quick = false;
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).cloned().unwrap_or_else(|| usage());
        match args[i].as_str() {
            "--quick" => quick = true,
            "--no-parse" => o.parse_only = false,
            "--time-order" => o.time_order = true,
            "--keep" => o.keep = true,
            "--scenario" | "--scenarios" => {
                o.scenarios = value(i)
                    .split(',')
                    .map(|s| {
                        let (u, l) = s.trim().split_once('x').unwrap_or_else(|| usage());
                        (u.replace('_', "").parse().unwrap_or_else(|_| usage()), l.parse().unwrap_or_else(|_| usage()))
                    })
                    .collect();
                i += 1;
            }
            "--unrelated" => {
                unrelated = Some(value(i).replace('_', "").parse().unwrap_or_else(|_| usage()));
                i += 1;
            }
            "--engines" | "--engine" => {
                o.engines = value(i)
                    .split(',')
                    .map(|e| match e.trim() {
                        "sqlite" => DatabaseKind::Sqlite,
                        "postgres" | "postgresql" | "pg" => DatabaseKind::Postgres,
                        _ => usage(),
                    })
                    .collect();
                i += 1;
            }
            "--postgres-url" => {
                o.postgres_url = Some(value(i));
                i += 1;
            }
            "--dir" => {
                o.dir = PathBuf::from(value(i));
                i += 1;
            }
            "-h" | "--help" => usage(),
            _ => usage(),
        }
        i += 1;
    }
    o.unrelated = unrelated.unwrap_or(if quick { 100_000 } else { 5_000_000 });
    if o.engines.contains(&DatabaseKind::Postgres) && o.postgres_url.is_none() {
        eprintln!("attendance_db_bench: PostgreSQL needs --postgres-url (or KINMU_BENCH_POSTGRES_URL), or use --engines sqlite");
        std::process::exit(2);
    }
    o
}

/// The phase timings the task logs at its end ("attendance task phases").
#[derive(Debug, Clone, Default)]
struct Phases {
    fields: Vec<(String, u64)>,
}

struct PhaseCapture(Arc<Mutex<Phases>>);

impl<S: tracing::Subscriber> Layer<S> for PhaseCapture {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        struct Fields {
            message: String,
            values: Vec<(String, u64)>,
        }
        impl Visit for Fields {
            fn record_u64(&mut self, field: &Field, value: u64) {
                self.values.push((field.name().to_string(), value));
            }
            fn record_i64(&mut self, field: &Field, value: i64) {
                self.values.push((field.name().to_string(), value.max(0) as u64));
            }
            fn record_str(&mut self, field: &Field, value: &str) {
                if field.name() == "message" {
                    self.message = value.to_string();
                }
            }
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.message = format!("{value:?}");
                }
            }
        }
        let mut f = Fields { message: String::new(), values: Vec::new() };
        event.record(&mut f);
        if f.message == "attendance task phases" {
            *self.0.lock().expect("phases") = Phases { fields: f.values.into_iter().filter(|(k, _)| k.ends_with("_ms")).collect() };
        }
    }
}

/// One figure line of the final table.
struct Row {
    scenario: String,
    engine: &'static str,
    events: u64,
    import_secs: f64,
    task_secs: f64,
    records: i64,
}

/// CPU seconds this process has used (all threads; Linux, else 0): beside the elapsed time,
/// since another load on the machine stretches the elapsed time more than the CPU time.
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // The fields after the command name (which is in parentheses and may hold spaces).
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else { return 0.0 };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}

fn engine_name(kind: DatabaseKind) -> &'static str {
    match kind {
        DatabaseKind::Sqlite => "SQLite",
        DatabaseKind::Postgres => "PostgreSQL",
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Writes the scenario's logs to `path` in the generator's order, or in time order (as a log
/// server writes them; the events are held in memory to be sorted); returns the number of lines
/// and bytes.
fn write_logs(logs: &SyntheticLogs, path: &Path, time_order: bool) -> std::io::Result<(u64, u64)> {
    let mut w = AlogCsvWriter::new(BufWriter::with_capacity(1 << 20, File::create(path)?), TOKYO)?;
    if time_order {
        let mut events = logs.generate();
        events.sort_by_key(|e| e.time);
        for e in &events {
            w.write(e)?;
        }
        w.finish()?;
        return Ok((events.len() as u64, std::fs::metadata(path)?.len()));
    }
    let mut n = 0u64;
    let mut failed = None;
    logs.for_each(|e| {
        if failed.is_none() {
            if let Err(err) = w.write(&e) {
                failed = Some(err);
            }
            n += 1;
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    w.finish()?;
    Ok((n, std::fs::metadata(path)?.len()))
}

/// The scenario's database for `kind`: a file in `dir`, or a database on the PostgreSQL server
/// (with `admin`, the server's connection, to drop it afterwards). A new one, unless `--keep`
/// finds the one a previous run kept (then `true`: its events are there).
async fn database(kind: DatabaseKind, o: &Options, dir: &Path, label: &str) -> (DatabaseUrl, Option<(Db, String)>, bool) {
    match kind {
        DatabaseKind::Sqlite => {
            let path = dir.join(format!("{label}.db"));
            let kept = o.keep && path.exists();
            if !kept {
                let _ = std::fs::remove_file(&path);
            }
            (DatabaseUrl::parse(&format!("sqlite://{}", path.display())).expect("sqlite url"), None, kept)
        }
        DatabaseKind::Postgres => {
            let base = o.postgres_url.as_deref().expect("checked");
            let admin = Db::connect(&DatabaseUrl::parse(base).expect("postgres url"), 1)
                .await
                .unwrap_or_else(|e| panic!("the PostgreSQL server does not answer: {e}"));
            let id = if o.keep { "kept".to_string() } else { std::process::id().to_string() };
            let name = format!("kinmu_bench_{id}_{}", label.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
            let exists: Option<i64> = sqlx::query_scalar("SELECT 1::BIGINT FROM pg_database WHERE datname = $1")
                .bind(&name)
                .fetch_optional(&admin.pool)
                .await
                .expect("list databases");
            let kept = o.keep && exists.is_some();
            if !kept {
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin.pool).await.expect("drop database");
                sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&admin.pool).await.expect("create database");
            }
            let (prefix, _) = base.split('?').next().unwrap_or(base).rsplit_once('/').expect("postgres url with a database");
            (DatabaseUrl::parse(&format!("{prefix}/{name}")).expect("postgres url"), Some((admin, name)), kept)
        }
    }
}

#[tokio::main]
async fn main() {
    let o = options();
    let phases = Arc::new(Mutex::new(Phases::default()));
    tracing_subscriber::registry()
        .with(PhaseCapture(phases.clone()))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(EnvFilter::try_from_env("KINMU_LOG").unwrap_or_else(|_| EnvFilter::new("warn,sqlx=error"))),
        )
        .init();

    let dir =
        if o.keep { o.dir.join("kinmu-attendance-bench") } else { o.dir.join(format!("kinmu-attendance-bench-{}", std::process::id())) };
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let date = NaiveDate::from_ymd_opt(2024, 4, 1).expect("date");
    let now = TOKYO.with_ymd_and_hms(2024, 4, 3, 0, 0, 0).unwrap().with_timezone(&Utc);
    println!(
        "attendance_db_bench: {} cores; {} unrelated logs; one day ({date}, Asia/Tokyo); files in {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        thousands(o.unrelated as u64),
        dir.display()
    );
    let mut rows: Vec<Row> = Vec::new();
    for &(users, logs_per_day) in &o.scenarios {
        let label = format!("{users}x{logs_per_day}");
        println!("\n== {} users × {logs_per_day} logs a day + {} unrelated", thousands(users as u64), thousands(o.unrelated as u64));
        let logs = SyntheticLogs::new(users, logs_per_day, o.unrelated);
        let file_label = format!("{label}_{}{}", o.unrelated, if o.time_order { "_sorted" } else { "" });
        let path = dir.join(format!("{file_label}.csv"));
        let started = Instant::now();
        let (lines, bytes) = if o.keep && path.exists() {
            (logs.len() as u64, std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0))
        } else {
            write_logs(&logs, &path, o.time_order).expect("write the log file")
        };
        println!(
            "generated {} events ({:.0} MiB of ALog CSV, {}) in {:.1} s",
            thousands(lines),
            bytes as f64 / 1048576.0,
            if o.time_order { "in time order" } else { "in the generator's order: by user, then the unrelated logs at random times" },
            started.elapsed().as_secs_f64()
        );
        if o.parse_only {
            // The reading side alone (the import's reading thread), to see which side limits it.
            let (started, cpu) = (Instant::now(), cpu_secs());
            let file = File::open(&path).expect("open the log file");
            let events =
                read_events(BufReader::with_capacity(1 << 16, file), "bench.csv", Some(LogFormat::AlogCsv), TOKYO).expect("reader");
            let (mut ok, mut bad) = (0u64, 0u64);
            for r in events {
                if r.is_ok() { ok += 1 } else { bad += 1 }
            }
            let secs = started.elapsed().as_secs_f64();
            println!(
                "parse only: {} events ({bad} rejected) in {secs:.2} s (cpu {:.2} s) = {} events/s",
                thousands(ok),
                cpu_secs() - cpu,
                thousands((ok as f64 / secs) as u64)
            );
        }
        for &kind in &o.engines {
            let (url, cleanup, kept) = database(kind, &o, &dir, &file_label).await;
            let db = Db::open(&url, 4).await.unwrap_or_else(|e| panic!("{e}"));
            if kept {
                let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_events").fetch_one(&db.pool).await.expect("count");
                println!("{:<10} import: kept from an earlier run ({} events)", engine_name(kind), thousands(events as u64));
            }
            let (started, cpu) = (Instant::now(), cpu_secs());
            let summary = if kept {
                None
            } else {
                Some(
                    import_file(&db, &path, Some(LogFormat::AlogCsv), TOKYO, now.timestamp(), |_| {})
                        .await
                        .unwrap_or_else(|e| panic!("import: {e}")),
                )
            };
            let import_secs = started.elapsed().as_secs_f64();
            if let Some(summary) = &summary {
                println!(
                    "{:<10} import: {} events read, {} imported, {} rejected in {import_secs:.2} s (cpu {:.2} s) = {} events/s",
                    engine_name(kind),
                    thousands(summary.read),
                    thousands(summary.imported),
                    summary.rejected,
                    cpu_secs() - cpu,
                    thousands((summary.read as f64 / import_secs) as u64)
                );
            }

            *phases.lock().expect("phases") = Phases::default();
            let control = TaskControl::new();
            let (started, cpu) = (Instant::now(), cpu_secs());
            let run = daily_task::begin(&db, &control, &Actor::Operator, TaskTrigger::Rebuild, date, date, now.timestamp())
                .await
                .unwrap_or_else(|e| panic!("begin: {e}"));
            let run = daily_task::execute(&db, &control, run, now, |_| {}).await;
            let task_secs = started.elapsed().as_secs_f64();
            let task_cpu = cpu_secs() - cpu;
            if run.status != TaskStatus::Completed {
                println!("{:<10} task: {:?}: {}", engine_name(kind), run.status, run.message.clone().unwrap_or_default());
            }
            let terminals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_terminals").fetch_one(&db.pool).await.unwrap_or(-1);
            let monthly: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_monthly").fetch_one(&db.pool).await.unwrap_or(-1);
            let mut split = String::new();
            for (k, v) in &phases.lock().expect("phases").fields {
                let _ =
                    write!(split, "{}{} {:.2} s", if split.is_empty() { "" } else { ", " }, k.trim_end_matches("_ms"), *v as f64 / 1000.0);
            }
            println!(
                "{:<10} task:   {} events read, {} daily + {} terminal + {} monthly records in {task_secs:.2} s (cpu {task_cpu:.2} s; {split})",
                engine_name(kind),
                thousands(run.events_read as u64),
                thousands(run.daily_records as u64),
                thousands(terminals.max(0) as u64),
                thousands(monthly.max(0) as u64),
            );
            rows.push(Row {
                scenario: label.clone(),
                engine: engine_name(kind),
                events: summary.as_ref().map_or(0, |s| s.read),
                import_secs: if summary.is_some() { import_secs } else { f64::NAN },
                task_secs,
                records: run.daily_records,
            });
            db.close().await;
            if o.keep {
                continue;
            }
            match cleanup {
                Some((admin, name)) => {
                    let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin.pool).await;
                    admin.pool.close().await;
                }
                None => {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(dir.join(format!("{file_label}.db{suffix}")));
                    }
                }
            }
        }
        if !o.keep {
            let _ = std::fs::remove_file(&path);
        }
    }
    if !o.keep {
        let _ = std::fs::remove_dir_all(&dir);
    }

    println!("\n| scenario | engine | events | import s | import events/s | task s | daily records |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.2} | {} | {:.2} | {} |",
            r.scenario,
            r.engine,
            thousands(r.events),
            r.import_secs,
            thousands((r.events as f64 / r.import_secs) as u64),
            r.task_secs,
            thousands(r.records.max(0) as u64)
        );
    }
}
