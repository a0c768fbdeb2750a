//! The app's own updates, as the shell runs them: at start it checks in with the configured
//! server through the desktop updater (`kinmu_updater::client`), and the UI shows what the answer
//! says (the dialogs of each start-up mode with the administrator's message); on the user's word it
//! runs the update in the background, the UI polling its progress; once applied it restarts
//! through the launcher, which starts the new version on trial. The decisions are the server's
//! and the updater's; this is the adapter between them and the window.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kinmu_shared::Language;
use kinmu_shared::api::{
    DesktopUpdateOutcome, DesktopUpdateProgress, DesktopUpdateStatus, DesktopUpdateStep, DownloadFolderSetting, PERIODIC_CHECK_SECONDS,
    check_retry_seconds,
};
use kinmu_shared::update_policy::ClientProgram;
use kinmu_updater::client::{Outcome, Progress, ProgressFn, Settings, Step, Updater};
use kinmu_updater::running::Running;
use tauri::{AppHandle, Runtime};

use crate::error::ShellError;
use crate::{download_folder, settings_file};

const NOT_INSTALLED: &str = "this build does not run from an install, so it does not update itself";

/// How long the progress page shows "restarting" before the app ends and the launcher starts the
/// new version.
const RESTART_PAUSE: Duration = Duration::from_millis(1500);
/// After the UI reported healthy, the launcher confirms the version and writes the report of it;
/// it is sent this long after.
const OUTBOX_DELAY: Duration = Duration::from_secs(4);

/// Managed state: the install this shell runs from, the desktop's settings file (the download
/// folder), the last check-in's answer per server and the failed ones in a row, the update running.
pub struct DesktopUpdates {
    running: Option<Running>,
    ui_from_install: bool,
    settings_path: PathBuf,
    checked: tokio::sync::Mutex<Option<(String, DesktopUpdateStatus)>>,
    failed_checks: Mutex<u32>,
    progress: Arc<Mutex<Option<DesktopUpdateProgress>>>,
    reported_healthy: Mutex<bool>,
}

impl DesktopUpdates {
    pub fn new(running: Option<Running>, ui_from_install: bool, settings_path: PathBuf) -> DesktopUpdates {
        DesktopUpdates {
            running,
            ui_from_install,
            settings_path,
            checked: tokio::sync::Mutex::new(None),
            failed_checks: Mutex::new(0),
            progress: Arc::new(Mutex::new(None)),
            reported_healthy: Mutex::new(false),
        }
    }

    fn installed_version(&self) -> Option<String> {
        self.running.as_ref().map(Running::version)
    }

    /// The updater for `server` (the address the user set, as the connection page saved it).
    fn updater(&self, server: &str) -> Result<Updater, String> {
        let running = self.running.as_ref().ok_or(NOT_INSTALLED)?;
        let settings = updater_settings(running, server, self.download_folder_of(running))?;
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
            retry_in_seconds: None,
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
        // Unreachable: the app starts offline and checks again later (see `check_retry_seconds`);
        // reached: it checks again periodically, for a release published while it runs.
        let mut failed = self.failed_checks.lock().unwrap();
        *failed = if status.check_error.is_some() { failed.saturating_add(1) } else { 0 };
        status.retry_in_seconds = Some(if *failed > 0 { check_retry_seconds(*failed) } else { periodic_check_seconds() });
        drop(failed);
        *checked = Some((server, status.clone()));
        status
    }

    pub fn progress(&self) -> Option<DesktopUpdateProgress> {
        self.progress.lock().unwrap().clone()
    }

    /// Starts the update in the background (once: a second call while it runs answers its
    /// progress); with `repair`, the repair (全プログラムアップデート): every file of the installed
    /// version checked against the signed hashes, those that differ fetched. Once applied, the app
    /// restarts through the launcher.
    pub fn run<R: Runtime>(&self, app: AppHandle<R>, server: Option<String>, repair: bool) -> Result<DesktopUpdateProgress, String> {
        let server = server.ok_or("no Kinmu server is set yet")?;
        let running = self.running.clone().ok_or(NOT_INSTALLED)?;
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
            let mut result = updater.update(repair, Some(callback.clone())).await;
            if matches!(result, Ok(Outcome::UpdaterReplaced { .. })) {
                result = updater.update(repair, Some(callback)).await;
            }
            let (outcome, restart) = outcome_of(result);
            if restart {
                ended(outcome, Some(DesktopUpdateStep::Restarting));
                tokio::time::sleep(RESTART_PAUSE).await;
                match running.restart() {
                    Ok(()) => app.exit(0),
                    Err(e) => ended(DesktopUpdateOutcome::Failed { reason: e.to_string() }, None),
                }
            } else {
                ended(outcome, None);
            }
        });
        Ok(self.progress().unwrap_or_else(DesktopUpdateProgress::starting))
    }

    /// The temporary download folder the next update uses: the chosen one, else the default.
    fn download_folder_of(&self, running: &Running) -> PathBuf {
        settings_file::read(&self.settings_path)
            .ok()
            .and_then(|s| s.download_dir)
            .map(PathBuf::from)
            .unwrap_or_else(|| download_folder::default_folder(running.layout()))
    }

    /// The download folder setting (None: this build does not run from an install, so it does
    /// not update itself).
    pub fn download_folder(&self) -> Option<DownloadFolderSetting> {
        let running = self.running.as_ref()?;
        let chosen = settings_file::read(&self.settings_path).ok().and_then(|s| s.download_dir);
        Some(DownloadFolderSetting {
            folder: self.download_folder_of(running).display().to_string(),
            default_folder: download_folder::default_folder(running.layout()).display().to_string(),
            chosen: chosen.is_some(),
        })
    }

    /// Chooses the download folder (empty: back to the default) after checking it; the problem
    /// is said in `lang`. Saved in the desktop's settings file; the next update uses it.
    pub fn set_download_folder(&self, raw: &str, lang: Language) -> Result<DownloadFolderSetting, ShellError> {
        let running = self.running.as_ref().ok_or_else(|| ShellError::Update(NOT_INSTALLED.into()))?;
        let chosen = if raw.trim().is_empty() {
            None
        } else {
            let folder = download_folder::check(raw, &running.layout().versions()).map_err(|p| {
                let text = p.text();
                ShellError::DownloadFolder(text.get(lang).unwrap_or(text.en()).to_string())
            })?;
            Some(folder.display().to_string())
        };
        settings_file::update(&self.settings_path, |s| s.download_dir = chosen)
            .map_err(|e| ShellError::Storage { path: self.settings_path.display().to_string(), reason: e.to_string() })?;
        Ok(self.download_folder().expect("running from an install"))
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

/// How often the app checks in while the server answers: [`PERIODIC_CHECK_SECONDS`], or
/// `KINMU_UPDATE_CHECK_SECONDS` (at least 1; the desktop end-to-end test shortens it).
fn periodic_check_seconds() -> u64 {
    std::env::var("KINMU_UPDATE_CHECK_SECONDS").ok().and_then(|v| v.trim().parse::<u64>().ok()).map_or(PERIODIC_CHECK_SECONDS, |s| s.max(1))
}

/// The updater's settings for this install and server.
fn updater_settings(running: &Running, server: &str, download_dir: PathBuf) -> Result<Settings, String> {
    let server = url::Url::parse(&format!("{}/", server.trim_end_matches('/'))).map_err(|e| format!("{server}: {e}"))?;
    Ok(Settings {
        server,
        platform: platform(),
        download_dir,
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

/// How an update's end shows in the UI, and whether the app restarts: only once a version was
/// applied. A repair that found every file intact wrote nothing, so it does not restart.
fn outcome_of(result: Result<Outcome, kinmu_updater::client::Failure>) -> (DesktopUpdateOutcome, bool) {
    match result {
        Ok(Outcome::Applied { version, .. }) => (DesktopUpdateOutcome::Applied { version }, true),
        Ok(Outcome::Intact { files_checked, .. }) => (DesktopUpdateOutcome::Intact { files_checked: files_checked as u64 }, false),
        Ok(Outcome::UpToDate | Outcome::UpdaterReplaced { .. }) => (DesktopUpdateOutcome::UpToDate, false),
        Ok(Outcome::NotAllowed { decision, message }) => (DesktopUpdateOutcome::NotAllowed { decision, message }, false),
        Err(e) => (DesktopUpdateOutcome::Failed { reason: e.reason }, false),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Scratch(PathBuf);
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// An app running from an install, its settings file beside it.
    fn installed(name: &str) -> (Scratch, DesktopUpdates) {
        let root = std::env::temp_dir().join(format!("kinmu-desktop-updates-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("install/versions/1.0")).unwrap();
        let running = Running::discover(Some(root.join("install")), Some("1.0".into()), None).expect("an install");
        let updates = DesktopUpdates::new(Some(running), true, settings_file::path_in(&root.join("config")));
        (Scratch(root), updates)
    }

    #[test]
    fn only_an_applied_version_restarts_the_app() {
        use kinmu_updater::plan::InstallMode;
        let intact = outcome_of(Ok(Outcome::Intact { version: "2.0".into(), files_checked: 42 }));
        assert_eq!(intact, (DesktopUpdateOutcome::Intact { files_checked: 42 }, false), "an intact repair does not restart");
        let applied = Outcome::Applied { mode: InstallMode::Repair, version: "2.0".into(), stats: Default::default() };
        assert_eq!(outcome_of(Ok(applied)), (DesktopUpdateOutcome::Applied { version: "2.0".into() }, true));
        assert_eq!(outcome_of(Ok(Outcome::UpToDate)), (DesktopUpdateOutcome::UpToDate, false));
        let failed = kinmu_updater::client::Failure {
            category: kinmu_shared::update_policy::LogCategory::DownloadError,
            reason: "the server went away".into(),
        };
        assert_eq!(outcome_of(Err(failed)), (DesktopUpdateOutcome::Failed { reason: "the server went away".into() }, false));
    }

    #[test]
    fn an_unreachable_server_starts_the_app_offline_and_is_checked_again_later() {
        let (_scratch, updates) = installed("offline");
        // A port that was free a moment ago: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = Some(format!("http://127.0.0.1:{port}"));
        tauri::async_runtime::block_on(async {
            let first = updates.status(server.clone(), false).await;
            assert!(first.check_error.is_some(), "{first:?}");
            assert!(!first.blocks_start(), "the app starts, offline");
            assert_eq!(first.retry_in_seconds, Some(30));
            assert_eq!(updates.status(server.clone(), false).await, first, "the start's answer, until the UI asks again");
            let second = updates.status(server.clone(), true).await;
            assert_eq!(second.retry_in_seconds, Some(60), "each failure in a row waits longer");
            // No server set: nothing to check, nothing to retry.
            assert_eq!(updates.status(None, true).await.retry_in_seconds, None);
        });
    }

    #[test]
    fn the_chosen_download_folder_is_saved_and_used_by_the_next_update() {
        let (scratch, updates) = installed("download");
        let default = updates.download_folder().unwrap();
        assert!(!default.chosen);
        assert_eq!(default.folder, default.default_folder);
        let chosen = scratch.0.join("d-drive/kinmu");
        let s = updates.set_download_folder(chosen.to_str().unwrap(), Language::En).unwrap();
        assert_eq!((s.folder.as_str(), s.chosen), (chosen.to_str().unwrap(), true));
        assert_eq!(updates.updater("http://127.0.0.1:9").unwrap().settings().download_dir, chosen);
        // Kept for the next start (a new shell reading the same settings file).
        let again = DesktopUpdates::new(updates.running.clone(), true, updates.settings_path.clone());
        assert_eq!(again.download_folder().unwrap().folder, chosen.display().to_string());

        // Refused, in the UI's language, the setting unchanged.
        let inside = scratch.0.join("install/versions/1.0/dl");
        let e = updates.set_download_folder(inside.to_str().unwrap(), Language::Ja).unwrap_err();
        let api = e.to_api_error();
        assert_eq!(api.field.as_deref(), Some("download_dir"));
        assert!(api.message.contains("インストール済みバージョン"), "{}", api.message);
        assert!(updates.set_download_folder("relative/dl", Language::En).unwrap_err().to_string().contains("not a full path"));
        assert_eq!(updates.download_folder().unwrap().folder, chosen.display().to_string());

        // Empty: back to the default.
        let s = updates.set_download_folder("  ", Language::En).unwrap();
        assert!(!s.chosen);
        assert_eq!(updates.updater("http://127.0.0.1:9").unwrap().settings().download_dir, PathBuf::from(&s.default_folder));
    }
}
