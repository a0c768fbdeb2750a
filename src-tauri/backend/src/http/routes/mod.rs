//! The API's routes, one file per subject. Each route is served against its entry in
//! [`kinmu_shared::api::routes::ROUTES`], which says who may call it.

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
use axum::handler::Handler;
use axum::http::{Method, Uri};
use axum::routing::{MethodFilter, on};
use kinmu_shared::api::routes::ROUTES;

use super::SharedState;
use crate::error::Error;

pub fn api_routes() -> Router<SharedState> {
    RouteTable::default()
        .serve(Method::GET, "/health", health::health)
        .serve(Method::GET, "/setup", setup::status)
        .serve(Method::POST, "/setup", setup::run)
        .serve(Method::POST, "/auth/login", auth::login)
        .serve(Method::POST, "/auth/logout", auth::logout)
        .serve(Method::GET, "/auth/me", auth::me)
        .serve(Method::PUT, "/me/preferences", auth::preferences)
        .serve(Method::PUT, "/me/password", auth::change_password)
        .serve(Method::GET, "/users", users::list)
        .serve(Method::POST, "/users", users::create)
        .serve(Method::GET, "/users/export", users::export)
        .serve(Method::POST, "/users/import", users::import)
        .serve(Method::GET, "/users/{id}", users::get)
        .serve(Method::PUT, "/users/{id}", users::update)
        .serve(Method::POST, "/users/{id}/password", users::set_password)
        .serve(Method::POST, "/users/{id}/unlock", users::unlock)
        .serve(Method::GET, "/organizations", organizations::list)
        .serve(Method::POST, "/organizations", organizations::create)
        .serve(Method::GET, "/organizations/export", organizations::export)
        .serve(Method::POST, "/organizations/import", organizations::import)
        .serve(Method::PUT, "/organizations/{id}", organizations::update)
        .serve(Method::DELETE, "/organizations/{id}", organizations::delete)
        .serve(Method::GET, "/roles", roles::list)
        .serve(Method::POST, "/roles", roles::create)
        .serve(Method::PUT, "/roles/{id}", roles::update)
        .serve(Method::DELETE, "/roles/{id}", roles::delete)
        .serve(Method::GET, "/settings", settings::get)
        .serve(Method::PUT, "/settings", settings::put)
        .serve(Method::GET, "/attendance/rules", attendance::rules)
        .serve(Method::PUT, "/attendance/rules", attendance::save_rules)
        .serve(Method::GET, "/attendance/rules/organizations", attendance::overrides)
        .serve(Method::PUT, "/attendance/rules/organizations/{id}", attendance::save_override)
        .serve(Method::DELETE, "/attendance/rules/organizations/{id}", attendance::delete_override)
        .serve(Method::GET, "/attendance/task", attendance::task)
        .serve(Method::PUT, "/attendance/task/settings", attendance::save_task_settings)
        .serve(Method::POST, "/attendance/task/run", attendance::run_task)
        .serve(Method::POST, "/attendance/task/stop", attendance::stop_task)
        .serve(Method::GET, "/attendance/timesheet", attendance::timesheet)
        .serve(Method::GET, "/attendance/reports/{kind}", attendance_reports::table)
        .serve(Method::GET, "/attendance/reports/{kind}/download", attendance_reports::download)
        .serve(Method::GET, "/attendance/display", attendance_reports::display)
        .serve(Method::PUT, "/attendance/display", attendance_reports::save_display)
        .serve(Method::GET, "/attendance/agreement", attendance_reports::agreement_report)
        .serve(Method::GET, "/attendance/profiles", output_profiles::list)
        .serve(Method::POST, "/attendance/profiles", output_profiles::create)
        .serve(Method::POST, "/attendance/profiles/run", output_profiles::run_all)
        .serve(Method::PUT, "/attendance/profiles/{id}", output_profiles::update)
        .serve(Method::DELETE, "/attendance/profiles/{id}", output_profiles::delete)
        .serve(Method::POST, "/attendance/profiles/{id}/copy", output_profiles::copy)
        .serve(Method::POST, "/attendance/profiles/{id}/run", output_profiles::run_one)
        .serve(Method::POST, "/attendance/rules/preview", output_profiles::preview)
        .serve(Method::GET, "/attendance/holidays", output_profiles::holidays)
        .serve(Method::GET, "/attendance/agreement/limits", attendance_reports::agreement_limits)
        .serve(Method::PUT, "/attendance/agreement/limits", attendance_reports::save_agreement_limits)
        .finish()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// The router under construction and the routes it serves, to be checked against the shared
/// table: a served route missing from the table would have no access rule, and a listed route
/// without a handler would be a promise the server does not keep.
#[derive(Default)]
struct RouteTable {
    router: Router<SharedState>,
    served: Vec<(Method, &'static str)>,
}

impl RouteTable {
    fn serve<H: Handler<T, SharedState>, T: 'static>(mut self, method: Method, path: &'static str, handler: H) -> Self {
        let filter = MethodFilter::try_from(method.clone()).expect("the API's methods are GET, POST, PUT and DELETE");
        self.router = self.router.route(path, on(filter, handler));
        self.served.push((method, path));
        self
    }

    /// The router, once every served route is in the shared table and every listed one is served.
    fn finish(self) -> Router<SharedState> {
        let unlisted: Vec<String> = self
            .served
            .iter()
            .filter(|(m, p)| kinmu_shared::api::routes::find(m.as_str(), p).is_none())
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        let unserved: Vec<String> = ROUTES
            .iter()
            .filter(|r| !self.served.iter().any(|(m, p)| m.as_str() == r.method && *p == r.path))
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert!(
            unlisted.is_empty() && unserved.is_empty(),
            "the router and kinmu_shared::api::routes::ROUTES disagree: served but not listed {unlisted:?}; listed but not served {unserved:?}"
        );
        self.router
    }
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

#[cfg(test)]
mod tests {
    #[test]
    fn every_served_route_is_in_the_shared_table_and_back() {
        // finish() panics when they disagree.
        let _ = super::api_routes();
    }
}
