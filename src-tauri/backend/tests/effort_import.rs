//! Bringing effort history in (issue 19), on SQLite and PostgreSQL: the time-entry CSV exports
//! of Toggl Track, Clockify and Kimai (realistic samples in `effort_import_samples/`) import the
//! right minutes to the right person, project, work item or activity and day; the format is
//! detected from the header; importing the same file again adds nothing; a row inside a
//! submitted period is refused and reported by line; a row for an unknown person is reported,
//! not dropped; a member imports only their own rows while a project's manager imports their
//! team's; missing projects and activities are created only when asked, and only by a manager;
//! Shift_JIS and UTF-8 with a BOM are read; slash dates are read in the order the file shows
//! (a day above 12) or is given, and a file that does not show it is refused until given; the
//! command line imports the same way.

mod api_client;
mod kinmu_process;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use kinmu::database::Db;
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";
const TOGGL: &[u8] = include_bytes!("effort_import_samples/toggl_detailed.csv");
const CLOCKIFY: &[u8] = include_bytes!("effort_import_samples/clockify_detailed.csv");
const KIMAI: &[u8] = include_bytes!("effort_import_samples/kimai_export.csv");

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user(admin: &mut Client, login: &str, email: &str, role: i64) -> i64 {
    let r = admin
        .send(
            "POST",
            "/users",
            json!({"login": login, "display_name": login, "email": email, "role_id": role, "password": PASSWORD, "language": "en"}),
        )
        .await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn logged_in(app: &Router, login: &str) -> Client {
    let mut c = Client::new(app);
    expect(&c.login(login, PASSWORD).await, 200, None);
    c
}

/// Live entries as (login, day, project code, work item path, activity code, minutes, note), sorted.
async fn entries(db: &Db) -> Vec<(String, String, String, String, String, i64, String)> {
    let mut rows: Vec<(String, String, String, String, String, i64, String)> = sqlx::query_as(
        "SELECT u.login, e.work_date, p.code, COALESCE(w.path, ''), COALESCE(a.code, ''), e.minutes, e.note FROM effort_entries e \
         JOIN users u ON u.id = e.user_id JOIN projects p ON p.id = e.project_id LEFT JOIN work_items w ON w.id = e.work_item_id \
         LEFT JOIN activities a ON a.id = e.activity1_id WHERE e.deleted_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    rows.sort();
    rows
}

fn row(
    login: &str,
    day: &str,
    project: &str,
    item: &str,
    activity: &str,
    minutes: i64,
    note: &str,
) -> (String, String, String, String, String, i64, String) {
    (login.into(), day.into(), project.into(), item.into(), activity.into(), minutes, note.into())
}

fn errors(report: &Value) -> Vec<(i64, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap_or("").to_string()))
        .collect()
}

fn counts(report: &Value) -> (i64, i64, i64, usize) {
    let n = |k: &str| report[k].as_i64().unwrap();
    (n("rows_read"), n("created"), n("unchanged"), report["errors"].as_array().unwrap().len())
}

async fn import_story(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member = builtin_role(&mut admin, "member").await;
    let manager = builtin_role(&mut admin, "manager").await;
    let sato = user(&mut admin, "sato", "sato@example.com", member).await;
    let suzuki = user(&mut admin, "suzuki", "suzuki@example.com", member).await;
    user(&mut admin, "tanaka", "tanaka@example.com", manager).await;
    let mut s = logged_in(&app, "sato").await;
    let mut t = logged_in(&app, "tanaka").await;

    // tanaka manages "IMP Web Portal" (code IMP-WEB) with sato and suzuki; a work item Design
    // and an activity Development exist.
    let p = t.send("POST", "/effort/projects", json!({"code": "IMP-WEB", "name": "IMP Web Portal", "allow_unassigned": true})).await;
    expect(&p, 201, None);
    let web = p.body["id"].as_i64().unwrap();
    let m = t.send("PUT", &format!("/effort/projects/{web}/members"), json!({"members": [{"user_id": sato}, {"user_id": suzuki}]})).await;
    expect(&m, 200, None);
    expect(&t.send("POST", &format!("/effort/projects/{web}/work-items"), json!({"name": "Design"})).await, 201, None);
    expect(&t.send("POST", "/effort/activities", json!({"level": 1, "code": "DEV", "name": "Development"})).await, 201, None);

    // sato's October is submitted: the Toggl file's October row must be refused.
    let submitted = s.send("POST", "/effort/periods/submit", json!({"date": "2026-10-15"})).await;
    expect(&submitted, 200, None);

    // A member imports the Toggl file: their own November rows are stored; suzuki's row is
    // refused (not theirs), kato is nobody, the October row is locked. Every row is accounted for.
    let r = s.csv("/effort/entries/import", TOGGL).await;
    expect(&r, 200, None);
    assert_eq!(r.body["format"], "toggl", "detected from the header: {}", r.text);
    assert_eq!(counts(&r.body), (5, 2, 0, 3), "{}", r.text);
    assert_eq!(r.body["minutes"], 105);
    assert_eq!(errors(&r.body), [(4, "user".to_string()), (5, "email".to_string()), (6, "date".to_string())], "{}", r.text);
    let messages: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(messages[0].contains("only your own"), "{}", messages[0]);
    assert!(messages[1].contains("kato@example.com"), "{}", messages[1]);
    assert!(messages[2].contains("submitted") || messages[2].contains("period"), "the locked row says why: {}", messages[2]);
    assert_eq!(
        entries(&db).await,
        [
            row("sato", "2026-11-02", "IMP-WEB", "", "", 15, "Daily standup"),
            row("sato", "2026-11-02", "IMP-WEB", "Design", "", 90, "Wireframes for the top page")
        ]
    );
    // The week page shows the imported hours.
    let week = s.get("/effort/week?week=2026-W45").await;
    expect(&week, 200, None);
    let total: i64 = week.body["days"].as_array().unwrap().iter().map(|d| d["total_minutes"].as_i64().unwrap()).sum();
    assert_eq!(total, 105, "{}", week.text);

    // The manager imports the same file: sato's rows are already there, suzuki's is stored
    // (the e-mail's case does not matter); kato and the locked row are still reported.
    let r = t.csv("/effort/entries/import?format=toggl", TOGGL).await;
    expect(&r, 200, None);
    assert_eq!(counts(&r.body), (5, 1, 2, 2), "{}", r.text);
    assert_eq!(errors(&r.body), [(5, "email".to_string()), (6, "date".to_string())], "{}", r.text);
    // And again: nothing is added.
    let again = t.csv("/effort/entries/import", TOGGL).await;
    assert_eq!(counts(&again.body), (5, 0, 3, 2), "{}", again.text);
    assert_eq!(entries(&db).await.len(), 3);

    // Clockify (US dates, hh:mm:ss durations): its dates (11/04, 11/05) read as month/day and as
    // day/month, and no row decides: refused whole, naming the field and the fix, nothing stored.
    let r = t.csv("/effort/entries/import", CLOCKIFY).await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "date_order", "{}", r.text);
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("11/04/2026") && message.contains("mdy") && message.contains("dmy"), "{message}");
    assert_eq!(entries(&db).await.len(), 3);
    expect(&t.csv("/effort/entries/import?date_order=ydm", CLOCKIFY).await, 422, Some("validation"));
    // Told the order: two identical rows are two entries, once.
    let r = t.csv("/effort/entries/import?date_order=mdy", CLOCKIFY).await;
    expect(&r, 200, None);
    assert_eq!(r.body["format"], "clockify");
    assert_eq!(counts(&r.body), (3, 3, 0, 0), "{}", r.text);
    assert_eq!(counts(&t.csv("/effort/entries/import?date_order=mdy", CLOCKIFY).await.body), (3, 0, 3, 0));

    // Kimai: decimal hours to minutes, activity by name; an unknown project is reported until
    // the import is asked to create what is missing — which a member may not ask.
    let r = t.csv("/effort/entries/import", KIMAI).await;
    expect(&r, 200, None);
    assert_eq!(r.body["format"], "kimai");
    assert_eq!(counts(&r.body), (3, 2, 0, 1), "{}", r.text);
    assert_eq!(errors(&r.body), [(4, "project".to_string())], "{}", r.text);
    expect(&s.csv("/effort/entries/import?create_missing=true", KIMAI).await, 403, Some("forbidden"));
    // A dry run lists what it would make and stores nothing.
    let dry = t.csv("/effort/entries/import?create_missing=true&dry_run=true", KIMAI).await;
    expect(&dry, 200, None);
    assert_eq!((dry.body["dry_run"].as_bool(), counts(&dry.body)), (Some(true), (3, 1, 2, 0)), "{}", dry.text);
    assert_eq!(dry.body["created_projects"], json!(["IMP Mobile App"]), "{}", dry.text);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM projects").await, 1);
    let r = t.csv("/effort/entries/import?create_missing=true", KIMAI).await;
    expect(&r, 200, None);
    assert_eq!(counts(&r.body), (3, 1, 2, 0), "{}", r.text);
    assert_eq!((r.body["created_projects"].clone(), r.body["created_activities"].clone()), (json!(["IMP Mobile App"]), json!(["Testing"])));

    assert_eq!(
        entries(&db).await,
        [
            row("sato", "2026-11-02", "IMP-WEB", "", "", 15, "Daily standup"),
            row("sato", "2026-11-02", "IMP-WEB", "Design", "", 90, "Wireframes for the top page"),
            row("sato", "2026-11-04", "IMP-WEB", "", "", 195, "API endpoints"),
            row("sato", "2026-11-06", "IMP-Mobile-App", "", "Testing", 60, "Device tests"),
            row("sato", "2026-11-06", "IMP-WEB", "", "DEV", 240, "Backend services"),
            row("suzuki", "2026-11-03", "IMP-WEB", "Design", "", 120, "Review, with notes"),
            row("suzuki", "2026-11-05", "IMP-WEB", "Design", "", 45, "Test plan"),
            row("suzuki", "2026-11-05", "IMP-WEB", "Design", "", 45, "Test plan"),
            row("suzuki", "2026-11-06", "IMP-WEB", "", "DEV", 80, "Code review"),
        ]
    );
    // Every imported entry's history says it came by import.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entry_history WHERE path = 'import'").await, 9);

    // Shift_JIS (as Excel saves in Japan) and UTF-8 with a BOM, Japanese names and notes.
    let sjis_text = "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()\n\
                     佐藤花子,sato@example.com,社内,IMP Web Portal,,仕様書の確認,No,2026-11-09,09:00:00,2026-11-09,09:50:00,00:50:00,,0.00\n";
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(sjis_text);
    let r = s.csv("/effort/entries/import", &sjis).await;
    assert_eq!((r.body["format"].as_str(), counts(&r.body)), (Some("toggl"), (1, 1, 0, 0)), "{}", r.text);
    let bom = [b"\xef\xbb\xbf".as_slice(), sjis_text.replace("2026-11-09", "2026-11-10").as_bytes()].concat();
    let r = s.csv("/effort/entries/import", &bom).await;
    assert_eq!(counts(&r.body), (1, 1, 0, 0), "{}", r.text);
    let notes: Vec<String> = sqlx::query_scalar("SELECT note FROM effort_entries WHERE work_date IN ('2026-11-09', '2026-11-10')")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(notes, ["仕様書の確認", "仕様書の確認"]);

    // Kinmu's own effort CSV through the same route: a member's own row is stored, recorded as
    // an import; another person's is refused; the same file again changes nothing.
    let kinmu = "login,date,project_code,work_item,activity1,activity2,duration,note,id\n\
                 sato,2026-11-11,IMP-WEB,Design,DEV,,1:15,spec,\n\
                 suzuki,2026-11-11,IMP-WEB,,,,0:30,spec,\n";
    let r = s.csv("/effort/entries/import", kinmu.as_bytes()).await;
    expect(&r, 200, None);
    assert_eq!((r.body["format"].as_str(), counts(&r.body)), (Some("kinmu"), (2, 1, 0, 1)), "{}", r.text);
    let r = s.csv("/effort/entries/import?format=kinmu", kinmu.as_bytes()).await;
    assert_eq!(counts(&r.body), (2, 0, 1, 1), "{}", r.text);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entries WHERE work_date = '2026-11-11' AND minutes = 75").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entry_history WHERE path = 'import'").await, 12);

    // A European Toggl export (DD/MM/YYYY): one row with a day above 12 decides for every row,
    // wherever it stands — 02/11 is the 2nd of November, not the 11th of February.
    let european = "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()\n\
                    Sato,sato@example.com,,IMP Web Portal,,EU early,No,02/11/2026,09:00:00,02/11/2026,09:10:00,00:10:00,,\n\
                    Sato,sato@example.com,,IMP Web Portal,,EU late,No,13/11/2026,09:00:00,13/11/2026,09:20:00,00:20:00,,\n";
    let r = s.csv("/effort/entries/import", european.as_bytes()).await;
    expect(&r, 200, None);
    assert_eq!(counts(&r.body), (2, 2, 0, 0), "{}", r.text);
    let days: Vec<String> = sqlx::query_scalar("SELECT work_date FROM effort_entries WHERE note LIKE 'EU %' ORDER BY work_date")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(days, ["2026-11-02", "2026-11-13"]);
    // Asked to read it month first, the 13th month is refused by line, never read the other way.
    let r = s.csv("/effort/entries/import?date_order=mdy&dry_run=true", european.as_bytes()).await;
    assert_eq!(errors(&r.body), [(3, "date".to_string())], "{}", r.text);
    // Rows that contradict each other (13/11 and 11/13) are refused whole unless told.
    let mixed = european.replace("02/11/2026", "11/14/2026");
    let r = s.csv("/effort/entries/import", mixed.as_bytes()).await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "date_order", "{}", r.text);

    // A file of no known format, or named as the wrong one, is refused whole and says why.
    let r = s.csv("/effort/entries/import", b"name,hours\nsato,2\n").await;
    expect(&r, 422, Some("validation"));
    assert_eq!(r.body["field"], "file");
    let r = s.csv("/effort/entries/import?format=kimai", TOGGL).await;
    expect(&r, 422, Some("validation"));
    assert!(r.body["message"].as_str().unwrap().contains("\"Date\""), "names the missing column: {}", r.text);
    expect(&s.csv("/effort/entries/import?format=harvest", TOGGL).await, 422, Some("validation"));
}

/// `kinmu effort import` as the operator, against the database `app` serves (`database`: the
/// `--database` flag, or none for the SQLite file in `dir`).
async fn command_line_story(app: Router, db: Db, dir: &std::path::Path, database: Option<&str>) {
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = database.map(|d| vec!["--database", d]).unwrap_or_default();
        all.extend_from_slice(args);
        let out = kinmu_process::kinmu(dir, &all, None);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member = builtin_role(&mut admin, "member").await;
    user(&mut admin, "sato", "sato@example.com", member).await;
    user(&mut admin, "suzuki", "suzuki@example.com", member).await;
    let file = dir.join("kimai.csv");
    std::fs::write(&file, KIMAI).unwrap();
    let path = file.to_str().unwrap();

    // Named as the wrong format: refused whole, naming the missing column.
    let (ok, _, err) = run(&["effort", "import", "--format", "clockify", path]);
    assert!(!ok && err.contains("Start date"), "{err}");
    // Without --create-missing the unknown projects are reported by line; a dry run stores nothing.
    let (ok, out, _) = run(&["effort", "import", path]);
    assert!(!ok, "{out}");
    assert!(out.contains("Kimai (kimai): 3 rows read, 0 created, 0 updated, 0 unchanged, 3 refused"), "{out}");
    assert!(out.contains("line 2: project:") && out.contains("IMP Web Portal"), "{out}");
    let (ok, out, err) = run(&["effort", "import", "--create-missing", "--dry-run", path]);
    assert!(ok, "{out} {err}");
    assert!(out.contains("dry run: nothing stored): 3 rows read, 3 created"), "{out}");
    assert!(out.contains("would create projects: IMP Web Portal, IMP Mobile App"), "{out}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM projects").await, 0);
    // Creating what is missing: the projects (with the people as members), the activities.
    let (ok, out, err) = run(&["effort", "import", "--create-missing", path]);
    assert!(ok, "{out} {err}");
    assert!(out.contains("3 rows read, 3 created, 0 updated, 0 unchanged, 0 refused; 6:20 h:mm"), "{out}");
    assert!(out.contains("created activities: Development, Testing"), "{out}");
    assert_eq!(
        entries(&db).await,
        [
            row("sato", "2026-11-06", "IMP-Mobile-App", "", "Testing", 60, "Device tests"),
            row("sato", "2026-11-06", "IMP-Web-Portal", "", "Development", 240, "Backend services"),
            row("suzuki", "2026-11-06", "IMP-Web-Portal", "", "Development", 80, "Code review"),
        ]
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entry_history WHERE path = 'cli'").await, 3);
    let (ok, out, _) = run(&["effort", "import", path]);
    assert!(ok && out.contains("3 rows read, 0 created, 0 updated, 3 unchanged, 0 refused"), "{out}");

    // Slash dates that read both ways: refused, naming the flag; --date-order reads them.
    let clockify = dir.join("clockify.csv");
    std::fs::write(&clockify, CLOCKIFY).unwrap();
    let clockify = clockify.to_str().unwrap();
    let (ok, _, err) = run(&["effort", "import", "--create-missing", clockify]);
    assert!(!ok && err.contains("--date-order"), "{err}");
    let (ok, _, err) = run(&["effort", "import", "--date-order", "ydm", clockify]);
    assert!(!ok && err.contains("mdy"), "{err}");
    let (ok, out, err) = run(&["effort", "import", "--create-missing", "--date-order", "dmy", clockify]);
    assert!(ok && out.contains("3 rows read, 3 created"), "{out} {err}");
    let days: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT work_date FROM effort_entries WHERE note IN ('API endpoints', 'Test plan') ORDER BY work_date")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(days, ["2026-04-11", "2026-05-11"], "day first, as asked");
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn imports_from_toggl_clockify_and_kimai_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    import_story(app, db).await;
}

#[tokio::test]
async fn imports_from_toggl_clockify_and_kimai_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    import_story(app, db).await;
}

#[tokio::test]
async fn effort_import_command_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    command_line_story(app, db, dir.path(), None).await;
}

#[tokio::test]
async fn effort_import_command_line_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&url).await;
    command_line_story(app, db, dir.path(), Some(url.expose())).await;
}
