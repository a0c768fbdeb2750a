//! A small router: the page is a signal, kept in step with the address bar through
//! `history.pushState` and `popstate`. Paths are relative to the base path.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};

use crate::api_client::base_path;
use crate::app_state::app;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Setup,
    Login,
    Home,
    Users,
    Organizations,
    Roles,
    Settings,
    /// Client updates: the policy, the clients, the records and the log.
    Updates,
    Preferences,
    Connection,
    /// The attendance console (every logged-in user; members see themselves).
    Attendance,
    AttendanceTask,
    /// Access-log imports: upload and history.
    LogImports,
    AttendanceRules,
    Holidays,
    AttendanceDisplay,
    OutputProfiles,
    /// Projects and their work breakdown (projects.manage).
    EffortProjects,
    /// Effort periods waiting for approval, and a person's periods (projects.manage).
    EffortApprovals,
    /// The monthly gap report (projects.manage).
    EffortGaps,
    /// Bringing effort history in from a CSV (effort.enter; others' rows need projects.manage).
    EffortImport,
    /// A project's plan against actual, cost and budgets (projects.manage; `?project=ID`).
    EffortPlan,
    /// A project's Gantt chart and its planned dates (projects.manage; `?project=ID`).
    EffortGantt,
    /// The effort report over any period (projects.manage).
    EffortReport,
    EffortResources,
    /// Activities, gap reasons and the effort settings (settings.manage).
    EffortSettings,
    /// The person's effort week (effort.enter).
    Effort,
    NotFound,
}

impl Route {
    pub fn path(self) -> &'static str {
        match self {
            Route::Setup => "/setup",
            Route::Login => "/login",
            Route::Home => "/",
            Route::Users => "/admin/users",
            Route::Organizations => "/admin/organizations",
            Route::Roles => "/admin/roles",
            Route::Settings => "/admin/settings",
            Route::Updates => "/admin/updates",
            Route::Preferences => "/preferences",
            Route::Connection => "/connection",
            Route::Attendance => "/attendance",
            Route::AttendanceTask => "/attendance/task",
            Route::LogImports => "/attendance/imports",
            Route::AttendanceRules => "/attendance/rules",
            Route::Holidays => "/attendance/holidays",
            Route::AttendanceDisplay => "/attendance/display",
            Route::OutputProfiles => "/attendance/profiles",
            Route::EffortProjects => "/effort/projects",
            Route::EffortApprovals => "/effort/approvals",
            Route::EffortGaps => "/effort/gap-report",
            Route::EffortImport => "/effort/import",
            Route::EffortPlan => "/effort/plan",
            Route::EffortGantt => "/effort/gantt",
            Route::EffortReport => "/effort/report",
            Route::EffortResources => "/effort/resources",
            Route::EffortSettings => "/effort/settings",
            Route::Effort => "/effort",
            Route::NotFound => "/404",
        }
    }

    pub fn from_path(path: &str) -> Route {
        let p = path.trim_end_matches('/');
        match if p.is_empty() { "/" } else { p } {
            "/" => Route::Home,
            "/setup" => Route::Setup,
            "/login" => Route::Login,
            "/admin" | "/admin/users" => Route::Users,
            "/admin/organizations" => Route::Organizations,
            "/admin/roles" => Route::Roles,
            "/admin/settings" => Route::Settings,
            "/admin/updates" => Route::Updates,
            "/preferences" => Route::Preferences,
            "/connection" => Route::Connection,
            "/attendance" => Route::Attendance,
            "/attendance/task" => Route::AttendanceTask,
            "/attendance/imports" => Route::LogImports,
            "/attendance/rules" => Route::AttendanceRules,
            "/attendance/holidays" => Route::Holidays,
            "/attendance/display" => Route::AttendanceDisplay,
            "/attendance/profiles" => Route::OutputProfiles,
            "/effort/projects" => Route::EffortProjects,
            "/effort/approvals" => Route::EffortApprovals,
            "/effort/gap-report" => Route::EffortGaps,
            "/effort/import" => Route::EffortImport,
            "/effort/plan" => Route::EffortPlan,
            "/effort/gantt" => Route::EffortGantt,
            "/effort/report" => Route::EffortReport,
            "/effort/resources" => Route::EffortResources,
            "/effort/settings" => Route::EffortSettings,
            "/effort" => Route::Effort,
            _ => Route::NotFound,
        }
    }

    /// Pages that need no session.
    pub fn is_public(self) -> bool {
        matches!(self, Route::Setup | Route::Login | Route::Connection)
    }

    pub fn href(self) -> String {
        let base = base_path();
        // Under a base path the home page is "/kinmu", not "/kinmu/".
        if self == Route::Home && !base.is_empty() { base } else { format!("{base}{}", self.path()) }
    }
}

/// The page the address bar names, relative to the base path.
pub fn current() -> Route {
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    let base = base_path();
    let rel = path.strip_prefix(base.as_str()).unwrap_or(&path);
    // The desktop shell may serve index.html under its own name.
    if rel.ends_with("index.html") {
        return Route::Home;
    }
    Route::from_path(rel)
}

/// Goes to a page, adding a history entry.
pub fn navigate(route: Route) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok())
        && current() != route
    {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&route.href()));
    }
    app().route.set(route);
}

/// Goes to a page with a query string (`week=2026-W49`), adding a history entry: the page reads
/// it with [`query_param`] when it is built.
pub fn navigate_with_query(route: Route, query: &str) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{}?{query}", route.href())));
    }
    app().route.set(route);
}

/// A parameter of the address's query string.
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window().and_then(|w| w.location().search().ok())?;
    search.trim_start_matches('?').split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
}

/// The address's query string, without its "?" (still percent-encoded).
pub fn query_string() -> String {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search.trim_start_matches('?').to_string()
}

/// Writes a page's state into the address's query string (`query`, encoded), the page staying
/// as it is: a new history entry when `push` (back then returns to the previous state: the
/// page is built again from the address), else replacing the current address.
pub fn set_query(query: &str, push: bool) {
    let Some(h) = web_sys::window().and_then(|w| w.history().ok()) else { return };
    let url = format!("{}?{query}", current().href());
    let _ = if push {
        h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
    } else {
        h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
    };
}

/// Replaces the address without a history entry (redirects).
pub fn redirect(route: Route) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&route.href()));
    }
    app().route.set(route);
}

/// Follows the back and forward buttons.
pub fn listen_popstate() {
    let cb = Closure::<dyn Fn()>::new(|| app().route.set(current()));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("popstate", cb.as_ref().unchecked_ref());
    }
    cb.forget();
}

/// An in-app link: a real `<a href>` (works with keyboard, middle-click) that navigates
/// without reloading.
/// The attendance administration pages, reached from one header entry.
pub const ATTENDANCE_ADMIN: &[Route] =
    &[Route::AttendanceRules, Route::Holidays, Route::LogImports, Route::AttendanceTask, Route::AttendanceDisplay, Route::OutputProfiles];

#[component]
pub fn Link(
    route: Route,
    children: Children,
    #[prop(optional, into)] testid: String,
    /// Other pages for which this link counts as the current one (a section's entry).
    #[prop(optional)]
    current_also: &'static [Route],
) -> impl IntoView {
    let current = move || {
        let r = app().route.get();
        r == route || current_also.contains(&r)
    };
    view! {
        <a
            href=route.href()
            data-testid=testid
            aria-current=move || if current() { Some("page") } else { None }
            on:click=move |ev: leptos::ev::MouseEvent| {
                if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                    return;
                }
                ev.prevent_default();
                navigate(route);
            }
        >
            {children()}
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn paths_round_trip() {
        for r in [
            Route::Setup,
            Route::Login,
            Route::Home,
            Route::Users,
            Route::Organizations,
            Route::Roles,
            Route::Settings,
            Route::Updates,
            Route::Preferences,
            Route::Connection,
            Route::Attendance,
            Route::AttendanceTask,
            Route::LogImports,
            Route::AttendanceRules,
            Route::Holidays,
            Route::AttendanceDisplay,
            Route::OutputProfiles,
            Route::EffortProjects,
            Route::EffortApprovals,
            Route::EffortGaps,
            Route::EffortImport,
            Route::EffortPlan,
            Route::EffortGantt,
            Route::EffortReport,
            Route::EffortResources,
            Route::EffortSettings,
            Route::Effort,
        ] {
            assert_eq!(Route::from_path(r.path()), r);
        }
        assert_eq!(Route::from_path(""), Route::Home);
        assert_eq!(Route::from_path("/admin/users/"), Route::Users);
        assert_eq!(Route::from_path("/nope"), Route::NotFound);
    }
}
