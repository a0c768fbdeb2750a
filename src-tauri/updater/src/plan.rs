//! The install mode, as a pure decision (seed II.2 ii)): from what the server answered, what is
//! installed and what the offered release holds, which mode runs and which files it fetches
//! (the rest is copied from the local version, by hash).

use std::collections::BTreeMap;

use kinmu_shared::update_policy::{InstallKind, ModuleVersion, StartupDecision};

use crate::layout::{FileEntry, Manifest, launcher_file_name};

/// A file of the offered release, as its signed targets metadata gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseFile {
    /// Its path in the release (`ui/app.js`).
    pub path: String,
    pub length: u64,
    pub sha256: String,
}

/// The install modes (seed II.2 ii)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallMode {
    /// Nothing installed: every file (新規インストール).
    NewInstall,
    /// Only the files whose hash differs from the local copy (差分アップデート).
    Differential,
    /// Nothing to do (最新の状態).
    UpToDate,
    /// The server does not let this client install or update now (クライアント更新実行不可).
    NotAllowed,
    /// The launcher (the updater) is replaced first, alone; then it runs again for the rest.
    UpdaterFirst,
    /// Every local file's hash checked, those that differ fetched (全プログラムアップデート).
    Repair,
}

impl InstallMode {
    /// The install kind the server records for it (None: nothing is installed).
    pub fn install_kind(self) -> Option<InstallKind> {
        match self {
            InstallMode::NewInstall => Some(InstallKind::New),
            InstallMode::Differential => Some(InstallKind::Differential),
            InstallMode::UpdaterFirst => Some(InstallKind::UpdaterFirst),
            InstallMode::Repair => Some(InstallKind::Repair),
            InstallMode::UpToDate | InstallMode::NotAllowed => None,
        }
    }
}

/// What the decision reads.
#[derive(Debug, Clone)]
pub struct PlanInput<'a> {
    /// The server's start-up decision.
    pub decision: StartupDecision,
    /// The current version's manifest (None: nothing installed).
    pub installed: Option<&'a Manifest>,
    /// The installed launcher's length and hash (None: none, or unknown).
    pub launcher: Option<&'a FileEntry>,
    /// The offered release (None: nothing offered for this platform).
    pub offered: Option<(&'a str, &'a [ReleaseFile])>,
    /// Some when the user asked for a repair: every current file's length and hash as found on
    /// disk now (a missing file is absent).
    pub repair: Option<&'a BTreeMap<String, FileEntry>>,
}

/// The decision: the mode, the version it installs, and the files to fetch and to copy locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub mode: InstallMode,
    pub version: Option<String>,
    pub fetch: Vec<ReleaseFile>,
    /// Unchanged files, copied from the local version (by hash).
    pub reuse: Vec<ReleaseFile>,
    /// The modules with a fetched file, each once, sorted.
    pub modules: Vec<String>,
    /// A repair's finding: the release's files whose copy on disk differs from the signed one or
    /// is missing, in the release's order (empty: every file intact, nothing to do).
    pub damaged: Vec<String>,
}

impl Plan {
    fn nothing(mode: InstallMode) -> Plan {
        Plan { mode, version: None, fetch: Vec::new(), reuse: Vec::new(), modules: Vec::new(), damaged: Vec::new() }
    }

    /// A repair that found every file intact: it fetches and writes nothing.
    pub fn intact(&self) -> bool {
        self.mode == InstallMode::Repair && self.damaged.is_empty()
    }

    /// The bytes to download.
    pub fn fetch_bytes(&self) -> u64 {
        self.fetch.iter().map(|f| f.length).sum()
    }
}

/// The module a release file belongs to: the launcher is the `updater`, `ui/…` the UI bundle,
/// `resources/…` the resource files, the rest the `shell`.
pub fn module_of(path: &str) -> &'static str {
    if path == launcher_file_name() {
        "updater"
    } else if path.starts_with("ui/") {
        "ui"
    } else if path.starts_with("resources/") {
        "resources"
    } else {
        "shell"
    }
}

/// Whether `offered` is a newer version than `installed` (false when either does not parse).
pub fn version_newer(offered: &str, installed: &str) -> bool {
    match (ModuleVersion::parse("version", offered), ModuleVersion::parse("version", installed)) {
        (Ok(o), Ok(i)) => o > i,
        _ => false,
    }
}

/// Decides the install mode (see [`InstallMode`]): not allowed when the server refuses; a new
/// install when nothing is installed; a repair when asked (every file whose hash on disk differs
/// is fetched); up to date when nothing newer is offered; the updater first when the offered
/// launcher differs from the installed one; else differential.
pub fn plan(input: &PlanInput) -> Plan {
    use StartupDecision::*;
    if matches!(input.decision, InstallNotAllowed | RefuseStart | UpdateServicePaused) {
        return Plan::nothing(InstallMode::NotAllowed);
    }
    let Some((version, files)) = input.offered else {
        return Plan::nothing(InstallMode::UpToDate);
    };
    let split = |mode: InstallMode, local: &BTreeMap<String, FileEntry>| {
        let by_hash: std::collections::HashSet<(&str, u64)> = local.values().map(|e| (e.sha256.as_str(), e.length)).collect();
        let (reuse, fetch): (Vec<ReleaseFile>, Vec<ReleaseFile>) =
            files.iter().cloned().partition(|f| by_hash.contains(&(f.sha256.as_str(), f.length)));
        let mut modules: Vec<String> = fetch.iter().map(|f| module_of(&f.path).to_string()).collect();
        modules.sort();
        modules.dedup();
        Plan { mode, version: Some(version.to_string()), fetch, reuse, modules, damaged: Vec::new() }
    };
    let Some(installed) = input.installed else {
        return split(InstallMode::NewInstall, &BTreeMap::new());
    };
    if let Some(found) = input.repair {
        // Damaged: checked path by path (a file with the content of another one is still wrong);
        // fetched: those whose content is nowhere on disk (the rest is copied locally, by hash).
        let damaged = files
            .iter()
            .filter(|f| found.get(&f.path).is_none_or(|e| e.sha256 != f.sha256 || e.length != f.length))
            .map(|f| f.path.clone())
            .collect();
        return Plan { damaged, ..split(InstallMode::Repair, found) };
    }
    if !version_newer(version, &installed.version) {
        return Plan::nothing(InstallMode::UpToDate);
    }
    let launcher = launcher_file_name();
    if let Some(offered_launcher) = files.iter().find(|f| f.path == launcher) {
        let same = input.launcher.is_some_and(|l| l.sha256 == offered_launcher.sha256 && l.length == offered_launcher.length);
        if !same {
            return Plan {
                mode: InstallMode::UpdaterFirst,
                version: Some(version.to_string()),
                fetch: vec![offered_launcher.clone()],
                reuse: Vec::new(),
                modules: vec!["updater".into()],
                damaged: Vec::new(),
            };
        }
    }
    split(InstallMode::Differential, &installed.files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str) -> ReleaseFile {
        use sha2::Digest;
        ReleaseFile { path: path.into(), length: content.len() as u64, sha256: hex::encode(sha2::Sha256::digest(content.as_bytes())) }
    }

    fn manifest(version: &str, files: &[ReleaseFile]) -> Manifest {
        Manifest {
            version: version.into(),
            files: files.iter().map(|f| (f.path.clone(), FileEntry { length: f.length, sha256: f.sha256.clone() })).collect(),
        }
    }

    fn entry(f: &ReleaseFile) -> FileEntry {
        FileEntry { length: f.length, sha256: f.sha256.clone() }
    }

    fn paths(files: &[ReleaseFile]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    struct Case {
        launcher: ReleaseFile,
        v1: Vec<ReleaseFile>,
        v2: Vec<ReleaseFile>,
    }

    fn case() -> Case {
        let launcher = file(&launcher_file_name(), "launcher 1");
        let program = file(&crate::layout::program_file_name(), "program 1");
        let v1 = vec![launcher.clone(), program.clone(), file("ui/app.js", "ui 1"), file("resources/logo.png", "logo")];
        let v2 = vec![launcher.clone(), program, file("ui/app.js", "ui 2"), file("resources/logo.png", "logo")];
        Case { launcher, v1, v2 }
    }

    fn input<'a>(
        installed: Option<&'a Manifest>,
        launcher: Option<&'a FileEntry>,
        offered: Option<(&'a str, &'a [ReleaseFile])>,
    ) -> PlanInput<'a> {
        PlanInput { decision: StartupDecision::UpdateBeforeStart, installed, launcher, offered, repair: None }
    }

    #[test]
    fn nothing_installed_is_a_new_install_of_every_file() {
        let c = case();
        let p = plan(&input(None, None, Some(("1.0", &c.v1))));
        assert_eq!(p.mode, InstallMode::NewInstall);
        assert_eq!(p.fetch, c.v1);
        assert!(p.reuse.is_empty());
        assert_eq!(p.modules, vec!["resources", "shell", "ui", "updater"]);
        assert_eq!(p.mode.install_kind(), Some(InstallKind::New));
    }

    #[test]
    fn a_differential_update_fetches_only_the_changed_files() {
        let c = case();
        let m = manifest("1.0", &c.v1);
        let l = entry(&c.launcher);
        let p = plan(&input(Some(&m), Some(&l), Some(("2.0", &c.v2))));
        assert_eq!(p.mode, InstallMode::Differential);
        assert_eq!(paths(&p.fetch), vec!["ui/app.js"]);
        assert_eq!(p.fetch_bytes(), 4);
        assert_eq!(p.reuse.len(), 3);
        assert_eq!(p.modules, vec!["ui"]);
        assert_eq!(p.version.as_deref(), Some("2.0"));
    }

    #[test]
    fn the_same_or_an_older_version_or_none_offered_is_up_to_date() {
        let c = case();
        let m = manifest("2.0", &c.v2);
        let l = entry(&c.launcher);
        for offered in [Some(("2.0", c.v2.as_slice())), Some(("1.0", c.v1.as_slice())), Some(("2.0.0", c.v2.as_slice())), None] {
            assert_eq!(plan(&input(Some(&m), Some(&l), offered)).mode, InstallMode::UpToDate, "{offered:?}");
        }
    }

    #[test]
    fn a_refusing_server_allows_nothing() {
        let c = case();
        for decision in [StartupDecision::InstallNotAllowed, StartupDecision::RefuseStart, StartupDecision::UpdateServicePaused] {
            let p = plan(&PlanInput { decision, ..input(None, None, Some(("1.0", &c.v1))) });
            assert_eq!((p.mode, p.fetch.len()), (InstallMode::NotAllowed, 0), "{decision:?}");
            assert_eq!(p.mode.install_kind(), None);
        }
        // An optional update is a differential one when taken.
        let m = manifest("1.0", &c.v1);
        let l = entry(&c.launcher);
        let p = plan(&PlanInput { decision: StartupDecision::OfferUpdate, ..input(Some(&m), Some(&l), Some(("2.0", &c.v2))) });
        assert_eq!(p.mode, InstallMode::Differential);
    }

    #[test]
    fn a_changed_launcher_is_updated_first_and_alone() {
        let mut c = case();
        let m = manifest("1.0", &c.v1);
        let l = entry(&c.launcher);
        let new_launcher = file(&launcher_file_name(), "launcher 2");
        c.v2[0] = new_launcher.clone();
        let p = plan(&input(Some(&m), Some(&l), Some(("2.0", &c.v2))));
        assert_eq!(p.mode, InstallMode::UpdaterFirst);
        assert_eq!(p.fetch, vec![new_launcher.clone()]);
        assert_eq!(p.modules, vec!["updater"]);
        // Once the launcher is the new one, the rest follows as a differential update.
        let l2 = entry(&new_launcher);
        let p = plan(&input(Some(&m), Some(&l2), Some(("2.0", &c.v2))));
        assert_eq!(p.mode, InstallMode::Differential);
        assert_eq!(paths(&p.fetch), vec![launcher_file_name().as_str(), "ui/app.js"]);
        // An unknown launcher (none found) is replaced first too.
        assert_eq!(plan(&input(Some(&m), None, Some(("2.0", &c.v2)))).mode, InstallMode::UpdaterFirst);
    }

    #[test]
    fn a_repair_fetches_every_file_whose_hash_on_disk_differs() {
        let c = case();
        let m = manifest("2.0", &c.v2);
        let l = entry(&c.launcher);
        // On disk: the UI file damaged, the logo missing, the rest intact.
        let mut found: BTreeMap<String, FileEntry> = c.v2.iter().map(|f| (f.path.clone(), entry(f))).collect();
        found.insert("ui/app.js".into(), entry(&file("ui/app.js", "ui 2 damaged")));
        found.remove("resources/logo.png");
        let p = plan(&PlanInput { repair: Some(&found), ..input(Some(&m), Some(&l), Some(("2.0", &c.v2))) });
        assert_eq!(p.mode, InstallMode::Repair);
        assert_eq!(paths(&p.fetch), vec!["ui/app.js", "resources/logo.png"]);
        assert_eq!(p.damaged, vec!["ui/app.js", "resources/logo.png"]);
        assert!(!p.intact());
        assert_eq!(p.reuse.len(), 2);
        assert_eq!(p.mode.install_kind(), Some(InstallKind::Repair));
        // An intact install repaired fetches nothing and finds nothing damaged.
        let intact: BTreeMap<String, FileEntry> = c.v2.iter().map(|f| (f.path.clone(), entry(f))).collect();
        let p = plan(&PlanInput { repair: Some(&intact), ..input(Some(&m), Some(&l), Some(("2.0", &c.v2))) });
        assert!(p.fetch.is_empty() && p.reuse.len() == 4 && p.damaged.is_empty() && p.intact());
        // A file holding another file's content is damaged, though nothing needs fetching: its
        // right content is on disk (copied locally).
        let mut twins = c.v2.clone();
        twins.push(file("resources/logo-copy.png", "logo"));
        let m2 = manifest("2.0", &twins);
        let mut found: BTreeMap<String, FileEntry> = twins.iter().map(|f| (f.path.clone(), entry(f))).collect();
        found.insert("resources/logo-copy.png".into(), entry(&file("resources/logo-copy.png", "zeroed")));
        let p = plan(&PlanInput { repair: Some(&found), ..input(Some(&m2), Some(&l), Some(("2.0", &twins))) });
        assert_eq!(p.damaged, vec!["resources/logo-copy.png"]);
        assert!(p.fetch.is_empty() && !p.intact());
        // Not a repair: nothing is "damaged".
        assert!(plan(&input(Some(&manifest("1.0", &c.v1)), Some(&l), Some(("2.0", &c.v2)))).damaged.is_empty());
    }

    #[test]
    fn files_belong_to_modules() {
        assert_eq!(module_of(&launcher_file_name()), "updater");
        assert_eq!(module_of("ui/app.wasm"), "ui");
        assert_eq!(module_of("resources/fonts/a.ttf"), "resources");
        assert_eq!(module_of(&crate::layout::program_file_name()), "shell");
    }
}
