//! An independent TUF client against a real `kinmu serve`, on SQLite and PostgreSQL: python-tuf's
//! `ngclient` (installed by `scripts/install-deps test` in `target/python-tuf`) starts from the
//! root `kinmu release root` wrote, walks the rotated root, downloads and verifies each file of a
//! release published with `kinmu release publish`, and resumes a download with a Range request;
//! a tampered file and tampered metadata are refused. This proves the layout is TUF's standard one.
//! The metadata is public, a target without a transfer slot is refused (429, check in), and the
//! client downloads with the slot a check-in gave it in the `X-Kinmu-Slot` header.

mod test_databases;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use test_databases::postgres_url;

/// The Python with python-tuf: `KINMU_TEST_PYTHON_TUF`, else the test command's virtual
/// environment `target/python-tuf`. None (the test is skipped) when there is none, unless
/// `KINMU_TEST_REQUIRE_PYTHON_TUF=1`.
fn python_tuf() -> Option<PathBuf> {
    let python = std::env::var_os("KINMU_TEST_PYTHON_TUF")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/python-tuf/bin/python"));
    let works = Command::new(&python).args(["-c", "import tuf.ngclient"]).output().is_ok_and(|o| o.status.success());
    if works {
        return Some(python);
    }
    if std::env::var("KINMU_TEST_REQUIRE_PYTHON_TUF").as_deref() == Ok("1") {
        panic!("KINMU_TEST_REQUIRE_PYTHON_TUF=1 but {} cannot import tuf.ngclient: run scripts/install-deps test", python.display());
    }
    eprintln!("skipping the python-tuf client: {} cannot import tuf.ngclient (scripts/install-deps test installs it)", python.display());
    None
}

/// A `kinmu serve` process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn ok(o: Output, what: &str) -> String {
    assert!(o.status.success(), "{what} failed: {}{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

fn python_tuf_verifies_what_kinmu_serves(python: &Path, database: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let kinmu = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kinmu"));
        c.env("KINMU_DATA_DIR", &data).env_remove("KINMU_CONFIG").env("KINMU_LOG", "warn");
        match &database {
            Some(url) => c.env("KINMU_DATABASE_URL", url),
            None => c.env_remove("KINMU_DATABASE_URL"),
        };
        c
    };
    let root_key = dir.path().join("root.key");
    ok(kinmu().args(["release", "keys", "init", "--root-key"]).arg(&root_key).output().unwrap(), "keys init");
    let trusted = dir.path().join("trusted-root.json");
    ok(kinmu().args(["release", "root", "--out"]).arg(&trusted).output().unwrap(), "release root");

    let src = dir.path().join("release");
    std::fs::create_dir_all(src.join("ui")).unwrap();
    let binary: Vec<u8> = (0..1_500_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
    std::fs::write(src.join("kinmu-desktop.exe"), &binary).unwrap();
    std::fs::write(src.join("ui").join("app.js"), "console.log('Kinmu 2.0.0')").unwrap();
    let out = ok(
        kinmu().args(["release", "publish"]).arg(&src).args(["--version", "2.0.0", "--platform", "windows-x86_64"]).output().unwrap(),
        "publish",
    );
    assert!(out.contains("2 files"), "{out}");
    // The client shipped with root 1; the timestamp key is replaced since: it walks to root 2.
    ok(kinmu().args(["release", "rotate-key", "--role", "timestamp", "--root-key"]).arg(&root_key).output().unwrap(), "rotate-key");
    ok(kinmu().args(["release", "offer", "2.0.0", "--platform", "windows-x86_64"]).output().unwrap(), "offer");
    let list = ok(kinmu().args(["release", "list", "--format", "csv"]).output().unwrap(), "list");
    assert!(list.contains("2.0.0,windows-x86_64,"), "{list}");

    let mut child = kinmu()
        .args(["serve", "--addr", "127.0.0.1:0", "--base-path", "/kinmu"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let line =
        std::io::BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.contains("Kinmu is running")).expect("the server starts");
    let port = line.split("http://").nth(1).and_then(|rest| rest.split('/').next()).and_then(|h| h.rsplit(':').next()).unwrap().to_string();
    let base = format!("http://127.0.0.1:{port}/kinmu");

    let client = |work: &str| {
        Command::new(python)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tuf_client/verify.py"))
            .arg(&base)
            .arg(&trusted)
            .arg(dir.path().join(work))
            .arg(format!("verify-{work}"))
            .arg("windows-x86_64")
            .args(["windows-x86_64/2.0.0/kinmu-desktop.exe", "windows-x86_64/2.0.0/ui/app.js"])
            .output()
            .unwrap()
    };
    let report: serde_json::Value = serde_json::from_str(&ok(client("client-1"), "python-tuf client")).unwrap();
    println!("python-tuf: {report}");
    assert_eq!(report["root_version"], 2, "the client walked from root 1 to root 2");
    let without = &report["without_slot"];
    assert_eq!((without["status"].as_i64(), without["retry_after"].as_str()), (Some(429), Some("5")), "{without}");
    assert!(without["message"].as_str().unwrap().contains("check in"), "{without}");
    assert_eq!(report["offered_version"], "2.0.0", "the release offered for the client's platform");
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets[0]["length"], binary.len());
    assert_eq!(targets[0]["sha256"], kinmu::updates::releases::sha256_hex(&binary));
    assert_eq!(targets[1]["length"], "console.log('Kinmu 2.0.0')".len());
    let resumed = &report["resumed"];
    assert_eq!((resumed["first_status"].as_i64(), resumed["rest_status"].as_i64()), (Some(206), Some(206)));
    let half = binary.len() / 2;
    assert_eq!(resumed["content_range"], format!("bytes {half}-{}/{}", binary.len() - 1, binary.len()));
    assert_eq!(resumed["verified"], true);

    // A file changed on the server is refused by the client.
    let sha = kinmu::updates::releases::sha256_hex(&binary);
    let on_disk = data.join("updates/repository/targets/windows-x86_64/2.0.0").join(format!("{sha}.kinmu-desktop.exe"));
    let mut bad = binary.clone();
    bad[12_345] ^= 1;
    std::fs::write(&on_disk, &bad).unwrap();
    let refused = client("client-2");
    assert!(!refused.status.success(), "a tampered file is refused");
    let why = text(&refused.stderr);
    println!("python-tuf refused the tampered file: {}", why.lines().last().unwrap_or_default());
    assert!(why.contains("LengthOrHashMismatchError"), "{why}");
    std::fs::write(&on_disk, &binary).unwrap();

    // Metadata changed on the server (the timestamp's version, its signature left) is refused.
    let timestamp = data.join("updates/repository/metadata/timestamp.json");
    let genuine = std::fs::read_to_string(&timestamp).unwrap();
    let mut doctored: serde_json::Value = serde_json::from_str(&genuine).unwrap();
    doctored["signed"]["version"] = serde_json::json!(doctored["signed"]["version"].as_i64().unwrap() + 10);
    std::fs::write(&timestamp, serde_json::to_vec(&doctored).unwrap()).unwrap();
    let refused = client("client-3");
    assert!(!refused.status.success(), "tampered metadata is refused");
    let why = text(&refused.stderr);
    println!("python-tuf refused the tampered timestamp: {}", why.lines().last().unwrap_or_default());
    assert!(why.contains("UnsignedMetadataError"), "{why}");
    std::fs::write(&timestamp, genuine).unwrap();
    assert!(client("client-4").status.success(), "the genuine repository verifies again");
    drop(server);
}

#[test]
fn python_tuf_verifies_what_kinmu_serves_on_sqlite() {
    let Some(python) = python_tuf() else { return };
    python_tuf_verifies_what_kinmu_serves(&python, None);
}

#[tokio::test]
async fn python_tuf_verifies_what_kinmu_serves_on_postgres() {
    let Some(python) = python_tuf() else { return };
    let Some(url) = postgres_url().await else { return };
    python_tuf_verifies_what_kinmu_serves(&python, Some(url.expose().to_string()));
}
