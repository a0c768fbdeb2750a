//! The client update policy, pure: the administrator's settings (start-up mode, concurrency limit,
//! message, new installs, the service paused, the system log and its retention), what a desktop
//! client must do when it starts ([`decide`]), which kind of install it runs ([`install_kind`]),
//! what an update's record says at its end ([`record_result`]), the events a client reports and the
//! system log's entries. No IO: the server stores and applies these, the UI edits them, the desktop
//! updater follows them.
//!
//! From the QuickCare server manual (seed III.2, III.3, III.5, II.2), with its weak points fixed:
//! its log table puts the update's start under "warning" and the download errors that were
//! ignored under "information", while its text says information and warnings let the update go
//! on, errors stop it, and the end is information. Here the start and end are information, the
//! errors the user chose to ignore are warnings, everything that stops the update is an error.

use serde::{Deserialize, Serialize};

use crate::messages::Text;
use crate::validation::FieldError;

/// How clients start while an update is offered (seed III.2 (1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StartupMode {
    /// The client must update before it starts; declining quits (必須アップデート).
    #[default]
    Mandatory,
    /// The client starts; its login page says an update waits, one click updates (任意アップデート).
    Optional,
    /// No client starts, whether an update is offered or not: server maintenance (起動拒否).
    RefuseStart,
}

impl StartupMode {
    pub const ALL: [StartupMode; 3] = [StartupMode::Mandatory, StartupMode::Optional, StartupMode::RefuseStart];

    pub fn key(self) -> &'static str {
        match self {
            StartupMode::Mandatory => "mandatory",
            StartupMode::Optional => "optional",
            StartupMode::RefuseStart => "refuse_start",
        }
    }

    pub fn from_key(key: &str) -> Option<StartupMode> {
        StartupMode::ALL.into_iter().find(|m| m.key() == key)
    }
}

/// The concurrency limit's default (seed III.2 (2): 15).
pub const DEFAULT_CONCURRENCY_LIMIT: i64 = 15;
/// The largest concurrency limit accepted.
pub const MAX_CONCURRENCY_LIMIT: i64 = 10_000;
/// The longest administrator's message, in characters.
pub const MESSAGE_MAX: usize = 2_000;
/// The retention's default and bounds, in days.
pub const DEFAULT_RETENTION_DAYS: i64 = 365;
pub const MAX_RETENTION_DAYS: i64 = 3_650;

/// The administrator's update policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePolicy {
    pub startup_mode: StartupMode,
    /// How many clients may transfer an update at once; past it they wait (seed III.2 (2)).
    pub concurrency_limit: i64,
    /// Shown in every start-up mode's dialog (seed III.2 (3)); empty for none.
    pub message: String,
    /// False: a client the server has never seen cannot install (seed II.2 ii), IV.5).
    pub new_installs_allowed: bool,
    /// The update service is paused: no transfer is admitted (seed III.1).
    pub service_paused: bool,
    /// Write the system log (seed III.3 (3) ①).
    pub system_log_enabled: bool,
    /// Records and log entries older than this many days are deleted (seed III.3 (3) ②).
    pub retention_days: i64,
}

impl Default for UpdatePolicy {
    fn default() -> Self {
        UpdatePolicy {
            startup_mode: StartupMode::Mandatory,
            concurrency_limit: DEFAULT_CONCURRENCY_LIMIT,
            message: String::new(),
            new_installs_allowed: true,
            service_paused: false,
            system_log_enabled: true,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl UpdatePolicy {
    /// Checks every setting; the error names the field and the fix.
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(1..=MAX_CONCURRENCY_LIMIT).contains(&self.concurrency_limit) {
            return Err(FieldError::new(
                "concurrency_limit",
                Text::new(
                    format!("concurrency_limit must be between 1 and {MAX_CONCURRENCY_LIMIT} clients"),
                    format!("同時実行数は1から{MAX_CONCURRENCY_LIMIT}台までにしてください。"),
                ),
            ));
        }
        if self.message.chars().count() > MESSAGE_MAX {
            return Err(FieldError::new(
                "message",
                Text::new(
                    format!("message is too long: at most {MESSAGE_MAX} characters"),
                    format!("管理者からのメッセージは{MESSAGE_MAX}文字以内にしてください。"),
                ),
            ));
        }
        if !(1..=MAX_RETENTION_DAYS).contains(&self.retention_days) {
            return Err(FieldError::new(
                "retention_days",
                Text::new(
                    format!("retention_days must be between 1 and {MAX_RETENTION_DAYS} days"),
                    format!("保存期間は1日から{MAX_RETENTION_DAYS}日までにしてください。"),
                ),
            ));
        }
        Ok(())
    }
}

/// What the server knows when a client checks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Situation {
    pub mode: StartupMode,
    /// The offered version is newer than the client's (or the client has nothing installed).
    pub update_pending: bool,
    pub new_installs_allowed: bool,
    /// The server has seen this client before (and it proved it with its secret).
    pub client_known: bool,
    pub service_paused: bool,
}

/// What a client must do when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StartupDecision {
    /// Start; nothing to update.
    StartNormally,
    /// Ask the user to update now: yes updates, no quits (mandatory mode).
    UpdateBeforeStart,
    /// Start, and say on the login page that an update waits (optional mode).
    OfferUpdate,
    /// Do not start: show the administrator's message and quit (refuse-start mode).
    RefuseStart,
    /// An unknown client while new installs are forbidden: it may not install or start.
    InstallNotAllowed,
    /// An update is required but the update service is paused: the client cannot start now;
    /// it shows the message and tries again later.
    UpdateServicePaused,
}

impl StartupDecision {
    /// True when the client may ask for a transfer slot.
    pub fn may_update(self) -> bool {
        matches!(self, StartupDecision::UpdateBeforeStart | StartupDecision::OfferUpdate)
    }
}

/// The start-up decision (seed II.2 ②, III.2 (1)): refuse-start refuses everyone; an unknown
/// client cannot go further while new installs are forbidden; with no update pending a client
/// starts normally in both update modes; a pending update is required (mandatory) or offered
/// (optional), unless the service is paused: then a mandatory update cannot be had and the
/// client waits, while an optional one is simply not offered.
pub fn decide(s: Situation) -> StartupDecision {
    use StartupDecision::*;
    if s.mode == StartupMode::RefuseStart {
        return RefuseStart;
    }
    if !s.client_known && !s.new_installs_allowed {
        return InstallNotAllowed;
    }
    if !s.update_pending {
        return StartNormally;
    }
    match (s.mode, s.service_paused) {
        (StartupMode::Mandatory, false) => UpdateBeforeStart,
        (StartupMode::Mandatory, true) => UpdateServicePaused,
        (StartupMode::Optional, false) => OfferUpdate,
        (StartupMode::Optional, true) => StartNormally,
        (StartupMode::RefuseStart, _) => RefuseStart,
    }
}

/// The program that checks in (seed III.4: QuickCare.exe and QCClientUpd.exe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClientProgram {
    /// The desktop application.
    #[default]
    App,
    /// The updater.
    Updater,
}

impl ClientProgram {
    pub fn key(self) -> &'static str {
        match self {
            ClientProgram::App => "app",
            ClientProgram::Updater => "updater",
        }
    }

    pub fn from_key(key: &str) -> Option<ClientProgram> {
        [ClientProgram::App, ClientProgram::Updater].into_iter().find(|p| p.key() == key)
    }
}

/// What an update transfers (seed II.2 ii)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstallKind {
    /// Nothing is installed yet: every file (新規インストール).
    New,
    /// Only the files whose hash differs from the local copy (差分アップデート).
    Differential,
    /// Every local file's hash checked, those that differ fetched (全プログラムアップデート).
    Repair,
    /// The updater updates itself before the rest.
    UpdaterFirst,
}

impl InstallKind {
    pub const ALL: [InstallKind; 4] = [InstallKind::New, InstallKind::Differential, InstallKind::Repair, InstallKind::UpdaterFirst];

    pub fn key(self) -> &'static str {
        match self {
            InstallKind::New => "new",
            InstallKind::Differential => "differential",
            InstallKind::Repair => "repair",
            InstallKind::UpdaterFirst => "updater_first",
        }
    }

    pub fn from_key(key: &str) -> Option<InstallKind> {
        InstallKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// Its name for the records' readers.
    pub fn label(self) -> Text {
        match self {
            InstallKind::New => Text::new("new install", "新規インストール"),
            InstallKind::Differential => Text::new("differential", "差分アップデート"),
            InstallKind::Repair => Text::new("repair (every file checked)", "全プログラムアップデート"),
            InstallKind::UpdaterFirst => Text::new("updater first", "アップデートプログラム自身の更新"),
        }
    }

    /// The seed's "full" update (every file considered) as against the differential one.
    pub fn is_full(self) -> bool {
        matches!(self, InstallKind::New | InstallKind::Repair)
    }
}

/// Which install a client runs: a client with nothing installed installs everything; an updater
/// older than the offered one updates itself first; a repair when the user asks for one;
/// otherwise the differential update.
pub fn install_kind(has_installation: bool, updater_outdated: bool, repair_requested: bool) -> InstallKind {
    if !has_installation {
        InstallKind::New
    } else if updater_outdated {
        InstallKind::UpdaterFirst
    } else if repair_requested {
        InstallKind::Repair
    } else {
        InstallKind::Differential
    }
}

/// A version as the release names it: numbers separated by dots (`2`, `1.4`, `2026.12.1`),
/// compared number by number (`1.10` is newer than `1.9`; `1.2` equals `1.2.0`).
#[derive(Debug, Clone)]
pub struct ModuleVersion(Vec<u64>);

impl ModuleVersion {
    pub const MAX_LEN: usize = 40;

    pub fn parse(field: &str, text: &str) -> Result<ModuleVersion, FieldError> {
        let t = text.trim();
        let parts: Option<Vec<u64>> = if t.is_empty() || t.len() > Self::MAX_LEN {
            None
        } else {
            t.split('.').map(|p| if p.is_empty() || p.len() > 9 { None } else { p.parse().ok() }).collect()
        };
        parts.map(ModuleVersion).ok_or_else(|| {
            FieldError::new(
                field,
                Text::new(
                    format!("{field} must be a version such as 1.4.2 (numbers separated by dots), not {t:?}"),
                    format!("バージョンは 1.4.2 のように数字をドットで区切って指定してください（{t}）。"),
                ),
            )
        })
    }

    fn trimmed(&self) -> &[u64] {
        let end = self.0.iter().rposition(|n| *n != 0).map_or(0, |i| i + 1);
        &self.0[..end]
    }
}

impl PartialEq for ModuleVersion {
    fn eq(&self, other: &Self) -> bool {
        self.trimmed() == other.trimmed()
    }
}

impl Eq for ModuleVersion {}

impl PartialOrd for ModuleVersion {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ModuleVersion {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.trimmed().cmp(other.trimmed())
    }
}

/// True when `offered` should replace `installed` (None: nothing installed).
pub fn update_pending(installed: Option<&ModuleVersion>, offered: Option<&ModuleVersion>) -> bool {
    match (installed, offered) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(i), Some(o)) => o > i,
    }
}

/// The three kinds of system log entry (seed III.5 (2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// The update goes on.
    Info,
    /// The update goes on, but its record ends "abnormal": check it and repair if needed.
    Warning,
    /// The update stopped: its record ends "failed".
    Error,
}

impl LogLevel {
    pub fn key(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
        }
    }

    pub fn from_key(key: &str) -> Option<LogLevel> {
        [LogLevel::Info, LogLevel::Warning, LogLevel::Error].into_iter().find(|l| l.key() == key)
    }
}

/// What a system log entry is about (seed III.5 (2), and what the signed, atomic updater adds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogCategory {
    /// The update started (connected to the server); differential or full (アップデート開始).
    UpdateStarted,
    /// The update ended, well or after warnings or an error (終了処理).
    UpdateEnded,
    /// A requested file was missing on the server; the user ignored it and went on.
    DownloadErrorIgnored,
    /// Copying into the application folder failed; the user ignored it and went on.
    ApplyErrorIgnored,
    /// The user stopped the update, while waiting for a slot or downloading.
    UserAbort,
    /// A requested file was missing on the server, or the transfer broke.
    DownloadError,
    /// The server's download information did not arrive in time (ヘッダ受信).
    HeaderTimeout,
    /// Applying the downloaded files failed.
    ApplyFailed,
    /// The new version could not be registered as installed.
    VersionRegistrationFailed,
    /// A downloaded file or the metadata did not verify against the signed release.
    VerificationFailed,
    /// The new version did not report healthy in time and the previous one was restored.
    RolledBack,
    /// A transfer slot expired without being renewed (the client went away).
    SlotExpired,
    /// A repair checked every local file against the signed hashes: how many, and which differ.
    FilesChecked,
}

impl LogCategory {
    pub const ALL: [LogCategory; 13] = [
        LogCategory::UpdateStarted,
        LogCategory::UpdateEnded,
        LogCategory::DownloadErrorIgnored,
        LogCategory::ApplyErrorIgnored,
        LogCategory::UserAbort,
        LogCategory::DownloadError,
        LogCategory::HeaderTimeout,
        LogCategory::ApplyFailed,
        LogCategory::VersionRegistrationFailed,
        LogCategory::VerificationFailed,
        LogCategory::RolledBack,
        LogCategory::SlotExpired,
        LogCategory::FilesChecked,
    ];

    /// Its level: the start and end inform, errors the user ignored warn, the rest stop the update.
    pub fn level(self) -> LogLevel {
        use LogCategory::*;
        match self {
            UpdateStarted | UpdateEnded | FilesChecked => LogLevel::Info,
            DownloadErrorIgnored | ApplyErrorIgnored => LogLevel::Warning,
            UserAbort
            | DownloadError
            | HeaderTimeout
            | ApplyFailed
            | VersionRegistrationFailed
            | VerificationFailed
            | RolledBack
            | SlotExpired => LogLevel::Error,
        }
    }

    pub fn key(self) -> &'static str {
        use LogCategory::*;
        match self {
            UpdateStarted => "update_started",
            UpdateEnded => "update_ended",
            DownloadErrorIgnored => "download_error_ignored",
            ApplyErrorIgnored => "apply_error_ignored",
            UserAbort => "user_abort",
            DownloadError => "download_error",
            HeaderTimeout => "header_timeout",
            ApplyFailed => "apply_failed",
            VersionRegistrationFailed => "version_registration_failed",
            VerificationFailed => "verification_failed",
            RolledBack => "rolled_back",
            SlotExpired => "slot_expired",
            FilesChecked => "files_checked",
        }
    }

    pub fn from_key(key: &str) -> Option<LogCategory> {
        LogCategory::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Its name for the log's readers.
    pub fn label(self) -> Text {
        use LogCategory::*;
        let (en, ja) = match self {
            UpdateStarted => ("update started", "アップデート開始"),
            UpdateEnded => ("update ended", "終了処理"),
            DownloadErrorIgnored => ("download error, ignored", "ダウンロードエラー（無視続行）"),
            ApplyErrorIgnored => ("apply error, ignored", "ファイル適用エラー（無視続行）"),
            UserAbort => ("stopped by the user", "ユーザーによるアップデート中止"),
            DownloadError => ("download error", "ダウンロードエラー"),
            HeaderTimeout => ("download information timed out", "ヘッダ受信"),
            ApplyFailed => ("apply failed", "ファイル適用"),
            VersionRegistrationFailed => ("version registration failed", "アプリケーションバージョン情報の登録に失敗"),
            VerificationFailed => ("signature or hash check failed", "署名・ハッシュの検証に失敗"),
            RolledBack => ("rolled back: the new version did not start healthy", "ロールバック（新バージョンが正常起動せず）"),
            SlotExpired => ("transfer slot expired", "転送枠の期限切れ"),
            FilesChecked => ("files checked (repair)", "ファイル検査（全プログラムアップデート）"),
        };
        Text::new(en, ja)
    }
}

/// An update record's result (seed III.5 (3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordResult {
    /// Still running.
    InProgress,
    /// Ended without a warning (正常終了).
    Normal,
    /// Ended, but at least one warning was logged: check it, repair if needed (異常終了).
    Abnormal,
    /// An error stopped it (失敗).
    Failed,
}

impl RecordResult {
    pub const ALL: [RecordResult; 4] = [RecordResult::InProgress, RecordResult::Normal, RecordResult::Abnormal, RecordResult::Failed];

    pub fn key(self) -> &'static str {
        match self {
            RecordResult::InProgress => "in_progress",
            RecordResult::Normal => "normal",
            RecordResult::Abnormal => "abnormal",
            RecordResult::Failed => "failed",
        }
    }

    pub fn from_key(key: &str) -> Option<RecordResult> {
        RecordResult::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn label(self) -> Text {
        match self {
            RecordResult::InProgress => Text::new("in progress", "実行中"),
            RecordResult::Normal => Text::new("normal", "正常終了"),
            RecordResult::Abnormal => Text::new("abnormal (warnings)", "異常終了"),
            RecordResult::Failed => Text::new("failed", "失敗"),
        }
    }
}

/// A record's result from its log entries: failed at the first error, abnormal with a warning
/// once ended, normal when ended without one, in progress until then.
pub fn record_result(levels: impl IntoIterator<Item = LogLevel>, ended: bool) -> RecordResult {
    let worst = levels.into_iter().max();
    match worst {
        Some(LogLevel::Error) => RecordResult::Failed,
        _ if !ended => RecordResult::InProgress,
        Some(LogLevel::Warning) => RecordResult::Abnormal,
        _ => RecordResult::Normal,
    }
}

/// A step of an update a client reports, per module (issue 20: checked, waiting, download started,
/// download ended, applied, started healthy, rolled back, failed with its reason), and the
/// warnings the user chose to go on after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum UpdateEvent {
    Checked,
    Waiting {
        position: i64,
    },
    DownloadStarted,
    DownloadEnded {
        bytes: i64,
    },
    Applied,
    StartedHealthy,
    RolledBack {
        reason: String,
    },
    /// A repair (全プログラムアップデート) checked every file of the version on disk against the
    /// signed hashes: `files` checked, `damaged` the paths that differ or are missing. With none
    /// damaged the repair is over — nothing to fetch or write — and its record ends.
    FilesChecked {
        files: i64,
        damaged: Vec<String>,
    },
    /// A warning: `category` is one of the warning categories.
    Warning {
        category: LogCategory,
        reason: String,
    },
    /// The update stopped: `category` is one of the error categories.
    Failed {
        category: LogCategory,
        reason: String,
    },
}

impl UpdateEvent {
    pub fn key(&self) -> &'static str {
        match self {
            UpdateEvent::Checked => "checked",
            UpdateEvent::Waiting { .. } => "waiting",
            UpdateEvent::DownloadStarted => "download_started",
            UpdateEvent::DownloadEnded { .. } => "download_ended",
            UpdateEvent::Applied => "applied",
            UpdateEvent::StartedHealthy => "started_healthy",
            UpdateEvent::RolledBack { .. } => "rolled_back",
            UpdateEvent::FilesChecked { .. } => "files_checked",
            UpdateEvent::Warning { .. } => "warning",
            UpdateEvent::Failed { .. } => "failed",
        }
    }

    /// The system log entry it makes, if any: the start (differential or full), the end, a
    /// warning, an error.
    pub fn log_entry(&self) -> Option<LogCategory> {
        match self {
            UpdateEvent::DownloadStarted => Some(LogCategory::UpdateStarted),
            UpdateEvent::StartedHealthy => Some(LogCategory::UpdateEnded),
            UpdateEvent::RolledBack { .. } => Some(LogCategory::RolledBack),
            UpdateEvent::FilesChecked { .. } => Some(LogCategory::FilesChecked),
            UpdateEvent::Warning { category, .. } | UpdateEvent::Failed { category, .. } => Some(*category),
            _ => None,
        }
    }

    /// True when the event ends the update (its record gets its end and result): the new version
    /// started healthy, was rolled back, or the update failed; or a repair found every file intact.
    pub fn ends_update(&self) -> bool {
        match self {
            UpdateEvent::FilesChecked { damaged, .. } => damaged.is_empty(),
            other => matches!(other, UpdateEvent::StartedHealthy | UpdateEvent::RolledBack { .. } | UpdateEvent::Failed { .. }),
        }
    }

    /// True when the transfer is over, so its slot goes to a waiting client.
    pub fn frees_slot(&self) -> bool {
        matches!(self, UpdateEvent::DownloadEnded { .. }) || self.ends_update()
    }

    /// Checks the event's own fields: a warning carries a warning category, a failure an error one.
    pub fn validate(&self) -> Result<(), FieldError> {
        let wrong = |want: LogLevel| {
            FieldError::new(
                "category",
                Text::new(
                    format!("category must be a {} category for this kind of event", want.key()),
                    "この種類のイベントには使えない分類です。",
                ),
            )
        };
        match self {
            UpdateEvent::Warning { category, .. } if category.level() != LogLevel::Warning => Err(wrong(LogLevel::Warning)),
            UpdateEvent::Failed { category, .. } if category.level() != LogLevel::Error => Err(wrong(LogLevel::Error)),
            UpdateEvent::DownloadEnded { bytes } if *bytes < 0 => {
                Err(FieldError::new("bytes", Text::new("bytes cannot be negative", "バイト数は0以上にしてください。")))
            }
            UpdateEvent::FilesChecked { files, damaged } if *files < 0 || damaged.len() as i64 > *files => Err(FieldError::new(
                "files",
                Text::new(
                    "files is the number of files checked: at least 0, and at least as many as the damaged ones",
                    "files は検査したファイル数です。0以上で、損傷したファイルの数以上にしてください。",
                ),
            )),
            UpdateEvent::FilesChecked { damaged, .. }
                if damaged.iter().any(|p| p.trim().is_empty() || p.chars().count() > 400 || p.chars().any(char::is_control)) =>
            {
                Err(FieldError::new(
                    "damaged",
                    Text::new(
                        "damaged holds the release paths of the damaged files: 1 to 400 characters each, without control characters",
                        "damaged には損傷したファイルのリリース内のパスを、制御文字を含まない1〜400文字で指定してください。",
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StartupDecision::*;

    /// The whole table: 3 modes × pending × new installs allowed × client known × paused.
    #[test]
    fn every_situation_has_its_decision() {
        let mut seen = 0;
        for mode in StartupMode::ALL {
            for update_pending in [false, true] {
                for new_installs_allowed in [false, true] {
                    for client_known in [false, true] {
                        for service_paused in [false, true] {
                            let s = Situation { mode, update_pending, new_installs_allowed, client_known, service_paused };
                            let expected = match mode {
                                StartupMode::RefuseStart => RefuseStart,
                                _ if !client_known && !new_installs_allowed => InstallNotAllowed,
                                _ if !update_pending => StartNormally,
                                StartupMode::Mandatory if service_paused => UpdateServicePaused,
                                StartupMode::Mandatory => UpdateBeforeStart,
                                StartupMode::Optional if service_paused => StartNormally,
                                StartupMode::Optional => OfferUpdate,
                            };
                            assert_eq!(decide(s), expected, "{s:?}");
                            seen += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(seen, 48);
        // The seed's own rows, spelled out.
        let known = |mode, pending| Situation {
            mode,
            update_pending: pending,
            new_installs_allowed: false,
            client_known: true,
            service_paused: false,
        };
        assert_eq!(decide(known(StartupMode::Mandatory, true)), UpdateBeforeStart);
        assert_eq!(decide(known(StartupMode::Optional, true)), OfferUpdate);
        assert_eq!(decide(known(StartupMode::Mandatory, false)), StartNormally, "no update: a normal start (seed ※)");
        assert_eq!(decide(known(StartupMode::Optional, false)), StartNormally);
        assert_eq!(decide(known(StartupMode::RefuseStart, false)), RefuseStart, "refused with or without an update");
        assert_eq!(decide(Situation { client_known: false, ..known(StartupMode::Optional, true) }), InstallNotAllowed);
        assert!(UpdateBeforeStart.may_update() && OfferUpdate.may_update());
        assert!(![StartNormally, RefuseStart, InstallNotAllowed, UpdateServicePaused].iter().any(|d| d.may_update()));
    }

    #[test]
    fn install_kinds() {
        assert_eq!(install_kind(false, true, true), InstallKind::New);
        assert_eq!(install_kind(true, true, true), InstallKind::UpdaterFirst);
        assert_eq!(install_kind(true, false, true), InstallKind::Repair);
        assert_eq!(install_kind(true, false, false), InstallKind::Differential);
        assert!(InstallKind::New.is_full() && InstallKind::Repair.is_full() && !InstallKind::Differential.is_full());
        for k in InstallKind::ALL {
            assert_eq!(InstallKind::from_key(k.key()), Some(k));
            assert!(k.label().is_translated(), "{k:?}");
        }
    }

    #[test]
    fn versions_compare_number_by_number() {
        let v = |t| ModuleVersion::parse("version", t).unwrap();
        assert!(v("1.10") > v("1.9"));
        assert_eq!(v("1.2"), v("1.2.0"));
        assert!(v("2026.12.1") > v("2026.2.30"));
        for bad in ["", "1..2", "1.a", "v1.2", "1.2-beta", "1234567890.1"] {
            assert_eq!(ModuleVersion::parse("version", bad).unwrap_err().field, "version", "{bad:?}");
        }
        assert!(update_pending(Some(&v("1.0")), Some(&v("1.1"))));
        assert!(!update_pending(Some(&v("1.1")), Some(&v("1.1"))));
        assert!(!update_pending(Some(&v("1.2")), Some(&v("1.1"))), "never a downgrade");
        assert!(update_pending(None, Some(&v("1.0"))), "nothing installed: a new install");
        assert!(!update_pending(None, None), "nothing offered");
    }

    /// Seed III.5 (3): normal without warnings, abnormal with one, failed at an error.
    #[test]
    fn record_results_follow_the_log() {
        use LogLevel::*;
        assert_eq!(record_result([Info, Info], true), RecordResult::Normal);
        assert_eq!(record_result([Info, Warning, Info], true), RecordResult::Abnormal);
        assert_eq!(record_result([Info, Warning, Error], true), RecordResult::Failed);
        assert_eq!(record_result([Info, Error], false), RecordResult::Failed, "an error stops the update at once");
        assert_eq!(record_result([Info, Warning], false), RecordResult::InProgress);
        assert_eq!(record_result([], true), RecordResult::Normal);
    }

    #[test]
    fn log_categories_have_the_seeds_levels() {
        assert_eq!(LogCategory::UpdateStarted.level(), LogLevel::Info);
        assert_eq!(LogCategory::UpdateEnded.level(), LogLevel::Info);
        assert_eq!(LogCategory::DownloadErrorIgnored.level(), LogLevel::Warning);
        assert_eq!(LogCategory::ApplyErrorIgnored.level(), LogLevel::Warning);
        for c in [LogCategory::UserAbort, LogCategory::DownloadError, LogCategory::HeaderTimeout, LogCategory::ApplyFailed] {
            assert_eq!(c.level(), LogLevel::Error, "{c:?}");
        }
        for c in LogCategory::ALL {
            assert_eq!(LogCategory::from_key(c.key()), Some(c));
            assert!(c.label().is_translated(), "{c:?}");
        }
    }

    #[test]
    fn events_say_what_they_log_and_end() {
        let failed = UpdateEvent::Failed { category: LogCategory::DownloadError, reason: "404".into() };
        assert!(failed.ends_update() && failed.frees_slot());
        assert_eq!(failed.log_entry(), Some(LogCategory::DownloadError));
        assert!(UpdateEvent::DownloadEnded { bytes: 5 }.frees_slot() && !UpdateEvent::DownloadEnded { bytes: 5 }.ends_update());
        assert!(!UpdateEvent::DownloadStarted.frees_slot());
        assert_eq!(UpdateEvent::DownloadStarted.log_entry(), Some(LogCategory::UpdateStarted));
        let wrong = UpdateEvent::Warning { category: LogCategory::ApplyFailed, reason: String::new() };
        assert_eq!(wrong.validate().unwrap_err().field, "category");
        let json = serde_json::to_string(&failed).unwrap();
        assert_eq!(json, r#"{"kind":"failed","category":"download_error","reason":"404"}"#);
        assert_eq!(serde_json::from_str::<UpdateEvent>(&json).unwrap(), failed);
        // A repair's check ends the repair only when every file was intact.
        let intact = UpdateEvent::FilesChecked { files: 42, damaged: vec![] };
        assert!(intact.ends_update() && intact.frees_slot() && intact.validate().is_ok());
        assert_eq!(intact.log_entry(), Some(LogCategory::FilesChecked));
        assert_eq!(LogCategory::FilesChecked.level(), LogLevel::Info);
        let damaged = UpdateEvent::FilesChecked { files: 42, damaged: vec!["ui/app.js".into()] };
        assert!(!damaged.ends_update() && !damaged.frees_slot() && damaged.validate().is_ok());
        assert_eq!(UpdateEvent::FilesChecked { files: 0, damaged: vec!["a".into()] }.validate().unwrap_err().field, "files");
        assert_eq!(UpdateEvent::FilesChecked { files: 3, damaged: vec![" ".into()] }.validate().unwrap_err().field, "damaged");
    }

    #[test]
    fn policies_are_checked_field_by_field() {
        assert!(UpdatePolicy::default().validate().is_ok());
        assert_eq!(UpdatePolicy::default().concurrency_limit, 15);
        let bad = |p: UpdatePolicy| p.validate().unwrap_err().field;
        assert_eq!(bad(UpdatePolicy { concurrency_limit: 0, ..Default::default() }), "concurrency_limit");
        assert_eq!(bad(UpdatePolicy { retention_days: 0, ..Default::default() }), "retention_days");
        assert_eq!(bad(UpdatePolicy { message: "あ".repeat(MESSAGE_MAX + 1), ..Default::default() }), "message");
    }
}
