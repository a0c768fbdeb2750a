//! The API's routes, one file per subject. Each is served through its type in
//! [`kinmu_shared::api::routes`], which says who may call it and what it takes and answers.

mod api_tokens;
mod attendance;
mod attendance_reports;
mod auth;
mod effort;
mod effort_plan;
mod effort_resources;
mod health;
mod log_imports;
mod openapi;
mod organizations;
mod output_profiles;
mod releases;
mod roles;
mod settings;
mod setup;
mod updates;
mod users;

use axum::Router;
use axum::handler::Handler;
use axum::http::{Method, Uri};
use axum::routing::{MethodFilter, on};
use kinmu_shared::api::routes::{self as api, Endpoint, ROUTES, RouteSpec, Serves};
use kinmu_shared::messages::Text;

use super::SharedState;
use super::endpoint::EndpointHandler;
use crate::error::Error;

/// Each route's handler: `Route => handler`. A route of the shared table left out here, or a
/// handler whose extractors or answer disagree with its route's types, does not compile.
macro_rules! handlers {
    ($($endpoint:ident => $handler:path,)*) => {
        $(impl Serves<api::$endpoint> for RouteTable {
            fn serve(self) -> Self {
                self.route::<api::$endpoint, _, _, _>($handler)
            }
        })*
    };
}

handlers! {
    GetHealth => health::health,
    GetOpenApi => openapi::document,
    GetSetup => setup::status,
    RunSetup => setup::run,
    Login => auth::login,
    Logout => auth::logout,
    GetMe => auth::me,
    SavePreferences => auth::preferences,
    ChangePassword => auth::change_password,
    ListOwnTokens => api_tokens::list_own,
    CreateOwnToken => api_tokens::create,
    RevokeOwnToken => api_tokens::revoke_own,
    ListTokens => api_tokens::list_all,
    RevokeToken => api_tokens::revoke_any,
    ListUsers => users::list,
    AddUser => users::create,
    ExportUsers => users::export,
    ImportUsers => users::import,
    GetUser => users::get,
    EditUser => users::update,
    ResetUserPassword => users::set_password,
    UnlockUser => users::unlock,
    ListOrganizations => organizations::list,
    AddOrganization => organizations::create,
    ExportOrganizations => organizations::export,
    ImportOrganizations => organizations::import,
    EditOrganization => organizations::update,
    DeleteOrganization => organizations::delete,
    ListRoles => roles::list,
    AddRole => roles::create,
    EditRole => roles::update,
    DeleteRole => roles::delete,
    GetSettings => settings::get,
    SaveSettings => settings::put,
    GetRules => attendance::rules,
    SaveRules => attendance::save_rules,
    ListRuleOverrides => attendance::overrides,
    SaveRuleOverride => attendance::save_override,
    DeleteRuleOverride => attendance::delete_override,
    GetTask => attendance::task,
    SaveTaskSettings => attendance::save_task_settings,
    StartTask => attendance::run_task,
    StopTask => attendance::stop_task,
    GetTimesheet => attendance::timesheet,
    GetReport => attendance_reports::table,
    DownloadReport => attendance_reports::download,
    GetDisplay => attendance_reports::display,
    SaveDisplay => attendance_reports::save_display,
    GetAgreement => attendance_reports::agreement_report,
    GetAgreementLimits => attendance_reports::agreement_limits,
    SaveAgreementLimits => attendance_reports::save_agreement_limits,
    ListProfiles => output_profiles::list,
    AddProfile => output_profiles::create,
    RunAllProfiles => output_profiles::run_all,
    EditProfile => output_profiles::update,
    DeleteProfile => output_profiles::delete,
    CopyProfile => output_profiles::copy,
    RunProfile => output_profiles::run_one,
    PreviewRules => output_profiles::preview,
    ListLogImports => log_imports::list,
    UploadLogFile => log_imports::upload,
    ListHolidays => output_profiles::holidays,
    ListReleases => releases::list,
    OfferRelease => releases::offer,
    ListProjects => effort::list_projects,
    AddProject => effort::add_project,
    ExportProjects => effort::export_projects,
    ImportProjects => effort::import_projects,
    GetProject => effort::get_project,
    EditProject => effort::edit_project,
    EditProjectMembers => effort::edit_members,
    CopyProjectTemplate => effort::copy_project,
    ListWorkItems => effort::list_work_items,
    AddWorkItem => effort::add_work_item,
    EditWorkItem => effort::edit_work_item,
    DeleteWorkItem => effort::delete_work_item,
    ListActivities => effort::list_activities,
    AddActivity => effort::add_activity,
    EditActivity => effort::edit_activity,
    GetEffortWeek => effort::get_week,
    StoreEntry => effort::save_entry,
    RemoveEntry => effort::delete_entry,
    ImportEffort => effort::import_entries,
    GetTimer => effort::get_timer,
    StartEffortTimer => effort::start_timer,
    StopEffortTimer => effort::stop_timer,
    DiscardEffortTimer => effort::discard_timer,
    GetEntryHistory => effort::entry_history,
    ListPeriods => effort::list_periods,
    GetMyEffortDashboard => effort::my_dashboard,
    GetApproverDashboard => effort::approver_dashboard,
    SubmitEffortPeriod => effort::submit_period,
    ApprovePeriod => effort::approve_period,
    SendBackPeriod => effort::send_back_period,
    GetPeriodHistory => effort::period_history,
    ReopenEffortPeriod => effort::reopen_period,
    GetGaps => effort::get_gaps,
    ExplainGapDay => effort::explain_gap,
    ListGapReasons => effort::list_gap_reasons,
    AddGapReason => effort::add_gap_reason,
    EditGapReason => effort::edit_gap_reason,
    GetEffortSettings => effort::get_settings,
    SaveEffortSettings => effort::save_settings,
    ListGapThresholds => effort::list_gap_thresholds,
    SaveGapThreshold => effort::save_gap_threshold,
    GetGapReport => effort::gap_report,
    DownloadGapReport => effort::download_gap_report,
    GetProjectPlan => effort_plan::project_plan,
    DownloadProjectPlan => effort_plan::download_plan,
    GetProjectSchedule => effort_plan::project_schedule,
    SetProjectBudget => effort_plan::set_budget,
    ListCostRates => effort_plan::list_rates,
    AddCostRate => effort_plan::add_rate,
    EditCostRate => effort_plan::edit_rate,
    DeleteCostRate => effort_plan::delete_rate,
    SaveCostSettings => effort_plan::save_settings,
    GetResources => effort_resources::view,
    DownloadResources => effort_resources::download,
    GetEffortReport => effort::effort_report,
    DownloadEffortReport => effort::download_effort_report,
    GetUpdatePolicy => updates::policy,
    SaveUpdatePolicy => updates::save_policy,
    CheckInClient => updates::check_in,
    ReportUpdateEvent => updates::report_event,
    ListUpdateClients => updates::clients,
    ListUpdateRecords => updates::records,
    ExportUpdateRecords => updates::export_records,
    WatchUpdateClients => updates::watch_clients,
    ListUpdateLog => updates::log,
}

/// The status each route answers on success, from its handler (for the OpenAPI document).
pub fn success_statuses() -> Vec<(RouteSpec, u16)> {
    api::serve_all(RouteTable::default()).served
}

pub fn api_routes() -> Router<SharedState> {
    api::serve_all(RouteTable::default()).finish().fallback(not_found).method_not_allowed_fallback(method_not_allowed)
}

/// The router under construction and the routes it serves.
#[derive(Default)]
pub struct RouteTable {
    router: Router<SharedState>,
    /// Each route served, with its answer's status on success (from its handler's answer type).
    served: Vec<(RouteSpec, u16)>,
}

impl RouteTable {
    /// Serves route `E` with `handler`, which must take and answer `E`'s types.
    fn route<E: Endpoint, Args, H, T>(mut self, handler: H) -> Self
    where
        H: EndpointHandler<E, Args> + Handler<T, SharedState>,
        T: 'static,
    {
        let method = Method::from_bytes(E::ROUTE.method.as_bytes()).expect("the route table's methods are HTTP methods");
        let filter = MethodFilter::try_from(method).expect("the API's methods are GET, POST, PUT and DELETE");
        self.router = self.router.route(E::ROUTE.path, on(filter, handler));
        self.served.push((E::ROUTE, <H as EndpointHandler<E, Args>>::STATUS));
        self
    }

    /// The router, once it serves each route of the table exactly once (the access check relies on
    /// every served route being in the table).
    fn finish(self) -> Router<SharedState> {
        let mismatched: Vec<String> = ROUTES
            .iter()
            .filter(|r| self.served.iter().filter(|(s, _)| s == *r).count() != 1)
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert!(
            mismatched.is_empty() && self.served.len() == ROUTES.len(),
            "the router serves these routes of kinmu_shared::api::routes::ROUTES other than once: {mismatched:?}"
        );
        self.router
    }
}

async fn not_found(uri: Uri) -> Error {
    Error::NotFound(Text::new(
        format!("no API route {}: see the route table in the README", uri.path()),
        format!("API のルート「{}」はありません。README のルート一覧を見てください。", uri.path()),
    ))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Error {
    Error::MethodNotAllowed(Text::new(
        format!("{} does not accept {method}", uri.path()),
        format!("「{}」は {method} を受け付けません。", uri.path()),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_served_route_is_in_the_shared_table_and_back() {
        // finish() panics when they disagree.
        let _ = super::api_routes();
    }
}
