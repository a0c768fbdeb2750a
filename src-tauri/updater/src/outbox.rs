//! The events waiting to be reported to the server, one file each under `<install>/state/outbox/`,
//! named by their request id. The launcher writes the end of an update there (started healthy,
//! rolled back) — it does not talk to the server —, and so does the updater when a report fails;
//! the updater sends them at its next check-in and removes each one the server answered. A report
//! written or sent twice counts once: the server keeps the first of each request id.

use std::path::PathBuf;

use kinmu_shared::update_policy::{InstallKind, UpdateEvent};
use serde::{Deserialize, Serialize};

use crate::fault::Faults;
use crate::files::write_atomically;
use crate::{Error, Layout, Result, io};

/// An event for the server, without the client's identity (added when sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReport {
    pub request_id: String,
    pub module: String,
    pub install_kind: InstallKind,
    pub from_version: Option<String>,
    pub to_version: String,
    pub event: UpdateEvent,
    /// The update it belongs to (the run's id; the trial's `update_id`): its record on the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_id: Option<String>,
}

fn path_of(layout: &Layout, request_id: &str) -> PathBuf {
    layout.outbox_dir().join(format!("{request_id}.json"))
}

/// Stores a report to send (replacing one with the same request id).
pub fn put(layout: &Layout, report: &PendingReport) -> Result<()> {
    if report.request_id.is_empty() || !report.request_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Error::Invalid(format!("{:?} cannot be a request id", report.request_id)));
    }
    let dir = layout.outbox_dir();
    std::fs::create_dir_all(&dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let bytes = serde_json::to_vec_pretty(report).map_err(|e| Error::Invalid(e.to_string()))?;
    write_atomically(&path_of(layout, &report.request_id), &bytes, &Faults::none(), "outbox")
}

/// Every report waiting, oldest first (by file time, then name).
pub fn pending(layout: &Layout) -> Result<Vec<PendingReport>> {
    let dir = layout.outbox_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::Io { what: format!("cannot read {}", dir.display()), source: e }),
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || !name.ends_with(".json") {
            continue;
        }
        let modified = entry.metadata().and_then(|m| m.modified()).ok();
        if let Ok(report) = serde_json::from_slice::<PendingReport>(&std::fs::read(entry.path()).unwrap_or_default()) {
            found.push((modified, name, report));
        }
    }
    found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    Ok(found.into_iter().map(|(_, _, r)| r).collect())
}

/// Removes a report the server answered.
pub fn remove(layout: &Layout, request_id: &str) -> Result<()> {
    match std::fs::remove_file(path_of(layout, request_id)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Io { what: format!("cannot remove the sent report {request_id}"), source: e }),
    }
}
