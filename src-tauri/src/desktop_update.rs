//! The app's own updates, as the shell runs them: at start it checks in with the configured
//! server through the desktop updater (`kinmu_updater::client`), and the UI shows what the answer
//! says (the dialogs of each start-up mode with the administrator's message); on the user's word it
//! runs the update in the background, the UI polling its progress; once applied it restarts
//! through the launcher, which starts the new version on trial. The decisions are the server's
//! and the updater's; this is the adapter between them and the window.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kinmu_shared::api::{DesktopUpdateOutcome, DesktopUpdateProgress, DesktopUpdateStatus, DesktopUpdateStep};
use kinmu_shared::update_policy::ClientProgram;
use kinmu_updater::Layout;
use kinmu_updater::client::{Outcome, Progress, ProgressFn, Settings, Step, Updater};
use kinmu_updater::running::Running;
use tauri::{AppHandle, Runtime};

/// How long the progress page shows "restarting" before the app ends and the launcher starts the
/// new version.
const RESTART_PAUSE: Duration = Duration::from_millis(1500);
/// After the UI reported healthy, the launcher confirms the version and writes the report of it;
/// it is sent this long after.
const OUTBOX_DELAY: Duration = Duration::from_secs(4);

/// Managed state: the install this shell runs from, the last check-in's answer per server, the
/// update running.
pub struct DesktopUpdates {
    running: Option<Running>,
    ui_from_install: bool,
    checked: tokio::sync::Mutex<Option<(String, DesktopUpdateStatus)>>,
    progress: Arc<Mutex<Option<DesktopUpdateProgress>>>,
    reported_healthy: Mutex<bool>,
}

impl DesktopUpdates {
    pub fn new(running: Option<Running>, ui_from_install: bool) -> DesktopUpdates {
        DesktopUpdates {
            running,
            ui_from_install,
            checked: tokio::sync::Mutex::new(None),
            progress: Arc::new(Mutex::new(None)),
            reported_healthy: Mutex::new(false),
        }
    }

    fn installed_version(&self) -> Option<String> {
        self.running.as_ref().map(Running::version)
    }

    /// The updater for `server` (the address the user set, as the connection page saved it).
    fn updater(&self, server: &str) -> Result<Updater, String> {
        let running = self.running.as_ref().ok_or("this build does not run from an install, so it does not update itself")?;
        let settings = updater_settings(running, server)?;
        Updater::new(settings, running.layout().clone()).map_err(|e| e.reason)
    }

    /// The check-in's answer for `server`: the one made at start, unless `refresh`.
    pub async fn status(&self, server: Option<String>, refresh: bool) -> DesktopUpdateStatus {
        let mut status = DesktopUpdateStatus {
            installed_version: self.installed_version(),
            ui_from_install: self.ui_from_install,
            decision: None,
            message: String::new(),
            offered_version: None,
            check_error: None,
        };
        let (Some(server), Some(_)) = (server, &self.running) else { return status };
        let mut checked = self.checked.lock().await;
        if !refresh && let Some((_, answer)) = checked.as_ref().filter(|(s, _)| *s == server) {
            return answer.clone();
        }
        match self.updater(&server) {
            Ok(updater) => match updater.check().await {
                Ok(answer) => {
                    status.decision = Some(answer.decision);
                    status.message = answer.message;
                    status.offered_version = answer.offered_version;
                }
                Err(e) => status.check_error = Some(e.reason),
            },
            Err(e) => status.check_error = Some(e),
        }
        *checked = Some((server, status.clone()));
        status
    }

    pub fn progress(&self) -> Option<DesktopUpdateProgress> {
        self.progress.lock().unwrap().clone()
    }

    /// Starts the update in the background (once: a second call while it runs answers its
    /// progress). Once applied, the app restarts through the launcher.
    pub fn run<R: Runtime>(&self, app: AppHandle<R>, server: Option<String>) -> Result<DesktopUpdateProgress, String> {
        let server = server.ok_or("no Kinmu server is set yet")?;
        let running = self.running.clone().ok_or("this build does not run from an install, so it does not update itself")?;
        let updater = self.updater(&server)?;
        {
            let mut current = self.progress.lock().unwrap();
            if let Some(p) = current.as_ref().filter(|p| p.outcome.is_none()) {
                return Ok(p.clone());
            }
            *current = Some(DesktopUpdateProgress::starting());
        }
        let progress = self.progress.clone();
        tauri::async_runtime::spawn(async move {
            let seen = progress.clone();
            let callback: ProgressFn = Arc::new(move |p: &Progress| {
                let mut current = seen.lock().unwrap();
                *current = Some(progress_of(p, current.as_ref()));
            });
            let ended = |outcome: DesktopUpdateOutcome, step: Option<DesktopUpdateStep>| {
                let mut current = progress.lock().unwrap();
                let mut p = current.clone().unwrap_or_else(DesktopUpdateProgress::starting);
                if let Some(step) = step {
                    p.step = step;
                }
                p.outcome = Some(outcome);
                *current = Some(p);
            };
            // The updater replaced first (the launcher) runs again for the rest.
            let mut result = updater.update(false, Some(callback.clone())).await;
            if matches!(result, Ok(Outcome::UpdaterReplaced { .. })) {
                result = updater.update(false, Some(callback)).await;
            }
            match result {
                Ok(Outcome::Applied { version, .. }) => {
                    ended(DesktopUpdateOutcome::Applied { version }, Some(DesktopUpdateStep::Restarting));
                    tokio::time::sleep(RESTART_PAUSE).await;
                    match running.restart() {
                        Ok(()) => app.exit(0),
                        Err(e) => ended(DesktopUpdateOutcome::Failed { reason: e.to_string() }, None),
                    }
                }
                Ok(Outcome::UpToDate | Outcome::UpdaterReplaced { .. }) => ended(DesktopUpdateOutcome::UpToDate, None),
                Ok(Outcome::NotAllowed { decision, message }) => ended(DesktopUpdateOutcome::NotAllowed { decision, message }, None),
                Err(e) => ended(DesktopUpdateOutcome::Failed { reason: e.reason }, None),
            }
        });
        Ok(self.progress().unwrap_or_else(DesktopUpdateProgress::starting))
    }

    /// The UI loaded: tells the launcher this version started healthy (once), then sends the
    /// reports waiting in the outbox (the launcher's confirmation among them) a little later.
    pub fn ui_ready(&self, server: Option<String>) {
        {
            let mut done = self.reported_healthy.lock().unwrap();
            if *done {
                return;
            }
            *done = true;
        }
        if let Err(e) = kinmu_updater::report_healthy() {
            eprintln!("kinmu-desktop: cannot write the health marker: {e}");
        }
        if let Some(updater) = server.and_then(|s| self.updater(&s).ok()) {
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(OUTBOX_DELAY).await;
                updater.send_outbox().await;
            });
        }
    }
}

/// The updater's settings for this install and server.
fn updater_settings(running: &Running, server: &str) -> Result<Settings, String> {
    let server = url::Url::parse(&format!("{}/", server.trim_end_matches('/'))).map_err(|e| format!("{server}: {e}"))?;
    Ok(Settings {
        server,
        platform: platform(),
        download_dir: download_dir(running.layout()),
        shipped_root: running.shipped_root(),
        host: host_name(),
        user: user_name(),
        program: ClientProgram::App,
    })
}

/// This machine's platform as releases name it (`linux-x86_64`, `windows-x86_64`).
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The temporary download folder: `KINMU_DOWNLOAD_DIR` when set (seed II.4 ②: another drive with
/// room), else the install's own `state/downloads`.
fn download_dir(layout: &Layout) -> PathBuf {
    std::env::var_os("KINMU_DOWNLOAD_DIR").map(PathBuf::from).unwrap_or_else(|| layout.state_dir().join("downloads"))
}

fn host_name() -> String {
    std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn user_name() -> String {
    std::env::var("USERNAME").or_else(|_| std::env::var("USER")).unwrap_or_default()
}

/// The updater's progress as the UI shows it (the outcome stays unset until the end).
fn progress_of(p: &Progress, before: Option<&DesktopUpdateProgress>) -> DesktopUpdateProgress {
    let step = match p.step {
        Step::CheckingIn => DesktopUpdateStep::CheckingIn,
        Step::Waiting => DesktopUpdateStep::Waiting,
        Step::Downloading => DesktopUpdateStep::Downloading,
        Step::Verifying => DesktopUpdateStep::Verifying,
        Step::Applying => DesktopUpdateStep::Applying,
        // Done: the shell restarts next.
        Step::Done => DesktopUpdateStep::Restarting,
    };
    DesktopUpdateProgress {
        step,
        queue_position: p.queue_position,
        files_done: p.files_done as u64,
        files_total: p.files_total as u64,
        bytes_done: p.bytes_done,
        bytes_total: p.bytes_total,
        outcome: before.and_then(|b| b.outcome.clone()),
    }
}
