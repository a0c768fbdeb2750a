//! Client releases as a TUF repository, on SQLite and PostgreSQL: what `kinmu release` publishes
//! is read back by tough's own loader through the served URLs (`<base>/updates/…`), and every
//! attack TUF guards against is refused with its reason — a tampered file, tampered metadata,
//! metadata signed by an unknown or a revoked key, expired metadata, a rollback to a lower
//! version — while a client holding an old root walks the chain of rotated roots. Also: the HTTP
//! serving (ranges, ETags, cache headers, no path traversal) and the administrator's routes.

mod api_client;
mod test_databases;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use api_client::{Client, expect, setup};
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use kinmu::accounts::Actor;
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu::http::{AppState, ServerOptions};
use kinmu::updates::clients;
use kinmu::updates::releases::{self, RepositoryDir, RotatedRole};
use kinmu_shared::api::{Admission, ClientCheckIn};
use serde_json::json;
use test_databases::{postgres_url, sqlite_url};
use tough::{IntoVec, RepositoryLoader, TargetName, Transport, TransportError, TransportErrorKind, TransportStream};
use tower::ServiceExt;
use url::Url;

const DAY: i64 = 86_400;

/// tough's transport over the server's router: each URL's path is asked of the router as a GET,
/// with the transfer slot's token (a client checked in for it).
#[derive(Debug, Clone)]
struct Served(Router, String);

#[tough::async_trait]
impl Transport for Served {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        let req = Request::get(url.path()).header("x-kinmu-slot", &self.1).body(Body::empty()).unwrap();
        let resp = self.0.clone().oneshot(req).await.unwrap();
        match resp.status() {
            StatusCode::OK => {
                let bytes = to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .map_err(|e| TransportError::new_with_cause(TransportErrorKind::Other, &url, e))?;
                Ok(Box::pin(futures_util::stream::once(std::future::ready(Ok(bytes)))))
            }
            StatusCode::NOT_FOUND => Err(TransportError::new(TransportErrorKind::FileNotFound, url)),
            other => Err(TransportError::new_with_cause(TransportErrorKind::Other, &url, format!("HTTP {other}"))),
        }
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    db: Db,
    repo: RepositoryDir,
    root_key: PathBuf,
    app: Router,
    slot: std::sync::Mutex<Option<String>>,
}

/// A desktop client of `windows-x86_64` with nothing installed asks for a transfer slot at `now`;
/// the slot's token. A release of the platform must be offered.
async fn check_in_for_slot(db: &Db, client_id: &str, now: i64) -> String {
    let req = ClientCheckIn {
        client_id: client_id.into(),
        host: "PC-RELEASES".into(),
        user: "sato".into(),
        platform: "windows-x86_64".into(),
        wants_update: true,
        ..Default::default()
    };
    let answer = clients::check_in(db, req, now, &clients::Draws::seeded(7), clients::SLOT_SECONDS).await.unwrap();
    match answer.admission {
        Some(Admission::Admitted { slot_token: Some(token), .. }) => token,
        other => panic!("no slot for {client_id}: {other:?} (decision {:?})", answer.decision),
    }
}

impl Fixture {
    async fn new(url: &DatabaseUrl, dir: tempfile::TempDir, now: i64) -> Fixture {
        let db = Db::open(url, 5).await.unwrap();
        let repo = RepositoryDir::in_data_dir(&dir.path().join("data"));
        let root_key = dir.path().join("root.key");
        releases::init_keys(&db, &repo, &root_key, now).await.unwrap();
        let state = AppState::new(
            db.clone(),
            ServerOptions {
                base_path: String::new(),
                ui_dir: None,
                secure_cookies: false,
                output_roots: Default::default(),
                updates: Some(repo.clone()),
            },
        )
        .await
        .unwrap();
        Fixture { app: kinmu::http::router(Arc::clone(&state)), dir, db, repo, root_key, slot: Default::default() }
    }

    /// A release folder: a 300 KB binary and a UI file.
    fn release_files(&self, version: &str) -> PathBuf {
        let src = self.dir.path().join(format!("src-{version}"));
        std::fs::create_dir_all(src.join("ui")).unwrap();
        let binary: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ version.len() as u8).collect();
        std::fs::write(src.join("kinmu-desktop"), binary).unwrap();
        std::fs::write(src.join("ui").join("index.html"), format!("<html>Kinmu {version}</html>")).unwrap();
        src
    }

    async fn publish(&self, version: &str, now: i64) -> kinmu_shared::api::Release {
        let src = self.release_files(version);
        releases::publish(&self.db, &Actor::Operator, &self.repo, &src, version, "windows-x86_64", now).await.unwrap()
    }

    /// A transfer slot's token, for one client checked in once (the newest release of the
    /// platform is offered first when none is).
    async fn slot(&self) -> String {
        if let Some(token) = self.slot.lock().unwrap().clone() {
            return token;
        }
        if releases::catalog::offered(&self.db, "windows-x86_64").await.unwrap().is_none() {
            let newest = releases::catalog::all(&self.db).await.unwrap().into_iter().next().expect("a release is published");
            releases::offer(&self.db, &Actor::Operator, newest.id).await.unwrap();
        }
        let token = check_in_for_slot(&self.db, "release-reader", kinmu::now()).await;
        *self.slot.lock().unwrap() = Some(token.clone());
        token
    }

    fn first_root(&self) -> Vec<u8> {
        std::fs::read(self.repo.metadata().join("1.root.json")).unwrap()
    }

    /// A client: tough's loader from `root`, through the served URLs, with its own cache folder.
    async fn load(&self, root: &[u8], cache: &Path) -> Result<tough::Repository, tough::error::Error> {
        RepositoryLoader::new(
            &root,
            Url::parse("http://kinmu.test/updates/metadata/").unwrap(),
            Url::parse("http://kinmu.test/updates/targets/").unwrap(),
        )
        .transport(Served(self.app.clone(), self.slot().await))
        .datastore(cache)
        .load()
        .await
    }

    fn metadata(&self, name: &str) -> PathBuf {
        self.repo.metadata().join(name)
    }

    /// The file on disk of a target.
    fn target_file(&self, name: &str, sha256: &str) -> PathBuf {
        self.repo.targets().join(releases::repository::hashed_path(name, sha256))
    }
}

async fn read_target(repo: &tough::Repository, name: &str) -> Result<Vec<u8>, String> {
    let stream = repo.read_target(&TargetName::new(name).unwrap()).await.map_err(|e| e.to_string())?.ok_or("no such target")?;
    stream.into_vec().await.map_err(|e| e.to_string())
}

/// Signs a timestamp (the current one's content, next version) with `key`, as if `key` were the
/// timestamp role's, and writes it as `timestamp.json`: what an attacker holding that key serves.
async fn forge_timestamp(f: &Fixture, key: &releases::keys::KeyPair) {
    use tough::editor::signed::SignedRole;
    use tough::schema::{KeyHolder, RoleKeys, RoleType, Root, Signed, Timestamp};
    let state = releases::repository::State::read(&f.repo).unwrap();
    let mut root: Root = state.root.signed.clone();
    let id = key.key_id().unwrap();
    root.keys.insert(id.clone(), key.public().clone());
    root.roles.insert(RoleType::Timestamp, RoleKeys { keyids: vec![id], threshold: std::num::NonZeroU64::MIN, _extra: Default::default() });
    let current: Signed<Timestamp> = state.timestamp.unwrap();
    let mut next = current.signed.clone();
    next.version = next.version.checked_add(1).unwrap();
    let signed = SignedRole::new(next, &KeyHolder::Root(root), &[key.source()], &aws_lc_rs::rand::SystemRandom::new()).await.unwrap();
    std::fs::write(f.metadata("timestamp.json"), signed.buffer()).unwrap();
}

async fn a_published_release_verifies_and_every_attack_is_refused(url: DatabaseUrl, dir: tempfile::TempDir) {
    let now = kinmu::now();
    let f = Fixture::new(&url, dir, now).await;
    let published = f.publish("1.0.0", now).await;
    assert_eq!((published.files, published.bytes), (2, 300_000 + "<html>Kinmu 1.0.0</html>".len() as i64));

    // A client holding the first root loads the repository and verifies each file.
    let cache = tempfile::tempdir().unwrap();
    let repo = f.load(&f.first_root(), cache.path()).await.expect("the published repository loads");
    let mut names: Vec<String> = repo.all_targets().map(|(n, _)| n.raw().to_string()).collect();
    names.sort();
    assert_eq!(names, ["windows-x86_64/1.0.0/kinmu-desktop", "windows-x86_64/1.0.0/ui/index.html"]);
    let src = f.dir.path().join("src-1.0.0");
    assert_eq!(read_target(&repo, "windows-x86_64/1.0.0/kinmu-desktop").await.unwrap(), std::fs::read(src.join("kinmu-desktop")).unwrap());
    assert_eq!(read_target(&repo, "windows-x86_64/1.0.0/ui/index.html").await.unwrap(), b"<html>Kinmu 1.0.0</html>");
    // The database records what the targets metadata signs.
    let files = releases::files(&f.db, &Actor::Operator, published.id).await.unwrap();
    for file in &files {
        let signed = repo.targets().signed.targets.get(&TargetName::new(file.target.as_str()).unwrap()).unwrap();
        assert_eq!((file.length as u64, file.sha256.clone()), (signed.length, hex::encode(&signed.hashes.sha256)));
    }
    let binary = files.iter().find(|x| x.target.ends_with("kinmu-desktop")).unwrap().clone();

    // A published version never changes.
    let again = releases::publish(&f.db, &Actor::Operator, &f.repo, &src, "1.0.0", "windows-x86_64", now).await.unwrap_err();
    assert!(again.to_string().contains("published already"), "{again}");

    // A tampered file (same length, one byte changed) is refused when read.
    let on_disk = f.target_file(&binary.target, &binary.sha256);
    let good = std::fs::read(&on_disk).unwrap();
    let mut bad = good.clone();
    bad[1000] ^= 0xff;
    std::fs::write(&on_disk, &bad).unwrap();
    let refused = read_target(&repo, &binary.target).await.unwrap_err();
    println!("tampered file refused: {refused}");
    assert!(refused.contains("Hash mismatch"), "{refused}");
    // A longer one too.
    std::fs::write(&on_disk, [good.as_slice(), b"extra"].concat()).unwrap();
    let refused = read_target(&repo, &binary.target).await.unwrap_err();
    println!("longer file refused: {refused}");
    assert!(refused.contains("size") || refused.contains("length") || refused.contains("exceeded"), "{refused}");
    std::fs::write(&on_disk, &good).unwrap();

    // Tampered metadata: the timestamp's expiry pushed out without its signature.
    let timestamp = std::fs::read_to_string(f.metadata("timestamp.json")).unwrap();
    let mut doctored: serde_json::Value = serde_json::from_str(&timestamp).unwrap();
    doctored["signed"]["expires"] = json!("2099-01-01T00:00:00Z");
    std::fs::write(f.metadata("timestamp.json"), serde_json::to_vec_pretty(&doctored).unwrap()).unwrap();
    let refused = f.load(&f.first_root(), tempfile::tempdir().unwrap().path()).await.unwrap_err().to_string();
    println!("tampered metadata refused: {refused}");
    assert!(refused.contains("timestamp") && refused.to_lowercase().contains("signature"), "{refused}");
    // Tampered targets metadata: the snapshot's hash of it no longer matches.
    std::fs::write(f.metadata("timestamp.json"), &timestamp).unwrap();
    let targets_file = f.metadata(&format!("{}.targets.json", repo.targets().signed.version));
    let targets_text = std::fs::read_to_string(&targets_file).unwrap();
    std::fs::write(&targets_file, targets_text.replacen("\"length\": 300000", "\"length\": 300001", 1)).unwrap();
    let refused = f.load(&f.first_root(), tempfile::tempdir().unwrap().path()).await.unwrap_err().to_string();
    println!("tampered targets metadata refused: {refused}");
    assert!(refused.contains("targets") || refused.contains("hash"), "{refused}");
    std::fs::write(&targets_file, &targets_text).unwrap();

    // Metadata signed by a key the root does not list.
    let stranger = releases::keys::KeyPair::generate().unwrap();
    forge_timestamp(&f, &stranger).await;
    let refused = f.load(&f.first_root(), tempfile::tempdir().unwrap().path()).await.unwrap_err().to_string();
    println!("unknown key refused: {refused}");
    assert!(refused.contains("timestamp") && refused.to_lowercase().contains("signature"), "{refused}");
    std::fs::write(f.metadata("timestamp.json"), &timestamp).unwrap();
    assert!(f.load(&f.first_root(), tempfile::tempdir().unwrap().path()).await.is_ok(), "the genuine timestamp loads again");

    // A rollback: the client has seen the next timestamp; an older one served afterwards is refused.
    f.publish("1.1.0", now).await;
    // An unchanged file of a new version is not stored twice: a hard link to the first copy.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let src = f.dir.path().join("src-same");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::copy(f.dir.path().join("src-1.0.0/kinmu-desktop"), src.join("kinmu-desktop")).unwrap();
        releases::publish(&f.db, &Actor::Operator, &f.repo, &src, "1.0.1", "windows-x86_64", now).await.unwrap();
        let again = f.target_file(&binary.target.replace("1.0.0", "1.0.1"), &binary.sha256);
        let first = f.target_file(&binary.target, &binary.sha256);
        assert_eq!(std::fs::metadata(&again).unwrap().ino(), std::fs::metadata(&first).unwrap().ino(), "one copy on disk");
    }
    assert!(f.load(&f.first_root(), cache.path()).await.is_ok());
    let newer = std::fs::read(f.metadata("timestamp.json")).unwrap();
    std::fs::write(f.metadata("timestamp.json"), &timestamp).unwrap();
    let refused = f.load(&f.first_root(), cache.path()).await.unwrap_err().to_string();
    println!("rollback refused: {refused}");
    assert!(refused.contains("version") && refused.contains("timestamp"), "{refused}");
    std::fs::write(f.metadata("timestamp.json"), &newer).unwrap();

    // Key rotation: the timestamp key, then the root key. A client holding the first root walks
    // the chain 1 → 2 → 3 and trusts the new keys; the old timestamp key is revoked.
    let old_timestamp_key = releases::keys::KeyPair::read(&f.repo.keys().join("timestamp.key")).unwrap();
    assert_eq!(releases::rotate_key(&f.db, &f.repo, &f.root_key, RotatedRole::Timestamp, None, now).await.unwrap(), 2);
    let new_root_key = f.dir.path().join("root-2.key");
    let missing = releases::rotate_key(&f.db, &f.repo, &f.root_key, RotatedRole::Root, None, now).await.unwrap_err();
    assert!(missing.to_string().contains("--new-root-key"), "{missing}");
    assert_eq!(releases::rotate_key(&f.db, &f.repo, &f.root_key, RotatedRole::Root, Some(&new_root_key), now).await.unwrap(), 3);
    let wrong = releases::rotate_key(&f.db, &f.repo, &f.root_key, RotatedRole::Targets, None, now).await.unwrap_err();
    assert!(wrong.to_string().contains("not the root key"), "the replaced root key signs nothing more: {wrong}");
    let rotated = f.load(&f.first_root(), cache.path()).await.expect("a client with the old root accepts the rotated one");
    assert_eq!(rotated.root().signed.version.get(), 3);
    assert_eq!(read_target(&rotated, "windows-x86_64/1.1.0/ui/index.html").await.unwrap(), b"<html>Kinmu 1.1.0</html>");
    let rotated_timestamp = std::fs::read(f.metadata("timestamp.json")).unwrap();
    forge_timestamp(&f, &old_timestamp_key).await;
    let refused = f.load(&f.first_root(), tempfile::tempdir().unwrap().path()).await.unwrap_err().to_string();
    println!("revoked key refused: {refused}");
    assert!(refused.contains("timestamp") && refused.to_lowercase().contains("signature"), "{refused}");
    // Refreshing near the timestamp's expiry signs the next one with the current key.
    std::fs::write(f.metadata("timestamp.json"), &rotated_timestamp).unwrap();
    let state = releases::repository::State::read(&f.repo).unwrap();
    let expiring = state.timestamp.unwrap().signed.expires.as_second() - DAY / 2 + 60;
    assert_eq!(releases::refresh(&f.db, &f.repo, now).await.unwrap(), releases::Refreshed::Nothing);
    assert_eq!(releases::refresh(&f.db, &f.repo, expiring).await.unwrap(), releases::Refreshed::Timestamp);
    assert!(f.load(&new_root_bytes(&f), cache.path()).await.is_ok());
}

fn new_root_bytes(f: &Fixture) -> Vec<u8> {
    std::fs::read(f.repo.latest_root().unwrap()).unwrap()
}

#[tokio::test]
async fn a_published_release_verifies_and_every_attack_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_published_release_verifies_and_every_attack_is_refused(sqlite_url(&dir), dir).await;
}

#[tokio::test]
async fn a_published_release_verifies_and_every_attack_is_refused_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    a_published_release_verifies_and_every_attack_is_refused(url, tempfile::tempdir().unwrap()).await;
}

async fn expired_metadata_is_refused(url: DatabaseUrl, dir: tempfile::TempDir) {
    // Signed two days ago: the timestamp (valid one day) has expired; nobody re-signed it.
    let then = kinmu::now() - 2 * DAY;
    let f = Fixture::new(&url, dir, then).await;
    f.publish("1.0.0", then).await;
    let refused = f.load(&f.first_root(), tempfile::tempdir().unwrap().path()).await.unwrap_err().to_string();
    println!("expired metadata refused: {refused}");
    assert!(refused.contains("timestamp metadata is expired"), "{refused}");
    // The server's refresh signs a new timestamp: the repository loads again.
    assert_eq!(releases::refresh(&f.db, &f.repo, kinmu::now()).await.unwrap(), releases::Refreshed::Timestamp);
    assert!(f.load(&f.first_root(), tempfile::tempdir().unwrap().path()).await.is_ok());
}

#[tokio::test]
async fn expired_metadata_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    expired_metadata_is_refused(sqlite_url(&dir), dir).await;
}

#[tokio::test]
async fn expired_metadata_is_refused_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    expired_metadata_is_refused(url, tempfile::tempdir().unwrap()).await;
}

async fn get(app: &Router, path: &str, headers: &[(&str, &str)]) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, to_bytes(resp.into_body(), usize::MAX).await.unwrap().to_vec())
}

async fn the_repository_is_served_with_ranges_etags_and_cache_headers(url: DatabaseUrl, dir: tempfile::TempDir) {
    let now = kinmu::now();
    let f = Fixture::new(&url, dir, now).await;
    let r = f.publish("1.0.0", now).await;
    let file = releases::files(&f.db, &Actor::Operator, r.id).await.unwrap().into_iter().find(|x| x.target.ends_with("desktop")).unwrap();
    let bytes = std::fs::read(f.dir.path().join("src-1.0.0/kinmu-desktop")).unwrap();
    let path = format!("/updates/targets/windows-x86_64/1.0.0/{}.kinmu-desktop", file.sha256);
    let slot = f.slot().await;
    let slot = ("x-kinmu-slot", slot.as_str());

    // Whole, with its validator; hashed names are immutable, the timestamp is asked again each time.
    let (status, h, body) = get(&f.app, &path, &[slot]).await;
    assert_eq!((status, body.len()), (StatusCode::OK, bytes.len()));
    assert_eq!(body, bytes);
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["accept-ranges"], "bytes");
    let etag = h["etag"].to_str().unwrap().to_string();
    let (status, h, body) = get(&f.app, "/updates/metadata/timestamp.json", &[]).await;
    assert_eq!((status, h["cache-control"].to_str().unwrap()), (StatusCode::OK, "no-cache"));
    assert_eq!(h["content-type"], "application/json");
    assert!(serde_json::from_slice::<serde_json::Value>(&body).unwrap()["signed"]["_type"] == "timestamp");
    let (status, h, _) = get(&f.app, "/updates/metadata/2.snapshot.json", &[]).await;
    assert_eq!((status, h["cache-control"].to_str().unwrap()), (StatusCode::OK, "public, max-age=31536000, immutable"));
    let (status, _, _) = get(&f.app, "/updates/metadata/1.root.json", &[]).await;
    assert_eq!(status, StatusCode::OK, "public: no login");

    // If-None-Match: 304 without a body.
    let (status, h, body) = get(&f.app, &path, &[slot, ("if-none-match", &etag)]).await;
    assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0));
    assert_eq!(h["etag"].to_str().unwrap(), etag);
    let (status, _, _) = get(&f.app, &path, &[slot, ("if-none-match", "\"other\"")]).await;
    assert_eq!(status, StatusCode::OK);

    // Ranges: a resumed download gets the rest; one past the end is 416.
    let (status, h, body) = get(&f.app, &path, &[slot, ("range", "bytes=100000-")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(h["content-range"].to_str().unwrap(), format!("bytes 100000-{}/{}", bytes.len() - 1, bytes.len()));
    assert_eq!(body, bytes[100_000..]);
    let (status, _, body) = get(&f.app, &path, &[slot, ("range", "bytes=10-19")]).await;
    assert_eq!((status, body.as_slice()), (StatusCode::PARTIAL_CONTENT, &bytes[10..20]));
    let (status, _, body) = get(&f.app, &path, &[slot, ("range", "bytes=100000-"), ("if-range", &etag)]).await;
    assert_eq!((status, body.len()), (StatusCode::PARTIAL_CONTENT, bytes.len() - 100_000), "the same version: the rest");
    let (status, _, body) = get(&f.app, &path, &[slot, ("range", "bytes=100000-"), ("if-range", "\"older\"")]).await;
    assert_eq!((status, body.len()), (StatusCode::OK, bytes.len()), "another version: the whole file");
    let (status, h, _) = get(&f.app, &path, &[slot, ("range", "bytes=900000-")]).await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(h["content-range"].to_str().unwrap(), format!("bytes */{}", bytes.len()));

    // Nothing outside the repository's two folders: not the keys, not the database, not the staging.
    std::fs::write(f.repo.metadata().join(".staging-x"), b"x").unwrap();
    for bad in [
        "/updates/metadata/../../keys/timestamp.key",
        "/updates/metadata/%2e%2e/%2e%2e/keys/timestamp.key",
        "/updates/targets/..%2f..%2fkeys%2ftimestamp.key",
        "/updates/metadata/..%2F..%2F..%2Fkinmu.db",
        "/updates/targets/%2fetc%2fpasswd",
        "/updates/metadata/.staging-x",
        "/updates/targets/windows-x86_64",
    ] {
        let (status, _, body) = get(&f.app, bad, &[slot]).await;
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST, "{bad}: {status}");
        assert!(!String::from_utf8_lossy(&body).contains("PRIVATE") && body.len() < 200, "{bad} leaked {} bytes", body.len());
    }
}

#[tokio::test]
async fn the_repository_is_served_with_ranges_etags_and_cache_headers_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_repository_is_served_with_ranges_etags_and_cache_headers(sqlite_url(&dir), dir).await;
}

#[tokio::test]
async fn the_repository_is_served_with_ranges_etags_and_cache_headers_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    the_repository_is_served_with_ranges_etags_and_cache_headers(url, tempfile::tempdir().unwrap()).await;
}

/// The concurrency limit gates the transfers: a target needs a current slot's token in
/// `X-Kinmu-Slot` (none, a made-up one, an expired one, a paused service: 429 with `Retry-After`,
/// saying to check in), while the metadata stays public.
async fn target_downloads_need_a_transfer_slot(url: DatabaseUrl, dir: tempfile::TempDir) {
    let now = kinmu::now();
    let f = Fixture::new(&url, dir, now).await;
    let r = f.publish("1.0.0", now).await;
    releases::offer(&f.db, &Actor::Operator, r.id).await.unwrap();
    let file = releases::files(&f.db, &Actor::Operator, r.id).await.unwrap().into_iter().find(|x| x.target.ends_with("desktop")).unwrap();
    let bytes = std::fs::read(f.dir.path().join("src-1.0.0/kinmu-desktop")).unwrap();
    let path = format!("/updates/targets/windows-x86_64/1.0.0/{}.kinmu-desktop", file.sha256);

    let refused = |what: &str, (status, h, body): (StatusCode, axum::http::HeaderMap, Vec<u8>)| {
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{what}");
        assert_eq!(h["retry-after"], "5", "{what}");
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains("X-Kinmu-Slot") && (text.contains("check in") || text.contains("チェックイン")), "{what}: {text}");
        text
    };
    refused("no slot", get(&f.app, &path, &[]).await);
    refused("no slot, resuming", get(&f.app, &path, &[("range", "bytes=100-")]).await);
    refused("a made-up slot", get(&f.app, &path, &[("x-kinmu-slot", "not-a-slot-token")]).await);
    let ja = refused("no slot, in Japanese", get(&f.app, &path, &[("accept-language", "ja")]).await);
    assert!(ja.contains("チェックイン"), "{ja}");
    // The metadata stays public: any TUF client verifies the repository.
    for public in ["/updates/metadata/1.root.json", "/updates/metadata/timestamp.json"] {
        assert_eq!(get(&f.app, public, &[]).await.0, StatusCode::OK, "{public}");
    }

    // A current slot: served, whole and resumed.
    let token = check_in_for_slot(&f.db, "slot-holder-1", now).await;
    let (status, _, body) = get(&f.app, &path, &[("x-kinmu-slot", &token)]).await;
    assert_eq!((status, body == bytes), (StatusCode::OK, true));
    let (status, h, body) = get(&f.app, &path, &[("x-kinmu-slot", &token), ("range", "bytes=200000-")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(h["content-range"].to_str().unwrap(), format!("bytes 200000-{}/{}", bytes.len() - 1, bytes.len()));
    assert_eq!(body, bytes[200_000..]);

    // A slot given longer ago than it lasts, never renewed: expired, refused.
    let stale = check_in_for_slot(&f.db, "slot-holder-2", now - clients::SLOT_SECONDS - 5).await;
    refused("an expired slot", get(&f.app, &path, &[("x-kinmu-slot", &stale)]).await);

    // The service paused: no transfer, even with a current slot.
    let mut p = kinmu::updates::policy::load(&f.db.pool).await.unwrap();
    p.service_paused = true;
    kinmu::updates::policy::write(&f.db.pool, &p, now, "test").await.unwrap();
    refused("the service paused", get(&f.app, &path, &[("x-kinmu-slot", &token)]).await);
}

#[tokio::test]
async fn target_downloads_need_a_transfer_slot_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    target_downloads_need_a_transfer_slot(sqlite_url(&dir), dir).await;
}

#[tokio::test]
async fn target_downloads_need_a_transfer_slot_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    target_downloads_need_a_transfer_slot(url, tempfile::tempdir().unwrap()).await;
}

async fn an_administrator_lists_releases_and_chooses_the_one_offered(url: DatabaseUrl, dir: tempfile::TempDir) {
    let now = kinmu::now();
    let f = Fixture::new(&url, dir, now).await;
    let mut admin = Client::new(&f.app);
    setup(&mut admin).await;
    let empty = admin.get("/updates/releases").await;
    expect(&empty, 200, None);
    assert_eq!(empty.body["releases"], json!([]));
    let first = f.publish("1.0.0", now).await;
    let second = f.publish("1.1.0", now + 1).await;
    let list = admin.get("/updates/releases").await;
    expect(&list, 200, None);
    let versions: Vec<&str> = list.body["releases"].as_array().unwrap().iter().map(|r| r["version"].as_str().unwrap()).collect();
    assert_eq!(versions, ["1.1.0", "1.0.0"], "newest first");
    assert!(list.body["releases"].as_array().unwrap().iter().all(|r| r["offered"] == false && r["platform"] == "windows-x86_64"));
    let offered = admin.send("POST", &format!("/updates/releases/{}/offer", second.id), json!({})).await;
    expect(&offered, 200, None);
    assert_eq!((offered.body["version"].as_str(), offered.body["offered"].as_bool()), (Some("1.1.0"), Some(true)));
    // Offering another release of the platform takes the offer from the first.
    expect(&admin.send("POST", &format!("/updates/releases/{}/offer", first.id), json!({})).await, 200, None);
    let list = admin.get("/updates/releases").await;
    let offered: Vec<&str> =
        list.body["releases"].as_array().unwrap().iter().filter(|r| r["offered"] == true).map(|r| r["version"].as_str().unwrap()).collect();
    assert_eq!(offered, ["1.0.0"]);
    expect(&admin.send("POST", "/updates/releases/999999/offer", json!({})).await, 404, Some("not_found"));
    // The command line's offer by version, and a bad version is named.
    let r = releases::offer_version(&f.db, &Actor::Operator, "1.1.0", "windows-x86_64").await.unwrap();
    assert!(r.offered);
    let bad = releases::publish(&f.db, &Actor::Operator, &f.repo, f.dir.path(), "../1", "windows-x86_64", now).await.unwrap_err();
    assert!(matches!(&bad, kinmu::error::Error::Invalid(e) if e.field == "version"), "{bad}");
    // A release's version is one clients compare: numbers separated by dots.
    let bad = releases::publish(&f.db, &Actor::Operator, &f.repo, f.dir.path(), "2.0.0-rc1", "windows-x86_64", now).await.unwrap_err();
    assert!(matches!(&bad, kinmu::error::Error::Invalid(e) if e.field == "version"), "{bad}");
}

#[tokio::test]
async fn an_administrator_lists_releases_and_chooses_the_one_offered_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    an_administrator_lists_releases_and_chooses_the_one_offered(sqlite_url(&dir), dir).await;
}

#[tokio::test]
async fn an_administrator_lists_releases_and_chooses_the_one_offered_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    an_administrator_lists_releases_and_chooses_the_one_offered(url, tempfile::tempdir().unwrap()).await;
}

/// Two publishes at once (two servers, or an operator and the re-signing) take turns on the
/// signing lease: both releases end up signed, none overwrites the other's metadata.
async fn concurrent_publishes_take_turns(url: DatabaseUrl, dir: tempfile::TempDir) {
    let now = kinmu::now();
    let f = Fixture::new(&url, dir, now).await;
    let (a, b) = (f.release_files("3.0.0"), f.release_files("3.1.0"));
    let (first, second) = tokio::join!(
        releases::publish(&f.db, &Actor::Operator, &f.repo, &a, "3.0.0", "windows-x86_64", now),
        releases::publish(&f.db, &Actor::Operator, &f.repo, &b, "3.1.0", "windows-x86_64", now),
    );
    first.unwrap();
    second.unwrap();
    let cache = tempfile::tempdir().unwrap();
    let repo = f.load(&f.first_root(), cache.path()).await.unwrap();
    assert_eq!(repo.all_targets().count(), 4, "both releases are in the signed targets");
    assert_eq!(repo.targets().signed.version.get(), 3, "empty, then one version per publish");
    assert_eq!(read_target(&repo, "windows-x86_64/3.1.0/ui/index.html").await.unwrap(), b"<html>Kinmu 3.1.0</html>");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_take_turns_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    concurrent_publishes_take_turns(sqlite_url(&dir), dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_take_turns_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    concurrent_publishes_take_turns(url, tempfile::tempdir().unwrap()).await;
}
