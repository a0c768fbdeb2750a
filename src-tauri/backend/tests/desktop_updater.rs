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
use kinmu_updater::fault::{FAULT_ENV, Faults, REACHED};
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
        self.serve_with(addr, &[])
    }

    /// `kinmu serve` with `env` set (a short slot lifetime, say).
    fn serve_with(&self, addr: &str, env: &[(&str, &str)]) -> (Server, String) {
        let mut child = self
            .kinmu()
            .args(["serve", "--addr", addr, "--base-path", "/kinmu"])
            .envs(env.iter().copied())
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
        updater_in(self.dir.path(), base, client)
    }

    /// The updater of `client` as a child process (this test program again, running
    /// [`updater_child_process`]): `mode` "update" (the transfer slowed to `rate` bytes a second
    /// when not 0) or "launch" (the launcher's start), with the fault point `fault` armed.
    fn spawn_updater(&self, base: &str, client: &str, mode: &str, rate: u64, fault: Option<&str>) -> Child {
        let spec = serde_json::json!({"dir": self.dir.path(), "server": base, "client": client, "mode": mode, "rate": rate});
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.args(["updater_child_process", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, spec.to_string())
            .env_remove(FAULT_ENV)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(point) = fault {
            c.env(FAULT_ENV, point);
        }
        c.spawn().unwrap()
    }

    /// Runs the updater's process with `fault` armed and kills it (SIGKILL) there.
    fn kill_updater_at(&self, base: &str, client: &str, mode: &str, fault: &str) {
        let mut child = self.spawn_updater(base, client, mode, 0, Some(fault));
        let stdout = child.stdout.take().unwrap();
        // (libtest may write its own "test … " before it on the line.)
        let reached = std::io::BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.ends_with(&format!("{REACHED} {fault}")));
        let ended = child.try_wait().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(reached, "the updater's process reached {fault} (ended: {ended:?})");
    }

    /// Runs the launcher's start in a child process: what it did.
    fn launch(&self, base: &str, client: &str) -> String {
        let out = self.spawn_updater(base, client, "launch", 0, None).wait_with_output().unwrap();
        // libtest writes its own "test … " before the line: what follows "launched: ".
        let out = ok(out, "launch");
        out.split_once("launched: ").map(|(_, l)| format!("launched: {}", l.lines().next().unwrap_or_default())).unwrap_or(out)
    }
}

/// The environment variable that makes [`updater_child_process`] run (its spec in JSON).
const CHILD_ENV: &str = "KINMU_TEST_UPDATER_CHILD";

fn updater_in(dir: &Path, base: &str, client: &str) -> Updater {
    let settings = Settings {
        server: url::Url::parse(base).unwrap(),
        platform: PLATFORM.into(),
        download_dir: dir.join(format!("downloads-{client}")),
        shipped_root: dir.join("trusted-root.json"),
        host: format!("PC-{client}"),
        user: "sato".into(),
        program: ClientProgram::Updater,
    };
    Updater::new(settings, Layout::new(dir.join(format!("install-{client}")))).unwrap()
}

/// Not a test on its own: the updater's process that the kill tests start and kill (see
/// [`Bench::spawn_updater`]); without its spec in the environment it does nothing. Its fault
/// point comes from `KINMU_UPDATER_FAULT`, as in the real program.
#[test]
fn updater_child_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else { return };
    let spec: serde_json::Value = serde_json::from_str(&spec).unwrap();
    let dir = PathBuf::from(spec["dir"].as_str().unwrap());
    let (base, client) = (spec["server"].as_str().unwrap(), spec["client"].as_str().unwrap());
    match spec["mode"].as_str().unwrap() {
        "launch" => {
            let layout = Layout::new(dir.join(format!("install-{client}")));
            let options = kinmu_updater::launch::LaunchOptions {
                health_timeout: std::time::Duration::from_secs(10),
                ..kinmu_updater::launch::LaunchOptions::default()
            };
            let launched = kinmu_updater::launch::launch(&layout, &options, &Faults::from_env()).unwrap();
            println!("launched: {launched:?}");
        }
        _ => {
            let rate = spec["rate"].as_u64().unwrap_or(0) as f64;
            let started = std::time::Instant::now();
            let slowed: kinmu_updater::client::ProgressFn = std::sync::Arc::new(move |p| {
                if rate > 0.0 && p.step == kinmu_updater::client::Step::Downloading {
                    let due = std::time::Duration::from_secs_f64(p.bytes_done as f64 / rate);
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
            });
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            let out = rt.block_on(updater_in(&dir, base, client).update(false, Some(slowed)));
            println!("updated: {out:?}");
        }
    }
}

/// The updater as a real process, killed with SIGKILL: mid-download (the transfer slowed, killed
/// once the part file holds 300 KB), the next run resumes with a Range request where the part
/// ended, fetches nothing twice, verifies and applies, and the installed version starts; killed
/// during the first start of the new version (the launcher's trial), the next start confirms it;
/// killed during the apply (before and after the pointer's switch), the next start runs a complete
/// version — the old one or the new one — and the update run again completes.
async fn a_killed_updater_process_leaves_a_client_that_starts(database: Option<String>) {
    let b = Bench { dir: tempfile::tempdir().unwrap(), database };
    let root_key = b.dir.path().join("root.key");
    ok(b.kinmu().args(["release", "keys", "init", "--root-key"]).arg(&root_key).output().unwrap(), "keys init");
    ok(b.kinmu().args(["release", "root", "--out"]).arg(b.dir.path().join("trusted-root.json")).output().unwrap(), "release root");
    let v1 = b.publish("1.0", 0);
    let (_server, base) = b.serve();
    let u = b.updater(&base, "k");
    assert!(matches!(u.update(false, None).await.unwrap(), Outcome::Applied { .. }));
    assert_installed(&u, &v1, "1.0");

    // 2.0 changes the 1 MB resource and the UI: killed mid-download.
    let v2 = b.publish("2.0", 1);
    let mut child = b.spawn_updater(&base, "k", "update", 200_000, None);
    let downloads = b.dir.path().join("downloads-k");
    let part = loop {
        let found = walk(&downloads).into_iter().find(|p| p.to_string_lossy().ends_with("data.bin.part"));
        if let Some(p) = found.filter(|p| size(p) >= 300_000) {
            break p;
        }
        assert!(child.try_wait().unwrap().is_none(), "the updater's process still downloads");
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let had = size(&part);
    assert!(had < size(&v2.join("resources/data.bin")), "killed midway: {had}");
    assert_installed(&u, &v1, "1.0");
    assert!(u.layout().read_pointer().unwrap().unwrap().trial.is_none(), "nothing applied");
    assert_eq!(b.launch(&base, "k"), r#"launched: Started { version: "1.0" }"#, "the old version starts meanwhile");

    let Outcome::Applied { version, stats, .. } = u.update(false, None).await.unwrap() else { panic!("not applied") };
    assert_eq!(version, "2.0");
    let ui = size(&v2.join("ui/app.js"));
    let changed = size(&v2.join("resources/data.bin")) + ui;
    assert!(stats.resumed_bytes == had || stats.resumed_bytes == had + ui, "resumed where the killed part ended ({had}): {stats:?}");
    assert_eq!(stats.target_bytes + stats.resumed_bytes, changed, "no byte fetched twice: {stats:?}");
    assert_installed(&u, &v2, "2.0");
    println!("killed after {had} bytes of the resource: the next run fetched {} more", stats.target_bytes);

    // Killed during its first start (the trial): the next start confirms it.
    b.kill_updater_at(&base, "k", "launch", "launch:new-started");
    assert_eq!(b.launch(&base, "k"), r#"launched: Confirmed { version: "2.0" }"#);
    assert_eq!(b.launch(&base, "k"), r#"launched: Started { version: "2.0" }"#);

    // Killed during the apply: before the pointer's switch the old version starts, after it the new one.
    for (version, big, point, starts) in [("3.0", 3, "apply:files-written", "2.0"), ("4.0", 4, "apply:pointer-switched", "4.0")] {
        let release = b.publish(version, big);
        b.kill_updater_at(&base, "k", "update", point);
        let launched = b.launch(&base, "k");
        assert!(launched.contains(&format!("version: \"{starts}\"")), "{point}: {launched}");
        let current = u.layout().read_pointer().unwrap().unwrap().current;
        assert_eq!(u.layout().read_manifest(&current).unwrap().unwrap().version, starts, "{point}: a complete version");
        if starts != version {
            // Run again, the update completes; the files downloaded before the kill are not fetched again.
            let Outcome::Applied { stats, .. } = u.update(false, None).await.unwrap() else { panic!("{point}: not applied") };
            assert_eq!(stats.target_bytes, 0, "{point}: {stats:?}");
            assert_eq!(b.launch(&base, "k"), format!("launched: Confirmed {{ version: \"{version}\" }}"), "{point}");
        }
        assert_installed(&u, &release, version);
        println!("updater killed at {point}: the next start ran {starts}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_updater_process_leaves_a_client_that_starts_on_sqlite() {
    a_killed_updater_process_leaves_a_client_that_starts(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_updater_process_leaves_a_client_that_starts_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    a_killed_updater_process_leaves_a_client_that_starts(Some(url.expose().to_string())).await;
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

/// One file whose download outlasts the transfer slot's lifetime (3 s here, the server's
/// `KINMU_UPDATE_SLOT_SECONDS`; the transfer is slowed to about 120 KB/s, so 1 MB takes three
/// lifetimes) keeps its slot: the updater renews it beside the transfer. The queue is full with it
/// (14 other clients hold slots, the limit is the default 15), and a 16th client that keeps
/// checking in meanwhile is never admitted; once the download ends, its slot is given back and the
/// 16th gets one.
async fn a_long_download_keeps_its_transfer_slot(database: Option<String>) {
    use kinmu::updates::clients;
    use kinmu_shared::api::{Admission, ClientCheckIn};
    use std::sync::atomic::{AtomicBool, Ordering};
    const SLOT_SECONDS: i64 = 3;
    let b = Bench { dir: tempfile::tempdir().unwrap(), database };
    let root_key = b.dir.path().join("root.key");
    ok(b.kinmu().args(["release", "keys", "init", "--root-key"]).arg(&root_key).output().unwrap(), "keys init");
    ok(b.kinmu().args(["release", "root", "--out"]).arg(b.dir.path().join("trusted-root.json")).output().unwrap(), "release root");
    let v1 = b.publish("1.0", 0);
    let (_server, base) = b.serve_with("127.0.0.1:0", &[("KINMU_UPDATE_SLOT_SECONDS", &SLOT_SECONDS.to_string())]);
    let db = Db::connect(&b.database_url(), 2).await.unwrap();
    let draws = clients::Draws::seeded(3);
    let check_in = |id: &str, secret: Option<String>| ClientCheckIn {
        client_id: id.into(),
        client_secret: secret,
        host: format!("PC-{id}"),
        user: "suzuki".into(),
        program: ClientProgram::App,
        platform: PLATFORM.into(),
        version: None,
        updater_version: None,
        wants_update: true,
        repair: false,
        slot_token: None,
    };
    // 14 slots held for the whole test (leases of an hour).
    for i in 0..14 {
        let a = clients::check_in(&db, check_in(&format!("holder-{i:02}"), None), kinmu::now(), &draws, 3600).await.unwrap();
        assert!(matches!(a.admission, Some(Admission::Admitted { .. })), "{a:?}");
    }

    let u = b.updater(&base, "slow");
    let started = std::time::Instant::now();
    let rate = 120_000.0;
    // Set once the last byte arrived: the slot is given back right after.
    let received = std::sync::Arc::new(AtomicBool::new(false));
    let all_in = received.clone();
    let slowed: kinmu_updater::client::ProgressFn = std::sync::Arc::new(move |p| {
        if p.step == kinmu_updater::client::Step::Downloading {
            if p.bytes_total > 0 && p.bytes_done >= p.bytes_total {
                all_in.store(true, Ordering::SeqCst);
            }
            let due = std::time::Duration::from_secs_f64(p.bytes_done as f64 / rate);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    });
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let update = tokio::spawn(async move {
        let out = u.update(false, Some(slowed)).await;
        finished.store(true, Ordering::SeqCst);
        (out, u)
    });
    // Once the download runs (a part file: the updater holds the 15th slot), the 16th keeps
    // checking in: never admitted.
    let part_seen = || walk(&b.dir.path().join("downloads-slow")).iter().any(|p| p.to_string_lossy().ends_with(".part"));
    while !part_seen() {
        assert!(!done.load(Ordering::SeqCst), "the download started");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut secret = None;
    let mut checks = 0;
    let mut in_transfer = 0;
    while !received.load(Ordering::SeqCst) {
        let a = clients::check_in(&db, check_in("sixteenth", secret.clone()), kinmu::now(), &draws, SLOT_SECONDS).await.unwrap();
        secret = secret.or(a.client_secret.clone());
        let transferring = part_seen();
        if received.load(Ordering::SeqCst) {
            break;
        }
        assert!(
            matches!(a.admission, Some(Admission::Waiting { position: 1, .. })),
            "check {checks} after {:?}: the 16th client must wait while the slow download holds its slot: {a:?}",
            started.elapsed()
        );
        let admitted: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM update_transfers WHERE state = 'admitted'").fetch_one(&db.pool).await.unwrap();
        assert!(admitted <= 15, "{admitted} slots held");
        checks += 1;
        in_transfer += usize::from(transferring);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let (out, u) = update.await.unwrap();
    assert!(done.load(Ordering::SeqCst));
    let took = started.elapsed();
    let Outcome::Applied { version, stats, .. } = out.unwrap() else { panic!("not applied") };
    assert_eq!(version, "1.0");
    assert_installed(&u, &v1, "1.0");
    assert!(took.as_secs_f64() > 2.0 * SLOT_SECONDS as f64, "the download outlasted the slot's lifetime twice: {took:?}");
    assert!(in_transfer >= 4, "the 16th checked in during the big file's transfer ({in_transfer} of {checks} checks)");
    assert!(stats.slot_renewals >= 2, "renewed during the transfer: {stats:?}");
    // The transfer ended: its slot is the 16th's now.
    let a = clients::check_in(&db, check_in("sixteenth", secret), kinmu::now(), &draws, SLOT_SECONDS).await.unwrap();
    assert!(matches!(a.admission, Some(Admission::Admitted { .. })), "{a:?}");
    println!(
        "{} bytes in {took:?} with a {SLOT_SECONDS} s slot: {} renewals, the 16th waited through {checks} check-ins",
        stats.target_bytes, stats.slot_renewals
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_download_keeps_its_transfer_slot_on_sqlite() {
    a_long_download_keeps_its_transfer_slot(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_long_download_keeps_its_transfer_slot_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    a_long_download_keeps_its_transfer_slot(Some(url.expose().to_string())).await;
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
    let db = Db::connect(&b.database_url(), 1).await.unwrap();
    let repairs = async || {
        let all = kinmu::updates::records::list(&db, &Actor::Operator, &UpdateRecordQuery::default()).await.unwrap().records;
        let mut repairs: Vec<_> = all.into_iter().filter(|r| r.kind == InstallKind::Repair).collect();
        repairs.sort_by_key(|r| r.id);
        repairs
    };

    // Every file intact: each one checked, nothing fetched or written — no new version folder,
    // the pointer as it was, nothing to restart into — and the server records the finding.
    let pointer_before = u.layout().read_pointer().unwrap().unwrap();
    let progress = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = progress.clone();
    let callback: kinmu_updater::client::ProgressFn = std::sync::Arc::new(move |p| seen.lock().unwrap().push(p.clone()));
    let intact = u.update(true, Some(callback)).await.unwrap();
    assert_eq!(intact, Outcome::Intact { version: "1.0".into(), files_checked: 3 });
    assert_eq!(u.layout().read_pointer().unwrap().unwrap(), pointer_before, "the pointer is untouched (no trial, no restart)");
    let folders: Vec<String> =
        std::fs::read_dir(u.layout().versions()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    assert_eq!(folders, vec![pointer_before.current.clone()], "no new version folder");
    let steps: Vec<_> = progress.lock().unwrap().iter().map(|p| (p.step, p.files_done, p.files_total)).collect();
    assert_eq!(steps.last(), Some(&(kinmu_updater::client::Step::Verifying, 3, 3)), "{steps:?}");
    assert!(!steps.iter().any(|s| s.0 == kinmu_updater::client::Step::Downloading), "{steps:?}");
    assert!(kinmu_updater::outbox::pending(u.layout()).unwrap().is_empty(), "every report delivered");
    let found = repairs().await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].result, found[0].files_checked, found[0].damaged_files.len()), (RecordResult::Normal, Some(3), 0), "{found:?}");
    assert_eq!((found[0].from_version.as_deref(), found[0].to_version.as_str()), (Some("1.0"), "1.0"));
    assert!(found[0].ended_at.is_some(), "the repair ended: {found:?}");
    let transfers: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM update_transfers WHERE state = 'admitted'").fetch_one(&db.pool).await.unwrap();
    assert_eq!(transfers, 0, "no transfer slot taken");

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
    let found = repairs().await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!((found[1].files_checked, found[1].damaged_files.clone()), (Some(3), vec!["ui/app.js".to_string()]), "{found:?}");
    assert_eq!(found[1].result, RecordResult::InProgress, "until the repaired copy starts healthy: {found:?}");

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
        update_id: None,
    };
    kinmu_updater::outbox::put(u.layout(), &healthy).unwrap();
    assert_eq!(u.send_outbox().await, 1);
    ok(b.kinmu().args(["release", "offer", "1.0", "--platform", PLATFORM]).output().unwrap(), "offer 1.0");
    std::fs::remove_file(u.layout().version_dir(&current(&u)).join("resources/data.bin")).unwrap();
    let Outcome::Applied { mode, version, stats } = u.update(true, None).await.unwrap() else { panic!("not repaired") };
    assert_eq!((mode, version.as_str()), (InstallMode::Repair, "2.0"), "not a downgrade");
    assert_eq!((stats.files_fetched, stats.target_bytes), (1, size(&v2.join("resources/data.bin"))), "{stats:?}");
    assert_installed(&u, &v2, "2.0");

    // The server recorded all three as repairs, each with its finding.
    let found = repairs().await;
    let seen: Vec<_> = found.iter().map(|r| (r.to_version.as_str(), r.files_checked, r.damaged_files.clone())).collect();
    assert_eq!(
        seen,
        vec![
            ("1.0", Some(3), vec![]),
            ("1.0", Some(3), vec!["ui/app.js".to_string()]),
            ("2.0", Some(3), vec!["resources/data.bin".to_string()])
        ],
        "{found:?}"
    );
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

/// A repair started right after an update whose "started healthy" has not reached the server yet
/// (the launcher wrote it to the outbox; the shell sends it a few seconds after the window loaded,
/// or at the next check-in if the server did not answer then): the repair gets its own record —
/// one for the intact check, one for a repair that fetched a damaged file — and the update's
/// record is still ended by its own "started healthy" when it arrives, once, whatever came in
/// between (every event carries its update's id; the launcher's too, from the trial).
async fn a_repair_before_the_update_reported_healthy_has_its_own_record(database: Option<String>) {
    use kinmu_shared::update_policy::InstallKind;
    use kinmu_updater::outbox;
    let b = Bench { dir: tempfile::tempdir().unwrap(), database };
    let root_key = b.dir.path().join("root.key");
    ok(b.kinmu().args(["release", "keys", "init", "--root-key"]).arg(&root_key).output().unwrap(), "keys init");
    ok(b.kinmu().args(["release", "root", "--out"]).arg(b.dir.path().join("trusted-root.json")).output().unwrap(), "release root");
    b.publish("1.0", 0);
    let (_server, base) = b.serve();
    let u = b.updater(&base, "h");
    assert!(matches!(u.update(false, None).await.unwrap(), Outcome::Applied { .. }), "1.0 installed");

    // 1.0 → 2.0, then its first start through the launcher: healthy, written to the outbox.
    let v2 = b.publish("2.0", 0);
    let Outcome::Applied { mode, .. } = u.update(false, None).await.unwrap() else { panic!("not applied") };
    assert_eq!(mode, InstallMode::Differential);
    assert_eq!(b.launch(&base, "h"), r#"launched: Confirmed { version: "2.0" }"#);
    let healthy = outbox::pending(u.layout()).unwrap();
    assert!(!healthy.is_empty() && healthy.iter().all(|r| r.event == kinmu_shared::update_policy::UpdateEvent::StartedHealthy));
    assert!(healthy.iter().all(|r| r.update_id.is_some()), "the launcher's report names its update: {healthy:?}");
    // Not delivered yet when the repairs run: the reports wait aside, as they would in the outbox
    // while the server does not take them.
    for r in &healthy {
        outbox::remove(u.layout(), &r.request_id).unwrap();
    }

    let db = Db::connect(&b.database_url(), 1).await.unwrap();
    let records = async || {
        let mut all = kinmu::updates::records::list(&db, &Actor::Operator, &UpdateRecordQuery::default()).await.unwrap().records;
        all.sort_by_key(|r| r.id);
        all.into_iter().filter(|r| r.to_version == "2.0").collect::<Vec<_>>()
    };
    let update = records().await;
    assert_eq!((update.len(), update[0].kind, update[0].result), (1, InstallKind::Differential, RecordResult::InProgress), "{update:?}");

    // An intact repair, then one that fetches a damaged file: each a record of its own.
    assert_eq!(u.update(true, None).await.unwrap(), Outcome::Intact { version: "2.0".into(), files_checked: 3 });
    std::fs::write(u.layout().version_dir(&u.layout().read_pointer().unwrap().unwrap().current).join("ui/app.js"), "broken").unwrap();
    let Outcome::Applied { mode, stats, .. } = u.update(true, None).await.unwrap() else { panic!("not repaired") };
    assert_eq!((mode, stats.files_fetched, stats.target_bytes), (InstallMode::Repair, 1, size(&v2.join("ui/app.js"))));
    let before = records().await;
    let kinds: Vec<_> = before.iter().map(|r| (r.kind, r.result, r.files_checked)).collect();
    assert_eq!(
        kinds,
        vec![
            (InstallKind::Differential, RecordResult::InProgress, None),
            (InstallKind::Repair, RecordResult::Normal, Some(3)),
            (InstallKind::Repair, RecordResult::InProgress, Some(3)),
        ],
        "the update's record still waits for its healthy start: {before:?}"
    );

    // The update's healthy start arrives: it ends the update's record, and only that one.
    for r in &healthy {
        outbox::put(u.layout(), r).unwrap();
    }
    assert_eq!(u.send_outbox().await, healthy.len());
    let after = records().await;
    assert_eq!(after.len(), 3, "no record opened by the late report: {after:?}");
    assert_eq!(
        (after[0].kind, after[0].result, after[0].last_step.as_str()),
        (InstallKind::Differential, RecordResult::Normal, "started_healthy")
    );
    assert!(after[0].ended_at.is_some());
    assert_eq!(after[1], before[1], "the intact repair's record is untouched");
    assert_eq!(after[2], before[2], "the damaged repair's record still waits for its own healthy start");
    // Delivered again (its answer lost, say): counted once.
    for r in &healthy {
        outbox::put(u.layout(), r).unwrap();
    }
    assert_eq!(u.send_outbox().await, healthy.len());
    assert_eq!(records().await, after, "a report sent again changes nothing");
    let ids: Vec<String> = healthy.iter().map(|r| r.request_id.clone()).collect();
    let counted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM update_events WHERE request_id = $1 OR request_id = $2")
        .bind(&ids[0])
        .bind(ids.last().unwrap())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(counted, ids.len().min(2) as i64, "each request id once");

    // The repaired copy starts healthy: its own record ends.
    assert_eq!(b.launch(&base, "h"), r#"launched: Confirmed { version: "2.0+1" }"#);
    u.send_outbox().await;
    let last = records().await;
    assert_eq!((last[2].kind, last[2].result), (InstallKind::Repair, RecordResult::Normal), "{last:?}");
    assert_eq!(last[0], after[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repair_before_the_update_reported_healthy_has_its_own_record_on_sqlite() {
    a_repair_before_the_update_reported_healthy_has_its_own_record(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repair_before_the_update_reported_healthy_has_its_own_record_on_postgres() {
    let Some(url) = postgres_url().await else { return };
    a_repair_before_the_update_reported_healthy_has_its_own_record(Some(url.expose().to_string())).await;
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
            update_id: None,
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
