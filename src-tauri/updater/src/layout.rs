//! The install folder:
//!
//! ```text
//! <install>/kinmu-launcher[.exe]        the launcher (the updater module): starts the current version
//! <install>/current.json                the pointer: current version, previous version, trial
//! <install>/versions/<version>/…        each version's files, side by side, never changed once in place
//! <install>/versions/<version>/.kinmu-manifest.json   its files with length and SHA-256
//! <install>/versions/.staging-<version>/  a version being written (removed when found later)
//! <install>/state/                      health markers, the client's identity, the outbox of reports
//! ```
//!
//! A version folder appears by one rename of its complete staging folder, and becomes current by
//! one atomic replacement of the pointer file: whatever moment the process dies at, the pointer
//! names a complete version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kinmu_shared::update_policy::{InstallKind, ModuleVersion};
use serde::{Deserialize, Serialize};

use crate::fault::Faults;
use crate::files::write_atomically;
use crate::{Error, Result, io};

pub const POINTER_FILE: &str = "current.json";
pub const MANIFEST_FILE: &str = ".kinmu-manifest.json";
pub const STAGING_PREFIX: &str = ".staging-";

/// The launcher's file name on this platform.
pub fn launcher_file_name() -> String {
    format!("kinmu-launcher{}", std::env::consts::EXE_SUFFIX)
}

/// The desktop program's file name in a version folder on this platform.
pub fn program_file_name() -> String {
    format!("kinmu-desktop{}", std::env::consts::EXE_SUFFIX)
}

/// The pointer file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// The version folder the launcher starts (`versions/<current>`): the version, or
    /// `<version>+<n>` for a repaired copy.
    pub current: String,
    /// The version folder to switch back to while `current` is on trial; kept until `current` reported healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Set while `current` has not yet reported healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<Trial>,
}

/// A version on trial: what the update was, and how many starts it has had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trial {
    /// Made when the update was applied: the reports of its end carry request ids made from it,
    /// so a report written twice (the launcher killed in between) counts once.
    pub update_id: String,
    pub install_kind: InstallKind,
    /// The modules the update changed (`shell`, `ui`, `resources`, `updater`): the reports are per module.
    pub modules: Vec<String>,
    /// Starts of the new version so far (counted before each start, so a start killed counts).
    pub attempts: u32,
}

/// One file of an installed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub length: u64,
    pub sha256: String,
}

/// What a version folder holds, by release path (`ui/app.js`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: String,
    pub files: BTreeMap<String, FileEntry>,
}

/// Checks a version (numbers and dots, as releases name them): it is also a folder name.
pub fn check_version(version: &str) -> Result<()> {
    let plain = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    if plain && ModuleVersion::parse("version", version).is_ok() {
        Ok(())
    } else {
        Err(Error::Invalid(format!("{version:?} is not a version: use numbers separated by dots, e.g. 1.4.0")))
    }
}

/// Checks a version folder's name: the version, or `<version>+<n>` for a repair of the version
/// that is current (its folder cannot be rewritten while it runs).
pub fn check_folder(name: &str) -> Result<()> {
    match name.split_once('+') {
        Some((v, n)) if !n.is_empty() && n.len() < 10 && n.bytes().all(|b| b.is_ascii_digit()) => check_version(v),
        Some(_) => Err(Error::Invalid(format!("{name:?} is not a version folder"))),
        None => check_version(name),
    }
}

/// The version a folder holds.
pub fn version_of_folder(name: &str) -> &str {
    name.split_once('+').map_or(name, |(v, _)| v)
}

/// The install folder.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Layout {
        Layout { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn versions(&self) -> PathBuf {
        self.root.join("versions")
    }

    pub fn version_dir(&self, version: &str) -> PathBuf {
        self.versions().join(version)
    }

    pub fn staging_dir(&self, version: &str) -> PathBuf {
        self.versions().join(format!("{STAGING_PREFIX}{version}"))
    }

    pub fn pointer_path(&self) -> PathBuf {
        self.root.join(POINTER_FILE)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join("state")
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.state_dir().join("outbox")
    }

    /// The health marker a version's program writes when it started well.
    pub fn health_marker(&self, version: &str) -> PathBuf {
        self.state_dir().join(format!("healthy-{version}"))
    }

    pub fn launcher_path(&self) -> PathBuf {
        self.root.join(launcher_file_name())
    }

    /// The pointer, or None when nothing is installed. An unreadable pointer (it cannot be half
    /// written, but a disk may fail) is recovered from the newest complete version folder.
    pub fn read_pointer(&self) -> Result<Option<Pointer>> {
        match std::fs::read(self.pointer_path()) {
            Ok(bytes) => match serde_json::from_slice::<Pointer>(&bytes) {
                Ok(p) => Ok(Some(p)),
                Err(_) => Ok(self.newest_complete_version()?.map(|current| Pointer { current, previous: None, trial: None })),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(self.newest_complete_version()?.map(|current| Pointer { current, previous: None, trial: None }))
            }
            Err(e) => Err(Error::Io { what: format!("cannot read {}", self.pointer_path().display()), source: e }),
        }
    }

    /// Replaces the pointer atomically; `context` names the fault point `<context>-temp-written`.
    pub fn write_pointer(&self, pointer: &Pointer, faults: &Faults, context: &str) -> Result<()> {
        std::fs::create_dir_all(&self.root).map_err(io(format!("cannot create {}", self.root.display())))?;
        let bytes = serde_json::to_vec_pretty(pointer).map_err(|e| Error::Invalid(e.to_string()))?;
        write_atomically(&self.pointer_path(), &bytes, faults, &format!("{context}-temp-written"))
    }

    /// A complete version's manifest (None: no such version in place).
    pub fn read_manifest(&self, version: &str) -> Result<Option<Manifest>> {
        let path = self.version_dir(version).join(MANIFEST_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Invalid(format!("{} is not a version's manifest: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Io { what: format!("cannot read {}", path.display()), source: e }),
        }
    }

    /// The versions in place (complete: with their manifest), oldest first.
    pub fn installed_versions(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = match std::fs::read_dir(self.versions()) {
            Ok(entries) => entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| check_folder(n).is_ok() && self.version_dir(n).join(MANIFEST_FILE).is_file())
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::Io { what: format!("cannot read {}", self.versions().display()), source: e }),
        };
        let key = |n: &String| {
            let repair: u64 = n.split_once('+').and_then(|(_, r)| r.parse().ok()).unwrap_or(0);
            (ModuleVersion::parse("version", version_of_folder(n)).ok(), repair)
        };
        out.sort_by_key(key);
        Ok(out)
    }

    fn newest_complete_version(&self) -> Result<Option<String>> {
        Ok(self.installed_versions()?.pop())
    }

    /// Removes version folders other than `keep` and leftover staging folders, as far as the
    /// system lets (on Windows a folder whose program still runs stays; the next clean-up takes it).
    pub fn remove_versions_except(&self, keep: &[&str]) {
        let Ok(entries) = std::fs::read_dir(self.versions()) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if keep.contains(&name.as_str()) {
                continue;
            }
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_plain_numbers() {
        assert!(check_version("1.4.0").is_ok());
        for bad in ["", "1..2", "../1", "1.0-beta", "v1", "1/2"] {
            assert!(check_version(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_lost_pointer_is_recovered_from_the_newest_complete_version() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path());
        assert_eq!(layout.read_pointer().unwrap(), None);
        for v in ["1.9", "1.10"] {
            std::fs::create_dir_all(layout.version_dir(v)).unwrap();
            std::fs::write(layout.version_dir(v).join(MANIFEST_FILE), format!(r#"{{"version":"{v}","files":{{}}}}"#)).unwrap();
        }
        std::fs::create_dir_all(layout.version_dir("2.0")).unwrap(); // no manifest: incomplete
        assert_eq!(layout.installed_versions().unwrap(), vec!["1.9".to_string(), "1.10".to_string()]);
        assert_eq!(layout.read_pointer().unwrap().unwrap().current, "1.10");
        std::fs::create_dir_all(layout.version_dir("1.10+1")).unwrap();
        std::fs::write(layout.version_dir("1.10+1").join(MANIFEST_FILE), r#"{"version":"1.10","files":{}}"#).unwrap();
        assert_eq!(layout.read_pointer().unwrap().unwrap().current, "1.10+1", "a repaired copy is newer");
        assert!(check_folder("1.2+3").is_ok() && check_folder("1.2+").is_err() && check_folder("1.2+a").is_err());
        std::fs::write(layout.pointer_path(), b"{garbage").unwrap();
        assert_eq!(layout.read_pointer().unwrap().unwrap().current, "1.10+1");
    }
}
