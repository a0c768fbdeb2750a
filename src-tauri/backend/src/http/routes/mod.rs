//! The API's routes, one file per subject. See `kinmu_shared::api` for the table of routes.

mod attendance;
mod attendance_reports;
mod auth;
mod health;
mod organizations;
mod output_profiles;
mod roles;
mod settings;
mod setup;
mod users;

use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::{get, post, put};

use super::SharedState;
use crate::error::Error;

pub fn api_routes() -> Router<SharedState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/setup", get(setup::status).post(setup::run))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/me/preferences", put(auth::preferences))
        .route("/users", get(users::list).post(users::create))
        .route("/users/export", get(users::export))
        .route("/users/import", post(users::import))
        .route("/users/{id}", get(users::get).put(users::update))
        .route("/users/{id}/password", post(users::set_password))
        .route("/users/{id}/unlock", post(users::unlock))
        .route("/organizations", get(organizations::list).post(organizations::create))
        .route("/organizations/export", get(organizations::export))
        .route("/organizations/import", post(organizations::import))
        .route("/organizations/{id}", put(organizations::update).delete(organizations::delete))
        .route("/roles", get(roles::list).post(roles::create))
        .route("/roles/{id}", put(roles::update).delete(roles::delete))
        .route("/settings", get(settings::get).put(settings::put))
        .route("/attendance/rules", get(attendance::rules).put(attendance::save_rules))
        .route("/attendance/rules/organizations", get(attendance::overrides))
        .route(
            "/attendance/rules/organizations/{id}",
            put(attendance::save_override).delete(attendance::delete_override),
        )
        .route("/attendance/task", get(attendance::task))
        .route("/attendance/task/settings", put(attendance::save_task_settings))
        .route("/attendance/task/run", post(attendance::run_task))
        .route("/attendance/task/stop", post(attendance::stop_task))
        .route("/attendance/timesheet", get(attendance::timesheet))
        .route("/attendance/reports/{kind}", get(attendance_reports::table))
        .route("/attendance/reports/{kind}/download", get(attendance_reports::download))
        .route("/attendance/display", get(attendance_reports::display).put(attendance_reports::save_display))
        .route("/attendance/agreement", get(attendance_reports::agreement_report))
        .route("/attendance/profiles", get(output_profiles::list).post(output_profiles::create))
        .route("/attendance/profiles/run", post(output_profiles::run_all))
        .route("/attendance/profiles/{id}", put(output_profiles::update).delete(output_profiles::delete))
        .route("/attendance/profiles/{id}/copy", post(output_profiles::copy))
        .route("/attendance/profiles/{id}/run", post(output_profiles::run_one))
        .route("/attendance/rules/preview", post(output_profiles::preview))
        .route("/attendance/holidays", get(output_profiles::holidays))
        .route(
            "/attendance/agreement/limits",
            get(attendance_reports::agreement_limits).put(attendance_reports::save_agreement_limits),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found(uri: Uri) -> Error {
    Error::NotFound(format!("no API route {}: see the route table in the README", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> Error {
    Error::MethodNotAllowed(format!("{} does not accept {method}", uri.path()))
}

/// CSV downloads: UTF-8 with BOM, named for the browser's save dialog.
fn csv_download(name: &str, body: String) -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
}
