//! Importing access logs into the database, on SQLite and on a real PostgreSQL server: the
//! real Windows logs in `shared/data/evtx`, ALog CSV with a bad line, Shift_JIS, re-imports.
//!
//! PostgreSQL: as in `api_story.rs`, `KINMU_TEST_POSTGRES_URL` names a server whose user may
//! create databases; `KINMU_TEST_REQUIRE_POSTGRES=1` makes a missing URL fail the test.

use std::path::{Path, PathBuf};

use kinmu::attendance::{ReportError, month_report};
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::pc_logs::{ImportFileError, ImportStatus, ImportSummary, import_file};
use kinmu_pc_logs::LogFormat;

const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;
const NOW: i64 = 2_000_000_000;

fn evtx_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/evtx"))
}

/// The real logs and the 4624/4634 records each holds (see shared/data/README.md).
const EVTX_FILES: [(&str, u64); 4] = [
    ("CA_4624_4625_LogonType2_LogonProc_chrome.evtx", 3),
    ("DE_RDP_Tunneling_4624.evtx", 18),
    ("LM_WMI_4624_4688_TargetHost.evtx", 6),
    ("NTLM2SelfRelay-med0x2e-security_4624_4688.evtx", 5),
];

fn sqlite_url(dir: &tempfile::TempDir) -> DatabaseUrl {
    DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("kinmu.db").display())).unwrap()
}

/// A fresh database on the test PostgreSQL server, or None when there is none.
async fn postgres_url() -> Option<DatabaseUrl> {
    let Ok(base) = std::env::var("KINMU_TEST_POSTGRES_URL") else {
        if std::env::var("KINMU_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("KINMU_TEST_REQUIRE_POSTGRES=1 but KINMU_TEST_POSTGRES_URL is not set");
        }
        eprintln!("skipping the PostgreSQL run: KINMU_TEST_POSTGRES_URL is not set (the test command sets it)");
        return None;
    };
    let admin = Db::connect(&DatabaseUrl::parse(&base).unwrap(), 1).await.expect("test PostgreSQL server answers");
    let name = format!("kinmu_test_{}_{}", std::process::id(), &kinmu::accounts::passwords::random_token()[..8]);
    sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&admin.pool).await.unwrap();
    let (prefix, _) = base.rsplit_once('/').unwrap();
    Some(DatabaseUrl::parse(&format!("{prefix}/{name}")).unwrap())
}

async fn import(db: &Db, path: &Path, format: Option<LogFormat>) -> ImportSummary {
    import_file(db, path, format, TOKYO, NOW, |_| {}).await.unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap()
}

async fn import_story(db: Db) {
    let dir = tempfile::tempdir().unwrap();

    // The real Windows logs: every logon and logoff, with user, host and logon type.
    let mut total = 0;
    for (name, expected) in EVTX_FILES {
        let s = import(&db, &evtx_dir().join(name), None).await;
        assert_eq!(s.format, LogFormat::Evtx);
        assert_eq!(s.status, ImportStatus::Done, "{name}: {:?}", s.message);
        assert_eq!((s.read, s.imported, s.duplicates, s.rejected), (expected, expected, 0, 0), "{name}: {:?}", s.first_rejects);
        total += expected as i64;
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attendance_events").await, total);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attendance_events WHERE operation = 'LOGOFF'").await, 1, "the one 4634");
    let rows: Vec<(String, String, String, String, String)> =
        sqlx::query_as("SELECT user_key, log_user, host, operation, detail FROM attendance_events").fetch_all(&db.pool).await.unwrap();
    for (key, user, host, operation, detail) in &rows {
        assert_eq!(key, &user.to_lowercase());
        assert!(user.contains('\\'), "domain\\account: {user}");
        assert!(!host.is_empty(), "{user}: host");
        assert!(operation == "LOGON" || operation == "LOGOFF", "{operation}");
        assert!(operation == "LOGOFF" || detail.contains("LogonType:"), "{user}: {detail}");
    }
    assert!(rows.iter().any(|r| r.4.contains("LogonType:2 ")), "the interactive logon of the CA_ file");
    let files = count(&db, "SELECT COUNT(*) FROM attendance_import_files WHERE status = 'done' AND finished_at IS NOT NULL").await;
    assert_eq!(files, 4);

    // Again: nothing new, everything a duplicate.
    for (name, expected) in EVTX_FILES {
        let s = import(&db, &evtx_dir().join(name), Some(LogFormat::Evtx)).await;
        assert_eq!((s.read, s.imported, s.duplicates), (expected, 0, expected), "{name}");
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attendance_events").await, total);
    assert_eq!(count(&db, "SELECT CAST(SUM(duplicates) AS BIGINT) FROM attendance_import_files").await, total);

    // ALog CSV with a malformed line: the line is rejected with its number, the rest stored.
    let csv = dir.path().join("alog.csv");
    std::fs::write(
        &csv,
        "時刻,ユーザー,サーバ,対象,操作,詳細\n\
         2024/04/01 08:51:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,ClientName:CLPC001 LogonType:Script\n\
         yesterday at noon,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,ClientName:CLPC001\n\
         2024/04/01 18:02:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGOFF,ClientName:CLPC001 LogonType:Script\n",
    )
    .unwrap();
    let s = import(&db, &csv, None).await;
    assert_eq!(s.format, LogFormat::AlogCsv);
    assert_eq!((s.read, s.imported, s.rejected), (2, 2, 1));
    assert_eq!(s.status, ImportStatus::Done);
    assert_eq!(s.first_rejects.len(), 1);
    assert_eq!(s.first_rejects[0].position, 3, "{:?}", s.first_rejects);
    let (position, reason): (i64, String) = sqlx::query_as("SELECT position, reason FROM attendance_import_rejects WHERE file_id = $1")
        .bind(s.file_id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(position, 3);
    assert!(!reason.is_empty());
    let logon: i64 = sqlx::query_scalar("SELECT occurred_at FROM attendance_events WHERE user_key = $1 AND operation = 'LOGON'")
        .bind("domain\\kawasaki")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        logon,
        chrono::DateTime::parse_from_rfc3339("2024-03-31T23:51:00Z").unwrap().timestamp_micros(),
        "Tokyo time, stored in UTC"
    );
    let s = import(&db, &csv, None).await;
    assert_eq!((s.read, s.imported, s.duplicates, s.rejected), (2, 0, 2, 1));

    // The month computed from the stored events, by log user with or without the domain.
    for name in ["Kawasaki", "domain\\kawasaki"] {
        let r = month_report(&db, name, 2024, 4, NOW).await.unwrap();
        assert_eq!(r.log_users, vec!["domain\\kawasaki".to_string()], "{name}");
        assert_eq!(r.days.len(), 30);
        let first = &r.days[0];
        assert!(first.worked(), "{first:?}");
        assert!(first.actual_work_minutes >= 7 * 60 && first.actual_work_minutes <= 9 * 60, "{first:?}");
        assert_eq!(r.total.days_worked, 1);
        assert_eq!(r.total.actual_work_minutes, u64::from(first.actual_work_minutes));
    }
    let e = month_report(&db, "nobody", 2024, 4, NOW).await.unwrap_err();
    assert!(matches!(e, ReportError::UnknownUser { .. }), "{e}");

    // Shift_JIS, as ALog writes it on Japanese Windows.
    let text = "時刻,ユーザー,サーバ,対象,操作,詳細\r\n2024/04/02 09:00:00,OSAKA\\川崎,DC001,会議室PC,LOGON,ClientName:会議室PC\r\n";
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    let sjis = dir.path().join("sjis.csv");
    std::fs::write(&sjis, &bytes).unwrap();
    let s = import(&db, &sjis, Some(LogFormat::AlogCsv)).await;
    assert_eq!((s.read, s.imported, s.rejected), (1, 1, 0), "{:?}", s.first_rejects);
    let (user, target): (String, String) = sqlx::query_as("SELECT log_user, target FROM attendance_events WHERE user_key = $1")
        .bind("osaka\\川崎")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!((user.as_str(), target.as_str()), ("OSAKA\\川崎", "会議室PC"));

    // A file in another format than the one forced: nothing read, the file failed.
    let s = import(&db, &evtx_dir().join(EVTX_FILES[0].0), Some(LogFormat::JsonLines)).await;
    assert_eq!(s.status, ImportStatus::Failed);
    assert_eq!(s.read, 0);
    assert!(s.rejected > 0);
    let status: String =
        sqlx::query_scalar("SELECT status FROM attendance_import_files WHERE id = $1").bind(s.file_id).fetch_one(&db.pool).await.unwrap();
    assert_eq!(status, "failed");

    // A missing file is an error naming it.
    let missing = dir.path().join("missing.csv");
    let e = import_file(&db, &missing, None, TOKYO, NOW, |_| {}).await.unwrap_err();
    assert!(matches!(e, ImportFileError::NotFound { .. }));
    assert!(e.to_string().contains("missing.csv") && e.to_string().contains("no such file"), "{e}");
}

/// Many events: batches, progress, and duplicates inside one file.
async fn large_file_story(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let logs = kinmu_pc_logs::generator::SyntheticLogs::new(300, 8, 600);
    let events = logs.generate();
    let path = dir.path().join("large.csv");
    let out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    kinmu_pc_logs::import::alog_csv::write_alog_csv(out, events.iter().chain(events.iter().take(100)), TOKYO).unwrap();
    let mut reports = Vec::new();
    let s = import_file(&db, &path, None, TOKYO, NOW, |p| reports.push(p.events_read)).await.unwrap();
    let n = events.len() as u64;
    assert_eq!((s.read, s.imported, s.duplicates, s.rejected), (n + 100, n, 100, 0));
    assert!(reports.len() > 1 && reports.windows(2).all(|w| w[0] < w[1]), "{reports:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attendance_events").await as u64, n);
    // The same file again: nothing new, every event counted as a duplicate, exactly.
    let again = import_file(&db, &path, None, TOKYO, NOW, |_| {}).await.unwrap();
    assert_eq!((again.read, again.imported, again.duplicates, again.rejected), (n + 100, 0, n + 100, 0));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attendance_events").await as u64, n);
    // The first line of duplicates within a file is the one stored (key order does not change it).
    // (lines 2 to n + 1 hold the events, the header is line 1, the repeated ones come after)
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM attendance_events WHERE position > {}", n + 1)).await, 0);
}

#[tokio::test]
async fn logs_are_imported_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    import_story(Db::open(&sqlite_url(&dir), 2).await.unwrap()).await;
}

#[tokio::test]
async fn logs_are_imported_on_postgres() {
    let Some(url) = postgres_url().await else {
        return;
    };
    import_story(Db::open(&url, 2).await.unwrap()).await;
}

#[tokio::test]
async fn large_files_are_imported_in_batches_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    large_file_story(Db::open(&sqlite_url(&dir), 2).await.unwrap()).await;
}

/// The import copies its write-ahead log into the database as it goes and empties the log at
/// the end: the log file does not keep the disk space of every file imported (it kept it all,
/// until the server stopped, before the end's `TRUNCATE`).
#[tokio::test]
async fn an_import_on_sqlite_leaves_its_write_ahead_log_empty() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&sqlite_url(&dir), 2).await.unwrap();
    let logs = kinmu_pc_logs::generator::SyntheticLogs::new(2000, 40, 20_000);
    let path = dir.path().join("big.csv");
    let out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    kinmu_pc_logs::import::alog_csv::write_alog_csv(out, &logs.generate(), TOKYO).unwrap();
    let s = import_file(&db, &path, None, TOKYO, NOW, |_| {}).await.unwrap();
    assert_eq!((s.read, s.rejected), (logs.len() as u64, 0));
    let wal = dir.path().join("kinmu.db-wal");
    let database = std::fs::metadata(dir.path().join("kinmu.db")).unwrap().len();
    let log = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(database > 10 << 20, "the events are in the database file: {database} bytes");
    // What is written after the events (the file's counts) may stay in the log: a page or two.
    assert!(log < 1 << 20, "the write-ahead log holds {log} bytes after the import of a {database}-byte database");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attendance_events").await as usize, logs.len());
}

#[tokio::test]
async fn large_files_are_imported_in_batches_on_postgres() {
    let Some(url) = postgres_url().await else {
        return;
    };
    large_file_story(Db::open(&url, 2).await.unwrap()).await;
}
