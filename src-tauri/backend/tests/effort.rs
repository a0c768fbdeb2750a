//! Effort tracking through the API, on SQLite and PostgreSQL: an entry sent twice is stored once
//! and a stale version is a conflict; a day over 24 hours is refused naming the day; a closed
//! project refuses entries; a gap without a reason blocks submission; a member approves nobody's
//! period and an approver not their own; a submitted or approved period refuses changes through
//! the API and through the service as imports and the command line call it; an administrator
//! reopens with a recorded reason; only a person's approver (named, else their organisation's
//! manager up the tree) or an administrator approves, and the periods list filters across people.

mod api_client;
mod kinmu_process;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use chrono::NaiveDate;
use kinmu::accounts::Actor;
use kinmu::database::Db;
use kinmu::effort::entries;
use kinmu::error::Error;
use kinmu_shared::api::{ChangePath, DailyField, DeleteEntry, FieldKind, SaveEntry};
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";
const DAY: &str = "2026-11-10";

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user(admin: &mut Client, login: &str, role: i64) -> i64 {
    let r = admin
        .send(
            "POST",
            "/users",
            json!({"login": login, "display_name": login, "role_id": role, "password": PASSWORD, "language": "en", "log_accounts": [login]}),
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

/// A stored attendance day for `account` with `minutes` of actual work.
async fn attended(db: &Db, account: &str, date: &str, minutes: i64) {
    let columns = DailyField::list(&DailyField::ALL);
    let values: Vec<String> = DailyField::ALL
        .iter()
        .map(|f| match f {
            DailyField::WorkDate => format!("'{date}'"),
            DailyField::PersonKey | DailyField::Account | DailyField::DisplayName => format!("'{account}'"),
            DailyField::Worked => "1".into(),
            DailyField::ClockInText => "'9:00'".into(),
            DailyField::ClockOutText => "'18:00'".into(),
            DailyField::ActualWorkMinutes => minutes.to_string(),
            f => match f.kind() {
                FieldKind::Text => "''".into(),
                k if k.nullable() => "NULL".into(),
                _ => "0".into(),
            },
        })
        .collect();
    sqlx::query(&format!("INSERT INTO attendance_daily ({columns}) VALUES ({})", values.join(", "))).execute(&db.pool).await.unwrap();
}

fn entry(id: &str, project: i64, date: &str, minutes: i64, version: Option<i64>) -> Value {
    json!({"id": id, "date": date, "project_id": project, "minutes": minutes, "note": "design review", "expected_version": version})
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

async fn effort_story(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let manager_role = builtin_role(&mut admin, "manager").await;
    let sato = user(&mut admin, "sato", member_role).await;
    let suzuki = user(&mut admin, "suzuki", member_role).await;
    let tanaka = user(&mut admin, "tanaka", manager_role).await;
    // tanaka approves sato's and suzuki's periods (their named approver).
    for who in [sato, suzuki] {
        expect(&admin.send("PUT", &format!("/users/{who}"), json!({"approver_id": tanaka})).await, 200, None);
    }
    let mut s = logged_in(&app, "sato").await;
    let mut z = logged_in(&app, "suzuki").await;
    let mut t = logged_in(&app, "tanaka").await;

    // A member cannot make a project; a manager can, and manages it.
    expect(&s.send("POST", "/effort/projects", json!({"code": "X", "name": "X"})).await, 403, Some("forbidden"));
    let p = t.send("POST", "/effort/projects", json!({"code": "P-1", "name": "Portal", "client": "Acme"})).await;
    expect(&p, 201, None);
    let project = p.body["id"].as_i64().unwrap();
    assert_eq!(p.body["manager_id"], tanaka, "{}", p.text);
    let m =
        t.send("PUT", &format!("/effort/projects/{project}/members"), json!({"members": [{"user_id": sato}, {"user_id": suzuki}]})).await;
    expect(&m, 200, None);
    assert_eq!(m.body["members"].as_array().unwrap().len(), 3, "{}", m.text);
    expect(&t.send("POST", "/effort/projects", json!({"code": "p-1", "name": "Again"})).await, 409, Some("conflict"));
    // Members see their projects; a stranger's project is not found.
    assert_eq!(s.get("/effort/projects").await.body.as_array().unwrap().len(), 1);
    let closed =
        admin.send("POST", "/effort/projects", json!({"code": "OLD", "name": "Old", "status": "closed", "manager_id": tanaka})).await;
    expect(&closed, 201, None);
    let closed = closed.body["id"].as_i64().unwrap();
    expect(&s.get(&format!("/effort/projects/{closed}")).await, 404, Some("not_found"));
    expect(&admin.send("PUT", &format!("/effort/projects/{closed}/members"), json!({"members": [{"user_id": sato}]})).await, 200, None);

    // Work items as a tree with paths; copying the project as a template copies them.
    let design = t.send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "Design", "planned_minutes": 600})).await;
    expect(&design, 201, None);
    let design_id = design.body["id"].as_i64().unwrap();
    let screens = t
        .send(
            "POST",
            &format!("/effort/projects/{project}/work-items"),
            json!({"name": "Screens", "parent_id": design_id, "assignee_ids": [sato]}),
        )
        .await;
    expect(&screens, 201, None);
    assert_eq!(screens.body["path"], "Design / Screens");
    let screens_id = screens.body["id"].as_i64().unwrap();
    let copy = t.send("POST", &format!("/effort/projects/{project}/copy"), json!({"code": "P-2", "name": "Portal 2"})).await;
    expect(&copy, 201, None);
    assert_eq!(copy.body["status"], "planning");
    let copied = t.get(&format!("/effort/projects/{}/work-items", copy.body["id"])).await;
    let paths: Vec<&str> = copied.body.as_array().unwrap().iter().map(|w| w["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["Design", "Design / Screens"], "{}", copied.text);

    // An entry sent twice with the same UUID is stored once.
    let u1 = "0b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f";
    let first = s.send("PUT", "/effort/entries", entry(u1, project, DAY, 120, None)).await;
    expect(&first, 200, None);
    assert_eq!((first.body["outcome"].as_str(), first.body["entry"]["version"].as_i64()), (Some("created"), Some(1)), "{}", first.text);
    let again = s.send("PUT", "/effort/entries", entry(u1, project, DAY, 120, None)).await;
    expect(&again, 200, None);
    assert_eq!((again.body["outcome"].as_str(), again.body["entry"]["version"].as_i64()), (Some("unchanged"), Some(1)), "{}", again.text);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entries").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entry_history").await, 1);
    // A change names its version; a change from a stale one is a conflict answered with the current entry.
    let changed = s.send("PUT", "/effort/entries", entry(u1, project, DAY, 150, Some(1))).await;
    assert_eq!(
        (changed.body["outcome"].as_str(), changed.body["entry"]["version"].as_i64()),
        (Some("updated"), Some(2)),
        "{}",
        changed.text
    );
    let stale = s.send("PUT", "/effort/entries", entry(u1, project, DAY, 60, Some(1))).await;
    expect(&stale, 200, None);
    assert_eq!(stale.body["outcome"], "conflict", "{}", stale.text);
    assert_eq!((stale.body["entry"]["version"].as_i64(), stale.body["entry"]["minutes"].as_i64()), (Some(2), Some(150)));
    // Nobody writes another person's effort.
    let theirs =
        z.send("PUT", "/effort/entries", json!({"id": u1, "user_id": sato, "date": DAY, "project_id": project, "minutes": 1})).await;
    expect(&theirs, 403, Some("forbidden"));

    // A day over 24 hours is refused, naming the day.
    let over = s.send("PUT", "/effort/entries", entry("1b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", project, DAY, 1300, None)).await;
    expect(&over, 422, Some("validation"));
    assert_eq!(over.body["field"], "minutes");
    assert!(over.text.contains(DAY) && over.text.contains("24:00"), "{}", over.text);
    // A closed project refuses entries; an item one is not assigned to too; the future as set.
    let on_closed = s.send("PUT", "/effort/entries", entry("2b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", closed, DAY, 60, None)).await;
    expect(&on_closed, 422, Some("validation"));
    assert_eq!(on_closed.body["field"], "project_id");
    assert!(on_closed.text.contains("OLD") && on_closed.text.contains("closed"), "{}", on_closed.text);
    let mut unassigned = entry("3b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", project, DAY, 30, None);
    unassigned["work_item_id"] = json!(screens_id);
    expect(&z.send("PUT", "/effort/entries", unassigned.clone()).await, 422, Some("validation"));
    unassigned["id"] = json!("4b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f");
    expect(&s.send("PUT", "/effort/entries", unassigned).await, 200, None);
    let future = s.send("PUT", "/effort/entries", entry("5b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", project, "2099-01-05", 30, None)).await;
    expect(&future, 422, Some("validation"));
    assert_eq!(future.body["field"], "date");

    // The week beside attendance: sato worked 8 hours by the PC logs and entered 3.
    attended(&db, "sato", DAY, 480).await;
    let week_of = NaiveDate::parse_from_str(DAY, "%Y-%m-%d").unwrap().format("%G-W%V").to_string();
    let w = s.get(&format!("/effort/week?week={week_of}")).await;
    expect(&w, 200, None);
    let day = w.body["days"].as_array().unwrap().iter().find(|d| d["date"] == DAY).unwrap().clone();
    assert_eq!((day["total_minutes"].as_i64(), day["attendance"]["actual_work_minutes"].as_i64()), (Some(180), Some(480)), "{day}");
    assert_eq!(day["gap"]["kind"], "difference", "{day}");
    expect(&s.get(&format!("/effort/week?week={week_of}&user=suzuki")).await, 403, Some("forbidden"));
    expect(&t.get(&format!("/effort/week?week={week_of}&user=sato")).await, 200, None);

    // A gap without a reason blocks submission, naming the day.
    let blocked = s.send("POST", "/effort/periods/submit", json!({"date": DAY})).await;
    expect(&blocked, 422, Some("validation"));
    assert_eq!(blocked.body["field"], "gaps");
    assert!(blocked.text.contains(DAY), "{}", blocked.text);
    let gaps = s.get("/effort/gaps?month=2026-11").await;
    expect(&gaps, 200, None);
    assert_eq!(gaps.body["days"].as_array().unwrap().len(), 1, "{}", gaps.text);
    assert_eq!(gaps.body["days"][0]["difference_minutes"], -300);
    expect(&s.send("POST", "/effort/gap-reasons", json!({"name": "Meetings"})).await, 403, Some("forbidden"));
    let reason = admin.send("POST", "/effort/gap-reasons", json!({"name": "Meetings not booked"})).await;
    expect(&reason, 201, None);
    let explained = s.send("PUT", "/effort/gaps", json!({"date": DAY, "reason_id": reason.body["id"], "text": "customer workshop"})).await;
    expect(&explained, 200, None);
    let submitted = s.send("POST", "/effort/periods/submit", json!({"date": DAY})).await;
    expect(&submitted, 200, None);
    assert_eq!(submitted.body["state"], "submitted");
    assert_eq!((submitted.body["start"].as_str(), submitted.body["end"].as_str()), (Some("2026-11-01"), Some("2026-11-30")));
    let period = submitted.body["id"].as_i64().unwrap();
    // Submitted: no changes until it is sent back.
    expect(&s.send("PUT", "/effort/entries", entry(u1, project, DAY, 100, Some(2))).await, 423, Some("period_locked"));

    // A member approves nobody's period: neither their own nor another's.
    expect(&s.send("POST", &format!("/effort/periods/{period}/approve"), json!({})).await, 403, Some("forbidden"));
    expect(&z.send("POST", &format!("/effort/periods/{period}/approve"), json!({})).await, 403, Some("not_the_approver"));
    // An approver does not approve their own.
    expect(
        &t.send("PUT", "/effort/entries", entry("6b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", project, "2026-11-02", 30, None)).await,
        200,
        None,
    );
    let own = t.send("POST", "/effort/periods/submit", json!({"date": "2026-11-02"})).await;
    expect(&own, 200, None);
    let own_approval = t.send("POST", &format!("/effort/periods/{}/approve", own.body["id"]), json!({})).await;
    expect(&own_approval, 403, Some("forbidden"));
    assert!(own_approval.text.contains("own period"), "{}", own_approval.text);
    // Sending back needs a comment; approving locks.
    expect(&t.send("POST", &format!("/effort/periods/{period}/send-back"), json!({"comment": " "})).await, 422, Some("validation"));
    let approved = t.send("POST", &format!("/effort/periods/{period}/approve"), json!({"comment": "ok"})).await;
    expect(&approved, 200, None);
    assert_eq!((approved.body["state"].as_str(), approved.body["approved_by"].as_i64()), (Some("approved"), Some(tanaka)));
    assert_eq!(
        t.get("/effort/periods?waiting=true").await.body.as_array().unwrap().len(),
        1,
        "tanaka's own period still waits for another approver"
    );

    // A locked period refuses a change through every path: the API (save, delete, a new entry,
    // a gap's reason) and the service as imports and the command line call it.
    expect(&s.send("PUT", "/effort/entries", entry(u1, project, DAY, 100, Some(2))).await, 423, Some("period_locked"));
    expect(&s.send("POST", "/effort/entries/delete", json!({"id": u1, "expected_version": 2})).await, 423, Some("period_locked"));
    let new_in_locked =
        s.send("PUT", "/effort/entries", entry("7b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", project, "2026-11-11", 60, None)).await;
    expect(&new_in_locked, 423, Some("period_locked"));
    assert!(new_in_locked.text.contains("reopen"), "{}", new_in_locked.text);
    expect(&s.send("PUT", "/effort/gaps", json!({"date": DAY, "text": "changed"})).await, 423, Some("period_locked"));
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    for path in [ChangePath::Import, ChangePath::Cli, ChangePath::Sync] {
        let req = SaveEntry {
            id: u1.into(),
            user_id: Some(sato),
            date: DAY.into(),
            project_id: project,
            work_item_id: None,
            activity1_id: None,
            activity2_id: None,
            minutes: 45,
            note: String::new(),
            expected_version: Some(2),
        };
        let refused = entries::save(&db, &Actor::Operator, req, path, today, 1_800_000_000).await;
        assert!(matches!(refused, Err(Error::PeriodLocked(_))), "{path:?}: {refused:?}");
        let deleted = entries::delete(&db, &Actor::Operator, DeleteEntry { id: u1.into(), expected_version: 2 }, path, 1_800_000_000).await;
        assert!(matches!(deleted, Err(Error::PeriodLocked(_))), "{path:?}: {deleted:?}");
    }
    assert_eq!(count(&db, &format!("SELECT minutes FROM effort_entries WHERE id = '{u1}'")).await, 150);

    // Reopening: an administrator only, with a reason that is recorded.
    expect(&t.send("POST", &format!("/effort/periods/{period}/reopen"), json!({"reason": "typo"})).await, 403, Some("forbidden"));
    expect(&admin.send("POST", &format!("/effort/periods/{period}/reopen"), json!({"reason": "  "})).await, 422, Some("validation"));
    let reopened =
        admin.send("POST", &format!("/effort/periods/{period}/reopen"), json!({"reason": "client asked to rebook the workshop"})).await;
    expect(&reopened, 200, None);
    assert_eq!(reopened.body["state"], "reopened");
    assert_eq!(reopened.body["reopen_reason"], "client asked to rebook the workshop");
    let recorded: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, actor_name, comment FROM effort_period_history WHERE period_id = $1 ORDER BY id")
            .bind(period)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        recorded,
        [
            ("submit".to_string(), "sato".to_string(), String::new()),
            ("approve".into(), "tanaka".into(), "ok".into()),
            ("reopen".into(), "admin".into(), "client asked to rebook the workshop".into())
        ]
    );
    let history = s.get(&format!("/effort/periods/{period}/history")).await;
    expect(&history, 200, None);
    let steps: Vec<(&str, &str)> =
        history.body.as_array().unwrap().iter().map(|h| (h["action"].as_str().unwrap(), h["comment"].as_str().unwrap())).collect();
    assert_eq!(steps, [("submit", ""), ("approve", "ok"), ("reopen", "client asked to rebook the workshop")], "{}", history.text);
    expect(&z.get(&format!("/effort/periods/{period}/history")).await, 403, Some("forbidden"));
    // Reopened: changes go through again, and every change is in the history with its path.
    let after = s.send("PUT", "/effort/entries", entry(u1, project, DAY, 100, Some(2))).await;
    assert_eq!(after.body["outcome"], "updated", "{}", after.text);
    let by_import = entries::save(
        &db,
        &Actor::Operator,
        SaveEntry {
            id: u1.into(),
            user_id: Some(sato),
            date: DAY.into(),
            project_id: project,
            work_item_id: None,
            activity1_id: None,
            activity2_id: None,
            minutes: 105,
            note: "design review".into(),
            expected_version: Some(3),
        },
        ChangePath::Import,
        today,
        1_800_000_000,
    )
    .await
    .unwrap();
    assert_eq!(by_import.entry.version, 4);
    let history = s.get(&format!("/effort/entries/history?id={u1}")).await;
    expect(&history, 200, None);
    let paths: Vec<&str> = history.body.as_array().unwrap().iter().map(|h| h["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["api", "api", "api", "import"], "{}", history.text);
    assert_eq!(history.body[3]["before"]["minutes"], 100);
    assert_eq!(history.body[3]["after"]["minutes"], 105);
    assert_eq!(history.body[3]["changed_by_name"], "(operator)");
    expect(&z.get(&format!("/effort/entries/history?id={u1}")).await, 404, Some("not_found"));
    // A deletion is a tombstone with its version raised.
    let gone = s.send("POST", "/effort/entries/delete", json!({"id": u1, "expected_version": 4})).await;
    expect(&gone, 200, None);
    assert_eq!((gone.body["version"].as_i64(), gone.body["deleted_at"].is_i64()), (Some(5), true), "{}", gone.text);
    assert_eq!(count(&db, &format!("SELECT COUNT(*) FROM effort_entries WHERE id = '{u1}'")).await, 1);
}

/// Parallel saves of one person's day (two devices, a sync) never pass 24 hours together, and the
/// day totals follow moves and deletions.
async fn parallel_saves(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let sato = user(&mut admin, "sato", member_role).await;
    let p = admin.send("POST", "/effort/projects", json!({"code": "P-1", "name": "Portal"})).await;
    let project = p.body["id"].as_i64().unwrap();
    expect(&admin.send("PUT", &format!("/effort/projects/{project}/members"), json!({"members": [{"user_id": sato}]})).await, 200, None);
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(logged_in(&app, "sato").await);
    }
    let answers = futures_util::future::join_all(clients.iter_mut().enumerate().map(|(i, c)| {
        let body = entry(&format!("{i:08x}-0000-4000-8000-000000000000"), project, DAY, 240, None);
        async move { c.send("PUT", "/effort/entries", body).await }
    }))
    .await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 6, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 2, "{statuses:?}");
    let totals = "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM effort_entries WHERE deleted_at IS NULL";
    assert_eq!(count(&db, totals).await, 1440);
    assert_eq!(count(&db, "SELECT minutes FROM effort_day_totals").await, 1440);
    // A deletion gives its minutes back; a move takes them to the other day.
    let stored: Vec<(String, i64)> =
        sqlx::query_as("SELECT id, version FROM effort_entries ORDER BY id").fetch_all(&db.pool).await.unwrap();
    let s = &mut clients[0];
    expect(&s.send("POST", "/effort/entries/delete", json!({"id": stored[0].0, "expected_version": stored[0].1})).await, 200, None);
    let moved = s.send("PUT", "/effort/entries", entry(&stored[1].0, project, "2026-11-11", 240, Some(stored[1].1))).await;
    assert_eq!(moved.body["outcome"], "updated", "{}", moved.text);
    let by_day: Vec<(String, i64)> =
        sqlx::query_as("SELECT work_date, minutes FROM effort_day_totals ORDER BY work_date").fetch_all(&db.pool).await.unwrap();
    assert_eq!(by_day, [(DAY.to_string(), 960), ("2026-11-11".to_string(), 240)]);
    expect(&s.send("PUT", "/effort/entries", entry("10000000-0000-4000-8000-000000000000", project, DAY, 480, None)).await, 200, None);
    // Effort without PC activity is a gap for a person the logs know; for one without log
    // accounts, nothing speaks against it.
    let gaps = s.get("/effort/gaps?month=2026-11").await;
    let kinds: Vec<&str> = gaps.body["days"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["effort_without_activity", "effort_without_activity"], "{}", gaps.text);
    expect(&admin.send("PUT", &format!("/users/{sato}"), json!({"log_accounts": []})).await, 200, None);
    assert_eq!(s.get("/effort/gaps?month=2026-11").await.body["days"], json!([]));
    let over = s.send("PUT", "/effort/entries", entry("20000000-0000-4000-8000-000000000000", project, DAY, 1, None)).await;
    expect(&over, 422, Some("validation"));
    assert!(over.text.contains("24:01"), "{}", over.text);
}

#[tokio::test]
async fn parallel_saves_of_one_day_stay_within_24_hours_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    parallel_saves(app, db).await;
}

#[tokio::test]
async fn parallel_saves_of_one_day_stay_within_24_hours_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    parallel_saves(app, db).await;
}

/// Projects, work items and activities as their managers keep them, and a period sent back.
async fn projects_story(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let manager_role = builtin_role(&mut admin, "manager").await;
    let sato = user(&mut admin, "sato", member_role).await;
    let tanaka = user(&mut admin, "tanaka", manager_role).await;
    expect(&admin.send("PUT", &format!("/users/{sato}"), json!({"approver_id": tanaka})).await, 200, None);
    user(&mut admin, "kato", manager_role).await;
    let mut s = logged_in(&app, "sato").await;
    let mut t = logged_in(&app, "tanaka").await;
    let mut k = logged_in(&app, "kato").await;
    // No gaps in this story: attendance is not its subject.
    let settings = json!({"period_unit": "month", "gap_threshold_minutes": 1440, "future_days_allowed": 0});
    expect(&s.send("PUT", "/effort/settings", settings.clone()).await, 403, Some("forbidden"));
    expect(&admin.send("PUT", "/effort/settings", settings).await, 200, None);

    let a1 = t.send("POST", "/effort/activities", json!({"level": 1, "code": "DES", "name": "Design"})).await;
    expect(&a1, 201, None);
    let a1 = a1.body["id"].as_i64().unwrap();
    let other = t.send("POST", "/effort/activities", json!({"level": 1, "code": "TST", "name": "Test"})).await;
    let other = other.body["id"].as_i64().unwrap();
    expect(&t.send("POST", "/effort/activities", json!({"level": 1, "code": "des", "name": "Again"})).await, 409, Some("conflict"));
    expect(&t.send("POST", "/effort/activities", json!({"level": 3, "code": "X", "name": "X"})).await, 422, Some("validation"));
    expect(&s.send("POST", "/effort/activities", json!({"level": 2, "code": "R", "name": "R"})).await, 403, Some("forbidden"));

    let p = t
        .send("POST", "/effort/projects", json!({"code": "P-1", "name": "Portal", "progress_mode": "derived", "activity_ids": [a1]}))
        .await;
    expect(&p, 201, None);
    let project = p.body["id"].as_i64().unwrap();
    expect(&t.send("PUT", &format!("/effort/projects/{project}/members"), json!({"members": [{"user_id": sato}]})).await, 200, None);
    // Another manager, not this project's, cannot change it.
    let edit = json!({"code": "P-1", "name": "Renamed", "manager_id": tanaka, "activity_ids": [a1], "progress_mode": "derived"});
    let refused = k.send("PUT", &format!("/effort/projects/{project}"), edit.clone()).await;
    expect(&refused, 404, Some("not_found"));
    expect(&t.send("PUT", &format!("/effort/projects/{project}"), edit.clone()).await, 200, None);
    let mut mine = k.send("POST", "/effort/projects", json!({"code": "K-1", "name": "Kato's"})).await;
    let kato_project = mine.body["id"].as_i64().unwrap();
    expect(&k.send("PUT", &format!("/effort/projects/{kato_project}/members"), json!({"members": [{"user_id": tanaka}]})).await, 200, None);
    mine = t.send("PUT", &format!("/effort/projects/{kato_project}"), json!({"code": "K-1", "name": "Mine now"})).await;
    expect(&mine, 403, Some("forbidden"));

    // The tree: renaming a parent renames its children's paths; no cycles; no deleting a parent.
    let design = t.send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "Design", "planned_minutes": 600})).await;
    let design = design.body["id"].as_i64().unwrap();
    let screens = t
        .send(
            "POST",
            &format!("/effort/projects/{project}/work-items"),
            json!({"name": "Screens", "parent_id": design, "planned_minutes": 600, "assignee_ids": [sato]}),
        )
        .await;
    expect(&screens, 201, None);
    let screens = screens.body["id"].as_i64().unwrap();
    expect(
        &t.send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "Screens", "parent_id": design})).await,
        409,
        Some("conflict"),
    );
    expect(
        &t.send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "A", "assignee_ids": [tanaka + 100]})).await,
        422,
        Some("validation"),
    );
    expect(&t.send("PUT", &format!("/effort/work-items/{design}"), json!({"name": "Analysis", "planned_minutes": 600})).await, 200, None);
    // No cycles: not under its own sub-item, not under itself; the field is named.
    for parent in [screens, design] {
        let cycle = t.send("PUT", &format!("/effort/work-items/{design}"), json!({"name": "Analysis", "parent_id": parent})).await;
        expect(&cycle, 422, Some("validation"));
        assert_eq!(cycle.body["field"], "parent_id", "{}", cycle.body);
    }
    let tree = t.send("GET", &format!("/effort/projects/{project}/work-items"), json!({})).await;
    let parent_of = |id: i64| tree.body.as_array().unwrap().iter().find(|w| w["id"] == id).unwrap()["parent_id"].clone();
    assert!(parent_of(design).is_null(), "a refused move changes nothing");
    assert_eq!(parent_of(screens), design);
    expect(&t.send("DELETE", &format!("/effort/work-items/{design}"), json!({})).await, 409, Some("conflict"));

    // Activities the project does not offer, and inactive ones, are refused on new values only.
    let mut e = json!({"id": "8b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", "date": DAY, "project_id": project, "work_item_id": screens,
                       "activity1_id": other, "minutes": 120});
    let not_offered = s.send("PUT", "/effort/entries", e.clone()).await;
    expect(&not_offered, 422, Some("validation"));
    assert_eq!(not_offered.body["field"], "activity1_id");
    e["activity1_id"] = json!(a1);
    expect(&s.send("PUT", "/effort/entries", e.clone()).await, 200, None);
    expect(
        &t.send("PUT", &format!("/effort/activities/{a1}"), json!({"level": 1, "code": "DES", "name": "Design", "active": false})).await,
        200,
        None,
    );
    e["minutes"] = json!(150);
    e["expected_version"] = json!(1);
    expect(&s.send("PUT", "/effort/entries", e.clone()).await, 200, None);
    let mut fresh = e.clone();
    fresh["id"] = json!("9b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f");
    fresh["expected_version"] = json!(null);
    expect(&s.send("PUT", "/effort/entries", fresh).await, 422, Some("validation"));
    let items = t.get(&format!("/effort/projects/{project}/work-items")).await;
    let paths: Vec<(&str, i64, Option<i64>)> = items
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["path"].as_str().unwrap(), w["actual_minutes"].as_i64().unwrap(), w["progress_percent"].as_i64()))
        .collect();
    assert_eq!(paths, [("Analysis", 150, Some(25)), ("Analysis / Screens", 150, Some(25))], "{}", items.text);
    expect(&t.send("DELETE", &format!("/effort/work-items/{screens}"), json!({})).await, 409, Some("conflict"));

    // Sent back with a comment, the period takes changes again and is submitted anew.
    let submitted = s.send("POST", "/effort/periods/submit", json!({"date": DAY})).await;
    expect(&submitted, 200, None);
    let period = submitted.body["id"].as_i64().unwrap();
    let back = t.send("POST", &format!("/effort/periods/{period}/send-back"), json!({"comment": "book the review on Screens"})).await;
    expect(&back, 200, None);
    assert_eq!((back.body["state"].as_str(), back.body["comment"].as_str()), (Some("sent_back"), Some("book the review on Screens")));
    e["minutes"] = json!(180);
    e["expected_version"] = json!(2);
    expect(&s.send("PUT", "/effort/entries", e).await, 200, None);
    expect(&t.send("POST", &format!("/effort/periods/{period}/approve"), json!({})).await, 409, Some("conflict"));
    let again = s.send("POST", "/effort/periods/submit", json!({"date": DAY})).await;
    assert_eq!((again.body["id"].as_i64(), again.body["state"].as_str()), (Some(period), Some("submitted")), "{}", again.text);
    let waiting = t.get("/effort/periods?waiting=true").await;
    assert_eq!(waiting.body.as_array().unwrap().len(), 1, "{}", waiting.text);
    expect(&s.get("/effort/periods?waiting=true").await, 403, Some("forbidden"));
    assert_eq!(s.get("/effort/periods").await.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn projects_work_items_activities_and_sending_back_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    projects_story(app).await;
}

#[tokio::test]
async fn projects_work_items_activities_and_sending_back_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    projects_story(app).await;
}

/// `kinmu effort import`, `export` and `show` against the database `app` serves (`database`:
/// the `--database` flag, or none for the SQLite file in `dir`).
async fn command_line_story(app: Router, db: Db, dir: &std::path::Path, database: Option<&str>) {
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = database.map(|d| vec!["--database", d]).unwrap_or_default();
        all.extend_from_slice(args);
        let out = kinmu_process::kinmu(dir, &all, None);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let sato = user(&mut admin, "sato", member_role).await;
    let p = admin.send("POST", "/effort/projects", json!({"code": "P-1", "name": "Portal", "allow_unassigned": true})).await;
    let project = p.body["id"].as_i64().unwrap();
    expect(&admin.send("PUT", &format!("/effort/projects/{project}/members"), json!({"members": [{"user_id": sato}]})).await, 200, None);
    let design = admin.send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "Design"})).await;
    let screens = admin
        .send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "Screens", "parent_id": design.body["id"]}))
        .await;
    expect(&screens, 201, None);
    expect(&admin.send("POST", "/effort/activities", json!({"level": 1, "code": "DES", "name": "Design"})).await, 201, None);
    expect(&admin.send("POST", "/effort/activities", json!({"level": 2, "code": "REV", "name": "Review"})).await, 201, None);
    attended(&db, "sato", DAY, 480).await;

    let csv = "login,date,project_code,work_item,activity1,activity2,duration,note,id\n\
               sato,2026-11-10,P-1,Design/Screens,DES,Review,1:30,review,\n\
               sato,2026-11-10,p-1,,,,90,meeting,\n\
               sato,2026-11-11,P-9,,,,1:00,,\n\
               sato,2026-11-12,P-1,,,,25:00,,\n";
    let file = dir.join("effort.csv");
    std::fs::write(&file, csv).unwrap();
    let path = file.to_str().unwrap();
    let (ok, out, err) = run(&["effort", "import", path]);
    assert!(!ok, "refused rows make a failure exit: {out}");
    assert!(out.contains("4 rows read, 2 created, 0 updated, 0 unchanged, 2 refused"), "{out}");
    assert!(out.contains("line 4: project_code:") && out.contains("P-9"), "{out}");
    assert!(out.contains("line 5: duration:") && out.contains("24:00"), "{out}");
    assert!(err.contains("2 rows were refused"), "{err}");
    // The same file again stores nothing new.
    let (_, out, _) = run(&["effort", "import", path]);
    assert!(out.contains("0 created, 0 updated, 2 unchanged, 2 refused"), "{out}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entries").await, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entry_history WHERE path = 'cli'").await, 2);

    // Export writes the import's columns; importing the export changes nothing.
    let exported = dir.join("out.csv");
    let (ok, out, err) = run(&["effort", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", exported.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("2 entries"), "{out}");
    let text = std::fs::read_to_string(&exported).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "login,date,project_code,work_item,activity1,activity2,duration,note,id");
    assert!(lines[1].starts_with("sato,2026-11-10,P-1,Design / Screens,DES,REV,1:30,review,"), "{text}");
    assert!(lines[2].starts_with("sato,2026-11-10,P-1,,,,1:30,meeting,"), "{text}");
    let (ok, out, err) = run(&["effort", "import", exported.to_str().unwrap()]);
    assert!(ok, "{out} {err}");
    assert!(out.contains("2 rows read, 0 created, 0 updated, 2 unchanged, 0 refused"), "{out}");

    // Show: a row per day and row, the day's attended work beside it.
    let (ok, out, err) = run(&["effort", "show", "--user", "sato", "--week", "2026-W46", "--format", "csv"]);
    assert!(ok, "{err}");
    assert!(out.contains("2026-11-10 Tue,P-1,Design / Screens,DES,REV,1:30,8:00,9:00,18:00"), "{out}");
    assert!(out.contains("2026-11-10 Tue,P-1,,,,1:30,8:00,9:00,18:00"), "{out}");
    assert!(out.contains("total,,,,,3:00,8:00,,"), "{out}");
    let (ok, _, err) = run(&["effort", "show", "--user", "sato"]);
    assert!(!ok && err.contains("--week"), "{err}");
    // Gaps: sato entered 3:00 and worked 8:00 that day.
    let (ok, out, err) = run(&["effort", "gaps", "--month", "2026-11", "--format", "csv"]);
    assert!(ok, "{err}");
    assert!(out.contains("sato,sato,2026-11-10,3:00,9:00,18:00,8:00,-5:00,difference,\n"), "{out}");
    let (ok, out, _) = run(&["effort", "gaps", "--month", "2026-11", "--org", "Acme"]);
    assert!(ok && out.contains("0 days"), "sato belongs to no organisation: {out}");

    // Approved, the month refuses the import's rows one by one, naming the lock.
    let mut s = Client::new(&app);
    expect(&s.login("sato", PASSWORD).await, 200, None);
    expect(&s.send("PUT", "/effort/gaps", json!({"date": DAY, "text": "workshop"})).await, 200, None);
    let period = s.send("POST", "/effort/periods/submit", json!({"date": DAY})).await;
    expect(&period, 200, None);
    expect(&admin.send("POST", &format!("/effort/periods/{}/approve", period.body["id"]), json!({})).await, 200, None);
    std::fs::write(&file, "login,date,project_code,duration\nsato,2026-11-13,P-1,2:00\n").unwrap();
    let (ok, out, _) = run(&["effort", "import", path]);
    assert!(!ok);
    assert!(out.contains("line 2:") && out.contains("approved and locked"), "{out}");
    let (_, out, _) = run(&["effort", "gaps", "--month", "2026-11", "--format", "csv"]);
    assert!(out.contains(",-5:00,difference,workshop\n"), "the reason is shown: {out}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM effort_entries").await, 2);
}

#[tokio::test]
async fn effort_command_line_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    command_line_story(app, db, dir.path(), None).await;
}

#[tokio::test]
async fn effort_command_line_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&url).await;
    command_line_story(app, db, dir.path(), Some(url.expose())).await;
}

#[tokio::test]
async fn effort_entries_periods_and_the_lock_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    effort_story(app, db).await;
}

#[tokio::test]
async fn effort_entries_periods_and_the_lock_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    effort_story(app, db).await;
}

/// A person's approver: their named approver, else their organisation's manager, else the
/// nearest parent organisation's manager, never themself; an administrator too (recorded).
async fn approvers_story(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let manager_role = builtin_role(&mut admin, "manager").await;
    let org = |name: &str, parent: Option<i64>| json!({"name": name, "parent_id": parent});
    let top = admin.send("POST", "/organizations", org("APR-Top", None)).await;
    expect(&top, 201, None);
    let top = top.body["id"].as_i64().unwrap();
    let dept = admin.send("POST", "/organizations", org("APR-Dept", Some(top))).await.body["id"].as_i64().unwrap();
    let team = admin.send("POST", "/organizations", org("APR-Team", Some(dept))).await.body["id"].as_i64().unwrap();
    let boss = user(&mut admin, "boss", manager_role).await;
    let deptman = user(&mut admin, "deptman", manager_role).await;
    let teamman = user(&mut admin, "teamman", manager_role).await;
    let r = admin
        .send(
            "POST",
            "/users",
            json!({"login": "other", "display_name": "other", "role_id": manager_role, "password": PASSWORD, "language": "ja"}),
        )
        .await;
    expect(&r, 201, None);
    let named = user(&mut admin, "named", member_role).await;
    let ana = user(&mut admin, "ana", member_role).await;
    let ben = user(&mut admin, "ben", member_role).await;
    let place = |org: i64| json!({"organization_id": org});
    for (who, at) in [(ana, team), (ben, team), (teamman, team), (deptman, dept), (boss, top)] {
        expect(&admin.send("PUT", &format!("/users/{who}"), place(at)).await, 200, None);
    }
    let manage = |name: &str, parent: Option<i64>, manager: Option<i64>| json!({"name": name, "parent_id": parent, "manager_id": manager});
    let m = admin.send("PUT", &format!("/organizations/{top}"), manage("APR-Top", None, Some(boss))).await;
    expect(&m, 200, None);
    assert_eq!(m.body["manager_id"], boss, "{}", m.text);
    expect(&admin.send("PUT", &format!("/organizations/{dept}"), manage("APR-Dept", Some(top), Some(deptman))).await, 200, None);
    expect(
        &admin.send("PUT", &format!("/organizations/{dept}"), manage("APR-Dept", Some(top), Some(999_999))).await,
        422,
        Some("validation"),
    );
    // Nobody is their own approver.
    let own = admin.send("PUT", &format!("/users/{ben}"), json!({"approver_id": ben})).await;
    expect(&own, 422, Some("validation"));
    assert_eq!(own.body["field"], "approver_id");
    let named_ben = admin.send("PUT", &format!("/users/{ben}"), json!({"approver_id": named})).await;
    expect(&named_ben, 200, None);
    assert_eq!(named_ben.body["approver_id"], named);

    let mut a = logged_in(&app, "ana").await;
    let mut b = logged_in(&app, "ben").await;
    let mut o = logged_in(&app, "other").await;
    let mut dm = logged_in(&app, "deptman").await;
    let mut tm = logged_in(&app, "teamman").await;
    let mut bs = logged_in(&app, "boss").await;
    let mut n = logged_in(&app, "named").await;
    let submit = |date: &'static str| json!({"date": date});

    // ana's team has no manager: the department's manager approves; the submitter and another
    // manager cannot (a stable code, in the caller's language).
    let p = a.send("POST", "/effort/periods/submit", submit("2026-10-05")).await;
    expect(&p, 200, None);
    assert_eq!((p.body["approver_id"].as_i64(), p.body["approver_name"].as_str()), (Some(deptman), Some("deptman")), "{}", p.text);
    let period = p.body["id"].as_i64().unwrap();
    let approve = |id: i64| format!("/effort/periods/{id}/approve");
    expect(&a.send("POST", &approve(period), json!({})).await, 403, Some("forbidden"));
    let refused = o.send("POST", &approve(period), json!({})).await;
    expect(&refused, 403, Some("not_the_approver"));
    assert!(refused.text.contains("承認者") && refused.text.contains("deptman"), "{}", refused.text);
    let refused_en = tm.send("POST", &format!("/effort/periods/{period}/send-back"), json!({"comment": "no"})).await;
    expect(&refused_en, 403, Some("not_the_approver"));
    assert!(refused_en.text.contains("only ana's approver (deptman)"), "{}", refused_en.text);
    // Waiting for me: the department's manager sees it, another manager does not.
    let mine = dm.get("/effort/periods?for_me=true&state=submitted").await;
    expect(&mine, 200, None);
    assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.text);
    assert!(o.get("/effort/periods?for_me=true").await.body.as_array().unwrap().is_empty());
    let back = dm.send("POST", &format!("/effort/periods/{period}/send-back"), json!({"comment": "check Tuesday"})).await;
    expect(&back, 200, None);

    // Once the team has a manager, they approve, and the department's manager no longer does.
    expect(&admin.send("PUT", &format!("/organizations/{team}"), manage("APR-Team", Some(dept), Some(teamman))).await, 200, None);
    expect(&a.send("POST", "/effort/periods/submit", submit("2026-10-05")).await, 200, None);
    expect(&dm.send("POST", &approve(period), json!({})).await, 403, Some("not_the_approver"));
    let approved = tm.send("POST", &approve(period), json!({"comment": "ok"})).await;
    expect(&approved, 200, None);
    assert_eq!((approved.body["state"].as_str(), approved.body["approved_by"].as_i64()), (Some("approved"), Some(teamman)));

    // ben's named approver (a member, without projects.manage) approves; the team's manager not.
    let pb = b.send("POST", "/effort/periods/submit", submit("2026-10-05")).await;
    expect(&pb, 200, None);
    let pb = pb.body["id"].as_i64().unwrap();
    expect(&n.get("/effort/week?week=2026-W41&user=ben").await, 200, None);
    expect(&n.get("/effort/week?week=2026-W41&user=ana").await, 403, Some("forbidden"));
    let for_named = n.get("/effort/periods?for_me=true").await;
    assert_eq!(for_named.body.as_array().unwrap().len(), 1, "{}", for_named.text);
    expect(&n.get("/effort/periods?waiting=true").await, 403, Some("forbidden"));
    expect(&tm.send("POST", &approve(pb), json!({})).await, 403, Some("not_the_approver"));
    expect(&n.send("POST", &approve(pb), json!({})).await, 200, None);

    // A manager's approver is the manager above them: the department's manager manages their
    // own organisation, so the top's manager approves them.
    let pd = dm.send("POST", "/effort/periods/submit", submit("2026-10-05")).await;
    expect(&pd, 200, None);
    assert_eq!(pd.body["approver_id"].as_i64(), Some(boss), "{}", pd.text);
    let pd = pd.body["id"].as_i64().unwrap();
    expect(&dm.send("POST", &approve(pd), json!({})).await, 403, Some("forbidden"));
    expect(&bs.send("POST", &approve(pd), json!({})).await, 200, None);

    // The administrator may too, and the history says it was one.
    let pn = tm.send("POST", "/effort/periods/submit", submit("2026-11-02")).await;
    expect(&pn, 200, None);
    let pn = pn.body["id"].as_i64().unwrap();
    expect(&admin.send("POST", &approve(pn), json!({})).await, 200, None);
    let history = admin.get(&format!("/effort/periods/{pn}/history")).await;
    let steps: Vec<(&str, bool)> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["action"].as_str().unwrap(), c["as_administrator"].as_bool().unwrap()))
        .collect();
    assert_eq!(steps, [("submit", false), ("approve", true)], "{}", history.text);
    let by_approver = dm.get(&format!("/effort/periods/{period}/history")).await;
    assert!(by_approver.body.as_array().unwrap().iter().all(|c| c["as_administrator"] == false), "{}", by_approver.text);

    // A disabled approver approves nobody: ben's falls back to the team's manager.
    expect(&admin.send("PUT", &format!("/users/{named}"), json!({"active": false})).await, 200, None);
    let bens = admin.get("/effort/periods?user=ben").await;
    assert_eq!(bens.body[0]["approver_id"].as_i64(), Some(teamman), "{}", bens.text);
    expect(&admin.send("PUT", &format!("/users/{named}"), json!({"active": true})).await, 200, None);

    // The list across people: by state, month and organisation with its sub-organisations.
    let ids = |a: &api_client::Answer| -> Vec<i64> { a.body.as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect() };
    let approved_in_dept = admin.get(&format!("/effort/periods?state=approved&organization_id={dept}")).await;
    expect(&approved_in_dept, 200, None);
    let mut got = ids(&approved_in_dept);
    got.sort_unstable();
    assert_eq!(got, [period, pb, pd, pn], "{}", approved_in_dept.text);
    assert_eq!(ids(&admin.get(&format!("/effort/periods?organization_id={team}&month=2026-11")).await), [pn]);
    assert_eq!(ids(&admin.get("/effort/periods?from=2026-10-01&to=2026-10-31&state=approved").await).len(), 3);
    assert_eq!(ids(&bs.get(&format!("/effort/periods?for_me=true&organization_id={top}")).await), [pd]);
    expect(&admin.get("/effort/periods?month=2026-13").await, 422, Some("validation"));
    expect(&admin.get("/effort/periods?organization_id=999999").await, 422, Some("validation"));

    // The CSV files keep who approves: the organisations' managers and the named approvers.
    let orgs_csv = admin.get("/organizations/export").await;
    assert!(orgs_csv.text.contains("APR-Top / APR-Dept,deptman") && orgs_csv.text.contains("path,manager"), "{}", orgs_csv.text);
    let users_csv = admin.get("/users/export").await;
    assert!(users_csv.text.lines().any(|l| l.starts_with("ben,") && l.ends_with(",named")), "{}", users_csv.text);
    // Cleared and imported back, both return.
    expect(&admin.send("PUT", &format!("/users/{ben}"), json!({"approver_id": 0})).await, 200, None);
    expect(&admin.send("PUT", &format!("/organizations/{dept}"), manage("APR-Dept", Some(top), None)).await, 200, None);
    let r = admin.csv("/organizations/import", orgs_csv.text.as_bytes()).await;
    expect(&r, 200, None);
    assert!(r.body["errors"].as_array().unwrap().is_empty(), "{}", r.text);
    let r = admin.csv("/users/import", users_csv.text.as_bytes()).await;
    expect(&r, 200, None);
    assert!(r.body["errors"].as_array().unwrap().is_empty(), "{}", r.text);
    assert_eq!(admin.get("/organizations/export").await.text, orgs_csv.text);
    assert_eq!(admin.get("/users/export").await.text, users_csv.text);
    let bad = admin.csv("/users/import", b"login,approver\nana,nobody-here\n").await;
    assert_eq!(bad.body["errors"][0]["field"], "approver", "{}", bad.text);
}

#[tokio::test]
async fn approvers_named_then_organisation_managers_up_the_tree_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    approvers_story(app).await;
}

#[tokio::test]
async fn approvers_named_then_organisation_managers_up_the_tree_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    approvers_story(app).await;
}

/// The actor behind a logged-in client, as the services see it.
async fn actor_of(c: &mut Client) -> Actor {
    let me = c.get("/auth/me").await;
    expect(&me, 200, None);
    Actor::User(serde_json::from_value(me.body["user"].clone()).unwrap())
}

/// The dashboards, computed for a fixed day: a person's week, missing days and periods; an
/// approver's waiting periods, people with missing days and gaps without a reason.
async fn dashboards_story(app: Router, db: Db) {
    use kinmu::effort::dashboard;
    use kinmu_shared::effort::PeriodState;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let manager_role = builtin_role(&mut admin, "manager").await;
    let tanaka = user(&mut admin, "tanaka", manager_role).await;
    // sato has no log account (their effort is compared with nothing); suzuki has one.
    let r = admin
        .send(
            "POST",
            "/users",
            json!({"login": "sato", "display_name": "Sato", "role_id": member_role, "password": PASSWORD, "language": "en"}),
        )
        .await;
    expect(&r, 201, None);
    let sato = r.body["id"].as_i64().unwrap();
    let suzuki = user(&mut admin, "suzuki", member_role).await;
    for who in [sato, suzuki] {
        expect(&admin.send("PUT", &format!("/users/{who}"), json!({"approver_id": tanaka})).await, 200, None);
    }
    let p = admin.send("POST", "/effort/projects", json!({"code": "D-1", "name": "Dash", "allow_unassigned": true})).await;
    let project = p.body["id"].as_i64().unwrap();
    let members = json!({"members": [{"user_id": sato}, {"user_id": suzuki}]});
    expect(&admin.send("PUT", &format!("/effort/projects/{project}/members"), members).await, 200, None);
    let mut s = logged_in(&app, "sato").await;
    let mut z = logged_in(&app, "suzuki").await;
    let mut t = logged_in(&app, "tanaka").await;

    // sato books every day from 1 October to 11 November but the 10th of November.
    let today = NaiveDate::from_ymd_opt(2026, 11, 12).unwrap();
    let first = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    for (i, d) in first.iter_days().take_while(|d| *d < today).enumerate() {
        if d.to_string() != "2026-11-10" {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            expect(&s.send("PUT", "/effort/entries", entry(&id, project, &d.to_string(), 60, None)).await, 200, None);
        }
    }
    expect(&s.send("POST", "/effort/periods/submit", json!({"date": "2026-10-15"})).await, 200, None);
    // suzuki: attended 4, 5 and 9 November, books the 4th only, explains the 5th.
    for d in ["2026-11-04", "2026-11-05", "2026-11-09"] {
        attended(&db, "suzuki", d, 480).await;
    }
    expect(
        &z.send("PUT", "/effort/entries", entry("10000000-0000-4000-8000-000000000001", project, "2026-11-04", 480, None)).await,
        200,
        None,
    );
    let reason = admin.send("POST", "/effort/gap-reasons", json!({"name": "Training"})).await;
    let explained = z.send("PUT", "/effort/gaps", json!({"date": "2026-11-05", "reason_id": reason.body["id"], "text": "course"})).await;
    expect(&explained, 200, None);

    let sato_actor = actor_of(&mut s).await;
    let mine = dashboard::mine(&db, &sato_actor, today).await.unwrap();
    assert_eq!(mine.week, "2026-W46");
    let week: Vec<(&str, i64, Option<i64>)> =
        mine.week_days.iter().map(|d| (d.date.as_str(), d.effort_minutes, d.attended_minutes)).collect();
    assert_eq!(week[0], ("2026-11-09", 60, None));
    assert_eq!(week[1], ("2026-11-10", 0, None));
    assert_eq!(week[3], ("2026-11-12", 0, None));
    assert_eq!(mine.missing_days, ["2026-11-10"]);
    let periods: Vec<(&str, PeriodState)> = mine.periods.iter().map(|p| (p.start.as_str(), p.state)).collect();
    assert_eq!(periods, [("2026-11-01", PeriodState::Open), ("2026-10-01", PeriodState::Submitted)]);

    let suzuki_actor = actor_of(&mut z).await;
    let theirs = dashboard::mine(&db, &suzuki_actor, today).await.unwrap();
    assert_eq!(theirs.week_days[0].attended_minutes, Some(480));
    assert_eq!(theirs.week_days[1].attended_minutes, None);
    let missing = &theirs.missing_days;
    // Working days and attended days without effort; not the booked 4th, not the holiday of the
    // 3rd (Culture Day), not a Sunday.
    for day in ["2026-10-01", "2026-11-05", "2026-11-09", "2026-11-11"] {
        assert!(missing.iter().any(|d| d == day), "{day} missing: {missing:?}");
    }
    for day in ["2026-11-04", "2026-11-03", "2026-11-01", "2026-10-12", "2026-11-12"] {
        assert!(!missing.iter().any(|d| d == day), "{day} not missing: {missing:?}");
    }

    let tanaka_actor = actor_of(&mut t).await;
    let board = dashboard::approver(&db, &tanaka_actor, today).await.unwrap();
    assert_eq!(board.people, 2);
    let waiting: Vec<(&str, &str)> = board.waiting.iter().map(|p| (p.login.as_str(), p.start.as_str())).collect();
    assert_eq!(waiting, [("sato", "2026-10-01")]);
    let people: Vec<(&str, usize)> = board.missing.iter().map(|m| (m.person.login.as_str(), m.days.len())).collect();
    assert_eq!(people, [("sato", 1), ("suzuki", missing.len())]);
    let gaps: Vec<(&str, &str, i64)> =
        board.gaps.iter().map(|g| (g.person.login.as_str(), g.date.as_str(), g.difference_minutes)).collect();
    assert_eq!(gaps, [("suzuki", "2026-11-09", -480)], "the explained 5th waits for nothing");
    // Someone who approves nobody has an empty one; the routes answer for today.
    let nobody = dashboard::approver(&db, &sato_actor, today).await.unwrap();
    assert_eq!((nobody.people, nobody.waiting.len(), nobody.missing.len(), nobody.gaps.len()), (0, 0, 0, 0));
    expect(&s.get("/effort/dashboard").await, 200, None);
    let live = t.get("/effort/dashboard/approver").await;
    expect(&live, 200, None);
    assert_eq!(live.body["people"], 2, "{}", live.text);
}

#[tokio::test]
async fn dashboards_of_a_person_and_an_approver_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    dashboards_story(app, db).await;
}

#[tokio::test]
async fn dashboards_of_a_person_and_an_approver_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    dashboards_story(app, db).await;
}
