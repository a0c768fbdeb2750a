//! Benchmark of effort tracking's reads (issue 18, "Speed"): N people (default 1,000) in one
//! organisation, each with a log account, 20 projects with work items and two levels of
//! activities, a year (2025) of effort entries — 10 a working day a person, about 2.5 million at
//! 1,000 people, written in bulk with their day totals (`effort_day_totals`) — and an attendance
//! record (`attendance_daily`) for every working day, about one day in twenty differing from its
//! effort by an hour (a gap). Then it times, through the services:
//!
//! 1. the week grid's answer (`effort::week::week`, what GetEffortWeek calls) for random people
//!    and ISO weeks under 32 concurrent clients (tokio tasks): p50 and p99 (target p99 < 50 ms);
//! 2. a month's submission check: the gap computation SubmitEffortPeriod refuses on
//!    (`effort::gaps::unexplained` over the person's month; submitting itself is not timed, as it
//!    writes the period), for random person-months: p50 and p99 (target < 100 ms);
//! 3. the gap report of the organisation for a month with the five before it
//!    (`effort::gap_report::report`, what GetGapReport calls) (target < 1 s), and its Excel file;
//! 4. the effort report (`effort::report::report`, what GetEffortReport calls) over the year: a
//!    project's report grouped by work item and person, and the company's report grouped by
//!    organisation and activity 1 (target < 1 s each), each unrounded, rounded per entry and
//!    rounded per day and row, with where the time goes (the names, the effort query, the pure
//!    count, the JSON answer), this process's CPU time (which, with SQLite, includes the
//!    database's work), the machine's load and the engine's plan for the effort query; the Excel export of the year for everyone grouped by person and project
//!    (target < 10 s), unrounded and rounded per day and row;
//! 5. the plan against actual of the project with the most effort over the year
//!    (`effort::plan::load` and the pure build, what GetProjectPlan calls; target < 1 s), every
//!    person with a rate changing mid-year, the rows read apart from the build, and its Excel file.
//!
//! `--only-reports` skips 1 to 3.
//!
//! It prints figures, never asserts on them.
//!
//! ```text
//! cargo run --release -p kinmu --bin effort_bench -- [--people 1000] [--engines sqlite,postgres] \
//!     [--postgres-url postgres://user@host:port/db] [--clients 32] [--weeks 2000] [--months 200] \
//!     [--connections 8] [--dir DIR]
//! ```
//!
//! PostgreSQL needs `--postgres-url` (or `KINMU_BENCH_POSTGRES_URL`): a server whose user may
//! create databases; the benchmark makes a new database and drops it afterwards.
//! `scripts/bench-effort` starts a throwaway server and runs both engines.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Weekday};
use kinmu::accounts::Actor;
use kinmu::config::{DatabaseKind, DatabaseUrl};
use kinmu::database::Db;
use kinmu::effort::{gap_report, gaps, report, week};
use kinmu_shared::api::{DailyField, EffortReportQuery, FieldKind, GapReportQuery, WeekQuery};

/// The same allocator as the `kinmu` command (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const YEAR: i32 = 2025;
const PROJECTS: usize = 20;
const WORK_ITEMS_PER_PROJECT: usize = 10;
const ENTRIES_PER_DAY: usize = 10;
/// Rows in one multi-row INSERT.
const ROWS_PER_STATEMENT: usize = 500;

struct Options {
    people: usize,
    engines: Vec<DatabaseKind>,
    postgres_url: Option<String>,
    clients: usize,
    weeks: usize,
    months: usize,
    connections: u32,
    dir: PathBuf,
    only_reports: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: effort_bench [--people N] [--engines sqlite,postgres] [--postgres-url URL] [--clients N] [--weeks N] \
         [--months N] [--connections N] [--dir DIR] [--only-reports]"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Options {
        people: 1_000,
        engines: vec![DatabaseKind::Sqlite, DatabaseKind::Postgres],
        postgres_url: std::env::var("KINMU_BENCH_POSTGRES_URL").ok(),
        clients: 32,
        weeks: 2_000,
        months: 200,
        connections: 8,
        dir: std::env::temp_dir(),
        only_reports: false,
    };
    let number = |s: String| -> usize { s.replace('_', "").parse().unwrap_or_else(|_| usage()) };
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).cloned().unwrap_or_else(|| usage());
        if args[i] == "--only-reports" {
            o.only_reports = true;
            i += 1;
            continue;
        }
        match args[i].as_str() {
            "--people" => o.people = number(value(i)).max(1),
            "--clients" => o.clients = number(value(i)).max(1),
            "--weeks" => o.weeks = number(value(i)).max(1),
            "--months" => o.months = number(value(i)).max(1),
            "--connections" => o.connections = number(value(i)).max(1) as u32,
            "--engines" | "--engine" => {
                o.engines = value(i)
                    .split(',')
                    .map(|e| match e.trim() {
                        "sqlite" => DatabaseKind::Sqlite,
                        "postgres" | "postgresql" | "pg" => DatabaseKind::Postgres,
                        _ => usage(),
                    })
                    .collect()
            }
            "--postgres-url" => o.postgres_url = Some(value(i)),
            "--dir" => o.dir = PathBuf::from(value(i)),
            _ => usage(),
        }
        i += 2;
    }
    if o.engines.contains(&DatabaseKind::Postgres) && o.postgres_url.is_none() {
        eprintln!("effort_bench: PostgreSQL needs --postgres-url (or KINMU_BENCH_POSTGRES_URL), or use --engines sqlite");
        std::process::exit(2);
    }
    o
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

/// A small deterministic generator (xorshift64*), so that runs are comparable.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn login(person: usize) -> String {
    format!("p{person:05}")
}

fn working_days() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(YEAR, 1, 1).expect("date");
    first.iter_days().take_while(|d| d.year() == YEAR).filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)).collect()
}

/// Runs the multi-row INSERT `head` + `rows` in statements of [`ROWS_PER_STATEMENT`] rows, in the
/// transaction `tx`.
async fn insert_rows(tx: &mut sqlx::Transaction<'_, sqlx::Any>, head: &str, rows: &[String]) {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!("{head} VALUES {}", chunk.join(", "));
        sqlx::raw_sql(&sql).execute(&mut **tx).await.unwrap_or_else(|e| panic!("{head}: {e}"));
    }
}

/// What the setup made.
struct Made {
    organization: i64,
    entries: u64,
    attendance_days: u64,
}

/// The organisation, its people and their log accounts, the projects, work items and activities,
/// then each person's year of entries, day totals and attendance records (a transaction a person).
async fn set_up(db: &Db, people: usize) -> Made {
    let now = 1_735_689_600i64; // 2025-01-01T00:00:00Z
    let organization: i64 =
        sqlx::query_scalar("INSERT INTO organizations (name, parent_id, created_at) VALUES ('Effort bench', NULL, $1) RETURNING id")
            .bind(now)
            .fetch_one(&db.pool)
            .await
            .expect("organisation");
    let role: i64 = sqlx::query_scalar(
        "INSERT INTO roles (name, builtin, permissions, created_at) VALUES ('Effort bench', NULL, '[]', $1) RETURNING id",
    )
    .bind(now)
    .fetch_one(&db.pool)
    .await
    .expect("a role");
    let mut tx = db.pool.begin().await.expect("transaction");
    let users: Vec<String> = (0..people)
        .map(|p| {
            let l = login(p);
            format!("('{l}', '{l}', 'Person {p}', {organization}, {role}, 1, 'en', 'Asia/Tokyo', {now}, {now})")
        })
        .collect();
    insert_rows(
        &mut tx,
        "INSERT INTO users (login, login_key, display_name, organization_id, role_id, active, language, time_zone, created_at, updated_at)",
        &users,
    )
    .await;
    sqlx::query(
        "INSERT INTO user_log_accounts (account_key, account, user_id) SELECT login_key, login, id FROM users WHERE organization_id = $1",
    )
    .bind(organization)
    .execute(&mut *tx)
    .await
    .expect("log accounts");
    // Their role from the start, as the service's `role_history::hold` would have written it.
    sqlx::query("INSERT INTO user_role_history (user_id, role_id, valid_from) SELECT id, role_id, '2025-01-01' FROM users WHERE organization_id = $1")
        .bind(organization)
        .execute(&mut *tx)
        .await
        .expect("role history");
    let projects: Vec<String> =
        (0..PROJECTS).map(|p| format!("('PRJ{p:03}', 'prj{p:03}', 'Project {p}', 'active', {now}, {now})")).collect();
    insert_rows(&mut tx, "INSERT INTO projects (code, code_key, name, status, created_at, updated_at)", &projects).await;
    let activities: Vec<String> =
        (0..6).map(|a| format!("({}, 'ACT{a}', 'act{a}', 'Activity {a}', 1, {now})", if a < 3 { 1 } else { 2 })).collect();
    insert_rows(&mut tx, "INSERT INTO activities (level, code, code_key, name, active, created_at)", &activities).await;
    tx.commit().await.expect("commit");
    let user_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users WHERE organization_id = $1 ORDER BY login_key")
        .bind(organization)
        .fetch_all(&db.pool)
        .await
        .expect("users");
    let project_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM projects ORDER BY id").fetch_all(&db.pool).await.expect("projects");
    let level1: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM activities WHERE level = 1 ORDER BY id").fetch_all(&db.pool).await.expect("activities");
    let level2: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM activities WHERE level = 2 ORDER BY id").fetch_all(&db.pool).await.expect("activities");
    let mut tx = db.pool.begin().await.expect("transaction");
    let mut items = Vec::new();
    let mut links = Vec::new();
    for &p in &project_ids {
        for w in 0..WORK_ITEMS_PER_PROJECT {
            items.push(format!("({p}, NULL, 'Task {w}', 'Task {w}', 'task {w}', 0, {now})"));
        }
        for &a in level1.iter().chain(&level2) {
            links.push(format!("({p}, {a})"));
        }
    }
    insert_rows(&mut tx, "INSERT INTO work_items (project_id, parent_id, name, path, path_key, milestone, created_at)", &items).await;
    insert_rows(&mut tx, "INSERT INTO project_activities (project_id, activity_id)", &links).await;
    let members: Vec<String> =
        user_ids.iter().enumerate().map(|(i, u)| format!("({}, {u}, 'member')", project_ids[i % project_ids.len()])).collect();
    insert_rows(&mut tx, "INSERT INTO project_members (project_id, user_id, role)", &members).await;
    tx.commit().await.expect("commit");
    let work_items: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, project_id FROM work_items ORDER BY id").fetch_all(&db.pool).await.expect("work items");

    let days = working_days();
    let attendance_columns = DailyField::list(&DailyField::ALL);
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let (mut entries_made, mut attendance_made) = (0u64, 0u64);
    let started = Instant::now();
    for (person, &user) in user_ids.iter().enumerate() {
        let account = login(person);
        let mut entries = Vec::with_capacity(days.len() * ENTRIES_PER_DAY);
        let mut totals = Vec::with_capacity(days.len());
        let mut attendance = Vec::with_capacity(days.len());
        for (d, day) in days.iter().enumerate() {
            let mut total = 0i64;
            for k in 0..ENTRIES_PER_DAY {
                let (item, project) = work_items[random.below(work_items.len())];
                let minutes = 40 + random.below(17) as i64;
                total += minutes;
                entries.push(format!(
                    "('e{user:07}-{d:03}-{k:02}', {user}, '{day}', {project}, {item}, {}, {}, {minutes}, '', 1, {now}, {now})",
                    level1[random.below(level1.len())],
                    level2[random.below(level2.len())],
                ));
            }
            totals.push(format!("({user}, '{day}', {total})"));
            // About one day in twenty a person attended an hour more than they entered.
            let attended = if random.below(20) == 0 { total + 60 } else { total };
            let values: Vec<String> = DailyField::ALL
                .iter()
                .map(|f| match f {
                    DailyField::WorkDate => format!("'{day}'"),
                    DailyField::PersonKey | DailyField::Account | DailyField::DisplayName => format!("'{account}'"),
                    DailyField::Worked => "1".into(),
                    DailyField::ClockInText => "'9:00'".into(),
                    DailyField::ClockOutText => "'18:00'".into(),
                    DailyField::ActualWorkMinutes => attended.to_string(),
                    f => match f.kind() {
                        FieldKind::Text => "''".into(),
                        k if k.nullable() => "NULL".into(),
                        _ => "0".into(),
                    },
                })
                .collect();
            attendance.push(format!("({})", values.join(", ")));
        }
        let mut tx = db.pool.begin().await.expect("transaction");
        insert_rows(
            &mut tx,
            "INSERT INTO effort_entries (id, user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, note, \
             version, created_at, updated_at)",
            &entries,
        )
        .await;
        insert_rows(&mut tx, "INSERT INTO effort_day_totals (user_id, work_date, minutes)", &totals).await;
        // The sums per day and report row, as migration 19 fills them from existing entries.
        sqlx::query(
            "INSERT INTO effort_day_rows (user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, entries) \
             SELECT user_id, work_date, project_id, COALESCE(work_item_id, 0), COALESCE(activity1_id, 0), COALESCE(activity2_id, 0), \
             SUM(minutes), COUNT(*) FROM effort_entries WHERE user_id = $1 AND deleted_at IS NULL \
             GROUP BY user_id, work_date, project_id, COALESCE(work_item_id, 0), COALESCE(activity1_id, 0), COALESCE(activity2_id, 0)",
        )
        .bind(user)
        .execute(&mut *tx)
        .await
        .expect("day rows");
        insert_rows(&mut tx, &format!("INSERT INTO attendance_daily ({attendance_columns})"), &attendance).await;
        tx.commit().await.expect("commit");
        entries_made += entries.len() as u64;
        attendance_made += attendance.len() as u64;
        if (person + 1) % 100 == 0 {
            eprintln!("  {} people, {} entries, {:.0} s", person + 1, thousands(entries_made), started.elapsed().as_secs_f64());
        }
    }
    // The planners' statistics as in use: PostgreSQL's autovacuum analyses tables after bulk
    // writes (here at once rather than a minute later); SQLite gets none, as Kinmu never runs
    // `ANALYZE` there (its effort report names the index it needs: `report::portions_query`).
    if db.kind == DatabaseKind::Postgres {
        sqlx::raw_sql("ANALYZE").execute(&db.pool).await.expect("analyze");
    }
    Made { organization, entries: entries_made, attendance_days: attendance_made }
}

/// The CPU time this process has used (every thread: with SQLite, the database's work too), in
/// milliseconds, from `/proc/self/stat` (Linux; None elsewhere). On a loaded machine it shows the
/// work apart from the waiting.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: f64 = fields.next()?.parse().ok()?;
    let system: f64 = fields.next()?.parse().ok()?;
    // Clock ticks of 1/100 s (USER_HZ on Linux).
    Some((user + system) * 10.0)
}

/// The machine's load (the 1-minute average from `/proc/loadavg`; Linux), printed beside the
/// times: figures taken on a busy machine read as such.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(|a| format!("load {a}")))
        .unwrap_or_else(|| "load unknown".into())
}

/// `cpu_ms` since `start`, as text.
fn cpu_since(start: Option<f64>) -> String {
    match (start, cpu_ms()) {
        (Some(a), Some(b)) => format!("{:.0} ms", b - a),
        _ => "unknown".into(),
    }
}

/// The `q`-quantile of sorted durations, in milliseconds.
fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// One line of the final table.
struct Row {
    engine: &'static str,
    measure: &'static str,
    count: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    target: &'static str,
}

fn row(engine: &'static str, measure: &'static str, mut times: Vec<Duration>, target: &'static str) -> Row {
    times.sort();
    Row {
        engine,
        measure,
        count: times.len(),
        p50_ms: quantile(&times, 0.5),
        p99_ms: quantile(&times, 0.99),
        max_ms: times.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
        target,
    }
}

/// (4) The effort report over the year: a project's, the company's by organisation and activity,
/// rounded; the Excel export of the year for everyone.
async fn measure_reports(db: &Db, engine: &'static str, rows: &mut Vec<Row>) {
    let project: i64 = sqlx::query_scalar("SELECT MIN(id) FROM projects").fetch_one(&db.pool).await.expect("a project");
    let year = |group_by: &str| EffortReportQuery {
        from: format!("{YEAR}-01-01"),
        to: format!("{YEAR}-12-31"),
        group_by: Some(group_by.into()),
        ..Default::default()
    };
    let per_entry = |q: EffortReportQuery| EffortReportQuery { rounding: Some("up".into()), round_to: Some(15), ..q };
    let per_day = |q: EffortReportQuery| EffortReportQuery {
        rounding: Some("nearest".into()),
        round_to: Some(30),
        round_per: Some("day".into()),
        ..q
    };
    let project_year = EffortReportQuery { project_id: Some(project), ..year("work_item,person") };
    let company_year = year("organization,activity1");
    let cases = [
        ("project's report for a year (work item × person)", project_year.clone()),
        ("project's report for a year, rounded up to 15 min per entry", per_entry(project_year.clone())),
        ("project's report for a year, rounded to 30 min per day and row", per_day(project_year)),
        ("company report for a year (organisation × activity 1)", company_year.clone()),
        ("company report for a year, rounded up to 15 min per entry", per_entry(company_year.clone())),
        ("company report for a year, rounded to 30 min per day and row", per_day(company_year)),
    ];
    for (name, q) in cases {
        let mut times = Vec::new();
        let mut shown = String::new();
        let cpu = cpu_ms();
        for _ in 0..3 {
            let t = Instant::now();
            let r = report::report(db, &Actor::Operator, &q).await.unwrap_or_else(|e| panic!("effort report: {e}"));
            times.push(t.elapsed());
            shown = format!(
                "{} groups, {} lines, {} entries, {} h",
                r.groups.len(),
                r.groups.iter().map(|g| g.lines.len()).sum::<usize>(),
                thousands(r.entries as u64),
                thousands((r.total_minutes / 60) as u64)
            );
        }
        let cpu = cpu_since(cpu);
        // Where the time goes, once more in steps: the names, the effort summed in the
        // database, the pure count, the answer as JSON.
        let spec = kinmu_shared::effort::report::spec(&q).expect("a good query");
        let t = Instant::now();
        let names = report::load_names(db).await.expect("names");
        let names_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let portions = report::load_portions(db, &spec, None).await.expect("portions");
        let sql_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let built = kinmu_shared::effort::report::build(&spec, &names, &portions, false);
        let build_ms = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let json = serde_json::to_vec(&built).expect("json");
        let json_ms = t.elapsed().as_secs_f64() * 1000.0;
        let plan = query_plan(db, &spec).await;
        let r = row(engine, name, times, "< 1 s");
        println!(
            "{engine:<10} {name}: {shown}; p50 {:.0} ms, max {:.0} ms, this process's CPU for the 3 runs {cpu}, {} (names {names_ms:.0} ms, \
             effort query {sql_ms:.0} ms for {} portions, count {build_ms:.0} ms, JSON {} KB {json_ms:.0} ms)\n           the effort query's plan: {plan}",
            r.p50_ms,
            r.max_ms,
            load(),
            thousands(portions.len() as u64),
            json.len() / 1024
        );
        rows.push(r);
    }
    for (name, q) in [
        ("Excel export of the effort report for a year, everyone", year("person,project")),
        ("Excel export of the year for everyone, rounded per day and row", per_day(year("person,project"))),
    ] {
        let mut times = Vec::new();
        for _ in 0..2 {
            let t = Instant::now();
            let r = report::report(db, &Actor::Operator, &q).await.unwrap_or_else(|e| panic!("effort report: {e}"));
            let counted = t.elapsed();
            let xlsx = report::xlsx_bytes(&r, kinmu_shared::Language::En).unwrap_or_else(|e| panic!("effort xlsx: {e}"));
            times.push(t.elapsed());
            println!(
                "{engine:<10} {name} (person × project): {} rows, {} KB in {:.0} ms (report {:.0} ms, Excel file {:.0} ms)",
                thousands((r.groups.iter().map(|g| g.lines.len() + 1).sum::<usize>() + 1) as u64),
                xlsx.len() / 1024,
                t.elapsed().as_secs_f64() * 1000.0,
                counted.as_secs_f64() * 1000.0,
                (t.elapsed() - counted).as_secs_f64() * 1000.0
            );
        }
        rows.push(row(engine, name, times, "< 10 s"));
    }
    measure_plan(db, engine, rows).await;
}

/// The engine's plan for the effort report's query, on one line (`report::query_plan`).
async fn query_plan(db: &Db, spec: &kinmu_shared::effort::report::ReportSpec) -> String {
    report::query_plan(db, spec).await.unwrap_or_else(|e| format!("unknown ({e})"))
}

/// A project's plan against actual (issue 19): the whole year of the project with the most
/// effort (about one entry in twenty), every person with a rate that changes on 1 July, through
/// what GetProjectPlan calls; where the time goes (the rows read, the pure build); and its Excel
/// file.
async fn measure_plan(db: &Db, engine: &'static str, rows: &mut Vec<Row>) {
    sqlx::query(
        "INSERT INTO effort_cost_rates (user_id, valid_from, valid_to, hourly_cost, created_at) \
         SELECT id, '2025-01-01', '2025-06-30', 4000, 0 FROM users WHERE login_key LIKE 'p%'",
    )
    .execute(&db.pool)
    .await
    .expect("rates");
    sqlx::query(
        "INSERT INTO effort_cost_rates (user_id, valid_from, valid_to, hourly_cost, created_at) \
         SELECT id, '2025-07-01', NULL, 4500, 0 FROM users WHERE login_key LIKE 'p%'",
    )
    .execute(&db.pool)
    .await
    .expect("rates");
    let biggest: i64 =
        sqlx::query_scalar("SELECT project_id FROM effort_day_rows GROUP BY project_id ORDER BY SUM(entries) DESC, project_id LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .expect("the biggest project");
    let project = kinmu::effort::projects::stored(db, biggest).await.expect("project");
    let today = NaiveDate::from_ymd_opt(YEAR, 12, 31).expect("day");
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let input = kinmu::effort::plan::load(db, std::slice::from_ref(&project)).await.expect("plan").pop().expect("plan");
        let loaded = t.elapsed();
        let plan = kinmu_shared::effort::plan::build(&input, today);
        let elapsed = t.elapsed();
        let x = Instant::now();
        let json = serde_json::to_vec(&plan).expect("json");
        let json_time = x.elapsed();
        let x = Instant::now();
        let xlsx = kinmu::effort::plan::xlsx_bytes(&plan, kinmu_shared::Language::En).expect("plan xlsx");
        println!(
            "{engine:<10} plan against actual of {} (the biggest project): {} bookings, {} hours, cost {} in {:.0} ms \
             (rows read {:.0} ms, build {:.0} ms; JSON {} KB {:.0} ms); its Excel file ({} KB) in {:.0} ms",
            project.code,
            thousands(input.bookings.len() as u64),
            thousands((plan.total.actual_minutes / 60) as u64),
            thousands(plan.total.cost as u64),
            elapsed.as_secs_f64() * 1000.0,
            loaded.as_secs_f64() * 1000.0,
            (elapsed - loaded).as_secs_f64() * 1000.0,
            json.len() / 1024,
            json_time.as_secs_f64() * 1000.0,
            xlsx.len() / 1024,
            x.elapsed().as_secs_f64() * 1000.0
        );
        times.push(elapsed);
    }
    rows.push(row(engine, "the biggest project's plan against actual for a year", times, "< 1 s"));
}

async fn measure(db: &Db, o: &Options, made: &Made, engine: &'static str, rows: &mut Vec<Row>) {
    measure_reports(db, engine, rows).await;
    if o.only_reports {
        return;
    }
    // (1) The week grid under concurrent clients.
    let per_client = o.weeks.div_ceil(o.clients);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let db = Arc::new(db.clone());
    for c in 0..o.clients {
        let (db, people) = (db.clone(), o.people);
        tasks.push(tokio::spawn(async move {
            let mut random = Random(0x1234_5678_9ABC_DEF1 ^ ((c as u64 + 1) << 32));
            let mut times = Vec::with_capacity(per_client);
            let mut days = 0usize;
            for _ in 0..per_client {
                let q = WeekQuery { week: format!("{YEAR}-W{:02}", 1 + random.below(52)), user: Some(login(random.below(people))) };
                let t = Instant::now();
                let answer = week::week(&db, &Actor::Operator, q).await.unwrap_or_else(|e| panic!("week: {e}"));
                times.push(t.elapsed());
                days += answer.days.iter().map(|d| d.entries.len()).sum::<usize>();
            }
            (times, days)
        }));
    }
    let mut times = Vec::new();
    let mut entries_read = 0usize;
    for t in tasks {
        let (t, n) = t.await.expect("client");
        times.extend(t);
        entries_read += n;
    }
    let secs = started.elapsed().as_secs_f64();
    let r = row(engine, "week grid (32 clients)", times, "p99 < 50 ms");
    println!(
        "{engine:<10} week grid: {} answers ({} entries) by {} clients in {secs:.1} s = {:.0}/s; p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        thousands(r.count as u64),
        thousands(entries_read as u64),
        o.clients,
        r.count as f64 / secs,
        r.p50_ms,
        r.p99_ms,
        r.max_ms
    );
    rows.push(r);

    // (2) A month's submission check, one person-month at a time.
    let mut random = Random(0x0F0F_1234_5555_AAAA);
    let mut times = Vec::with_capacity(o.months);
    let mut marked = 0usize;
    for _ in 0..o.months {
        let month = 1 + random.below(12) as u32;
        let first = NaiveDate::from_ymd_opt(YEAR, month, 1).expect("month");
        let last = first.checked_add_months(chrono::Months::new(1)).expect("month").pred_opt().expect("day");
        let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login_key = $1")
            .bind(login(random.below(o.people)))
            .fetch_one(&db.pool)
            .await
            .expect("user");
        let t = Instant::now();
        marked += gaps::unexplained(&db, user, first, last).await.unwrap_or_else(|e| panic!("gaps: {e}")).len();
        times.push(t.elapsed());
    }
    let r = row(engine, "month submission check (gaps of one person-month)", times, "< 100 ms");
    println!(
        "{engine:<10} submission check: {} person-months ({marked} unexplained gap days found); p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        r.count, r.p50_ms, r.p99_ms, r.max_ms
    );
    rows.push(r);

    // (3) The organisation's gap report for a month (with the five months before it, as the
    // page asks), three months; and its Excel file.
    let mut times = Vec::new();
    for month in [3u32, 7, 11] {
        let q = GapReportQuery { month: format!("{YEAR}-{month:02}"), organization_id: Some(made.organization), months: None };
        let t = Instant::now();
        let report = gap_report::report(&db, &Actor::Operator, &q).await.unwrap_or_else(|e| panic!("gap report: {e}"));
        let elapsed = t.elapsed();
        let x = Instant::now();
        let xlsx = gap_report::xlsx_bytes(&report, kinmu_shared::Language::En).unwrap_or_else(|e| panic!("gap report xlsx: {e}"));
        let xlsx_time = x.elapsed();
        println!(
            "{engine:<10} gap report {YEAR}-{month:02} (+{} months before): {} people, {} over the threshold, {} marked days in {:.0} ms; its Excel file ({} KB) in {:.0} ms",
            report.months.len() - 1,
            thousands(report.totals.people as u64),
            thousands(report.totals.people_over as u64),
            thousands(report.totals.marked_days as u64),
            elapsed.as_secs_f64() * 1000.0,
            xlsx.len() / 1024,
            xlsx_time.as_secs_f64() * 1000.0
        );
        times.push(elapsed);
    }
    rows.push(row(engine, "organisation's gap report for a month", times, "< 1 s"));
}

#[tokio::main]
async fn main() {
    let o = options();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("KINMU_LOG").unwrap_or_else(|_| "warn,sqlx=error".into()))
        .init();
    let dir = o.dir.join(format!("kinmu-effort-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    println!(
        "effort_bench: {} cores; {} people × {} working days of {YEAR} × {ENTRIES_PER_DAY} entries; {} connections; files in {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        thousands(o.people as u64),
        working_days().len(),
        o.connections,
        dir.display()
    );
    let mut rows = Vec::new();
    for &kind in &o.engines {
        let engine = engine_name(kind);
        let (url, admin) = match kind {
            DatabaseKind::Sqlite => {
                (DatabaseUrl::parse(&format!("sqlite://{}", dir.join("effort.db").display())).expect("sqlite url"), None)
            }
            DatabaseKind::Postgres => {
                let base = o.postgres_url.as_deref().expect("checked");
                let admin = Db::connect(&DatabaseUrl::parse(base).expect("postgres url"), 1)
                    .await
                    .unwrap_or_else(|e| panic!("the PostgreSQL server does not answer: {e}"));
                let name = format!("kinmu_effort_bench_{}", std::process::id());
                sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&admin.pool).await.expect("create database");
                let (prefix, _) = base.split('?').next().unwrap_or(base).rsplit_once('/').expect("postgres url with a database");
                (DatabaseUrl::parse(&format!("{prefix}/{name}")).expect("postgres url"), Some((admin, name)))
            }
        };
        let db = Db::open(&url, o.connections).await.unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let made = set_up(&db, o.people).await;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "\n{engine:<10} set-up: {} entries ({} day totals, {} attendance days) in {secs:.1} s = {} entries/s",
            thousands(made.entries),
            thousands(made.attendance_days),
            thousands(made.attendance_days),
            thousands((made.entries as f64 / secs) as u64)
        );
        measure(&db, &o, &made, engine, &mut rows).await;
        db.close().await;
        if let Some((admin, name)) = admin {
            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin.pool).await;
            admin.pool.close().await;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);

    let mut table = String::new();
    let _ = writeln!(table, "\n| engine | measure | runs | p50 ms | p99 ms | max ms | target |");
    let _ = writeln!(table, "|---|---|---:|---:|---:|---:|---|");
    for r in &rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {} |",
            r.engine, r.measure, r.count, r.p50_ms, r.p99_ms, r.max_ms, r.target
        );
    }
    print!("{table}");
}
