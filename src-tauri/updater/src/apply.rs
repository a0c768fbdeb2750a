//! Applying a version: its files are written into a staging folder beside the installed versions
//! (each copied from the verified download or from the current version, its length and SHA-256
//! checked on the way, flushed to disk), with its manifest last; the staging folder is renamed to
//! `versions/<version>`; then the pointer is replaced, naming the new version current on trial and
//! the running one previous. Nothing of the running version is touched. Killed at any step, the
//! pointer still names a complete version (the old one until the last rename, the new one after);
//! a leftover staging folder is removed by the next apply.

use std::path::PathBuf;

use kinmu_shared::update_policy::InstallKind;

use crate::fault::Faults;
use crate::files::{self, copy_verified, release_path, sync_dir};
use crate::layout::{FileEntry, MANIFEST_FILE, Manifest, Pointer, Trial, check_version, launcher_file_name, program_file_name};
use crate::{Error, Layout, Result, io};

/// A file of the version to write, and where its verified bytes are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFile {
    /// Its path in the release (`ui/app.js`).
    pub path: String,
    pub length: u64,
    pub sha256: String,
    /// The downloaded file, or the current version's copy of an unchanged file.
    pub source: PathBuf,
}

/// A version to apply.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub version: String,
    pub files: Vec<VersionFile>,
    pub install_kind: InstallKind,
    /// The modules it changes (`shell`, `ui`, `resources`, `updater`).
    pub modules: Vec<String>,
    /// The update's id (the run's, which its reports carry): the trial keeps it, so the
    /// launcher's end of the update (started healthy, rolled back) joins the same record.
    pub update_id: String,
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The version is current already: nothing written.
    AlreadyCurrent,
    /// The version is in place and current; `previous` is the version the launcher switches back
    /// to if it does not start healthy (None on a new install).
    Switched { folder: String, previous: Option<String>, update_id: String },
}

/// Writes `new` beside the installed versions and makes it current (on trial when a version
/// was installed before). See the module's note for the steps and their fault points.
pub fn apply(layout: &Layout, new: &NewVersion, faults: &Faults) -> Result<Applied> {
    check_version(&new.version)?;
    if new.files.is_empty() {
        return Err(Error::Invalid(format!("version {} has no files", new.version)));
    }
    for f in &new.files {
        release_path(&f.path)?;
        if f.path == MANIFEST_FILE {
            return Err(Error::Invalid(format!("{MANIFEST_FILE} is the install's own name; a release cannot hold it")));
        }
    }
    let pointer = layout.read_pointer()?;
    if let Some(p) = &pointer
        && new.install_kind != InstallKind::Repair
        && layout.read_manifest(&p.current)?.is_some_and(|m| m.version == new.version)
    {
        return Ok(Applied::AlreadyCurrent);
    }
    // The folder: the version's name, unless the current or previous version lies there (a
    // repair of the running version): then `<version>+<n>`.
    let taken = |name: &str| pointer.as_ref().is_some_and(|p| p.current == name || p.previous.as_deref() == Some(name));
    let folder = std::iter::once(new.version.clone())
        .chain((1..).map(|n| format!("{}+{n}", new.version)))
        .find(|name| !taken(name))
        .unwrap_or_else(|| new.version.clone());
    let versions = layout.versions();
    std::fs::create_dir_all(&versions).map_err(io(format!("cannot create {}", versions.display())))?;
    let target = layout.version_dir(&folder);
    // A folder of this name that is neither current nor previous: a version that failed its
    // trial, or a complete copy from an apply killed before its pointer switch. Written again.
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io(format!("cannot remove the old copy {}", target.display())))?;
    }
    let staging = layout.staging_dir(&folder);
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(format!("cannot remove the leftover {}", staging.display())))?;
    }
    std::fs::create_dir_all(&staging).map_err(io(format!("cannot create {}", staging.display())))?;
    faults.point("apply:staging-created");

    let mut manifest = Manifest { version: new.version.clone(), files: Default::default() };
    for (i, f) in new.files.iter().enumerate() {
        let dest = staging.join(release_path(&f.path)?);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
        }
        copy_verified(&f.source, &dest, f.length, &f.sha256, || {
            if i == 0 {
                faults.point("apply:file-partly-written")
            }
        })?;
        if f.path == program_file_name() || f.path == launcher_file_name() {
            files::make_executable(&dest)?;
        }
        manifest.files.insert(f.path.clone(), FileEntry { length: f.length, sha256: f.sha256.clone() });
    }
    faults.point("apply:files-written");
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Invalid(e.to_string()))?;
    {
        use std::io::Write;
        let path = staging.join(MANIFEST_FILE);
        let mut file = std::fs::File::create(&path).map_err(io(format!("cannot create {}", path.display())))?;
        file.write_all(&manifest_bytes).map_err(io(format!("cannot write {}", path.display())))?;
        file.sync_all().map_err(io(format!("cannot flush {}", path.display())))?;
    }
    sync_dir(&staging)?;
    faults.point("apply:manifest-written");
    std::fs::rename(&staging, &target).map_err(io(format!("cannot move {} into place", staging.display())))?;
    sync_dir(&versions)?;
    faults.point("apply:version-in-place");

    // The version to fall back on: the running one once it proved healthy; while it is itself on
    // trial, the one before it.
    let previous = pointer.as_ref().and_then(|p| if p.trial.is_some() { p.previous.clone() } else { Some(p.current.clone()) });
    let update_id = new.update_id.clone();
    let trial = previous.as_ref().map(|_| Trial {
        update_id: update_id.clone(),
        install_kind: new.install_kind,
        modules: new.modules.clone(),
        attempts: 0,
    });
    layout.write_pointer(&Pointer { current: folder.clone(), previous: previous.clone(), trial }, faults, "apply:pointer")?;
    faults.point("apply:pointer-switched");
    // Folders of neither the new nor the previous version (a version that failed its trial, an
    // older one): not needed any more.
    let mut keep = vec![folder.as_str()];
    if let Some(p) = &previous {
        keep.push(p);
    }
    layout.remove_versions_except(&keep);
    faults.point("apply:done");
    Ok(Applied::Switched { folder, previous, update_id })
}

/// The files of the folder `dir` (a release unpacked, or the install media), each with its
/// length and SHA-256: for a new install from media or an offline update (`kinmu-launcher apply`).
pub fn files_of_folder(dir: &std::path::Path) -> Result<Vec<VersionFile>> {
    fn walk(base: &std::path::Path, dir: &std::path::Path, out: &mut Vec<VersionFile>) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(io(format!("cannot read the folder {}", dir.display())))?;
        for entry in entries {
            let entry = entry.map_err(io(format!("cannot read the folder {}", dir.display())))?;
            let kind = entry.file_type().map_err(io(format!("cannot read {}", entry.path().display())))?;
            let path = entry.path();
            if kind.is_symlink() {
                return Err(Error::Invalid(format!("{} is a symbolic link: a release holds files only", path.display())));
            } else if kind.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path.strip_prefix(base).unwrap_or(&path);
                let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
                let rel =
                    parts.map(|p| p.join("/")).ok_or_else(|| Error::Invalid(format!("{} has a name that is not UTF-8", path.display())))?;
                let (length, sha256) = files::hash_file(&path)?;
                out.push(VersionFile { path: rel, length, sha256, source: path });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Replaces the launcher (the updater first). The new one is copied beside it (`.kinmu-launcher.new`),
/// checked against its signed length and SHA-256 and flushed; then it is renamed over the
/// launcher in one step — on Linux always (a running program's file may be replaced by a rename:
/// it keeps running from the old one), on Windows when the launcher is not running (the usual
/// case: it ends once the program it started runs). So a kill at any moment leaves the old or the
/// new launcher, complete, where the shortcut points. Only when that rename is refused (Windows, a
/// launcher running with `--wait`: a running program cannot be replaced or deleted, only
/// renamed) the running one is renamed aside (`.kinmu-launcher.old`) and the new one renamed in;
/// killed between those two renames, [`recover_launcher`] puts one back (the shell runs it at its
/// start, and before it restarts through the launcher; the updater before each replacement).
pub fn replace_launcher(layout: &Layout, source: &std::path::Path, length: u64, sha256: &str, faults: &Faults) -> Result<()> {
    recover_launcher(layout)?;
    let path = layout.launcher_path();
    let new = layout.root().join(format!(".{}.new", launcher_file_name()));
    let old = layout.root().join(format!(".{}.old", launcher_file_name()));
    copy_verified(source, &new, length, sha256, || {})?;
    files::make_executable(&new)?;
    sync_dir(layout.root())?;
    faults.point("launcher:new-written");
    if std::fs::rename(&new, &path).is_err() {
        // Refused: the launcher runs (Windows). Renamed aside, then the new one in.
        let _ = std::fs::remove_file(&old);
        std::fs::rename(&path, &old).map_err(io(format!("cannot move the running launcher {} aside", path.display())))?;
        faults.point("launcher:old-moved");
        std::fs::rename(&new, &path).map_err(io(format!("cannot put the new launcher in {}", path.display())))?;
    }
    sync_dir(layout.root())?;
    faults.point("launcher:replaced");
    // An old one moved aside is removed at the next replacement or recovery (it may still run now).
    Ok(())
}

/// Whether the installed launcher is the file of `length` and `sha256`.
pub fn launcher_is(layout: &Layout, length: u64, sha256: &str) -> bool {
    files::hash_file(&layout.launcher_path()).is_ok_and(|(l, h)| l == length && h == sha256)
}

/// Puts a launcher back if a replacement was killed between its renames: the new one when it
/// was completely written, else the old one. Answers whether it did anything.
pub fn recover_launcher(layout: &Layout) -> Result<bool> {
    let path = layout.launcher_path();
    if path.exists() {
        // A leftover copy of an earlier replacement, or the old one moved aside (removable once
        // it no longer runs).
        let _ = std::fs::remove_file(layout.root().join(format!(".{}.old", launcher_file_name())));
        return Ok(false);
    }
    for candidate in [format!(".{}.new", launcher_file_name()), format!(".{}.old", launcher_file_name())] {
        let from = layout.root().join(candidate);
        if from.is_file() {
            std::fs::rename(&from, &path).map_err(io(format!("cannot restore {}", path.display())))?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Windows' file rules, tested where they hold (under Wine by `scripts/test-windows`, which runs
/// this crate's unit tests for `x86_64-pc-windows-gnu`): a version's program running from its
/// folder while a new version is applied, a file of the old version held open without delete
/// sharing while the pointer is replaced, and the launcher replacing itself while it runs. The
/// program is this test program, copied into the version folder and started there (it waits in
/// [`windows_file_rules::a_program_that_runs_until_stopped`]). Each test prints what the system
/// refused, so the run says which rules Wine enforces.
#[cfg(all(test, windows))]
mod windows_file_rules {
    use std::os::windows::fs::OpenOptionsExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command};
    use std::time::{Duration, Instant};

    use super::*;

    const STOP_ENV: &str = "KINMU_TEST_STOP_FILE";
    const FILE_SHARE_READ: u32 = 1;

    /// Not a test on its own: the program the tests start (see the module's note); it runs until
    /// its stop file appears (a minute at most).
    #[test]
    #[ignore]
    fn a_program_that_runs_until_stopped() {
        let Some(stop) = std::env::var_os(STOP_ENV) else { return };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !Path::new(&stop).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A release folder: the program (a copy of this test program, with the Wine shim it needs
    /// beside it when there is one) and a UI file naming the version.
    fn release(dir: &Path, version: &str) -> PathBuf {
        let folder = dir.join(format!("release-{version}"));
        std::fs::create_dir_all(folder.join("ui")).unwrap();
        let me = std::env::current_exe().unwrap();
        std::fs::copy(&me, folder.join(program_file_name())).unwrap();
        let shim = me.with_file_name("bcryptprimitives.dll");
        if shim.is_file() {
            std::fs::copy(&shim, folder.join("bcryptprimitives.dll")).unwrap();
        }
        std::fs::write(folder.join("ui/app.js"), format!("// ui {version}\n")).unwrap();
        folder
    }

    fn apply_release(layout: &Layout, dir: &Path, version: &str) -> Applied {
        let files = files_of_folder(&release(dir, version)).unwrap();
        let new = NewVersion {
            version: version.into(),
            files,
            install_kind: InstallKind::Differential,
            modules: vec!["shell".into()],
            update_id: files::fresh_id(),
        };
        apply(layout, &new, &Faults::none()).unwrap()
    }

    /// Starts `program` (a copy of this test program), running until `stop` exists.
    fn start(program: &Path, stop: &Path) -> Child {
        let child = Command::new(program)
            .args(["--exact", "apply::windows_file_rules::a_program_that_runs_until_stopped", "--ignored", "--test-threads=1"])
            .env(STOP_ENV, stop)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        child
    }

    /// What the system answers to deleting, overwriting and renaming a running program.
    fn probe_running(program: &Path) -> (bool, bool, bool) {
        let delete_refused = std::fs::remove_file(program).is_err();
        let overwrite_refused = std::fs::OpenOptions::new().write(true).open(program).is_err();
        let aside = program.with_extension("probe");
        let rename_refused = std::fs::rename(program, &aside).is_err();
        if !rename_refused {
            std::fs::rename(&aside, program).unwrap();
        }
        (delete_refused, overwrite_refused, rename_refused)
    }

    #[test]
    fn the_apply_never_overwrites_the_running_program_and_switches_the_pointer_while_old_files_are_open() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path().join("install"));
        apply_release(&layout, dir.path(), "1.0");
        let program = layout.version_dir("1.0").join(program_file_name());
        let before = files::hash_file(&program).unwrap();
        let stop = dir.path().join("stop");
        let mut running = start(&program, &stop);
        assert!(running.try_wait().unwrap().is_none(), "the copied program runs from versions/1.0");
        let (delete_refused, overwrite_refused, rename_refused) = probe_running(&program);
        println!(
            "a running program: delete {}, open for writing {}, rename {}",
            if delete_refused { "refused" } else { "allowed" },
            if overwrite_refused { "refused" } else { "allowed" },
            if rename_refused { "refused" } else { "allowed" }
        );
        // A file of the running version held open without delete sharing (as a program reading it would).
        let held =
            std::fs::OpenOptions::new().read(true).share_mode(FILE_SHARE_READ).open(layout.version_dir("1.0").join("ui/app.js")).unwrap();
        let moved = dir.path().join("moved");
        let held_rename_refused = std::fs::rename(layout.version_dir("1.0"), &moved).is_err();
        if !held_rename_refused {
            std::fs::rename(&moved, layout.version_dir("1.0")).unwrap();
        }
        println!("a folder holding a file open without delete sharing: rename {}", if held_rename_refused { "refused" } else { "allowed" });

        let Applied::Switched { folder, previous, .. } = apply_release(&layout, dir.path(), "2.0") else { panic!("not applied") };
        assert_eq!((folder.as_str(), previous.as_deref()), ("2.0", Some("1.0")));
        let pointer = layout.read_pointer().unwrap().unwrap();
        assert_eq!((pointer.current.as_str(), pointer.previous.as_deref()), ("2.0", Some("1.0")), "the pointer moved");
        assert!(pointer.trial.is_some());
        assert_eq!(files::hash_file(&program).unwrap(), before, "the running program is untouched");
        assert!(running.try_wait().unwrap().is_none(), "and still runs");
        assert_eq!(std::fs::read_to_string(layout.version_dir("1.0").join("ui/app.js")).unwrap(), "// ui 1.0\n");

        // Applied again (3.0) while 2.0 is on trial: the pointer is replaced again, 1.0 (still
        // running, its file still open) stays the fallback, and nothing of it is removed.
        apply_release(&layout, dir.path(), "3.0");
        let pointer = layout.read_pointer().unwrap().unwrap();
        assert_eq!((pointer.current.as_str(), pointer.previous.as_deref()), ("3.0", Some("1.0")));
        assert_eq!(files::hash_file(&program).unwrap(), before);
        drop(held);
        std::fs::write(&stop, "").unwrap();
        running.wait().unwrap();
    }

    #[test]
    fn the_launcher_replaces_itself_while_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::new(dir.path().join("install"));
        let release1 = release(dir.path(), "1.0");
        std::fs::create_dir_all(layout.root()).unwrap();
        std::fs::copy(release1.join(program_file_name()), layout.launcher_path()).unwrap();
        if release1.join("bcryptprimitives.dll").is_file() {
            std::fs::copy(release1.join("bcryptprimitives.dll"), layout.root().join("bcryptprimitives.dll")).unwrap();
        }
        let old = files::hash_file(&layout.launcher_path()).unwrap();
        let stop = dir.path().join("stop");
        let mut running = start(&layout.launcher_path(), &stop);
        assert!(running.try_wait().unwrap().is_none(), "the launcher runs");
        // The new launcher: the same program with other bytes appended.
        let new = dir.path().join("new-launcher.exe");
        let mut bytes = std::fs::read(layout.launcher_path()).unwrap();
        bytes.extend_from_slice(b"launcher 2.0");
        std::fs::write(&new, &bytes).unwrap();
        let (length, sha256) = files::hash_file(&new).unwrap();
        replace_launcher(&layout, &new, length, &sha256, &Faults::none()).unwrap();
        assert!(launcher_is(&layout, length, &sha256), "the new launcher is where the shortcut points");
        let aside = layout.root().join(format!(".{}.old", launcher_file_name()));
        println!(
            "the running launcher replaced {}",
            if aside.is_file() { "after renaming it aside (the one-step rename was refused)" } else { "in one rename" }
        );
        if aside.is_file() {
            assert_eq!(files::hash_file(&aside).unwrap(), old, "the running one moved aside, untouched");
        }
        assert!(running.try_wait().unwrap().is_none(), "the old launcher still runs");
        std::fs::write(&stop, "").unwrap();
        running.wait().unwrap();
        // Once it ended, the next recovery removes it.
        assert!(!recover_launcher(&layout).unwrap());
        assert!(!aside.exists());
        assert!(launcher_is(&layout, length, &sha256));
    }
}
