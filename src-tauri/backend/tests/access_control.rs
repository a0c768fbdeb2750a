//! Who may do what, on SQLite and PostgreSQL: every route × every role, and × an API token
//! limited to each permission, against the shared route table; nobody grants what they do not hold (roles, accounts, passwords, CSV rows, the command
//! line's operator); the last active administrator stays; and the login lockout holds against
//! parallel guesses, treats unknown logins like known ones and backs off exponentially.

mod api_client;
mod test_databases;

use std::sync::Arc;

use api_client::{Client, app_on, expect, setup};
use axum::Router;
use kinmu::accounts::{Actor, sessions, users};
use kinmu::database::Db;
use kinmu::error::Error;
use kinmu_shared::Permission;
use kinmu_shared::api::UpdateUser;
use kinmu_shared::api::routes::{Access, ROUTES};
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn role_id(admin: &mut Client, name: &str, permissions: &[Permission]) -> i64 {
    let keys: Vec<&str> = permissions.iter().map(|p| p.key()).collect();
    let r = admin.send("POST", "/roles", json!({"name": name, "permissions": keys})).await;
    expect(&r, 201, None);
    r.body["id"].as_i64().unwrap()
}

async fn builtin_role(admin: &mut Client, key: &str) -> i64 {
    let roles = admin.get("/roles").await;
    roles.body.as_array().unwrap().iter().find(|r| r["builtin"] == key).unwrap()["id"].as_i64().unwrap()
}

async fn user_with_role(admin: &mut Client, login: &str, role: i64) -> i64 {
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

/// A concrete path for a route pattern: ids that exist nowhere, a real report kind; a route for
/// one's own records (a timesheet, an effort week, gaps, periods) asks for someone else's.
fn concrete(path: &str) -> String {
    let path = path.replace("{id}", "999999").replace("{kind}", "monthly");
    match path.as_str() {
        "/attendance/timesheet" => format!("{path}?month=2026-11&user=admin"),
        "/effort/week" => format!("{path}?week=2026-W48&user=admin"),
        "/effort/gaps" => format!("{path}?month=2026-11&user=admin"),
        "/effort/periods" => format!("{path}?user=admin"),
        "/effort/gap-report" | "/effort/gap-report/download" => format!("{path}?month=2026-11"),
        "/effort/report" | "/effort/report/download" => format!("{path}?from=2026-11-01&to=2026-11-30&group_by=project,person"),
        "/effort/resources" | "/effort/resources/download" => format!("{path}?from=2026-11-02&to=2026-11-29"),
        _ => path,
    }
}

async fn call(c: &mut Client, method: &str, path: &str) -> api_client::Answer {
    let path = concrete(path);
    if method == "GET" { c.get(&path).await } else { c.send(method, &path, json!({})).await }
}

async fn route_matrix(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    // One role per permission, and the built-in manager and member.
    let mut callers: Vec<(String, Vec<Permission>, Client)> = Vec::new();
    for p in Permission::ALL {
        let name = format!("only-{}", p.key().replace('.', "-"));
        let role = role_id(&mut admin, &name, &[p]).await;
        user_with_role(&mut admin, &name, role).await;
        callers.push((name.clone(), vec![p], logged_in(&app, &name).await));
    }
    for (key, permissions) in
        [("manager", kinmu_shared::permissions::BuiltinRole::Manager), ("member", kinmu_shared::permissions::BuiltinRole::Member)]
    {
        let role = builtin_role(&mut admin, key).await;
        user_with_role(&mut admin, key, role).await;
        callers.push((key.to_string(), permissions.permissions(), logged_in(&app, key).await));
    }
    // A person holding every permission, with one API token per permission (no cookie, no CSRF
    // header): each must be answered as a person holding that permission alone.
    let administrator = builtin_role(&mut admin, "administrator").await;
    user_with_role(&mut admin, "token-holder", administrator).await;
    let mut holder = logged_in(&app, "token-holder").await;
    let tomorrow = (chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive() + chrono::Duration::days(1)).to_string();
    let mut tokens: Vec<(String, Vec<Permission>, Client)> = Vec::new();
    for p in Permission::ALL {
        let made = holder.send("POST", "/me/tokens", json!({"name": p.key(), "scopes": [p.key()], "expires_on": tomorrow})).await;
        expect(&made, 201, None);
        tokens.push((format!("a token scoped to {}", p.key()), vec![p], Client::with_token(&app, made.body["secret"].as_str().unwrap())));
    }
    let mut anonymous = Client::new(&app);
    let mut checked = 0;
    // Logging out ends the caller's session: that route goes last.
    let mut routes: Vec<_> = ROUTES.iter().collect();
    routes.sort_by_key(|r| r.path == "/auth/logout");
    for route in routes {
        let anon = call(&mut anonymous, route.method, route.path).await;
        checked += 1;
        match route.access {
            Access::Public => {
                assert!(![401, 403].contains(&anon.status.as_u16()), "{} {} is public: {}", route.method, route.path, anon.text)
            }
            _ => expect(&anon, 401, Some("unauthenticated")),
        }
        for (name, held, client) in callers.iter_mut() {
            let a = call(client, route.method, route.path).await;
            checked += 1;
            let allowed = match route.access {
                Access::Public | Access::Session | Access::SessionOnly => true,
                Access::Permission(p) | Access::OwnOr(p) => p.is_granted_by(held),
            };
            if allowed {
                assert!(![401, 403].contains(&a.status.as_u16()), "{name} may call {} {}: {}", route.method, route.path, a.text);
            } else {
                assert_eq!(a.status.as_u16(), 403, "{name} may not call {} {}: {}", route.method, route.path, a.text);
                assert_eq!(a.body["code"], "forbidden", "{}", a.text);
            }
        }
        for (name, scopes, client) in tokens.iter_mut() {
            let a = call(client, route.method, route.path).await;
            checked += 1;
            let refused = match route.access {
                Access::Public | Access::Session => None,
                Access::SessionOnly => Some("session_only"),
                Access::Permission(p) | Access::OwnOr(p) => (!p.is_granted_by(scopes)).then_some("forbidden"),
            };
            match refused {
                None => assert!(![401, 403].contains(&a.status.as_u16()), "{name} may call {} {}: {}", route.method, route.path, a.text),
                Some(code) => {
                    assert_eq!(a.status.as_u16(), 403, "{name} may not call {} {}: {}", route.method, route.path, a.text);
                    assert_eq!(a.body["code"], code, "{}", a.text);
                }
            }
        }
    }
    println!(
        "route × caller matrix: {} routes × {} callers (anonymous, {} roles, {} tokens) = {checked} requests",
        ROUTES.len(),
        callers.len() + tokens.len() + 1,
        callers.len(),
        tokens.len()
    );
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_route_table_says_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    route_matrix(app).await;
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_route_table_says_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    route_matrix(app).await;
}

fn role_of(user: &Value) -> i64 {
    user["role_id"].as_i64().unwrap()
}

async fn nobody_grants_what_they_do_not_hold(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let admin_role = builtin_role(&mut admin, "administrator").await;
    let member_role = builtin_role(&mut admin, "member").await;
    let hr_role = role_id(&mut admin, "HR", &[Permission::ManageUsers]).await;
    let viewer_role = role_id(&mut admin, "Viewer", &[Permission::ViewUsers]).await;
    let roles_role = role_id(&mut admin, "Role keeper", &[Permission::ManageRoles]).await;
    user_with_role(&mut admin, "hr", hr_role).await;
    user_with_role(&mut admin, "keeper", roles_role).await;
    let member = user_with_role(&mut admin, "member", member_role).await;
    let mut hr = logged_in(&app, "hr").await;
    let mut keeper = logged_in(&app, "keeper").await;

    // users.manage alone: no administrator made, given, taken over or disabled.
    let made = hr.send("POST", "/users", json!({"login": "evil", "display_name": "E", "role_id": admin_role, "password": PASSWORD})).await;
    expect(&made, 403, Some("forbidden"));
    assert!(made.body["message"].as_str().unwrap().contains("roles.manage"), "the message names what is missing: {}", made.text);
    let given = hr.send("PUT", &format!("/users/{member}"), json!({"role_id": admin_role})).await;
    expect(&given, 403, Some("forbidden"));
    assert_eq!(role_of(&admin.get(&format!("/users/{member}")).await.body), member_role);
    expect(&hr.send("POST", "/users/1/password", json!({"password": "Taken-Over-2026"})).await, 403, Some("forbidden"));
    expect(&Client::new(&app).login("admin", "Taken-Over-2026").await, 401, Some("invalid_credentials"));
    expect(&hr.send("PUT", "/users/1", json!({"active": false})).await, 403, Some("forbidden"));
    expect(&hr.send("PUT", "/users/1", json!({"display_name": "x"})).await, 403, Some("forbidden"));
    expect(&hr.send("POST", "/users/1/unlock", json!({})).await, 403, Some("forbidden"));
    // Members hold effort.enter, which HR does not: HR cannot touch them either.
    expect(&hr.send("POST", &format!("/users/{member}/password"), json!({"password": "Taken-Over-2026"})).await, 403, Some("forbidden"));
    // Within HR's own permissions all is allowed.
    let viewer =
        hr.send("POST", "/users", json!({"login": "viewer", "display_name": "V", "role_id": viewer_role, "password": PASSWORD})).await;
    expect(&viewer, 201, None);
    let viewer = viewer.body["id"].as_i64().unwrap();
    expect(&hr.send("POST", &format!("/users/{viewer}/password"), json!({"password": "Fresh-Meadow-77"})).await, 204, None);

    // The same through the users' CSV import: the rows that grant too much are errors, the rest land.
    let csv = "login,display_name,role\nmember,Member,Administrator\nnewadmin,New,administrator\nviewer2,Viewer Two,Viewer\n";
    let r = hr.csv("/users/import", csv.as_bytes()).await;
    expect(&r, 200, None);
    assert_eq!(r.body["created"], 1, "{}", r.text);
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{}", r.text);
    assert_eq!((errors[0]["line"].as_i64(), errors[1]["line"].as_i64()), (Some(2), Some(3)), "{}", r.text);
    assert!(errors.iter().all(|e| e["message"].as_str().unwrap().contains("do not hold")), "{}", r.text);
    assert_eq!(role_of(&admin.get(&format!("/users/{member}")).await.body), member_role);
    assert_eq!(admin.get("/users?q=newadmin").await.body["total"], 0);

    // roles.manage alone: no role beyond its own, its own role included.
    let all: Vec<&str> = Permission::ALL.iter().map(|p| p.key()).collect();
    expect(
        &keeper.send("PUT", &format!("/roles/{roles_role}"), json!({"name": "Role keeper", "permissions": all})).await,
        403,
        Some("forbidden"),
    );
    expect(&keeper.send("POST", "/roles", json!({"name": "Everything", "permissions": all})).await, 403, Some("forbidden"));
    expect(
        &keeper.send("PUT", &format!("/roles/{admin_role}"), json!({"name": "Mine now", "permissions": all})).await,
        403,
        Some("forbidden"),
    );
    expect(
        &keeper.send("PUT", &format!("/roles/{hr_role}"), json!({"name": "HR", "permissions": ["roles.manage"]})).await,
        403,
        Some("forbidden"),
    );
    expect(&keeper.send("POST", "/roles", json!({"name": "Keepers", "permissions": ["roles.manage"]})).await, 201, None);
    let roles = admin.get("/roles").await;
    let keeper_role = roles.body.as_array().unwrap().iter().find(|r| r["id"] == roles_role).unwrap().clone();
    assert_eq!(keeper_role["permissions"], json!(["roles.manage"]));

    // The last active administrator: not disabled, not demoted, not by anyone, the operator included.
    let err = users::disable_by_login(&db, &Actor::Operator, "admin", kinmu::now()).await.unwrap_err();
    assert!(matches!(err, Error::LastAdministrator(_)), "{err}");
    let demote = UpdateUser { role_id: Some(member_role), ..Default::default() };
    let err = users::update(&db, &Actor::Operator, 1, demote, kinmu::now()).await.unwrap_err();
    assert!(matches!(err, Error::LastAdministrator(_)), "{err}");
    assert_eq!(err.to_api().code.as_str(), "conflict");
    // With a second administrator either may go, but not both, even asked at the same moment.
    let second = user_with_role(&mut admin, "admin2", admin_role).await;
    let super_role = role_id(&mut admin, "Super", &Permission::ALL).await;
    // (The administrator's own session may end here: the operator may disable them.)
    let (a, b) = tokio::join!(
        users::update(&db, &Actor::Operator, 1, UpdateUser { active: Some(false), ..Default::default() }, kinmu::now()),
        users::update(&db, &Actor::Operator, second, UpdateUser { role_id: Some(member_role), ..Default::default() }, kinmu::now()),
    );
    assert_eq!([a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(), 1, "{a:?} / {b:?}");
    // A custom role holding every permission counts; cutting it may not leave nobody.
    let survivor = if a.is_ok() { second } else { 1 };
    let moved =
        users::update(&db, &Actor::Operator, survivor, UpdateUser { role_id: Some(super_role), ..Default::default() }, kinmu::now()).await;
    assert!(moved.is_ok(), "{moved:?}");
    let cut = kinmu::accounts::roles::update(
        &db,
        &Actor::Operator,
        super_role,
        kinmu_shared::api::SaveRole { name: "Super".into(), permissions: vec![Permission::ViewUsers] },
    )
    .await;
    assert!(matches!(cut, Err(Error::LastAdministrator(_))), "{cut:?}");
}

#[tokio::test]
async fn nobody_grants_what_they_do_not_hold_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    nobody_grants_what_they_do_not_hold(app, db).await;
}

#[tokio::test]
async fn nobody_grants_what_they_do_not_hold_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    nobody_grants_what_they_do_not_hold(app, db).await;
}

/// 200 wrong guesses in parallel, then a burst of 59 wrong and the right one: at most the
/// allowed number of passwords is ever checked, and the right one, arriving after the lock,
/// does not get in.
async fn parallel_guesses_meet_the_lock(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    let target = user_with_role(&mut admin, "target", member_role).await;
    let db = Arc::new(db);
    let now = kinmu::now();
    let guesses: Vec<_> = (0..200)
        .map(|i| {
            let db = Arc::clone(&db);
            tokio::spawn(async move { sessions::login(&db, "target", &format!("wrong-guess-{i}"), None, now).await.err().unwrap() })
        })
        .collect();
    let mut wrong = 0;
    let mut locked = 0;
    for g in guesses {
        match g.await.unwrap() {
            Error::InvalidCredentials => wrong += 1,
            Error::AccountLocked { .. } => locked += 1,
            other => panic!("unexpected answer {other}"),
        }
    }
    // The fifth checked guess sets the lock and is answered "locked"; the rest were never checked.
    println!("200 parallel guesses: {} checked before the lock ({wrong} answered wrong), {locked} answered locked", wrong + 1);
    assert_eq!(wrong, sessions::MAX_FAILED_LOGINS - 1, "the guesses checked before the lock");
    assert_eq!(locked, 200 - wrong);
    let seen = admin.get(&format!("/users/{target}")).await;
    assert_eq!(seen.body["failed_logins"], sessions::MAX_FAILED_LOGINS, "{}", seen.text);
    assert!(seen.body["locked_until"].is_i64(), "{}", seen.text);

    // A fresh account: 59 wrong guesses in parallel, the right password a moment later.
    let other = user_with_role(&mut admin, "other", member_role).await;
    let burst: Vec<_> = (0..59)
        .map(|i| {
            let db = Arc::clone(&db);
            tokio::spawn(async move { sessions::login(&db, "other", &format!("wrong-{i}"), None, now).await.is_ok() })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let right = sessions::login(&db, "other", PASSWORD, None, now).await;
    assert!(matches!(right, Err(Error::AccountLocked { .. })), "the right password after the lock is refused: {:?}", right.map(|_| ()));
    for b in burst {
        assert!(!b.await.unwrap(), "no wrong guess logs in");
    }
    let seen = admin.get(&format!("/users/{other}")).await;
    assert_eq!(seen.body["failed_logins"], sessions::MAX_FAILED_LOGINS, "{}", seen.text);
    // The administrator lifts the lock.
    expect(&admin.send("POST", &format!("/users/{other}/unlock"), json!({})).await, 200, None);
    assert!(sessions::login(&db, "other", PASSWORD, None, kinmu::now()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_meet_the_lock_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    parallel_guesses_meet_the_lock(app, db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_meet_the_lock_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    parallel_guesses_meet_the_lock(app, db).await;
}

/// Unknown logins are slowed and locked like known ones, with the same answers; each lock lasts
/// twice the one before; a successful login starts the back-off again.
async fn unknown_logins_and_back_off(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    user_with_role(&mut admin, "known", member_role).await;
    let t0 = kinmu::now();
    let answers = |login: &'static str, at: i64| {
        let db = db.clone();
        async move {
            let mut out = Vec::new();
            for i in 0..6 {
                let e = sessions::login(&db, login, &format!("wrong-{i}"), None, at).await.err().unwrap();
                out.push((e.code().as_str(), e.to_api().message));
            }
            out
        }
    };
    let known = answers("known", t0).await;
    let unknown = answers("no-such-person", t0).await;
    assert_eq!(known, unknown, "an unknown login is answered exactly as a known one");
    assert_eq!(
        known.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        ["invalid_credentials"; 4].iter().chain(["account_locked"; 2].iter()).copied().collect::<Vec<_>>()
    );

    let lock_of = |login: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, Option<i64>>("SELECT locked_until FROM login_throttle WHERE login_key = $1")
                .bind(login)
                .fetch_one(&db.pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(lock_of("known").await, Some(t0 + 60), "the first lock lasts a minute");
    // After it, five more guesses lock for two minutes, then four.
    let t1 = t0 + 61;
    answers("known", t1).await;
    assert_eq!(lock_of("known").await, Some(t1 + 120));
    let t2 = t1 + 121;
    answers("known", t2).await;
    assert_eq!(lock_of("known").await, Some(t2 + 240));
    // The right password after the lock logs in and starts the back-off again.
    let t3 = t2 + 241;
    assert!(sessions::login(&db, "known", PASSWORD, None, t3).await.is_ok());
    answers("known", t3).await;
    assert_eq!(lock_of("known").await, Some(t3 + 60));
}

#[tokio::test]
async fn unknown_logins_are_treated_as_known_ones_and_locks_back_off_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db) = app_on(&sqlite_url(&dir)).await;
    unknown_logins_and_back_off(app, db).await;
}

#[tokio::test]
async fn unknown_logins_are_treated_as_known_ones_and_locks_back_off_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db) = app_on(&url).await;
    unknown_logins_and_back_off(app, db).await;
}

/// Anyone changes their own password with the current one; the other sessions end; a wrong
/// current password counts toward the lock like a failed login.
async fn own_password(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let member_role = builtin_role(&mut admin, "member").await;
    user_with_role(&mut admin, "self", member_role).await;
    let mut here = logged_in(&app, "self").await;
    let mut elsewhere = logged_in(&app, "self").await;
    let wrong = here.send("PUT", "/me/password", json!({"current_password": "not-it-at-all", "new_password": "Quiet-Lantern-93"})).await;
    expect(&wrong, 422, Some("validation"));
    assert_eq!(wrong.body["field"], "current_password");
    let weak = here.send("PUT", "/me/password", json!({"current_password": PASSWORD, "new_password": "password1"})).await;
    expect(&weak, 422, Some("validation"));
    assert_eq!(weak.body["field"], "new_password");
    expect(&here.send("PUT", "/me/password", json!({"current_password": PASSWORD, "new_password": "Quiet-Lantern-93"})).await, 204, None);
    expect(&here.get("/auth/me").await, 200, None);
    expect(&elsewhere.get("/auth/me").await, 401, Some("unauthenticated"));
    expect(&Client::new(&app).login("self", PASSWORD).await, 401, Some("invalid_credentials"));
    expect(&Client::new(&app).login("self", "Quiet-Lantern-93").await, 200, None);
    // Guessing the current password through this route meets the same lock.
    for _ in 0..4 {
        let a =
            here.send("PUT", "/me/password", json!({"current_password": "guess-guess-guess", "new_password": "Other-Lantern-94"})).await;
        expect(&a, 422, Some("validation"));
    }
    let a = here.send("PUT", "/me/password", json!({"current_password": "guess-guess-guess", "new_password": "Other-Lantern-94"})).await;
    expect(&a, 423, Some("account_locked"));
}

#[tokio::test]
async fn users_change_their_own_password_with_the_current_one_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db) = app_on(&sqlite_url(&dir)).await;
    own_password(app).await;
}

#[tokio::test]
async fn users_change_their_own_password_with_the_current_one_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db) = app_on(&url).await;
    own_password(app).await;
}
