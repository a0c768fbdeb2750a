//! Fault injection for the crash-safety tests: with `KINMU_UPDATER_FAULT=<point>` in its
//! environment, a process that reaches that point prints `kinmu-updater fault point reached:
//! <point>` on its standard output and stops there (sleeps), so the test kills it exactly at that
//! step and checks that the install still starts a working version. Unset, every point is a no-op.

use std::io::Write;

pub const FAULT_ENV: &str = "KINMU_UPDATER_FAULT";
/// The line a process prints when it stops at its fault point.
pub const REACHED: &str = "kinmu-updater fault point reached:";

/// Every point of [`crate::apply::apply`], in order.
pub const APPLY_POINTS: [&str; 8] = [
    "apply:staging-created",
    "apply:file-partly-written",
    "apply:files-written",
    "apply:manifest-written",
    "apply:version-in-place",
    "apply:pointer-temp-written",
    "apply:pointer-switched",
    "apply:done",
];

/// Every point of the launcher's start of a version on trial, in order.
pub const LAUNCH_POINTS: [&str; 6] = [
    "launch:trial-counted-temp-written",
    "launch:trial-counted",
    "launch:new-started",
    "launch:confirm-temp-written",
    "launch:rollback-temp-written",
    "launch:rolled-back",
];

/// Every point of [`crate::apply::replace_launcher`], in order (`launcher:old-moved` only where the
/// launcher runs on Windows: the one-step rename was refused).
pub const LAUNCHER_POINTS: [&str; 3] = ["launcher:new-written", "launcher:old-moved", "launcher:replaced"];

/// The fault point this process stops at, if any.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    armed: Option<String>,
}

impl Faults {
    /// From `KINMU_UPDATER_FAULT`.
    pub fn from_env() -> Faults {
        Faults { armed: std::env::var(FAULT_ENV).ok().filter(|s| !s.is_empty()) }
    }

    /// Armed at `point` (for tests that run the updater in their own process).
    pub fn at(point: &str) -> Faults {
        Faults { armed: Some(point.to_string()) }
    }

    pub fn none() -> Faults {
        Faults { armed: None }
    }

    /// Stops here (forever, until killed) when `point` is the armed one.
    pub fn point(&self, point: &str) {
        if self.armed.as_deref() == Some(point) {
            {
                // The lock on standard output is let go before stopping: held, it would stop every
                // other thread of the process that prints.
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{REACHED} {point}");
                let _ = out.flush();
            }
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
}
