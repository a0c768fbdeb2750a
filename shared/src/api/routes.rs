//! The API's route table: every route of `/api/v1` with the access it needs. The server builds
//! its router against this table (a route missing from it, or listed but not served, stops the
//! server at start) and refuses a request whose caller lacks the route's access before reading
//! its body; the services check again, for every other path (command line, imports).

use crate::Permission;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not (health, setup, login).
    Public,
    /// Any logged-in user; the service narrows what they see (a member's reports hold their own
    /// rows only).
    Session,
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

const fn route(method: &'static str, path: &'static str, access: Access) -> RouteSpec {
    RouteSpec { method, path, access }
}

use Access::{Public, Session};
const fn needs(p: Permission) -> Access {
    Access::Permission(p)
}

/// Every route of the API.
pub const ROUTES: &[RouteSpec] = &[
    route("GET", "/health", Public),
    route("GET", "/setup", Public),
    route("POST", "/setup", Public),
    route("POST", "/auth/login", Public),
    route("POST", "/auth/logout", Session),
    route("GET", "/auth/me", Session),
    route("PUT", "/me/preferences", Session),
    route("PUT", "/me/password", Session),
    route("GET", "/users", needs(Permission::ViewUsers)),
    route("POST", "/users", needs(Permission::ManageUsers)),
    route("GET", "/users/export", needs(Permission::ViewUsers)),
    route("POST", "/users/import", needs(Permission::ManageUsers)),
    route("GET", "/users/{id}", Access::OwnOr(Permission::ViewUsers)),
    route("PUT", "/users/{id}", needs(Permission::ManageUsers)),
    route("POST", "/users/{id}/password", needs(Permission::ManageUsers)),
    route("POST", "/users/{id}/unlock", needs(Permission::ManageUsers)),
    route("GET", "/organizations", Session),
    route("POST", "/organizations", needs(Permission::ManageOrganizations)),
    route("GET", "/organizations/export", Session),
    route("POST", "/organizations/import", needs(Permission::ManageOrganizations)),
    route("PUT", "/organizations/{id}", needs(Permission::ManageOrganizations)),
    route("DELETE", "/organizations/{id}", needs(Permission::ManageOrganizations)),
    route("GET", "/roles", Session),
    route("POST", "/roles", needs(Permission::ManageRoles)),
    route("PUT", "/roles/{id}", needs(Permission::ManageRoles)),
    route("DELETE", "/roles/{id}", needs(Permission::ManageRoles)),
    route("GET", "/settings", Session),
    route("PUT", "/settings", needs(Permission::ManageSettings)),
    route("GET", "/attendance/rules", Session),
    route("PUT", "/attendance/rules", needs(Permission::ManageSettings)),
    route("GET", "/attendance/rules/organizations", Session),
    route("PUT", "/attendance/rules/organizations/{id}", needs(Permission::ManageSettings)),
    route("DELETE", "/attendance/rules/organizations/{id}", needs(Permission::ManageSettings)),
    route("GET", "/attendance/task", needs(Permission::ViewAttendance)),
    route("PUT", "/attendance/task/settings", needs(Permission::ManageSettings)),
    route("POST", "/attendance/task/run", needs(Permission::ManageSettings)),
    route("POST", "/attendance/task/stop", needs(Permission::ManageSettings)),
    route("GET", "/attendance/timesheet", Access::OwnOr(Permission::ViewAttendance)),
    route("GET", "/attendance/reports/{kind}", Session),
    route("GET", "/attendance/reports/{kind}/download", Session),
    route("GET", "/attendance/display", Session),
    route("PUT", "/attendance/display", needs(Permission::ManageSettings)),
    route("GET", "/attendance/agreement", Session),
    route("GET", "/attendance/agreement/limits", Session),
    route("PUT", "/attendance/agreement/limits", needs(Permission::ManageSettings)),
    route("GET", "/attendance/profiles", needs(Permission::ManageSettings)),
    route("POST", "/attendance/profiles", needs(Permission::ManageSettings)),
    route("POST", "/attendance/profiles/run", needs(Permission::ManageSettings)),
    route("PUT", "/attendance/profiles/{id}", needs(Permission::ManageSettings)),
    route("DELETE", "/attendance/profiles/{id}", needs(Permission::ManageSettings)),
    route("POST", "/attendance/profiles/{id}/copy", needs(Permission::ManageSettings)),
    route("POST", "/attendance/profiles/{id}/run", needs(Permission::ManageSettings)),
    route("POST", "/attendance/rules/preview", needs(Permission::ManageSettings)),
    route("GET", "/attendance/holidays", Session),
];

/// The route with this method and path pattern (as the router matched it), if any.
pub fn find(method: &str, path: &str) -> Option<&'static RouteSpec> {
    ROUTES.iter().find(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_method_and_path_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(a.path.starts_with('/'), "{a:?}");
            assert!(!ROUTES[i + 1..].iter().any(|b| a.method == b.method && a.path == b.path), "{a:?} is listed twice");
        }
        assert_eq!(find("get", "/users").map(|r| r.access), Some(Access::Permission(Permission::ViewUsers)));
        assert_eq!(find("PATCH", "/users"), None);
    }
}
