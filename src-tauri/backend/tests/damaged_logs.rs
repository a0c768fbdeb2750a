//! Damaged log files lose only their bad lines, on SQLite and PostgreSQL: a stray quote, a bad
//! byte, two encodings in one file, old Mac line ends, a giant field; a file from which nothing
//! can be read (empty, header only, UTF-16) is a failed import, never a silent success.

mod test_databases;

use std::path::Path;

use kinmu::database::Db;
use kinmu::pc_logs::{ImportStatus, ImportSummary, import_file};
use test_databases::{postgres_url, sqlite_url};

const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;
const NOW: i64 = 2_000_000_000;

async fn import(db: &Db, dir: &Path, name: &str, bytes: &[u8]) -> ImportSummary {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    import_file(db, &path, None, TOKYO, NOW, |_| {}).await.unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn log_users(db: &Db) -> Vec<String> {
    sqlx::query_scalar::<_, String>("SELECT DISTINCT log_user FROM attendance_events ORDER BY log_user").fetch_all(&db.pool).await.unwrap()
}

fn line(day: u32, minute: u32, user: &str, operation: &str) -> String {
    format!("2024/04/{day:02} {:02}:{:02}:00,{user},DC01,PC01,{operation},LogonType:Script\n", 8 + minute / 60, minute % 60)
}

async fn damaged_files(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // One stray quote among 20,020 good lines costs its own line only.
    let mut text = String::from("時刻,ユーザー,サーバ,対象,操作,詳細\n");
    text.push_str("2024/04/01 07:00:00,quote,DC01,\"PC01,LOGON,LogonType:Script\n");
    let mut good = 0;
    for day in 1..=28 {
        for n in 0..715 {
            text.push_str(&line(day, n % 600, &format!("OSAKA\\user{n}"), if n % 2 == 0 { "LOGON" } else { "LOGOFF" }));
            good += 1;
        }
    }
    assert_eq!(good, 20_020);
    let s = import(&db, d, "stray-quote.csv", text.as_bytes()).await;
    assert_eq!((s.read, s.rejected, s.status), (20_020, 1, ImportStatus::Done), "{:?}", s.first_rejects);
    assert_eq!(s.first_rejects[0].position, 2);
    assert!(s.first_rejects[0].reason.contains("not closed"), "{}", s.first_rejects[0].reason);

    // A UTF-8 file with one bad byte: that line is rejected, every other name is stored right.
    let mut bytes = line(1, 0, "OSAKA\\最上", "LOGON").into_bytes();
    let mut damaged = line(1, 1, "OSAKA\\佐藤", "LOGON").into_bytes();
    damaged.insert(20, 0xFF);
    bytes.extend_from_slice(&damaged);
    bytes.extend_from_slice(line(1, 2, "OSAKA\\鈴木", "LOGON").as_bytes());
    // And a line in Shift_JIS, as a file appended to by two programs.
    bytes.extend_from_slice(&encoding_rs::SHIFT_JIS.encode(&line(1, 3, "OSAKA\\加藤", "LOGON")).0);
    let s = import(&db, d, "mixed.csv", &bytes).await;
    assert_eq!((s.read, s.rejected), (3, 1), "{:?}", s.first_rejects);
    assert_eq!(s.first_rejects[0].position, 2);
    let users = log_users(&db).await;
    for name in ["OSAKA\\最上", "OSAKA\\鈴木", "OSAKA\\加藤"] {
        assert!(users.iter().any(|u| u == name), "{name} is stored as written: {users:?}");
    }

    // Old Mac line ends: every event is read.
    let cr: String = (0..84).map(|n| line(2, n, "OSAKA\\mac", if n % 2 == 0 { "LOGON" } else { "LOGOFF" }).replace('\n', "\r")).collect();
    let s = import(&db, d, "cr-only.csv", cr.as_bytes()).await;
    assert_eq!((s.read, s.rejected), (84, 0));

    // A giant user name is rejected with its line, not stored; the next line is read.
    let mut giant = line(3, 0, &"x".repeat(5 << 20), "LOGON");
    giant.push_str(&line(3, 1, "OSAKA\\after", "LOGON"));
    let s = import(&db, d, "giant.csv", giant.as_bytes()).await;
    assert_eq!((s.read, s.rejected), (1, 1));
    assert_eq!(s.first_rejects[0].position, 1);
    let longest: i64 = sqlx::query_scalar("SELECT MAX(LENGTH(log_user)) FROM attendance_events").fetch_one(&db.pool).await.unwrap();
    assert!(longest <= 256, "{longest}");

    // Nothing readable: a failed import that says why.
    for (name, bytes, why) in [
        ("empty.csv", Vec::new(), "empty"),
        ("header.csv", "時刻,ユーザー,サーバ,対象,操作,詳細\n".as_bytes().to_vec(), "header"),
        (
            "utf16.csv",
            [0xFF, 0xFE].into_iter().chain(line(4, 0, "OSAKA\\wide", "LOGON").encode_utf16().flat_map(u16::to_le_bytes)).collect(),
            "unsupported encoding",
        ),
    ] {
        let s = import(&db, d, name, &bytes).await;
        assert_eq!(s.status, ImportStatus::Failed, "{name}");
        let said = format!("{} {:?}", s.message.clone().unwrap_or_default(), s.first_rejects);
        assert!(said.contains(why), "{name}: {said}");
    }
    assert!(!log_users(&db).await.iter().any(|u| u.contains("wide")), "nothing garbled was stored");
}

#[tokio::test]
async fn damaged_files_lose_only_their_bad_lines_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    damaged_files(Db::open(&sqlite_url(&dir), 2).await.unwrap()).await;
}

#[tokio::test]
async fn damaged_files_lose_only_their_bad_lines_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    damaged_files(Db::open(&url, 2).await.unwrap()).await;
}
