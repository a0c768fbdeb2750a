//! The desktop's settings file (`server.json` in the app's config dir): the server address (the
//! connection page) and the temporary download folder of the app's updates (seed II.4 ②). One
//! place reads and writes it, each change a read-modify-write under one lock, written through a
//! temporary file and a rename so that a crash never leaves half a file.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub const SETTINGS_FILE: &str = "server.json";

/// What the file holds. Both fields may be missing (an older file holds only `url`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesktopSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The chosen temporary download folder (None: the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_dir: Option<String>,
}

/// Serialises the read-modify-write of the file within this process.
static WRITING: Mutex<()> = Mutex::new(());

pub fn path_in(config_dir: &Path) -> PathBuf {
    config_dir.join(SETTINGS_FILE)
}

/// The settings saved at `path` (the defaults when there is no file yet).
pub fn read(path: &Path) -> Result<DesktopSettings, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| e.to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DesktopSettings::default()),
        Err(e) => Err(e.to_string()),
    }
}

/// Changes the settings at `path` with `change` and writes them back. An unreadable file is
/// replaced by the defaults with the change.
pub fn update(path: &Path, change: impl FnOnce(&mut DesktopSettings)) -> std::io::Result<()> {
    let _guard = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let mut settings = read(path).unwrap_or_default();
    change(&mut settings);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(&settings).expect("settings serialise");
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_is_kept_when_the_other_changes() {
        let dir = std::env::temp_dir().join(format!("kinmu-desktop-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = path_in(&dir);
        assert_eq!(read(&path).unwrap(), DesktopSettings::default());
        // A file of an older version: the address only.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, r#"{"url": "http://kinmu.example"}"#).unwrap();
        update(&path, |s| s.download_dir = Some("/var/tmp/kinmu".into())).unwrap();
        update(&path, |s| s.url = Some("http://other.example".into())).unwrap();
        let saved = read(&path).unwrap();
        assert_eq!(saved.url.as_deref(), Some("http://other.example"));
        assert_eq!(saved.download_dir.as_deref(), Some("/var/tmp/kinmu"));
        update(&path, |s| s.download_dir = None).unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains("download_dir"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
