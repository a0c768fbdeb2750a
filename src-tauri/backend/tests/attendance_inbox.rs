//! The watched inbox folder, on SQLite: dropped files imported and moved to `processed/`,
//! unreadable ones moved to `failed/` with the reason beside them, files still being written
//! left alone, names never overwritten, and the watcher picking a file up while it runs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::pc_logs::inbox::{self, Inbox, InboxError, InboxOutcome};

const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;
const SETTLE: Duration = Duration::from_secs(2);

const HEADER: &str = "時刻,ユーザー,サーバ,対象,操作,詳細\n";

/// An ALog CSV line: `user` logs on at 08:`minute` on 1 April 2024.
fn alog_line(user: &str, minute: u32) -> String {
    format!("2024/04/01 08:{minute:02}:00,DOMAIN\\{user},DC001,CLPC001,LOGON,ClientName:CLPC001 LogonType:Script\n")
}

struct Setup {
    _dir: tempfile::TempDir,
    db: Db,
    inbox: PathBuf,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("kinmu.db").display())).unwrap();
    let db = Db::open(&url, 2).await.unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    Setup { _dir: dir, db, inbox }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap()
}

async fn events(db: &Db) -> i64 {
    count(db, "SELECT COUNT(*) FROM attendance_events").await
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn after(t: SystemTime, secs: u64) -> SystemTime {
    t + Duration::from_secs(secs)
}

#[tokio::test]
async fn a_complete_file_is_imported_and_moved_to_processed() {
    let s = setup().await;
    let mut inbox = Inbox::open(&s.inbox, SETTLE).unwrap();
    assert!(s.inbox.join("processed").is_dir() && s.inbox.join("failed").is_dir());

    // Two good lines and a bad one: the bad line is recorded, the file still counts as imported.
    let text = format!("{HEADER}{}yesterday,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,x\n{}", alog_line("Kawasaki", 51), alog_line("Ota", 52));
    std::fs::write(s.inbox.join("alog.csv"), &text).unwrap();
    // Not dropped files: hidden, partial, and anything in a subfolder.
    for name in [".hidden.csv", "copying.csv.part", "download.csv.crdownload", "edit.csv~", "x.tmp"] {
        std::fs::write(s.inbox.join(name), &text).unwrap();
    }
    std::fs::create_dir(s.inbox.join("sub")).unwrap();
    std::fs::write(s.inbox.join("sub/inner.csv"), &text).unwrap();

    let t0 = SystemTime::now();
    let first = inbox.scan_once(&s.db, TOKYO, t0).await.unwrap();
    assert!(matches!(first.as_slice(), [InboxOutcome::Waiting { file }] if file == "alog.csv"), "{first:?}");
    assert_eq!(events(&s.db).await, 0, "nothing read before the settle period");

    let second = inbox.scan_once(&s.db, TOKYO, after(t0, 2)).await.unwrap();
    let [InboxOutcome::Imported { file, moved_to, summary }] = second.as_slice() else {
        panic!("{second:?}");
    };
    assert_eq!(file, "alog.csv");
    assert_eq!(moved_to, &s.inbox.join("processed/alog.csv"));
    assert_eq!((summary.read, summary.imported, summary.rejected), (2, 2, 1));
    assert_eq!(std::fs::read_to_string(moved_to).unwrap(), text, "moved as it was");
    assert_eq!(events(&s.db).await, 2);
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM attendance_import_rejects").await, 1);
    assert_eq!(
        names(&s.inbox),
        [".hidden.csv", "copying.csv.part", "download.csv.crdownload", "edit.csv~", "failed", "processed", "sub", "x.tmp"]
    );
    assert_eq!(names(&s.inbox.join("sub")), ["inner.csv"]);

    // Nothing left to do.
    let third = inbox.scan_once(&s.db, TOKYO, after(t0, 60)).await.unwrap();
    assert!(third.is_empty(), "{third:?}");
}

#[tokio::test]
async fn an_unreadable_file_goes_to_failed_with_its_reason() {
    let s = setup().await;
    let mut inbox = Inbox::open(&s.inbox, Duration::ZERO).unwrap();
    // Binary garbage: read as CSV, no line is an event.
    let garbage: Vec<u8> = (0..4000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(s.inbox.join("garbage.bin"), &garbage).unwrap();
    // A file that claims to be a Windows event log but is not one.
    let mut fake_evtx = b"ElfFile\0".to_vec();
    fake_evtx.extend(std::iter::repeat_n(0u8, 200));
    std::fs::write(s.inbox.join("broken.evtx"), &fake_evtx).unwrap();
    std::fs::write(s.inbox.join("empty.csv"), b"").unwrap();

    let now = SystemTime::now();
    let outcomes = inbox.scan_once(&s.db, TOKYO, now).await.unwrap();
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    for o in &outcomes {
        let InboxOutcome::Failed { file, moved_to, reason } = o else { panic!("{o:?}") };
        assert_eq!(moved_to, &s.inbox.join("failed").join(file));
        let written = std::fs::read_to_string(s.inbox.join("failed").join(format!("{file}.reason.txt"))).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 2, "{written:?}");
        assert_eq!(lines[0], reason.as_str());
        assert!(chrono::DateTime::parse_from_rfc3339(lines[1]).is_ok(), "the time: {written:?}");
        match file.as_str() {
            "garbage.bin" => assert!(reason.contains("no event could be read from the file"), "{reason}"),
            "empty.csv" => assert!(reason.contains("empty"), "{reason}"),
            "broken.evtx" => assert!(reason.contains("not an EVTX file"), "{reason}"),
            other => panic!("{other}"),
        }
    }
    assert_eq!(std::fs::read(s.inbox.join("failed/garbage.bin")).unwrap(), garbage, "moved as it was");
    assert_eq!(names(&s.inbox), ["failed", "processed"]);
    assert_eq!(events(&s.db).await, 0);
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM attendance_import_files WHERE status = 'failed'").await, 2);
}

#[tokio::test]
async fn a_file_still_being_written_waits_until_it_is_stable() {
    let s = setup().await;
    let mut inbox = Inbox::open(&s.inbox, SETTLE).unwrap();
    let path = s.inbox.join("growing.csv");
    std::fs::write(&path, format!("{HEADER}{}", alog_line("Kawasaki", 1))).unwrap();
    let t0 = SystemTime::now();
    let waiting = |o: &[InboxOutcome]| matches!(o, [InboxOutcome::Waiting { file }] if file == "growing.csv");

    assert!(waiting(&inbox.scan_once(&s.db, TOKYO, t0).await.unwrap()));
    // More is written after the settle period has passed: the file starts over.
    let mut more = String::new();
    for minute in 2..40 {
        more.push_str(&alog_line("Kawasaki", minute));
    }
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(more.as_bytes()).unwrap();
    }
    assert!(waiting(&inbox.scan_once(&s.db, TOKYO, after(t0, 3)).await.unwrap()));
    assert!(waiting(&inbox.scan_once(&s.db, TOKYO, after(t0, 4)).await.unwrap()));
    assert_eq!(events(&s.db).await, 0);
    assert!(path.is_file());

    let done = inbox.scan_once(&s.db, TOKYO, after(t0, 5)).await.unwrap();
    let [InboxOutcome::Imported { summary, .. }] = done.as_slice() else { panic!("{done:?}") };
    assert_eq!((summary.read, summary.rejected), (39, 0), "the whole file, read once");
    assert_eq!(events(&s.db).await, 39);
    assert_eq!(count(&s.db, "SELECT COUNT(*) FROM attendance_import_files").await, 1);
}

#[tokio::test]
async fn names_taken_in_processed_and_failed_are_never_overwritten() {
    let s = setup().await;
    let mut inbox = Inbox::open(&s.inbox, Duration::ZERO).unwrap();
    let processed = s.inbox.join("processed");
    std::fs::write(processed.join("alog.csv"), "an earlier file").unwrap();
    let text = format!("{HEADER}{}", alog_line("Kawasaki", 1));

    for expected in ["alog.1.csv", "alog.2.csv"] {
        std::fs::write(s.inbox.join("alog.csv"), &text).unwrap();
        let out = inbox.scan_once(&s.db, TOKYO, SystemTime::now()).await.unwrap();
        let [InboxOutcome::Imported { moved_to, summary, .. }] = out.as_slice() else { panic!("{out:?}") };
        assert_eq!(moved_to, &processed.join(expected));
        assert_eq!(summary.read, 1);
    }
    assert_eq!(std::fs::read_to_string(processed.join("alog.csv")).unwrap(), "an earlier file");
    assert_eq!(names(&processed), ["alog.1.csv", "alog.2.csv", "alog.csv"]);
    assert_eq!(events(&s.db).await, 1, "the same events twice are stored once");

    // In failed/, a name whose reason file is taken is taken too.
    let failed = s.inbox.join("failed");
    std::fs::write(failed.join("bad.csv.reason.txt"), "an earlier reason").unwrap();
    std::fs::write(s.inbox.join("bad.csv"), "not,a,log\n1,2,3\n").unwrap();
    let out = inbox.scan_once(&s.db, TOKYO, SystemTime::now()).await.unwrap();
    let [InboxOutcome::Failed { moved_to, .. }] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(moved_to, &failed.join("bad.1.csv"));
    assert_eq!(std::fs::read_to_string(failed.join("bad.csv.reason.txt")).unwrap(), "an earlier reason");
    assert!(failed.join("bad.1.csv.reason.txt").is_file());
}

#[tokio::test]
async fn the_watcher_imports_a_file_dropped_while_it_runs_and_stops_on_request() {
    let s = setup().await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(inbox::watch(s.db.clone(), s.inbox.clone(), Duration::from_millis(300), stopped));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Written under a partial name, then renamed, as copy tools do.
    let text = format!("{HEADER}{}{}", alog_line("Kawasaki", 1), alog_line("Ota", 2));
    std::fs::write(s.inbox.join("dropped.csv.part"), &text).unwrap();
    std::fs::rename(s.inbox.join("dropped.csv.part"), s.inbox.join("dropped.csv")).unwrap();

    let processed = s.inbox.join("processed/dropped.csv");
    let started = Instant::now();
    while !processed.is_file() {
        assert!(started.elapsed() < Duration::from_secs(20), "not picked up: {:?}", names(&s.inbox));
        assert!(!task.is_finished(), "the watcher ended early");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(events(&s.db).await, 2);

    stop.send(true).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), task).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
}

#[tokio::test]
async fn a_folder_that_cannot_be_used_is_named_in_the_error() {
    let s = setup().await;
    let missing = s.inbox.join("nope");
    let e = Inbox::open(&missing, SETTLE).unwrap_err();
    assert!(matches!(e, InboxError::Missing { .. }));
    let msg = e.to_string();
    assert!(msg.contains(&missing.display().to_string()) && msg.contains("does not exist"), "{msg}");

    let file = s.inbox.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let e = Inbox::open(&file, SETTLE).unwrap_err();
    assert!(matches!(e, InboxError::NotAFolder { .. }), "{e}");

    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let e = inbox::watch(s.db.clone(), missing.clone(), SETTLE, stopped).await.unwrap_err();
    assert!(e.to_string().contains(&missing.display().to_string()), "{e}");
}

/// `kinmu` run in `dir` with `KINMU_ATTENDANCE_INBOX` set to `env_inbox` (or unset).
fn kinmu_command(dir: &Path, env_inbox: Option<&Path>) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kinmu"));
    c.current_dir(dir)
        .env("KINMU_DATA_DIR", dir.join("data"))
        .env_remove("KINMU_DATABASE_URL")
        .env_remove("KINMU_CONFIG")
        .env_remove("KINMU_ADDR")
        .env_remove("KINMU_ATTENDANCE_INBOX")
        .stdin(std::process::Stdio::null());
    if let Some(p) = env_inbox {
        c.env("KINMU_ATTENDANCE_INBOX", p);
    }
    c
}

#[test]
fn serve_takes_the_inbox_from_flag_then_variable_then_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("kinmu.toml");
    std::fs::write(&config, "[attendance]\ninbox = \"from-file\"\n").unwrap();
    let serve = |env: Option<&Path>, flag: Option<&str>| {
        let mut c = kinmu_command(d, env);
        c.args(["--config", "kinmu.toml", "serve", "--addr", "127.0.0.1:0"]);
        if let Some(f) = flag {
            c.args(["--inbox", f]);
        }
        let out = c.output().unwrap();
        assert!(!out.status.success(), "no inbox folder exists yet");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = serve(None, None);
    assert!(e.contains("the inbox folder from-file does not exist"), "{e}");
    let e = serve(Some(Path::new("from-env")), None);
    assert!(e.contains("the inbox folder from-env does not exist"), "{e}");
    let e = serve(Some(Path::new("from-env")), Some("from-flag"));
    assert!(e.contains("the inbox folder from-flag does not exist"), "{e}");
}

#[test]
fn serve_watches_the_inbox_folder_of_the_config_file() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("inbox")).unwrap();
    std::fs::write(d.join("kinmu.toml"), "[attendance]\ninbox = \"inbox\"\n").unwrap();
    /// Stops the server however the test ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Server(
        kinmu_command(d, None)
            .args(["--config", "kinmu.toml", "serve", "--addr", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = std::io::BufReader::new(server.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("Watching the inbox folder inbox"), "{first}");

    let text = format!("{HEADER}{}", alog_line("Kawasaki", 1));
    std::fs::write(d.join("inbox/alog.csv"), text).unwrap();
    let started = Instant::now();
    while !d.join("inbox/processed/alog.csv").is_file() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(d.join("inbox/processed/alog.csv").is_file(), "not picked up: {:?}", names(&d.join("inbox")));
    drop(server);
}
