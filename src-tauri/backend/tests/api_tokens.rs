//! Personal API tokens, on SQLite and PostgreSQL: a token never exceeds its person's permissions
//! (when made, and after the person loses a role's permission or is disabled), stops at its expiry
//! and when revoked, cannot reach another person's data, needs no CSRF header and no cookie, only a
//! session makes tokens or changes the password, the per-token rate answers 429 with
//! `Retry-After`, administrators list and revoke anyone's, and the log names the token by its id,
//! never by its secret.

mod api_client;
mod test_databases;

use std::io::Write;
use std::sync::{Arc, Mutex};

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use kinmu::database::Db;
use kinmu::error::Error;
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn role(admin: &mut Client, name: &str, permissions: &[&str]) -> i64 {
    let r = admin.send("POST", "/roles", json!({"name": name, "permissions": permissions})).await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn person(admin: &mut Client, login: &str, role: i64) -> i64 {
    let r = admin
        .send(
            "POST",
            "/users",
            json!({"login": login, "display_name": login, "role_id": role, "password": PASSWORD, "language": "en", "time_zone": "Asia/Tokyo"}),
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

/// A day `days` after today in Tokyo, as the create form sends it.
fn day_after(days: i64) -> String {
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    (today + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

async fn make_token(c: &mut Client, name: &str, scopes: &[&str], expires_on: &str) -> (i64, String) {
    let r = c.send("POST", "/me/tokens", json!({"name": name, "scopes": scopes, "expires_on": expires_on})).await;
    expect(&r, 201, None);
    (r.body["token"]["id"].as_i64().unwrap(), r.body["secret"].as_str().unwrap().to_string())
}

fn permissions_of(me: &Value) -> Vec<String> {
    me["user"]["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect()
}

async fn tokens_obey_their_person(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let clerk_role = role(&mut admin, "Clerk", &["users.view", "effort.enter"]).await;
    let member_role =
        admin.get("/roles").await.body.as_array().unwrap().iter().find(|r| r["builtin"] == "member").unwrap()["id"].as_i64().unwrap();
    let clerk = person(&mut admin, "clerk", clerk_role).await;
    let other = person(&mut admin, "other", member_role).await;
    let mut session = logged_in(&app, "clerk").await;

    // At creation: no scope beyond the person's own, named in the refusal, in both languages.
    let beyond = session
        .send("POST", "/me/tokens", json!({"name": "too much", "scopes": ["users.view", "users.manage"], "expires_on": day_after(30)}))
        .await;
    expect(&beyond, 403, Some("scope_not_held"));
    assert!(beyond.body["message"].as_str().unwrap().contains("users.manage"), "{}", beyond.text);
    expect(&session.send("PUT", "/me/preferences", json!({"language": "ja"})).await, 200, None);
    let beyond =
        session.send("POST", "/me/tokens", json!({"name": "too much", "scopes": ["settings.manage"], "expires_on": day_after(30)})).await;
    expect(&beyond, 403, Some("scope_not_held"));
    let message = beyond.body["message"].as_str().unwrap();
    assert!(message.contains("settings.manage") && !message.is_ascii(), "{message}");
    expect(&session.send("PUT", "/me/preferences", json!({"language": "en"})).await, 200, None);
    // The expiry is required, not in the past, at most a year or so ahead.
    for (bad, why) in [(json!(null), "missing"), (json!(day_after(-1)), "yesterday"), (json!(day_after(400)), "too far")] {
        let r = session.send("POST", "/me/tokens", json!({"name": "x", "scopes": ["users.view"], "expires_on": bad})).await;
        expect(&r, 422, Some("validation"));
        assert_eq!(r.body["field"], "expires_on", "{why}: {}", r.text);
    }
    expect(
        &session.send("POST", "/me/tokens", json!({"name": " ", "scopes": ["users.view"], "expires_on": day_after(3)})).await,
        422,
        Some("validation"),
    );

    // Made: the secret is shown once; the lists show its prefix, never the secret or its hash.
    let made = session
        .send(
            "POST",
            "/me/tokens",
            json!({"name": "Payroll export", "scopes": ["effort.enter", "users.view"], "expires_on": day_after(30)}),
        )
        .await;
    expect(&made, 201, None);
    let secret = made.body["secret"].as_str().unwrap().to_string();
    let token_id = made.body["token"]["id"].as_i64().unwrap();
    assert!(secret.starts_with("kinmu_") && secret.len() == 6 + 64, "{secret}");
    let prefix = made.body["token"]["prefix"].as_str().unwrap();
    assert!(secret.starts_with(prefix) && prefix.len() < 20, "{prefix}");
    assert_eq!(made.body["token"]["scopes"], json!(["users.view", "effort.enter"]));
    assert!(made.body["token"]["last_used_at"].is_null());
    let mine = session.get("/me/tokens").await;
    expect(&mine, 200, None);
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    assert!(!mine.text.contains(&secret) && !mine.text.contains(&kinmu::accounts::passwords::token_digest(&secret)), "{}", mine.text);
    let stored: String =
        sqlx::query_scalar("SELECT token_hash FROM api_tokens WHERE id = $1").bind(token_id).fetch_one(&db.pool).await.unwrap();
    assert_eq!(stored, kinmu::accounts::passwords::token_digest(&secret), "only the SHA-256 is stored");

    // It works with no cookie and no CSRF header, as the person within its scopes.
    let mut token = Client::with_token(&app, &secret);
    let me = token.get("/auth/me").await;
    expect(&me, 200, None);
    assert_eq!(me.body["user"]["id"], clerk);
    assert_eq!(permissions_of(&me.body), ["users.view", "effort.enter"]);
    expect(&token.get("/users").await, 200, None);
    expect(&token.send("PUT", "/me/preferences", json!({"time_zone": "Asia/Tokyo"})).await, 200, None);
    expect(&token.send("POST", "/users", json!({"login": "x", "display_name": "x", "password": PASSWORD})).await, 403, Some("forbidden"));
    // A cookie beside the token is not looked at: the token decides.
    let mut both = Client::with_token(&app, "kinmu_not-a-token");
    both.cookie = admin.cookie.clone();
    expect(&both.get("/auth/me").await, 401, Some("unauthenticated"));
    // Its last use is listed.
    let listed = session.get("/me/tokens").await;
    assert!(listed.body[0]["last_used_at"].is_i64(), "{}", listed.text);

    // Only a session makes tokens and changes the password.
    let again = token.send("POST", "/me/tokens", json!({"name": "child", "scopes": ["users.view"], "expires_on": day_after(3)})).await;
    expect(&again, 403, Some("session_only"));
    let pw = token.send("PUT", "/me/password", json!({"current_password": PASSWORD, "new_password": "Quiet-Lantern-93"})).await;
    expect(&pw, 403, Some("session_only"));
    expect(&Client::new(&app).login("clerk", PASSWORD).await, 200, None);

    // Another person's data stays out of reach.
    let narrow = make_token(&mut session, "Effort only", &["effort.enter"], &day_after(7)).await;
    let mut narrow_client = Client::with_token(&app, &narrow.1);
    expect(&narrow_client.get(&format!("/users/{clerk}")).await, 200, None);
    expect(&narrow_client.get(&format!("/users/{other}")).await, 403, Some("forbidden"));
    expect(&narrow_client.get("/users").await, 403, Some("forbidden"));
    expect(&token.get("/attendance/timesheet?month=2026-11&user=other").await, 403, Some("forbidden"));
    expect(&token.get("/effort/week?week=2026-W48&user=other").await, 403, Some("forbidden"));
    let others_token = make_token(&mut logged_in(&app, "other").await, "Other's", &["effort.enter"], &day_after(7)).await;
    expect(&token.send("DELETE", &format!("/me/tokens/{}", others_token.0), json!({})).await, 404, Some("not_found"));
    expect(&session.send("DELETE", &format!("/me/tokens/{}", others_token.0), json!({})).await, 404, Some("not_found"));
    expect(&Client::with_token(&app, &others_token.1).get("/auth/me").await, 200, None);
    assert!(!token.get("/me/tokens").await.text.contains("Other's"));

    // The person loses a permission: so do their tokens, at once.
    expect(&admin.send("PUT", &format!("/roles/{clerk_role}"), json!({"name": "Clerk", "permissions": ["effort.enter"]})).await, 200, None);
    expect(&token.get("/users").await, 403, Some("forbidden"));
    assert_eq!(permissions_of(&token.get("/auth/me").await.body), ["effort.enter"]);
    // Given back, the token's scope works again (it never held more than its scopes).
    expect(
        &admin
            .send("PUT", &format!("/roles/{clerk_role}"), json!({"name": "Clerk", "permissions": ["users.manage", "effort.enter"]}))
            .await,
        200,
        None,
    );
    expect(&token.get("/users").await, 200, None);
    expect(&token.send("POST", "/users", json!({"login": "x", "display_name": "x", "password": PASSWORD})).await, 403, Some("forbidden"));
    // A disabled person's tokens stop.
    expect(&admin.send("PUT", &format!("/users/{clerk}"), json!({"active": false})).await, 200, None);
    expect(&token.get("/auth/me").await, 403, Some("account_disabled"));
    expect(&admin.send("PUT", &format!("/users/{clerk}"), json!({"active": true})).await, 200, None);
    expect(&token.get("/auth/me").await, 200, None);
    let mut session = logged_in(&app, "clerk").await;

    // Expiry: the token stops at the end of its last day.
    let last_day = make_token(&mut session, "Today only", &["effort.enter"], &day_after(0)).await;
    let ends: i64 =
        sqlx::query_scalar("SELECT expires_at FROM api_tokens WHERE id = $1").bind(last_day.0).fetch_one(&db.pool).await.unwrap();
    assert!(ends > kinmu::now() && ends <= kinmu::now() + 24 * 3600, "{ends}");
    assert!(kinmu::accounts::api_tokens::resolve(&db, &last_day.1, ends - 1).await.is_ok());
    assert!(matches!(kinmu::accounts::api_tokens::resolve(&db, &last_day.1, ends).await, Err(Error::TokenExpired)));
    sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE id = $2")
        .bind(kinmu::now() - 1)
        .bind(last_day.0)
        .execute(&db.pool)
        .await
        .unwrap();
    expect(&Client::with_token(&app, &last_day.1).get("/auth/me").await, 401, Some("token_expired"));

    // Revoked by its owner: it stops, and says so.
    expect(&session.send("DELETE", &format!("/me/tokens/{token_id}"), json!({})).await, 204, None);
    expect(&token.get("/auth/me").await, 401, Some("token_revoked"));
    let listed = session.get("/me/tokens").await;
    let row = listed.body.as_array().unwrap().iter().find(|t| t["id"] == token_id).unwrap().clone();
    assert!(row["revoked_at"].is_i64(), "{row}");
    expect(&session.send("DELETE", &format!("/me/tokens/{token_id}"), json!({})).await, 204, None);
    // An unknown secret is not a session either.
    expect(&Client::with_token(&app, "kinmu_0000").get("/auth/me").await, 401, Some("unauthenticated"));

    // Administrators list everyone's and revoke anyone's; others may not.
    let all = admin.get("/tokens").await;
    expect(&all, 200, None);
    let everyone: Vec<&str> = all.body.as_array().unwrap().iter().map(|t| t["user_login"].as_str().unwrap()).collect();
    assert!(everyone.contains(&"clerk") && everyone.contains(&"other"), "{}", all.text);
    assert!(!all.text.contains(&narrow.1));
    expect(&logged_in(&app, "other").await.get("/tokens").await, 403, Some("forbidden"));
    expect(&narrow_client.send("DELETE", &format!("/tokens/{}", others_token.0), json!({})).await, 403, Some("forbidden"));
    expect(&admin.send("DELETE", &format!("/tokens/{}", narrow.0), json!({})).await, 204, None);
    expect(&narrow_client.get("/auth/me").await, 401, Some("token_revoked"));
    expect(&admin.send("DELETE", "/tokens/999999", json!({})).await, 404, Some("not_found"));
    // An administrator's token scoped to users.manage revokes too, without a CSRF header.
    let (_, admin_secret) = make_token(&mut admin, "Admin automation", &["users.manage"], &day_after(10)).await;
    let mut admin_token = Client::with_token(&app, &admin_secret);
    expect(&admin_token.send("DELETE", &format!("/tokens/{}", others_token.0), json!({})).await, 204, None);
    expect(&Client::with_token(&app, &others_token.1).get("/auth/me").await, 401, Some("token_revoked"));
}

#[tokio::test]
async fn tokens_obey_their_person_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    tokens_obey_their_person(app, db).await;
}

#[tokio::test]
async fn tokens_obey_their_person_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    tokens_obey_their_person(app, db).await;
}

/// The rate (a setting) holds per token: past it, 429 with `Retry-After`; other tokens and
/// browser sessions go on.
async fn the_rate_limits_each_token(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let mut settings = admin.get("/settings").await.body;
    assert_eq!(settings["token_requests_per_minute"], kinmu_shared::api::DEFAULT_TOKEN_REQUESTS_PER_MINUTE);
    settings["token_requests_per_minute"] = json!(0);
    let refused = admin.send("PUT", "/settings", settings.clone()).await;
    expect(&refused, 422, Some("validation"));
    assert_eq!(refused.body["field"], "token_requests_per_minute");
    settings["token_requests_per_minute"] = json!(5);
    expect(&admin.send("PUT", "/settings", settings).await, 200, None);

    let (_, first) = make_token(&mut admin, "Busy", &["users.view"], &day_after(1)).await;
    let (_, second) = make_token(&mut admin, "Quiet", &["users.view"], &day_after(1)).await;
    let mut busy = Client::with_token(&app, &first);
    for i in 0..5 {
        let a = busy.get("/users").await;
        assert_eq!(a.status.as_u16(), 200, "request {i}: {}", a.text);
    }
    let over = busy.get("/users").await;
    expect(&over, 429, Some("rate_limited"));
    let wait: u64 = over.headers.get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(over.body["message"].as_str().unwrap().contains(&format!("{wait} seconds")), "{}", over.text);
    expect(&Client::with_token(&app, &second).get("/users").await, 200, None);
    for _ in 0..20 {
        expect(&admin.get("/users").await, 200, None);
    }
}

#[tokio::test]
async fn the_rate_limits_each_token_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    the_rate_limits_each_token(app).await;
}

#[tokio::test]
async fn the_rate_limits_each_token_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    the_rate_limits_each_token(app).await;
}

/// What the server's log writes, kept for the test to read.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every token request is logged with the token's id, never its secret.
async fn the_log_names_the_token_not_its_secret(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let (id, secret) = make_token(&mut admin, "Logged", &["users.view", "settings.manage"], &day_after(2)).await;
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber =
        tracing_subscriber::fmt().with_ansi(false).with_max_level(tracing::Level::DEBUG).with_writer(move || writer.clone()).finish();
    {
        let _guard = tracing::subscriber::set_default(subscriber);
        let mut token = Client::with_token(&app, &secret);
        expect(&token.get("/users").await, 200, None);
        expect(&token.send("PUT", "/me/preferences", json!({"language": "en"})).await, 200, None);
        expect(&token.send("POST", "/me/tokens", json!({})).await, 403, Some("session_only"));
    }
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("API token request")).collect();
    assert_eq!(lines.len(), 3, "one line per token request:\n{text}");
    assert!(lines.iter().all(|l| l.contains(&format!("token_id={id}"))), "{text}");
    assert!(!text.contains(&secret), "the secret is never logged:\n{text}");
    assert!(!text.contains(&secret[6..20]), "no piece of it either:\n{text}");
    println!("log lines of 3 token requests: {}", text.lines().count());
}

#[tokio::test]
async fn the_log_names_the_token_not_its_secret_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    the_log_names_the_token_not_its_secret(app).await;
}

#[tokio::test]
async fn the_log_names_the_token_not_its_secret_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    the_log_names_the_token_not_its_secret(app).await;
}
