//! Client updates on SQLite and PostgreSQL: the policy needs `updates.manage` and the password
//! entered again; the start-up decision reaches clients through `POST /updates/check`; 50 clients
//! against a limit of 15 never hold more than 15 slots at once, all finish, and are admitted in
//! the random order of their draw keys, not first-come; a slot expires when not renewed; a retried
//! event counts once; records end normal, abnormal or failed as the seed defines; retention
//! deletes old records; records export as CSV. (Who may call each route: `access_control.rs`.)

mod api_client;
mod test_databases;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use api_client::{ADMIN_PASSWORD, Client, expect, setup, test_output_roots};
use axum::Router;
use kinmu::accounts::Actor;
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::http::{AppState, ServerOptions, SharedState};
use kinmu::updates::{clients, policy, records, releases};
use kinmu_shared::api::{Admission, CheckInAnswer, ClientCheckIn, ClientEventReport, UpdatePolicyChange};
use kinmu_shared::update_policy::{ClientProgram, InstallKind, LogCategory, StartupMode, UpdateEvent, UpdatePolicy};
use serde_json::{Value, json};
use test_databases::{postgres_url, sqlite_url};

const PASSWORD: &str = "Blue-Harbor-58";

async fn server(url: &DatabaseUrl, connections: u32) -> (Router, Db, SharedState) {
    let db = Db::open(url, connections).await.expect("database opens");
    let state = AppState::new(
        db.clone(),
        ServerOptions { base_path: String::new(), ui_dir: None, secure_cookies: false, output_roots: test_output_roots(), updates: None },
    )
    .await
    .unwrap();
    (kinmu::http::router(Arc::clone(&state)), db, state)
}

fn policy_json(mode: &str, limit: i64) -> Value {
    json!({"startup_mode": mode, "concurrency_limit": limit, "message": "サーバーを更新しました / The server was updated",
           "new_installs_allowed": true, "service_paused": false, "system_log_enabled": true, "retention_days": 365})
}

async fn set_policy(db: &Db, policy: UpdatePolicy) {
    policy::save(db, &Actor::Operator, UpdatePolicyChange { policy, password: String::new() }, kinmu::now()).await.unwrap();
}

fn check_in_body(id: &str, secret: Option<&str>, version: Option<&str>, wants_update: bool, slot: Option<&str>) -> Value {
    serde_json::to_value(ClientCheckIn {
        client_id: id.into(),
        client_secret: secret.map(str::to_string),
        host: format!("PC-{id}"),
        user: "OSAKA\\sato".into(),
        program: ClientProgram::Updater,
        platform: "windows-x86_64".into(),
        version: version.map(str::to_string),
        updater_version: version.map(str::to_string),
        wants_update,
        repair: false,
        slot_token: slot.map(str::to_string),
    })
    .unwrap()
}

/// Records release `version` of `platform` in the releases' catalog (its files are not part of
/// these tests: nothing is signed) and offers it to the platform's clients, as `OfferRelease` does.
async fn offer_release(db: &Db, platform: &str, version: &str) -> i64 {
    let id = releases::catalog::record(db, version, platform, None, kinmu::now(), &[]).await.unwrap();
    releases::offer(db, &Actor::Operator, id).await.unwrap();
    id
}

fn event_body(id: &str, secret: &str, request_id: &str, event: UpdateEvent) -> Value {
    serde_json::to_value(ClientEventReport {
        client_id: id.into(),
        client_secret: secret.into(),
        request_id: request_id.into(),
        module: "ui".into(),
        install_kind: InstallKind::Differential,
        from_version: Some("1.0".into()),
        to_version: "2.0".into(),
        event,
        update_id: None,
    })
    .unwrap()
}

async fn policy_needs_the_permission_and_the_password(app: Router) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let shown = admin.get("/updates/policy").await;
    expect(&shown, 200, None);
    assert_eq!(shown.body["policy"]["concurrency_limit"], 15, "the seed's default: {}", shown.text);
    assert_eq!(shown.body["policy"]["startup_mode"], "mandatory");

    // Without the password, with a wrong one: refused at the password, nothing changed.
    let no_password = admin.send("PUT", "/updates/policy", json!({"policy": policy_json("refuse_start", 3), "password": ""})).await;
    expect(&no_password, 422, Some("validation"));
    assert_eq!(no_password.body["field"], "password");
    let wrong =
        admin.send("PUT", "/updates/policy", json!({"policy": policy_json("refuse_start", 3), "password": "not-my-password"})).await;
    expect(&wrong, 422, Some("validation"));
    assert_eq!(wrong.body["field"], "password");
    assert_eq!(admin.get("/updates/policy").await.body["policy"]["startup_mode"], "mandatory");
    // A bad setting names its field.
    let bad = admin.send("PUT", "/updates/policy", json!({"policy": policy_json("optional", 0), "password": ADMIN_PASSWORD})).await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "concurrency_limit");
    let saved = admin.send("PUT", "/updates/policy", json!({"policy": policy_json("optional", 20), "password": ADMIN_PASSWORD})).await;
    expect(&saved, 200, None);
    assert_eq!(
        (saved.body["policy"]["startup_mode"].as_str(), saved.body["policy"]["concurrency_limit"].as_i64()),
        (Some("optional"), Some(20))
    );

    // Without the permission: refused whatever the password.
    let hr = admin.send("POST", "/roles", json!({"name": "HR", "permissions": ["users.manage"]})).await;
    let updaters = admin.send("POST", "/roles", json!({"name": "Updates", "permissions": ["updates.manage"]})).await;
    for (login, role) in [("hr", &hr), ("keeper", &updaters), ("keeper2", &updaters)] {
        let u = admin
            .send("POST", "/users", json!({"login": login, "display_name": login, "role_id": role.body["id"], "password": PASSWORD}))
            .await;
        expect(&u, 201, None);
    }
    let mut hr = Client::new(&app);
    expect(&hr.login("hr", PASSWORD).await, 200, None);
    expect(
        &hr.send("PUT", "/updates/policy", json!({"policy": policy_json("refuse_start", 3), "password": PASSWORD})).await,
        403,
        Some("forbidden"),
    );
    expect(&hr.get("/updates/policy").await, 403, Some("forbidden"));
    // With it: one's own password counts, not another's.
    let mut keeper = Client::new(&app);
    expect(&keeper.login("keeper", PASSWORD).await, 200, None);
    let other = keeper.send("PUT", "/updates/policy", json!({"policy": policy_json("refuse_start", 3), "password": ADMIN_PASSWORD})).await;
    expect(&other, 422, Some("validation"));
    expect(
        &keeper.send("PUT", "/updates/policy", json!({"policy": policy_json("refuse_start", 3), "password": PASSWORD})).await,
        200,
        None,
    );
    // Guessing the password here meets the login lock: the fifth wrong one locks.
    let mut keeper2 = Client::new(&app);
    expect(&keeper2.login("keeper2", PASSWORD).await, 200, None);
    for _ in 0..4 {
        let a = keeper2.send("PUT", "/updates/policy", json!({"policy": policy_json("optional", 3), "password": "guess-guess"})).await;
        expect(&a, 422, Some("validation"));
    }
    let locked = keeper2.send("PUT", "/updates/policy", json!({"policy": policy_json("optional", 3), "password": "guess-guess"})).await;
    expect(&locked, 423, Some("account_locked"));
    let after = keeper2.send("PUT", "/updates/policy", json!({"policy": policy_json("optional", 3), "password": PASSWORD})).await;
    expect(&after, 423, Some("account_locked"));
    assert_eq!(admin.get("/updates/policy").await.body["policy"]["startup_mode"], "refuse_start");
}

#[tokio::test]
async fn the_policy_needs_the_permission_and_the_password_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db, _) = server(&sqlite_url(&dir), 5).await;
    policy_needs_the_permission_and_the_password(app).await;
}

#[tokio::test]
async fn the_policy_needs_the_permission_and_the_password_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db, _) = server(&url, 5).await;
    policy_needs_the_permission_and_the_password(app).await;
}

async fn decisions_reach_clients(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let mut pc = Client::new(&app);
    // Nothing offered: a normal start, and the client is registered with a secret.
    let first = pc.send("POST", "/updates/check", check_in_body("client-0001", None, Some("1.0"), false, None)).await;
    expect(&first, 200, None);
    assert_eq!(first.body["decision"], "start_normally", "{}", first.text);
    let secret = first.body["client_secret"].as_str().expect("a secret on the first check-in").to_string();
    let secret = Some(secret.as_str());
    // The id without its secret does not pass for the client.
    let stolen = pc.send("POST", "/updates/check", check_in_body("client-0001", None, Some("1.0"), false, None)).await;
    expect(&stolen, 409, Some("conflict"));
    assert_eq!(stolen.body["field"], "client_secret");

    // A release published for the platform but not offered: still nothing pending.
    let not_offered = releases::catalog::record(&db, "2.0", "windows-x86_64", None, kinmu::now(), &[]).await.unwrap();
    let a = pc.send("POST", "/updates/check", check_in_body("client-0001", secret, Some("1.0"), false, None)).await;
    assert_eq!((a.body["decision"].as_str(), a.body["offered_version"].as_str()), (Some("start_normally"), None), "{}", a.text);
    // Offered on another platform only: still nothing pending for this one.
    offer_release(&db, "linux-x86_64", "3.0").await;
    let a = pc.send("POST", "/updates/check", check_in_body("client-0001", secret, Some("1.0"), false, None)).await;
    assert_eq!((a.body["decision"].as_str(), a.body["offered_version"].as_str()), (Some("start_normally"), None), "{}", a.text);
    // Offered on the client's platform: the update is pending, to that release.
    releases::offer(&db, &Actor::Operator, not_offered).await.unwrap();
    let a = pc.send("POST", "/updates/check", check_in_body("client-0001", secret, Some("1.0"), false, None)).await;
    assert_eq!((a.body["decision"].as_str(), a.body["offered_version"].as_str()), (Some("update_before_start"), Some("2.0")), "{}", a.text);
    let mut linux = request("linux-pc-01", None, false, None);
    linux.platform = "linux-x86_64".into();
    let a = pc.send("POST", "/updates/check", serde_json::to_value(&linux).unwrap()).await;
    assert_eq!(a.body["offered_version"], "3.0", "the release offered for its own platform: {}", a.text);
    // The policy shows the release offered on each platform, from the releases' catalog.
    let shown = admin.get("/updates/policy").await;
    expect(&shown, 200, None);
    let offered: Vec<(&str, &str)> = shown.body["offered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["platform"].as_str().unwrap(), r["version"].as_str().unwrap()))
        .collect();
    assert_eq!(offered, [("linux-x86_64", "3.0"), ("windows-x86_64", "2.0")], "{}", shown.text);
    assert!(shown.body.get("offered_version").is_none() && shown.body["policy"].get("offered_version").is_none(), "{}", shown.text);
    let message = "サーバーを更新しました / The server was updated";
    let decision = |mode: StartupMode, installs: bool, paused: bool| UpdatePolicy {
        startup_mode: mode,
        message: message.into(),
        new_installs_allowed: installs,
        service_paused: paused,
        ..Default::default()
    };
    let cases = [
        (decision(StartupMode::Mandatory, true, false), "update_before_start"),
        (decision(StartupMode::Optional, true, false), "offer_update"),
        (decision(StartupMode::RefuseStart, true, false), "refuse_start"),
        (decision(StartupMode::Mandatory, true, true), "update_service_paused"),
        (decision(StartupMode::Optional, true, true), "start_normally"),
        (decision(StartupMode::Mandatory, false, false), "update_before_start"),
    ];
    for (p, expected) in cases {
        set_policy(&db, p.clone()).await;
        let a = pc.send("POST", "/updates/check", check_in_body("client-0001", secret, Some("1.0"), false, None)).await;
        expect(&a, 200, None);
        assert_eq!(a.body["decision"], expected, "{p:?}: {}", a.text);
        assert_eq!(a.body["message"], message, "the administrator's message in every mode");
        assert!(a.body["client_secret"].is_null(), "the secret is given once");
    }
    // Up to date: a normal start in both update modes.
    set_policy(&db, decision(StartupMode::Mandatory, true, false)).await;
    let current = pc.send("POST", "/updates/check", check_in_body("client-0001", secret, Some("2.0"), false, None)).await;
    assert_eq!(current.body["decision"], "start_normally", "{}", current.text);
    // New installs forbidden: an unknown client may not install, and is not registered.
    set_policy(&db, decision(StartupMode::Optional, false, false)).await;
    let stranger = pc.send("POST", "/updates/check", check_in_body("stranger-01", None, None, true, None)).await;
    expect(&stranger, 200, None);
    assert_eq!(stranger.body["decision"], "install_not_allowed", "{}", stranger.text);
    assert!(stranger.body["client_secret"].is_null() && stranger.body["admission"].is_null(), "{}", stranger.text);
    let listed = admin.get("/updates/clients").await;
    expect(&listed, 200, None);
    let ids: Vec<&str> = listed.body["clients"].as_array().unwrap().iter().map(|c| c["client_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["client-0001", "linux-pc-01"], "{}", listed.text);
    assert_eq!(listed.body["clients"][0]["version"], "2.0");
    // Allowed again: a new install, kind "new", admitted straight away.
    set_policy(&db, decision(StartupMode::Mandatory, true, false)).await;
    let fresh = pc.send("POST", "/updates/check", check_in_body("newcomer-1", None, None, true, None)).await;
    assert_eq!(fresh.body["decision"], "update_before_start", "{}", fresh.text);
    assert_eq!(fresh.body["install_kind"], "new");
    assert_eq!(fresh.body["admission"]["state"], "admitted", "{}", fresh.text);
    assert!(fresh.body["admission"]["slot_token"].is_string());
    // An updater older than the release updates itself first.
    let mut updater = request("newcomer-1", Some(fresh.body["client_secret"].as_str().unwrap()), false, None);
    updater.updater_version = Some("1.0".into());
    let first = pc.send("POST", "/updates/check", serde_json::to_value(&updater).unwrap()).await;
    assert_eq!(first.body["install_kind"], "updater_first", "{}", first.text);
    // Bad input names its field.
    let bad = pc.send("POST", "/updates/check", check_in_body("x", None, None, false, None)).await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "client_id");
    let bad = pc.send("POST", "/updates/check", check_in_body("client-0002", None, Some("v2"), false, None)).await;
    assert_eq!(bad.body["field"], "version", "{}", bad.text);
    let mut no_platform = check_in_body("client-0002", None, Some("1.0"), false, None);
    no_platform.as_object_mut().unwrap().remove("platform");
    let bad = pc.send("POST", "/updates/check", no_platform).await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "platform", "{}", bad.text);
    let mut odd = request("client-0002", None, false, None);
    odd.platform = "Windows 11".into();
    let bad = pc.send("POST", "/updates/check", serde_json::to_value(&odd).unwrap()).await;
    expect(&bad, 422, Some("validation"));
    assert_eq!(bad.body["field"], "platform", "{}", bad.text);

    // The policy travels in the settings file (`kinmu settings export|import`), checked like the rest.
    let text = kinmu::settings_file::export(&db).await.unwrap();
    assert!(text.contains("[update_policy]") && text.contains("concurrency_limit = 15"), "{text}");
    let roots = kinmu::attendance::output_roots::OutputRoots::default();
    let bad = text.replace("concurrency_limit = 15", "concurrency_limit = 0");
    match kinmu::settings_file::import(&db, &bad, &roots, kinmu::now()).await {
        Err(kinmu::error::Error::Invalid(f)) => assert_eq!(f.field, "update_policy.concurrency_limit"),
        other => panic!("must be refused: {other:?}"),
    }
    let edited = text
        .replace("concurrency_limit = 15", "concurrency_limit = 7")
        .replace("startup_mode = \"mandatory\"", "startup_mode = \"optional\"");
    kinmu::settings_file::import(&db, &edited, &roots, kinmu::now()).await.unwrap();
    let p = policy::load(&db.pool).await.unwrap();
    assert_eq!((p.concurrency_limit, p.startup_mode), (7, StartupMode::Optional));
}

#[tokio::test]
async fn the_start_up_decision_reaches_clients_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db, _) = server(&sqlite_url(&dir), 5).await;
    decisions_reach_clients(app, db).await;
}

#[tokio::test]
async fn the_start_up_decision_reaches_clients_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db, _) = server(&url, 5).await;
    decisions_reach_clients(app, db).await;
}

/// Spearman's rank correlation of two orders of the same items (each a permutation of ranks).
fn rank_correlation(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as f64;
    let d2: f64 = a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

/// The ranks (0-based) of `values`.
fn ranks<T: Ord>(values: &[T]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].cmp(&values[*b]));
    let mut out = vec![0; values.len()];
    for (rank, i) in order.into_iter().enumerate() {
        out[i] = rank;
    }
    out
}

const CLIENTS: usize = 50;
const LIMIT: i64 = 15;
const SEED: u64 = 20_261_205;

/// What one simulated client saw.
struct Seen {
    /// Its place among the clients that got a "waiting" answer first (None: admitted at once).
    arrived: Option<usize>,
    /// Its place among all admissions.
    admitted: usize,
}

async fn simulated_client(app: Router, i: usize, start: Arc<tokio::sync::Barrier>, counters: Arc<Counters>) -> Seen {
    let mut c = Client::new(&app);
    let id = format!("sim-client-{i:03}");
    let hello = c.send("POST", "/updates/check", check_in_body(&id, None, Some("1.0"), false, None)).await;
    assert_eq!(hello.body["decision"], "update_before_start", "{}", hello.text);
    let secret = hello.body["client_secret"].as_str().unwrap().to_string();
    start.wait().await;
    let mut arrived = None;
    let mut slot: Option<String> = None;
    let admitted = loop {
        let a = c.send("POST", "/updates/check", check_in_body(&id, Some(&secret), Some("1.0"), true, slot.as_deref())).await;
        expect(&a, 200, None);
        match serde_json::from_value::<Admission>(a.body["admission"].clone()).unwrap() {
            Admission::Waiting { position, waiting, limit } => {
                assert!(position >= 1 && position <= waiting && limit == LIMIT, "{}", a.text);
                if arrived.is_none() {
                    arrived = Some(counters.arrivals.fetch_add(1, Ordering::SeqCst));
                }
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
            Admission::Admitted { slot_token, .. } => {
                slot = slot_token;
                break counters.admissions.fetch_add(1, Ordering::SeqCst);
            }
        }
    };
    assert!(slot.is_some(), "the slot's token is handed over with it");
    // Hold the slot while "downloading"; the first admitted hold theirs until every client has
    // joined the queue, so that all waiters are drawn among.
    let now_holding = counters.holding.fetch_add(1, Ordering::SeqCst) + 1;
    counters.most_holding.fetch_max(now_holding as i64, Ordering::SeqCst);
    let report = |n: usize, event: UpdateEvent| event_body(&id, &secret, &format!("{id}-event-{n}"), event);
    expect(&c.send("POST", "/updates/events", report(1, UpdateEvent::DownloadStarted)).await, 200, None);
    while counters.arrivals.load(Ordering::SeqCst) < CLIENTS - LIMIT as usize {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    counters.holding.fetch_sub(1, Ordering::SeqCst);
    expect(&c.send("POST", "/updates/events", report(2, UpdateEvent::DownloadEnded { bytes: 1_000 })).await, 200, None);
    expect(&c.send("POST", "/updates/events", report(3, UpdateEvent::Applied)).await, 200, None);
    expect(&c.send("POST", "/updates/events", report(4, UpdateEvent::StartedHealthy)).await, 200, None);
    Seen { arrived, admitted }
}

#[derive(Default)]
struct Counters {
    arrivals: AtomicUsize,
    admissions: AtomicUsize,
    holding: AtomicUsize,
    most_holding: AtomicI64,
}

async fn fifty_clients_against_fifteen(app: Router, db: Db, state: SharedState) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    offer_release(&db, "windows-x86_64", "2.0").await;
    set_policy(&db, UpdatePolicy { concurrency_limit: LIMIT, ..Default::default() }).await;
    state.update_draws.reseed(SEED);

    // The database's own count of slots, watched throughout.
    let watching = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let most_in_db = Arc::new(AtomicI64::new(0));
    let watcher = {
        let (db, watching, most) = (db.clone(), Arc::clone(&watching), Arc::clone(&most_in_db));
        tokio::spawn(async move {
            while watching.load(Ordering::SeqCst) {
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM update_transfers WHERE state = 'admitted'").fetch_one(&db.pool).await.unwrap();
                most.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
    };
    let counters = Arc::new(Counters::default());
    let start = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let began = std::time::Instant::now();
    let tasks: Vec<_> =
        (0..CLIENTS).map(|i| tokio::spawn(simulated_client(app.clone(), i, Arc::clone(&start), Arc::clone(&counters)))).collect();
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(tokio::time::timeout(std::time::Duration::from_secs(120), t).await.expect("every client finishes").unwrap());
    }
    watching.store(false, Ordering::SeqCst);
    watcher.await.unwrap();
    let most_held = counters.most_holding.load(Ordering::SeqCst);
    let most_db = most_in_db.load(Ordering::SeqCst);
    println!(
        "{CLIENTS} clients, limit {LIMIT}: all done in {:?}; most holding a slot at once: {most_held} (clients), {most_db} (database)",
        began.elapsed()
    );
    assert!(most_held <= LIMIT && most_db <= LIMIT, "never more than the limit: {most_held} / {most_db}");
    assert_eq!(most_held, LIMIT, "the limit is used in full");

    // Every client finished: a normal record each, its version now 2.0, no slot left.
    let list = admin.get("/updates/records?limit=1000").await;
    assert_eq!(list.body["total"], CLIENTS as i64, "{}", list.text);
    assert!(list.body["records"].as_array().unwrap().iter().all(|r| r["result"] == "normal" && r["ended_at"].is_i64()), "{}", list.text);
    let clients = admin.get("/updates/clients").await;
    assert!(
        clients.body["clients"].as_array().unwrap().iter().all(|c| c["version"] == "2.0" && c["transfer"].is_null()),
        "{}",
        clients.text
    );
    assert_eq!((clients.body["admitted"].as_i64(), clients.body["waiting"].as_i64()), (Some(0), Some(0)));

    // The waiters' admission order against their arrival order. With this seed the draw keys of
    // the 16th to 50th clients to join are nearly uncorrelated with their arrival (computed, not
    // assumed); first-come admission would make the two orders the same (correlation 1).
    let waiters: Vec<&Seen> = seen.iter().filter(|s| s.arrived.is_some()).collect();
    assert_eq!(waiters.len(), CLIENTS - LIMIT as usize);
    let arrival = ranks(&waiters.iter().map(|s| s.arrived.unwrap()).collect::<Vec<_>>());
    let admission = ranks(&waiters.iter().map(|s| s.admitted).collect::<Vec<_>>());
    let observed = rank_correlation(&arrival, &admission);
    let draws = clients::Draws::seeded(SEED);
    let keys: Vec<i64> = (0..CLIENTS).map(|_| draws.next_key()).skip(LIMIT as usize).collect();
    let drawn = rank_correlation(&(0..keys.len()).collect::<Vec<_>>(), &ranks(&keys));
    println!("rank correlation of arrival and admission: {observed:.2} (of arrival and draw keys: {drawn:.2}; first-come: 1.00)");
    assert!(drawn.abs() < 0.3, "the seed gives a shuffled order: {drawn:.2}");
    assert_eq!(rank_correlation(&arrival, &arrival), 1.0, "first-come would score 1");
    assert!(observed < 0.6, "waiting clients are not admitted first-come: correlation {observed:.2}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_never_exceed_a_limit_of_fifteen_and_wait_in_random_order_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db, state) = server(&sqlite_url(&dir), 8).await;
    fifty_clients_against_fifteen(app, db, state).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_never_exceed_a_limit_of_fifteen_and_wait_in_random_order_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db, state) = server(&url, 8).await;
    fifty_clients_against_fifteen(app, db, state).await;
}

fn secret_of(a: &CheckInAnswer) -> String {
    a.client_secret.clone().expect("a secret on the first check-in")
}

fn request(id: &str, secret: Option<&str>, wants_update: bool, slot: Option<&str>) -> ClientCheckIn {
    serde_json::from_value(check_in_body(id, secret, Some("1.0"), wants_update, slot)).unwrap()
}

fn report(id: &str, secret: &str, request_id: &str, event: UpdateEvent) -> ClientEventReport {
    serde_json::from_value(event_body(id, secret, request_id, event)).unwrap()
}

/// Slots expire unless renewed; events count once; results as the seed defines; retention.
async fn records_and_leases(app: Router, db: Db) {
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    offer_release(&db, "windows-x86_64", "2.0").await;
    set_policy(&db, UpdatePolicy { concurrency_limit: 1, ..Default::default() }).await;
    let draws = clients::Draws::seeded(1);
    let t0 = kinmu::now();

    // A holds the only slot; B waits; A stops renewing: after the lease B gets it.
    let a = clients::check_in(&db, request("client-a-01", None, true, None), t0, &draws, clients::SLOT_SECONDS).await.unwrap();
    let sa = secret_of(&a);
    let Some(Admission::Admitted { slot_token: Some(token_a), expires_at }) = a.admission else { panic!("{a:?}") };
    assert_eq!(expires_at, t0 + clients::SLOT_SECONDS);
    records::report_event(&db, report("client-a-01", &sa, "a-started-1", UpdateEvent::DownloadStarted), t0).await.unwrap();
    let b = clients::check_in(&db, request("client-b-01", None, true, None), t0, &draws, clients::SLOT_SECONDS).await.unwrap();
    let sb = secret_of(&b);
    assert_eq!(b.admission, Some(Admission::Waiting { position: 1, waiting: 1, limit: 1 }));
    // A renews within the lease: B still waits.
    assert_eq!(clients::slot_holder(&db, &token_a, t0 + 1).await.unwrap().as_deref(), Some("client-a-01"), "A may transfer");
    assert_eq!(clients::slot_holder(&db, "not-a-token", t0 + 1).await.unwrap(), None);
    let renewed = clients::check_in(&db, request("client-a-01", Some(&sa), true, Some(&token_a)), t0 + 50, &draws, clients::SLOT_SECONDS)
        .await
        .unwrap();
    assert_eq!(renewed.admission, Some(Admission::Admitted { slot_token: None, expires_at: t0 + 50 + clients::SLOT_SECONDS }));
    let still =
        clients::check_in(&db, request("client-b-01", Some(&sb), true, None), t0 + 55, &draws, clients::SLOT_SECONDS).await.unwrap();
    assert!(matches!(still.admission, Some(Admission::Waiting { .. })), "{still:?}");
    // Then A goes silent.
    let later = t0 + 50 + clients::SLOT_SECONDS;
    assert_eq!(clients::slot_holder(&db, &token_a, later).await.unwrap(), None, "an expired slot transfers nothing");
    let b_in = clients::check_in(&db, request("client-b-01", Some(&sb), true, None), later, &draws, clients::SLOT_SECONDS).await.unwrap();
    let Some(Admission::Admitted { slot_token: Some(token_b), .. }) = b_in.admission else { panic!("{b_in:?}") };
    assert_eq!(clients::slot_holder(&db, &token_b, later).await.unwrap().as_deref(), Some("client-b-01"));
    // While the service is paused no slot transfers.
    set_policy(&db, UpdatePolicy { concurrency_limit: 1, service_paused: true, ..Default::default() }).await;
    assert_eq!(clients::slot_holder(&db, &token_b, later).await.unwrap(), None);
    set_policy(&db, UpdatePolicy { concurrency_limit: 1, ..Default::default() }).await;
    let rec = admin.get("/updates/records?q=client-a").await;
    assert_eq!(rec.body["records"][0]["result"], "failed", "{}", rec.text);
    assert_eq!(rec.body["records"][0]["reason"], "slot_expired", "{}", rec.text);
    let log = admin.get("/updates/log?level=error").await;
    assert_eq!(log.body["entries"][0]["category"], "slot_expired", "{}", log.text);

    // B: a warning, retried: counted once; it ends "abnormal" (seed III.5 (3)).
    let b_started =
        records::report_event(&db, report("client-b-01", &sb, "b-started-1", UpdateEvent::DownloadStarted), later).await.unwrap();
    let warning = UpdateEvent::Warning { category: LogCategory::DownloadErrorIgnored, reason: "lang/fr.json missing on the server".into() };
    let first = records::report_event(&db, report("client-b-01", &sb, "b-warning-1", warning.clone()), later).await.unwrap();
    let again = records::report_event(&db, report("client-b-01", &sb, "b-warning-1", warning), later).await.unwrap();
    assert!(first.recorded && !again.recorded, "{first:?} / {again:?}");
    assert_eq!((first.record_id, again.record_id), (b_started.record_id, b_started.record_id));
    let healthy = UpdateEvent::StartedHealthy;
    records::report_event(&db, report("client-b-01", &sb, "b-healthy-1", healthy.clone()), later + 5).await.unwrap();
    let retried = records::report_event(&db, report("client-b-01", &sb, "b-healthy-1", healthy), later + 6).await.unwrap();
    assert!(!retried.recorded);
    let rec = admin.get("/updates/records?q=client-b").await;
    let b_record = &rec.body["records"][0];
    assert_eq!((b_record["result"].as_str(), b_record["warnings"].as_i64()), (Some("abnormal"), Some(1)), "{}", rec.text);
    assert_eq!(b_record["reason"], "lang/fr.json missing on the server");
    assert_eq!(b_record["ended_at"], later + 5);
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM update_events WHERE client_id = 'client-b-01'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(events, 3, "the retried reports were not stored again");
    let warnings = admin.get("/updates/log?level=warning").await;
    assert_eq!(warnings.body["total"], 1, "{}", warnings.text);

    // C fails (rolled back): "failed" with its reason; a filter finds it; a wrong secret is refused.
    set_policy(&db, UpdatePolicy { concurrency_limit: 5, ..Default::default() }).await;
    let c = clients::check_in(&db, request("client-c-01", None, true, None), later, &draws, clients::SLOT_SECONDS).await.unwrap();
    let sc = secret_of(&c);
    records::report_event(&db, report("client-c-01", &sc, "c-started-1", UpdateEvent::DownloadStarted), later).await.unwrap();
    records::report_event(&db, report("client-c-01", &sc, "c-applied-1", UpdateEvent::Applied), later + 1).await.unwrap();
    let back = UpdateEvent::RolledBack { reason: "version 2.0 did not report healthy within 60 s".into() };
    records::report_event(&db, report("client-c-01", &sc, "c-back-1", back), later + 70).await.unwrap();
    let failed = admin.get("/updates/records?result=failed").await;
    let hosts: Vec<&str> = failed.body["records"].as_array().unwrap().iter().map(|r| r["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["PC-client-c-01", "PC-client-a-01"], "{}", failed.text);
    assert_eq!(failed.body["records"][0]["reason"], "version 2.0 did not report healthy within 60 s");
    let forged = records::report_event(&db, report("client-c-01", &sb, "c-forged-1", UpdateEvent::StartedHealthy), later + 80).await;
    assert!(forged.is_err(), "another client's secret is refused");

    // CSV: UTF-8 with BOM by default, Shift_JIS on request; every record once.
    let csv = admin.get("/updates/records/export").await;
    expect(&csv, 200, None);
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
    let text = String::from_utf8(csv.bytes[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 1 + 3, "{text}");
    assert!(text.lines().next().unwrap().starts_with("id,client_id,host"), "{text}");
    let sjis = admin.get("/updates/records/export?encoding=shift_jis&result=failed").await;
    expect(&sjis, 200, None);
    assert!(!sjis.bytes.starts_with(b"\xEF\xBB\xBF"));
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!bad && decoded.lines().count() == 3, "{decoded}");

    // Retention: with 30 days kept, records that ended before are deleted, with their log.
    let old = t0 - 40 * 86_400;
    let d = clients::check_in(&db, request("client-d-01", None, true, None), old, &draws, clients::SLOT_SECONDS).await.unwrap();
    let sd = secret_of(&d);
    records::report_event(&db, report("client-d-01", &sd, "d-started-1", UpdateEvent::DownloadStarted), old).await.unwrap();
    records::report_event(&db, report("client-d-01", &sd, "d-healthy-1", UpdateEvent::StartedHealthy), old + 60).await.unwrap();
    assert_eq!(admin.get("/updates/records").await.body["total"], 4);
    set_policy(&db, UpdatePolicy { retention_days: 30, ..Default::default() }).await;
    let purged = records::purge(&db, kinmu::now()).await.unwrap();
    assert_eq!((purged.records, purged.log_entries, purged.events), (1, 2, 2), "{purged:?}");
    let left = admin.get("/updates/records").await;
    assert_eq!(left.body["total"], 3, "{}", left.text);
    assert!(left.body["records"].as_array().unwrap().iter().all(|r| r["client_id"] != "client-d-01"));
}

#[tokio::test]
async fn slots_expire_events_count_once_and_records_follow_the_seed_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, db, _) = server(&sqlite_url(&dir), 5).await;
    records_and_leases(app, db).await;
}

#[tokio::test]
async fn slots_expire_events_count_once_and_records_follow_the_seed_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, db, _) = server(&url, 5).await;
    records_and_leases(app, db).await;
}

/// The next `clients` event of a live view, or None when the stream ended.
async fn next_clients_event(body: &mut axum::body::Body, pending: &mut String) -> Option<Value> {
    use http_body_util::BodyExt;
    loop {
        while let Some(end) = pending.find("\n\n") {
            let block: String = pending.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: clients") {
                let data: String = block.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                return Some(serde_json::from_str(&data).unwrap());
            }
        }
        let frame = body.frame().await?.unwrap();
        if let Ok(data) = frame.into_data() {
            pending.push_str(std::str::from_utf8(&data).unwrap());
        }
    }
}

/// The live view streams the clients when they change, and ends with the session.
async fn live_view(app: Router) {
    use tower::ServiceExt;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    let request = axum::http::Request::get("/api/v1/updates/clients/live")
        .header(axum::http::header::COOKIE, admin.cookie.clone().unwrap())
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[axum::http::header::CONTENT_TYPE], "text/event-stream");
    let mut body = response.into_body();
    let mut pending = String::new();
    let wait = std::time::Duration::from_secs(15);
    let first = tokio::time::timeout(wait, next_clients_event(&mut body, &mut pending)).await.unwrap().unwrap();
    assert_eq!(first["clients"], json!([]), "{first}");
    let mut pc = Client::new(&app);
    expect(&pc.send("POST", "/updates/check", check_in_body("live-client-1", None, Some("1.0"), false, None)).await, 200, None);
    let second = tokio::time::timeout(wait, next_clients_event(&mut body, &mut pending)).await.unwrap().unwrap();
    assert_eq!(second["clients"][0]["client_id"], "live-client-1", "{second}");
    assert_eq!(second["clients"][0]["program"], "updater");
    // Logged out: the stream ends.
    expect(&admin.send("POST", "/auth/logout", json!({})).await, 204, None);
    let end = tokio::time::timeout(wait, next_clients_event(&mut body, &mut pending)).await.expect("the stream ends with the session");
    assert!(end.is_none(), "{end:?}");
}

#[tokio::test]
async fn the_live_view_follows_the_clients_and_ends_with_the_session_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _db, _) = server(&sqlite_url(&dir), 5).await;
    live_view(app).await;
}

#[tokio::test]
async fn the_live_view_follows_the_clients_and_ends_with_the_session_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _db, _) = server(&url, 5).await;
    live_view(app).await;
}

/// One request over a real connection: the status, `Retry-After`, and the JSON body.
async fn post_over_tcp(addr: std::net::SocketAddr, path: &str, body: &Value, headers: &[(&str, &str)]) -> (u16, Option<String>, Value) {
    use http_body_util::BodyExt;
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let mut req = axum::http::Request::post(format!("http://{addr}/api/v1{path}"))
        .header("content-type", "application/json")
        .header(kinmu_shared::CSRF_HEADER, "1");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = http.request(req.body(http_body_util::Full::new(bytes::Bytes::from(body.to_string()))).unwrap()).await.unwrap();
    let status = resp.status().as_u16();
    let retry = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, retry, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The public update routes are counted per client address, over real connections (the peer's
/// address reaches the handlers as `ConnectInfo`): past the rate, 429 `rate_limited` with
/// `Retry-After`, check-ins and event reports alike; another address is not held back;
/// `X-Forwarded-For` counts only from a trusted proxy; 0 counts nothing (the benchmark's setting).
async fn check_ins_are_counted_per_client_address(app: Router, state: SharedState) {
    use kinmu::http::ClientRateSettings;
    let mut admin = Client::new(&app);
    setup(&mut admin).await;
    state.set_client_rate(ClientRateSettings { per_minute: 3, trusted_proxies: Vec::new() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kinmu::http::serve_on(listener, app, kinmu::http::ConnectionTimeouts::default(), async move {
        let _ = stopped.await;
    }));

    let body = check_in_body("rate-client-01", None, Some("1.0"), false, None);
    let mut secret = None;
    for i in 0..3 {
        let (status, _, answer) = post_over_tcp(addr, "/updates/check", &body_with_secret(&body, secret.as_deref()), &[]).await;
        assert_eq!(status, 200, "check-in {i}: {answer}");
        secret = secret.or(answer["client_secret"].as_str().map(str::to_string));
    }
    let secret = secret.expect("the first check-in gave a secret");
    let (status, retry, answer) = post_over_tcp(addr, "/updates/check", &body_with_secret(&body, Some(&secret)), &[]).await;
    assert_eq!((status, answer["code"].as_str()), (429, Some("rate_limited")), "{answer}");
    let wait: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert!(answer["message"].as_str().unwrap().contains("update_requests_per_minute"), "names the setting: {answer}");
    let event = event_body("rate-client-01", &secret, "rate-event-0001", UpdateEvent::Checked);
    let (status, _, answer) = post_over_tcp(addr, "/updates/events", &event, &[("accept-language", "ja")]).await;
    assert_eq!((status, answer["code"].as_str()), (429, Some("rate_limited")), "event reports are counted too: {answer}");
    assert!(answer["message"].as_str().unwrap().contains("リクエストが多すぎます"), "in the caller's language: {answer}");
    // Anyone can write X-Forwarded-For: from a peer that is no trusted proxy it changes nothing.
    let (status, _, _) = post_over_tcp(addr, "/updates/events", &event, &[("x-forwarded-for", "203.0.113.9")]).await;
    assert_eq!(status, 429, "X-Forwarded-For is not believed by default");

    // Behind a trusted proxy (here 127.0.0.1), each forwarded address has its own count.
    state.set_client_rate(ClientRateSettings { per_minute: 3, trusted_proxies: vec!["127.0.0.1".parse().unwrap()] });
    for i in 0..3 {
        let (status, _, answer) = post_over_tcp(addr, "/updates/events", &event, &[("x-forwarded-for", "203.0.113.9")]).await;
        assert_eq!(status, 200, "report {i} from 203.0.113.9: {answer}");
        assert_eq!(answer["recorded"], i == 0, "the refused sends were not recorded; the first that passed was, once: {answer}");
    }
    let (status, _, _) = post_over_tcp(addr, "/updates/events", &event, &[("x-forwarded-for", "203.0.113.9")]).await;
    assert_eq!(status, 429);
    let (status, _, answer) = post_over_tcp(addr, "/updates/events", &event, &[("x-forwarded-for", "1.2.3.4, 203.0.113.10")]).await;
    assert_eq!(status, 200, "another client behind the proxy is not held back (the address it wrote itself is not used): {answer}");

    // 0 counts nothing.
    state.set_client_rate(ClientRateSettings { per_minute: 0, trusted_proxies: Vec::new() });
    for _ in 0..20 {
        let (status, _, answer) = post_over_tcp(addr, "/updates/check", &body_with_secret(&body, Some(&secret)), &[]).await;
        assert_eq!(status, 200, "{answer}");
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

fn body_with_secret(body: &Value, secret: Option<&str>) -> Value {
    let mut b = body.clone();
    if let Some(s) = secret {
        b["client_secret"] = json!(s);
    }
    b
}

#[tokio::test]
async fn check_ins_are_counted_per_client_address_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _, state) = server(&sqlite_url(&dir), 5).await;
    check_ins_are_counted_per_client_address(app, state).await;
}

#[tokio::test]
async fn check_ins_are_counted_per_client_address_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    let (app, _, state) = server(&url, 5).await;
    check_ins_are_counted_per_client_address(app, state).await;
}
