//! Effort tracking's request and response bodies: projects with their members and work items,
//! the two levels of activities, effort entries (made by the client under a UUID, versioned by the
//! server, deleted as tombstones) and their history, the week grid with each day's attendance,
//! periods and their approval, gaps against attendance with their reasons, and the effort
//! settings. Dates are `YYYY-MM-DD` text, weeks `YYYY-Www` (ISO), months `YYYY-MM`.

use serde::{Deserialize, Serialize};

use super::{Id, Timestamp};
use crate::effort::{GapKind, MidnightChoice, PeriodAction, PeriodState, PeriodUnit, TimerSegment};

/// A project's life: a closed project takes no new effort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Planning,
    #[default]
    Active,
    Closed,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 3] = [ProjectStatus::Planning, ProjectStatus::Active, ProjectStatus::Closed];

    pub fn key(self) -> &'static str {
        match self {
            ProjectStatus::Planning => "planning",
            ProjectStatus::Active => "active",
            ProjectStatus::Closed => "closed",
        }
    }

    pub fn from_key(key: &str) -> Option<ProjectStatus> {
        ProjectStatus::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// How a work item's progress is known (a project setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProgressMode {
    /// Entered as a percentage.
    #[default]
    Entered,
    /// Actual effort against planned minutes.
    Derived,
}

impl ProgressMode {
    pub fn key(self) -> &'static str {
        match self {
            ProgressMode::Entered => "entered",
            ProgressMode::Derived => "derived",
        }
    }

    pub fn from_key(key: &str) -> Option<ProgressMode> {
        [ProgressMode::Entered, ProgressMode::Derived].into_iter().find(|s| s.key() == key)
    }
}

/// A person's part in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProjectRole {
    Manager,
    #[default]
    Member,
}

impl ProjectRole {
    pub fn key(self) -> &'static str {
        match self {
            ProjectRole::Manager => "manager",
            ProjectRole::Member => "member",
        }
    }

    pub fn from_key(key: &str) -> Option<ProjectRole> {
        [ProjectRole::Manager, ProjectRole::Member].into_iter().find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    pub id: Id,
    /// Unique, e.g. `P-2026-014`.
    pub code: String,
    pub name: String,
    /// The client or a category.
    pub client: String,
    /// The user responsible (also a member with the manager role).
    pub manager_id: Option<Id>,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub status: ProjectStatus,
    /// Anyone among the members may book any work item, assigned or not.
    pub allow_unassigned: bool,
    pub progress_mode: ProgressMode,
    /// The activities the project offers (empty: every active one).
    pub activity_ids: Vec<Id>,
    pub members: Vec<ProjectMember>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectMember {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    pub role: ProjectRole,
}

/// `POST /effort/projects`, `PUT /effort/projects/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveProject {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub client: String,
    #[serde(default)]
    pub manager_id: Option<Id>,
    #[serde(default)]
    pub planned_start: Option<String>,
    #[serde(default)]
    pub planned_end: Option<String>,
    #[serde(default)]
    pub status: ProjectStatus,
    #[serde(default)]
    pub allow_unassigned: bool,
    #[serde(default)]
    pub progress_mode: ProgressMode,
    #[serde(default)]
    pub activity_ids: Vec<Id>,
}

/// `PUT /effort/projects/{id}/members`: the project's members, replacing the ones before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveProjectMembers {
    pub members: Vec<MemberRole>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberRole {
    pub user_id: Id,
    #[serde(default)]
    pub role: ProjectRole,
}

/// `POST /effort/projects/{id}/copy`: a new project with the template's settings, members,
/// activities and work items (plans kept, progress reset), under a new code and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CopyProject {
    pub code: String,
    pub name: String,
}

/// A node of a project's work breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkItem {
    pub id: Id,
    pub project_id: Id,
    pub parent_id: Option<Id>,
    pub name: String,
    /// Names from the top, joined by " / ": `Design / Screens`. Unique in its project.
    pub path: String,
    pub planned_minutes: Option<i64>,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub milestone: bool,
    /// Entered, or derived from actual against plan (the project's progress mode).
    pub progress_percent: Option<i64>,
    pub assignee_ids: Vec<Id>,
    /// Effort entered on the item and its sub-items (tombstones left out).
    pub actual_minutes: i64,
}

/// `POST /effort/projects/{id}/work-items`, `PUT /effort/work-items/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveWorkItem {
    #[serde(default)]
    pub parent_id: Option<Id>,
    pub name: String,
    #[serde(default)]
    pub planned_minutes: Option<i64>,
    #[serde(default)]
    pub planned_start: Option<String>,
    #[serde(default)]
    pub planned_end: Option<String>,
    #[serde(default)]
    pub milestone: bool,
    #[serde(default)]
    pub progress_percent: Option<i64>,
    #[serde(default)]
    pub assignee_ids: Vec<Id>,
}

/// An activity of level 1 (process, 工程分類) or 2 (work, 作業分類).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: Id,
    /// 1 or 2.
    pub level: i64,
    pub code: String,
    pub name: String,
    /// Inactive activities stay on old entries and are offered for none.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveActivity {
    pub level: i64,
    pub code: String,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// One effort entry. Its id is a UUID made by the client that created it; the server raises
/// `version` on every change; a deleted entry stays as a tombstone (`deleted_at`) so that a
/// device syncing later learns of the deletion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffortEntry {
    pub id: String,
    pub user_id: Id,
    pub date: String,
    pub project_id: Id,
    pub work_item_id: Option<Id>,
    pub activity1_id: Option<Id>,
    pub activity2_id: Option<Id>,
    pub minutes: i64,
    pub note: String,
    pub version: i64,
    pub deleted_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// `PUT /effort/entries`: creates or changes the entry with this UUID. The same content sent
/// again is stored once; a change must name the version it was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveEntry {
    /// A UUID made by the client (`8-4-4-4-12` hexadecimal digits).
    pub id: String,
    /// Whose entry; the caller's own when absent.
    #[serde(default)]
    pub user_id: Option<Id>,
    pub date: String,
    pub project_id: Id,
    #[serde(default)]
    pub work_item_id: Option<Id>,
    #[serde(default)]
    pub activity1_id: Option<Id>,
    #[serde(default)]
    pub activity2_id: Option<Id>,
    pub minutes: i64,
    #[serde(default)]
    pub note: String,
    /// The version the change was made from (absent or 0 for a new entry).
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// What became of a saved entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SaveOutcome {
    Created,
    Updated,
    /// The entry already held this content (sent twice): nothing changed.
    Unchanged,
    /// The entry changed since `expected_version`: nothing was stored; `entry` is the current one.
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveEntryAnswer {
    pub outcome: SaveOutcome,
    /// The stored entry (on a conflict, the server's current one).
    pub entry: EffortEntry,
}

/// `POST /effort/entries/delete`: leaves a tombstone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteEntry {
    pub id: String,
    pub expected_version: i64,
}

/// Through which path an entry changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangePath {
    Ui,
    Api,
    Import,
    Cli,
    Sync,
    /// A stopped timer's minutes.
    Timer,
}

impl ChangePath {
    pub const ALL: [ChangePath; 6] =
        [ChangePath::Ui, ChangePath::Api, ChangePath::Import, ChangePath::Cli, ChangePath::Sync, ChangePath::Timer];

    pub fn key(self) -> &'static str {
        match self {
            ChangePath::Ui => "ui",
            ChangePath::Api => "api",
            ChangePath::Import => "import",
            ChangePath::Cli => "cli",
            ChangePath::Sync => "sync",
            ChangePath::Timer => "timer",
        }
    }

    pub fn from_key(key: &str) -> Option<ChangePath> {
        ChangePath::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// `POST /effort/timer`: starts the caller's timer on a row (one running timer per person).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartTimer {
    pub project_id: Id,
    #[serde(default)]
    pub work_item_id: Option<Id>,
    #[serde(default)]
    pub activity1_id: Option<Id>,
    #[serde(default)]
    pub activity2_id: Option<Id>,
    /// The note of an entry the stop creates (an existing entry keeps its own).
    #[serde(default)]
    pub note: String,
}

/// The caller's running timer, as of the server's `now`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RunningTimer {
    pub project_id: Id,
    pub work_item_id: Option<Id>,
    pub activity1_id: Option<Id>,
    pub activity2_id: Option<Id>,
    pub note: String,
    pub started_at: Timestamp,
    /// The server's clock when it answered (a client ticks on from here).
    pub now: Timestamp,
    /// The running time in whole minutes per effort day, from the start day to today.
    pub segments: Vec<TimerSegment>,
    /// Ran past the start of a day: a stop must say what to keep.
    pub crosses_midnight: bool,
}

/// `POST /effort/timer/stop`: `choice` is needed when the timer ran past midnight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StopTimer {
    #[serde(default)]
    pub choice: Option<MidnightChoice>,
}

/// What a stop stored: the minutes kept per day and the entries they were added to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoppedTimer {
    /// The segments added (days of 0 minutes left out: a timer under a minute adds nothing).
    pub added: Vec<TimerSegment>,
    /// The entries as stored after the addition, one per day added.
    pub entries: Vec<EffortEntry>,
    /// The minutes the stop left out (another day's, by the choice; discarded).
    pub dropped_minutes: i64,
}

/// `GET /effort/entries/history?id=UUID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryHistoryQuery {
    pub id: String,
}

/// One change of an entry: who, when, through which path, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryChange {
    pub entry_id: String,
    /// None: the machine's operator (command line).
    pub changed_by: Option<Id>,
    pub changed_by_name: String,
    pub changed_at: Timestamp,
    pub path: ChangePath,
    pub before: Option<EffortEntry>,
    pub after: Option<EffortEntry>,
}

/// `GET /effort/week?week=2026-W49[&user=LOGIN]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekQuery {
    /// ISO week, `YYYY-Www`.
    pub week: String,
    /// Another person's login (needs projects.manage); the caller when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// A person's attended work of one day, from the attendance records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayAttendance {
    /// As the rules show them (`8:55`, `*18:00`, blank).
    pub clock_in_text: String,
    pub clock_out_text: String,
    pub clock_in_at: Option<Timestamp>,
    pub clock_out_at: Option<Timestamp>,
    pub actual_work_minutes: i64,
}

/// The week grid's answer: a day per column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffortWeek {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    pub week: String,
    pub days: Vec<EffortDay>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffortDay {
    pub date: String,
    /// The day's live entries (tombstones left out).
    pub entries: Vec<EffortEntry>,
    pub total_minutes: i64,
    /// None: no attendance record that day.
    pub attendance: Option<DayAttendance>,
    pub gap: Option<GapDay>,
    /// The state of the period holding the day.
    pub period_state: PeriodState,
}

/// A day whose effort and attended work differ beyond the threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapDay {
    pub date: String,
    pub kind: GapKind,
    pub effort_minutes: i64,
    pub attendance: Option<DayAttendance>,
    /// Effort minus attended work.
    pub difference_minutes: i64,
    pub reason_id: Option<Id>,
    pub reason_text: String,
}

/// `GET /effort/gaps?month=2026-11[&user=LOGIN]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapQuery {
    pub month: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapMonth {
    pub user_id: Id,
    pub login: String,
    pub month: String,
    pub threshold_minutes: i64,
    pub days: Vec<GapDay>,
}

/// `PUT /effort/gaps`: one's reason for a marked day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExplainGap {
    pub date: String,
    pub reason_id: Option<Id>,
    #[serde(default)]
    pub text: String,
}

/// A reason from the list administrators keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapReason {
    pub id: Id,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveGapReason {
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
}

/// A person's effort period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffortPeriod {
    pub id: Id,
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    pub start: String,
    pub end: String,
    pub state: PeriodState,
    pub submitted_by: Option<Id>,
    pub submitted_at: Option<Timestamp>,
    pub approved_by: Option<Id>,
    pub approved_at: Option<Timestamp>,
    /// The approver's comment (why it was sent back).
    pub comment: String,
    pub reopened_by: Option<Id>,
    pub reopened_at: Option<Timestamp>,
    pub reopen_reason: String,
    /// Who approves it: the person's named approver, else their organisation's manager up the
    /// tree (None: only an administrator).
    #[serde(default)]
    pub approver_id: Option<Id>,
    #[serde(default)]
    pub approver_name: Option<String>,
}

/// One change of a period's state: who did what, when, with which comment or reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodChange {
    pub action: PeriodAction,
    /// None: the machine's operator.
    pub actor_id: Option<Id>,
    pub actor_name: String,
    pub at: Timestamp,
    /// The approver's comment, or the reason for reopening.
    pub comment: String,
    /// Approved or sent back by an administrator who is not the person's approver.
    #[serde(default)]
    pub as_administrator: bool,
}

/// `GET /effort/periods`: a person's periods (`user`, or one's own when no filter is given), or
/// periods across people filtered by state, days, organisation and approver. Across people,
/// `for_me` limits to the people the caller approves (anyone may ask); otherwise it needs
/// `projects.manage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Only submitted periods (waiting for approval).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waiting: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<PeriodState>,
    /// `YYYY-MM`: periods with a day in that month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// `YYYY-MM-DD`: periods ending on or after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `YYYY-MM-DD`: periods starting on or before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// This organisation's people and those of its sub-organisations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Id>,
    /// Only the people whose approver is the caller.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub for_me: bool,
}

impl PeriodQuery {
    /// Whether the query is about periods across people.
    pub fn across_people(&self) -> bool {
        self.user.is_none()
            && (self.waiting
                || self.for_me
                || self.state.is_some()
                || self.month.is_some()
                || self.from.is_some()
                || self.to.is_some()
                || self.organization_id.is_some())
    }
}

/// One day of a dashboard's week: effort entered beside attended work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardDay {
    pub date: String,
    pub effort_minutes: i64,
    /// None: no attendance record (or the person has no log account).
    pub attended_minutes: Option<i64>,
}

/// A period on a dashboard: its days and state (a period never submitted is open).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardPeriod {
    pub start: String,
    pub end: String,
    pub state: PeriodState,
}

/// `GET /effort/dashboard`: the caller's week, missing days and periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyDashboard {
    pub today: String,
    /// `YYYY-Www`, the current week.
    pub week: String,
    pub week_days: Vec<DashboardDay>,
    /// Past working or attended days of this month and the last without effort, oldest first.
    pub missing_days: Vec<String>,
    /// The period holding today and the one before it, newest first.
    pub periods: Vec<DashboardPeriod>,
}

/// One of an approver's people on their dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardPerson {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
}

/// A person's missing days, for their approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonMissingDays {
    pub person: DashboardPerson,
    pub days: Vec<String>,
}

/// A marked gap without a reason yet, for the person's approver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapWaiting {
    pub person: DashboardPerson,
    pub date: String,
    pub kind: GapKind,
    pub difference_minutes: i64,
}

/// `GET /effort/dashboard/approver`: what waits for the caller as an approver (empty for
/// someone who approves nobody).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproverDashboard {
    pub today: String,
    /// How many people the caller approves.
    pub people: i64,
    pub waiting: Vec<EffortPeriod>,
    pub missing: Vec<PersonMissingDays>,
    pub gaps: Vec<GapWaiting>,
    /// The projects the caller manages that are over plan, over budget or at the budget's
    /// warning share (issue 19).
    #[serde(default)]
    pub projects: Vec<super::FlaggedProject>,
}

/// `POST /effort/periods/submit`: submits the caller's period holding `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitPeriod {
    pub date: String,
}

/// `POST /effort/periods/{id}/approve` and `/send-back` (a comment is required to send back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodDecision {
    #[serde(default)]
    pub comment: String,
}

/// `POST /effort/periods/{id}/reopen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReopenPeriod {
    pub reason: String,
}

/// The organisation's effort settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EffortSettings {
    pub period_unit: PeriodUnit,
    /// A day is marked when effort and attended work differ by more than this.
    pub gap_threshold_minutes: i64,
    /// How many days ahead effort may be entered (0: none).
    pub future_days_allowed: i64,
    /// What the company calls activity level 1 (e.g. 工程分類); None: "Activity 1".
    #[serde(default)]
    pub activity1_label: Option<String>,
    /// What the company calls activity level 2 (e.g. 作業分類); None: "Activity 2".
    #[serde(default)]
    pub activity2_label: Option<String>,
    /// Whether level 1 is used: when not, the week grid hides its column.
    #[serde(default = "yes")]
    pub activity1_used: bool,
    #[serde(default = "yes")]
    pub activity2_used: bool,
}

/// The longest name of an activity level.
pub const ACTIVITY_LABEL_MAX: usize = 40;

impl EffortSettings {
    /// The level's name as set (None: the UI's own "Activity 1" / "Activity 2").
    pub fn activity_label(&self, level: i64) -> Option<&str> {
        match level {
            1 => self.activity1_label.as_deref(),
            2 => self.activity2_label.as_deref(),
            _ => None,
        }
    }

    pub fn activity_used(&self, level: i64) -> bool {
        match level {
            1 => self.activity1_used,
            2 => self.activity2_used,
            _ => false,
        }
    }
}

impl Default for EffortSettings {
    fn default() -> Self {
        EffortSettings {
            period_unit: PeriodUnit::Month,
            gap_threshold_minutes: 30,
            future_days_allowed: 0,
            activity1_label: None,
            activity2_label: None,
            activity1_used: true,
            activity2_used: true,
        }
    }
}

/// An organisation's gap threshold: its own, or inherited from its parent, else the company's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapThreshold {
    pub organization_id: Id,
    /// "Acme / Sales / Team A".
    pub path: String,
    /// Its own threshold; None: inherited.
    pub own_minutes: Option<i64>,
    /// The threshold that applies to its people.
    pub effective_minutes: i64,
}

/// `PUT /effort/gap-thresholds/{organization}`: its own threshold, or none to inherit again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetGapThreshold {
    pub minutes: Option<i64>,
}

/// `GET /effort/gap-report?month=2026-11[&organization_id=3][&months=6]`: the month's gaps of an
/// organisation and the ones below it (none: everyone), with `months` months (this one included,
/// 1 to 12, default 6) of the same figures for month over month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapReportQuery {
    pub month: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
}

/// `GET /effort/gap-report/download?…&format=csv|xlsx[&encoding=…]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapReportDownloadQuery {
    pub month: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Id>,
    /// `csv` (default) or `xlsx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// For CSV: `utf-8`, `utf-8-bom` (default) or `shift_jis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// The gap figures of a group of people for a month. Gaps are in minutes, effort minus attended
/// work; the average is of their sizes (absolute), the largest is the one of largest size, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapTotals {
    /// People counted (active, in the scope).
    pub people: i64,
    /// People with at least one marked day.
    pub people_over: i64,
    pub marked_days: i64,
    /// Marked days with a reason.
    pub explained_days: i64,
    pub unexplained_days: i64,
    pub average_gap_minutes: i64,
    pub largest_gap_minutes: i64,
    /// Marked days with PC activity and no effort.
    pub activity_without_effort_days: i64,
    /// Marked days with effort and no PC activity.
    pub effort_without_activity_days: i64,
}

/// A person over the threshold in the month, with their marked days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapReportPerson {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    pub organization_path: String,
    pub threshold_minutes: i64,
    pub totals: GapTotals,
    pub days: Vec<GapReportDay>,
}

/// A marked day in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapReportDay {
    pub date: String,
    pub kind: GapKind,
    pub effort_minutes: i64,
    /// None: no attendance record that day.
    pub attended_minutes: Option<i64>,
    pub difference_minutes: i64,
    pub explained: bool,
}

/// An organisation's figures, its sub-organisations' people included. `organization_id` None:
/// the people with no organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapOrganizationTotals {
    pub organization_id: Option<Id>,
    pub path: String,
    pub threshold_minutes: i64,
    pub totals: GapTotals,
}

/// One month's figures of the whole scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapMonthTotals {
    /// `YYYY-MM`.
    pub month: String,
    pub totals: GapTotals,
}

/// The monthly gap report of an organisation (and the ones below it) or of everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapReport {
    pub month: String,
    pub organization_id: Option<Id>,
    /// The organisation's path; empty for everyone.
    pub organization_path: String,
    pub totals: GapTotals,
    /// The people over the threshold, the most marked days first.
    pub people: Vec<GapReportPerson>,
    /// Each organisation of the scope, in tree order.
    pub organizations: Vec<GapOrganizationTotals>,
    /// Month over month, oldest first, ending with `month`.
    pub months: Vec<GapMonthTotals>,
}

/// Kinmu's projects CSV, the same columns both ways: one row per `kind` — `activity` (level,
/// code, name, active), `project` (project_code, name, client, manager, status, progress_mode,
/// allow_unassigned, planned_start, planned_end), `member` (project_code, login, role) and
/// `work_item` (project_code, path such as `Design / Screens`, planned as h:mm, planned_start,
/// planned_end, milestone, progress_percent), `project_activity` (project_code, level, code: an
/// activity the project uses) and `assignee` (project_code, path, login: a work item's
/// assignee); the other cells of a row stay blank.
pub const PROJECT_CSV_HEADER: [&str; 19] = [
    "kind",
    "project_code",
    "name",
    "path",
    "level",
    "code",
    "login",
    "role",
    "client",
    "manager",
    "status",
    "progress_mode",
    "allow_unassigned",
    "planned_start",
    "planned_end",
    "planned",
    "milestone",
    "progress_percent",
    "active",
];

/// Columns of Kinmu's effort CSV (`kinmu effort import` / `export`), in order. `duration` is
/// `h:mm` or minutes; `id` the entry's UUID (empty: a new one).
pub const EFFORT_CSV_HEADER: [&str; 9] = ["login", "date", "project_code", "work_item", "activity1", "activity2", "duration", "note", "id"];
