//! Cost by the role held on each day (issue 19), on SQLite and PostgreSQL: a person who was a
//! junior (5,000 an hour) until 2026-11-15 and a senior (8,000) from 2026-11-16 has their effort of
//! each side priced at that side's role, not at today's; changing the role through the API, the
//! command line's service and the users' CSV import records the history in the same step, its
//! last row always the current role; a role held in the past cannot be deleted.

mod api_client;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use chrono::{DateTime, NaiveDate};
use kinmu::accounts::{Actor, users};
use kinmu::database::Db;
use kinmu_shared::api::{CreateUser, UpdateUser};
use serde_json::json;
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

/// Seconds since the epoch of an RFC 3339 instant.
fn at(instant: &str) -> i64 {
    DateTime::parse_from_rfc3339(instant).unwrap().timestamp()
}

async fn role(admin: &mut Client, name: &str) -> i64 {
    let r = admin.send("POST", "/roles", json!({"name": name, "permissions": ["effort.enter"]})).await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

/// A person's role history as stored: (role, first day), oldest first.
async fn history(db: &Db, user: i64) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT role_id, valid_from FROM user_role_history WHERE user_id = $1 ORDER BY valid_from")
        .bind(user)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

/// Every person's last history row is their current role, and everybody has one.
async fn assert_history_ends_in_current_role(db: &Db) {
    let users: Vec<(i64, String, i64)> = sqlx::query_as("SELECT id, login, role_id FROM users").fetch_all(&db.pool).await.unwrap();
    assert_eq!(users.len(), 3, "admin, rc-kato, rc-new");
    for (id, login, current) in users {
        let h = history(db, id).await;
        assert_eq!(h.last().map(|(r, _)| *r), Some(current), "{login}: history {h:?}, current role {current}");
    }
}

async fn book(c: &mut Client, n: u32, project: i64, date: &str, minutes: i64) {
    let id = format!("{n:08x}-0000-4000-8000-00000000c051");
    let r = c.send("PUT", "/effort/entries", json!({"id": id, "date": date, "project_id": project, "minutes": minutes})).await;
    expect(&r, 200, None);
}

async fn cost_of(admin: &mut Client, project: i64, login: &str) -> (i64, i64, i64, String) {
    let plan = admin.get(&format!("/effort/projects/{project}/plan")).await;
    expect(&plan, 200, None);
    let person = plan.body["people"].as_array().unwrap().iter().find(|p| p["login"] == login).unwrap().clone();
    (
        plan.body["total"]["cost"].as_i64().unwrap(),
        person["cost"].as_i64().unwrap(),
        plan.body["minutes_without_rate"].as_i64().unwrap(),
        plan.body["today"].as_str().unwrap().to_string(),
    )
}

async fn story(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let (junior, senior) = (role(&mut admin, "RC-Junior").await, role(&mut admin, "RC-Senior").await);
    // kato joins as a junior on 2026-10-01 (Tokyo) and becomes a senior on 2026-11-16 at 09:00
    // Tokyo time: the service as the command line calls it, with those instants as `now`.
    let req: CreateUser = serde_json::from_value(
        json!({"login": "rc-kato", "display_name": "Kato", "role_id": junior, "password": PASSWORD, "language": "en"}),
    )
    .unwrap();
    let kato = users::create(&db, &Actor::Operator, req, at("2026-10-01T01:00:00Z")).await.unwrap().id;
    assert_eq!(history(&db, kato).await, [(junior, "2026-10-01".to_string())]);
    let change = UpdateUser { role_id: Some(senior), ..Default::default() };
    users::update(&db, &Actor::Operator, kato, change, at("2026-11-16T00:00:00Z")).await.unwrap();
    // 2026-11-16 00:00 UTC is 09:00 in Tokyo: the change is of the 16th; and before the day
    // boundary (05:00 by default) it would still be the 15th.
    assert_eq!(history(&db, kato).await, [(junior, "2026-10-01".to_string()), (senior, "2026-11-16".to_string())]);
    let rules = kinmu::attendance::rule_settings::company_rules(&db).await.unwrap();
    assert_eq!(
        kinmu::accounts::role_history::change_day(at("2026-11-15T19:59:00Z"), &rules),
        NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()
    );
    assert_eq!(
        kinmu::accounts::role_history::change_day(at("2026-11-15T20:00:00Z"), &rules),
        NaiveDate::from_ymd_opt(2026, 11, 16).unwrap()
    );

    let project = admin.send("POST", "/effort/projects", json!({"code": "RC-1", "name": "Roles", "progress_mode": "derived"})).await;
    expect(&project, 201, None);
    let project = project.body["id"].as_i64().unwrap();
    expect(&admin.send("PUT", &format!("/effort/projects/{project}/members"), json!({"members": [{"user_id": kato}]})).await, 200, None);
    for (role, cost) in [(junior, 5000), (senior, 8000)] {
        let r = admin.send("POST", "/effort/cost-rates", json!({"role_id": role, "valid_from": "2020-01-01", "hourly_cost": cost})).await;
        expect(&r, 201, None);
    }
    let mut k = Client::new(&app);
    expect(&k.login("rc-kato", PASSWORD).await, 200, None);
    // Effort on both sides of the change, and one day before the account (imported history):
    // 10 h on 11-13 as a junior, 10 h on 11-17 as a senior, 1 h on 2026-09-30 at the first role.
    book(&mut k, 1, project, "2026-11-13", 600).await;
    book(&mut k, 2, project, "2026-11-17", 600).await;
    book(&mut k, 3, project, "2026-09-30", 60).await;
    let (total, person, without, today) = cost_of(&mut admin, project, "rc-kato").await;
    // Priced by today's role (senior) every day would be 1260 min × 8000 / 60 = 168000.
    assert_eq!((total, person, without), (50_000 + 80_000 + 5_000, 135_000, 0));

    // A person's own rate goes before the role of the day: 6000 on 11-17 only.
    let own = admin
        .send(
            "POST",
            "/effort/cost-rates",
            json!({"user_id": kato, "valid_from": "2026-11-17", "valid_to": "2026-11-17", "hourly_cost": 6000}),
        )
        .await;
    expect(&own, 201, None);
    assert_eq!(cost_of(&mut admin, project, "rc-kato").await.0, 50_000 + 60_000 + 5_000);
    expect(&admin.send("DELETE", &format!("/effort/cost-rates/{}", own.body["id"]), json!({})).await, 204, None);

    // Back to junior through the API: history gains today's row, past days keep their role.
    let r = admin.send("PUT", &format!("/users/{kato}"), json!({"role_id": junior})).await;
    expect(&r, 200, None);
    assert_eq!(r.body["role_id"], junior);
    let expected = vec![(junior, "2026-10-01".to_string()), (senior, "2026-11-16".to_string()), (junior, today.clone())];
    assert_eq!(history(&db, kato).await, expected);
    // The users' API shows it, oldest first (the edit form lists it).
    let shown = admin.get(&format!("/users/{kato}")).await;
    let spans: Vec<(i64, String)> = shown.body["role_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["role_id"].as_i64().unwrap(), h["valid_from"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(spans, expected, "{}", shown.text);
    let listed = admin.get("/users?q=rc-kato").await;
    assert_eq!(listed.body["users"][0]["role_history"], shown.body["role_history"], "{}", listed.text);
    assert_eq!(cost_of(&mut admin, project, "rc-kato").await.0, 135_000);
    book(&mut k, 4, project, &today, 60).await;
    assert_eq!(cost_of(&mut admin, project, "rc-kato").await.0, 135_000 + 5_000);
    // Changed twice the same day: the day holds the last role; back to the role held before the
    // day adds no row.
    expect(&admin.send("PUT", &format!("/users/{kato}"), json!({"role_id": senior})).await, 200, None);
    assert_eq!(history(&db, kato).await, [(junior, "2026-10-01".to_string()), (senior, "2026-11-16".to_string())]);
    assert_eq!(cost_of(&mut admin, project, "rc-kato").await.0, 135_000 + 8_000);
    expect(&admin.send("PUT", &format!("/users/{kato}"), json!({"role_id": junior})).await, 200, None);
    assert_eq!(history(&db, kato).await, expected);
    // Other changes of the account leave the history alone.
    expect(&admin.send("PUT", &format!("/users/{kato}"), json!({"display_name": "Kato K."})).await, 200, None);
    assert_eq!(history(&db, kato).await, expected);

    // The users' CSV import: a new person and a change of role, each recorded.
    let csv = "login,display_name,role\nrc-new,New,RC-Senior\nrc-kato,Kato K.,RC-Senior\n";
    let r = admin.csv("/users/import", csv.as_bytes()).await;
    expect(&r, 200, None);
    assert!(r.body["errors"].as_array().unwrap().is_empty(), "{}", r.text);
    assert_eq!(history(&db, kato).await, [(junior, "2026-10-01".to_string()), (senior, "2026-11-16".to_string())]);
    let new: i64 = sqlx::query_scalar("SELECT id FROM users WHERE login_key = 'rc-new'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(history(&db, new).await, [(senior, today.clone())]);
    // The first setup's administrator has one too; the invariant holds for everyone.
    assert_history_ends_in_current_role(&db).await;

    // A role nobody holds now but somebody held before prices their past: it stays.
    expect(&admin.send("PUT", &format!("/users/{kato}"), json!({"role_id": junior})).await, 200, None);
    expect(&admin.send("PUT", &format!("/users/{new}"), json!({"role_id": junior})).await, 200, None);
    let roles = admin.get("/roles").await;
    let count = roles.body.as_array().unwrap().iter().find(|r| r["id"] == senior).unwrap()["user_count"].clone();
    assert_eq!(count, 0, "{}", roles.text);
    let refused = admin.send("DELETE", &format!("/roles/{senior}"), json!({})).await;
    expect(&refused, 409, Some("conflict"));
    assert!(refused.text.contains("in the past"), "{}", refused.text);
    assert_eq!(cost_of(&mut admin, project, "rc-kato").await.0, 135_000 + 5_000);
    // A role never held can go.
    let spare = role(&mut admin, "RC-Spare").await;
    expect(&admin.send("DELETE", &format!("/roles/{spare}"), json!({})).await, 204, None);
}

#[tokio::test]
async fn cost_uses_the_role_of_each_day_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    story(app, db).await;
}

#[tokio::test]
async fn cost_uses_the_role_of_each_day_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    story(app, db).await;
}
