//! The folders under which output profiles may write files: set by whoever installs Kinmu, in
//! the configuration file (`[attendance] output_roots`), never through the API, so that an
//! administrator of the web console cannot make the server write where it pleases (its own
//! binaries, another application's folders). Without the setting the one root is the data
//! folder's `files`. A folder is checked after `..` and symbolic links are resolved, when a
//! profile is saved and again before each run writes.

use std::path::{Component, Path, PathBuf};

use kinmu_shared::Language;
use kinmu_shared::messages::{Text, field_label};

use crate::error::{Error, Result};

/// The allowed roots, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputRoots(Vec<PathBuf>);

/// `path` with its existing part resolved by the file system (links, `..`) and the rest, which
/// does not exist yet and so holds no link, resolved by its names.
fn resolve(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest: Vec<Component<'_>> = Vec::new();
    let base = loop {
        if let Ok(real) = existing.canonicalize() {
            break real;
        }
        let Some(last) = path.components().nth_back(rest.len()) else { break PathBuf::from("/") };
        rest.push(last);
        if !existing.pop() {
            break PathBuf::from("/");
        }
    };
    let mut out = base;
    for c in rest.into_iter().rev() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

impl OutputRoots {
    /// The roots as configured, resolved (a root that does not exist yet is resolved by its
    /// names; create it before saving profiles under it).
    pub fn new(roots: impl IntoIterator<Item = PathBuf>) -> OutputRoots {
        OutputRoots(roots.into_iter().map(|r| resolve(&r)).collect())
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.0
    }

    /// `folder` resolved, when it lies under a root; otherwise an error naming `field`, the
    /// roots and where to change them.
    pub fn confine(&self, field: &str, folder: &str) -> Result<PathBuf> {
        let given = Path::new(folder.trim());
        if folder.trim().is_empty() || !given.is_absolute() {
            return Err(Error::invalid(
                field,
                Text::new(
                    format!("{field}: give an absolute folder on the server, e.g. {}", self.example()),
                    format!(
                        "{}：サーバー上のフォルダーを絶対パスで指定してください（例：{}）。",
                        field_label(field, Language::Ja),
                        self.example()
                    ),
                ),
            ));
        }
        let resolved = resolve(given);
        if self.0.iter().any(|root| resolved.starts_with(root)) {
            return Ok(resolved);
        }
        let roots: Vec<String> = self.0.iter().map(|r| r.display().to_string()).collect();
        let allowed = if roots.is_empty() { "none is configured".to_string() } else { roots.join(", ") };
        let allowed_ja = if roots.is_empty() { "設定されていません".to_string() } else { roots.join("、") };
        Err(Error::invalid(
            field,
            Text::new(
                format!(
                    "{field}: {} is outside the folders Kinmu may write files to ({allowed}); choose a folder under one of them, \
                     or ask whoever runs the server to add one to the configuration file ([attendance] output_roots)",
                    resolved.display()
                ),
                format!(
                    "{}：{} は Kinmu がファイルを書き込めるフォルダー（{allowed_ja}）の外にあります。そのいずれかの下のフォルダーを選ぶか、\
                     サーバーの管理者に設定ファイル（[attendance] output_roots）への追加を依頼してください。",
                    field_label(field, Language::Ja),
                    resolved.display()
                ),
            ),
        ))
    }

    fn example(&self) -> String {
        self.0.first().map(|r| r.join("monthly").display().to_string()).unwrap_or_else(|| "/srv/kinmu/files".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_confined_after_dots_and_links_are_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("files");
        std::fs::create_dir_all(&root).unwrap();
        let roots = OutputRoots::new([root.clone()]);
        let real_root = root.canonicalize().unwrap();
        assert_eq!(roots.confine("folder", &root.join("monthly/2024").display().to_string()).unwrap(), real_root.join("monthly/2024"));
        for outside in [
            dir.path().join("elsewhere").display().to_string(),
            root.join("../elsewhere").display().to_string(),
            root.join("new/../../elsewhere").display().to_string(),
            "/etc".to_string(),
        ] {
            let e = roots.confine("folder", &outside).unwrap_err().to_api();
            assert_eq!(e.field.as_deref(), Some("folder"), "{outside}");
            assert!(e.message.contains("output_roots"), "{}", e.message);
        }
        // A link inside the root that leads out of it.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/tmp", root.join("escape")).unwrap();
            assert!(roots.confine("folder", &root.join("escape/x").display().to_string()).is_err());
        }
        assert!(roots.confine("folder", "relative/dir").is_err());
        assert!(OutputRoots::default().confine("folder", "/srv").unwrap_err().to_api().message.contains("none is configured"));
    }
}
