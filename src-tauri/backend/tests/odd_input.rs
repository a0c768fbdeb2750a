//! Odd input that once panicked a handler or the command: months and dates far outside any
//! company's records. Each is refused with a message naming the field, never a 500 or exit 101.

mod api_client;
mod kinmu_process;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use serde_json::json;
use test_databases::sqlite_url;

#[tokio::test]
async fn months_and_dates_out_of_range_are_refused_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let rules = admin.get("/attendance/rules").await.body;
    for month in ["262142-12", "26-11", "-0001-01", "0000-01", "3000-01", "2024-13"] {
        for path in [
            format!("/attendance/timesheet?month={month}"),
            format!("/attendance/reports/monthly?month={month}"),
            format!("/attendance/reports/timesheet?month={month}&user=admin"),
            format!("/attendance/reports/ranking?month={month}"),
            format!("/attendance/reports/terminal?month={month}"),
            format!("/attendance/reports/monthly/download?month={month}&format=xlsx"),
            format!("/attendance/agreement?month={month}"),
        ] {
            let a = admin.get(&path).await;
            expect(&a, 422, Some("validation"));
            assert_eq!(a.body["field"], "month", "{path}: {}", a.text);
        }
        let a = admin.send("POST", "/attendance/profiles/run", json!({"month": month})).await;
        expect(&a, 422, Some("validation"));
    }
    for date in ["262142-12-01", "-0001-01-01", "24-04-01", "2023-02-29"] {
        let a = admin.get(&format!("/attendance/reports/daily?date={date}")).await;
        expect(&a, 422, Some("validation"));
        assert_eq!(a.body["field"], "date", "{}", a.text);
        let a = admin.send("POST", "/attendance/task/run", json!({"from": date, "to": "2024-04-01"})).await;
        expect(&a, 422, Some("validation"));
        assert_eq!(a.body["field"], "from", "{}", a.text);
        let a = admin.send("POST", "/attendance/rules/preview", json!({"rules": rules, "user": "admin", "date": date})).await;
        expect(&a, 422, Some("validation"));
        assert_eq!(a.body["field"], "date", "{}", a.text);
    }
}

#[test]
fn the_command_refuses_months_and_dates_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let kinmu = |args: &[&str], stdin: Option<&str>| kinmu_process::kinmu(dir.path(), args, stdin);
    let out = kinmu(&["setup", "--org", "Acme", "--admin-login", "admin", "--password-stdin"], Some("Kinmu-Strong-2026\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out_file = dir.path().join("out.csv").display().to_string();
    for args in [
        vec!["export", "monthly", "--month", "262142-12", "--format", "csv", "--out", &out_file],
        vec!["export", "daily", "--date", "262142-12-01", "--format", "csv", "--out", &out_file],
        vec!["files", "run", "--month", "262142-12"],
        vec!["attendance", "show", "--user", "admin", "--month", "26-11"],
        vec!["attendance", "rebuild", "--from=-0001-01-01", "--to", "2024-01-01"],
    ] {
        let out = kinmu(&args, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?} exits 1 with a reason, not a panic (101): {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.contains("month") || stderr.contains("date") || stderr.contains("from"), "{args:?} names the field: {stderr}");
    }
}

#[tokio::test]
async fn names_that_hide_or_disguise_themselves_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    for name in ["\u{200B}\u{200B}", "\u{3164}", "Mallory\u{202E}gnp.exe"] {
        let a = admin.send("POST", "/users", json!({"login": "x1", "display_name": name, "password": "Blue-Harbor-58"})).await;
        expect(&a, 422, Some("validation"));
        assert_eq!(a.body["field"], "display_name", "{}", a.text);
    }
}

#[tokio::test]
async fn exported_cells_never_run_as_formulas_and_import_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let created = admin.send("POST", "/users", json!({"login": "mallory", "display_name": evil, "password": "Blue-Harbor-58"})).await;
    expect(&created, 201, None);
    let org = admin.send("POST", "/organizations", json!({"name": "+Sales", "parent_id": 1})).await;
    expect(&org, 201, None);
    let users_csv = admin.get("/users/export").await;
    assert!(users_csv.text.contains("'=HYPERLINK"), "{}", users_csv.text);
    assert!(!users_csv.text.contains(",=HYPERLINK") && !users_csv.text.contains(",\"=HYPERLINK"), "{}", users_csv.text);
    let orgs_csv = admin.get("/organizations/export").await;
    assert!(orgs_csv.text.contains("Acme / +Sales"), "a path that does not start like a formula is left alone: {}", orgs_csv.text);
    // Kinmu's own export reads back as it was written.
    let r = admin.csv("/users/import", users_csv.text.as_bytes()).await;
    expect(&r, 200, None);
    assert_eq!(r.body["errors"], json!([]), "{}", r.text);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(admin.get(&format!("/users/{id}")).await.body["display_name"], evil);
}

#[tokio::test]
async fn a_large_body_from_anyone_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut anon = Client::new(&app);
    setup(&mut Client::new(&app)).await;
    let big = format!("{{\"login\":\"admin\",\"password\":\"{}\"}}", "x".repeat(100 * 1024));
    let a = anon.raw("POST", "/auth/login", Some("application/json"), big.into_bytes(), true).await;
    expect(&a, 413, Some("payload_too_large"));
    // Before the session is checked, a protected route reads nothing either: it answers 401.
    let a = anon.raw("POST", "/users/import", Some("text/csv"), vec![b'x'; 8 << 20], true).await;
    expect(&a, 401, Some("unauthenticated"));
}

#[tokio::test]
async fn organisation_paths_have_a_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let deep: Vec<String> = (1..=11).map(|n| format!("L{n}")).collect();
    let csv = format!("path\n{}\nAcme / {}\n", deep.join(" / "), deep[..9].join(" / "));
    let r = admin.csv("/organizations/import", csv.as_bytes()).await;
    expect(&r, 200, None);
    assert_eq!(r.body["errors"][0]["line"], 2, "{}", r.text);
    assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("at most 10"), "{}", r.text);
    assert_eq!(r.body["created"], 9, "the ten-level path is fine: {}", r.text);
    let orgs = admin.get("/organizations").await;
    let deepest =
        orgs.body.as_array().unwrap().iter().find(|o| o["path"].as_str().unwrap().ends_with("L9")).unwrap()["id"].as_i64().unwrap();
    let a = admin.send("POST", "/organizations", json!({"name": "Too deep", "parent_id": deepest})).await;
    expect(&a, 422, Some("validation"));
    assert_eq!(a.body["field"], "parent_id");
}
