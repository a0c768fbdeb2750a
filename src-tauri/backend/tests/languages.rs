//! One language at a time: the server's messages follow the caller's language (the session
//! user's, else `Accept-Language`), with the same codes and fields; field names are shown as
//! their labels; a name is shown as it was typed.

mod api_client;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::body::{Body, to_bytes};
use axum::http::Request;
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};
use tower::ServiceExt;

const PASSWORD: &str = "Quiet-Lantern-2026";

/// True when the text holds no English word: names quoted in 「」 aside, a run of four lower-case
/// ASCII letters counts as one (codes and examples such as `YYYY-MM` are upper case).
fn no_english(text: &str) -> bool {
    let (mut run, mut quoted) = (0, false);
    for c in text.chars() {
        match c {
            '「' => quoted = true,
            '」' => quoted = false,
            _ => {}
        }
        run = if c.is_ascii_lowercase() && !quoted { run + 1 } else { 0 };
        if run >= 4 {
            return false;
        }
    }
    !text.is_ascii()
}

async fn anonymous(app: &axum::Router, path: &str, accept_language: Option<&str>) -> Value {
    let mut req = Request::builder().uri(format!("/api/v1{path}"));
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    let resp = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    serde_json::from_slice(&to_bytes(resp.into_body(), 1 << 20).await.unwrap()).unwrap()
}

#[tokio::test]
async fn a_japanese_user_reads_japanese_and_an_english_one_english() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let made =
        admin.send("POST", "/users", json!({"login": "suzuki", "display_name": "鈴木", "password": PASSWORD, "language": "ja"})).await;
    expect(&made, 201, None);
    let role = admin.get("/roles").await.body.as_array().unwrap().iter().find(|r| r["name"] == "Administrator").unwrap()["id"].clone();
    expect(&admin.send("PUT", &format!("/users/{}", made.body["id"]), json!({"role_id": role})).await, 200, None);
    let mut suzuki = Client::new(&app);
    expect(&suzuki.login("suzuki", PASSWORD).await, 200, None);

    // Validation: the same code and field; the message in each caller's language, the field
    // named by its label.
    let long = json!({"login": "newbie", "display_name": "n".repeat(101), "password": "Blue-Harbor-58x"});
    let en = admin.send("POST", "/users", long.clone()).await;
    let ja = suzuki.send("POST", "/users", long).await;
    expect(&en, 422, Some("validation"));
    expect(&ja, 422, Some("validation"));
    assert_eq!(en.body["message"], "display_name is too long: use at most 100 characters", "English as it always was");
    assert_eq!(ja.body["field"], "display_name");
    assert_eq!(ja.body["message"], "表示名が長すぎます。100文字以内にしてください。", "{}", ja.text);

    // A duplicate.
    let twice = json!({"login": "suzuki", "display_name": "x", "password": PASSWORD});
    let ja = suzuki.send("POST", "/users", twice.clone()).await;
    expect(&ja, 409, Some("conflict"));
    assert!(no_english(ja.body["message"].as_str().unwrap()), "{}", ja.text);
    assert!(admin.send("POST", "/users", twice).await.body["message"].as_str().unwrap().contains("already taken"));

    // A range: the 36 agreement's limits.
    let mut limits = suzuki.get("/attendance/agreement/limits").await.body;
    limits["warn_percent"] = json!(0);
    let ja = suzuki.send("PUT", "/attendance/agreement/limits", limits.clone()).await;
    expect(&ja, 422, Some("validation"));
    assert_eq!(ja.body["field"], "warn_percent");
    assert!(no_english(ja.body["message"].as_str().unwrap()), "{}", ja.text);
    let en = admin.send("PUT", "/attendance/agreement/limits", limits).await;
    assert_eq!(en.body["message"], "warn_percent must be between 1 and 100");

    // A body whose field has the wrong shape: labelled, not `schedule.start:`.
    let mut rules = suzuki.get("/attendance/rules").await.body;
    rules["schedule"]["start"] = json!("25:00");
    let ja = suzuki.send("PUT", "/attendance/rules", rules).await;
    expect(&ja, 422, Some("validation"));
    let message = ja.body["message"].as_str().unwrap();
    assert!(no_english(message) && !message.contains("schedule"), "{}", ja.text);

    // CSV row errors are in the importer's language.
    let csv = "login,display_name,role\nrow2,Row Two,NoSuchRole\n";
    let ja = suzuki.csv("/users/import", csv.as_bytes()).await;
    expect(&ja, 200, None);
    let row = &ja.body["errors"][0];
    assert_eq!((row["line"].as_i64(), row["field"].as_str()), (Some(2), Some("role")), "{}", ja.text);
    assert!(no_english(row["message"].as_str().unwrap()), "{}", ja.text);
    let header = suzuki.csv("/users/import", b"login,colour\nx,red\n").await;
    expect(&header, 422, Some("validation"));
    assert!(header.body["message"].as_str().unwrap().contains("colour") && !header.text.contains("unknown column"), "{}", header.text);
    let orgs = suzuki.csv("/organizations/import", format!("path\n{}\n", ["L"; 11].join(" / ")).as_bytes()).await;
    assert!(no_english(orgs.body["errors"][0]["message"].as_str().unwrap()), "{}", orgs.text);

    // A range: a rebuild that starts in the future.
    let ja = suzuki.send("POST", "/attendance/task/run", json!({"from": "2999-01-01", "to": "2999-01-02"})).await;
    expect(&ja, 422, Some("validation"));
    assert_eq!(ja.body["field"], "from");
    assert!(no_english(ja.body["message"].as_str().unwrap()), "{}", ja.text);

    // The user's language wins over the browser's.
    let r = suzuki.send("PUT", "/me/preferences", json!({"language": "en"})).await;
    expect(&r, 200, None);
    let en = suzuki.send("POST", "/users", json!({"login": "x y", "display_name": "x", "password": PASSWORD})).await;
    assert!(en.body["message"].as_str().unwrap().starts_with("login may contain only"), "{}", en.text);
}

#[tokio::test]
async fn without_a_session_the_browser_language_decides() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let ja = anonymous(&app, "/users", Some("ja,en-US;q=0.8")).await;
    assert_eq!((ja["code"].as_str(), ja["message"].as_str()), (Some("unauthenticated"), Some("ログインしてください。")));
    let en = anonymous(&app, "/users", Some("en-GB,ja;q=0.5")).await;
    assert_eq!(en["message"], "log in first");
    assert_eq!(anonymous(&app, "/users", None).await["message"], "log in first", "English when nothing says otherwise");
}

/// A log account name is shown as it was typed, backslash and all, in both languages.
#[tokio::test]
async fn names_are_shown_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let body = json!({"login": "suzuki", "display_name": "鈴木", "password": PASSWORD,
                      "log_accounts": ["SAMPLE\\suzuki", "sample\\SUZUKI"]});
    let en = admin.send("POST", "/users", body.clone()).await;
    expect(&en, 422, Some("validation"));
    let message = en.body["message"].as_str().unwrap();
    assert!(message.contains("sample\\SUZUKI") && !message.contains("\\\\"), "{message}");
    let made = admin
        .send("POST", "/users", json!({"login": "sato", "display_name": "佐藤", "password": PASSWORD, "log_accounts": ["SAMPLE\\sato"]}))
        .await;
    expect(&made, 201, None);
    let taken = admin
        .send("POST", "/users", json!({"login": "sato2", "display_name": "佐藤", "password": PASSWORD, "log_accounts": ["SAMPLE\\sato"]}))
        .await;
    expect(&taken, 409, Some("conflict"));
    let message = taken.body["message"].as_str().unwrap();
    assert!(message.contains("SAMPLE\\sato") && !message.contains("\\\\"), "{message}");
}

/// The requests' own checks — report queries, downloads, request bodies, paths, query strings,
/// the rules preview, the task's retention, output profile runs, uploads and not-founds — answer
/// a Japanese caller in Japanese and an English one in English, with the same code and field.
async fn every_check_speaks_japanese(url: kinmu::config::DatabaseUrl) {
    let (app, _db) = app_on(&url).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    // The administrator reads Japanese, Smith (an administrator too) English.
    let made =
        admin.send("POST", "/users", json!({"login": "smith", "display_name": "Smith", "password": PASSWORD, "language": "en"})).await;
    expect(&made, 201, None);
    let role = admin.get("/roles").await.body.as_array().unwrap().iter().find(|r| r["name"] == "Administrator").unwrap()["id"].clone();
    expect(&admin.send("PUT", &format!("/users/{}", made.body["id"]), json!({"role_id": role})).await, 200, None);
    let mut smith = Client::new(&app);
    expect(&smith.login("smith", PASSWORD).await, 200, None);
    expect(&admin.send("PUT", "/me/preferences", json!({"language": "ja"})).await, 200, None);

    let mut settings = admin.get("/attendance/task").await.body["settings"].clone();
    settings["retention"]["daily_days"] = json!(5);
    let mut rules = admin.get("/attendance/rules").await.body;
    rules["rounding_minutes"] = json!("five");
    // (method, path, content type, body, status, code, field)
    type Case = (&'static str, String, Option<&'static str>, Vec<u8>, u16, &'static str, Option<&'static str>);
    let get = |path: &str, status: u16, code: &'static str, field: Option<&'static str>| -> Case {
        ("GET", path.to_string(), None, Vec::new(), status, code, field)
    };
    let json_body = |method: &'static str, path: &str, body: Value, status: u16, code: &'static str, field: Option<&'static str>| -> Case {
        (method, path.to_string(), Some("application/json"), body.to_string().into_bytes(), status, code, field)
    };
    let cases: Vec<Case> = vec![
        get("/attendance/reports/daily", 422, "validation", Some("date")),
        get("/attendance/reports/monthly", 422, "validation", Some("month")),
        get("/attendance/reports/monthly?month=2024-13", 422, "validation", Some("month")),
        get("/attendance/reports/timesheet?month=2024-04", 422, "validation", Some("user")),
        get("/attendance/reports/monthly?month=2024-04&organization_id=9999", 422, "validation", Some("organization_id")),
        get("/attendance/reports/monthly?month=2024-04&limit=many", 422, "validation", None),
        get("/attendance/reports/monthly/download?month=2024-04&format=pdf", 422, "validation", Some("format")),
        get("/attendance/reports/monthly/download?month=2024-04&encoding=latin1", 422, "validation", Some("encoding")),
        get("/users/export?encoding=latin1", 422, "validation", Some("encoding")),
        get("/attendance/reports/weekly", 404, "not_found", None),
        get("/attendance/timesheet?month=2024-4x", 422, "validation", Some("month")),
        get("/attendance/agreement?month=April", 422, "validation", Some("month")),
        get("/attendance/holidays?year=1999", 422, "validation", Some("year")),
        get("/users/abc", 404, "not_found", None),
        get("/no/such/route", 404, "not_found", None),
        json_body("PATCH", "/users", json!({}), 405, "method_not_allowed", None),
        ("POST", "/users".into(), Some("text/plain"), b"login=x".to_vec(), 400, "bad_request", None),
        ("POST", "/users".into(), Some("application/json"), b"{\"login\": ".to_vec(), 400, "bad_request", None),
        json_body("POST", "/attendance/rules/preview", json!({"rules": rules, "user": "x", "date": "2024-04-01"}), 422, "validation", None),
        json_body(
            "POST",
            "/attendance/rules/preview",
            json!({"rules": admin.get("/attendance/rules").await.body, "user": " ", "date": "2024-04-01"}),
            422,
            "validation",
            Some("user"),
        ),
        json_body("PUT", "/attendance/task/settings", settings, 422, "validation", Some("retention.daily_days")),
        json_body("POST", "/attendance/profiles/run", json!({"month": "2024-04", "date": "2024-04-01"}), 422, "validation", Some("date")),
        json_body("POST", "/attendance/profiles/run", json!({"month": "2024-04-31"}), 422, "validation", Some("month")),
        ("POST", "/attendance/imports?name=".into(), Some("application/octet-stream"), b"x".to_vec(), 422, "validation", Some("name")),
        (
            "POST",
            "/attendance/imports?name=a.log&format=pdf".into(),
            Some("application/octet-stream"),
            b"x".to_vec(),
            422,
            "validation",
            Some("format"),
        ),
        ("POST", "/attendance/imports?name=a.log".into(), Some("application/octet-stream"), Vec::new(), 422, "validation", Some("file")),
    ];
    for (method, path, content_type, body, status, code, field) in cases {
        let ja = admin.raw(method, &path, content_type, body.clone(), true).await;
        let en = smith.raw(method, &path, content_type, body, true).await;
        for (who, a) in [("ja", &ja), ("en", &en)] {
            assert_eq!(a.status.as_u16(), status, "{who} {method} {path}: {}", a.text);
            assert_eq!(a.body["code"], code, "{who} {method} {path}: {}", a.text);
            if let Some(f) = field {
                assert_eq!(a.body["field"], f, "{who} {method} {path}: {}", a.text);
            }
        }
        let message = ja.body["message"].as_str().unwrap();
        assert!(no_english(message), "{method} {path} answers a Japanese caller in English: {message}");
        assert!(en.body["message"].as_str().unwrap().is_ascii(), "{method} {path}: {}", en.text);
        assert_eq!(ja.body["field"], en.body["field"], "{method} {path}");
    }
}

#[tokio::test]
async fn every_check_speaks_japanese_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_check_speaks_japanese(sqlite_url(&dir)).await;
}

#[tokio::test]
async fn every_check_speaks_japanese_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    every_check_speaks_japanese(url).await;
}
