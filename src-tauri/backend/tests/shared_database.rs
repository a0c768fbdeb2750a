//! Several Kinmu servers on one database, as a company that outgrew one machine runs them behind
//! a load balancer (each server here is its own pool, task control and inbox, as a process
//! would have): the scheduled task runs once; a rebuild asked of either is refused while the
//! other runs, and allowed once the other's process is gone (its lease lapsed); two inboxes
//! watching one shared folder import each file once. On PostgreSQL, and on one SQLite file.

mod test_databases;

use std::time::{Duration, SystemTime};

use chrono::Utc;
use kinmu::accounts::Actor;
use kinmu::attendance::daily_task::{self, TaskControl};
use kinmu::attendance::rule_settings;
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::error::Error;
use kinmu::pc_logs::inbox::{Inbox, InboxOutcome};
use kinmu_shared::Language;
use kinmu_shared::api::{AttendanceTaskSettings, SetupRequest, TaskStatus, TaskTrigger};
use test_databases::{postgres_url, sqlite_url};

async fn scalar(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap()
}

async fn wait_for_end(db: &Db, id: i64) -> TaskStatus {
    for _ in 0..400 {
        let run = daily_task::get_run(db, id).await.unwrap();
        if run.status != TaskStatus::Running {
            return run.status;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("run {id} did not end");
}

async fn two_servers(url: DatabaseUrl) {
    let a = Db::open(&url, 4).await.unwrap();
    let b = Db::open(&url, 4).await.unwrap();
    let setup = SetupRequest {
        organization_name: "Acme".into(),
        admin_login: "admin".into(),
        admin_display_name: "Admin".into(),
        admin_password: "Kinmu-Strong-2026".into(),
        default_language: Language::En,
        time_zone: "Asia/Tokyo".into(),
    };
    kinmu::accounts::setup::run(&a, &setup, kinmu::now()).await.unwrap();

    // The schedule is due (00:00 has passed today): both servers look at once, one run starts.
    let settings = AttendanceTaskSettings { enabled: true, run_at: "00:00".into(), recompute_days: 1, ..Default::default() };
    rule_settings::save_task_settings(&a, &Actor::Operator, settings).await.unwrap();
    let (control_a, control_b) = (TaskControl::new(), TaskControl::new());
    let now = Utc::now();
    let (ra, rb) = tokio::join!(daily_task::start_if_due(&a, &control_a, now), daily_task::start_if_due(&b, &control_b, now));
    let started: Vec<_> = [ra.unwrap(), rb.unwrap()].into_iter().flatten().collect();
    assert_eq!(started.len(), 1, "one scheduled run for two servers: {started:?}");
    assert_eq!(wait_for_end(&a, started[0].id).await, TaskStatus::Completed);
    let later = now + chrono::Duration::seconds(40);
    let (ra, rb) = tokio::join!(daily_task::start_if_due(&a, &control_a, later), daily_task::start_if_due(&b, &control_b, later));
    assert!(ra.unwrap().is_none() && rb.unwrap().is_none(), "and not again the same day");
    assert_eq!(scalar(&a, "SELECT COUNT(*) FROM attendance_task_runs WHERE trigger_kind = 'scheduled'").await, 1);

    // A rebuild on B while A runs one: refused, naming A's run.
    let day = (now - chrono::Duration::days(3)).date_naive();
    let (busy_a, busy_b) = (TaskControl::new(), TaskControl::new());
    let t0 = kinmu::now();
    let held = daily_task::begin(&a, &busy_a, &Actor::Operator, TaskTrigger::Rebuild, day, day, t0).await.unwrap();
    let refused = daily_task::begin(&b, &busy_b, &Actor::Operator, TaskTrigger::Rebuild, day, day, t0 + 5).await;
    match refused {
        Err(Error::Conflict { message, .. }) => assert!(message.contains(&format!("run {}", held.id)), "{message}"),
        other => panic!("B must be refused while A runs: {other:?}"),
    }
    // A's process dies (no heartbeat for over a minute): B may run, and A's run is interrupted.
    let after = t0 + kinmu::database::lease::STALE_AFTER_SECONDS + 5;
    let taken = daily_task::begin(&b, &busy_b, &Actor::Operator, TaskTrigger::Rebuild, day, day, after).await.unwrap();
    assert_eq!(daily_task::get_run(&a, held.id).await.unwrap().status, TaskStatus::Interrupted);
    let done = daily_task::execute(&b, &busy_b, taken, Utc::now(), |_| {}).await;
    assert_eq!(done.status, TaskStatus::Completed, "{done:?}");

    // Two inboxes on one shared folder: every file imported once, by one of them.
    let dir = tempfile::tempdir().unwrap();
    for n in 0..6 {
        let text = format!("2024/04/0{} 08:51:00,OSAKA\\user{n},DC01,PC{n},LOGON,LogonType:Script\n", n + 1);
        std::fs::write(dir.path().join(format!("log{n}.csv")), text).unwrap();
    }
    let mut inbox_a = Inbox::open(dir.path(), Duration::ZERO).unwrap();
    let mut inbox_b = Inbox::open(dir.path(), Duration::ZERO).unwrap();
    let tz = chrono_tz::Asia::Tokyo;
    let seen = SystemTime::now();
    let (oa, ob) = tokio::join!(inbox_a.scan_once(&a, tz, seen), inbox_b.scan_once(&b, tz, seen));
    let outcomes: Vec<InboxOutcome> = oa.unwrap().into_iter().chain(ob.unwrap()).collect();
    let imported = outcomes.iter().filter(|o| matches!(o, InboxOutcome::Imported { .. })).count();
    assert_eq!(imported, 6, "{outcomes:?}");
    assert!(!outcomes.iter().any(|o| matches!(o, InboxOutcome::NotMoved { .. } | InboxOutcome::Failed { .. })), "{outcomes:?}");
    assert_eq!(scalar(&a, "SELECT COUNT(*) FROM attendance_import_files").await, 6, "each file's import recorded once");
    assert_eq!(std::fs::read_dir(dir.path().join("processed")).unwrap().count(), 6);
    assert_eq!(scalar(&a, "SELECT COUNT(*) FROM attendance_inbox_claims").await, 0, "no claim is left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_share_one_postgres_database() {
    let Some(url) = postgres_url().await else { return };
    two_servers(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_share_one_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    two_servers(sqlite_url(&dir)).await;
}

/// Stops a server however the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two real `kinmu serve` processes on one PostgreSQL database, watching one shared inbox, with
/// the daily schedule due: each file is imported once, the scheduled run is made once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_kinmu_processes_on_one_postgres_database() {
    use std::process::{Command, Stdio};
    let Some(url) = postgres_url().await else { return };
    let url_text = url.expose().to_string();
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("shared-inbox");
    std::fs::create_dir(&inbox).unwrap();
    let kinmu = |data: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kinmu"));
        c.env("KINMU_DATA_DIR", dir.path().join(data))
            .env("KINMU_DATABASE_URL", &url_text)
            .env_remove("KINMU_CONFIG")
            .env("KINMU_LOG", "warn");
        c
    };
    let mut setup =
        kinmu("a").args(["setup", "--org", "Acme", "--admin-login", "admin", "--password-stdin"]).stdin(Stdio::piped()).spawn().unwrap();
    std::io::Write::write_all(&mut setup.stdin.take().unwrap(), b"Kinmu-Strong-2026\n").unwrap();
    assert!(setup.wait().unwrap().success());
    let db = Db::open(&url, 2).await.unwrap();
    let settings = AttendanceTaskSettings { enabled: true, run_at: "00:00".into(), recompute_days: 1, ..Default::default() };
    rule_settings::save_task_settings(&db, &Actor::Operator, settings).await.unwrap();
    let files = 8;
    for n in 0..files {
        let text = format!("2024/04/0{} 08:51:00,OSAKA\\user{n},DC01,PC{n},LOGON,LogonType:Script\n", n % 9 + 1);
        std::fs::write(inbox.join(format!("log{n}.csv")), text).unwrap();
    }
    let servers: Vec<Server> = ["a", "b"]
        .into_iter()
        .map(|data| {
            Server(
                kinmu(data)
                    .args(["serve", "--addr", "127.0.0.1:0", "--inbox"])
                    .arg(&inbox)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let processed = || std::fs::read_dir(inbox.join("processed")).map(|d| d.count()).unwrap_or(0);
    while (processed() < files
        || scalar(&db, "SELECT COUNT(*) FROM attendance_task_runs WHERE status = 'running'").await > 0
        || scalar(&db, "SELECT COUNT(*) FROM attendance_task_runs").await == 0)
        && started.elapsed() < Duration::from_secs(40)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A little longer, for a second import or run that should not come.
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(servers);
    assert_eq!(processed(), files, "every file moved to processed/");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM attendance_import_files").await, files as i64, "each file imported once");
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM attendance_task_runs WHERE trigger_kind = 'scheduled'").await,
        1,
        "the scheduled run made once"
    );
}
