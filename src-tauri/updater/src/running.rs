//! The desktop program's view of the install it runs from: which install folder and which version
//! folder (the launcher says so in `KINMU_INSTALL_DIR` and `KINMU_VERSION`; otherwise the
//! program's own path, `<install>/versions/<v>/kinmu-desktop`, tells), where that version's UI
//! bundle lies (the shell serves it through its own protocol, so a UI change needs no reinstall),
//! the trusted root it ships, and the restart through the launcher after an update. A program run
//! from anywhere else (a development build) is not installed: it shows the UI compiled into it
//! and does not update itself.
//!
//! The UI bundle's files are looked up by [`Running::ui_file`]: a request path maps to a file
//! under `versions/<v>/ui/` (never outside it), and a path that names no file (a page of the
//! single-page app, `/attendance`) gets `index.html`.

use std::path::{Component, Path, PathBuf};

use crate::layout::{check_folder, version_of_folder};
use crate::{Error, Layout, Result, io};

/// Set by the launcher for the program it starts: the install folder.
pub const INSTALL_DIR_ENV: &str = "KINMU_INSTALL_DIR";
/// Set by the launcher for the program it starts: the version folder it started.
pub const VERSION_ENV: &str = "KINMU_VERSION";
/// The UI bundle's folder inside a version folder.
pub const UI_DIR: &str = "ui";
/// The trusted root a release ships (`kinmu release root --out`), inside a version folder; an
/// install may also hold one at its top (`<install>/trusted-root.json`, put there by the
/// installer).
pub const SHIPPED_ROOT: &str = "resources/trusted-root.json";

/// The install and version the program runs from.
#[derive(Debug, Clone)]
pub struct Running {
    layout: Layout,
    /// The version folder (`1.4.0`, or `1.4.0+1` for a repaired copy).
    folder: String,
}

impl Running {
    /// Finds the install from the launcher's variables, else from the program's path. None when
    /// the program does not run from an install's version folder.
    pub fn discover(install_env: Option<PathBuf>, version_env: Option<String>, exe: Option<&Path>) -> Option<Running> {
        if let (Some(root), Some(folder)) = (install_env, version_env)
            && check_folder(&folder).is_ok()
            && root.join("versions").join(&folder).is_dir()
        {
            return Some(Running { layout: Layout::new(root), folder });
        }
        // <install>/versions/<folder>/<program>
        let version_dir = exe?.parent()?;
        let folder = version_dir.file_name()?.to_str()?.to_string();
        let versions = version_dir.parent()?;
        if versions.file_name()? != "versions" || check_folder(&folder).is_err() {
            return None;
        }
        Some(Running { layout: Layout::new(versions.parent()?), folder })
    }

    /// [`Running::discover`] from this process's environment and path.
    pub fn from_env() -> Option<Running> {
        let exe = std::env::current_exe().ok();
        let exe = exe.as_deref().map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
        Running::discover(std::env::var_os(INSTALL_DIR_ENV).map(PathBuf::from), std::env::var(VERSION_ENV).ok(), exe.as_deref())
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn folder(&self) -> &str {
        &self.folder
    }

    /// The version this program is (from its folder's manifest; the folder's name otherwise).
    pub fn version(&self) -> String {
        match self.layout.read_manifest(&self.folder) {
            Ok(Some(m)) => m.version,
            _ => version_of_folder(&self.folder).to_string(),
        }
    }

    /// The version's UI bundle folder, when it has one (with its `index.html`).
    pub fn ui_dir(&self) -> Option<PathBuf> {
        let dir = self.layout.version_dir(&self.folder).join(UI_DIR);
        dir.join("index.html").is_file().then_some(dir)
    }

    /// The trusted root the install ships: the version's own, else the install's.
    pub fn shipped_root(&self) -> PathBuf {
        let own = self.layout.version_dir(&self.folder).join(SHIPPED_ROOT);
        if own.is_file() { own } else { self.layout.root().join("trusted-root.json") }
    }

    /// Starts the launcher, which starts the current version (a version just applied on trial),
    /// and returns; the caller then ends the program. The launcher gets this process's
    /// environment (its health timeout, say) but not the variables the launcher set for this
    /// program.
    pub fn restart(&self) -> Result<()> {
        // A launcher replacement killed between its renames (Windows) is put right first.
        crate::apply::recover_launcher(&self.layout)?;
        let launcher = self.layout.launcher_path();
        if !launcher.is_file() {
            return Err(Error::Invalid(format!("no launcher at {}: start Kinmu again from its shortcut", launcher.display())));
        }
        std::process::Command::new(&launcher)
            .arg("--install")
            .arg(self.layout.root())
            .env_remove(INSTALL_DIR_ENV)
            .env_remove(VERSION_ENV)
            .env_remove(crate::HEALTH_FILE_ENV)
            .current_dir(self.layout.root())
            .spawn()
            .map_err(io(format!("cannot start {}", launcher.display())))?;
        Ok(())
    }
}

/// The file a request path of the UI bundle maps to under `ui_dir`, with its MIME type. A path
/// that leaves the folder (`..`, an absolute or drive path) is refused (None); one that names no
/// file is a page of the app: `index.html`.
pub fn ui_file(ui_dir: &Path, request_path: &str) -> Option<(PathBuf, &'static str)> {
    let decoded = percent_decode(request_path.split(['?', '#']).next().unwrap_or_default())?;
    let rel = decoded.trim_start_matches('/');
    let mut path = ui_dir.to_path_buf();
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        let mut components = Path::new(part).components();
        match (components.next(), components.next()) {
            (Some(Component::Normal(c)), None) if !part.contains('\\') && !part.contains(':') => path.push(c),
            _ => return None,
        }
    }
    if rel.is_empty() || !path.is_file() {
        // A page of the single-page app (no extension), else a missing file.
        let last = rel.rsplit('/').next().unwrap_or_default();
        if last.contains('.') {
            return None;
        }
        path = ui_dir.join("index.html");
    }
    let mime = mime_of(&path);
    Some((path, mime))
}

/// The MIME type of a UI bundle file, by its extension (wasm must be `application/wasm` for
/// streaming compilation).
pub fn mime_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(dir: &Path, folder: &str, with_ui: bool) {
        let v = dir.join("versions").join(folder);
        std::fs::create_dir_all(v.join("ui/pkg")).unwrap();
        std::fs::write(v.join(".kinmu-manifest.json"), format!(r#"{{"version":"{}","files":{{}}}}"#, version_of_folder(folder))).unwrap();
        if with_ui {
            std::fs::write(v.join("ui/index.html"), "<title>Kinmu</title>").unwrap();
            std::fs::write(v.join("ui/pkg/kinmu_ui_bg.wasm"), b"\0asm").unwrap();
        }
    }

    #[test]
    fn finds_the_install_from_the_launcher_or_the_program_path() {
        let dir = tempfile::tempdir().unwrap();
        install(dir.path(), "2.0", true);
        install(dir.path(), "2.0+1", false);
        let r = Running::discover(Some(dir.path().into()), Some("2.0".into()), None).unwrap();
        assert_eq!((r.folder(), r.version().as_str()), ("2.0", "2.0"));
        assert_eq!(r.layout().root(), dir.path());

        // Without the launcher's variables: the program's own path.
        let exe = dir.path().join("versions/2.0+1/kinmu-desktop");
        let r = Running::discover(None, None, Some(&exe)).unwrap();
        assert_eq!((r.folder(), r.version().as_str()), ("2.0+1", "2.0"));
        assert_eq!(r.ui_dir(), None, "no bundle in this folder: the shell shows its own");

        // A variable naming a folder that is not there, or a program elsewhere: not installed.
        assert!(Running::discover(Some(dir.path().into()), Some("9.9".into()), None).is_none());
        assert!(Running::discover(None, None, Some(Path::new("/usr/bin/kinmu-desktop"))).is_none());
        assert!(Running::discover(None, None, Some(&dir.path().join("versions/.staging-3.0/kinmu-desktop"))).is_none());
        assert!(Running::discover(None, None, None).is_none());
    }

    #[test]
    fn the_shipped_root_is_the_versions_else_the_installs() {
        let dir = tempfile::tempdir().unwrap();
        install(dir.path(), "1.0", true);
        let r = Running::discover(Some(dir.path().into()), Some("1.0".into()), None).unwrap();
        assert_eq!(r.shipped_root(), dir.path().join("trusted-root.json"));
        std::fs::create_dir_all(dir.path().join("versions/1.0/resources")).unwrap();
        std::fs::write(dir.path().join("versions/1.0").join(SHIPPED_ROOT), "{}").unwrap();
        assert_eq!(r.shipped_root(), dir.path().join("versions/1.0").join(SHIPPED_ROOT));
        assert!(r.restart().is_err(), "no launcher in this install");
    }

    #[test]
    fn ui_paths_stay_inside_the_bundle_and_pages_get_the_index() {
        let dir = tempfile::tempdir().unwrap();
        install(dir.path(), "1.0", true);
        let ui = Running::discover(Some(dir.path().into()), Some("1.0".into()), None).unwrap().ui_dir().unwrap();
        let index = (ui.join("index.html"), "text/html; charset=utf-8");
        assert_eq!(ui_file(&ui, "/"), Some(index.clone()));
        assert_eq!(ui_file(&ui, "/attendance/monthly"), Some(index.clone()), "a page of the app");
        assert_eq!(ui_file(&ui, "/login?next=%2Fusers"), Some(index.clone()));
        assert_eq!(ui_file(&ui, "/pkg/kinmu_ui_bg.wasm"), Some((ui.join("pkg/kinmu_ui_bg.wasm"), "application/wasm")));
        assert_eq!(ui_file(&ui, "/pkg/%6Binmu_ui_bg.wasm").map(|f| f.0), Some(ui.join("pkg/kinmu_ui_bg.wasm")));
        assert_eq!(ui_file(&ui, "/pkg/missing.js"), None, "a missing file is not the index");
        for escape in ["/../.kinmu-manifest.json", "/pkg/%2e%2e/%2e%2e/x", "/..%2f..%2fetc/passwd", "/C:/Windows", "/a\\..\\b", "/%zz"] {
            assert_eq!(ui_file(&ui, escape), None, "{escape}");
        }
        assert_eq!(mime_of(Path::new("a/style.css")), "text/css; charset=utf-8");
        assert_eq!(mime_of(Path::new("boot.JS")), "text/javascript; charset=utf-8");
    }
}
