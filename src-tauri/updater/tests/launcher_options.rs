//! The launcher's options the desktop app relies on: `--wait` keeps the launcher until the
//! program ends (a test driver or a supervisor watches the launcher it started), and
//! `KINMU_HEALTH_TIMEOUT` sets the health timeout for a launcher started without
//! `--health-timeout` (the one the app starts to restart itself after an update).

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kinmu_updater::Layout;
use kinmu_updater::layout::program_file_name;

const LAUNCHER: &str = env!("CARGO_BIN_EXE_kinmu-launcher");

/// A release whose program runs `body` (a shell script) and logs its end.
fn release(dir: &Path, version: &str, body: &str) -> std::path::PathBuf {
    let rel = dir.join(format!("release-{version}"));
    std::fs::create_dir_all(&rel).unwrap();
    let script = format!("#!/bin/sh\n# {version}\n{body}\necho \"ended {version}\" >> \"$KINMU_TEST_LOG\"\n");
    std::fs::write(rel.join(program_file_name()), script).unwrap();
    rel
}

fn launcher(install: &Path, log: &Path) -> Command {
    let mut c = Command::new(LAUNCHER);
    c.arg("--install").arg(install).env("KINMU_TEST_LOG", log).env_remove("KINMU_UPDATER_FAULT").env_remove("KINMU_HEALTH_TIMEOUT");
    c
}

fn apply(install: &Path, log: &Path, rel: &Path, version: &str) {
    let out = launcher(install, log).arg("apply").arg(rel).args(["--version", version]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn log_text(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}

#[test]
fn wait_keeps_the_launcher_until_the_program_ends() {
    let dir = tempfile::tempdir().unwrap();
    let (install, log) = (dir.path().join("install"), dir.path().join("log"));
    apply(&install, &log, &release(dir.path(), "1.0", "sleep 1"), "1.0");

    // Not through pipes: the program inherits them and would hold them open.
    let quiet = |c: &mut Command| c.stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(quiet(&mut launcher(&install, &log)).success());
    assert!(!log_text(&log).contains("ended 1.0"), "without --wait the launcher returns while the program runs");
    std::thread::sleep(Duration::from_millis(1500));

    assert!(quiet(launcher(&install, &log).arg("--wait")).success());
    assert_eq!(log_text(&log).matches("ended 1.0").count(), 2, "with --wait the launcher returns once the program ended");
}

#[test]
fn the_health_timeout_comes_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let (install, log) = (dir.path().join("install"), dir.path().join("log"));
    apply(&install, &log, &release(dir.path(), "1.0", "true"), "1.0");
    // 2.0 never reports healthy (it never writes its marker) and runs on.
    apply(&install, &log, &release(dir.path(), "2.0", "exec sleep 30"), "2.0");
    let started = Instant::now();
    let out = launcher(&install, &log).env("KINMU_HEALTH_TIMEOUT", "1").output().unwrap();
    let took = started.elapsed();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("rolled back from version 2.0 to 1.0") && said.contains("within 1 s"), "{said}");
    assert!(took < Duration::from_secs(20), "rolled back after the 1 s timeout, not the default 60 s ({took:?})");
    assert_eq!(Layout::new(&install).read_pointer().unwrap().unwrap().current, "1.0");
}
