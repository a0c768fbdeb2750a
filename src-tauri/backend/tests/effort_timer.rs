//! The effort timer, on SQLite and PostgreSQL: starting checks what a save would (closed
//! project, unassigned work item, locked period); one timer per person (a second start is refused
//! naming the running row); another person neither sees nor stops it; stopping adds the minutes to
//! the row's entry of the day, with a history row of path `timer`; a timer under a minute adds
//! nothing; a timer that ran past midnight needs a choice, and each choice stores what it says; a
//! locked period refuses the stop and the timer keeps running.

mod api_client;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use chrono::NaiveDate;
use kinmu::accounts::{Actor, sessions};
use kinmu::database::Db;
use kinmu::effort::timer;
use kinmu::error::Error;
use kinmu_shared::api::{StartTimer, StopTimer};
use kinmu_shared::effort::MidnightChoice;
use serde_json::json;
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user(admin: &mut Client, login: &str, role: i64) -> i64 {
    let r = admin
        .send("POST", "/users", json!({"login": login, "display_name": login, "role_id": role, "password": PASSWORD, "language": "en"}))
        .await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn logged_in(app: &Router, login: &str) -> Client {
    let mut c = Client::new(app);
    expect(&c.login(login, PASSWORD).await, 200, None);
    c
}

async fn actor(db: &Db, id: i64) -> Actor {
    Actor::User(sessions::current_user(db, id).await.unwrap().0)
}

/// `(date, minutes)` of the person's live entries, by date.
async fn entries_of(db: &Db, user: i64) -> Vec<(String, i64)> {
    sqlx::query_as("SELECT work_date, minutes FROM effort_entries WHERE user_id = $1 AND deleted_at IS NULL ORDER BY work_date")
        .bind(user)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

/// The instant the effort day `date` starts by the company's rules (time zone, day boundary).
async fn day_start(db: &Db, date: &str) -> i64 {
    let rules = kinmu::attendance::rule_settings::company_rules(db).await.unwrap();
    let date: NaiveDate = date.parse().unwrap();
    kinmu_shared::effort::timer::day_start(date, rules.time_zone, rules.day_boundary).timestamp()
}

async fn timer_story(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member = builtin_role(&mut admin, "member").await;
    let manager = builtin_role(&mut admin, "manager").await;
    let sato = user(&mut admin, "sato", member).await;
    let suzuki = user(&mut admin, "suzuki", member).await;
    let tanaka = user(&mut admin, "tanaka", manager).await;
    let mut s = logged_in(&app, "sato").await;
    let mut z = logged_in(&app, "suzuki").await;
    let mut t = logged_in(&app, "tanaka").await;

    let p = t.send("POST", "/effort/projects", json!({"code": "P-1", "name": "Portal"})).await;
    expect(&p, 201, None);
    let project = p.body["id"].as_i64().unwrap();
    let m =
        t.send("PUT", &format!("/effort/projects/{project}/members"), json!({"members": [{"user_id": sato}, {"user_id": suzuki}]})).await;
    expect(&m, 200, None);
    let design = t.send("POST", &format!("/effort/projects/{project}/work-items"), json!({"name": "Design", "assignee_ids": [sato]})).await;
    expect(&design, 201, None);
    let design = design.body["id"].as_i64().unwrap();
    let closed =
        admin.send("POST", "/effort/projects", json!({"code": "OLD", "name": "Old", "status": "closed", "manager_id": tanaka})).await;
    expect(&closed, 201, None);
    let closed = closed.body["id"].as_i64().unwrap();
    expect(&admin.send("PUT", &format!("/effort/projects/{closed}/members"), json!({"members": [{"user_id": sato}]})).await, 200, None);

    // No timer yet. Starting checks what a save would: a closed project, an unassigned item.
    let none = s.get("/effort/timer").await;
    expect(&none, 200, None);
    assert!(none.body.is_null(), "{}", none.text);
    let refused = s.send("POST", "/effort/timer", json!({"project_id": closed})).await;
    expect(&refused, 422, Some("validation"));
    assert_eq!(refused.body["field"], "project_id", "{}", refused.text);
    assert!(refused.text.contains("OLD") && refused.text.contains("closed"), "{}", refused.text);
    let refused = z.send("POST", "/effort/timer", json!({"project_id": project, "work_item_id": design})).await;
    expect(&refused, 422, Some("validation"));
    assert_eq!(refused.body["field"], "work_item_id", "{}", refused.text);

    // Started on a row; a second start is refused naming the running row.
    let started = s.send("POST", "/effort/timer", json!({"project_id": project, "work_item_id": design, "note": "by the timer"})).await;
    expect(&started, 201, None);
    assert_eq!((started.body["project_id"].as_i64(), started.body["work_item_id"].as_i64()), (Some(project), Some(design)));
    assert_eq!(started.body["crosses_midnight"], false, "{}", started.text);
    assert_eq!(started.body["segments"][0]["minutes"], 0, "{}", started.text);
    let second = s.send("POST", "/effort/timer", json!({"project_id": project})).await;
    expect(&second, 409, Some("timer_running"));
    assert!(second.text.contains("P-1 Portal / Design"), "the running row is named: {}", second.text);
    assert_eq!(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM effort_timers").fetch_one(&db.pool).await.unwrap(), 1);

    // Another person neither sees nor stops nor discards it; the operator has no timer.
    let theirs = z.get("/effort/timer").await;
    expect(&theirs, 200, None);
    assert!(theirs.body.is_null(), "{}", theirs.text);
    expect(&z.send("POST", "/effort/timer/stop", json!({})).await, 404, Some("not_found"));
    expect(&z.send("DELETE", "/effort/timer", json!({})).await, 404, Some("not_found"));
    expect(&t.send("POST", "/effort/timer/stop", json!({})).await, 404, Some("not_found"));
    assert!(matches!(timer::get(&db, &Actor::Operator, kinmu::now()).await, Err(Error::NotAllowed(_))));
    assert!(s.get("/effort/timer").await.body["started_at"].is_i64(), "still running");

    // Stopping adds the minutes to the row's entry of the day (five minutes ago, moved back here).
    sqlx::query("UPDATE effort_timers SET started_at = started_at - 300 WHERE user_id = $1").bind(sato).execute(&db.pool).await.unwrap();
    let ran = s.get("/effort/timer").await;
    let choice = if ran.body["crosses_midnight"] == true { json!({"choice": "keep_all"}) } else { json!({}) };
    let stopped = s.send("POST", "/effort/timer/stop", choice.clone()).await;
    expect(&stopped, 200, None);
    let added: i64 = stopped.body["added"].as_array().unwrap().iter().map(|a| a["minutes"].as_i64().unwrap()).sum();
    assert_eq!(added, 5, "{}", stopped.text);
    let entry = &stopped.body["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((entry["work_item_id"].as_i64(), entry["note"].as_str()), (Some(design), Some("by the timer")), "{}", stopped.text);
    assert!(s.get("/effort/timer").await.body.is_null());
    // Its history row says it came from the timer.
    let history = s.get(&format!("/effort/entries/history?id={}", entry["id"].as_str().unwrap())).await;
    expect(&history, 200, None);
    assert_eq!(history.body[0]["path"], "timer", "{}", history.text);
    assert_eq!(history.body[0]["changed_by_name"], "sato", "{}", history.text);

    // Again on the same row: the minutes join the same entry (a new version).
    expect(&s.send("POST", "/effort/timer", json!({"project_id": project, "work_item_id": design})).await, 201, None);
    sqlx::query("UPDATE effort_timers SET started_at = started_at - 125 WHERE user_id = $1").bind(sato).execute(&db.pool).await.unwrap();
    let ran = s.get("/effort/timer").await;
    if ran.body["crosses_midnight"] == false {
        let again = s.send("POST", "/effort/timer/stop", json!({})).await;
        expect(&again, 200, None);
        assert_eq!(again.body["entries"][0]["id"], entry["id"], "{}", again.text);
        assert_eq!(again.body["entries"][0]["minutes"], entry["minutes"].as_i64().unwrap() + 2, "{}", again.text);
        assert_eq!(again.body["entries"][0]["version"], 2, "{}", again.text);
    } else {
        expect(&s.send("DELETE", "/effort/timer", json!({})).await, 204, None);
    }

    // A timer under a minute adds nothing, and says so.
    expect(&s.send("POST", "/effort/timer", json!({"project_id": project})).await, 201, None);
    let before = entries_of(&db, sato).await;
    let short = s.send("POST", "/effort/timer/stop", json!({})).await;
    expect(&short, 200, None);
    assert_eq!((short.body["added"].as_array().unwrap().len(), short.body["entries"].as_array().unwrap().len()), (0, 0), "{}", short.text);
    assert_eq!(entries_of(&db, sato).await, before);

    // Ran past midnight: the stop needs a choice, and the error lists the days.
    expect(&s.send("POST", "/effort/timer", json!({"project_id": project})).await, 201, None);
    sqlx::query("UPDATE effort_timers SET started_at = started_at - 26 * 3600 WHERE user_id = $1")
        .bind(sato)
        .execute(&db.pool)
        .await
        .unwrap();
    let ran = s.get("/effort/timer").await;
    assert_eq!(ran.body["crosses_midnight"], true, "{}", ran.text);
    let ask = s.send("POST", "/effort/timer/stop", json!({})).await;
    expect(&ask, 409, Some("timer_crosses_midnight"));
    assert!(ask.text.contains(ran.body["segments"][0]["date"].as_str().unwrap()), "{}", ask.text);
    assert!(s.get("/effort/timer").await.body["crosses_midnight"] == true, "the timer still runs");
    expect(&s.send("POST", "/effort/timer/stop", json!({"choice": "sometimes"})).await, 422, None);
    expect(&s.send("DELETE", "/effort/timer", json!({})).await, 204, None);
    assert!(s.get("/effort/timer").await.body.is_null());
    expect(&s.send("DELETE", "/effort/timer", json!({})).await, 404, Some("not_found"));

    // Each choice stores what it says, at fixed instants through the service.
    let me = actor(&db, sato).await;
    let start_on = |day: &'static str, before_midnight: i64| {
        let db = db.clone();
        let me = me.clone();
        async move {
            let midnight = day_start(&db, day).await;
            let req = StartTimer { project_id: project, work_item_id: Some(design), ..StartTimer::default() };
            timer::start(&db, &me, req, midnight - before_midnight).await.unwrap();
            midnight
        }
    };
    // An entry already on the first day: the timer's minutes are added to it.
    let existing = s
        .send(
            "PUT",
            "/effort/entries",
            json!({"id": "1b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f", "date": "2026-11-16", "project_id": project, "work_item_id": design, "minutes": 30}),
        )
        .await;
    expect(&existing, 200, None);
    let midnight = start_on("2026-11-17", 3600).await;
    let asked = timer::stop(&db, &me, StopTimer { choice: None }, midnight + 90 * 60).await;
    match asked {
        Err(Error::TimerCrossesMidnight(t)) => assert!(t.en().contains("2026-11-16 1:00, 2026-11-17 1:30"), "{}", t.en()),
        other => panic!("a stop past midnight needs a choice: {other:?}"),
    }
    let kept = timer::stop(&db, &me, StopTimer { choice: Some(MidnightChoice::KeepAll) }, midnight + 90 * 60).await.unwrap();
    assert_eq!(kept.added.iter().map(|s| s.minutes).collect::<Vec<_>>(), [60, 90]);
    assert_eq!(kept.dropped_minutes, 0);
    let nov = |from: &str, to: &str, all: Vec<(String, i64)>| {
        all.into_iter().filter(|(d, _)| d.as_str() >= from && d.as_str() <= to).collect::<Vec<_>>()
    };
    assert_eq!(nov("2026-11-16", "2026-11-17", entries_of(&db, sato).await), [("2026-11-16".into(), 90), ("2026-11-17".into(), 90)]);

    let midnight = start_on("2026-11-19", 45 * 60).await;
    let kept = timer::stop(&db, &me, StopTimer { choice: Some(MidnightChoice::KeepStartDay) }, midnight + 20 * 60).await.unwrap();
    assert_eq!((kept.added.len(), kept.dropped_minutes), (1, 20));
    assert_eq!(nov("2026-11-18", "2026-11-19", entries_of(&db, sato).await), [("2026-11-18".into(), 45)]);

    let midnight = start_on("2026-11-21", 10 * 60).await;
    let kept = timer::stop(&db, &me, StopTimer { choice: Some(MidnightChoice::Discard) }, midnight + 10 * 60).await.unwrap();
    assert_eq!((kept.added.len(), kept.dropped_minutes), (0, 20));
    assert_eq!(nov("2026-11-20", "2026-11-21", entries_of(&db, sato).await), []);
    assert!(timer::get(&db, &me, midnight).await.unwrap().is_none());

    // Over two midnights, kept whole: three days.
    let midnight = start_on("2026-11-24", 30 * 60).await;
    let next = day_start(&db, "2026-11-25").await;
    let kept = timer::stop(&db, &me, StopTimer { choice: Some(MidnightChoice::KeepAll) }, next + 15 * 60).await.unwrap();
    assert_eq!(kept.added.iter().map(|s| s.minutes).collect::<Vec<_>>(), [30, (next - midnight) / 60, 15]);

    // A locked period refuses the stop, says why, and the timer keeps running.
    let start = day_start(&db, "2026-10-14").await + 3 * 3600;
    let req = StartTimer { project_id: project, work_item_id: Some(design), ..StartTimer::default() };
    timer::start(&db, &me, req.clone(), start).await.unwrap();
    sqlx::query(
        "INSERT INTO effort_periods (user_id, period_start, period_end, state, approved_by, approved_at, updated_at) \
         VALUES ($1, '2026-10-01', '2026-10-31', 'approved', $2, $3, $3)",
    )
    .bind(sato)
    .bind(tanaka)
    .bind(start)
    .execute(&db.pool)
    .await
    .unwrap();
    let locked = timer::stop(&db, &me, StopTimer::default(), start + 2 * 3600).await;
    assert!(matches!(&locked, Err(Error::PeriodLocked(t)) if t.en().contains("approved")), "{locked:?}");
    let still = timer::get(&db, &me, start + 2 * 3600).await.unwrap().expect("the timer keeps running");
    assert_eq!(still.started_at, start);
    assert_eq!(nov("2026-10-01", "2026-10-31", entries_of(&db, sato).await), []);
    // A start inside the locked period is refused up front.
    timer::discard(&db, &me).await.unwrap();
    assert!(matches!(timer::start(&db, &me, req.clone(), start).await, Err(Error::PeriodLocked(_))));
    // Reopened, the same stop goes through.
    sqlx::query("UPDATE effort_periods SET state = 'reopened' WHERE user_id = $1").bind(sato).execute(&db.pool).await.unwrap();
    timer::start(&db, &me, req, start).await.unwrap();
    let done = timer::stop(&db, &me, StopTimer::default(), start + 2 * 3600).await.unwrap();
    assert_eq!(done.entries[0].minutes, 120);
    assert_eq!(done.entries[0].date, (NaiveDate::from_ymd_opt(2026, 10, 14).unwrap()).to_string());
}

#[tokio::test]
async fn the_effort_timer_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    timer_story(app, db).await;
}

#[tokio::test]
async fn the_effort_timer_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    timer_story(app, db).await;
}
