//! Benchmark of client module updates (issue 20, "Speed"): N simulated desktop clients (default
//! 1,000) update from release 1.0 to 2.0 of a 50 MB release (50 files of 1 MB) of which 5 MB (5
//! files) changed, against the update policy's concurrency limit (15), through a real `kinmu serve`
//! process on embedded SQLite. Each client does what the desktop updater does on the wire:
//!
//! 1. checks in (`POST /api/v1/updates/check` with `wants_update`), and while told to wait, checks
//!    in again after the `check_again_seconds` the server answered;
//! 2. once admitted, reads the TUF metadata (`timestamp.json`, the snapshot and targets it names),
//!    compares release 2.0's files with the hashes of its installed 1.0 files, and downloads only
//!    the changed files with its slot's token (`X-Kinmu-Slot`);
//! 3. reports download started, download ended (which frees its slot), applied, started healthy.
//!
//! It prints: the time until every client is done, HTTP bytes per client (bodies and headers, both
//! ways), the most transfers seen at once, and the server's peak memory (VmHWM). Then it measures
//! throughput alone: `limit` workers each holding a slot download the changed files as many times
//! as the N clients did, once from `kinmu serve` and once from nginx (Debian's package) serving the
//! same files from the same folder, in the same run, with the same HTTP client; it prints both in
//! MB/s and their ratio (the aim: Kinmu at least 80 % of nginx). It prints figures, never asserts.
//!
//! ```text
//! scripts/bench-updates [--clients 1000] [--limit 15] [--files 50] [--file-kb 1024] [--changed 5]
//! ```
//!
//! Metadata signatures are not verified by the simulated clients (the desktop updater does, with
//! tough); the benchmark measures the server and the wire.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::{Request, StatusCode};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kinmu_shared::api::{Admission, CheckInAnswer, ClientCheckIn, ClientEventReport};
use kinmu_shared::update_policy::{ClientProgram, InstallKind, UpdateEvent};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The same allocator as the `kinmu` command (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PLATFORM: &str = "linux-x86_64";
const FROM: &str = "1.0";
const TO: &str = "2.0";

#[derive(Parser)]
struct Options {
    /// Simulated clients.
    #[arg(long, default_value_t = 1000)]
    clients: usize,
    /// The update policy's concurrency limit (the default policy's is 15).
    #[arg(long, default_value_t = 15)]
    limit: usize,
    /// Files in the release.
    #[arg(long, default_value_t = 50)]
    files: usize,
    /// Size of each file in KiB.
    #[arg(long, default_value_t = 1024)]
    file_kb: usize,
    /// Files that differ between 1.0 and 2.0.
    #[arg(long, default_value_t = 5)]
    changed: usize,
    /// Work folder (default: a temporary one, deleted afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The `kinmu` binary (default: the one beside this benchmark).
    #[arg(long)]
    kinmu: Option<PathBuf>,
    /// The nginx binary (default: nginx on the PATH or /usr/sbin/nginx; none: skip the comparison).
    #[arg(long)]
    nginx: Option<PathBuf>,
    /// The server's update check-ins and event reports a minute per client address: every simulated
    /// client comes from 127.0.0.1, so the default (600) is raised far past what they send; the
    /// requests are still counted.
    #[arg(long, default_value_t = 100_000_000)]
    update_requests_per_minute: i64,
    /// The throughput comparison alternates Kinmu and nginx this many times (each turn downloads
    /// the changed files `clients / turns` times per server), so that other work on the machine
    /// weighs on both alike; each turn's ratio is printed, then the spread.
    #[arg(long, default_value_t = 4)]
    turns: usize,
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Bytes and requests seen by the HTTP client.
#[derive(Default)]
struct Wire {
    bytes: AtomicU64,
    requests: AtomicU64,
    /// Requests sent again after a connection error.
    retries: AtomicU64,
}

/// An answer's status and body; counts both ways' bytes (headers as `name: value\r\n`). A request
/// that fails on the connection (a pooled connection the server closed as it was reused) is sent
/// again, up to three times, as the desktop updater does; events carry request ids, so a retried
/// event counts once.
async fn send(http: &HttpClient, wire: &Wire, req: Request<Full<Bytes>>) -> Result<(StatusCode, Bytes), String> {
    let (parts, body) = req.into_parts();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut req = Request::builder().method(parts.method.clone()).uri(parts.uri.clone());
        for (name, value) in &parts.headers {
            req = req.header(name, value);
        }
        let req = req.body(body.clone()).map_err(|e| format!("request: {e}"))?;
        let request_bytes = header_bytes(req.headers()) + req.uri().to_string().len() + 16;
        let body_len = http_body::Body::size_hint(req.body()).exact().unwrap_or(0) as usize;
        let resp = match http.request(req).await {
            Ok(resp) => resp,
            Err(e) if attempt < 3 && (e.is_connect() || format!("{e:?}").contains("SendRequest")) => {
                wire.retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(e) => return Err(format!("request failed: {e:?}")),
        };
        let status = resp.status();
        let head = header_bytes(resp.headers()) + 17;
        let body = resp.into_body().collect().await.map_err(|e| format!("body failed: {e}"))?.to_bytes();
        wire.bytes.fetch_add((request_bytes + body_len + head + body.len()) as u64, Ordering::Relaxed);
        wire.requests.fetch_add(1, Ordering::Relaxed);
        return Ok((status, body));
    }
}

fn header_bytes(h: &axum::http::HeaderMap) -> usize {
    h.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum::<usize>() + 2
}

fn get(url: &str, slot: Option<&str>) -> Request<Full<Bytes>> {
    let mut b = Request::get(url);
    if let Some(slot) = slot {
        b = b.header("x-kinmu-slot", slot);
    }
    b.body(Full::new(Bytes::new())).expect("a GET request")
}

fn post(url: &str, body: &impl serde::Serialize) -> Request<Full<Bytes>> {
    Request::post(url)
        .header("content-type", "application/json")
        .header(kinmu_shared::CSRF_HEADER, "1")
        .body(Full::new(Bytes::from(serde_json::to_vec(body).expect("JSON"))))
        .expect("a POST request")
}

/// Deterministic file contents: `seed` picks the bytes.
fn file_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = Sha256::digest(seed.to_le_bytes());
    while out.len() < len {
        out.extend_from_slice(&block);
        block = Sha256::digest(block);
    }
    out.truncate(len);
    out
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what} failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("its address").port()
}

/// `VmHWM` (peak resident memory) of a process, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

async fn wait_until_up(http: &HttpClient, url: &str) {
    let wire = Wire::default();
    for _ in 0..400 {
        if matches!(send(http, &wire, get(url, None)).await, Ok((s, _)) if s.is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not answer");
}

/// What a simulated client needs to know.
struct Release {
    /// The installed 1.0 files' hashes, by path within the release.
    installed: HashMap<String, String>,
}

/// The changed files of 2.0 as `(url path below targets/, length)`, from the metadata.
async fn changed_targets(http: &HttpClient, wire: &Wire, base: &str, release: &Release) -> Result<Vec<(String, u64)>, String> {
    let json = |b: &Bytes| serde_json::from_slice::<Value>(b).map_err(|e| format!("metadata is not JSON: {e}"));
    let (_, ts) = send(http, wire, get(&format!("{base}/updates/metadata/timestamp.json"), None)).await?;
    let snapshot_version = json(&ts)?["signed"]["meta"]["snapshot.json"]["version"].as_u64().ok_or("no snapshot version")?;
    let (_, snap) = send(http, wire, get(&format!("{base}/updates/metadata/{snapshot_version}.snapshot.json"), None)).await?;
    let targets_version = json(&snap)?["signed"]["meta"]["targets.json"]["version"].as_u64().ok_or("no targets version")?;
    let (_, targets) = send(http, wire, get(&format!("{base}/updates/metadata/{targets_version}.targets.json"), None)).await?;
    let targets = json(&targets)?;
    let prefix = format!("{PLATFORM}/{TO}/");
    let mut changed = Vec::new();
    for (path, target) in targets["signed"]["targets"].as_object().ok_or("no targets")? {
        let Some(name) = path.strip_prefix(&prefix) else { continue };
        let hash = target["hashes"]["sha256"].as_str().ok_or("a target without sha256")?;
        if release.installed.get(name).map(String::as_str) != Some(hash) {
            let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
            changed.push((format!("{dir}/{hash}.{file}"), target["length"].as_u64().unwrap_or(0)));
        }
    }
    changed.sort();
    Ok(changed)
}

#[derive(Default)]
struct Counters {
    transferring: AtomicUsize,
    most_transferring: AtomicUsize,
    waits: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
}

/// One client's update; its HTTP bytes and retried requests.
async fn simulated_client(
    i: usize,
    http: HttpClient,
    base: Arc<str>,
    release: Arc<Release>,
    counters: Arc<Counters>,
) -> Result<(u64, u64), String> {
    let wire = Wire::default();
    let client_id = format!("bench-client-{i:05}");
    let mut secret: Option<String> = None;
    let mut slot: Option<String> = None;
    let check_in = |secret: Option<String>, slot: Option<String>| ClientCheckIn {
        client_id: client_id.clone(),
        client_secret: secret,
        host: format!("pc-{i:05}"),
        user: format!("user{i:05}"),
        program: ClientProgram::App,
        platform: PLATFORM.to_string(),
        version: Some(FROM.to_string()),
        updater_version: Some(FROM.to_string()),
        wants_update: true,
        repair: false,
        slot_token: slot,
    };
    loop {
        let (status, body) =
            send(&http, &wire, post(&format!("{base}/api/v1/updates/check"), &check_in(secret.clone(), slot.clone()))).await?;
        if !status.is_success() {
            return Err(format!("check-in answered {status}: {}", String::from_utf8_lossy(&body)));
        }
        let answer: CheckInAnswer = serde_json::from_slice(&body).map_err(|e| format!("check-in answer: {e}"))?;
        if let Some(s) = answer.client_secret {
            secret = Some(s);
        }
        match answer.admission {
            Some(Admission::Admitted { slot_token, .. }) => {
                slot = slot_token.or(slot);
                break;
            }
            Some(Admission::Waiting { .. }) => {
                counters.waits.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_secs(answer.check_again_seconds.max(1) as u64)).await;
            }
            None => return Err(format!("no admission: {:?}", answer.decision)),
        }
    }
    let secret = secret.ok_or("no client secret")?;
    let slot = slot.ok_or("admitted without a slot token")?;
    let mut event_no = 0;
    let mut report = |event: UpdateEvent| {
        event_no += 1;
        ClientEventReport {
            client_id: client_id.clone(),
            client_secret: secret.clone(),
            request_id: format!("{client_id}-{event_no}"),
            module: "app".to_string(),
            install_kind: InstallKind::Differential,
            from_version: Some(FROM.to_string()),
            to_version: TO.to_string(),
            event,
            update_id: None,
        }
    };
    let now = counters.transferring.fetch_add(1, Ordering::SeqCst) + 1;
    counters.most_transferring.fetch_max(now, Ordering::SeqCst);
    let changed = changed_targets(&http, &wire, &base, &release).await?;
    send(&http, &wire, post(&format!("{base}/api/v1/updates/events"), &report(UpdateEvent::DownloadStarted))).await?;
    let mut bytes = 0;
    for (path, _) in &changed {
        let (status, body) = send(&http, &wire, get(&format!("{base}/updates/targets/{path}"), Some(&slot))).await?;
        if !status.is_success() {
            return Err(format!("{path} answered {status}"));
        }
        bytes += body.len() as i64;
    }
    counters.transferring.fetch_sub(1, Ordering::SeqCst);
    for event in [UpdateEvent::DownloadEnded { bytes }, UpdateEvent::Applied, UpdateEvent::StartedHealthy] {
        let (status, body) = send(&http, &wire, post(&format!("{base}/api/v1/updates/events"), &report(event))).await?;
        if !status.is_success() {
            return Err(format!("event answered {status}: {}", String::from_utf8_lossy(&body)));
        }
    }
    counters.done.fetch_add(1, Ordering::Relaxed);
    Ok((wire.bytes.load(Ordering::Relaxed), wire.retries.load(Ordering::Relaxed)))
}

/// `workers` tasks download `paths` `rounds` times in all from `base/…`; bytes per second.
async fn throughput(http: &HttpClient, urls: Vec<(String, Option<String>)>, rounds: usize) -> (f64, u64) {
    let wire = Arc::new(Wire::default());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = urls
        .into_iter()
        .map(|(url_prefix, slot)| {
            let (http, wire, next) = (http.clone(), wire.clone(), next.clone());
            tokio::spawn(async move {
                let paths: Vec<String> = url_prefix.split('\n').map(str::to_string).collect();
                while next.fetch_add(1, Ordering::Relaxed) < rounds {
                    for url in &paths {
                        let (status, _) = send(&http, &wire, get(url, slot.as_deref())).await.expect("a download");
                        assert!(status.is_success(), "{url}: {status}");
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("a worker");
    }
    let bytes = wire.bytes.load(Ordering::Relaxed);
    (bytes as f64 / started.elapsed().as_secs_f64(), bytes)
}

fn nginx_binary(opt: &Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = opt {
        return Some(p.clone());
    }
    ["/usr/sbin/nginx", "/usr/bin/nginx"].iter().map(PathBuf::from).find(|p| p.exists())
}

fn start_nginx(nginx: &Path, work: &Path, root: &Path, port: u16) -> Process {
    let prefix = work.join("nginx");
    std::fs::create_dir_all(prefix.join("logs")).expect("nginx folder");
    // As root, nginx's workers would run as nobody, who cannot read the work folder.
    let user = if running_as_root() { "user root root;" } else { "" };
    let conf = format!(
        "{user}\nworker_processes auto;\ndaemon off;\npid {p}/nginx.pid;\nerror_log {p}/logs/error.log warn;\n\
         events {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n\
           client_body_temp_path {p}/body;\n  proxy_temp_path {p}/proxy;\n  fastcgi_temp_path {p}/fastcgi;\n\
           uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
           server {{ listen 127.0.0.1:{port}; location /updates/targets/ {{ alias {root}/; }} }}\n}}\n",
        p = prefix.display(),
        root = root.display(),
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("nginx.conf");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(&prefix)
        .arg("-e")
        .arg(prefix.join("logs/error.log"))
        .arg("-c")
        .arg(&conf_path)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("nginx starts");
    Process(child)
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Uid:")).map(|v| v.split_whitespace().next() == Some("0")))
        .unwrap_or(false)
}

#[tokio::main]
async fn main() {
    let o = Options::parse();
    assert!(o.changed <= o.files, "--changed cannot exceed --files");
    let temp = tempfile::tempdir().expect("a temporary folder");
    let work = o.dir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    let kinmu = o.kinmu.clone().unwrap_or_else(|| std::env::current_exe().expect("this program").with_file_name("kinmu"));
    let data = work.join("data");
    let file_len = o.file_kb * 1024;

    // Releases 1.0 and 2.0: the first `changed` files differ.
    let mut installed = HashMap::new();
    for (version, dir) in [(FROM, work.join("v1")), (TO, work.join("v2"))] {
        std::fs::create_dir_all(&dir).expect("release folder");
        for f in 0..o.files {
            let seed = if version == TO && f < o.changed { 1_000_000 + f as u64 } else { f as u64 };
            let bytes = file_bytes(seed, file_len);
            let name = format!("module-{f:03}.bin");
            if version == FROM {
                installed.insert(name.clone(), hex_sha256(&bytes));
            }
            std::fs::write(dir.join(name), bytes).expect("release file");
        }
    }
    let cli = || {
        let mut c = Command::new(&kinmu);
        c.arg("--data-dir").arg(&data).env_remove("KINMU_CONFIG").env("KINMU_LOG", "warn");
        c
    };
    let t = Instant::now();
    run(cli().args(["release", "keys", "init", "--root-key"]).arg(work.join("root.key")), "release keys init");
    for (version, dir) in [(FROM, "v1"), (TO, "v2")] {
        run(cli().args(["release", "publish", "--version", version, "--platform", PLATFORM]).arg(work.join(dir)), "release publish");
    }
    run(cli().args(["release", "offer", TO, "--platform", PLATFORM]), "release offer");
    println!(
        "releases {FROM} and {TO}: {} files of {} KiB ({:.1} MB), {} changed ({:.1} MB); published in {:.1} s",
        o.files,
        o.file_kb,
        (o.files * file_len) as f64 / 1e6,
        o.changed,
        (o.changed * file_len) as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    if o.limit != 15 {
        // The default policy's limit is 15; another one goes through the settings file.
        let out = cli().args(["settings", "export"]).output().expect("settings export");
        let settings = String::from_utf8_lossy(&out.stdout).replace("concurrency_limit = 15", &format!("concurrency_limit = {}", o.limit));
        let file = work.join("settings.toml");
        std::fs::write(&file, settings).expect("settings file");
        run(cli().args(["settings", "import"]).arg(&file), "settings import");
    }

    let port = free_port();
    let base: Arc<str> = format!("http://127.0.0.1:{port}").into();
    let server = Process(
        cli()
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--max-connections", "16"])
            .env("KINMU_UPDATE_REQUESTS_PER_MINUTE", o.update_requests_per_minute.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kinmu serve starts"),
    );
    let server_pid = server.0.id();
    let http: HttpClient = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(o.clients.max(64)).build_http();
    wait_until_up(&http, &format!("{base}/api/v1/health")).await;
    let base_memory = peak_kib(server_pid).unwrap_or(0);

    // 1. Every client updates through check-in, the queue, the metadata and the changed files.
    let counters = Arc::new(Counters::default());
    let release = Arc::new(Release { installed });
    let started = Instant::now();
    let tasks: Vec<_> =
        (0..o.clients).map(|i| tokio::spawn(simulated_client(i, http.clone(), base.clone(), release.clone(), counters.clone()))).collect();
    let mut per_client = Vec::with_capacity(o.clients);
    let mut retries = 0;
    for task in tasks {
        match task.await.expect("a client task") {
            Ok((bytes, retried)) => {
                per_client.push(bytes);
                retries += retried;
            }
            Err(e) => {
                counters.failed.fetch_add(1, Ordering::Relaxed);
                eprintln!("a client failed: {e}");
            }
        }
    }
    let all_done = started.elapsed();
    per_client.sort_unstable();
    let mean = per_client.iter().sum::<u64>() as f64 / per_client.len().max(1) as f64;
    println!(
        "{} clients against a limit of {}: all done in {:.1} s ({} failed, {} requests retried after a connection error); \
         most transferring at once: {}; check-ins while waiting: {}",
        o.clients,
        o.limit,
        all_done.as_secs_f64(),
        counters.failed.load(Ordering::Relaxed),
        retries,
        counters.most_transferring.load(Ordering::Relaxed),
        counters.waits.load(Ordering::Relaxed),
    );
    println!(
        "HTTP bytes per client (bodies and headers, both ways): mean {:.2} MB, min {:.2} MB, max {:.2} MB (the changed files: {:.2} MB)",
        mean / 1e6,
        per_client.first().copied().unwrap_or(0) as f64 / 1e6,
        per_client.last().copied().unwrap_or(0) as f64 / 1e6,
        (o.changed * file_len) as f64 / 1e6
    );
    println!(
        "kinmu serve memory: {:.1} MiB at start, peak {:.1} MiB (VmHWM)",
        base_memory as f64 / 1024.0,
        peak_kib(server_pid).unwrap_or(0) as f64 / 1024.0
    );

    // 2. Throughput alone: `limit` slot holders download the changed files, from Kinmu and from nginx.
    let wire = Wire::default();
    let changed = changed_targets(&http, &wire, &base, &release).await.expect("the metadata");
    let mut holders = Vec::new();
    for w in 0..o.limit {
        let mut req = ClientCheckIn {
            client_id: format!("bench-throughput-{w:03}"),
            client_secret: None,
            host: format!("bench-{w}"),
            user: "bench".to_string(),
            program: ClientProgram::App,
            platform: PLATFORM.to_string(),
            version: Some(FROM.to_string()),
            updater_version: Some(FROM.to_string()),
            wants_update: true,
            repair: false,
            slot_token: None,
        };
        let (_, body) = send(&http, &wire, post(&format!("{base}/api/v1/updates/check"), &req)).await.expect("check-in");
        let answer: CheckInAnswer = serde_json::from_slice(&body).expect("a check-in answer");
        let Some(Admission::Admitted { slot_token: Some(slot), .. }) = answer.admission else {
            panic!("throughput worker {w} was not admitted: {answer:?}")
        };
        req.client_secret = answer.client_secret;
        req.slot_token = Some(slot);
        holders.push(req);
    }
    let kinmu_urls = changed.iter().map(|(p, _)| format!("{base}/updates/targets/{p}")).collect::<Vec<_>>().join("\n");
    // The slots last a minute unless renewed: each Kinmu turn renews them first, as clients do.
    let renewed = async |holders: &[ClientCheckIn]| -> Vec<(String, Option<String>)> {
        let mut workers = Vec::new();
        for req in holders {
            let (_, body) = send(&http, &wire, post(&format!("{base}/api/v1/updates/check"), req)).await.expect("check-in");
            let answer: CheckInAnswer = serde_json::from_slice(&body).expect("a check-in answer");
            assert!(matches!(answer.admission, Some(Admission::Admitted { .. })), "a throughput worker lost its slot: {answer:?}");
            workers.push((kinmu_urls.clone(), req.slot_token.clone()));
        }
        workers
    };
    let nginx = nginx_binary(&o.nginx).map(|nginx| {
        let nginx_port = free_port();
        let process = start_nginx(&nginx, &work, &data.join("updates/repository/targets"), nginx_port);
        let base = format!("http://127.0.0.1:{nginx_port}");
        let urls: Vec<String> = changed.iter().map(|(p, _)| format!("{base}/updates/targets/{p}")).collect();
        (process, base, urls.join("\n"))
    });
    if let Some((_, nginx_base, _)) = &nginx {
        wait_until_up(&http, &format!("{nginx_base}/updates/targets/{}", changed[0].0)).await;
    } else {
        println!("nginx: not installed (apt-get install nginx), no comparison");
    }
    let turns = o.turns.max(1);
    let rounds = o.clients.div_ceil(turns);
    let (mut kinmu_total, mut nginx_total) = ((0u64, 0f64), (0u64, 0f64));
    let mut ratios = Vec::new();
    for turn in 1..=turns {
        let (kinmu_rate, kinmu_bytes) = throughput(&http, renewed(&holders).await, rounds).await;
        kinmu_total = (kinmu_total.0 + kinmu_bytes, kinmu_total.1 + kinmu_bytes as f64 / kinmu_rate);
        let Some((_, _, urls)) = &nginx else {
            println!(
                "throughput turn {turn}/{turns}, {} workers, {:.0} MB: kinmu serve {:.0} MB/s",
                o.limit,
                kinmu_bytes as f64 / 1e6,
                kinmu_rate / 1e6
            );
            continue;
        };
        let workers = (0..o.limit).map(|_| (urls.clone(), None)).collect();
        let (nginx_rate, nginx_bytes) = throughput(&http, workers, rounds).await;
        nginx_total = (nginx_total.0 + nginx_bytes, nginx_total.1 + nginx_bytes as f64 / nginx_rate);
        ratios.push(kinmu_rate / nginx_rate);
        println!(
            "throughput turn {turn}/{turns}, {} workers, {:.0} MB each: kinmu serve {:.0} MB/s, nginx {:.0} MB/s: {:.0} %",
            o.limit,
            kinmu_bytes as f64 / 1e6,
            kinmu_rate / 1e6,
            nginx_rate / 1e6,
            100.0 * kinmu_rate / nginx_rate
        );
    }
    let kinmu_rate = kinmu_total.0 as f64 / kinmu_total.1;
    println!(
        "throughput, {} workers, {:.0} MB: kinmu serve {:.0} MB/s (peak memory now {:.1} MiB)",
        o.limit,
        kinmu_total.0 as f64 / 1e6,
        kinmu_rate / 1e6,
        peak_kib(server_pid).unwrap_or(0) as f64 / 1024.0
    );
    drop(server);
    if let Some((process, _, _)) = nginx {
        let nginx_rate = nginx_total.0 as f64 / nginx_total.1;
        let nginx_memory: u64 = std::iter::once(process.0.id()).chain(children_of(process.0.id())).filter_map(peak_kib).sum();
        println!(
            "throughput, {} workers, {:.0} MB: nginx {:.0} MB/s (peak memory, master and workers: {:.1} MiB)",
            o.limit,
            nginx_total.0 as f64 / 1e6,
            nginx_rate / 1e6,
            nginx_memory as f64 / 1024.0
        );
        ratios.sort_by(f64::total_cmp);
        println!(
            "kinmu serve / nginx: {:.0} % over all turns (turns from {:.0} % to {:.0} %)",
            100.0 * kinmu_rate / nginx_rate,
            100.0 * ratios.first().copied().unwrap_or(0.0),
            100.0 * ratios.last().copied().unwrap_or(0.0)
        );
    }
}
