//! Crash safety, tested: the apply and the launcher run as child processes (`kinmu-launcher`) with
//! a fault point armed (`KINMU_UPDATER_FAULT`); each is killed exactly there, then the launcher
//! runs again and must start a complete, working version — the old one or the new one, never a
//! mix. Also: a version that never reports healthy, or ends before it does, is switched back and
//! the failure waits in the outbox for the next report; the previous version stays until the new
//! one is healthy. The versions' program is a small shell script (Unix) that logs its start and
//! writes the health marker the launcher gives it.

#![cfg(unix)]

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kinmu_shared::update_policy::UpdateEvent;
use kinmu_updater::fault::{APPLY_POINTS, FAULT_ENV, LAUNCH_POINTS, LAUNCHER_POINTS, REACHED};
use kinmu_updater::layout::{MANIFEST_FILE, launcher_file_name, program_file_name};
use kinmu_updater::{Layout, files, outbox};

const LAUNCHER: &str = env!("CARGO_BIN_EXE_kinmu-launcher");

#[derive(Clone, Copy, PartialEq)]
enum Health {
    /// Writes the marker at once.
    Healthy,
    /// Ends with an error before writing it.
    Crashes,
    /// Runs without ever writing it.
    Hangs,
}

struct Bench {
    dir: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        Bench { dir: tempfile::tempdir().unwrap() }
    }

    fn install(&self) -> PathBuf {
        self.dir.path().join("install")
    }

    fn layout(&self) -> Layout {
        Layout::new(self.install())
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("starts.log")
    }

    /// A release folder of `version`: the program, a UI file of 300 KB that changes with the
    /// version, and a resource that does not.
    fn release(&self, version: &str, health: Health) -> PathBuf {
        let dir = self.dir.path().join(format!("release-{version}"));
        std::fs::create_dir_all(dir.join("ui")).unwrap();
        std::fs::create_dir_all(dir.join("resources")).unwrap();
        let marker = match health {
            Health::Healthy => "echo ok > \"$KINMU_HEALTH_FILE\"",
            Health::Crashes => "exit 3",
            Health::Hangs => "exec sleep 30",
        };
        let script = format!(
            "#!/bin/sh\n# Kinmu desktop {version}\necho \"started {version} $(head -n 1 ui/app.js)\" >> \"$KINMU_TEST_LOG\"\n\
             if [ -n \"$KINMU_HEALTH_FILE\" ]; then {marker}; fi\n"
        );
        std::fs::write(dir.join(program_file_name()), script).unwrap();
        let ui: String = format!("// ui {version:<12}\n") + &"x".repeat(300_000);
        std::fs::write(dir.join("ui/app.js"), ui).unwrap();
        std::fs::write(dir.join("resources/logo.png"), [7u8; 5_000]).unwrap();
        dir
    }

    fn launcher(&self) -> Command {
        let mut c = Command::new(LAUNCHER);
        c.arg("--install").arg(self.install()).env("KINMU_TEST_LOG", self.log()).env_remove(FAULT_ENV);
        c
    }

    fn apply(&self, release: &Path, version: &str) {
        let out = self.launcher().arg("apply").arg(release).args(["--version", version]).output().unwrap();
        assert!(out.status.success(), "apply {version}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Runs the launcher (the start), answering its output.
    fn launch(&self, timeout_secs: &str) -> String {
        let out = self.launcher().args(["--health-timeout", timeout_secs]).output().unwrap();
        assert!(out.status.success(), "the launcher starts a version: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    /// Runs `args` with the fault point armed and kills the process there.
    fn kill_at(&self, args: &[&str], extra: Option<&Path>, point: &str) {
        let mut c = self.launcher();
        if let Some(p) = extra {
            c.arg("apply").arg(p);
        }
        c.args(args);
        kill_at(c, point);
    }

    /// The launcher installed in the install folder (where the shortcut points), as a command.
    fn installed_launcher(&self) -> Command {
        let mut c = Command::new(self.layout().launcher_path());
        c.arg("--install").arg(self.install()).env("KINMU_TEST_LOG", self.log()).env_remove(FAULT_ENV);
        c
    }
}

/// Runs `c` with the fault point armed and kills the process (SIGKILL) there.
fn kill_at(mut c: Command, point: &str) {
    let mut child = c.env(FAULT_ENV, point).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reached = std::io::BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l == format!("{REACHED} {point}"));
    let status = child.try_wait().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(reached, "the process reached {point} (ended: {status:?})");
}

impl Bench {
    /// The version that started last, waiting for it (a started program runs on its own).
    fn started(&self, count: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = std::fs::read_to_string(self.log()).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            if lines.len() >= count {
                return lines[count - 1].to_string();
            }
            assert!(Instant::now() < deadline, "no start number {count} logged: {log:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The current version folder holds exactly `release`'s files, intact.
    fn assert_current_is(&self, release: &Path, version: &str) {
        let layout = self.layout();
        let pointer = layout.read_pointer().unwrap().unwrap();
        assert_eq!(pointer.current, version);
        let manifest = layout.read_manifest(version).unwrap().expect("a complete version");
        let expected = kinmu_updater::apply::files_of_folder(release).unwrap();
        assert_eq!(manifest.files.len(), expected.len());
        for f in expected {
            let on_disk = layout.version_dir(version).join(&f.path);
            assert_eq!(files::hash_file(&on_disk).unwrap(), (f.length, f.sha256.clone()), "{}", f.path);
            assert_eq!(manifest.files[&f.path].sha256, f.sha256);
        }
        assert!(layout.version_dir(version).join(MANIFEST_FILE).is_file());
    }

    fn staging_left(&self) -> Vec<String> {
        std::fs::read_dir(self.layout().versions())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with('.'))
            .collect()
    }
}

/// Updater first, by hand: the installed launcher applies a release that carries a new launcher,
/// so it replaces itself before the rest. Killed at each step of its own replacement, the next
/// start (the launcher where the shortcut points) still works — the old launcher before the
/// one-step rename, the new one after — and the apply, run again, completes with the new launcher.
#[test]
fn a_launcher_killed_while_it_replaces_itself_leaves_a_launcher_that_starts() {
    use std::os::unix::fs::PermissionsExt;
    let original = std::fs::read(LAUNCHER).unwrap();
    // The same program with other bytes appended (the loader ignores them): another hash.
    let mut newer = original.clone();
    newer.extend_from_slice(b"\nkinmu-launcher 2.0\n");
    let hash = |bytes: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(bytes))
    };
    for point in LAUNCHER_POINTS {
        if point == "launcher:old-moved" {
            // Windows only: on Linux the one-step rename over the running launcher is never refused.
            continue;
        }
        let b = Bench::new();
        let v1 = b.release("1.0", Health::Healthy);
        b.apply(&v1, "1.0");
        let launcher = b.layout().launcher_path();
        std::fs::write(&launcher, &original).unwrap();
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).unwrap();
        let v2 = b.release("2.0", Health::Healthy);
        std::fs::write(v2.join(launcher_file_name()), &newer).unwrap();

        let mut c = b.installed_launcher();
        c.arg("apply").arg(&v2).args(["--version", "2.0"]);
        kill_at(c, point);
        let now = hash(&std::fs::read(&launcher).expect("a launcher where the shortcut points"));
        let replaced = point == "launcher:replaced";
        assert_eq!(now, hash(if replaced { &newer } else { &original }), "{point}: the old launcher or the new one, complete");
        // The next start: the launcher there runs, and starts the version in place (1.0).
        let out = b.installed_launcher().output().unwrap();
        assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("started version 1.0"), "{point}: {out:?}");
        assert!(b.started(1).starts_with("started 1.0"));
        // The apply run again completes: the new launcher, version 2.0 on trial, then healthy.
        let out = b.installed_launcher().arg("apply").arg(&v2).args(["--version", "2.0"]).output().unwrap();
        assert!(out.status.success(), "{point}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).contains("the launcher was replaced first"), !replaced, "{point}: {out:?}");
        assert_eq!(hash(&std::fs::read(&launcher).unwrap()), hash(&newer), "{point}");
        let out = b.installed_launcher().output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("version 2.0 started healthy"), "{point}: {out:?}");
        b.assert_current_is(&v2, "2.0");
        let left: Vec<_> = std::fs::read_dir(b.install()).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        assert!(!left.iter().any(|n| n.ends_with(".old")), "{point}: {left:?}");
        println!(
            "launcher killed at {point} while replacing itself: the next start ran the {} launcher",
            if replaced { "new" } else { "old" }
        );
    }
}

#[test]
fn an_apply_killed_at_any_step_leaves_a_version_that_starts() {
    for (i, point) in APPLY_POINTS.iter().enumerate() {
        let b = Bench::new();
        let v1 = b.release("1.0", Health::Healthy);
        let v2 = b.release("2.0", Health::Healthy);
        b.apply(&v1, "1.0");
        assert!(b.launch("10").contains("started version 1.0"));
        assert!(b.started(1).starts_with("started 1.0"));

        b.kill_at(&["--version", "2.0"], Some(&v2), point);
        let switched = APPLY_POINTS.iter().position(|p| *p == "apply:pointer-switched").unwrap();
        let out = b.launch("10");
        let line = b.started(2);
        if i < switched {
            assert!(out.contains("started version 1.0") && line.starts_with("started 1.0 // ui 1.0"), "{point}: {out} {line}");
            b.assert_current_is(&v1, "1.0");
        } else {
            assert!(out.contains("version 2.0 started healthy") && line.starts_with("started 2.0 // ui 2.0"), "{point}: {out} {line}");
            b.assert_current_is(&v2, "2.0");
        }
        // The update, tried again, completes.
        b.apply(&v2, "2.0");
        b.launch("10");
        assert!(b.started(3).starts_with("started 2.0"), "{point}");
        b.assert_current_is(&v2, "2.0");
        assert_eq!(b.layout().installed_versions().unwrap(), vec!["2.0".to_string()], "{point}: only the healthy version remains");
        assert!(b.staging_left().is_empty(), "{point}: {:?}", b.staging_left());
        println!("killed at {point}: the next start ran {}", if i < switched { "1.0" } else { "2.0" });
    }
}

#[test]
fn a_launcher_killed_at_any_step_of_a_trial_leaves_a_version_that_starts() {
    for health in [Health::Healthy, Health::Crashes] {
        for point in LAUNCH_POINTS {
            let b = Bench::new();
            let v1 = b.release("1.0", Health::Healthy);
            let v2 = b.release("2.0", health);
            b.apply(&v1, "1.0");
            b.launch("10");
            b.apply(&v2, "2.0");
            let reachable = match health {
                Health::Healthy => !point.contains("rollback") && !point.contains("rolled-back"),
                _ => !point.contains("confirm"),
            };
            if !reachable {
                continue;
            }
            b.kill_at(&["--health-timeout", "10"], None, point);
            // Started again until the trial is decided (a start killed counts as one).
            let out = b.launch("10");
            let pointer = b.layout().read_pointer().unwrap().unwrap();
            assert!(pointer.trial.is_none(), "{point}: decided after the next start: {out}");
            match health {
                Health::Healthy => {
                    assert_eq!(pointer.current, "2.0", "{point}: {out}");
                    b.assert_current_is(&v2, "2.0");
                }
                _ => {
                    assert_eq!(pointer.current, "1.0", "{point}: {out}");
                    b.assert_current_is(&v1, "1.0");
                    let reports = outbox::pending(&b.layout()).unwrap();
                    assert!(reports.iter().any(|r| matches!(r.event, UpdateEvent::RolledBack { .. })), "{point}: {reports:?}");
                }
            }
            let log = std::fs::read_to_string(b.log()).unwrap();
            assert!(log.lines().last().unwrap().starts_with(&format!("started {}", pointer.current)), "{point}: {log}");
            println!(
                "launcher killed at {point} ({}): then ran {}",
                if health == Health::Healthy { "healthy" } else { "crashing" },
                pointer.current
            );
        }
    }
}

#[test]
fn a_version_that_does_not_report_healthy_in_time_is_switched_back_and_reported() {
    let b = Bench::new();
    let v1 = b.release("1.0", Health::Healthy);
    let v3 = b.release("3.0", Health::Hangs);
    b.apply(&v1, "1.0");
    b.launch("10");
    b.apply(&v3, "3.0");
    // Until it is healthy, the previous version stays.
    let layout = b.layout();
    assert_eq!(layout.installed_versions().unwrap(), vec!["1.0".to_string(), "3.0".to_string()]);
    let pointer = layout.read_pointer().unwrap().unwrap();
    assert_eq!((pointer.current.as_str(), pointer.previous.as_deref()), ("3.0", Some("1.0")));
    let out = b.launch("1");
    assert!(out.contains("rolled back from version 3.0 to 1.0: version 3.0 did not report healthy within 1 s"), "{out}");
    let log = std::fs::read_to_string(b.log()).unwrap();
    assert!(log.contains("started 3.0"), "{log}");
    assert!(b.started(3).starts_with("started 1.0"), "the previous version started: {log}");
    b.assert_current_is(&v1, "1.0");
    assert_eq!(layout.installed_versions().unwrap(), vec!["1.0".to_string()], "the failed version is gone");
    let reports = outbox::pending(&layout).unwrap();
    assert_eq!(reports.len(), 3, "one per module: {reports:?}");
    let mut modules: Vec<&str> = reports.iter().map(|r| r.module.as_str()).collect();
    modules.sort();
    assert_eq!(modules, vec!["resources", "shell", "ui"]);
    for r in &reports {
        assert_eq!((r.from_version.as_deref(), r.to_version.as_str()), (Some("1.0"), "3.0"));
        assert!(matches!(&r.event, UpdateEvent::RolledBack { reason } if reason.contains("within 1 s")), "{r:?}");
    }
    // Started again: version 1.0, normally.
    assert!(b.launch("1").contains("started version 1.0"));
}

#[test]
fn a_repair_of_the_running_version_is_written_beside_it() {
    use kinmu_shared::update_policy::InstallKind;
    use kinmu_updater::apply::{Applied, NewVersion, apply, files_of_folder};
    use kinmu_updater::fault::Faults;
    let b = Bench::new();
    let v1 = b.release("1.0", Health::Healthy);
    b.apply(&v1, "1.0");
    let layout = b.layout();
    let files = files_of_folder(&v1).unwrap();
    let again = NewVersion {
        version: "1.0".into(),
        files: files.clone(),
        install_kind: InstallKind::Differential,
        modules: vec![],
        update_id: kinmu_updater::files::fresh_id(),
    };
    assert_eq!(apply(&layout, &again, &Faults::none()).unwrap(), Applied::AlreadyCurrent);
    let repair = NewVersion { install_kind: InstallKind::Repair, ..again };
    let Applied::Switched { folder, previous, .. } = apply(&layout, &repair, &Faults::none()).unwrap() else { panic!("not applied") };
    assert_eq!((folder.as_str(), previous.as_deref()), ("1.0+1", Some("1.0")));
    let out = b.launch("10");
    assert!(out.contains("version 1.0+1 started healthy"), "{out}");
    assert_eq!(layout.installed_versions().unwrap(), vec!["1.0+1".to_string()]);
}
