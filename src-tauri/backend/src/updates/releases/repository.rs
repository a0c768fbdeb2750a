//! The TUF repository on disk, built and signed with tough: `init` (the keys and the first
//! root), `add_targets` (a release's files as targets, with targets, snapshot and timestamp
//! signed again under higher versions), `rotate_key` (a new root version signed by the old root
//! key and the new one) and `refresh` (expiring metadata signed again).
//!
//! Layout under `<data-dir>/updates/`:
//! - `keys/{targets,snapshot,timestamp}.key`: the online keys (mode 0600, folder 0700);
//! - `repository/metadata/`: `N.root.json`, `N.targets.json`, `N.snapshot.json`, `timestamp.json`
//!   (consistent snapshots: a version's metadata is never rewritten);
//! - `repository/targets/<platform>/<version>/<dir>/<sha256>.<name>`: the files, named by their
//!   hash as consistent snapshots require, so a published file is never rewritten either.
//!
//! New metadata is written into a staging folder, then renamed into `metadata/`, `timestamp.json`
//! last: a client reading meanwhile sees the old repository or the new one, whole.

use kinmu_shared::messages::Text;
use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use serde::de::DeserializeOwned;
use tough::editor::RepositoryEditor;
use tough::editor::signed::SignedRole;
use tough::key_source::KeySource;
use tough::schema::{KeyHolder, RoleKeys, RoleType, Root, Signed, Snapshot, Target, Targets, Timestamp};

use super::keys::{self, KeyPair, ONLINE_ROLES};
use crate::error::{Error, Result};

/// The TUF specification version the metadata declares (tough's).
const SPEC_VERSION: &str = "1.0.0";
const DAY: i64 = 86_400;

/// How long each role's metadata stays valid once signed, in seconds. The timestamp is short so
/// that a client fed old metadata notices within a day; the server signs it again before then
/// ([`refresh`]).
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub root: i64,
    pub targets: i64,
    pub snapshot: i64,
    pub timestamp: i64,
}

pub const LIFETIMES: Lifetimes = Lifetimes { root: 365 * DAY, targets: 90 * DAY, snapshot: 90 * DAY, timestamp: DAY };

/// The repository's folders.
#[derive(Debug, Clone)]
pub struct RepositoryDir {
    root: PathBuf,
}

impl RepositoryDir {
    /// `<data-dir>/updates`.
    pub fn in_data_dir(data_dir: &Path) -> RepositoryDir {
        RepositoryDir { root: data_dir.join("updates") }
    }

    pub fn keys(&self) -> PathBuf {
        self.root.join("keys")
    }

    pub fn metadata(&self) -> PathBuf {
        self.root.join("repository").join("metadata")
    }

    pub fn targets(&self) -> PathBuf {
        self.root.join("repository").join("targets")
    }

    /// Whether `kinmu release keys init` has run.
    pub fn is_initialised(&self) -> bool {
        latest_root_version(&self.metadata()).is_some()
    }

    /// The newest root's file (`N.root.json`).
    pub fn latest_root(&self) -> Result<PathBuf> {
        let n = latest_root_version(&self.metadata()).ok_or_else(not_initialised)?;
        Ok(self.metadata().join(format!("{n}.root.json")))
    }
}

fn not_initialised() -> Error {
    Error::Conflict {
        field: None,
        message: Text::new(
            "the release repository has no keys yet: run `kinmu release keys init --root-key FILE` first",
            "リリースのリポジトリに鍵がまだありません。先に `kinmu release keys init --root-key FILE` を実行してください",
        ),
    }
}

fn latest_root_version(metadata: &Path) -> Option<u64> {
    std::fs::read_dir(metadata).ok()?.filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".root.json")?.parse::<u64>().ok()).max()
}

fn tough_error(what: &str) -> impl FnOnce(tough::error::Error) -> Error + '_ {
    move |e| Error::Internal(format!("cannot {what}: {e}"))
}

fn expires(now: i64, lifetime: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_second(now + lifetime).map_err(|e| Error::Internal(format!("expiry out of range: {e}")))
}

fn version(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n.max(1)).unwrap_or(NonZeroU64::MIN)
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::Internal(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Internal(format!("{} is not valid TUF metadata: {e}", path.display())))
}

/// What the repository holds now.
pub struct State {
    pub root_path: PathBuf,
    pub root: Signed<Root>,
    pub targets: Option<Signed<Targets>>,
    pub snapshot: Option<Signed<Snapshot>>,
    pub timestamp: Option<Signed<Timestamp>>,
}

impl State {
    pub fn read(repo: &RepositoryDir) -> Result<State> {
        let root_path = repo.latest_root()?;
        let root: Signed<Root> = read_json(&root_path)?;
        let metadata = repo.metadata();
        let timestamp_path = metadata.join("timestamp.json");
        let (mut targets, mut snapshot, mut timestamp) = (None, None, None);
        if timestamp_path.is_file() {
            let ts: Signed<Timestamp> = read_json(&timestamp_path)?;
            if let Some(meta) = ts.signed.meta.get("snapshot.json") {
                let snap: Signed<Snapshot> = read_json(&metadata.join(format!("{}.snapshot.json", meta.version)))?;
                if let Some(meta) = snap.signed.meta.get("targets.json") {
                    targets = Some(read_json(&metadata.join(format!("{}.targets.json", meta.version)))?);
                }
                snapshot = Some(snap);
            }
            timestamp = Some(ts);
        }
        Ok(State { root_path, root, targets, snapshot, timestamp })
    }

    fn next_versions(&self) -> (NonZeroU64, NonZeroU64, NonZeroU64) {
        let t = self.targets.as_ref().map_or(0, |t| t.signed.version.get());
        let s = self.snapshot.as_ref().map_or(0, |s| s.signed.version.get());
        let ts = self.timestamp.as_ref().map_or(0, |t| t.signed.version.get());
        (version(t + 1), version(s + 1), version(ts + 1))
    }
}

/// The keys `init` made: the root key's id and where the online keys are.
#[derive(Debug)]
pub struct Initialised {
    pub root_key_id: String,
    pub root_file: PathBuf,
}

/// Creates the root key (written to `root_key_file`, to be kept offline) and the online keys,
/// signs the first root (`1.root.json`) with the root key, and an empty set of targets, snapshot
/// and timestamp, so that clients can load the repository at once.
pub async fn init(repo: &RepositoryDir, root_key_file: &Path, now: i64) -> Result<Initialised> {
    if repo.is_initialised() {
        return Err(Error::Conflict {
            field: None,
            message: Text::new(
                "the release repository has its keys already: `kinmu release rotate-key` replaces one",
                "リリースのリポジトリにはすでに鍵があります。鍵の交換は `kinmu release rotate-key` で行います",
            ),
        });
    }
    let root_key = KeyPair::generate()?;
    let online: Vec<(RoleType, KeyPair)> = ONLINE_ROLES.iter().map(|r| KeyPair::generate().map(|k| (*r, k))).collect::<Result<_>>()?;
    // The root key first: if its file cannot be written, nothing else is.
    root_key.write_new(root_key_file)?;
    keys::online_keys_dir(&repo.keys())?;
    for (role, key) in &online {
        key.write_replacing(&keys::online_key_path(&repo.keys(), *role))?;
    }
    let mut root = Root {
        spec_version: SPEC_VERSION.into(),
        consistent_snapshot: true,
        version: NonZeroU64::MIN,
        expires: expires(now, LIFETIMES.root)?,
        keys: HashMap::new(),
        roles: HashMap::new(),
        _extra: HashMap::new(),
    };
    set_role_key(&mut root, RoleType::Root, &root_key)?;
    for (role, key) in &online {
        set_role_key(&mut root, *role, key)?;
    }
    let signed = sign_root(&root, &[&root_key], None).await?;
    write_files(repo, vec![(signed.signed().signed.version.to_string() + ".root.json", signed.buffer().clone())])?;
    let state = State::read(repo)?;
    resign(repo, &state, Vec::new(), now).await?;
    Ok(Initialised { root_key_id: hex::encode(root_key.key_id()?), root_file: repo.latest_root()? })
}

/// Makes `key` the one key of `role` in `root` (threshold 1), dropping keys no role uses any more.
fn set_role_key(root: &mut Root, role: RoleType, key: &KeyPair) -> Result<()> {
    let id = key.key_id()?;
    root.keys.insert(id.clone(), key.public().clone());
    root.roles.insert(role, RoleKeys { keyids: vec![id], threshold: NonZeroU64::MIN, _extra: HashMap::new() });
    let used: Vec<_> = root.roles.values().flat_map(|r| r.keyids.iter().cloned()).collect();
    root.keys.retain(|id, _| used.contains(id));
    Ok(())
}

/// Signs `root` with the keys it names for its root role; with `previous`, also with the
/// previous root's key, so that a client trusting the previous root accepts this one.
async fn sign_root(root: &Root, new_keys: &[&KeyPair], previous: Option<(&Root, &KeyPair)>) -> Result<SignedRole<Root>> {
    let rng = SystemRandom::new();
    let sources: Vec<Box<dyn KeySource>> = new_keys.iter().map(|k| k.source()).collect();
    let signed =
        SignedRole::new(root.clone(), &KeyHolder::Root(root.clone()), &sources, &rng).await.map_err(tough_error("sign the root"))?;
    let Some((previous_root, previous_key)) = previous else { return Ok(signed) };
    let by_previous = SignedRole::new(root.clone(), &KeyHolder::Root(previous_root.clone()), &[previous_key.source()], &rng)
        .await
        .map_err(tough_error("sign the root with the previous root key"))?;
    signed.add_old_signatures(by_previous.signed().signatures.clone()).map_err(tough_error("add the previous root key's signature"))
}

/// One file to publish: its target name and where its bytes are.
#[derive(Debug, Clone)]
pub struct NewTarget {
    pub name: String,
    pub source: PathBuf,
}

/// A target as signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTarget {
    pub name: String,
    pub length: u64,
    pub sha256: String,
}

/// Copies each file into `targets/` under its hash-prefixed name and signs the targets (the
/// ones there before and these), the snapshot and the timestamp under their next versions.
pub async fn add_targets(repo: &RepositoryDir, files: &[NewTarget], now: i64) -> Result<Vec<SignedTarget>> {
    let state = State::read(repo)?;
    // The files already in the repository, by hash: an unchanged file of a new version is a hard
    // link to the one stored before, not a second copy.
    let stored: HashMap<String, PathBuf> = state
        .targets
        .iter()
        .flat_map(|t| t.signed.targets.iter())
        .map(|(name, t)| {
            let sha256 = hex::encode(&t.hashes.sha256);
            let path = repo.targets().join(hashed_path(name.raw(), &sha256));
            (sha256, path)
        })
        .collect();
    let mut added = Vec::with_capacity(files.len());
    for f in files {
        let target = Target::from_path(&f.source).await.map_err(|e| {
            Error::invalid(
                "dir",
                Text::new(format!("cannot read {}: {e}", f.source.display()), format!("{} を読めません: {e}", f.source.display())),
            )
        })?;
        let sha256 = hex::encode(&target.hashes.sha256);
        copy_target(&f.source, stored.get(&sha256), &repo.targets(), &f.name, &sha256)?;
        added.push((f.name.clone(), target.clone()));
    }
    resign(repo, &state, added.clone(), now).await?;
    Ok(added.into_iter().map(|(name, t)| SignedTarget { name, length: t.length, sha256: hex::encode(&t.hashes.sha256) }).collect())
}

/// Where a target's file lies: `<dir of name>/<sha256>.<file name>`.
pub fn hashed_path(name: &str, sha256: &str) -> PathBuf {
    let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
    let mut path = PathBuf::new();
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        path.push(part);
    }
    path.push(format!("{sha256}.{file}"));
    path
}

/// Stores a target's file: a hard link to `same` (a stored file with the same hash) when the
/// file system allows, else a copy of `source` (through a hidden partial name).
fn copy_target(source: &Path, same: Option<&PathBuf>, targets_dir: &Path, name: &str, sha256: &str) -> Result<()> {
    let dest = targets_dir.join(hashed_path(name, sha256));
    if dest.is_file() {
        // Named by its hash: the same bytes are there already.
        return Ok(());
    }
    let parent = dest.parent().unwrap_or(targets_dir);
    std::fs::create_dir_all(parent).map_err(|e| Error::Internal(format!("cannot create {}: {e}", parent.display())))?;
    if let Some(same) = same
        && std::fs::hard_link(same, &dest).is_ok()
    {
        return Ok(());
    }
    let partial = parent.join(format!(".{sha256}.partial"));
    std::fs::copy(source, &partial).map_err(|e| Error::Internal(format!("cannot copy {} into the repository: {e}", source.display())))?;
    std::fs::rename(&partial, &dest).map_err(|e| Error::Internal(format!("cannot store {}: {e}", dest.display())))
}

/// Signs targets (with `added` on top of the current ones), snapshot and timestamp under their
/// next versions with the online keys, and writes them.
async fn resign(repo: &RepositoryDir, state: &State, added: Vec<(String, Target)>, now: i64) -> Result<()> {
    let keys = keys::online_sources(&repo.keys())?;
    let mut editor = RepositoryEditor::new(&state.root_path).await.map_err(tough_error("read the root"))?;
    if let Some(targets) = &state.targets {
        editor.targets(targets.clone()).map_err(tough_error("read the current targets"))?;
    }
    for (name, target) in added {
        editor.add_target(name.as_str(), target).map_err(|e| {
            Error::invalid("dir", Text::new(format!("{name:?} cannot be a target: {e}"), format!("{name:?} は配布対象にできません: {e}")))
        })?;
    }
    let (targets_version, snapshot_version, timestamp_version) = state.next_versions();
    let targets_expires = expires(now, LIFETIMES.targets)?;
    editor.targets_version(targets_version).map_err(tough_error("set the targets' version"))?;
    editor.targets_expires(targets_expires).map_err(tough_error("set the targets' expiry"))?;
    editor
        .snapshot_version(snapshot_version)
        .snapshot_expires(expires(now, LIFETIMES.snapshot)?)
        .timestamp_version(timestamp_version)
        .timestamp_expires(expires(now, LIFETIMES.timestamp)?);
    let signed = editor.sign(&keys).await.map_err(tough_error("sign the repository's metadata"))?;
    let staging = staging_dir(repo)?;
    let written = signed.write(&staging).await.map_err(tough_error("write the metadata"));
    let moved = written.and_then(|_| move_into_metadata(repo, &staging));
    let _ = std::fs::remove_dir_all(&staging);
    moved
}

fn staging_dir(repo: &RepositoryDir) -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let dir = repo.root.join("repository").join(format!(".staging-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Internal(format!("cannot create {}: {e}", dir.display())))?;
    Ok(dir)
}

/// Renames the staged files into `metadata/`, `timestamp.json` last.
fn move_into_metadata(repo: &RepositoryDir, staging: &Path) -> Result<()> {
    let metadata = repo.metadata();
    std::fs::create_dir_all(&metadata).map_err(|e| Error::Internal(format!("cannot create {}: {e}", metadata.display())))?;
    let mut names: Vec<String> = std::fs::read_dir(staging)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", staging.display())))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort_by_key(|n| n == "timestamp.json");
    for name in names {
        std::fs::rename(staging.join(&name), metadata.join(&name)).map_err(|e| Error::Internal(format!("cannot publish {name}: {e}")))?;
    }
    Ok(())
}

/// Writes whole files into `metadata/` (through the staging folder).
fn write_files(repo: &RepositoryDir, files: Vec<(String, Vec<u8>)>) -> Result<()> {
    let staging = staging_dir(repo)?;
    let result = files
        .iter()
        .try_for_each(|(name, bytes)| {
            std::fs::write(staging.join(name), bytes).map_err(|e| Error::Internal(format!("cannot write {name}: {e}")))
        })
        .and_then(|_| move_into_metadata(repo, &staging));
    let _ = std::fs::remove_dir_all(&staging);
    result
}

/// Which key `rotate_key` replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotatedRole {
    Root,
    Targets,
    Snapshot,
    Timestamp,
}

impl RotatedRole {
    pub fn parse(s: &str) -> Option<RotatedRole> {
        match s {
            "root" => Some(RotatedRole::Root),
            "targets" => Some(RotatedRole::Targets),
            "snapshot" => Some(RotatedRole::Snapshot),
            "timestamp" => Some(RotatedRole::Timestamp),
            _ => None,
        }
    }

    fn role_type(self) -> RoleType {
        match self {
            RotatedRole::Root => RoleType::Root,
            RotatedRole::Targets => RoleType::Targets,
            RotatedRole::Snapshot => RoleType::Snapshot,
            RotatedRole::Timestamp => RoleType::Timestamp,
        }
    }
}

/// Replaces `role`'s key with a new one: the next root version lists it, signed by the root key
/// (and, when the root key itself is replaced, by the new root key too, written to
/// `new_root_key_file`); then targets, snapshot and timestamp are signed again. Answers the new
/// root's version.
pub async fn rotate_key(
    repo: &RepositoryDir,
    root_key_file: &Path,
    role: RotatedRole,
    new_root_key_file: Option<&Path>,
    now: i64,
) -> Result<u64> {
    let state = State::read(repo)?;
    let root_key = KeyPair::read(root_key_file)?;
    let current = &state.root.signed;
    let root_ids = current.roles.get(&RoleType::Root).map(|r| r.keyids.clone()).unwrap_or_default();
    if !root_ids.contains(&root_key.key_id()?) {
        return Err(Error::invalid(
            "root_key",
            Text::new(
                format!("{} is not the root key of this repository", root_key_file.display()),
                format!("{} はこのリポジトリのルート鍵ではありません", root_key_file.display()),
            ),
        ));
    }
    let new_key = KeyPair::generate()?;
    let mut root = current.clone();
    root.version = version(current.version.get() + 1);
    root.expires = expires(now, LIFETIMES.root)?;
    set_role_key(&mut root, role.role_type(), &new_key)?;
    let signed = match role {
        RotatedRole::Root => {
            let file = new_root_key_file.ok_or_else(|| {
                Error::invalid(
                    "new_root_key",
                    Text::new(
                        "give --new-root-key FILE: where the new root key is written",
                        "--new-root-key FILE で新しいルート鍵の書き出し先を指定してください",
                    ),
                )
            })?;
            new_key.write_new(file)?;
            sign_root(&root, &[&new_key], Some((current, &root_key))).await?
        }
        _ => {
            let path = keys::online_key_path(&repo.keys(), role.role_type());
            let signed = sign_root(&root, &[&root_key], None).await?;
            new_key.write_replacing(&path)?;
            signed
        }
    };
    let new_version = root.version.get();
    write_files(repo, vec![(format!("{new_version}.root.json"), signed.buffer().clone())])?;
    let state = State::read(repo)?;
    resign(repo, &state, Vec::new(), now).await?;
    Ok(new_version)
}

/// What [`refresh`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    Nothing,
    /// A new timestamp.
    Timestamp,
    /// New targets, snapshot and timestamp.
    All,
}

/// Signs again what expires soon: targets and snapshot within a third of their lifetime, the
/// timestamp within half of its own. The root cannot be (its key is offline): a warning says so.
pub async fn refresh(repo: &RepositoryDir, now: i64) -> Result<Refreshed> {
    let state = State::read(repo)?;
    let left = |t: jiff::Timestamp| t.as_second() - now;
    if left(state.root.signed.expires) < 30 * DAY {
        tracing::warn!(
            expires = %state.root.signed.expires,
            "the release repository's root expires soon: sign a new one with `kinmu release rotate-key --root-key FILE`"
        );
    }
    let (Some(targets), Some(snapshot), Some(timestamp)) = (&state.targets, &state.snapshot, &state.timestamp) else {
        resign(repo, &state, Vec::new(), now).await?;
        return Ok(Refreshed::All);
    };
    if left(targets.signed.expires) < LIFETIMES.targets / 3 || left(snapshot.signed.expires) < LIFETIMES.snapshot / 3 {
        resign(repo, &state, Vec::new(), now).await?;
        return Ok(Refreshed::All);
    }
    if left(timestamp.signed.expires) >= LIFETIMES.timestamp / 2 {
        return Ok(Refreshed::Nothing);
    }
    let mut next = Timestamp::new(SPEC_VERSION.into(), version(timestamp.signed.version.get() + 1), expires(now, LIFETIMES.timestamp)?);
    next.meta = timestamp.signed.meta.clone();
    let keys = keys::online_sources(&repo.keys())?;
    let signed = SignedRole::new(next, &KeyHolder::Root(state.root.signed.clone()), &keys, &SystemRandom::new())
        .await
        .map_err(tough_error("sign the timestamp"))?;
    write_files(repo, vec![("timestamp.json".into(), signed.buffer().clone())])?;
    Ok(Refreshed::Timestamp)
}
