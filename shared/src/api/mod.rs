//! Request and response bodies of the HTTP API (`/api/v1`). The same types travel through the
//! desktop shell's Tauri commands, so the UI has one API client whatever carries the bytes.
//!
//! Every route (all JSON unless noted; every non-GET request must carry the
//! [`crate::CSRF_HEADER`]) is defined once, with its method, path, access and types, in
//! [`routes`]: the server's router and the UI's client are both built from it.

mod api_tokens;
mod attendance;
mod attendance_reports;
mod daily_record;
mod desktop;
mod effort;
mod effort_import;
mod effort_plan;
mod effort_reports;
mod effort_resources;
mod effort_schedule;
mod log_imports;
#[cfg(feature = "openapi")]
pub mod openapi;
mod output_profiles;
mod releases;
pub mod routes;
mod updates;

use serde::{Deserialize, Serialize};

use crate::{Language, Permission};

pub use api_tokens::*;
pub use attendance::*;
pub use attendance_reports::*;
pub use daily_record::*;
pub use desktop::*;
pub use effort::*;
pub use effort_import::*;
pub use effort_plan::*;
pub use effort_reports::*;
pub use effort_resources::*;
pub use effort_schedule::*;
pub use log_imports::*;
pub use output_profiles::*;
pub use releases::*;
pub use updates::*;

/// Seconds since 1970-01-01T00:00:00Z. Every instant in the API is one of these; the UI shows it
/// in the user's time zone.
pub type Timestamp = i64;
pub type Id = i64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// "ok" when the database answers.
    pub status: String,
    pub version: String,
    /// "sqlite" or "postgres".
    pub database: String,
}

/// `GET /openapi.json`: the OpenAPI 3.1 document of every route, as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct OpenApiDocument(pub serde_json::Value);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupStatus {
    /// True while no administrator exists: every page leads to the setup wizard.
    pub needs_setup: bool,
    /// Time zones the server knows, for the wizard's picker.
    pub time_zones: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupRequest {
    pub organization_name: String,
    pub admin_login: String,
    pub admin_display_name: String,
    pub admin_password: String,
    pub default_language: Language,
    /// IANA name, e.g. "Asia/Tokyo".
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

/// The logged-in user as the UI needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurrentUser {
    pub id: Id,
    pub login: String,
    pub display_name: String,
    pub language: Language,
    pub time_zone: String,
    pub organization_id: Option<Id>,
    pub role_id: Id,
    pub role_name: String,
    /// What this request may do: the role's permissions, or, for a request with an API token,
    /// the token's scopes that the role still grants.
    pub permissions: Vec<Permission>,
    /// The API token the request came with (None: a session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token: Option<Id>,
}

impl CurrentUser {
    pub fn can(&self, p: Permission) -> bool {
        p.is_granted_by(&self.permissions)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub user: CurrentUser,
    /// When the session ends unless used again (sessions slide while in use).
    pub expires_at: Timestamp,
    /// The organisation name from the system settings, for the page header.
    pub organization_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdatePreferences {
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Id,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub organization_id: Option<Id>,
    pub role_id: Id,
    pub active: bool,
    pub language: Language,
    pub time_zone: String,
    /// Account names under which the user appears in PC logs: `OSAKA\a-mogami`, `a-mogami@osaka.com`.
    pub log_accounts: Vec<String>,
    pub failed_logins: i64,
    /// Set while the account is locked after repeated failed logins.
    pub locked_until: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Who approves this person's effort periods, when named (else their organisation's manager).
    #[serde(default)]
    pub approver_id: Option<Id>,
    /// The roles held, oldest first, each from its day until the next (the first also for the days
    /// before it); the last is `role_id`. Cost prices a day's effort by the role held that day.
    #[serde(default)]
    pub role_history: Vec<RoleSpan>,
}

/// A role a person held from a day (`YYYY-MM-DD`) until their next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleSpan {
    pub role_id: Id,
    pub valid_from: String,
}

/// `GET /users`: a search, an organisation, and a page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserQuery {
    /// Part of a login or display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Id>,
    #[serde(default)]
    pub include_disabled: bool,
    /// Default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserList {
    pub users: Vec<User>,
    /// Number of users matching the filter, beyond this page.
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUser {
    pub login: String,
    pub display_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub organization_id: Option<Id>,
    /// Defaults to the built-in member role.
    #[serde(default)]
    pub role_id: Option<Id>,
    /// Defaults to the system's default language.
    #[serde(default)]
    pub language: Option<Language>,
    /// Defaults to the system's time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub log_accounts: Vec<String>,
    pub password: String,
    /// The person's named approver of effort periods (a user id).
    #[serde(default)]
    pub approver_id: Option<Id>,
}

/// Every field is optional: only the ones present change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateUser {
    #[serde(default)]
    pub display_name: Option<String>,
    /// `Some(None)` is not expressible in JSON as distinct from absent; send `""` to clear.
    #[serde(default)]
    pub email: Option<String>,
    /// `0` clears the organisation.
    #[serde(default)]
    pub organization_id: Option<Id>,
    #[serde(default)]
    pub role_id: Option<Id>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub log_accounts: Option<Vec<String>>,
    /// The named approver of effort periods; `0` clears it (the organisation's manager approves).
    #[serde(default)]
    pub approver_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetPassword {
    pub password: String,
}

/// One's own new password; the current one proves that it is really the user asking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeOwnPassword {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organization {
    pub id: Id,
    pub name: String,
    pub parent_id: Option<Id>,
    /// Names from the root down, joined by " / ": "Acme / Sales / Team A".
    pub path: String,
    pub user_count: i64,
    /// Approves the effort periods of the organisation's people (and of sub-organisations
    /// without a manager of their own).
    #[serde(default)]
    pub manager_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveOrganization {
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<Id>,
    /// None: no manager.
    #[serde(default)]
    pub manager_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Role {
    pub id: Id,
    pub name: String,
    /// "administrator", "manager", "member" for the built-in roles.
    pub builtin: Option<String>,
    pub permissions: Vec<Permission>,
    pub user_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveRole {
    pub name: String,
    pub permissions: Vec<Permission>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemSettings {
    pub organization_name: String,
    pub default_language: Language,
    pub time_zone: String,
    /// Idle minutes after which a session ends.
    pub session_idle_minutes: i64,
    /// Requests one API token may make per minute (browser sessions are not limited by it).
    #[serde(default = "default_token_requests_per_minute")]
    pub token_requests_per_minute: i64,
}

fn default_token_requests_per_minute() -> i64 {
    DEFAULT_TOKEN_REQUESTS_PER_MINUTE
}

/// Outcome of a CSV import: good rows are stored, bad rows are listed, nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub errors: Vec<ImportRowError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRowError {
    /// 1-based line number in the file, the header being line 1.
    pub line: i64,
    pub field: Option<String>,
    pub message: String,
}

/// `GET /users/export`, `GET /organizations/export`: the CSV's encoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsvExportQuery {
    /// `utf-8`, `utf-8-bom` (default) or `shift_jis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// The encodings a CSV download offers, as (query value, name shown): UTF-8 with BOM (the
/// default: Excel reads it), UTF-8, Shift_JIS.
pub const CSV_ENCODINGS: [(&str, &str); 3] = [("utf-8-bom", "UTF-8 (BOM)"), ("utf-8", "UTF-8"), ("shift_jis", "Shift_JIS")];

/// Columns of the user CSV, in order. `organization` is the organisation path
/// ("Acme / Sales"), `role` the role name, `active` `true`/`false`, `log_accounts` separated by `;`.
/// Importing a file with a `password` column sets passwords; without one, new users get none
/// and cannot log in until an administrator sets one. `approver` is the login of the person's
/// named approver of effort periods (blank: none), set once every row of the file is stored.
pub const USER_CSV_HEADER: [&str; 9] =
    ["login", "display_name", "email", "organization", "role", "active", "language", "log_accounts", "approver"];

/// Columns of the organisation CSV: the path from the root, " / "-separated, and the login of
/// its manager (blank: none). A manager must exist as a user: on a fresh database import the
/// organisations, then the users, then the organisations again to set their managers.
pub const ORG_CSV_HEADER: [&str; 2] = ["path", "manager"];

/// Separator of organisation names in a path.
pub const ORG_PATH_SEPARATOR: &str = " / ";
