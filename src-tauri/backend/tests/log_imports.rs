//! Access logs uploaded from the browser (`POST /attendance/imports`) and the history of every
//! import (`GET /attendance/imports`), on SQLite and PostgreSQL: real Windows logs from
//! `shared/data/evtx`, events older than the retention of raw events counted and left out (or
//! kept on request), the same file twice adding nothing, a file larger than any body limit
//! streamed to disk, and imports from the command line shown beside uploads. (Who may call the
//! routes: the sweep of every route × role in `access_control.rs`.)

mod api_client;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use kinmu::config::DatabaseUrl;
use serde_json::Value;

fn evtx(name: &str) -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/evtx/").to_string() + name).unwrap()
}

async fn upload(c: &mut Client, query: &str, bytes: Vec<u8>) -> Value {
    let a = c.raw("POST", &format!("/attendance/imports?{query}"), Some("application/octet-stream"), bytes, true).await;
    expect(&a, 200, None);
    a.body
}

fn counts(v: &Value) -> [i64; 5] {
    ["read", "imported", "duplicates", "rejected", "older_than_retention"].map(|k| v[k].as_i64().unwrap_or_else(|| panic!("{k}: {v}")))
}

/// ALog CSV lines of the last days (inside the retention), and a line that cannot be read.
fn recent_csv() -> Vec<u8> {
    let day = (chrono::Utc::now() - chrono::Duration::days(2)).format("%Y/%m/%d");
    format!(
        "{day} 08:51:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,ClientName:CLPC001\n\
         not a time,DOMAIN\\Kawasaki,DC001,CLPC001,LOGON,\n\
         {day} 18:02:00,DOMAIN\\Kawasaki,DC001,CLPC001,LOGOFF,ClientName:CLPC001\n"
    )
    .into_bytes()
}

async fn story(url: DatabaseUrl) {
    let (app, db) = app_on(&url).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;

    // A real log from years ago: all 18 events are older than the 400 days kept, so they are
    // counted and left out, and the file is not a failure.
    let real = evtx("DE_RDP_Tunneling_4624.evtx");
    let old = upload(&mut admin, "name=DE_RDP_Tunneling_4624.evtx", real.clone()).await;
    assert_eq!(counts(&old), [18, 0, 0, 0, 18], "{old}");
    assert_eq!((old["status"].as_str(), old["older_kept"].as_bool()), (Some("done"), Some(false)), "{old}");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_events").fetch_one(&db.pool).await.unwrap();
    assert_eq!(stored, 0, "nothing older than the retention is stored");
    // Kept on request, once: the same file again adds nothing.
    let kept = upload(&mut admin, "name=DE_RDP_Tunneling_4624.evtx&keep_older=true", real.clone()).await;
    assert_eq!(counts(&kept), [18, 18, 0, 0, 18], "{kept}");
    assert_eq!(kept["older_kept"], true);
    let again = upload(&mut admin, "name=DE_RDP_Tunneling_4624.evtx&keep_older=true", real).await;
    assert_eq!(counts(&again), [18, 0, 18, 0, 18], "{again}");

    // Recent lines with a bad one: the summary names it; a second upload adds nothing.
    let csv = upload(&mut admin, "name=alog.csv", recent_csv()).await;
    assert_eq!(counts(&csv), [2, 2, 0, 1, 0], "{csv}");
    assert_eq!(
        (csv["format"].as_str(), csv["source"].as_str(), csv["imported_by"].as_str()),
        (Some("alog-csv"), Some("upload"), Some("admin"))
    );
    assert_eq!(csv["first_rejects"][0]["position"], 2, "{csv}");
    assert!(csv["first_rejects"][0]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{csv}");
    let csv_again = upload(&mut admin, "name=alog.csv", recent_csv()).await;
    assert_eq!(counts(&csv_again), [2, 0, 2, 1, 0], "{csv_again}");

    // Larger than the CSV upload's 32 MiB limit: streamed to disk, then imported (lines of 4 KiB).
    let day = (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y/%m/%d");
    let padding = "x".repeat(4_000);
    let mut big = String::new();
    for i in 0..9_000 {
        big.push_str(&format!(
            "{day} {:02}:{:02}:{:02},DOMAIN\\big{},DC001,PC{i},LOGON,Note:{padding}\n",
            8 + i / 3600,
            i / 60 % 60,
            i % 60,
            i % 7
        ));
    }
    assert!(big.len() > kinmu::http::CSV_LIMIT);
    let big = upload(&mut admin, "name=big.csv", big.into_bytes()).await;
    assert_eq!(counts(&big), [9_000, 9_000, 0, 0, 0], "{}", big["first_rejects"][0]);

    // Empty files, names and formats are refused, naming the field.
    let a = admin.raw("POST", "/attendance/imports?name=e.csv", Some("application/octet-stream"), Vec::new(), true).await;
    expect(&a, 422, Some("validation"));
    assert_eq!(a.body["field"], "file");
    let a = admin.raw("POST", "/attendance/imports?name=", Some("application/octet-stream"), recent_csv(), true).await;
    expect(&a, 422, Some("validation"));
    assert_eq!(a.body["field"], "name");
    let a = admin.raw("POST", "/attendance/imports?name=a.csv&format=xml", Some("application/octet-stream"), recent_csv(), true).await;
    expect(&a, 422, Some("validation"));
    assert_eq!(a.body["field"], "format");

    // An import from the command line is in the history too.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("from-the-shell.csv");
    std::fs::write(&path, recent_csv()).unwrap();
    kinmu::pc_logs::import_file(&db, &path, None, chrono_tz::Asia::Tokyo, kinmu::now(), |_| {}).await.unwrap();

    // And one from the watched inbox, which has nobody to ask: its old events are stored, and
    // counted.
    let inbox_dir = dir.path().join("inbox");
    std::fs::create_dir(&inbox_dir).unwrap();
    let mut inbox = kinmu::pc_logs::inbox::Inbox::open(&inbox_dir, std::time::Duration::from_secs(1)).unwrap();
    std::fs::write(inbox_dir.join("dropped.evtx"), evtx("LM_WMI_4624_4688_TargetHost.evtx")).unwrap();
    let t0 = std::time::SystemTime::now();
    inbox.scan_once(&db, chrono_tz::Asia::Tokyo, t0).await.unwrap();
    let out = inbox.scan_once(&db, chrono_tz::Asia::Tokyo, t0 + std::time::Duration::from_secs(2)).await.unwrap();
    assert_eq!(out.len(), 1, "{out:?}");

    let h = admin.get("/attendance/imports").await;
    expect(&h, 200, None);
    assert_eq!((h.body["total"].as_i64(), h.body["retention_days"].as_i64()), (Some(8), Some(400)), "{}", h.text);
    let rows = h.body["imports"].as_array().unwrap();
    assert_eq!(rows.len(), 8);
    let from_inbox = rows.iter().find(|r| r["source"] == "inbox").expect("the inbox's import is listed");
    assert!(from_inbox["file"].as_str().unwrap().ends_with("dropped.evtx") && from_inbox["imported_by"].is_null());
    assert_eq!(counts(from_inbox), [6, 6, 0, 0, 6], "{from_inbox}");
    assert_eq!(from_inbox["older_kept"], true);
    let rows: Vec<Value> = rows.iter().filter(|r| r["source"] != "inbox").cloned().collect();
    assert_eq!((rows[0]["source"].as_str(), rows[0]["imported_by"].as_str()), (Some("command"), None), "newest first: {}", rows[0]);
    assert!(rows[0]["file"].as_str().unwrap().ends_with("from-the-shell.csv"));
    let uploads: Vec<&Value> = rows.iter().filter(|r| r["source"] == "upload").collect();
    assert_eq!(uploads.len(), 6);
    assert!(uploads.iter().all(|r| r["imported_by"] == "admin" && r["finished_at"].is_i64() && r["first_rejects"].is_null()));
    let oldest = rows.last().unwrap();
    assert_eq!((oldest["file"].as_str(), counts(oldest)), (Some("DE_RDP_Tunneling_4624.evtx"), [18, 0, 0, 0, 18]));
    let all = h.body["imports"].as_array().unwrap();
    let page = admin.get("/attendance/imports?limit=2&offset=1").await;
    assert_eq!(page.body["imports"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["imports"][0]["id"], all[1]["id"]);
}

/// Rebuilds `day` and waits until the run ends; answers the people with a record that day.
async fn rebuild(admin: &mut Client, db: &kinmu::database::Db, day: &str) -> Vec<String> {
    let started = admin.send("POST", "/attendance/task/run", serde_json::json!({"from": day, "to": day})).await;
    expect(&started, 202, None);
    let mut last = Value::Null;
    for _ in 0..200 {
        last = admin.get("/attendance/task").await.body;
        if last["running"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["recent"][0]["status"], "completed", "{last}");
    sqlx::query_scalar("SELECT person_key FROM attendance_daily WHERE work_date = $1 ORDER BY person_key")
        .bind(day)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

/// System and machine accounts are not people: the default rules leave them out of the
/// attendance task's records; the administrator edits the list through the rules.
async fn system_accounts_story(url: DatabaseUrl) {
    let (app, db) = app_on(&url).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let rules = admin.get("/attendance/rules").await;
    expect(&rules, 200, None);
    let listed: Vec<&str> = rules.body["excluded_accounts"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(listed, kinmu_shared::attendance_rules::DEFAULT_EXCLUDED_ACCOUNTS);

    let day = (chrono::Utc::now() - chrono::Duration::days(3)).date_naive();
    let slash = day.format("%Y/%m/%d");
    let mut csv = String::new();
    for user in [
        "DOMAIN\\Kawasaki",
        "NT AUTHORITY\\SYSTEM",
        "NT AUTHORITY\\NETWORK SERVICE",
        "DOMAIN\\CLPC001$",
        "Window Manager\\DWM-1",
        "Font Driver Host\\UMFD-0",
    ] {
        csv.push_str(&format!("{slash} 08:51:00,{user},DC001,CLPC001,LOGON,ClientName:CLPC001 LogonType:Script\n"));
        csv.push_str(&format!("{slash} 18:02:00,{user},DC001,CLPC001,LOGOFF,ClientName:CLPC001 LogonType:Script\n"));
    }
    let up = upload(&mut admin, "name=mixed.csv", csv.into_bytes()).await;
    assert_eq!(counts(&up), [12, 12, 0, 0, 0], "the events are stored; the rules decide who is a person");
    let day = day.to_string();
    assert_eq!(rebuild(&mut admin, &db, &day).await, ["kawasaki"]);

    // Emptied and saved, the list leaves nobody out: every account gets its record.
    let mut edited = rules.body.clone();
    edited["excluded_accounts"] = serde_json::json!(["*$"]);
    expect(&admin.send("PUT", "/attendance/rules", edited.clone()).await, 200, None);
    assert_eq!(admin.get("/attendance/rules").await.body["excluded_accounts"], serde_json::json!(["*$"]));
    let people = rebuild(&mut admin, &db, &day).await;
    assert_eq!(people.len(), 5, "{people:?}");
    assert!(!people.iter().any(|p| p.ends_with('$')), "{people:?}");
    // A pattern that would leave out everyone is refused, naming the line.
    edited["excluded_accounts"] = serde_json::json!(["*$", "*"]);
    let bad = admin.send("PUT", "/attendance/rules", edited).await;
    expect(&bad, 422, Some("validation"));
    assert!(bad.text.contains("excluded_accounts[1]"), "{}", bad.text);
}

#[tokio::test]
async fn system_accounts_make_no_attendance_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    system_accounts_story(test_databases::sqlite_url(&dir)).await;
}

#[tokio::test]
async fn system_accounts_make_no_attendance_on_postgres() {
    let Some(url) = test_databases::postgres_url().await else { return };
    system_accounts_story(url).await;
}

#[tokio::test]
async fn uploads_and_the_import_history_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    story(test_databases::sqlite_url(&dir)).await;
}

#[tokio::test]
async fn uploads_and_the_import_history_on_postgres() {
    let Some(url) = test_databases::postgres_url().await else { return };
    story(url).await;
}
