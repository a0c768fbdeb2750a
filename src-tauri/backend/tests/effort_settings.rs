//! The effort settings' activity levels, on SQLite and PostgreSQL: unnamed and used by default;
//! an administrator names them (工程分類 / 作業分類) or sets a level as not used; everyone reads
//! them (the week grid and the projects page show the names); a name is one line of at most 40
//! characters, blank is none; only an administrator changes them.

mod api_client;
mod test_databases;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use serde_json::json;
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn settings_story(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let roles = admin.get("/roles").await;
    let member = roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == "member").unwrap()["id"].as_i64().unwrap();
    let r = admin
        .send("POST", "/users", json!({"login": "sato", "display_name": "sato", "role_id": member, "password": PASSWORD, "language": "en"}))
        .await;
    expect(&r, 201, None);
    let mut s = Client::new(&app);
    expect(&s.login("sato", PASSWORD).await, 200, None);

    // By default: no names (the UI shows Activity 1 and Activity 2), both levels used.
    let d = s.get("/effort/settings").await;
    expect(&d, 200, None);
    assert_eq!(
        (&d.body["activity1_label"], &d.body["activity2_label"], &d.body["activity1_used"], &d.body["activity2_used"]),
        (&json!(null), &json!(null), &json!(true), &json!(true)),
        "{}",
        d.text
    );

    // Named by an administrator, the second level not used; read back by a member.
    let mut body = d.body.clone();
    body["activity1_label"] = json!("  工程分類 ");
    body["activity2_label"] = json!("作業分類");
    body["activity2_used"] = json!(false);
    expect(&s.send("PUT", "/effort/settings", body.clone()).await, 403, Some("forbidden"));
    let saved = admin.send("PUT", "/effort/settings", body.clone()).await;
    expect(&saved, 200, None);
    let read = s.get("/effort/settings").await;
    assert_eq!(read.body, saved.body);
    assert_eq!(
        (&read.body["activity1_label"], &read.body["activity2_label"], &read.body["activity1_used"], &read.body["activity2_used"]),
        (&json!("工程分類"), &json!("作業分類"), &json!(true), &json!(false)),
        "{}",
        read.text
    );
    assert_eq!(read.body["gap_threshold_minutes"], 30, "the other settings stay: {}", read.text);

    // A name is one line of at most 40 characters; blank is none.
    body["activity1_label"] = json!("工".repeat(41));
    let long = admin.send("PUT", "/effort/settings", body.clone()).await;
    expect(&long, 422, Some("validation"));
    assert_eq!(long.body["field"], "activity1_label", "{}", long.text);
    body["activity1_label"] = json!("a\nb");
    expect(&admin.send("PUT", "/effort/settings", body.clone()).await, 422, Some("validation"));
    body["activity1_label"] = json!("   ");
    let blank = admin.send("PUT", "/effort/settings", body.clone()).await;
    expect(&blank, 200, None);
    assert_eq!(blank.body["activity1_label"], json!(null), "{}", blank.text);

    // A client that knows nothing of the levels (an older one) leaves them unnamed and used.
    let old =
        admin.send("PUT", "/effort/settings", json!({"period_unit": "month", "gap_threshold_minutes": 45, "future_days_allowed": 0})).await;
    expect(&old, 200, None);
    assert_eq!((&old.body["activity2_label"], &old.body["activity2_used"]), (&json!(null), &json!(true)), "{}", old.text);
}

#[tokio::test]
async fn effort_settings_name_the_activity_levels_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    settings_story(app).await;
}

#[tokio::test]
async fn effort_settings_name_the_activity_levels_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    settings_story(app).await;
}
