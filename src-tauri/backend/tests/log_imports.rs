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

    let h = admin.get("/attendance/imports").await;
    expect(&h, 200, None);
    assert_eq!((h.body["total"].as_i64(), h.body["retention_days"].as_i64()), (Some(7), Some(400)), "{}", h.text);
    let rows = h.body["imports"].as_array().unwrap();
    assert_eq!(rows.len(), 7);
    assert_eq!((rows[0]["source"].as_str(), rows[0]["imported_by"].as_str()), (Some("command"), None), "newest first: {}", rows[0]);
    assert!(rows[0]["file"].as_str().unwrap().ends_with("from-the-shell.csv"));
    let uploads: Vec<&Value> = rows.iter().filter(|r| r["source"] == "upload").collect();
    assert_eq!(uploads.len(), 6);
    assert!(uploads.iter().all(|r| r["imported_by"] == "admin" && r["finished_at"].is_i64() && r["first_rejects"].is_null()));
    let oldest = rows.last().unwrap();
    assert_eq!((oldest["file"].as_str(), counts(oldest)), (Some("DE_RDP_Tunneling_4624.evtx"), [18, 0, 0, 0, 18]));
    let page = admin.get("/attendance/imports?limit=2&offset=1").await;
    assert_eq!(page.body["imports"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["imports"][0]["id"], rows[1]["id"]);
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
