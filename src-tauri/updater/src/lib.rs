//! Kinmu's desktop updater, without a window (issue 20, "The desktop updater").
//!
//! - [`layout`]: the install folder — versions side by side (`<install>/versions/<version>/…`),
//!   one small pointer file naming the current and the previous version, replaced atomically.
//! - [`apply`]: writes a new version beside the running one and switches the pointer; killed at
//!   any step, the install still starts a complete version.
//! - [`launch`]: what the small launcher (`kinmu-launcher`) does: starts the current version, and
//!   a new one on trial — switched back to the previous one when it does not report healthy in time.
//! - [`plan`]: the install mode as a pure decision (new install, differential, up to date, not
//!   allowed, updater first, repair) and the files it fetches.
//! - [`outbox`]: the events waiting to be reported to the server (each with its request id).
//! - [`running`]: the desktop program's view of the install it runs from (its version folder,
//!   the UI bundle the shell serves from there, the shipped root, the restart through the launcher).
//! - `client` (feature `download`, on by default): check-in, the transfer queue, the download
//!   with resume, verification against the signed TUF metadata with tough, the event reports.
//!
//! No symbolic links, and no running executable is ever overwritten: the same design works on
//! Windows (see ARCHITECTURE.md, "The desktop updater").

pub mod apply;
pub mod fault;
pub mod files;
pub mod launch;
pub mod layout;
pub mod outbox;
pub mod plan;
pub mod running;

#[cfg(feature = "download")]
pub mod client;

pub use layout::{Layout, Manifest, Pointer, Trial};

/// The environment variable through which the launcher tells the program it started where to
/// write its health marker.
pub const HEALTH_FILE_ENV: &str = "KINMU_HEALTH_FILE";

/// Called by the desktop program once it has started well (its window shows, its UI loaded): writes
/// the health marker the launcher waits for. Does nothing when the program was not started by the
/// launcher.
pub fn report_healthy() -> std::io::Result<()> {
    match std::env::var_os(HEALTH_FILE_ENV) {
        Some(path) => std::fs::write(path, std::process::id().to_string()),
        None => Ok(()),
    }
}

/// The errors of the updater's local side.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("nothing is installed in {0}: install a version first (`kinmu-launcher apply DIR --version X`)")]
    NothingInstalled(String),
    #[error("{path}: expected {expected_len} bytes with SHA-256 {expected}, found {found_len} bytes with SHA-256 {found}")]
    HashMismatch { path: String, expected: String, found: String, expected_len: u64, found_len: u64 },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Wraps an IO error with what was being done.
pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let what = what.into();
    move |source| Error::Io { what, source }
}
