//! The watched inbox folder: a log file dropped there is imported and moved to `processed/`, or
//! to `failed/` beside `NAME.reason.txt` saying why.
//!
//! A file is read only once it is complete: its size and modification time must be the same
//! as at an earlier scan at least the settle period ago (2 s by default), so a file still being
//! copied in is left for a later scan. Only regular files directly in the folder are read;
//! subfolders, hidden files and names ending `.part`, `.tmp`, `.crdownload` or `~` (files that
//! browsers and copy tools are still writing) are left alone. A name already taken in
//! `processed/` or `failed/` gets a number (`log.1.csv`, `log.2.csv`, …): nothing is overwritten.
//!
//! [`watch`] scans when the operating system reports a change in the folder (`notify`) and at
//! least every 30 s (events can be missed, e.g. on network shares). A database error leaves the
//! file in the inbox to be tried again; the import itself stores each event once, so a file read
//! twice adds nothing. Several servers may watch one shared folder: each file is imported by
//! the one that claims it first in the database (a lease, see [`crate::database::lease`]).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono_tz::Tz;

use super::event_import::{ImportFileError, ImportOptions, ImportSource, ImportStatus, ImportSummary, import_file_with, retention_start};
use crate::database::Db;

/// How long a file must stay unchanged before it is read.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(2);
/// The longest time between two scans, whatever the change notifications say.
pub const FALLBACK_SCAN: Duration = Duration::from_secs(30);
/// After a change notification, how long to wait for more before scanning.
const DEBOUNCE: Duration = Duration::from_millis(200);

pub const PROCESSED: &str = "processed";
pub const FAILED: &str = "failed";
/// Appended to a failed file's name for the file saying why.
pub const REASON_SUFFIX: &str = ".reason.txt";

/// What stops the inbox from working. Each message names the folder and what to do.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error(
        "the inbox folder {path} does not exist: create it, or point [attendance] inbox, KINMU_ATTENDANCE_INBOX or --inbox at an existing folder"
    )]
    Missing { path: String },
    #[error("the inbox {path} is not a folder: point [attendance] inbox, KINMU_ATTENDANCE_INBOX or --inbox at a folder")]
    NotAFolder { path: String },
    #[error("cannot read the inbox folder {path}: {reason}; let the user running Kinmu read it")]
    CannotRead { path: String, reason: String },
    #[error("cannot write in the inbox folder {path}: {reason}; let the user running Kinmu create and move files there")]
    CannotWrite { path: String, reason: String },
    #[error("the system settings cannot be read for the inbox's time zone: {reason}")]
    Settings { reason: String },
    #[error("{path}: database error while importing from the inbox (the file stays there and is tried again): {source}")]
    Database {
        path: String,
        #[source]
        source: crate::error::Error,
    },
}

/// What a scan did with one file.
#[derive(Debug, Clone)]
pub enum InboxOutcome {
    /// Changed within the settle period (or seen for the first time): left for a later scan.
    Waiting { file: String },
    /// Imported (rejected lines are recorded in the database) and moved to `processed/`.
    Imported { file: String, moved_to: PathBuf, summary: ImportSummary },
    /// Could not be imported: moved to `failed/`, with `reason` in `failed/NAME.reason.txt`.
    Failed { file: String, moved_to: PathBuf, reason: String },
    /// Read, but it could not be moved out of the inbox: left there, and not read again until
    /// it changes.
    NotMoved { file: String, imported: bool, error: String },
}

impl InboxOutcome {
    /// The file's name in the inbox.
    pub fn file(&self) -> &str {
        match self {
            InboxOutcome::Waiting { file }
            | InboxOutcome::Imported { file, .. }
            | InboxOutcome::Failed { file, .. }
            | InboxOutcome::NotMoved { file, .. } => file,
        }
    }
}

/// A file's size and modification time: when either changes, the file is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    size: u64,
    modified: Option<SystemTime>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    stamp: Stamp,
    /// When the file was first seen with this stamp.
    since: SystemTime,
}

/// An inbox folder and what its scans have seen so far.
#[derive(Debug)]
pub struct Inbox {
    dir: PathBuf,
    settle: Duration,
    seen: HashMap<OsString, Seen>,
    /// Files read but not moved out, with the stamp they had: skipped until it changes.
    stuck: HashMap<OsString, Stamp>,
}

impl Inbox {
    /// Checks that `dir` is a folder Kinmu can write in and creates `processed/` and `failed/`
    /// inside it when they are missing.
    pub fn open(dir: &Path, settle: Duration) -> Result<Inbox, InboxError> {
        let path = dir.display().to_string();
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(InboxError::NotAFolder { path }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(InboxError::Missing { path });
            }
            Err(e) => {
                return Err(InboxError::CannotRead { path, reason: e.to_string() });
            }
        }
        std::fs::read_dir(dir).map_err(|e| InboxError::CannotRead { path: path.clone(), reason: e.to_string() })?;
        probe_writable(dir)?;
        for sub in [PROCESSED, FAILED] {
            let folder = dir.join(sub);
            std::fs::create_dir_all(&folder)
                .map_err(|e| InboxError::CannotWrite { path: folder.display().to_string(), reason: e.to_string() })?;
            probe_writable(&folder)?;
        }
        Ok(Inbox { dir: dir.to_path_buf(), settle, seen: HashMap::new(), stuck: HashMap::new() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn settle(&self) -> Duration {
        self.settle
    }

    /// Looks at the folder once, at `now`: imports and moves every complete file, and reports
    /// the ones still changing as [`InboxOutcome::Waiting`]. Naive times are read in `tz`.
    /// An error stops the scan: the folder cannot be read, or the database failed (the file
    /// it was importing stays in the inbox).
    pub async fn scan_once(&mut self, db: &Db, tz: Tz, now: SystemTime) -> Result<Vec<InboxOutcome>, InboxError> {
        let ready = self.look(now)?;
        let mut outcomes = Vec::new();
        for (name, stamp, is_ready) in ready {
            let file = name.to_string_lossy().into_owned();
            if !is_ready {
                tracing::debug!(file = %file, "inbox: file still changing, waiting");
                outcomes.push(InboxOutcome::Waiting { file });
                continue;
            }
            if let Some(outcome) = self.handle(db, tz, now, &name, stamp).await? {
                outcomes.push(outcome);
            }
        }
        Ok(outcomes)
    }

    /// Lists the candidate files with their stamps, and whether each is complete.
    fn look(&mut self, now: SystemTime) -> Result<Vec<(OsString, Stamp, bool)>, InboxError> {
        let unreadable = |e: std::io::Error| InboxError::CannotRead { path: self.dir.display().to_string(), reason: e.to_string() };
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let name = entry.file_name();
            if ignored(&name) {
                continue;
            }
            // Not followed: a symbolic link or a subfolder is not a dropped file.
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.file_type().is_file() {
                continue;
            }
            let stamp = Stamp { size: meta.len(), modified: meta.modified().ok() };
            found.push((name, stamp));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        self.seen.retain(|name, _| found.iter().any(|(n, _)| n == name));
        self.stuck.retain(|name, stamp| found.iter().any(|(n, s)| n == name && s == stamp));
        let mut out = Vec::with_capacity(found.len());
        for (name, stamp) in found {
            if self.stuck.contains_key(&name) {
                continue;
            }
            let seen = self.seen.entry(name.clone()).or_insert(Seen { stamp, since: now });
            // A changed file starts over; so does one seen "in the future" (the clock went back).
            if seen.stamp != stamp || seen.since > now {
                *seen = Seen { stamp, since: now };
            }
            let unchanged_for = now.duration_since(seen.since).unwrap_or_default();
            out.push((name, stamp, unchanged_for >= self.settle));
        }
        Ok(out)
    }

    /// Imports one complete file and moves it, once this process holds its claim. `None` when
    /// the file went away meanwhile, or another process (a server watching the same shared
    /// folder) is importing it.
    async fn handle(&mut self, db: &Db, tz: Tz, now: SystemTime, name: &OsStr, stamp: Stamp) -> Result<Option<InboxOutcome>, InboxError> {
        let key = claim_key(name, stamp);
        let database = |source: crate::error::Error| InboxError::Database { path: self.dir.join(name).display().to_string(), source };
        let now_secs = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default();
        if !take_claim(db, &key, now_secs).await.map_err(|e| database(e.into()))? {
            tracing::debug!(file = %name.to_string_lossy(), "inbox: another Kinmu process is importing this file");
            return Ok(None);
        }
        let renewal = keep_claim(db, &key);
        let outcome = self.import_claimed(db, tz, now, name, stamp).await;
        drop(renewal);
        if let Err(e) = release_claim(db, &key).await {
            tracing::warn!(file = %name.to_string_lossy(), error = %e, "inbox: cannot release the file's claim (it lapses in a minute)");
        }
        outcome
    }

    async fn import_claimed(
        &mut self,
        db: &Db,
        tz: Tz,
        now: SystemTime,
        name: &OsStr,
        stamp: Stamp,
    ) -> Result<Option<InboxOutcome>, InboxError> {
        let file = name.to_string_lossy().into_owned();
        let path = self.dir.join(name);
        let now_secs = now.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default();
        // (the reason written beside the file, the reason logged: without any quoted content)
        let mut rejected_count = 0;
        let (reason, logged) = if stamp.size == 0 {
            let r = "the file is empty: there is nothing to import".to_string();
            (r.clone(), r)
        } else {
            // The inbox has nobody to ask: events older than the retention are stored and counted
            // (the import history shows how many), as they were before the count existed.
            let options = ImportOptions {
                source: ImportSource::Inbox,
                retention_start: retention_start(db, tz, now_secs)
                    .await
                    .map_err(|source| InboxError::Database { path: path.display().to_string(), source })?,
                keep_older: true,
                ..ImportOptions::new(None, tz, now_secs)
            };
            match import_file_with(db, &path, &options, |_| {}).await {
                Ok(_) if self.changed_meanwhile(name, stamp, now) => {
                    tracing::info!(file = %file, "inbox: the file changed while it was read; it is read again once it settles");
                    return Ok(Some(InboxOutcome::Waiting { file }));
                }
                Ok(summary) if summary.status == ImportStatus::Done => {
                    self.seen.remove(name);
                    let outcome = match move_into(&path, &self.dir.join(PROCESSED), name, &[]) {
                        Ok(moved_to) => {
                            tracing::info!(
                                file = %file,
                                outcome = "imported",
                                read = summary.read,
                                imported = summary.imported,
                                duplicates = summary.duplicates,
                                rejected = summary.rejected,
                                moved_to = %moved_to.display(),
                                "inbox: file imported"
                            );
                            InboxOutcome::Imported { file, moved_to, summary }
                        }
                        Err(e) => self.not_moved(name, stamp, true, PROCESSED, e),
                    };
                    return Ok(Some(outcome));
                }
                Ok(summary) => {
                    rejected_count = summary.rejected;
                    failed_reason(&summary)
                }
                Err(ImportFileError::NotFound { .. }) => {
                    self.seen.remove(name);
                    tracing::debug!(file = %file, "inbox: the file went away before it was read");
                    return Ok(None);
                }
                Err(ImportFileError::Database { path, source }) => {
                    return Err(InboxError::Database { path, source });
                }
                Err(e) => (e.to_string(), e.to_string()),
            }
        };
        self.seen.remove(name);
        let failed_dir = self.dir.join(FAILED);
        let outcome = match move_into(&path, &failed_dir, name, &[REASON_SUFFIX]) {
            Ok(moved_to) => {
                let when = chrono::DateTime::from_timestamp(now_secs, 0).map(|t| t.with_timezone(&tz).to_rfc3339()).unwrap_or_default();
                let mut reason_path = moved_to.clone().into_os_string();
                reason_path.push(REASON_SUFFIX);
                let text = format!("{}\n{when}\n", one_line(&reason));
                if let Err(e) = write_new(Path::new(&reason_path), text.as_bytes()) {
                    tracing::error!(
                        file = %file,
                        reason_file = %Path::new(&reason_path).display(),
                        error = %e,
                        "inbox: cannot write the reason file"
                    );
                }
                tracing::warn!(
                    file = %file,
                    outcome = "failed",
                    reason = %logged,
                    rejected = rejected_count,
                    moved_to = %moved_to.display(),
                    "inbox: file could not be imported"
                );
                InboxOutcome::Failed { file, moved_to, reason }
            }
            Err(e) => self.not_moved(name, stamp, false, FAILED, e),
        };
        Ok(Some(outcome))
    }

    /// Whether the file's stamp is no longer `stamp` (it was still being written while it was
    /// read); it then starts its settle period over. Events already stored stay stored once.
    fn changed_meanwhile(&mut self, name: &OsStr, stamp: Stamp, now: SystemTime) -> bool {
        let Ok(meta) = std::fs::symlink_metadata(self.dir.join(name)) else {
            return false;
        };
        let current = Stamp { size: meta.len(), modified: meta.modified().ok() };
        if current == stamp {
            return false;
        }
        self.seen.insert(name.to_owned(), Seen { stamp: current, since: now });
        true
    }

    fn not_moved(&mut self, name: &OsStr, stamp: Stamp, imported: bool, to: &str, e: std::io::Error) -> InboxOutcome {
        let file = name.to_string_lossy().into_owned();
        let error = format!(
            "cannot move {file} to {}: {e}; let the user running Kinmu write there, then move or touch the file",
            self.dir.join(to).display()
        );
        tracing::error!(file = %file, outcome = "not moved", imported, error = %error, "inbox: file left in the inbox");
        self.stuck.insert(name.to_owned(), stamp);
        InboxOutcome::NotMoved { file, imported, error }
    }
}

/// The claim's name for a file as seen: its name, size and modification time, which are the same
/// for every server that sees the file, whatever the folder is mounted as.
fn claim_key(name: &OsStr, stamp: Stamp) -> String {
    let modified = stamp.modified.and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok()).unwrap_or_default();
    format!("{}|{}|{}.{:09}", name.to_string_lossy(), stamp.size, modified.as_secs(), modified.subsec_nanos())
}

/// This process, as claims name it.
fn this_process() -> &'static str {
    static ME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ME.get_or_init(|| format!("{}-{}", std::process::id(), &crate::accounts::passwords::random_token()[..8]))
}

/// Claims the file for this process: true when it was free, or its claim lapsed (its process
/// stopped renewing it).
async fn take_claim(db: &Db, key: &str, now: i64) -> Result<bool, sqlx::Error> {
    let taken: Option<String> = sqlx::query_scalar(
        "INSERT INTO attendance_inbox_claims (claim_key, claimed_by, claimed_at, heartbeat_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (claim_key) DO UPDATE SET claimed_by = $2, claimed_at = $3, heartbeat_at = $3 \
         WHERE attendance_inbox_claims.heartbeat_at < $4 RETURNING claimed_by",
    )
    .bind(key)
    .bind(this_process())
    .bind(now)
    .bind(now - crate::database::lease::STALE_AFTER_SECONDS)
    .fetch_optional(&db.pool)
    .await?;
    Ok(taken.is_some())
}

fn keep_claim(db: &Db, key: &str) -> crate::database::lease::Renewal {
    let (db, key) = (db.clone(), key.to_string());
    crate::database::lease::Renewal::start(
        "inbox file",
        move || {
            let (db, key) = (db.clone(), key.clone());
            async move {
                let r = sqlx::query("UPDATE attendance_inbox_claims SET heartbeat_at = $1 WHERE claim_key = $2 AND claimed_by = $3")
                    .bind(crate::now())
                    .bind(key)
                    .bind(this_process())
                    .execute(&db.pool)
                    .await?;
                Ok(r.rows_affected() > 0)
            }
        },
        || {},
    )
}

async fn release_claim(db: &Db, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM attendance_inbox_claims WHERE claim_key = $1 AND claimed_by = $2")
        .bind(key)
        .bind(this_process())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Scans the inbox folder `dir` until `shutdown` becomes true (or its sender is dropped): when
/// the operating system reports a change there, and at least every 30 s. Naive times are read
/// in the time zone of the system settings, loaded before each scan. Fails at once when the
/// folder cannot be used; later errors are logged and the next scan tries again.
pub async fn watch(db: Db, dir: PathBuf, settle: Duration, shutdown: tokio::sync::watch::Receiver<bool>) -> Result<(), InboxError> {
    let inbox = Inbox::open(&dir, settle)?;
    inbox.watch(db, shutdown).await;
    Ok(())
}

impl Inbox {
    /// [`watch`] on an inbox already opened.
    pub async fn watch(mut self, db: Db, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let changed = Arc::new(tokio::sync::Notify::new());
        let watcher = start_notify(&self.dir, changed.clone());
        tracing::info!(
            folder = %self.dir.display(),
            settle_ms = self.settle.as_millis() as u64,
            notifications = watcher.is_some(),
            "inbox: watching"
        );
        loop {
            if *shutdown.borrow() {
                break;
            }
            let mut waiting = false;
            match time_zone(&db).await {
                Ok(tz) => match self.scan_once(&db, tz, SystemTime::now()).await {
                    Ok(outcomes) => {
                        waiting = outcomes.iter().any(|o| matches!(o, InboxOutcome::Waiting { .. }));
                    }
                    Err(e) => {
                        tracing::warn!(folder = %self.dir.display(), error = %e, "inbox: scan failed")
                    }
                },
                Err(e) => {
                    tracing::warn!(folder = %self.dir.display(), error = %e, "inbox: scan skipped")
                }
            }
            // A file still changing is looked at again once it may have settled.
            let next = if waiting { self.settle.clamp(DEBOUNCE, FALLBACK_SCAN) } else { FALLBACK_SCAN };
            let notified = tokio::select! {
                _ = changed.notified() => true,
                _ = tokio::time::sleep(next) => false,
                r = shutdown.changed() => {
                    if r.is_err() {
                        break;
                    }
                    continue;
                }
            };
            if notified {
                // A copy reports many changes: let them gather.
                tokio::select! {
                    _ = tokio::time::sleep(DEBOUNCE) => {}
                    r = shutdown.changed() => {
                        if r.is_err() {
                            break;
                        }
                    }
                }
            }
        }
        tracing::info!(folder = %self.dir.display(), "inbox: stopped watching");
    }
}

/// The time zone naive log times are read in: the attendance rules' one, as `kinmu import` uses.
async fn time_zone(db: &Db) -> Result<Tz, InboxError> {
    Ok(crate::attendance::rule_settings::company_rules(db).await.map_err(|e| InboxError::Settings { reason: e.to_string() })?.time_zone)
}

/// Starts the operating system's change notifications for `dir` (not its subfolders). Without
/// them (unsupported, or out of watches) the inbox is still scanned every 30 s.
fn start_notify(dir: &Path, changed: Arc<tokio::sync::Notify>) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let handler = move |event: notify::Result<notify::Event>| match event {
        Ok(e) if e.kind.is_access() => {}
        Ok(_) => changed.notify_one(),
        Err(e) => {
            tracing::debug!(error = %e, "inbox: change notification error");
            changed.notify_one();
        }
    };
    let started = notify::recommended_watcher(handler).and_then(|mut w| w.watch(dir, notify::RecursiveMode::NonRecursive).map(|()| w));
    match started {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(
                folder = %dir.display(),
                error = %e,
                "inbox: no change notifications; the folder is scanned every 30 s"
            );
            None
        }
    }
}

/// Names that are not (yet) dropped files: hidden files and the partial files of browsers,
/// copy tools and editors.
fn ignored(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    let lower = name.to_lowercase();
    name.starts_with('.') || name.ends_with('~') || [".part", ".tmp", ".crdownload"].iter().any(|s| lower.ends_with(s))
}

/// Why a file whose import ended as failed failed: with its first rejected line (for the reason
/// file), and without it (for the log, which never shows the file's content).
fn failed_reason(s: &ImportSummary) -> (String, String) {
    let message = s.message.clone().unwrap_or_else(|| "nothing could be read from the file".into());
    let Some(first) = s.first_rejects.first().filter(|r| r.reason != message) else {
        return (message.clone(), message);
    };
    if first.position == 0 {
        // About the file as a whole (e.g. not an EVTX file): no line of it is quoted.
        let both = format!("{message}: {}", first.reason);
        return (both.clone(), both);
    }
    let unit = if s.format == kinmu_pc_logs::LogFormat::Evtx { "record" } else { "line" };
    let reason = format!("{message} ({} rejected; the first, {unit} {}: {})", s.rejected, first.position, first.reason);
    (reason, message)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Moves `src` into `folder` as `name`, or `name` with a number before its extension when that
/// is taken (also when `name` + one of `companions` is taken). Never overwrites.
fn move_into(src: &Path, folder: &Path, name: &OsStr, companions: &[&str]) -> std::io::Result<PathBuf> {
    let free = |candidate: &Path| {
        let taken = |p: &Path| p.symlink_metadata().is_ok();
        !taken(candidate)
            && companions.iter().all(|c| {
                let mut other = candidate.as_os_str().to_owned();
                other.push(c);
                !taken(Path::new(&other))
            })
    };
    for n in 0u32.. {
        let candidate = folder.join(numbered(name, n));
        if !free(&candidate) {
            continue;
        }
        std::fs::rename(src, &candidate)?;
        return Ok(candidate);
    }
    unreachable!("some number is free")
}

/// `log.csv` → `log.csv` (0), `log.1.csv` (1), …; `README` → `README.1`.
fn numbered(name: &OsStr, n: u32) -> OsString {
    if n == 0 {
        return name.to_owned();
    }
    let path = Path::new(name);
    match (path.file_stem(), path.extension()) {
        (Some(stem), Some(ext)) => {
            let mut s = stem.to_owned();
            s.push(format!(".{n}."));
            s.push(ext);
            s
        }
        _ => {
            let mut s = name.to_owned();
            s.push(format!(".{n}"));
            s
        }
    }
}

/// Writes a new file; fails rather than overwrite one.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Creates and removes a hidden file in `dir` (hidden files are never imported).
fn probe_writable(dir: &Path) -> Result<(), InboxError> {
    let probe = dir.join(format!(".kinmu-write-test-{}", std::process::id()));
    let _ = std::fs::remove_file(&probe);
    write_new(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| InboxError::CannotWrite { path: dir.display().to_string(), reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_and_hidden_files_are_ignored() {
        for name in [".x.csv", "a.csv.part", "a.TMP", "a.csv.crdownload", "a.csv~"] {
            assert!(ignored(OsStr::new(name)), "{name}");
        }
        for name in ["a.csv", "Security.evtx", "log.jsonl", "part"] {
            assert!(!ignored(OsStr::new(name)), "{name}");
        }
    }

    #[test]
    fn taken_names_get_a_number_before_the_extension() {
        assert_eq!(numbered(OsStr::new("log.csv"), 0), "log.csv");
        assert_eq!(numbered(OsStr::new("log.csv"), 2), "log.2.csv");
        assert_eq!(numbered(OsStr::new("a.b.evtx"), 1), "a.b.1.evtx");
        assert_eq!(numbered(OsStr::new("README"), 1), "README.1");
    }
}
