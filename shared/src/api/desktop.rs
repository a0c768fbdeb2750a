//! What the desktop shell tells its UI about the app's own updates (its Tauri commands
//! `update_status`, `update_run` and `update_progress`; not HTTP routes). The shell checks in with
//! the server through the desktop updater (crate `kinmu-updater`) and hands the UI the start-up
//! decision with the administrator's message, then the progress of an update; the UI shows the
//! dialogs of each start-up mode (seed II.2 ②, III.2) and the progress page.

use serde::{Deserialize, Serialize};

use crate::messages::Text;
use crate::update_policy::StartupDecision;

/// `update_status`: the installed version and what the server decided at the check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesktopUpdateStatus {
    /// The version this app runs (`versions/<v>` of its install folder); None for a build run
    /// outside an install (a development build), which does not update itself.
    pub installed_version: Option<String>,
    /// Whether the UI on screen is the bundle of the installed version (read from its data
    /// folder) rather than the one compiled into the shell.
    pub ui_from_install: bool,
    /// The start-up decision (None: no check-in — not installed, no server set yet, or the
    /// server could not be reached; the app then starts normally).
    pub decision: Option<StartupDecision>,
    /// The administrator's message for the dialog (empty for none).
    pub message: String,
    /// The version the server offers, when one is.
    pub offered_version: Option<String>,
    /// Why the check-in failed, when it did.
    pub check_error: Option<String>,
    /// In how many seconds the UI checks in again: after a failed check-in, the retry (see
    /// [`check_retry_seconds`]); after a successful one, the periodic check that finds a release
    /// published while the app runs ([`PERIODIC_CHECK_SECONDS`]). None: no check-in (not installed,
    /// no server set yet).
    #[serde(default)]
    pub retry_in_seconds: Option<u64>,
}

impl DesktopUpdateStatus {
    /// The app may not go on to its pages: it must update (mandatory), or it may not start now
    /// (refused, new installs forbidden, the update service paused).
    pub fn blocks_start(&self) -> bool {
        matches!(
            self.decision,
            Some(
                StartupDecision::UpdateBeforeStart
                    | StartupDecision::RefuseStart
                    | StartupDecision::InstallNotAllowed
                    | StartupDecision::UpdateServicePaused
            )
        )
    }
}

/// The first retry after a failed check-in, in seconds; each further failure doubles it.
pub const FIRST_CHECK_RETRY_SECONDS: u64 = 30;
/// The longest wait between two check-ins while the server cannot be reached.
pub const LONGEST_CHECK_RETRY_SECONDS: u64 = 600;

/// While the app runs and the server is reachable, it checks in again this often, so that a
/// release published (or a start-up mode changed) during a session is shown then: a required
/// update or a refusal over the page, an optional one on the login page.
pub const PERIODIC_CHECK_SECONDS: u64 = 600;

/// When the server could not be reached at start the app starts anyway — offline, with a banner
/// saying the update check failed and when it is tried again — since the desktop is meant to work
/// offline; the shell checks in again after this many seconds: 30 s after the first failure,
/// doubling up to 10 minutes. A check that then finds a required update (mandatory mode) shows
/// its dialog at that moment. Counted from 1 (the first failure).
pub fn check_retry_seconds(failures_in_a_row: u32) -> u64 {
    let doubled = FIRST_CHECK_RETRY_SECONDS.saturating_mul(1u64 << failures_in_a_row.saturating_sub(1).min(20));
    doubled.min(LONGEST_CHECK_RETRY_SECONDS)
}

/// The temporary download folder of the app's updates (seed II.4 ②), as its setting shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadFolderSetting {
    /// The folder the next update downloads into.
    pub folder: String,
    /// The folder used when none is chosen (`<install>/state/downloads`, or `KINMU_DOWNLOAD_DIR`).
    pub default_folder: String,
    /// Whether the user chose `folder` (false: the default).
    pub chosen: bool,
}

/// Why a folder cannot be the temporary download folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DownloadFolderProblem {
    /// A relative path: where it lies would depend on where the app was started.
    NotAbsolute {
        path: String,
    },
    /// Something other than a folder is there.
    NotAFolder {
        path: String,
    },
    CannotCreate {
        path: String,
        reason: String,
    },
    NotWritable {
        path: String,
        reason: String,
    },
    /// Inside the install's versions folder, which the updater owns.
    InsideVersions {
        path: String,
        versions: String,
    },
}

impl DownloadFolderProblem {
    /// The message in both languages, saying what to fix.
    pub fn text(&self) -> Text {
        match self {
            DownloadFolderProblem::NotAbsolute { path } => Text::new(
                format!(
                    "\"{path}\" is not a full path: give the whole path of the folder, for example D:\\KinmuDownloads or /var/tmp/kinmu."
                ),
                format!(
                    "「{path}」は完全なパスではありません。D:\\KinmuDownloads や /var/tmp/kinmu のようにフォルダーの完全なパスを入力してください。"
                ),
            ),
            DownloadFolderProblem::NotAFolder { path } => Text::new(
                format!("{path} is a file, not a folder: choose a folder."),
                format!("{path} はフォルダーではなくファイルです。フォルダーを指定してください。"),
            ),
            DownloadFolderProblem::CannotCreate { path, reason } => Text::new(
                format!("The folder {path} cannot be created ({reason}): choose a folder that exists or that you may create."),
                format!("フォルダー {path} を作成できません（{reason}）。存在するか作成できるフォルダーを指定してください。"),
            ),
            DownloadFolderProblem::NotWritable { path, reason } => Text::new(
                format!("Kinmu cannot write into {path} ({reason}): choose a folder you may write to."),
                format!("{path} に書き込めません（{reason}）。書き込みできるフォルダーを指定してください。"),
            ),
            DownloadFolderProblem::InsideVersions { path, versions } => Text::new(
                format!("{path} lies inside the installed versions ({versions}), which updates replace: choose a folder outside it."),
                format!(
                    "{path} はインストール済みバージョンのフォルダー（{versions}）の中にあり、アップデートで置き換えられます。その外のフォルダーを指定してください。"
                ),
            ),
        }
    }
}

/// The step an update is at (the progress page's heading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesktopUpdateStep {
    CheckingIn,
    /// In the server's transfer queue (past its concurrency limit).
    Waiting,
    Downloading,
    Verifying,
    Applying,
    /// Applied: the app restarts into the new version.
    Restarting,
}

/// How an update ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DesktopUpdateOutcome {
    /// Applied: the shell restarts through the launcher, which starts the new version on trial.
    Applied { version: String },
    /// Nothing to update.
    UpToDate,
    /// A repair checked every file of the installed version against the signed hashes and found
    /// them all intact: nothing was fetched or written, and the app does not restart.
    Intact { files_checked: u64 },
    /// The server does not allow it now, with the administrator's message.
    NotAllowed { decision: StartupDecision, message: String },
    /// It stopped: the reason (the server recorded it); the installed version is untouched.
    Failed { reason: String },
}

/// `update_progress`: the running (or last) update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesktopUpdateProgress {
    pub step: DesktopUpdateStep,
    /// The place in the transfer queue while waiting (1 is next).
    pub queue_position: Option<i64>,
    pub files_done: u64,
    pub files_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Set once the update ended.
    pub outcome: Option<DesktopUpdateOutcome>,
}

impl DesktopUpdateProgress {
    pub fn starting() -> DesktopUpdateProgress {
        DesktopUpdateProgress {
            step: DesktopUpdateStep::CheckingIn,
            queue_position: None,
            files_done: 0,
            files_total: 0,
            bytes_done: 0,
            bytes_total: 0,
            outcome: None,
        }
    }

    /// Percent of the bytes done (0 while nothing is to download).
    pub fn percent(&self) -> u8 {
        (self.bytes_done.min(self.bytes_total) * 100).checked_div(self.bytes_total).unwrap_or(0) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_required_update_or_a_refusal_blocks_the_start() {
        let status = |decision| DesktopUpdateStatus {
            installed_version: Some("1.0".into()),
            ui_from_install: true,
            decision,
            message: String::new(),
            offered_version: None,
            check_error: None,
            retry_in_seconds: None,
        };
        use StartupDecision::*;
        for (decision, blocks) in [
            (None, false),
            (Some(StartNormally), false),
            (Some(OfferUpdate), false),
            (Some(UpdateBeforeStart), true),
            (Some(RefuseStart), true),
            (Some(InstallNotAllowed), true),
            (Some(UpdateServicePaused), true),
        ] {
            assert_eq!(status(decision).blocks_start(), blocks, "{decision:?}");
        }
        let mut p = DesktopUpdateProgress::starting();
        assert_eq!(p.percent(), 0);
        (p.bytes_done, p.bytes_total) = (512, 1024);
        assert_eq!(p.percent(), 50);
        let json = serde_json::to_value(DesktopUpdateOutcome::Applied { version: "2.0".into() }).unwrap();
        assert_eq!(json, serde_json::json!({"outcome": "applied", "version": "2.0"}));
    }

    #[test]
    fn a_failed_check_in_is_retried_sooner_first_then_every_ten_minutes() {
        let waits: Vec<u64> = (1..=8).map(check_retry_seconds).collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480, 600, 600, 600]);
        assert_eq!(check_retry_seconds(0), 30);
        assert_eq!(check_retry_seconds(u32::MAX), 600, "no overflow");
    }

    #[test]
    fn download_folder_problems_are_said_in_both_languages() {
        let problems = [
            DownloadFolderProblem::NotAbsolute { path: "dl".into() },
            DownloadFolderProblem::NotAFolder { path: "/x".into() },
            DownloadFolderProblem::CannotCreate { path: "/x".into(), reason: "denied".into() },
            DownloadFolderProblem::NotWritable { path: "/x".into(), reason: "denied".into() },
            DownloadFolderProblem::InsideVersions { path: "/i/versions/1.0/d".into(), versions: "/i/versions".into() },
        ];
        for p in problems {
            assert!(p.text().is_translated(), "{p:?}");
        }
    }
}
