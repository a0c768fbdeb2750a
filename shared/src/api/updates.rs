//! Client updates: the administrator's policy, a desktop client's check-in and the events it
//! reports, the known clients, update records and the system log. The rules themselves are in
//! [`crate::update_policy`].

use serde::{Deserialize, Serialize};

use super::Timestamp;
use crate::update_policy::{ClientProgram, InstallKind, LogCategory, LogLevel, RecordResult, StartupDecision, UpdateEvent, UpdatePolicy};

/// The policy as the administrator page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePolicyView {
    pub policy: UpdatePolicy,
    /// The release offered on each platform that has one (the releases' catalog decides it:
    /// `OfferRelease`), by platform.
    pub offered: Vec<super::Release>,
    /// Clients transferring now, and waiting.
    pub admitted: i64,
    pub waiting: i64,
}

/// `PUT /updates/policy`: the new policy, with the administrator's password entered again
/// (the seed's management password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePolicyChange {
    pub policy: UpdatePolicy,
    pub password: String,
}

/// `POST /updates/check`: a desktop client says who it is when it starts, and again (with
/// `wants_update`) while it waits for or holds a transfer slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ClientCheckIn {
    /// The id the client made at its installation (8 to 64 letters, digits, `-` or `_`).
    pub client_id: String,
    /// The secret the server gave at the client's first check-in (None on the first one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    pub host: String,
    /// The PC's user running the program.
    pub user: String,
    pub program: ClientProgram,
    /// The platform the client runs on, named as releases name it (`kinmu release publish
    /// --platform`): e.g. `windows-x86_64`. The release offered for it is what the client is offered.
    pub platform: String,
    /// The installed version (None: nothing installed yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The installed updater's version, when the updater checks in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updater_version: Option<String>,
    /// The client asks for a transfer slot (it is about to update, or waiting for one).
    pub wants_update: bool,
    /// The user asked to check and fetch every file (全プログラムアップデート).
    pub repair: bool,
    /// The slot the client holds, to renew it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot_token: Option<String>,
}

/// A transfer slot, or the place in the queue for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Admission {
    /// Transfer now; renew the slot by checking in again before `expires_at`.
    Admitted {
        /// Given once, when the slot is first handed over; None when the client renews.
        #[serde(skip_serializing_if = "Option::is_none")]
        slot_token: Option<String>,
        expires_at: Timestamp,
    },
    /// Wait and check in again; `position` is the client's place (1 is next), `waiting` how many
    /// wait. Waiting clients are admitted in a random order (drawn when they join), so a later
    /// arrival may be placed ahead.
    Waiting { position: i64, waiting: i64, limit: i64 },
}

/// The answer to a check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInAnswer {
    pub decision: StartupDecision,
    /// The administrator's message for the dialog (empty for none).
    pub message: String,
    /// The version of the release offered for the client's platform (None: none is offered).
    pub offered_version: Option<String>,
    /// The kind of install the client runs when it updates.
    pub install_kind: Option<InstallKind>,
    /// Given once, on the first check-in: the client keeps it and sends it from then on.
    pub client_secret: Option<String>,
    /// Present when the client asked for a slot and may update.
    pub admission: Option<Admission>,
    /// Check in again after this many seconds (while waiting, or to renew a slot).
    pub check_again_seconds: i64,
}

/// `POST /updates/events`: one step of an update, for one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientEventReport {
    pub client_id: String,
    pub client_secret: String,
    /// Made by the client, unique per event: a report sent again counts once.
    pub request_id: String,
    /// Which module: `shell`, `ui`, `resources`, `updater` (free text up to 40 characters).
    pub module: String,
    pub install_kind: InstallKind,
    pub from_version: Option<String>,
    pub to_version: String,
    pub event: UpdateEvent,
    /// The update this event belongs to: the id the client made for the run (8 to 100
    /// characters), the same in each of its events and in the launcher's end of it (started
    /// healthy, rolled back). The server keeps one record per client and update id, whatever
    /// order the events arrive in. A client that sends none: its event joins the client's open
    /// record of the same version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_id: Option<String>,
}

/// The answer to an event report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventReceipt {
    /// False when this request id was already recorded (the report was a retry).
    pub recorded: bool,
    pub record_id: Option<i64>,
}

/// A client the server has seen (seed III.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KnownClient {
    pub client_id: String,
    pub host: String,
    pub user: String,
    pub program: ClientProgram,
    pub version: Option<String>,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// `admitted`, `waiting` or None.
    pub transfer: Option<String>,
    /// The step of its running update (an event kind), if one runs.
    pub progress: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientList {
    pub clients: Vec<KnownClient>,
    pub admitted: i64,
    pub waiting: i64,
    pub limit: i64,
}

/// Filters of the update records (and their CSV export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct UpdateRecordQuery {
    /// Part of the host, user or client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<RecordResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<InstallKind>,
    /// Started at or after (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    /// Started before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// For the CSV export: `utf-8-bom` (default), `utf-8` or `shift_jis`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// One client's update (seed III.5 (1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateRecord {
    pub id: i64,
    pub client_id: String,
    pub host: String,
    pub user: String,
    pub kind: InstallKind,
    pub from_version: Option<String>,
    pub to_version: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub result: RecordResult,
    /// The error that stopped it, or the first warning.
    pub reason: Option<String>,
    pub warnings: i64,
    /// The last step reported.
    pub last_step: String,
    /// A repair's check: how many files of the version it compared with the signed hashes
    /// (None: not a repair, or not checked yet).
    pub files_checked: Option<i64>,
    /// A repair's check: the files it found damaged or missing (and fetched); empty when every
    /// file was intact.
    pub damaged_files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateRecordList {
    pub records: Vec<UpdateRecord>,
    pub total: i64,
}

/// Filters of the system log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct UpdateLogQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<LogLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

/// A system log entry (seed III.5 (2)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateLogEntry {
    pub id: i64,
    pub at: Timestamp,
    pub level: LogLevel,
    pub category: LogCategory,
    /// The category's name in the caller's language.
    pub category_label: String,
    pub client_id: String,
    pub host: String,
    pub record_id: Option<i64>,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateLogList {
    pub entries: Vec<UpdateLogEntry>,
    pub total: i64,
}
