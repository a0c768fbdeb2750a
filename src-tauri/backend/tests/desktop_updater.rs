//! The desktop updater (crate kinmu-updater) against a real `kinmu serve`, on SQLite and
//! PostgreSQL: releases published with `kinmu release publish`; a new install of 1.0, then an
//! update to 2.0 that downloads the changed file only (bytes counted); a download killed midway
//! resumes with a range request; a corrupt file on the server gives a failed record on the server
//! and leaves the client as it was; tampered metadata is refused.

mod test_databases;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use kinmu::accounts::Actor;
use kinmu::config::DatabaseUrl;
use kinmu::database::Db;
use kinmu_shared::api::UpdateRecordQuery;
use kinmu_shared::update_policy::{ClientProgram, RecordResult};
use kinmu_updater::client::{Outcome, Settings, Updater};
use kinmu_updater::fault::Faults;
use kinmu_updater::plan::InstallMode;
use kinmu_updater::{Layout, files};
use test_databases::postgres_url;

const PLATFORM: &str = "linux-x86_64";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ok(o: Output, what: &str) -> String {
    assert!(o.status.success(), "{what} failed: {}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

struct Bench {
    dir: tempfile::TempDir,
    database: Option<String>,
}

impl Bench {
    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn kinmu(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kinmu"));
        c.env("KINMU_DATA_DIR", self.data()).env_remove("KINMU_CONFIG").env("KINMU_LOG", "warn");
        match &self.database {
            Some(url) => c.env("KINMU_DATABASE_URL", url),
            None => c.env_remove("KINMU_DATABASE_URL"),
        };
        c
    }

    fn database_url(&self) -> DatabaseUrl {
        match &self.database {
            Some(url) => DatabaseUrl::parse(url).unwrap(),
            None => DatabaseUrl::parse(&format!("sqlite://{}", self.data().join("kinmu.db").display())).unwrap(),
        }
    }

    /// A release folder: the program, the UI (changes with each version), a 1 MB resource (the same
    /// in every version unless `big` differs).
    fn release(&self, version: &str, big: u8) -> PathBuf {
        let dir = self.dir.path().join(format!("release-{version}"));
        std::fs::create_dir_all(dir.join("ui")).unwrap();
        std::fs::create_dir_all(dir.join("resources")).unwrap();
        std::fs::write(dir.join("kinmu-desktop"), "#!/bin/sh\necho ok > \"$KINMU_HEALTH_FILE\"\n").unwrap();
        std::fs::write(dir.join("ui/app.js"), format!("console.log('Kinmu {version}');\n{}", "/* ui */".repeat(5_000))).unwrap();
        let bytes: Vec<u8> = (0..1_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ big).collect();
        std::fs::write(dir.join("resources/data.bin"), bytes).unwrap();
        dir
    }

    fn publish(&self, version: &str, big: u8) -> PathBuf {
        let src = self.release(version, big);
        ok(
            self.kinmu().args(["release", "publish"]).arg(&src).args(["--version", version, "--platform", PLATFORM]).output().unwrap(),
            "publish",
        );
        ok(self.kinmu().args(["release", "offer", version, "--platform", PLATFORM]).output().unwrap(), "offer");
        src
    }

    fn serve(&self) -> (Server, String) {
        self.serve_at("127.0.0.1:0")
    }

    fn serve_at(&self, addr: &str) -> (Server, String) {
        let mut child = self
            .kinmu()
            .args(["serve", "--addr", addr, "--base-path", "/kinmu"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let server = Server(child);
        let line = std::io::BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.contains("Kinmu is running")).unwrap();
        let port = line.split("http://").nth(1).and_then(|r| r.split('/').next()).and_then(|h| h.rsplit(':').next()).unwrap().to_string();
        (server, format!("http://127.0.0.1:{port}/kinmu/"))
    }

    fn updater(&self, base: &str, client: &str) -> Updater {
        let settings = Settings {
            server: url::Url::parse(base).unwrap(),
            platform: PLATFORM.into(),
            download_dir: self.dir.path().join(format!("downloads-{client}")),
            shipped_root: self.dir.path().join("trusted-root.json"),
            host: format!("PC-{client}"),
            user: "sato".into(),
            program: ClientProgram::Updater,
        };
        Updater::new(settings, Layout::new(self.dir.path().join(format!("install-{client}")))).unwrap()
    }
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// The installed current version holds exactly `release`'s files.
fn assert_installed(u: &Updater, release: &Path, version: &str) {
    let layout = u.layout();
    let pointer = layout.read_pointer().unwrap().unwrap();
    assert_eq!(layout.read_manifest(&pointer.current).unwrap().unwrap().version, version);
    for f in kinmu_updater::apply::files_of_folder(release).unwrap() {
        let on_disk = layout.version_dir(&pointer.current).join(&f.path);
        assert_eq!(files::hash_file(&on_disk).unwrap(), (f.length, f.sha256.clone()), "{}", f.path);
    }
}

async fn the_updater_updates_from_a_real_server(database: Option<String>) {
    let b = Bench { dir: tempfile::tempdir().unwrap(), database };
    let root_key = b.dir.path().join("root.key");
    ok(b.kinmu().args(["release", "keys", "init", "--root-key"]).arg(&root_key).output().unwrap(), "keys init");
    ok(b.kinmu().args(["release", "root", "--out"]).arg(b.dir.path().join("trusted-root.json")).output().unwrap(), "release root");
    let v1 = b.publish("1.0", 0);
    let (_server, base) = b.serve();

    // A new install: every file.
    let u = b.updater(&base, "a");
    let Outcome::Applied { mode, version, stats } = u.update(false, None).await.unwrap() else { panic!("not applied") };
    assert_eq!((mode, version.as_str()), (InstallMode::NewInstall, "1.0"));
    let all: u64 = ["kinmu-desktop", "ui/app.js", "resources/data.bin"].iter().map(|p| size(&v1.join(p))).sum();
    assert_eq!(stats.target_bytes, all);
    assert_installed(&u, &v1, "1.0");
    assert!(matches!(u.update(false, None).await.unwrap(), Outcome::UpToDate));

    // 2.0 changes the UI only: the update downloads that file's bytes, nothing else; the root was
    // rotated meanwhile, which the client accepts through tough.
    ok(b.kinmu().args(["release", "rotate-key", "--role", "timestamp", "--root-key"]).arg(&root_key).output().unwrap(), "rotate-key");
    let v2 = b.publish("2.0", 0);
    let progress = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = progress.clone();
    let callback: kinmu_updater::client::ProgressFn = std::sync::Arc::new(move |p| seen.lock().unwrap().push(p.clone()));
    let Outcome::Applied { mode, version, stats } = u.update(false, Some(callback)).await.unwrap() else { panic!("not applied") };
    assert_eq!((mode, version.as_str()), (InstallMode::Differential, "2.0"));
    assert_eq!(stats.target_bytes, size(&v2.join("ui/app.js")), "only the changed file: {stats:?}");
    assert_eq!((stats.files_fetched, stats.files_reused), (1, 2));
    println!("1.0 → 2.0: {} target bytes ({} metadata bytes) of {} in the release", stats.target_bytes, stats.metadata_bytes, all);
    assert_installed(&u, &v2, "2.0");
    let steps: Vec<_> = progress.lock().unwrap().iter().map(|p| p.step).collect();
    assert_eq!(steps.last(), Some(&kinmu_updater::client::Step::Done), "{steps:?}");
    assert!(u.layout().state_dir().join("tuf/root.json").is_file(), "the newer root is kept");

    // 3.0 changes the 1 MB resource; the transfer is stopped midway (the task blocked at the fault
    // point after 64 KiB and abandoned), then the next run resumes with a Range request.
    let v3 = b.publish("3.0", 1);
    let stopped = b.updater(&base, "a").with_faults(Faults::at("download:partial"));
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _ = rt.block_on(stopped.update(false, None));
    });
    let part = loop {
        let found = walk(&b.dir.path().join("downloads-a")).into_iter().find(|p| p.to_string_lossy().ends_with(".part"));
        if let Some(p) = found.filter(|p| size(p) >= 64 * 1024) {
            break p;
        }
        assert!(!handle.is_finished(), "the download stops at its fault point");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let had = size(&part);
    let trace: kinmu_updater::client::ProgressFn = std::sync::Arc::new(|p| eprintln!("resume run: {p:?}"));
    let resumed =
        tokio::time::timeout(std::time::Duration::from_secs(60), u.update(false, Some(trace))).await.expect("the resumed run ends");
    let Outcome::Applied { version, stats, .. } = resumed.unwrap() else { panic!("not applied") };
    assert_eq!(version, "3.0");
    let changed = size(&v3.join("resources/data.bin")) + size(&v3.join("ui/app.js"));
    // The part resumed where it ended (and the UI file, if it came first, was complete already).
    let ui = size(&v3.join("ui/app.js"));
    assert!(stats.resumed_bytes == had || stats.resumed_bytes == had + ui, "resumed where the part ended ({had}): {stats:?}");
    assert_eq!(stats.target_bytes + stats.resumed_bytes, changed, "nothing fetched twice: {stats:?}");
    assert_installed(&u, &v3, "3.0");
    println!("resumed after {had} bytes: {} more", stats.target_bytes);

    // A corrupt file on the server: refused, recorded as failed, the client untouched.
    let v4 = b.publish("4.0", 2);
    let (_, sha) = files::hash_file(&v4.join("resources/data.bin")).unwrap();
    let on_server = b.data().join(format!("updates/repository/targets/{PLATFORM}/4.0/resources/{sha}.data.bin"));
    let mut bytes = std::fs::read(&on_server).unwrap();
    bytes[777] ^= 0xff;
    std::fs::write(&on_server, &bytes).unwrap();
    let pointer_before = std::fs::read(u.layout().pointer_path()).unwrap();
    let err = u.update(false, None).await.unwrap_err();
    assert_eq!(err.category, kinmu_shared::update_policy::LogCategory::VerificationFailed, "{err}");
    assert_installed(&u, &v3, "3.0");
    assert_eq!(std::fs::read(u.layout().pointer_path()).unwrap(), pointer_before, "the pointer is untouched");
    let db = Db::connect(&b.database_url(), 1).await.unwrap();
    let failed = kinmu::updates::records::list(
        &db,
        &Actor::Operator,
        &UpdateRecordQuery { result: Some(RecordResult::Failed), ..Default::default() },
    )
    .await
    .unwrap();
    assert!(
        failed.records.iter().any(|r| r.to_version == "4.0" && r.reason.as_deref().is_some_and(|w| w.contains("does not verify"))),
        "{failed:?}"
    );

    // Tampered metadata (the timestamp's version raised, its signature left): refused.
    std::fs::write(&on_server, std::fs::read(v4.join("resources/data.bin")).unwrap()).unwrap();
    let timestamp = b.data().join("updates/repository/metadata/timestamp.json");
    let mut doctored: serde_json::Value = serde_json::from_slice(&std::fs::read(&timestamp).unwrap()).unwrap();
    doctored["signed"]["version"] = serde_json::json!(doctored["signed"]["version"].as_i64().unwrap() + 10);
    std::fs::write(&timestamp, serde_json::to_vec(&doctored).unwrap()).unwrap();
    let fresh = b.updater(&base, "b");
    let err = fresh.update(false, None).await.unwrap_err();
    assert_eq!(err.category, kinmu_shared::update_policy::LogCategory::VerificationFailed, "{err}");
    assert!(fresh.layout().read_pointer().unwrap().is_none(), "nothing installed from tampered metadata");
}

/// A repair (全プログラムアップデート, seed II.2 ii)): every local file of the installed version is
/// checked against the signed metadata's hashes and only the ones that differ are fetched; the
/// repaired copy becomes current beside the damaged one, and the server records a repair. When
/// the server offers an older version than the installed one, the repair still restores the
/// installed version (never a downgrade).
async fn a_repair_fetches_only_the_damaged_files(database: Option<String>) {
    use kinmu_shared::update_policy::InstallKind;
    let b = Bench { dir: tempfile::tempdir().unwrap(), database };
    let root_key = b.dir.path().join("root.key");
    ok(b.kinmu().args(["release", "keys", "init", "--root-key"]).arg(&root_key).output().unwrap(), "keys init");
    ok(b.kinmu().args(["release", "root", "--out"]).arg(b.dir.path().join("trusted-root.json")).output().unwrap(), "release root");
    let v1 = b.publish("1.0", 0);
    let (_server, base) = b.serve();
    let u = b.updater(&base, "r");
    assert!(matches!(u.update(false, None).await.unwrap(), Outcome::Applied { .. }));
    assert!(matches!(u.update(false, None).await.unwrap(), Outcome::UpToDate), "nothing pending");

    // The UI file damaged on disk: the repair fetches it alone.
    let current = |u: &Updater| u.layout().read_pointer().unwrap().unwrap().current;
    let damaged_folder = current(&u);
    let damaged = u.layout().version_dir(&damaged_folder).join("ui/app.js");
    std::fs::write(&damaged, "console.log('damaged');").unwrap();
    let Outcome::Applied { mode, version, stats } = u.update(true, None).await.unwrap() else { panic!("not repaired") };
    assert_eq!((mode, version.as_str()), (InstallMode::Repair, "1.0"));
    assert_eq!((stats.files_fetched, stats.files_reused), (1, 2), "{stats:?}");
    assert_eq!(stats.target_bytes, size(&v1.join("ui/app.js")), "only the damaged file: {stats:?}");
    assert_installed(&u, &v1, "1.0");
    let pointer = u.layout().read_pointer().unwrap().unwrap();
    assert_eq!(
        (pointer.current.as_str(), pointer.previous.as_deref()),
        ("1.0+1", Some(damaged_folder.as_str())),
        "beside the damaged copy"
    );

    // 2.0 installed, then the administrator offers 1.0 again: a repair restores 2.0's own files.
    let v2 = b.publish("2.0", 0);
    assert!(matches!(u.update(false, None).await.unwrap(), Outcome::Applied { .. }));
    // 2.0 started healthy: the launcher's report (through the outbox) ends its record.
    let healthy = kinmu_updater::outbox::PendingReport {
        request_id: "repair-test-v2-started-healthy-ui".into(),
        module: "ui".into(),
        install_kind: InstallKind::Differential,
        from_version: Some("1.0".into()),
        to_version: "2.0".into(),
        event: kinmu_shared::update_policy::UpdateEvent::StartedHealthy,
    };
    kinmu_updater::outbox::put(u.layout(), &healthy).unwrap();
    assert_eq!(u.send_outbox().await, 1);
    ok(b.kinmu().args(["release", "offer", "1.0", "--platform", PLATFORM]).output().unwrap(), "offer 1.0");
    std::fs::remove_file(u.layout().version_dir(&current(&u)).join("resources/data.bin")).unwrap();
    let Outcome::Applied { mode, version, stats } = u.update(true, None).await.unwrap() else { panic!("not repaired") };
    assert_eq!((mode, version.as_str()), (InstallMode::Repair, "2.0"), "not a downgrade");
    assert_eq!((stats.files_fetched, stats.target_bytes), (1, size(&v2.join("resources/data.bin"))), "{stats:?}");
    assert_installed(&u, &v2, "2.0");

    // The server recorded both as repairs.
    let db = Db::connect(&b.database_url(), 1).await.unwrap();
    let records = kinmu::updates::records::list(&db, &Actor::Operator, &UpdateRecordQuery::default()).await.unwrap();
    let repairs: Vec<_> = records.records.iter().filter(|r| r.kind == InstallKind::Repair).map(|r| r.to_version.as_str()).collect();
    assert_eq!(repairs.len(), 2, "{records:?}");
    assert!(repairs.contains(&"1.0") && repairs.contains(&"2.0"), "{records:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repair_fetches_only_the_damaged_files_on_sqlite() {
    a_repair_fetches_only_the_damaged_files(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repair_fetches_only_the_damaged_files_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    a_repair_fetches_only_the_damaged_files(Some(url.expose().to_string())).await;
}

/// Reports the server could not take wait in the outbox (the launcher writes its own there too:
/// it never talks to the server): a check-in while the server is down leaves them; the first one
/// after it is back sends them, and each counts once — also when sent again because the answers
/// were lost (the request id).
async fn reports_wait_in_the_outbox_until_the_server_answers(database: Option<String>) {
    use kinmu_shared::update_policy::{InstallKind, UpdateEvent};
    use kinmu_updater::outbox::{self, PendingReport};
    let b = Bench { dir: tempfile::tempdir().unwrap(), database };
    let root_key = b.dir.path().join("root.key");
    ok(b.kinmu().args(["release", "keys", "init", "--root-key"]).arg(&root_key).output().unwrap(), "keys init");
    ok(b.kinmu().args(["release", "root", "--out"]).arg(b.dir.path().join("trusted-root.json")).output().unwrap(), "release root");
    b.publish("1.0", 0);
    let (server, base) = b.serve();
    let addr = base.trim_start_matches("http://").split('/').next().unwrap().to_string();
    let u = b.updater(&base, "c");
    assert!(matches!(u.update(false, None).await.unwrap(), Outcome::Applied { .. }), "installed, the client known to the server");
    drop(server);

    let reports: Vec<PendingReport> = [UpdateEvent::DownloadStarted, UpdateEvent::Applied, UpdateEvent::StartedHealthy]
        .into_iter()
        .map(|event| PendingReport {
            request_id: format!("outbox-run-{}-app", event.key()),
            module: "app".into(),
            install_kind: InstallKind::Differential,
            from_version: Some("1.0".into()),
            to_version: "1.1".into(),
            event,
        })
        .collect();
    for r in &reports {
        outbox::put(u.layout(), r).unwrap();
    }
    assert!(u.check().await.is_err(), "the server is down");
    assert_eq!(outbox::pending(u.layout()).unwrap().len(), 3, "nothing is lost while the server is away");

    let (_server, again) = b.serve_at(&addr);
    assert_eq!(again, base);
    u.check().await.unwrap();
    assert!(outbox::pending(u.layout()).unwrap().is_empty(), "sent and removed once the server answered");
    let db = Db::connect(&b.database_url(), 1).await.unwrap();
    let count = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM update_events WHERE request_id LIKE 'outbox-run-%'").fetch_one(&db.pool).await.unwrap()
    };
    assert_eq!(count().await, 3);
    // The answers were lost (say): the same reports are sent again, and still count once.
    for r in &reports {
        outbox::put(u.layout(), r).unwrap();
    }
    assert_eq!(u.send_outbox().await, 3, "the server answered each one");
    assert!(outbox::pending(u.layout()).unwrap().is_empty());
    assert_eq!(count().await, 3, "each event counted once");
    let records = kinmu::updates::records::list(&db, &Actor::Operator, &UpdateRecordQuery::default()).await.unwrap();
    let to_1_1: Vec<_> = records.records.iter().filter(|r| r.to_version == "1.1").collect();
    assert_eq!(to_1_1.len(), 1, "{records:?}");
    assert_eq!(to_1_1[0].result, RecordResult::Normal, "started healthy once: {records:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_wait_in_the_outbox_until_the_server_answers_on_sqlite() {
    reports_wait_in_the_outbox_until_the_server_answers(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_wait_in_the_outbox_until_the_server_answers_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    reports_wait_in_the_outbox_until_the_server_answers(Some(url.expose().to_string())).await;
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_updater_updates_from_a_real_server_on_sqlite() {
    the_updater_updates_from_a_real_server(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_updater_updates_from_a_real_server_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    the_updater_updates_from_a_real_server(Some(url.expose().to_string())).await;
}
