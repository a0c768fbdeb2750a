//! Client releases (issue 20, modules and releases): a release is a version of the desktop's
//! files for one platform, published as targets of a TUF repository signed with tough
//! ([`repository`]), recorded in the database ([`catalog`]) with the release offered per platform.
//! The server serves the repository as it lies on disk (`http/update_files.rs`); any conforming
//! TUF client verifies what it downloads against the root it ships with.

pub mod catalog;
pub mod keys;
mod lease;
pub mod repository;

use std::path::{Path, PathBuf};
use std::time::Duration;

use kinmu_shared::Permission;
use kinmu_shared::api::{Release, ReleaseFile, ReleaseList};
use kinmu_shared::messages::Text;

pub use repository::{Refreshed, RepositoryDir, RotatedRole};

use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

/// How long a command waits for another process's signing to finish.
const LEASE_WAIT: Duration = Duration::from_secs(30);

/// The SHA-256 of `bytes`, in hex (as targets metadata and the release records give it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The platform of the machine this runs on, as releases name platforms: `linux-x86_64`.
pub fn this_platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// A version: numbers separated by dots (e.g. `1.4.0`), as clients compare versions
/// ([`kinmu_shared::update_policy::ModuleVersion`]): the release offered for a platform is always
/// one a client can tell newer or not.
pub fn check_version(version: &str) -> Result<()> {
    let ok = version == version.trim() && kinmu_shared::update_policy::ModuleVersion::parse("version", version).is_ok();
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "version",
            Text::new(
                format!(
                    "{version:?} is not a version: use numbers separated by dots, at most 40 characters, e.g. 1.4.0 (clients compare them)"
                ),
                format!(
                    "{version:?} はバージョンとして使えません。1.4.0 のように数字をドットで区切って 40 文字以内で指定してください（クライアントが比較します）"
                ),
            ),
        ))
    }
}

/// A platform: 1 to 32 lower-case letters, digits, `-` or `_`.
pub fn check_platform(platform: &str) -> Result<()> {
    let ok = !platform.is_empty()
        && platform.len() <= 32
        && platform.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "platform",
            Text::new(
                format!("{platform:?} is not a platform: use up to 32 lower-case letters, digits, '-' or '_', e.g. windows-x86_64"),
                format!(
                    "{platform:?} はプラットフォームとして使えません。英小文字・数字・- _ を 32 文字以内で指定してください（例: windows-x86_64）"
                ),
            ),
        ))
    }
}

/// Every regular file under `dir`, as (path relative to `dir` with `/`, full path), sorted.
/// Symbolic links are refused: a release holds the files themselves.
pub fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> Result<()> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::invalid(
                "dir",
                Text::new(
                    format!("cannot read the folder {}: {e}", dir.display()),
                    format!("フォルダー {} を読めません: {e}", dir.display()),
                ),
            )
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                Error::invalid(
                    "dir",
                    Text::new(
                        format!("cannot read the folder {}: {e}", dir.display()),
                        format!("フォルダー {} を読めません: {e}", dir.display()),
                    ),
                )
            })?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| {
                Error::invalid(
                    "dir",
                    Text::new(format!("cannot read {}: {e}", path.display()), format!("{} を読めません: {e}", path.display())),
                )
            })?;
            if kind.is_symlink() {
                return Err(Error::invalid(
                    "dir",
                    Text::new(
                        format!("{} is a symbolic link: a release holds files only", path.display()),
                        format!("{} はシンボリックリンクです。リリースに入れられるのはファイルだけです", path.display()),
                    ),
                ));
            }
            if kind.is_dir() {
                walk(base, &path, out)?;
            } else if kind.is_file() {
                let rel = path.strip_prefix(base).unwrap_or(&path);
                let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
                let name = parts.map(|p| p.join("/")).filter(|n| !n.chars().any(char::is_control)).ok_or_else(|| {
                    Error::invalid(
                        "dir",
                        Text::new(
                            format!("{} has a name that is not plain UTF-8 text", path.display()),
                            format!("{} の名前が通常の UTF-8 テキストではありません", path.display()),
                        ),
                    )
                })?;
                out.push((name, path));
            }
        }
        Ok(())
    }
    if !dir.is_dir() {
        return Err(Error::invalid(
            "dir",
            Text::new(
                format!("{} is not a folder: give the folder of the release's files", dir.display()),
                format!("{} はフォルダーではありません。リリースのファイルがあるフォルダーを指定してください", dir.display()),
            ),
        ));
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Creates the repository's keys and first root. The operator's command only: the root key is
/// written to a file on this machine.
pub async fn init_keys(db: &Db, repo: &RepositoryDir, root_key_file: &Path, now: i64) -> Result<repository::Initialised> {
    let lease = lease::take(db, LEASE_WAIT).await?;
    let done = repository::init(repo, root_key_file, now).await;
    lease.release().await?;
    done
}

/// Publishes every file under `source` as release `version` of `platform`: target
/// `<platform>/<version>/<relative path>`, signed into the repository, recorded in the database.
pub async fn publish(
    db: &Db,
    actor: &Actor,
    repo: &RepositoryDir,
    source: &Path,
    version: &str,
    platform: &str,
    now: i64,
) -> Result<Release> {
    actor.require(Permission::ManageUpdates)?;
    check_version(version)?;
    check_platform(platform)?;
    if catalog::find_version(db, platform, version).await?.is_some() {
        return Err(Error::conflict(
            "version",
            Text::new(
                format!("release {version} of {platform} is published already: a published release never changes, give a new version"),
                format!(
                    "{platform} のリリース {version} は公開済みです。公開したリリースは変更できません。新しいバージョンを指定してください"
                ),
            ),
        ));
    }
    // Without keys nothing can be signed: said before any file is read.
    repo.latest_root()?;
    let files = files_under(source)?;
    if files.is_empty() {
        return Err(Error::invalid(
            "dir",
            Text::new(
                format!("{} holds no files: a release needs at least one", source.display()),
                format!("{} にファイルがありません。リリースには1つ以上のファイルが必要です", source.display()),
            ),
        ));
    }
    let targets: Vec<repository::NewTarget> =
        files.into_iter().map(|(rel, source)| repository::NewTarget { name: format!("{platform}/{version}/{rel}"), source }).collect();
    let lease = lease::take(db, LEASE_WAIT).await?;
    let signed = repository::add_targets(repo, &targets, now).await;
    lease.release().await?;
    let files: Vec<ReleaseFile> =
        signed?.into_iter().map(|t| ReleaseFile { target: t.name, length: t.length as i64, sha256: t.sha256 }).collect();
    let by = match actor {
        Actor::User(u) => Some(u.login.as_str()),
        Actor::Operator => None,
    };
    let id = catalog::record(db, version, platform, by, now, &files).await?;
    catalog::find(db, id).await?.ok_or_else(|| Error::Internal("the release's record is gone".into()))
}

/// Every release, newest first. Needs updates.manage.
pub async fn list(db: &Db, actor: &Actor) -> Result<ReleaseList> {
    actor.require(Permission::ManageUpdates)?;
    Ok(ReleaseList { releases: catalog::all(db).await? })
}

/// One release's files. Needs updates.manage.
pub async fn files(db: &Db, actor: &Actor, id: i64) -> Result<Vec<ReleaseFile>> {
    actor.require(Permission::ManageUpdates)?;
    catalog::files(db, id).await
}

/// Offers release `id` to the clients of its platform. Needs updates.manage.
pub async fn offer(db: &Db, actor: &Actor, id: i64) -> Result<Release> {
    actor.require(Permission::ManageUpdates)?;
    catalog::offer(db, id).await?;
    catalog::find(db, id)
        .await?
        .ok_or_else(|| Error::NotFound(Text::new(format!("no release {id}"), format!("リリース {id} はありません"))))
}

/// Offers release `version` of `platform`. Needs updates.manage.
pub async fn offer_version(db: &Db, actor: &Actor, version: &str, platform: &str) -> Result<Release> {
    actor.require(Permission::ManageUpdates)?;
    let id = catalog::find_version(db, platform, version).await?.ok_or_else(|| {
        Error::NotFound(Text::new(
            format!("no release {version} of {platform}: `kinmu release list` shows the published ones"),
            format!("{platform} のリリース {version} はありません。`kinmu release list` で公開済みのリリースを確認してください"),
        ))
    })?;
    offer(db, actor, id).await
}

/// Replaces a key (see [`repository::rotate_key`]). The operator's command only.
pub async fn rotate_key(
    db: &Db,
    repo: &RepositoryDir,
    root_key_file: &Path,
    role: RotatedRole,
    new_root_key_file: Option<&Path>,
    now: i64,
) -> Result<u64> {
    let lease = lease::take(db, LEASE_WAIT).await?;
    let done = repository::rotate_key(repo, root_key_file, role, new_root_key_file, now).await;
    lease.release().await?;
    done
}

/// Signs again what expires soon (see [`repository::refresh`]).
pub async fn refresh(db: &Db, repo: &RepositoryDir, now: i64) -> Result<Refreshed> {
    let lease = lease::take(db, LEASE_WAIT).await?;
    let done = repository::refresh(repo, now).await;
    lease.release().await?;
    done
}

/// While the server runs: every ten minutes, re-signs the repository's expiring metadata (the
/// timestamp lives a day), until `stop` turns true.
pub async fn keep_signed(db: Db, repo: RepositoryDir, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        if !repo.is_initialised() {
            continue;
        }
        match refresh(&db, &repo, crate::now()).await {
            Ok(Refreshed::Nothing) => {}
            Ok(done) => tracing::info!(signed = ?done, "release repository metadata signed again before it expires"),
            Err(e) => tracing::warn!(error = %e, "cannot sign the release repository's expiring metadata"),
        }
    }
}
