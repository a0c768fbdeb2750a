//! The API's story, told on SQLite and on a real PostgreSQL server: setup, accounts,
//! permissions, lockout, CSV transfer and every kind of bad input.
//!
//! PostgreSQL: set `KINMU_TEST_POSTGRES_URL` to a server URL whose user may create databases
//! (the test command starts one on loopback). Each test gets a fresh database there. With
//! `KINMU_TEST_REQUIRE_POSTGRES=1` a missing URL fails the test instead of skipping it.

mod api_client;
mod test_databases;

use chrono::Datelike;

use api_client::{ADMIN_PASSWORD, Client, app_on, expect, setup};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::http::{AppState, ServerOptions};
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};
use tower::ServiceExt;

async fn story(app: Router, db: Db) {
    let mut anon = Client::new(&app);
    let h = anon.get("/health").await;
    expect(&h, 200, None);
    assert_eq!(h.body["status"], "ok");
    assert_eq!(h.body["database"], db.kind.name());

    // Before setup every page leads to the wizard.
    let s = anon.get("/setup").await;
    assert_eq!(s.body["needs_setup"], true);
    assert!(s.body["time_zones"].as_array().unwrap().iter().any(|z| z == "Asia/Tokyo"));
    expect(&anon.get("/users").await, 428, Some("setup_required"));
    expect(&anon.login("admin", ADMIN_PASSWORD).await, 428, Some("setup_required"));

    // The wizard checks every field and the password's strength.
    let weak = anon
        .send(
            "POST",
            "/setup",
            json!({"organization_name": "Acme", "admin_login": "admin", "admin_display_name": "A",
            "admin_password": "password1", "default_language": "ja", "time_zone": "Asia/Tokyo"}),
        )
        .await;
    expect(&weak, 422, Some("validation"));
    assert_eq!(weak.body["field"], "admin_password");
    let tz = anon
        .send(
            "POST",
            "/setup",
            json!({"organization_name": "Acme", "admin_login": "admin", "admin_display_name": "A",
            "admin_password": ADMIN_PASSWORD, "default_language": "ja", "time_zone": "Mars/Base"}),
        )
        .await;
    expect(&tz, 422, Some("validation"));
    assert_eq!(tz.body["field"], "time_zone");

    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    assert!(admin.cookie.is_some(), "setup logs the administrator in");
    let me = admin.get("/auth/me").await;
    expect(&me, 200, None);
    assert_eq!(me.body["user"]["login"], "admin");
    assert_eq!(me.body["organization_name"], "Acme");
    assert!(me.body["user"]["permissions"].as_array().unwrap().iter().any(|p| p == "users.manage"));

    // Once done it cannot run again.
    let mut other = Client::new(&app);
    let again = other
        .send(
            "POST",
            "/setup",
            json!({"organization_name": "Evil", "admin_login": "evil", "admin_display_name": "E",
            "admin_password": ADMIN_PASSWORD, "default_language": "en", "time_zone": "UTC"}),
        )
        .await;
    expect(&again, 409, Some("setup_done"));
    assert_eq!(anon.get("/setup").await.body["needs_setup"], false);

    // Organisations as a tree.
    let orgs = admin.get("/organizations").await;
    let root = orgs.body[0]["id"].as_i64().unwrap();
    let sales = admin.send("POST", "/organizations", json!({"name": "Sales", "parent_id": root})).await;
    expect(&sales, 201, None);
    assert_eq!(sales.body["path"], "Acme / Sales");
    let sales_id = sales.body["id"].as_i64().unwrap();
    let team = admin.send("POST", "/organizations", json!({"name": "Team A", "parent_id": sales_id})).await;
    assert_eq!(team.body["path"], "Acme / Sales / Team A");
    let team_id = team.body["id"].as_i64().unwrap();
    expect(&admin.send("POST", "/organizations", json!({"name": "sales", "parent_id": root})).await, 409, Some("conflict"));
    let cycle = admin.send("PUT", &format!("/organizations/{sales_id}"), json!({"name": "Sales", "parent_id": team_id})).await;
    expect(&cycle, 422, Some("validation"));
    assert_eq!(cycle.body["field"], "parent_id");

    // Users with their PC-log account names.
    let roles = admin.get("/roles").await;
    let member_role = roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == "member").unwrap()["id"].as_i64().unwrap();
    let admin_role = roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == "administrator").unwrap()["id"].as_i64().unwrap();
    let created = admin
        .send(
            "POST",
            "/users",
            json!({"login": "a-mogami", "display_name": "最上 晶", "email": "a-mogami@osaka.com",
            "organization_id": team_id, "log_accounts": ["OSAKA\\a-mogami", "a-mogami@osaka.com"], "password": "Blue-Harbor-58"}),
        )
        .await;
    expect(&created, 201, None);
    let mogami = created.body["id"].as_i64().unwrap();
    assert_eq!(created.body["role_id"], member_role, "new users default to the member role");
    assert_eq!(created.body["language"], "ja", "new users default to the system language");
    let dup = admin.send("POST", "/users", json!({"login": "A-Mogami", "display_name": "x", "password": "Blue-Harbor-58x"})).await;
    expect(&dup, 409, Some("conflict"));
    assert_eq!(dup.body["field"], "login");
    let dup_acc = admin
        .send(
            "POST",
            "/users",
            json!({"login": "other", "display_name": "x", "log_accounts": ["osaka\\A-MOGAMI"], "password": "Blue-Harbor-58x"}),
        )
        .await;
    expect(&dup_acc, 409, Some("conflict"));
    assert_eq!(dup_acc.body["field"], "log_accounts");

    let found = admin.get("/users?q=OSAKA%5Ca-mog").await;
    assert_eq!(found.body["total"], 1, "search finds users by log account: {}", found.text);
    let in_sales = admin.get(&format!("/users?organization_id={sales_id}")).await;
    assert_eq!(in_sales.body["total"], 1, "an organisation's list includes its sub-organisations");
    let percent = admin.get("/users?q=%25").await;
    assert_eq!(percent.body["total"], 0, "LIKE wildcards in a search are taken literally");

    // A member logs in and sees only what members may.
    let mut member = Client::new(&app);
    let l = member.login("A-MOGAMI", "Blue-Harbor-58").await;
    expect(&l, 200, None);
    let sc = l.set_cookie.unwrap();
    assert!(sc.contains("HttpOnly") && sc.contains("SameSite=Strict"), "{sc}");
    expect(&member.get("/users").await, 403, Some("forbidden"));
    expect(&member.send("POST", "/organizations", json!({"name": "X", "parent_id": root})).await, 403, Some("forbidden"));
    expect(
        &member
            .send(
                "PUT",
                "/settings",
                json!({"organization_name": "X", "default_language": "en", "time_zone": "UTC", "session_idle_minutes": 60}),
            )
            .await,
        403,
        Some("forbidden"),
    );
    expect(&member.get(&format!("/users/{mogami}")).await, 200, None);
    let pref = member.send("PUT", "/me/preferences", json!({"language": "en"})).await;
    expect(&pref, 200, None);
    assert_eq!(pref.body["user"]["language"], "en");
    assert_eq!(member.get("/auth/me").await.body["user"]["language"], "en", "the language is remembered per user");

    // Repeated failures lock the account; administrators see it and can lift it.
    let mut attacker = Client::new(&app);
    for _ in 0..4 {
        expect(&attacker.login("a-mogami", "wrong-password").await, 401, Some("invalid_credentials"));
    }
    expect(&attacker.login("a-mogami", "wrong-password").await, 423, Some("account_locked"));
    expect(&attacker.login("a-mogami", "Blue-Harbor-58").await, 423, Some("account_locked"));
    let seen = admin.get(&format!("/users/{mogami}")).await;
    assert!(seen.body["locked_until"].as_i64().is_some(), "the lockout is visible: {}", seen.text);
    assert_eq!(seen.body["failed_logins"], 5);
    expect(&admin.send("POST", &format!("/users/{mogami}/unlock"), json!({})).await, 200, None);
    expect(&attacker.login("a-mogami", "Blue-Harbor-58").await, 200, None);
    expect(&anon.login("nobody", "whatever-it-is").await, 401, Some("invalid_credentials"));

    // Disabling ends the user's sessions: even once enabled again, none of them is back.
    let dis = admin.send("PUT", &format!("/users/{mogami}"), json!({"active": false})).await;
    expect(&dis, 200, None);
    assert_eq!(dis.body["active"], false);
    expect(&member.get("/auth/me").await, 401, Some("unauthenticated"));
    expect(&member.login("a-mogami", "Blue-Harbor-58").await, 403, Some("account_disabled"));
    assert_eq!(admin.get("/users").await.body["total"], 1, "disabled users are hidden by default");
    assert_eq!(admin.get("/users?include_disabled=true").await.body["total"], 2);
    let self_disable = admin.send("PUT", "/users/1", json!({"active": false})).await;
    expect(&self_disable, 422, Some("validation"));
    admin.send("PUT", &format!("/users/{mogami}"), json!({"active": true})).await;
    expect(&attacker.get("/auth/me").await, 401, Some("unauthenticated"));

    // Roles.
    let lead = admin.send("POST", "/roles", json!({"name": "Team lead", "permissions": ["users.view", "attendance.view"]})).await;
    expect(&lead, 201, None);
    let lead_id = lead.body["id"].as_i64().unwrap();
    expect(&admin.send("DELETE", &format!("/roles/{admin_role}"), json!({})).await, 409, Some("conflict"));
    let stripped = admin.send("PUT", &format!("/roles/{admin_role}"), json!({"name": "Admins", "permissions": []})).await;
    assert!(stripped.body["permissions"].as_array().unwrap().len() >= 8, "the administrator role keeps every permission");
    expect(&admin.send("PUT", &format!("/users/{mogami}"), json!({"role_id": lead_id})).await, 200, None);
    let mut lead_user = Client::new(&app);
    expect(&lead_user.login("a-mogami", "Blue-Harbor-58").await, 200, None);
    expect(&lead_user.get("/users").await, 200, None);
    expect(
        &lead_user.send("POST", "/users", json!({"login": "x", "display_name": "x", "password": "Blue-Harbor-58x"})).await,
        403,
        Some("forbidden"),
    );
    expect(&admin.send("DELETE", &format!("/roles/{lead_id}"), json!({})).await, 409, Some("conflict"));

    // CSV: organisations, then users, with a report line per bad row.
    let orgs_csv = format!("path\nAcme / Dev\nAcme / Dev / Backend\nAcme / {}\n/ 壊れた行 /\nAcme // Dev\n", "x".repeat(101));
    let r = admin.csv("/organizations/import", orgs_csv.as_bytes()).await;
    expect(&r, 200, None);
    assert_eq!(r.body["created"], 2, "{}", r.text);
    assert_eq!(r.body["errors"][0]["line"], 4, "{}", r.text);
    // A path with an empty part (a broken line) is a row error, not a new top-level organisation.
    for (i, line) in [(1, 5), (2, 6)] {
        assert_eq!(r.body["errors"][i]["line"], line, "{}", r.text);
        assert_eq!(r.body["errors"][i]["field"], "path", "{}", r.text);
        assert!(r.body["errors"][i]["message"].as_str().unwrap().contains("empty part"), "{}", r.text);
    }
    let orgs = admin.get("/organizations").await.body;
    assert!(!orgs.as_array().unwrap().iter().any(|o| o["name"] == "壊れた行"), "{orgs}");
    // Lines ending in CRLF, as Excel writes them, are numbered as the file shows them.
    let r = admin.csv("/organizations/import", "path\r\n/ 壊れた行 /\r\nAcme / Dev\r\nAcme // Dev\r\n".as_bytes()).await;
    let lines: Vec<_> = r.body["errors"].as_array().unwrap().iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [2, 4], "{}", r.text);
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(
        "login,display_name,organization,role,log_accounts,password\n\
         sato,佐藤 一郎,Acme / Dev / Backend,member,OSAKA\\sato;sato@osaka.com,River-Stone-42\n\
         bad login,x,,,,\n\
         kato,加藤,Acme / Nowhere,,,\n\
         a-mogami,最上 晶 (更新),,,,\n",
    );
    let r = admin.csv("/users/import", &sjis).await;
    expect(&r, 200, None);
    assert_eq!(r.body["rows_read"], 4, "{}", r.text);
    assert_eq!(r.body["created"], 1, "{}", r.text);
    assert_eq!(r.body["updated"], 1, "{}", r.text);
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{}", r.text);
    assert_eq!(errors[0]["line"], 3);
    assert_eq!(errors[0]["field"], "login");
    assert_eq!(errors[1]["line"], 4);
    assert_eq!(errors[1]["field"], "organization");
    let mut sato = Client::new(&app);
    expect(&sato.login("sato", "River-Stone-42").await, 200, None);
    let export = admin.get("/users/export").await;
    expect(&export, 200, None);
    assert!(export.text.starts_with('\u{feff}'), "Excel needs the BOM");
    assert!(export.text.contains("sato,佐藤 一郎,,Acme / Dev / Backend,Member,true,ja,OSAKA\\sato;sato@osaka.com"), "{}", export.text);
    assert!(export.text.contains("最上 晶 (更新)"));
    let bad_header = admin.csv("/users/import", b"login,colour\nx,red\n").await;
    expect(&bad_header, 422, Some("validation"));
    assert!(bad_header.body["message"].as_str().unwrap().contains("colour"));
    let org_export = admin.get("/organizations/export").await;
    assert!(org_export.text.contains("Acme / Dev / Backend"));
    // The downloads' bytes: UTF-8 with BOM by default, UTF-8 or Shift_JIS when asked.
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    for path in ["/users/export", "/organizations/export"] {
        let default = admin.get(path).await;
        assert!(default.bytes.starts_with(BOM), "{path}");
        let bom = admin.get(&format!("{path}?encoding=utf-8-bom")).await;
        assert_eq!(bom.bytes, default.bytes, "{path}");
        let plain = admin.get(&format!("{path}?encoding=utf-8")).await;
        expect(&plain, 200, None);
        assert_eq!(plain.bytes, default.bytes[BOM.len()..], "{path}");
        let sjis = admin.get(&format!("{path}?encoding=shift_jis")).await;
        expect(&sjis, 200, None);
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
        assert!(!bad && !sjis.bytes.starts_with(BOM), "{path}");
        assert_eq!(text, std::str::from_utf8(&plain.bytes).unwrap(), "{path}");
        let wrong = admin.get(&format!("{path}?encoding=latin1")).await;
        expect(&wrong, 422, Some("validation"));
        assert_eq!(wrong.body["field"], "encoding");
    }
    let sjis = admin.get("/users/export?encoding=shift_jis").await;
    let sato_sjis = encoding_rs::SHIFT_JIS.encode("佐藤 一郎").0;
    assert!(sjis.bytes.windows(sato_sjis.len()).any(|w| w == &sato_sjis[..]), "Japanese names in Shift_JIS");

    // An organisation in use cannot be deleted; an empty one can.
    let dev_backend =
        admin.get("/organizations").await.body.as_array().unwrap().iter().find(|o| o["path"] == "Acme / Dev / Backend").unwrap()["id"]
            .as_i64()
            .unwrap();
    expect(&admin.send("DELETE", &format!("/organizations/{dev_backend}"), json!({})).await, 409, Some("conflict"));
    // The CSV row for a-mogami had an empty organisation column: that clears it, as in an export.
    assert_eq!(admin.get(&format!("/users/{mogami}")).await.body["organization_id"], Value::Null);
    expect(&admin.send("DELETE", &format!("/organizations/{team_id}"), json!({})).await, 204, None);

    // Bad input of every kind gets the right status and a JSON error.
    let r = admin.raw("POST", "/users", Some("application/json"), b"{not json".to_vec(), true).await;
    expect(&r, 400, Some("bad_request"));
    let r = admin.send("POST", "/users", json!({"login": 42, "display_name": "x", "password": "y"})).await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "login");
    let r = admin.send("POST", "/users", json!({"login": "newbie"})).await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "display_name");
    let r = admin.send("POST", "/users", json!({"login": "newbie", "display_name": "n".repeat(101), "password": "Blue-Harbor-58x"})).await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "display_name");
    assert!(r.body["message"].as_str().unwrap().contains("100"));
    let r = admin.raw("POST", "/users", Some("text/plain"), b"{}".to_vec(), true).await;
    expect(&r, 400, Some("bad_request"));
    let r = admin.raw("POST", "/users", Some("application/json"), vec![b' '; 2 * 1024 * 1024], true).await;
    expect(&r, 413, Some("payload_too_large"));
    expect(&admin.get("/no/such/route").await, 404, Some("not_found"));
    expect(&admin.get("/users/abc").await, 404, Some("not_found"));
    expect(&admin.get("/users/999999").await, 404, Some("not_found"));
    expect(&admin.send("DELETE", "/auth/me", json!({})).await, 405, Some("method_not_allowed"));
    expect(&anon.get("/users").await, 401, Some("unauthenticated"));
    let no_csrf = admin.raw("POST", "/organizations", Some("application/json"), json!({"name": "X"}).to_string().into_bytes(), false).await;
    expect(&no_csrf, 403, Some("csrf_rejected"));
    let mut forged = Client::new(&app);
    forged.cookie = Some("kinmu_session=0123456789abcdef".into());
    expect(&forged.get("/auth/me").await, 401, Some("unauthenticated"));
    let bad_query = admin.get("/users?limit=many").await;
    expect(&bad_query, 422, Some("validation"));

    // Settings.
    let s = admin
        .send(
            "PUT",
            "/settings",
            json!({"organization_name": "Acme Japan", "default_language": "en", "time_zone": "Asia/Tokyo", "session_idle_minutes": 1}),
        )
        .await;
    expect(&s, 422, Some("validation"));
    assert_eq!(s.body["field"], "session_idle_minutes");
    let s = admin
        .send(
            "PUT",
            "/settings",
            json!({"organization_name": "Acme Japan", "default_language": "en", "time_zone": "Asia/Tokyo", "session_idle_minutes": 60}),
        )
        .await;
    expect(&s, 200, None);
    assert_eq!(admin.get("/auth/me").await.body["organization_name"], "Acme Japan");

    // Attendance rules: validated, naming the field; only administrators change them.
    let rules = admin.get("/attendance/rules").await;
    expect(&rules, 200, None);
    assert_eq!(rules.body["schedule"]["start"], "09:00", "{}", rules.text);
    assert_eq!(rules.body["time_zone"], "Asia/Tokyo");
    let mut changed = rules.body.clone();
    changed["rounding_minutes"] = json!(90);
    let r = admin.send("PUT", "/attendance/rules", changed.clone()).await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "rounding_minutes", "{}", r.text);
    changed["day_boundary"] = json!("25:00");
    let r = admin.send("PUT", "/attendance/rules", changed.clone()).await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "day_boundary", "{}", r.text);
    changed["day_boundary"] = json!("05:00");
    changed["rounding_minutes"] = json!(5);
    expect(&sato.send("PUT", "/attendance/rules", changed.clone()).await, 403, Some("forbidden"));
    expect(&admin.send("PUT", "/attendance/rules", changed).await, 200, None);
    assert_eq!(admin.get("/attendance/rules").await.body["rounding_minutes"], 5);
    let org = admin.get("/organizations").await.body[0]["id"].as_i64().unwrap();
    expect(&admin.send("PUT", &format!("/attendance/rules/organizations/{org}"), json!({"rounding_minutes": 15})).await, 200, None);
    let bad =
        admin.send("PUT", &format!("/attendance/rules/organizations/{org}"), json!({"breaks": [{"start": "20:00", "end": "21:00"}]})).await;
    expect(&bad, 422, Some("validation"));
    assert!(bad.body["message"].as_str().unwrap().contains("Acme"), "{}", bad.text);
    expect(&admin.send("PUT", "/attendance/rules/organizations/999999", json!({})).await, 404, Some("not_found"));
    assert_eq!(admin.get("/attendance/rules/organizations").await.body[0]["rules"]["rounding_minutes"], 15);
    expect(&admin.send("DELETE", &format!("/attendance/rules/organizations/{org}"), json!({})).await, 204, None);
    expect(&admin.send("DELETE", &format!("/attendance/rules/organizations/{org}"), json!({})).await, 404, Some("not_found"));

    // The attendance task: off until enabled; runs on request; one at a time.
    let t = admin.get("/attendance/task").await;
    expect(&t, 200, None);
    assert_eq!(t.body["settings"]["enabled"], false);
    assert_eq!(t.body["next_run_at"], Value::Null);
    expect(&sato.get("/attendance/task").await, 403, Some("forbidden"));
    let bad = admin.send("PUT", "/attendance/task/settings", json!({"enabled": true, "run_at": "25:00"})).await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "run_at");
    expect(&admin.send("PUT", "/attendance/task/settings", json!({"enabled": true, "run_at": "06:30"})).await, 200, None);
    assert!(admin.get("/attendance/task").await.body["next_run_at"].is_i64());
    let bad = admin.send("POST", "/attendance/task/run", json!({"from": "2024-04-03", "to": "2024-04-01"})).await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "to");
    expect(&admin.send("POST", "/attendance/task/run", json!({"from": "2024-04-01"})).await, 422, Some("validation"));
    expect(&admin.send("POST", "/attendance/task/run", json!({"from": "April", "to": "2024-04-03"})).await, 422, Some("validation"));
    expect(&sato.send("POST", "/attendance/task/run", json!({})).await, 403, Some("forbidden"));
    // The first three days of last month (raw events are kept 400 days by default: older days
    // cannot be rebuilt).
    let today = chrono::Utc::now().date_naive();
    let first = today.with_day(1).unwrap().pred_opt().unwrap().with_day(1).unwrap();
    let month = first.format("%Y-%m").to_string();
    let (from, to) = (first.to_string(), (first + chrono::Duration::days(2)).to_string());
    let started = admin.send("POST", "/attendance/task/run", json!({"from": from, "to": to})).await;
    expect(&started, 202, None);
    assert_eq!(started.body["trigger"], "rebuild");
    let mut last = Value::Null;
    for _ in 0..200 {
        last = admin.get("/attendance/task").await.body;
        if last["running"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(last["recent"][0]["status"], "completed", "{last}");
    assert_eq!(last["recent"][0]["days_done"], 3);

    // Timesheets: a member reads their own (Sato has log accounts and no logs: absent on
    // the working days), not anyone else's.
    let own = sato.get(&format!("/attendance/timesheet?month={month}")).await;
    expect(&own, 200, None);
    let days = own.body["days"].as_array().unwrap();
    assert_eq!(days.len(), 3, "{}", own.text);
    let working = days.iter().filter(|d| d["holiday"].is_null()).count();
    assert!(days.iter().all(|d| d["absent"] == d["holiday"].is_null()), "absent on working days only: {}", own.text);
    assert_eq!(own.body["totals"]["absent_days"], working);
    expect(&sato.get(&format!("/attendance/timesheet?month={month}&user=admin")).await, 403, Some("forbidden"));
    let bad = admin.get("/attendance/timesheet?month=2024-4x&user=sato").await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "month");
    expect(&admin.get("/attendance/timesheet?month=2024-04&user=sato").await, 200, None);
    expect(&admin.get("/attendance/timesheet?month=2024-04&user=nobody").await, 404, Some("not_found"));

    // Logout ends the session.
    let out = admin.send("POST", "/auth/logout", json!({})).await;
    expect(&out, 204, None);
    assert!(out.set_cookie.unwrap().contains("Max-Age=0"));
    expect(&admin.get("/auth/me").await, 401, Some("unauthenticated"));
}

#[tokio::test]
async fn the_api_story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    story(app, db).await;
}

#[tokio::test]
async fn the_api_story_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    story(app, db).await;
}

async fn newer_database_is_refused(url: DatabaseUrl) {
    let db = Db::open(&url, 1).await.unwrap();
    sqlx::query("INSERT INTO kinmu_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)")
        .execute(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    let err = Db::open(&url, 1).await.err().expect("a newer schema is refused").to_string();
    assert!(err.contains("999") && err.contains("newer"), "{err}");
}

#[tokio::test]
async fn a_database_from_a_newer_kinmu_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    newer_database_is_refused(sqlite_url(&dir)).await;
}

#[tokio::test]
async fn a_database_from_a_newer_kinmu_is_refused_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    newer_database_is_refused(url).await;
}

#[tokio::test]
async fn migrations_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    Db::open(&url, 1).await.unwrap().pool.close().await;
    let db = Db::open(&url, 1).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM kinmu_migrations").fetch_one(&db.pool).await.unwrap();
    assert_eq!(n as usize, kinmu::database::MIGRATIONS.len());
}

/// A permission added in a later version reaches the administrator role of a database set up
/// before it: otherwise, after the upgrade, nobody would hold every permission and the checks that
/// keep one administrator would count none.
async fn administrators_gain_a_permission_added_later(url: DatabaseUrl) {
    let (app, db) = app_on(&url).await;
    let mut admin = Client::new(&app);
    let setup = json!({"organization_name": "Acme", "admin_login": "admin", "admin_display_name": "A",
                       "admin_password": ADMIN_PASSWORD, "default_language": "ja", "time_zone": "Asia/Tokyo"});
    assert!(admin.send("POST", "/setup", setup).await.status.is_success());
    let before_updates = "attendance.view,effort.enter,orgs.manage,projects.manage,roles.manage,settings.manage,users.manage,users.view";
    sqlx::query("UPDATE roles SET permissions = $1 WHERE builtin = 'administrator'").bind(before_updates).execute(&db.pool).await.unwrap();
    sqlx::query("DELETE FROM kinmu_migrations WHERE version = 10").execute(&db.pool).await.unwrap();
    db.pool.close().await;
    let db = Db::open(&url, 1).await.unwrap();
    let text: String =
        sqlx::query_scalar("SELECT permissions FROM roles WHERE builtin = 'administrator'").fetch_one(&db.pool).await.unwrap();
    let held: Vec<&str> = text.split(',').collect();
    for p in kinmu_shared::permissions::Permission::ALL {
        assert!(held.contains(&p.key()), "the administrator role lacks {} after the upgrade: {text}", p.key());
    }
    let managers: String = sqlx::query_scalar("SELECT permissions FROM roles WHERE builtin = 'manager'").fetch_one(&db.pool).await.unwrap();
    assert!(!managers.contains("updates.manage"), "only the administrator gains it: {managers}");
}

#[tokio::test]
async fn administrators_gain_a_permission_added_later_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    administrators_gain_a_permission_added_later(sqlite_url(&dir)).await;
}

#[tokio::test]
async fn administrators_gain_a_permission_added_later_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    administrators_gain_a_permission_added_later(url).await;
}

#[tokio::test]
async fn an_unreachable_database_gives_a_one_line_reason() {
    let url = DatabaseUrl::parse("postgres://kinmu:topsecret@127.0.0.1:1/kinmu").unwrap();
    let err = Db::open(&url, 1).await.err().expect("nothing listens on port 1").to_string();
    assert!(err.starts_with("cannot open the database"), "{err}");
    assert!(!err.contains("topsecret"), "the password is not printed: {err}");
    assert!(!err.contains('\n'));
}

#[tokio::test]
async fn two_simultaneous_setups_make_one_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    let mut a = Client::new(&app);
    let mut b = Client::new(&app);
    let body = |login: &str| {
        json!({"organization_name": "Acme", "admin_login": login, "admin_display_name": "A",
               "admin_password": ADMIN_PASSWORD, "default_language": "ja", "time_zone": "Asia/Tokyo"})
    };
    let (ra, rb) = tokio::join!(a.send("POST", "/setup", body("first")), b.send("POST", "/setup", body("second")));
    let ok = [ra.status, rb.status].iter().filter(|s| s.is_success()).count();
    assert_eq!(ok, 1, "{} / {}", ra.text, rb.text);
    let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await.unwrap();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_slide_while_used() {
    use kinmu::accounts::sessions;
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    setup(&mut Client::new(&app)).await;
    let t0 = 2_000_000_000;
    let idle = 30 * 60;
    let mut settings = kinmu::accounts::system_settings::load(&db).await.unwrap();
    settings.session_idle_minutes = 30;
    kinmu::accounts::system_settings::save(&db, &kinmu::accounts::Actor::Operator, settings).await.unwrap();
    let s = sessions::login(&db, "admin", ADMIN_PASSWORD, None, t0).await.unwrap();
    // Used after 20 minutes: still valid, and pushed to 20 + 30 minutes.
    let (_, exp) = sessions::resolve(&db, &s.token, idle, t0 + 20 * 60).await.unwrap();
    assert_eq!(exp, t0 + 50 * 60);
    // 45 minutes later it is still alive thanks to the slide; 31 idle minutes after that, gone.
    assert!(sessions::resolve(&db, &s.token, idle, t0 + 45 * 60).await.is_ok());
    let err = sessions::resolve(&db, &s.token, idle, t0 + 45 * 60 + idle + 60).await.unwrap_err();
    assert!(matches!(err, kinmu::error::Error::Unauthenticated));
    assert_eq!(sessions::purge_expired(&db, t0 + 10 * 3600).await.unwrap(), 2, "the setup's session and this one");

    // Used every few minutes, a session still ends a day after its login.
    let s = sessions::login(&db, "admin", ADMIN_PASSWORD, None, t0).await.unwrap();
    let mut t = t0;
    while t < t0 + sessions::ABSOLUTE_LIFETIME_SECONDS - 10 * 60 {
        t += 10 * 60;
        let (_, exp) = sessions::resolve(&db, &s.token, idle, t).await.expect("alive while used within its day");
        assert!(exp <= t0 + sessions::ABSOLUTE_LIFETIME_SECONDS, "{exp}");
    }
    let err = sessions::resolve(&db, &s.token, idle, t0 + sessions::ABSOLUTE_LIFETIME_SECONDS + 1).await.unwrap_err();
    assert!(matches!(err, kinmu::error::Error::Unauthenticated), "used or not, it ends a day after its login");
}

#[tokio::test]
async fn the_app_lives_under_its_base_path() {
    let dir = tempfile::tempdir().unwrap();
    let ui = dir.path().join("dist");
    std::fs::create_dir_all(ui.join("pkg")).unwrap();
    std::fs::write(ui.join("index.html"), "<html><head><base href=\"/\"><meta name=\"kinmu-base\" content=\"\"></head></html>").unwrap();
    std::fs::write(ui.join("pkg/app.js"), "console.log(1)").unwrap();
    let db = Db::open(&sqlite_url(&dir), 2).await.unwrap();
    let state = AppState::new(
        db,
        ServerOptions {
            base_path: "/kinmu".into(),
            ui_dir: Some(ui),
            secure_cookies: true,
            output_roots: Default::default(),
            updates: None,
        },
    )
    .await
    .unwrap();
    let app = kinmu::http::router(state);
    let get = |path: &str| {
        let app = app.clone();
        let path = path.to_string();
        async move {
            let resp = app.oneshot(Request::builder().uri(path).body(Body::empty()).unwrap()).await.unwrap();
            let status = resp.status().as_u16();
            let location = resp.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_string());
            let body = String::from_utf8_lossy(&to_bytes(resp.into_body(), 1 << 20).await.unwrap()).to_string();
            (status, location, body)
        }
    };
    for page in ["/kinmu", "/kinmu/", "/kinmu/login", "/kinmu/admin/users"] {
        let (status, _, body) = get(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(body.contains("<base href=\"/kinmu/\">") && body.contains("content=\"/kinmu\""), "{page}: {body}");
    }
    assert_eq!(get("/kinmu/pkg/app.js").await.2, "console.log(1)");
    assert_eq!(get("/kinmu/pkg/missing.js").await.0, 404);
    assert_eq!(get("/").await.1.as_deref(), Some("/kinmu/"), "the root leads to the app");
    assert_eq!(get("/elsewhere").await.0, 404);
    assert_eq!(get("/kinmuX/login").await.0, 404);
    let (status, _, body) = get("/kinmu/api/v1/health").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(get("/api/v1/health").await.0, 404, "the API is only under the base path");
}

/// The named parts of a downloaded workbook, as text.
fn xlsx_parts(bytes: &[u8], names: &[&str]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut text = String::new();
    for name in names {
        if let Ok(mut f) = zip.by_name(name) {
            std::io::Read::read_to_string(&mut f, &mut text).unwrap();
        }
    }
    text
}

#[tokio::test]
async fn excel_sheet_names_and_headings_follow_the_users_language() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    expect(&admin.login("admin", ADMIN_PASSWORD).await, 200, None);
    let download = "/attendance/reports/monthly/download?month=2024-04&format=xlsx";
    for (language, sheet, heading, other) in [("ja", "月別 2024-04", "ユーザー", "User"), ("en", "Monthly 2024-04", "User", "ユーザー")]
    {
        expect(&admin.send("PUT", "/me/preferences", json!({"language": language})).await, 200, None);
        let file = admin.get(download).await;
        expect(&file, 200, None);
        let workbook = xlsx_parts(&file.bytes, &["xl/workbook.xml"]);
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{language}: {workbook}");
        let cells = xlsx_parts(&file.bytes, &["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]);
        assert!(cells.contains(&format!(">{heading}<")), "{language}: {cells}");
        assert!(!cells.contains(&format!(">{other}<")), "{language}: {cells}");
    }
}
