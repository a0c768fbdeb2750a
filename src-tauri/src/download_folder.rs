//! The temporary download folder of the app's updates (seed II.4 ②: it needs room for a
//! release's changed files, so the user may put it on another drive). Chosen on the connection
//! page and saved in the desktop's settings file; when none is chosen, `KINMU_DOWNLOAD_DIR`, else
//! `<install>/state/downloads`. A folder is accepted when it is a full path, exists or can be
//! created, can be written to, and does not lie inside the install's versions folder (which
//! updates replace). The next update downloads into it.

use std::path::{Path, PathBuf};

use kinmu_shared::api::DownloadFolderProblem;
use kinmu_updater::Layout;

/// The folder used when none is chosen.
pub fn default_folder(layout: &Layout) -> PathBuf {
    std::env::var_os("KINMU_DOWNLOAD_DIR").map(PathBuf::from).unwrap_or_else(|| layout.state_dir().join("downloads"))
}

/// Checks `raw` as the download folder of the install whose versions folder is `versions`
/// (creating the folder when it is missing); answers the folder to save.
pub fn check(raw: &str, versions: &Path) -> Result<PathBuf, DownloadFolderProblem> {
    let path = PathBuf::from(raw.trim());
    let shown = path.display().to_string();
    if !path.is_absolute() {
        return Err(DownloadFolderProblem::NotAbsolute { path: shown });
    }
    if path.exists() && !path.is_dir() {
        return Err(DownloadFolderProblem::NotAFolder { path: shown });
    }
    // Compared as the file system resolves them (`..`, links), before anything is created.
    let inside_versions = |p: &Path| {
        let versions = std::fs::canonicalize(versions).unwrap_or_else(|_| versions.to_path_buf());
        let mut probe = p.to_path_buf();
        // The nearest existing ancestor, resolved, with the rest appended.
        let mut rest = Vec::new();
        while !probe.exists() {
            match (probe.file_name().map(|n| n.to_os_string()), probe.parent()) {
                (Some(name), Some(parent)) => {
                    rest.push(name);
                    probe = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut resolved = std::fs::canonicalize(&probe).unwrap_or(probe);
        for name in rest.into_iter().rev() {
            resolved.push(name);
        }
        resolved.starts_with(&versions)
    };
    if inside_versions(&path) {
        return Err(DownloadFolderProblem::InsideVersions { path: shown, versions: versions.display().to_string() });
    }
    std::fs::create_dir_all(&path).map_err(|e| DownloadFolderProblem::CannotCreate { path: shown.clone(), reason: e.to_string() })?;
    let probe = path.join(format!(".kinmu-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"kinmu").map_err(|e| DownloadFolderProblem::NotWritable { path: shown.clone(), reason: e.to_string() })?;
    let _ = std::fs::remove_file(&probe);
    Ok(path)
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

    #[test]
    fn a_download_folder_must_be_a_full_writable_path_outside_the_versions() {
        let root = std::env::temp_dir().join(format!("kinmu-download-folder-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let _scratch = Scratch(root.clone());
        let layout = Layout::new(root.join("install"));
        let versions = layout.versions();
        std::fs::create_dir_all(versions.join("1.0")).unwrap();

        // A missing folder is created; an existing one kept.
        let fresh = root.join("other-drive/kinmu downloads");
        assert_eq!(check(&format!("  {}  ", fresh.display()), &versions).unwrap(), fresh);
        assert!(fresh.is_dir());
        assert_eq!(check(fresh.to_str().unwrap(), &versions).unwrap(), fresh);
        assert_eq!(std::fs::read_dir(&fresh).unwrap().count(), 0, "the write test leaves nothing");
        // The install's state folder (the default's parent) is fine.
        assert!(check(layout.state_dir().join("downloads").to_str().unwrap(), &versions).is_ok());

        assert!(matches!(check("downloads", &versions), Err(DownloadFolderProblem::NotAbsolute { .. })));
        let file = root.join("a-file");
        std::fs::write(&file, "x").unwrap();
        assert!(matches!(check(file.to_str().unwrap(), &versions), Err(DownloadFolderProblem::NotAFolder { .. })));
        assert!(matches!(check(file.join("below").to_str().unwrap(), &versions), Err(DownloadFolderProblem::CannotCreate { .. })));
        for inside in [versions.clone(), versions.join("1.0/dl"), versions.join("2.0/new"), root.join("other-drive/../install/versions/x")]
        {
            assert!(
                matches!(check(inside.to_str().unwrap(), &versions), Err(DownloadFolderProblem::InsideVersions { .. })),
                "{}",
                inside.display()
            );
        }
        assert!(!versions.join("2.0").exists(), "nothing created inside the versions");
    }
}
