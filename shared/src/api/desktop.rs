//! What the desktop shell tells its UI about the app's own updates (its Tauri commands
//! `update_status`, `update_run` and `update_progress`; not HTTP routes). The shell checks in with
//! the server through the desktop updater (crate `kinmu-updater`) and hands the UI the start-up
//! decision with the administrator's message, then the progress of an update; the UI shows the
//! dialogs of each start-up mode (seed II.2 ②, III.2) and the progress page.

use serde::{Deserialize, Serialize};

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
}
