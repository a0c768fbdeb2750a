//! The API's route table: every route of `/api/v1`, defined once, as a type. Each route is a
//! zero-sized type implementing [`Endpoint`]: its method, path and access ([`RouteSpec`]), and
//! the types of its path parameters, query string, request body and answer. The server registers
//! its handlers through these types (a handler whose extractors or answer disagree with its route
//! does not compile, and neither does a router missing a route: see [`serve_all`]); the UI calls
//! them through one generic client. [`ROUTES`] is the same table as data: the access check looks a
//! request's route up in it, before reading its body, and the services check again, for every other
//! path (command line, imports).

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::*;
use crate::Permission;
use crate::attendance_rules::{AttendanceRules, RulesOverride};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not (health, setup, login).
    Public,
    /// Any logged-in user; the service narrows what they see (a member's reports hold their own
    /// rows only).
    Session,
    /// A person logged in through a session (the UI's cookie), never an API token: changing the
    /// password, creating tokens. A token gets 403 `session_only`.
    SessionOnly,
    /// Any logged-in user for their own record; another person's needs this permission (the
    /// service checks, since only it knows whose record is asked for).
    OwnOr(Permission),
    /// A logged-in user whose role grants this permission.
    Permission(Permission),
}

/// One route: its method, its path below `/api/v1` (with `{name}` parameters) and its access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// One route of the API, as a type.
pub trait Endpoint: 'static {
    const ROUTE: RouteSpec;
    /// The values of the path's `{name}` parameters, in order: `()`, an [`Id`], a [`ReportKind`].
    type Path: PathParams;
    /// The query string (`()` for none).
    type Query: Serialize + DeserializeOwned;
    /// The request body ([`Empty`] for none, [`CsvFile`] for an upload, else JSON).
    type Body: Payload;
    /// The answer ([`Empty`] for 204 No Content, [`FileDownload`] for a file, else JSON).
    type Answer: Payload;

    /// The concrete path below `/api/v1`, e.g. `/users/7` for `/users/{id}`.
    fn path(params: &Self::Path) -> String {
        let mut values = params.segments().into_iter();
        let mut out = String::with_capacity(Self::ROUTE.path.len() + 8);
        let mut rest = Self::ROUTE.path;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            out.push_str(&values.next().unwrap_or_default());
            rest = rest[open..].find('}').map_or("", |close| &rest[open + close + 1..]);
        }
        out.push_str(rest);
        out
    }
}

/// The values of a route's path parameters.
pub trait PathParams {
    /// How many `{name}` parameters a path of this type has (checked against each route's
    /// pattern when the table compiles).
    const COUNT: usize;
    /// Each parameter's text, in the pattern's order (URL-safe).
    fn segments(&self) -> Vec<String>;
}

impl PathParams for () {
    const COUNT: usize = 0;
    fn segments(&self) -> Vec<String> {
        Vec::new()
    }
}

impl PathParams for Id {
    const COUNT: usize = 1;
    fn segments(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

impl PathParams for ReportKind {
    const COUNT: usize = 1;
    fn segments(&self) -> Vec<String> {
        vec![self.key().to_string()]
    }
}

/// How many `{name}` parameters a path pattern has.
pub const fn parameters_in(path: &str) -> usize {
    let bytes = path.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'{' {
            n += 1;
        }
        i += 1;
    }
    n
}

/// How a request body or an answer travels: JSON for every serde type, or one of the markers
/// [`Empty`], [`CsvFile`] and [`FileDownload`].
pub trait Payload: Sized {
    /// The `Content-Type` it is sent with (None: no body).
    const CONTENT_TYPE: Option<&'static str>;
    /// The body's bytes (None: no body).
    fn encode(&self) -> Result<Option<Vec<u8>>, String>;
    fn decode(text: String) -> Result<Self, String>;
}

impl<T: Serialize + DeserializeOwned> Payload for T {
    const CONTENT_TYPE: Option<&'static str> = Some("application/json");
    fn encode(&self) -> Result<Option<Vec<u8>>, String> {
        serde_json::to_vec(self).map(Some).map_err(|e| e.to_string())
    }
    fn decode(text: String) -> Result<Self, String> {
        serde_json::from_str(&text).map_err(|e| e.to_string())
    }
}

/// No body: as a request, nothing is sent; as an answer, 204 No Content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empty;

impl Payload for Empty {
    const CONTENT_TYPE: Option<&'static str> = None;
    fn encode(&self) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
    fn decode(_: String) -> Result<Self, String> {
        Ok(Empty)
    }
}

/// An uploaded CSV file, its bytes as they are on disk (`Content-Type: text/csv`): the server
/// reads UTF-8 (with or without BOM) or Shift_JIS, as Excel saves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile(pub Vec<u8>);

impl Payload for CsvFile {
    const CONTENT_TYPE: Option<&'static str> = Some("text/csv");
    fn encode(&self) -> Result<Option<Vec<u8>>, String> {
        Ok(Some(self.0.clone()))
    }
    fn decode(text: String) -> Result<Self, String> {
        Ok(CsvFile(text.into_bytes()))
    }
}

/// An uploaded file's bytes (`Content-Type: application/octet-stream`): the server streams it to
/// a temporary file, so it may be larger than memory. The UI sends the browser's `File` itself
/// (with upload progress), never through [`Payload::encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileBytes;

impl Payload for FileBytes {
    const CONTENT_TYPE: Option<&'static str> = Some("application/octet-stream");
    fn encode(&self) -> Result<Option<Vec<u8>>, String> {
        Err("a file is sent as its bytes by the upload, not as text".into())
    }
    fn decode(_: String) -> Result<Self, String> {
        Ok(FileBytes)
    }
}

/// A file to save (`Content-Disposition: attachment`): a browser follows a link to it
/// ([`Endpoint::path`] with the query); read by the client, it is the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDownload(pub String);

impl Payload for FileDownload {
    const CONTENT_TYPE: Option<&'static str> = None;
    fn encode(&self) -> Result<Option<Vec<u8>>, String> {
        Err("a file download is an answer, not a request body".into())
    }
    fn decode(text: String) -> Result<Self, String> {
        Ok(FileDownload(text))
    }
}

/// A stream of server-sent events (`text/event-stream`) that lasts until the caller closes it; a
/// browser reads it with `EventSource` at [`Endpoint::path`]. Each event's `data` is the JSON the
/// route documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventStream;

impl Payload for EventStream {
    const CONTENT_TYPE: Option<&'static str> = None;
    fn encode(&self) -> Result<Option<Vec<u8>>, String> {
        Err("an event stream is an answer, not a request body".into())
    }
    fn decode(_: String) -> Result<Self, String> {
        Ok(EventStream)
    }
}

/// What serves the API: one implementation of [`Serves`] per route (the server's router).
pub trait Serves<E: Endpoint>: Sized {
    /// Adds the route's handler.
    fn serve(self) -> Self;
}

use Access::{OwnOr, Public, Session, SessionOnly};
const fn needs(p: Permission) -> Access {
    Access::Permission(p)
}

/// Declares every route once: its type, method, path and access, then `(path, query, body) ->
/// answer`. Also makes [`ROUTES`] and [`serve_all`].
macro_rules! endpoints {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $method:ident $path:literal, $access:expr => ($p:ty, $q:ty, $b:ty) -> $a:ty;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Debug, Clone, Copy)]
            pub struct $name;

            impl Endpoint for $name {
                const ROUTE: RouteSpec = RouteSpec { method: stringify!($method), path: $path, access: $access };
                type Path = $p;
                type Query = $q;
                type Body = $b;
                type Answer = $a;
            }

            // The path type has one value per `{name}` of the pattern.
            const _: () = assert!(parameters_in($path) == <$p as PathParams>::COUNT, concat!("the path type of ", stringify!($name), " disagrees with its pattern"));
        )*

        /// Every route of the API.
        pub const ROUTES: &[RouteSpec] = &[$(<$name as Endpoint>::ROUTE),*];

        /// Serves every route: does not compile unless `server` serves each one.
        pub fn serve_all<S>(server: S) -> S
        where
            $(S: Serves<$name>,)*
        {
            $(let server = <S as Serves<$name>>::serve(server);)*
            server
        }

        /// Every route's operation for the OpenAPI document ([`super::openapi::document`]), its
        /// answer's status from `status` (the server's handler says it). A route whose path,
        /// query, body or answer type lacks its schema (`utoipa::ToSchema`) does not compile here.
        #[cfg(feature = "openapi")]
        pub fn openapi_operations(status: &dyn Fn(&RouteSpec) -> u16, schemas: &mut super::openapi::Schemas) -> Vec<super::openapi::RouteOperation> {
            vec![$(super::openapi::operation::<$name>(stringify!($name), &[$($doc),*], status(&<$name as Endpoint>::ROUTE), schemas)),*]
        }
    };
}

endpoints! {
    /// For load balancers: 200 when the database answers, 503 otherwise.
    GetHealth: GET "/health", Public => ((), (), Empty) -> Health;
    /// This document: the OpenAPI 3.1 description of every route of `/api/v1`.
    GetOpenApi: GET "/openapi.json", Public => ((), (), Empty) -> OpenApiDocument;
    GetSetup: GET "/setup", Public => ((), (), Empty) -> SetupStatus;
    /// Only while no administrator exists; logs the new administrator in.
    RunSetup: POST "/setup", Public => ((), (), SetupRequest) -> SessionInfo;
    Login: POST "/auth/login", Public => ((), (), LoginRequest) -> SessionInfo;
    Logout: POST "/auth/logout", Session => ((), (), Empty) -> Empty;
    GetMe: GET "/auth/me", Session => ((), (), Empty) -> SessionInfo;
    SavePreferences: PUT "/me/preferences", Session => ((), (), UpdatePreferences) -> SessionInfo;
    /// The user's other sessions end.
    ChangePassword: PUT "/me/password", SessionOnly => ((), (), ChangeOwnPassword) -> Empty;
    /// The caller's API tokens, newest first (never their secrets).
    ListOwnTokens: GET "/me/tokens", Session => ((), (), Empty) -> Vec<ApiToken>;
    /// 201 Created: the only answer that holds the token's secret.
    CreateOwnToken: POST "/me/tokens", SessionOnly => ((), (), CreateApiToken) -> CreatedApiToken;
    /// One of the caller's own tokens stops working at once.
    RevokeOwnToken: DELETE "/me/tokens/{id}", Session => (Id, (), Empty) -> Empty;
    /// Everyone's API tokens, newest first.
    ListTokens: GET "/tokens", needs(Permission::ManageUsers) => ((), (), Empty) -> Vec<ApiToken>;
    /// Anyone's token stops working at once.
    RevokeToken: DELETE "/tokens/{id}", needs(Permission::ManageUsers) => (Id, (), Empty) -> Empty;
    ListUsers: GET "/users", needs(Permission::ViewUsers) => ((), UserQuery, Empty) -> UserList;
    /// 201 Created.
    AddUser: POST "/users", needs(Permission::ManageUsers) => ((), (), CreateUser) -> User;
    /// CSV with [`USER_CSV_HEADER`].
    ExportUsers: GET "/users/export", needs(Permission::ViewUsers) => ((), CsvExportQuery, Empty) -> FileDownload;
    ImportUsers: POST "/users/import", needs(Permission::ManageUsers) => ((), (), CsvFile) -> ImportReport;
    GetUser: GET "/users/{id}", OwnOr(Permission::ViewUsers) => (Id, (), Empty) -> User;
    EditUser: PUT "/users/{id}", needs(Permission::ManageUsers) => (Id, (), UpdateUser) -> User;
    ResetUserPassword: POST "/users/{id}/password", needs(Permission::ManageUsers) => (Id, (), SetPassword) -> Empty;
    UnlockUser: POST "/users/{id}/unlock", needs(Permission::ManageUsers) => (Id, (), Empty) -> User;
    ListOrganizations: GET "/organizations", Session => ((), (), Empty) -> Vec<Organization>;
    /// 201 Created.
    AddOrganization: POST "/organizations", needs(Permission::ManageOrganizations) => ((), (), SaveOrganization) -> Organization;
    /// CSV with [`ORG_CSV_HEADER`].
    ExportOrganizations: GET "/organizations/export", Session => ((), CsvExportQuery, Empty) -> FileDownload;
    ImportOrganizations: POST "/organizations/import", needs(Permission::ManageOrganizations) => ((), (), CsvFile) -> ImportReport;
    EditOrganization: PUT "/organizations/{id}", needs(Permission::ManageOrganizations) => (Id, (), SaveOrganization) -> Organization;
    DeleteOrganization: DELETE "/organizations/{id}", needs(Permission::ManageOrganizations) => (Id, (), Empty) -> Empty;
    ListRoles: GET "/roles", Session => ((), (), Empty) -> Vec<Role>;
    /// 201 Created.
    AddRole: POST "/roles", needs(Permission::ManageRoles) => ((), (), SaveRole) -> Role;
    EditRole: PUT "/roles/{id}", needs(Permission::ManageRoles) => (Id, (), SaveRole) -> Role;
    DeleteRole: DELETE "/roles/{id}", needs(Permission::ManageRoles) => (Id, (), Empty) -> Empty;
    GetSettings: GET "/settings", Session => ((), (), Empty) -> SystemSettings;
    SaveSettings: PUT "/settings", needs(Permission::ManageSettings) => ((), (), SystemSettings) -> SystemSettings;
    GetRules: GET "/attendance/rules", Session => ((), (), Empty) -> AttendanceRules;
    SaveRules: PUT "/attendance/rules", needs(Permission::ManageSettings) => ((), (), AttendanceRules) -> AttendanceRules;
    ListRuleOverrides: GET "/attendance/rules/organizations", Session => ((), (), Empty) -> Vec<OrganizationRules>;
    SaveRuleOverride: PUT "/attendance/rules/organizations/{id}", needs(Permission::ManageSettings) => (Id, (), RulesOverride) -> RulesOverride;
    DeleteRuleOverride: DELETE "/attendance/rules/organizations/{id}", needs(Permission::ManageSettings) => (Id, (), Empty) -> Empty;
    GetTask: GET "/attendance/task", needs(Permission::ViewAttendance) => ((), (), Empty) -> TaskOverview;
    SaveTaskSettings: PUT "/attendance/task/settings", needs(Permission::ManageSettings) => ((), (), AttendanceTaskSettings) -> AttendanceTaskSettings;
    /// 202 Accepted.
    StartTask: POST "/attendance/task/run", needs(Permission::ManageSettings) => ((), (), RunTask) -> TaskRun;
    StopTask: POST "/attendance/task/stop", needs(Permission::ManageSettings) => ((), (), Empty) -> TaskOverview;
    /// Own records; others need attendance.view.
    GetTimesheet: GET "/attendance/timesheet", OwnOr(Permission::ViewAttendance) => ((), TimesheetQuery, Empty) -> Timesheet;
    /// Own records; others need attendance.view.
    GetReport: GET "/attendance/reports/{kind}", Session => (ReportKind, ReportQuery, Empty) -> Report;
    /// CSV or Excel.
    DownloadReport: GET "/attendance/reports/{kind}/download", Session => (ReportKind, ReportDownloadQuery, Empty) -> FileDownload;
    GetDisplay: GET "/attendance/display", Session => ((), (), Empty) -> DisplaySettings;
    SaveDisplay: PUT "/attendance/display", needs(Permission::ManageSettings) => ((), (), DisplaySettings) -> DisplaySettings;
    /// Own unless attendance.view.
    GetAgreement: GET "/attendance/agreement", Session => ((), AgreementQuery, Empty) -> AgreementReport;
    GetAgreementLimits: GET "/attendance/agreement/limits", Session => ((), (), Empty) -> AgreementLimits;
    SaveAgreementLimits: PUT "/attendance/agreement/limits", needs(Permission::ManageSettings) => ((), (), AgreementLimits) -> AgreementLimits;
    ListProfiles: GET "/attendance/profiles", needs(Permission::ManageSettings) => ((), (), Empty) -> Vec<OutputProfile>;
    /// 201 Created.
    AddProfile: POST "/attendance/profiles", needs(Permission::ManageSettings) => ((), (), OutputProfile) -> OutputProfile;
    /// Every enabled profile.
    RunAllProfiles: POST "/attendance/profiles/run", needs(Permission::ManageSettings) => ((), (), RunProfiles) -> ProfileRunReport;
    EditProfile: PUT "/attendance/profiles/{id}", needs(Permission::ManageSettings) => (Id, (), OutputProfile) -> OutputProfile;
    DeleteProfile: DELETE "/attendance/profiles/{id}", needs(Permission::ManageSettings) => (Id, (), Empty) -> Empty;
    /// 201 Created.
    CopyProfile: POST "/attendance/profiles/{id}/copy", needs(Permission::ManageSettings) => (Id, (), Empty) -> OutputProfile;
    RunProfile: POST "/attendance/profiles/{id}/run", needs(Permission::ManageSettings) => (Id, (), RunProfiles) -> ProfileRunReport;
    PreviewRules: POST "/attendance/rules/preview", needs(Permission::ManageSettings) => ((), (), RulesPreviewRequest) -> RulesPreview;
    /// The history of access-log imports (upload, command line, inbox), newest first.
    ListLogImports: GET "/attendance/imports", needs(Permission::ManageSettings) => ((), LogImportQuery, Empty) -> LogImportList;
    /// An access-log file's bytes, streamed to disk and imported; answers what it found.
    UploadLogFile: POST "/attendance/imports", needs(Permission::ManageSettings) => ((), LogUploadQuery, FileBytes) -> LogImport;
    /// National holidays and the company's.
    ListHolidays: GET "/attendance/holidays", Session => ((), HolidayQuery, Empty) -> Vec<HolidayEntry>;
    /// The client releases published (`kinmu release publish`), newest first.
    ListReleases: GET "/updates/releases", needs(Permission::ManageUpdates) => ((), (), Empty) -> ReleaseList;
    /// Offers this release to the clients of its platform (in place of the one offered before).
    OfferRelease: POST "/updates/releases/{id}/offer", needs(Permission::ManageUpdates) => (Id, (), Empty) -> Release;
    /// The projects the caller may see: their own, the ones they manage, all for an administrator.
    ListProjects: GET "/effort/projects", Session => ((), (), Empty) -> Vec<Project>;
    /// 201 Created; the creator manages it unless `manager_id` names another.
    AddProject: POST "/effort/projects", needs(Permission::ManageProjects) => ((), (), SaveProject) -> Project;
    /// Kinmu's projects CSV (activities, projects, members, work items), UTF-8 with BOM unless `?encoding=`.
    ExportProjects: GET "/effort/projects/export", needs(Permission::ManageProjects) => ((), CsvExportQuery, Empty) -> FileDownload;
    /// A projects CSV (UTF-8 or Shift_JIS): every good row stored, every bad one reported by line.
    ImportProjects: POST "/effort/projects/import", needs(Permission::ManageProjects) => ((), (), CsvFile) -> ImportReport;
    GetProject: GET "/effort/projects/{id}", Session => (Id, (), Empty) -> Project;
    /// Its manager or an administrator.
    EditProject: PUT "/effort/projects/{id}", needs(Permission::ManageProjects) => (Id, (), SaveProject) -> Project;
    EditProjectMembers: PUT "/effort/projects/{id}/members", needs(Permission::ManageProjects) => (Id, (), SaveProjectMembers) -> Project;
    /// 201 Created: the project as a template (settings, members, activities, work items).
    CopyProjectTemplate: POST "/effort/projects/{id}/copy", needs(Permission::ManageProjects) => (Id, (), CopyProject) -> Project;
    /// The project's work breakdown, parents before children.
    ListWorkItems: GET "/effort/projects/{id}/work-items", Session => (Id, (), Empty) -> Vec<WorkItem>;
    /// 201 Created.
    AddWorkItem: POST "/effort/projects/{id}/work-items", needs(Permission::ManageProjects) => (Id, (), SaveWorkItem) -> WorkItem;
    EditWorkItem: PUT "/effort/work-items/{id}", needs(Permission::ManageProjects) => (Id, (), SaveWorkItem) -> WorkItem;
    /// Only while no effort and no sub-item refers to it.
    DeleteWorkItem: DELETE "/effort/work-items/{id}", needs(Permission::ManageProjects) => (Id, (), Empty) -> Empty;
    ListActivities: GET "/effort/activities", Session => ((), (), Empty) -> Vec<Activity>;
    /// 201 Created.
    AddActivity: POST "/effort/activities", needs(Permission::ManageProjects) => ((), (), SaveActivity) -> Activity;
    EditActivity: PUT "/effort/activities/{id}", needs(Permission::ManageProjects) => (Id, (), SaveActivity) -> Activity;
    /// A person's week: entries and each day's attendance. Own; others need projects.manage.
    GetEffortWeek: GET "/effort/week", OwnOr(Permission::ManageProjects) => ((), WeekQuery, Empty) -> EffortWeek;
    /// Creates or changes the entry with the body's UUID (idempotent; a stale version is a conflict).
    StoreEntry: PUT "/effort/entries", needs(Permission::EnterEffort) => ((), (), SaveEntry) -> SaveEntryAnswer;
    /// Leaves a tombstone.
    RemoveEntry: POST "/effort/entries/delete", needs(Permission::EnterEffort) => ((), (), DeleteEntry) -> EffortEntry;
    /// An effort CSV (Kinmu's, or a Kimai, Toggl Track or Clockify time-entry export; UTF-8 or
    /// Shift_JIS), each row stored as a typed entry would be; every refused row reported by line.
    /// Others' rows need projects.manage on their project; `create_missing` needs projects.manage.
    ImportEffort: POST "/effort/entries/import", needs(Permission::EnterEffort) => ((), EffortImportQuery, CsvFile) -> EffortImportReport;
    /// The caller's running timer (null: none), with its minutes per day as of now.
    GetTimer: GET "/effort/timer", needs(Permission::EnterEffort) => ((), (), Empty) -> Option<RunningTimer>;
    /// 201 Created. Refused (`timer_running`) while one runs; checked as a save of today would be.
    StartEffortTimer: POST "/effort/timer", needs(Permission::EnterEffort) => ((), (), StartTimer) -> RunningTimer;
    /// Adds the running time to the row's entry of each day kept; `timer_crosses_midnight` when
    /// it ran past midnight and no choice is given; a refused save keeps the timer running.
    StopEffortTimer: POST "/effort/timer/stop", needs(Permission::EnterEffort) => ((), (), StopTimer) -> StoppedTimer;
    /// Stops the timer without storing anything.
    DiscardEffortTimer: DELETE "/effort/timer", needs(Permission::EnterEffort) => ((), (), Empty) -> Empty;
    /// Every change of an entry; its owner, approvers and administrators.
    GetEntryHistory: GET "/effort/entries/history", Session => ((), EntryHistoryQuery, Empty) -> Vec<EntryChange>;
    /// Own periods; those of the people one approves (`for_me`); others need projects.manage.
    ListPeriods: GET "/effort/periods", OwnOr(Permission::ManageProjects) => ((), PeriodQuery, Empty) -> Vec<EffortPeriod>;
    /// Refused while a marked gap lacks its reason.
    SubmitEffortPeriod: POST "/effort/periods/submit", needs(Permission::EnterEffort) => ((), (), SubmitPeriod) -> EffortPeriod;
    /// Locks the period; never one's own.
    /// The person's approver (named, else their organisation's manager up the tree) or an
    /// administrator; the service checks.
    ApprovePeriod: POST "/effort/periods/{id}/approve", Session => (Id, (), PeriodDecision) -> EffortPeriod;
    SendBackPeriod: POST "/effort/periods/{id}/send-back", Session => (Id, (), PeriodDecision) -> EffortPeriod;
    /// Every change of the period's state with its comment or reason; its person, approvers.
    GetPeriodHistory: GET "/effort/periods/{id}/history", Session => (Id, (), Empty) -> Vec<PeriodChange>;
    /// An administrator, with a reason that is kept.
    ReopenEffortPeriod: POST "/effort/periods/{id}/reopen", needs(Permission::ManageSettings) => (Id, (), ReopenPeriod) -> EffortPeriod;
    /// A person's marked days of a month with their reasons. Own; others need projects.manage.
    GetGaps: GET "/effort/gaps", OwnOr(Permission::ManageProjects) => ((), GapQuery, Empty) -> GapMonth;
    /// One's reason for a marked day.
    ExplainGapDay: PUT "/effort/gaps", needs(Permission::EnterEffort) => ((), (), ExplainGap) -> GapDay;
    ListGapReasons: GET "/effort/gap-reasons", Session => ((), (), Empty) -> Vec<GapReason>;
    /// 201 Created.
    AddGapReason: POST "/effort/gap-reasons", needs(Permission::ManageSettings) => ((), (), SaveGapReason) -> GapReason;
    EditGapReason: PUT "/effort/gap-reasons/{id}", needs(Permission::ManageSettings) => (Id, (), SaveGapReason) -> GapReason;
    /// The caller's week, missing days and periods (effort.enter).
    GetMyEffortDashboard: GET "/effort/dashboard", needs(Permission::EnterEffort) => ((), (), Empty) -> MyDashboard;
    /// What waits for the caller as an approver: periods, people's missing days, gaps without reasons.
    GetApproverDashboard: GET "/effort/dashboard/approver", Session => ((), (), Empty) -> ApproverDashboard;
    GetEffortSettings: GET "/effort/settings", Session => ((), (), Empty) -> EffortSettings;
    SaveEffortSettings: PUT "/effort/settings", needs(Permission::ManageSettings) => ((), (), EffortSettings) -> EffortSettings;
    /// Every organisation's gap threshold: its own or inherited.
    ListGapThresholds: GET "/effort/gap-thresholds", needs(Permission::ManageSettings) => ((), (), Empty) -> Vec<GapThreshold>;
    /// An organisation's own gap threshold (none: inherit again).
    SaveGapThreshold: PUT "/effort/gap-thresholds/{id}", needs(Permission::ManageSettings) => (Id, (), SetGapThreshold) -> GapThreshold;
    /// The monthly gap report of an organisation and the ones below it (or everyone).
    GetGapReport: GET "/effort/gap-report", needs(Permission::ManageProjects) => ((), GapReportQuery, Empty) -> GapReport;
    /// The gap report as CSV or Excel.
    DownloadGapReport: GET "/effort/gap-report/download", needs(Permission::ManageProjects) => ((), GapReportDownloadQuery, Empty) -> FileDownload;
    /// A project's plan against actual, earned value, cost and budgets as of today: its managers
    /// and administrators (members do not see it: it shows everybody's hours and cost).
    GetProjectPlan: GET "/effort/projects/{id}/plan", needs(Permission::ManageProjects) => (Id, (), Empty) -> ProjectPlan;
    /// The Gantt chart of a project's work breakdown as of today: planned bars rolled up the tree,
    /// effort per week along them, progress, milestones, late items; its managers and
    /// administrators.
    GetProjectSchedule: GET "/effort/projects/{id}/schedule", needs(Permission::ManageProjects) => (Id, (), Empty) -> ProjectSchedule;
    /// The plan as Excel (default) or CSV (the work items' sheet).
    DownloadProjectPlan: GET "/effort/projects/{id}/plan/download", needs(Permission::ManageProjects) => (Id, PlanDownloadQuery, Empty) -> FileDownload;
    /// Sets or removes the project's budget or a work item's; answers the plan.
    SetProjectBudget: PUT "/effort/projects/{id}/budget", needs(Permission::ManageProjects) => (Id, (), SetBudget) -> ProjectPlan;
    /// Every hourly cost rate (people's and roles', with their dates) and the budget warning share.
    ListCostRates: GET "/effort/cost-rates", needs(Permission::ManageProjects) => ((), (), Empty) -> CostRates;
    /// 201 Created. Refused when it overlaps another rate of the same person or role.
    AddCostRate: POST "/effort/cost-rates", needs(Permission::ManageProjects) => ((), (), SaveCostRate) -> CostRate;
    EditCostRate: PUT "/effort/cost-rates/{id}", needs(Permission::ManageProjects) => (Id, (), SaveCostRate) -> CostRate;
    DeleteCostRate: DELETE "/effort/cost-rates/{id}", needs(Permission::ManageProjects) => (Id, (), Empty) -> Empty;
    /// The share of a budget at which projects and work items are flagged.
    SaveCostSettings: PUT "/effort/cost-settings", needs(Permission::ManageSettings) => ((), (), CostSettings) -> CostSettings;
    /// The resource view: each person's planned hours from their assignments per week against
    /// their working hours, over-allocation marked.
    GetResources: GET "/effort/resources", needs(Permission::ManageProjects) => ((), ResourceQuery, Empty) -> ResourceView;
    /// The resource view as CSV (UTF-8 with BOM): a row per person and week.
    DownloadResources: GET "/effort/resources/download", needs(Permission::ManageProjects) => ((), ResourceQuery, Empty) -> FileDownload;
    /// The effort report of any period, grouped, filtered and rounded: everyone's for
    /// projects.manage, one's own otherwise (the service narrows and checks).
    GetEffortReport: GET "/effort/report", Session => ((), EffortReportQuery, Empty) -> EffortReport;
    /// The effort report as CSV or Excel.
    DownloadEffortReport: GET "/effort/report/download", Session => ((), EffortReportDownloadQuery, Empty) -> FileDownload;
    /// The client update policy, the offered version and the transfers now.
    GetUpdatePolicy: GET "/updates/policy", needs(Permission::ManageUpdates) => ((), (), Empty) -> UpdatePolicyView;
    /// Needs the administrator's password again in the body (the seed's management password).
    SaveUpdatePolicy: PUT "/updates/policy", needs(Permission::ManageUpdates) => ((), (), UpdatePolicyChange) -> UpdatePolicyView;
    /// A desktop client's check-in: what it must do when it starts, and a transfer slot or its
    /// place in the queue. No session: the client proves itself with the secret given at its first check-in.
    CheckInClient: POST "/updates/check", Public => ((), (), ClientCheckIn) -> CheckInAnswer;
    /// A step of a client's update; a report sent again with the same request id counts once.
    ReportUpdateEvent: POST "/updates/events", Public => ((), (), ClientEventReport) -> EventReceipt;
    /// The clients the server has seen, with the transfers and the queue.
    ListUpdateClients: GET "/updates/clients", needs(Permission::ManageUpdates) => ((), (), Empty) -> ClientList;
    ListUpdateRecords: GET "/updates/records", needs(Permission::ManageUpdates) => ((), UpdateRecordQuery, Empty) -> UpdateRecordList;
    /// CSV (UTF-8 with BOM unless `encoding` says utf-8 or shift_jis).
    ExportUpdateRecords: GET "/updates/records/export", needs(Permission::ManageUpdates) => ((), UpdateRecordQuery, Empty) -> FileDownload;
    /// Server-sent events: `clients`, whose data is a [`ClientList`], when it changes (checked
    /// every 2 seconds), while the caller's session lasts.
    WatchUpdateClients: GET "/updates/clients/live", needs(Permission::ManageUpdates) => ((), (), Empty) -> EventStream;
    /// The system log of client updates, newest first.
    ListUpdateLog: GET "/updates/log", needs(Permission::ManageUpdates) => ((), UpdateLogQuery, Empty) -> UpdateLogList;
}

/// The route with this method and path pattern (as the router matched it), if any.
pub fn find(method: &str, path: &str) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_and_path_is_listed_once() {
        assert_eq!(ROUTES.len(), 129);
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(a.path.starts_with('/'), "{a:?}");
            assert!(!ROUTES[i + 1..].iter().any(|b| a.method == b.method && a.path == b.path), "{a:?} is listed twice");
        }
        assert_eq!(find("get", "/users").map(|r| r.access), Some(Access::Permission(Permission::ViewUsers)));
        assert_eq!(find("PATCH", "/users"), None);
    }

    #[test]
    fn paths_are_rendered_from_their_parameters() {
        assert_eq!(ListUsers::path(&()), "/users");
        assert_eq!(ResetUserPassword::path(&7), "/users/7/password");
        assert_eq!(DownloadReport::path(&ReportKind::Daily), "/attendance/reports/daily/download");
    }

    #[test]
    fn queries_survive_the_query_string() {
        fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: T) {
            let text = serde_urlencoded::to_string(&v).unwrap();
            assert_eq!(serde_urlencoded::from_str::<T>(&text).unwrap(), v, "{text}");
        }
        assert_eq!(serde_urlencoded::to_string(()).unwrap(), "");
        round_trip(UserQuery { q: Some("a b&c".into()), organization_id: Some(3), include_disabled: true, limit: Some(20), offset: None });
        round_trip(UserQuery::default());
        round_trip(TimesheetQuery { user: None, month: "2025-04".into() });
        round_trip(AgreementQuery { month: "2025-04".into(), organization_id: Some(2), user: Some("OSAKA\\kato".into()) });
        round_trip(HolidayQuery { year: 2025 });
        round_trip(WeekQuery { week: "2026-W49".into(), user: Some("kato".into()) });
        round_trip(GapQuery { month: "2026-11".into(), user: None });
        round_trip(PeriodQuery { user: None, waiting: true, ..Default::default() });
        round_trip(PeriodQuery {
            state: Some(crate::effort::PeriodState::Approved),
            month: Some("2026-11".into()),
            organization_id: Some(3),
            for_me: true,
            ..Default::default()
        });
        round_trip(EntryHistoryQuery { id: "0b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f".into() });
        let q = ReportQuery {
            month: Some("2025-04".into()),
            organization_id: Some(2),
            ranking: Some(RankingItem::LateCount),
            sort: Some("-a,b".into()),
            ..Default::default()
        };
        assert_eq!(serde_urlencoded::to_string(&q).unwrap(), "month=2025-04&organization_id=2&ranking=late_count&sort=-a%2Cb");
        round_trip(q.clone());
        round_trip(ReportDownloadQuery { query: q, format: Some("xlsx".into()), encoding: None });
    }
}
