//! The updater's side that talks to the server (feature `download`): check in (the shared API
//! types), wait in the transfer queue when told (with the place), download the fetched files into
//! the download folder with resume, verify every one against the signed TUF metadata through
//! tough's loader (the root the install trusts, walking rotated roots; rollback and expiry
//! checked by tough), apply, and report each step per module with a request id.
//!
//! The desktop shell calls [`Updater::check`] when it starts (the answer carries the start-up
//! decision and the administrator's message for its dialogs), then [`Updater::update`] with a
//! progress callback (step, bytes, files, place in the queue); after an update it restarts
//! through the launcher, which starts the new version on trial.

pub mod download;
pub mod slot;
pub mod transport;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kinmu_shared::CSRF_HEADER;
use kinmu_shared::api::routes::{CheckInClient, Endpoint, ReportUpdateEvent};
use kinmu_shared::api::{Admission, CheckInAnswer, ClientCheckIn, ClientEventReport, EventReceipt};
use kinmu_shared::update_policy::{ClientProgram, InstallKind, LogCategory, StartupDecision, UpdateEvent};
use serde::{Deserialize, Serialize};
use tough::{RepositoryLoader, TargetName};
use url::Url;

use crate::apply::{self, Applied, NewVersion, VersionFile};
use crate::fault::Faults;
use crate::layout::FileEntry;
use crate::outbox::{self, PendingReport};
use crate::plan::{self, InstallMode, Plan, PlanInput, ReleaseFile};
use crate::{Layout, files};
use transport::HttpTransport;

/// Where the updater talks to and keeps things.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The Kinmu server's address with its base path (`https://kinmu.example/kinmu/`).
    pub server: Url,
    /// This client's platform as releases name it (`windows-x86_64`).
    pub platform: String,
    /// The temporary download folder (seed II.4 ②): needs room for the release's changed files.
    pub download_dir: PathBuf,
    /// The root metadata the install shipped with (`kinmu release root`); once a newer root is
    /// trusted it is kept in `<install>/state/tuf/`.
    pub shipped_root: PathBuf,
    pub host: String,
    pub user: String,
    pub program: ClientProgram,
}

/// The step an update is at, for the progress window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    CheckingIn,
    Waiting,
    Downloading,
    Verifying,
    Applying,
    Done,
}

/// Progress, as the shell's window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub step: Step,
    /// The place in the transfer queue while waiting (1 is next).
    pub queue_position: Option<i64>,
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How an update ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server does not allow it now; the decision and the administrator's message say why.
    NotAllowed {
        decision: StartupDecision,
        message: String,
    },
    UpToDate,
    /// A repair checked every file of the installed version against the signed hashes and found
    /// them all intact: nothing was fetched or written, the pointer is as it was, no restart.
    Intact {
        version: String,
        files_checked: usize,
    },
    /// The version is applied: restart through the launcher, which starts it on trial.
    Applied {
        mode: InstallMode,
        version: String,
        stats: Stats,
    },
    /// The launcher was replaced (updater first): run the update again for the rest.
    UpdaterReplaced {
        version: String,
        stats: Stats,
    },
}

/// What an update transferred.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Target bytes received (the changed files; less when a part was there from before).
    pub target_bytes: u64,
    /// Metadata bytes received.
    pub metadata_bytes: u64,
    pub files_fetched: usize,
    pub files_reused: usize,
    /// Bytes a resumed download did not fetch again.
    pub resumed_bytes: u64,
    /// Renewals of the transfer slot while the files downloaded.
    pub slot_renewals: u64,
}

/// An update that stopped, with the system log's category the server records.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct Failure {
    pub category: LogCategory,
    pub reason: String,
}

fn failure(category: LogCategory, reason: impl std::fmt::Display) -> Failure {
    Failure { category, reason: reason.to_string() }
}

/// The client's identity (`<install>/state/client.json`): the id made at installation and the
/// secret the server gave at the first check-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Identity {
    client_id: String,
    client_secret: Option<String>,
}

pub struct Updater {
    settings: Settings,
    layout: Layout,
    http: reqwest::Client,
    faults: Faults,
}

impl Updater {
    pub fn new(settings: Settings, layout: Layout) -> Result<Updater, Failure> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| failure(LogCategory::DownloadError, format!("cannot make the HTTP client: {e}")))?;
        Ok(Updater { settings, layout, http, faults: Faults::from_env() })
    }

    fn api(&self, path: &str) -> Result<Url, Failure> {
        self.settings.server.join(&format!("api/v1{path}")).map_err(|e| failure(LogCategory::DownloadError, e))
    }

    fn identity(&self) -> Result<Identity, Failure> {
        let path = self.layout.state_dir().join("client.json");
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(id) = serde_json::from_slice::<Identity>(&bytes)
        {
            return Ok(id);
        }
        let id = Identity { client_id: format!("kinmu-{}", files::fresh_id()), client_secret: None };
        self.save_identity(&id)?;
        Ok(id)
    }

    fn save_identity(&self, id: &Identity) -> Result<(), Failure> {
        let dir = self.layout.state_dir();
        std::fs::create_dir_all(&dir).map_err(|e| failure(LogCategory::VersionRegistrationFailed, e))?;
        let bytes = serde_json::to_vec(id).map_err(|e| failure(LogCategory::VersionRegistrationFailed, e))?;
        files::write_atomically(&dir.join("client.json"), &bytes, &Faults::none(), "identity")
            .map_err(|e| failure(LogCategory::VersionRegistrationFailed, e))
    }

    /// The installed version (None: nothing installed).
    pub fn installed_version(&self) -> Option<String> {
        let pointer = self.layout.read_pointer().ok()??;
        Some(self.layout.read_manifest(&pointer.current).ok()??.version)
    }

    async fn post<T: Serialize, A: for<'de> Deserialize<'de>>(&self, path: &str, body: &T) -> Result<A, Failure> {
        let url = self.api(path)?;
        let resp = self
            .http
            .post(url.clone())
            .header(CSRF_HEADER, "1")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(body).map_err(|e| failure(LogCategory::DownloadError, e))?)
            .send()
            .await
            .map_err(|e| failure(LogCategory::HeaderTimeout, format!("{url}: {e}")))?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            return Err(failure(LogCategory::DownloadError, format!("{url}: HTTP {status}: {text}")));
        }
        let bytes = resp.bytes().await.map_err(|e| failure(LogCategory::HeaderTimeout, format!("{url}: {e}")))?;
        serde_json::from_slice(&bytes).map_err(|e| failure(LogCategory::HeaderTimeout, format!("{url}: {e}")))
    }

    /// The check-in this client sends (its identity, versions and what it asks for).
    fn check_in_request(&self, wants_update: bool, repair: bool, slot_token: Option<String>) -> Result<ClientCheckIn, Failure> {
        let id = self.identity()?;
        let launcher = self.layout.launcher_path();
        let updater_version = launcher.is_file().then(|| self.installed_version()).flatten();
        let req = ClientCheckIn {
            client_id: id.client_id.clone(),
            client_secret: id.client_secret.clone(),
            host: self.settings.host.clone(),
            user: self.settings.user.clone(),
            program: self.settings.program,
            platform: self.settings.platform.clone(),
            version: self.installed_version(),
            updater_version,
            wants_update,
            repair,
            slot_token,
        };
        Ok(req)
    }

    async fn check_in(&self, wants_update: bool, repair: bool, slot_token: Option<String>) -> Result<CheckInAnswer, Failure> {
        let req = self.check_in_request(wants_update, repair, slot_token)?;
        let answer: CheckInAnswer = self.post(CheckInClient::ROUTE.path, &req).await?;
        if let Some(secret) = &answer.client_secret {
            let mut id = self.identity()?;
            id.client_secret = Some(secret.clone());
            self.save_identity(&id)?;
        }
        Ok(answer)
    }

    /// Checks in when the program starts: the start-up decision, the administrator's message, the
    /// offered version and the install kind — what the shell's dialogs show. Sends the reports
    /// waiting in the outbox first (a rollback the launcher recorded, say).
    pub async fn check(&self) -> Result<CheckInAnswer, Failure> {
        let answer = self.check_in(false, false, None).await?;
        self.send_outbox().await;
        Ok(answer)
    }

    /// Sends every report waiting in the outbox; each one the server answered is removed.
    /// Answers how many were sent.
    pub async fn send_outbox(&self) -> usize {
        let Ok(id) = self.identity() else { return 0 };
        let Some(secret) = id.client_secret.clone() else { return 0 };
        let mut sent = 0;
        for r in outbox::pending(&self.layout).unwrap_or_default() {
            let report = ClientEventReport {
                client_id: id.client_id.clone(),
                client_secret: secret.clone(),
                request_id: r.request_id.clone(),
                module: r.module.clone(),
                install_kind: r.install_kind,
                from_version: r.from_version.clone(),
                to_version: r.to_version.clone(),
                event: r.event.clone(),
                update_id: r.update_id.clone(),
            };
            if self.post::<_, EventReceipt>(ReportUpdateEvent::ROUTE.path, &report).await.is_ok() {
                let _ = outbox::remove(&self.layout, &r.request_id);
                sent += 1;
            }
        }
        sent
    }

    /// Reports `event` for each module, each with its request id (`<run>-<event>-<module>`) and the
    /// run's id as the update's (its record on the server); a report that cannot be sent waits in
    /// the outbox for the next run.
    async fn report(&self, run: &Run, event: UpdateEvent) {
        let Ok(id) = self.identity() else { return };
        for module in &run.modules {
            let pending = PendingReport {
                request_id: format!("{}-{}-{module}", run.id, run.event_suffix(&event)),
                module: module.clone(),
                install_kind: run.kind,
                from_version: run.from.clone(),
                to_version: run.to.clone(),
                event: event.clone(),
                update_id: Some(run.id.clone()),
            };
            let sent = match &id.client_secret {
                Some(secret) => {
                    let report = ClientEventReport {
                        client_id: id.client_id.clone(),
                        client_secret: secret.clone(),
                        request_id: pending.request_id.clone(),
                        module: pending.module.clone(),
                        install_kind: pending.install_kind,
                        from_version: pending.from_version.clone(),
                        to_version: pending.to_version.clone(),
                        event: pending.event.clone(),
                        update_id: pending.update_id.clone(),
                    };
                    self.post::<_, EventReceipt>(ReportUpdateEvent::ROUTE.path, &report).await.is_ok()
                }
                None => false,
            };
            if !sent {
                let _ = outbox::put(&self.layout, &pending);
            }
        }
    }

    /// The repository's metadata, verified by tough from the trusted root (a newer root, signed
    /// by the one before, is accepted and kept); targets are read back from the download folder.
    async fn load_repository(&self, transport: &HttpTransport) -> Result<tough::Repository, Failure> {
        let tuf = self.layout.state_dir().join("tuf");
        std::fs::create_dir_all(&tuf).map_err(|e| failure(LogCategory::VerificationFailed, e))?;
        let root = std::fs::read(tuf.join("root.json")).or_else(|_| std::fs::read(&self.settings.shipped_root)).map_err(|e| {
            failure(LogCategory::VerificationFailed, format!("no trusted root ({}): {e}", self.settings.shipped_root.display()))
        })?;
        let metadata = self.settings.server.join("updates/metadata/").map_err(|e| failure(LogCategory::DownloadError, e))?;
        let targets_dir = self.settings.download_dir.join("targets");
        std::fs::create_dir_all(&targets_dir).map_err(|e| failure(LogCategory::DownloadError, e))?;
        let targets = Url::from_directory_path(std::path::absolute(&targets_dir).unwrap_or(targets_dir.clone()))
            .map_err(|_| failure(LogCategory::DownloadError, format!("{} is not a usable folder", targets_dir.display())))?;
        let repo = RepositoryLoader::new(&root, metadata, targets)
            .transport(transport.clone())
            .datastore(&tuf)
            .load()
            .await
            .map_err(|e| failure(LogCategory::VerificationFailed, format!("the release metadata does not verify: {e}")))?;
        // tough keeps the newest trusted root in its datastore as root.json.
        Ok(repo)
    }

    /// Runs an update (or a repair): see the module's note. `progress` is called at each step and
    /// as bytes arrive.
    pub async fn update(&self, repair: bool, progress: Option<ProgressFn>) -> Result<Outcome, Failure> {
        let tell = |p: Progress| {
            if let Some(f) = &progress {
                f(&p)
            }
        };
        let mut state =
            Progress { step: Step::CheckingIn, queue_position: None, files_done: 0, files_total: 0, bytes_done: 0, bytes_total: 0 };
        tell(state.clone());
        let answer = self.check_in(false, repair, None).await?;
        self.send_outbox().await;
        let transport = HttpTransport::new(self.http.clone());
        let installed =
            self.layout.read_pointer().ok().flatten().and_then(|p| Some((p.current.clone(), self.layout.read_manifest(&p.current).ok()??)));
        // A repair (全プログラムアップデート) checks the files against the offered version when it
        // is newer (an update that fetches every file that differs), else against the installed
        // version's own signed files: a repair never goes back to an older version.
        let target_version = match (&answer.offered_version, &installed) {
            (Some(offered), Some((_, m))) if repair && !plan::version_newer(offered, &m.version) => Some(m.version.clone()),
            (offered, _) => offered.clone(),
        };
        let (offered_files, repo) = match &target_version {
            Some(version) if answer.decision.may_update() || repair => {
                let repo = self.load_repository(&transport).await?;
                let prefix = format!("{}/{version}/", self.settings.platform);
                let files: Vec<(ReleaseFile, String)> = repo
                    .all_targets()
                    .filter_map(|(name, t)| {
                        let rel = name.raw().strip_prefix(&prefix)?;
                        Some((
                            ReleaseFile { path: rel.to_string(), length: t.length, sha256: hex::encode(&t.hashes.sha256) },
                            name.raw().to_string(),
                        ))
                    })
                    .collect();
                if files.is_empty() {
                    return Err(failure(
                        LogCategory::DownloadError,
                        format!("the signed metadata has no files of {version} for {}", self.settings.platform),
                    ));
                }
                (files, Some(repo))
            }
            _ => (Vec::new(), None),
        };
        let release: Vec<ReleaseFile> = offered_files.iter().map(|(f, _)| f.clone()).collect();
        let launcher = files::hash_file(&self.layout.launcher_path()).ok().map(|(length, sha256)| FileEntry { length, sha256 });
        let found = match &installed {
            Some((folder, m)) if repair => {
                // Every file hashed: the progress counts the release's files as they are checked.
                state = Progress { step: Step::Verifying, files_total: release.len(), ..state };
                tell(state.clone());
                let found = self.hashes_on_disk(folder, m);
                state.files_done = release.len();
                tell(state.clone());
                Some(found)
            }
            _ => None,
        };
        let decision = if repair && answer.decision == StartupDecision::StartNormally && target_version.is_some() {
            StartupDecision::OfferUpdate
        } else {
            answer.decision
        };
        let plan = plan::plan(&PlanInput {
            decision,
            installed: installed.as_ref().map(|(_, m)| m),
            launcher: launcher.as_ref(),
            offered: target_version.as_deref().filter(|_| repo.is_some()).map(|v| (v, release.as_slice())),
            repair: found.as_ref(),
        });
        let (Some(version), Some(kind), Some(repo)) = (plan.version.clone(), plan.mode.install_kind(), repo) else {
            return Ok(match plan.mode {
                InstallMode::NotAllowed => Outcome::NotAllowed { decision: answer.decision, message: answer.message },
                _ => Outcome::UpToDate,
            });
        };
        let mut modules = plan.modules.clone();
        if modules.is_empty() {
            modules.push("shell".into());
        }
        let run =
            Run { id: files::fresh_id(), kind, from: installed.as_ref().map(|(_, m)| m.version.clone()), to: version.clone(), modules };
        self.report(&run, UpdateEvent::Checked).await;
        if plan.mode == InstallMode::Repair {
            // The repair's finding is on its record: how many files, which were damaged. Every file
            // intact ends it here: nothing to fetch, nothing written, the pointer untouched.
            let damaged = plan.damaged.clone();
            self.report(&run, UpdateEvent::FilesChecked { files: release.len() as i64, damaged }).await;
            if plan.intact() {
                return Ok(Outcome::Intact { version, files_checked: release.len() });
            }
        }
        let names: HashMap<String, String> = offered_files.iter().map(|(f, n)| (f.path.clone(), n.clone())).collect();
        let result = self.transfer_and_apply(&run, &plan, &names, &repo, &transport, installed.as_ref(), &mut state, &tell).await;
        if let Err(f) = &result {
            self.report(&run, UpdateEvent::Failed { category: f.category, reason: f.reason.clone() }).await;
        }
        result
    }

    fn hashes_on_disk(&self, folder: &str, manifest: &crate::Manifest) -> BTreeMap<String, FileEntry> {
        let dir = self.layout.version_dir(folder);
        manifest
            .files
            .keys()
            .filter_map(|path| {
                let (length, sha256) = files::hash_file(&dir.join(files::release_path(path).ok()?)).ok()?;
                Some((path.clone(), FileEntry { length, sha256 }))
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    async fn transfer_and_apply(
        &self,
        run: &Run,
        plan: &Plan,
        names: &HashMap<String, String>,
        repo: &tough::Repository,
        transport: &HttpTransport,
        installed: Option<&(String, crate::Manifest)>,
        state: &mut Progress,
        tell: &(dyn Fn(Progress) + Sync),
    ) -> Result<Outcome, Failure> {
        // A slot: wait in the queue when told, with the place.
        let mut last_position = None;
        let repair = plan.mode == InstallMode::Repair;
        let (token, renew_every) = loop {
            let answer = self.check_in(true, repair, None).await?;
            match answer.admission {
                Some(Admission::Admitted { slot_token: Some(token), .. }) => {
                    break (token, Duration::from_secs(answer.check_again_seconds.clamp(1, 30) as u64));
                }
                Some(Admission::Waiting { position, .. }) => {
                    if last_position != Some(position) {
                        self.report(run, UpdateEvent::Waiting { position }).await;
                        last_position = Some(position);
                    }
                    *state = Progress { step: Step::Waiting, queue_position: Some(position), ..state.clone() };
                    tell(state.clone());
                    tokio::time::sleep(Duration::from_secs(answer.check_again_seconds.clamp(1, 30) as u64)).await;
                }
                other => {
                    return Err(failure(LogCategory::DownloadError, format!("no transfer slot: {:?} ({other:?})", answer.decision)));
                }
            }
        };
        // Held, and renewed beside the transfer, until the files are down (dropped at the end).
        let slot = slot::HeldSlot::hold(
            self.http.clone(),
            self.api(CheckInClient::ROUTE.path)?,
            self.check_in_request(true, repair, None)?,
            token,
            renew_every,
        );
        self.report(run, UpdateEvent::DownloadStarted).await;
        let mut stats = Stats { files_reused: plan.reuse.len(), ..Stats::default() };
        *state = Progress {
            step: Step::Downloading,
            queue_position: None,
            files_done: 0,
            files_total: plan.fetch.len(),
            bytes_done: 0,
            bytes_total: plan.fetch_bytes(),
        };
        tell(state.clone());
        let targets = self.settings.download_dir.join("targets");
        let mut downloaded: HashMap<String, PathBuf> = HashMap::new();
        for f in &plan.fetch {
            if let Some(reason) = slot.lost() {
                return Err(failure(LogCategory::DownloadError, reason));
            }
            let name = &names[&f.path];
            let hashed = format!("{}.{name}", f.sha256);
            let dest = targets.join(files::release_path(&hashed).map_err(|e| failure(LogCategory::DownloadError, e))?);
            let url =
                self.settings.server.join(&format!("updates/targets/{hashed}")).map_err(|e| failure(LogCategory::DownloadError, e))?;
            let bytes = std::sync::atomic::AtomicU64::new(0);
            let base = state.clone();
            let on_bytes = |n: u64| {
                let done = bytes.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
                tell(Progress { bytes_done: base.bytes_done + done, ..base.clone() });
            };
            let got = download::download(&self.http, &url, &slot.token(), &dest, f.length, &self.faults, &on_bytes)
                .await
                .map_err(|e| failure(LogCategory::DownloadError, e))?;
            stats.target_bytes += got.received;
            stats.resumed_bytes += got.resumed_from;
            stats.files_fetched += 1;
            state.files_done += 1;
            state.bytes_done += f.length;
            tell(state.clone());
            downloaded.insert(f.path.clone(), dest);
        }
        stats.slot_renewals = slot.renewals();
        drop(slot);
        self.report(run, UpdateEvent::DownloadEnded { bytes: stats.target_bytes as i64 }).await;
        stats.metadata_bytes = transport.received();

        // Every downloaded file read back through tough: its length and SHA-256 against the
        // signed targets metadata. A file that does not verify is removed (fetched again next time).
        *state = Progress { step: Step::Verifying, ..state.clone() };
        tell(state.clone());
        for f in &plan.fetch {
            let name = TargetName::new(names[&f.path].as_str()).map_err(|e| failure(LogCategory::VerificationFailed, e))?;
            let verified = async {
                use futures_util::StreamExt;
                let mut stream = repo.read_target(&name).await.map_err(|e| e.to_string())?.ok_or("not in the signed targets")?;
                while let Some(chunk) = stream.next().await {
                    chunk.map_err(|e| e.to_string())?;
                }
                Ok::<(), String>(())
            }
            .await;
            if let Err(e) = verified {
                let _ = std::fs::remove_file(&downloaded[&f.path]);
                return Err(failure(
                    LogCategory::VerificationFailed,
                    format!("{} does not verify against the signed release: {e}", f.path),
                ));
            }
        }

        *state = Progress { step: Step::Applying, ..state.clone() };
        tell(state.clone());
        if plan.mode == InstallMode::UpdaterFirst {
            let f = &plan.fetch[0];
            apply::replace_launcher(&self.layout, &downloaded[&f.path], f.length, &f.sha256, &self.faults)
                .map_err(|e| failure(LogCategory::ApplyFailed, e))?;
            self.report(run, UpdateEvent::Applied).await;
            self.report(run, UpdateEvent::StartedHealthy).await;
            self.clean_download(&downloaded);
            *state = Progress { step: Step::Done, ..state.clone() };
            tell(state.clone());
            return Ok(Outcome::UpdaterReplaced { version: run.to.clone(), stats });
        }
        // Unchanged files come from the installed version, found by their hash.
        let local: HashMap<(String, u64), PathBuf> = installed
            .map(|(folder, m)| {
                let dir = self.layout.version_dir(folder);
                m.files.iter().filter_map(|(p, e)| Some(((e.sha256.clone(), e.length), dir.join(files::release_path(p).ok()?)))).collect()
            })
            .unwrap_or_default();
        let mut version_files = Vec::new();
        for f in plan.fetch.iter().chain(&plan.reuse) {
            let source = match downloaded.get(&f.path) {
                Some(p) => p.clone(),
                None => local
                    .get(&(f.sha256.clone(), f.length))
                    .cloned()
                    .ok_or_else(|| failure(LogCategory::ApplyFailed, format!("no local copy of {}", f.path)))?,
            };
            version_files.push(VersionFile { path: f.path.clone(), length: f.length, sha256: f.sha256.clone(), source });
        }
        let new = NewVersion {
            version: run.to.clone(),
            files: version_files,
            install_kind: run.kind,
            modules: run.modules.clone(),
            update_id: run.id.clone(),
        };
        let applied = apply::apply(&self.layout, &new, &self.faults).map_err(|e| failure(LogCategory::ApplyFailed, e))?;
        self.report(run, UpdateEvent::Applied).await;
        if matches!(applied, Applied::Switched { previous: None, .. }) {
            // A new install has no previous version to switch back to: it is done once applied.
            self.report(run, UpdateEvent::StartedHealthy).await;
        }
        self.clean_download(&downloaded);
        *state = Progress { step: Step::Done, ..state.clone() };
        tell(state.clone());
        Ok(Outcome::Applied { mode: plan.mode, version: run.to.clone(), stats })
    }

    fn clean_download(&self, downloaded: &HashMap<String, PathBuf>) {
        for p in downloaded.values() {
            let _ = std::fs::remove_file(p);
        }
    }

    /// Arms a fault point (the crash tests; otherwise from `KINMU_UPDATER_FAULT`).
    pub fn with_faults(mut self, faults: Faults) -> Updater {
        self.faults = faults;
        self
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// One update run: its id (the request ids' prefix, the update's id on the server and in the
/// trial), kind, versions and modules.
struct Run {
    id: String,
    kind: InstallKind,
    from: Option<String>,
    to: String,
    modules: Vec<String>,
}

impl Run {
    fn event_suffix(&self, event: &UpdateEvent) -> String {
        match event {
            UpdateEvent::Waiting { position } => format!("waiting-{position}"),
            other => other.key().to_string(),
        }
    }
}
