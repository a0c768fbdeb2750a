//! What the launcher does (`kinmu-launcher`): it reads the pointer and starts the current version's
//! program. A version on trial (just applied, not yet healthy) is started with the environment
//! variable [`crate::HEALTH_FILE_ENV`] naming its health marker, and watched: once the marker is
//! written the version is confirmed (the pointer drops the trial and the previous version, whose
//! folder is removed); if the program exits first, or the timeout passes, or it already had
//! [`MAX_TRIAL_STARTS`] starts (the launcher was killed meanwhile), the pointer is switched back
//! to the previous version, the failure is put in the outbox for the next report, and the
//! previous version is started. Each pointer change is one atomic replacement.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use kinmu_shared::update_policy::UpdateEvent;

use crate::fault::Faults;
use crate::layout::{Pointer, Trial, program_file_name, version_of_folder};
use crate::outbox::{self, PendingReport};
use crate::{Error, HEALTH_FILE_ENV, Layout, Result, io};

/// A version on trial gets this many starts to report healthy.
pub const MAX_TRIAL_STARTS: u32 = 2;
/// How long a new version has to report healthy, unless told otherwise.
pub const DEFAULT_HEALTH_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct LaunchOptions {
    /// The program's file name in a version folder.
    pub program: String,
    pub args: Vec<OsString>,
    pub health_timeout: Duration,
    /// Stay until the started program ends (a supervisor, or a test driver that watches the
    /// process it started); otherwise the launcher ends once the program runs (and, on trial,
    /// reported healthy).
    pub wait: bool,
}

/// The environment variable that sets the health timeout in seconds when `--health-timeout` is
/// not given (so a launcher started by the desktop program to restart it gets it too).
pub const HEALTH_TIMEOUT_ENV: &str = "KINMU_HEALTH_TIMEOUT";

impl Default for LaunchOptions {
    fn default() -> Self {
        let health_timeout = std::env::var(HEALTH_TIMEOUT_ENV)
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(DEFAULT_HEALTH_TIMEOUT, Duration::from_secs_f64);
        LaunchOptions { program: program_file_name(), args: Vec::new(), health_timeout, wait: false }
    }
}

/// Waits for the started program to end when asked to (see [`LaunchOptions::wait`]).
fn wait_if_asked(options: &LaunchOptions, mut child: Child) {
    if options.wait {
        let _ = child.wait();
    }
}

/// What the launcher did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launched {
    /// Started the current version (not on trial).
    Started { version: String },
    /// Started the version on trial, which reported healthy: it is confirmed.
    Confirmed { version: String },
    /// The version on trial failed; the previous one is current again and was started.
    RolledBack { failed: String, version: String, reason: String },
}

/// Starts the current version (see the module's note).
pub fn launch(layout: &Layout, options: &LaunchOptions, faults: &Faults) -> Result<Launched> {
    let Some(pointer) = layout.read_pointer()? else {
        return Err(Error::NothingInstalled(layout.root().display().to_string()));
    };
    let (Some(trial), Some(previous)) = (pointer.trial.clone(), pointer.previous.clone()) else {
        let child = start(layout, &pointer.current, options, None)?;
        wait_if_asked(options, child);
        return Ok(Launched::Started { version: pointer.current });
    };
    let version = pointer.current.clone();
    if layout.read_manifest(&version)?.is_none() {
        return roll_back(layout, &pointer, &trial, &previous, options, faults, format!("version {version} is not in place"));
    }
    if trial.attempts >= MAX_TRIAL_STARTS {
        let reason = format!("version {version} did not report healthy in {} starts", trial.attempts);
        return roll_back(layout, &pointer, &trial, &previous, options, faults, reason);
    }
    // Counted before the start: a start the launcher does not live to judge still counts.
    let counted = Pointer { trial: Some(Trial { attempts: trial.attempts + 1, ..trial.clone() }), ..pointer.clone() };
    layout.write_pointer(&counted, faults, "launch:trial-counted")?;
    faults.point("launch:trial-counted");
    let marker = layout.health_marker(&version);
    let _ = std::fs::remove_file(&marker);
    let mut child = start(layout, &version, options, Some(marker.clone()))?;
    faults.point("launch:new-started");
    let deadline = Instant::now() + options.health_timeout;
    let failure = loop {
        if marker.is_file() {
            break None;
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                // It may have written the marker just before ending.
                if marker.is_file() {
                    break None;
                }
                break Some(format!("version {version} ended ({status}) before reporting healthy"));
            }
            Ok(None) => {}
            Err(e) => break Some(format!("cannot watch version {version}: {e}")),
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break Some(format!("version {version} did not report healthy within {} s", options.health_timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    match failure {
        None => {
            confirm(layout, &pointer, &trial, &previous, faults)?;
            wait_if_asked(options, child);
            Ok(Launched::Confirmed { version })
        }
        Some(reason) => roll_back(layout, &pointer, &trial, &previous, options, faults, reason),
    }
}

fn report(layout: &Layout, trial: &Trial, from: &str, to: &str, event: UpdateEvent) -> Result<()> {
    for module in &trial.modules {
        outbox::put(
            layout,
            &PendingReport {
                request_id: format!("{}-{}-{module}", trial.update_id, event.key()),
                module: module.clone(),
                install_kind: trial.install_kind,
                from_version: Some(version_of_folder(from).to_string()),
                to_version: version_of_folder(to).to_string(),
                event: event.clone(),
                update_id: Some(trial.update_id.clone()),
            },
        )?;
    }
    Ok(())
}

/// The version on trial reported healthy: recorded for the next report, then the pointer drops
/// the trial and the previous version, whose folder goes.
fn confirm(layout: &Layout, pointer: &Pointer, trial: &Trial, previous: &str, faults: &Faults) -> Result<()> {
    report(layout, trial, previous, &pointer.current, UpdateEvent::StartedHealthy)?;
    layout.write_pointer(&Pointer { current: pointer.current.clone(), previous: None, trial: None }, faults, "launch:confirm")?;
    let _ = std::fs::remove_file(layout.health_marker(&pointer.current));
    layout.remove_versions_except(&[&pointer.current]);
    Ok(())
}

/// The version on trial failed: recorded for the next report, the pointer names the previous
/// version again (the failed folder goes), and the previous version starts.
fn roll_back(
    layout: &Layout,
    pointer: &Pointer,
    trial: &Trial,
    previous: &str,
    options: &LaunchOptions,
    faults: &Faults,
    reason: String,
) -> Result<Launched> {
    report(layout, trial, previous, &pointer.current, UpdateEvent::RolledBack { reason: reason.clone() })?;
    layout.write_pointer(&Pointer { current: previous.to_string(), previous: None, trial: None }, faults, "launch:rollback")?;
    faults.point("launch:rolled-back");
    let _ = std::fs::remove_file(layout.health_marker(&pointer.current));
    layout.remove_versions_except(&[previous]);
    let child = start(layout, previous, options, None)?;
    wait_if_asked(options, child);
    Ok(Launched::RolledBack { failed: pointer.current.clone(), version: previous.to_string(), reason })
}

/// Starts `version`'s program with the launcher's arguments (and the health marker's path when on
/// trial). Its working folder is the version's folder.
fn start(layout: &Layout, version: &str, options: &LaunchOptions, marker: Option<PathBuf>) -> Result<Child> {
    let dir = layout.version_dir(version);
    let program = dir.join(&options.program);
    let mut command = Command::new(&program);
    command.args(&options.args).current_dir(&dir).env("KINMU_INSTALL_DIR", layout.root()).env("KINMU_VERSION", version);
    match marker {
        Some(m) => {
            if let Some(parent) = m.parent() {
                std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
            }
            command.env(HEALTH_FILE_ENV, m);
        }
        None => {
            command.env_remove(HEALTH_FILE_ENV);
        }
    }
    command.spawn().map_err(io(format!("cannot start {}", program.display())))
}
