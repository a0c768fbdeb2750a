//! Kinmu's projects CSV (activities, projects, members, work items) through the API and the
//! command line, on SQLite and PostgreSQL: a Shift_JIS file with Japanese names imports, its bad
//! lines reported by line and field while the good ones are stored; export then import changes
//! nothing, importing twice adds nothing, a changed row updates; a member without
//! projects.manage is refused; the file keeps a project's activities and a work item's
//! assignees (export, import into a fresh database, export again: the same file).

mod api_client;
mod kinmu_process;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use kinmu::database::Db;
use serde_json::json;
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user(admin: &mut Client, login: &str, role: i64) {
    let r = admin
        .send("POST", "/users", json!({"login": login, "display_name": login, "role_id": role, "password": PASSWORD, "language": "en"}))
        .await;
    expect(&r, 201, None);
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

/// Things stored: activities, projects, members, work items.
async fn stored(db: &Db) -> [i64; 4] {
    [
        count(db, "SELECT COUNT(*) FROM activities").await,
        count(db, "SELECT COUNT(*) FROM projects").await,
        count(db, "SELECT COUNT(*) FROM project_members").await,
        count(db, "SELECT COUNT(*) FROM work_items").await,
    ]
}

const SJIS_FILE: &str = "kind,project_code,name,path,level,code,login,role,manager,status,planned\r\n\
activity,,設計工程,,1,DES,,,,,\r\n\
project,P-1,受注管理システム,,,,,,tanaka,active,\r\n\
member,P-1,,,,,sato,member,,,\r\n\
work_item,P-1,,設計,,,,,,,10:00\r\n\
work_item,P-1,,設計/画面,,,,,,,2:30\r\n\
work_item,P-1,,開発/テスト,,,,,,,\r\n\
project,P-2,倉庫,,,,,,,someday,\r\n\
member,P-1,,,,,nobody,,,,\r\n";

async fn story(app: Router, db: Db, dir: &std::path::Path, database: Option<&str>) {
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = database.map(|d| vec!["--database", d]).unwrap_or_default();
        all.extend_from_slice(args);
        let out = kinmu_process::kinmu(dir, &all, None);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let manager_role = builtin_role(&mut admin, "manager").await;
    user(&mut admin, "sato", member_role).await;
    user(&mut admin, "tanaka", manager_role).await;

    // A Shift_JIS file, as Excel writes it in Japan: the good lines are stored, the bad ones named.
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(SJIS_FILE);
    assert!(!unmappable);
    let r = admin.csv("/effort/projects/import", &sjis).await;
    expect(&r, 200, None);
    assert_eq!(
        (r.body["rows_read"].as_i64(), r.body["created"].as_i64(), r.body["updated"].as_i64()),
        (Some(8), Some(5), Some(0)),
        "{}",
        r.text
    );
    let errors: Vec<(i64, &str)> =
        r.body["errors"].as_array().unwrap().iter().map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap_or(""))).collect();
    assert_eq!(errors, [(7, "path"), (8, "status"), (9, "login")], "{}", r.text);
    assert!(r.body["errors"][0]["message"].as_str().unwrap().contains("開発"), "{}", r.text);
    // Activity, project, its manager (tanaka) and sato, two work items.
    assert_eq!(stored(&db).await, [1, 1, 2, 2]);
    let projects = admin.get("/effort/projects").await;
    let p = &projects.body[0];
    assert_eq!((p["code"].as_str(), p["name"].as_str(), p["status"].as_str()), (Some("P-1"), Some("受注管理システム"), Some("active")));
    let items = admin.get(&format!("/effort/projects/{}/work-items", p["id"])).await;
    let items: Vec<(String, i64)> = items
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["path"].as_str().unwrap().to_string(), w["planned_minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(items, [("設計".to_string(), 600), ("設計 / 画面".to_string(), 150)]);

    // A member without projects.manage may neither import nor export.
    let mut s = Client::new(&app);
    expect(&s.login("sato", PASSWORD).await, 200, None);
    expect(&s.csv("/effort/projects/import", "kind,project_code,name\nproject,X-1,Mine\n".as_bytes()).await, 403, Some("forbidden"));
    expect(&s.get("/effort/projects/export").await, 403, Some("forbidden"));
    assert_eq!(stored(&db).await, [1, 1, 2, 2]);

    // Export, then import the export: nothing changes; twice: still nothing.
    let export = admin.get("/effort/projects/export?encoding=utf-8").await;
    expect(&export, 200, None);
    let text = export.text.clone();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], kinmu_shared::api::PROJECT_CSV_HEADER.join(","));
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[1].starts_with("activity,,設計工程,,1,DES,"), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("project,P-1,受注管理システム,") && l.contains(",tanaka,active,")), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("work_item,P-1,,設計 / 画面,") && l.contains(",2:30,")), "{text}");
    for _ in 0..2 {
        let r = admin.csv("/effort/projects/import", text.as_bytes()).await;
        expect(&r, 200, None);
        assert_eq!(
            (r.body["rows_read"].as_i64(), r.body["created"].as_i64(), r.body["updated"].as_i64()),
            (Some(6), Some(0), Some(0)),
            "{}",
            r.text
        );
        assert!(r.body["errors"].as_array().unwrap().is_empty(), "{}", r.text);
        assert_eq!(stored(&db).await, [1, 1, 2, 2]);
    }
    // A changed row updates its thing and only it.
    let changed = text.replace("受注管理システム", "受注管理システム改").replace(",2:30,", ",3:00,");
    let r = admin.csv("/effort/projects/import", changed.as_bytes()).await;
    assert_eq!((r.body["created"].as_i64(), r.body["updated"].as_i64()), (Some(0), Some(2)), "{}", r.text);
    assert_eq!(admin.get("/effort/projects").await.body[0]["name"], "受注管理システム改");
    assert_eq!(stored(&db).await, [1, 1, 2, 2]);

    // The command line: export in Shift_JIS, import it back (nothing changes), a bad line fails.
    let out_file = dir.join("projects.csv");
    let (ok, out, err) = run(&["project", "export", "--encoding", "shift_jis", "--out", out_file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("6 rows"), "{out}");
    let bytes = std::fs::read(&out_file).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "written in Shift_JIS");
    assert!(encoding_rs::SHIFT_JIS.decode(&bytes).0.contains("受注管理システム改"));
    let (ok, out, err) = run(&["project", "import", out_file.to_str().unwrap()]);
    assert!(ok, "{out} {err}");
    assert!(out.contains("6 rows read, 0 created, 0 updated, 6 unchanged, 0 refused"), "{out}");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "kind,project_code,name,manager\nproject,P-3,Portal,\nfolder,P-4,Oops,\nproject,P-5,Shop,ghost\n").unwrap();
    let (ok, out, err) = run(&["project", "import", bad.to_str().unwrap()]);
    assert!(!ok, "refused rows make a failure exit: {out}");
    assert!(out.contains("3 rows read, 1 created, 0 updated, 0 unchanged, 2 refused"), "{out}");
    assert!(out.contains("line 3: kind:") && out.contains("line 4: manager:") && out.contains("ghost"), "{out}");
    assert!(err.contains("2 rows were refused"), "{err}");
    assert_eq!(stored(&db).await, [1, 2, 2, 2]);
}

/// Sets up a fresh database with the same people.
async fn people(app: &Router) -> Client {
    let mut admin = Client::new(app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let manager_role = builtin_role(&mut admin, "manager").await;
    user(&mut admin, "sato", member_role).await;
    user(&mut admin, "suzuki", member_role).await;
    user(&mut admin, "tanaka", manager_role).await;
    admin
}

/// Everything the file holds, made through the API in one database, exported, imported into
/// another and exported again: the same file.
async fn round_trip(first: Router, second: Router) {
    let mut admin = people(&first).await;
    let users = admin.get("/users").await;
    let id_of = |login: &str| users.body["users"].as_array().unwrap().iter().find(|u| u["login"] == login).unwrap()["id"].as_i64().unwrap();
    let (sato, suzuki, tanaka) = (id_of("sato"), id_of("suzuki"), id_of("tanaka"));
    let mut ids = Vec::new();
    for (level, code) in [(1, "DES"), (1, "DEV"), (2, "REV"), (2, "MTG")] {
        let r = admin.send("POST", "/effort/activities", json!({"level": level, "code": code, "name": format!("{code} work")})).await;
        expect(&r, 201, None);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    let p = admin
        .send(
            "POST",
            "/effort/projects",
            json!({"code": "RT-1", "name": "Round trip", "manager_id": tanaka, "activity_ids": [ids[2], ids[0]], "status": "active"}),
        )
        .await;
    expect(&p, 201, None);
    let project = p.body["id"].as_i64().unwrap();
    let members = json!({"members": [{"user_id": sato}, {"user_id": suzuki}]});
    expect(&admin.send("PUT", &format!("/effort/projects/{project}/members"), members).await, 200, None);
    let design = admin
        .send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "Design", "assignee_ids": [suzuki, sato]}))
        .await;
    expect(&design, 201, None);
    let screens = json!({"name": "Screens", "parent_id": design.body["id"], "assignee_ids": [sato], "planned_minutes": 90});
    expect(&admin.send("POST", &format!("/effort/projects/{project}/work-items"), screens).await, 201, None);
    expect(&admin.send("POST", "/effort/projects", json!({"code": "RT-2", "name": "Bare"})).await, 201, None);

    let export = admin.get("/effort/projects/export?encoding=utf-8").await;
    expect(&export, 200, None);
    let text = export.text;
    assert!(text.contains("project_activity,RT-1,,,1,DES,") && text.contains("project_activity,RT-1,,,2,REV,"), "{text}");
    assert!(!text.contains("project_activity,RT-1,,,1,DEV,"), "{text}");
    assert!(text.contains("assignee,RT-1,,Design,,,sato,") && text.contains("assignee,RT-1,,Design,,,suzuki,"), "{text}");
    assert!(text.contains("assignee,RT-1,,Design / Screens,,,sato,"), "{text}");

    let mut other = people(&second).await;
    let r = other.csv("/effort/projects/import", text.as_bytes()).await;
    expect(&r, 200, None);
    assert!(r.body["errors"].as_array().unwrap().is_empty(), "{}", r.text);
    let again = other.get("/effort/projects/export?encoding=utf-8").await;
    assert_eq!(again.text, text);
    // Importing the same file again changes nothing.
    let r = other.csv("/effort/projects/import", text.as_bytes()).await;
    assert_eq!((r.body["created"].as_i64(), r.body["updated"].as_i64()), (Some(0), Some(0)), "{}", r.text);
    assert_eq!(other.get("/effort/projects/export?encoding=utf-8").await.text, text);
    // An assignee or a project activity naming nothing is refused with its field.
    let bad = "kind,project_code,path,level,code,login\nassignee,RT-1,Nowhere,,,sato\nproject_activity,RT-1,,1,NOPE,\n";
    let r = other.csv("/effort/projects/import", bad.as_bytes()).await;
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap_or("")).collect();
    assert_eq!(fields, ["path", "code"], "{}", r.text);
}

#[tokio::test]
async fn projects_csv_round_trip_keeps_activities_and_assignees_on_sqlite() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, _) = app_on(&sqlite_url(&a)).await;
    let (second, _) = app_on(&sqlite_url(&b)).await;
    round_trip(first, second).await;
}

#[tokio::test]
async fn projects_csv_round_trip_keeps_activities_and_assignees_on_postgres() {
    let Some(a) = postgres_url().await else { return };
    let Some(b) = postgres_url().await else { return };
    let (first, _) = app_on(&a).await;
    let (second, _) = app_on(&b).await;
    round_trip(first, second).await;
}

#[tokio::test]
async fn projects_csv_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    story(app, db, dir.path(), None).await;
}

#[tokio::test]
async fn projects_csv_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&url).await;
    story(app, db, dir.path(), Some(url.expose())).await;
}
