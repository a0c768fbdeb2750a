//! Application-wide reactive state: who is logged in, the UI language, the current page.

use std::sync::OnceLock;

use kinmu_shared::api::{DesktopUpdateStatus, SessionInfo};
use kinmu_shared::{Language, Permission};
use leptos::prelude::*;

use crate::router::Route;

#[derive(Clone, Copy)]
pub struct AppState {
    pub session: RwSignal<Option<SessionInfo>>,
    pub lang: RwSignal<Language>,
    pub route: RwSignal<Route>,
    /// Time zones the server knows (from `GET /setup`), for pickers.
    pub time_zones: RwSignal<Vec<String>>,
    /// False until the start-up checks (setup needed? logged in?) finished.
    pub ready: RwSignal<bool>,
    /// Why the start-up checks failed (server unreachable…), shown with a retry button.
    pub boot_error: RwSignal<Option<String>>,
    /// The page asked for before the login page took over; opened after login.
    pub return_to: RwSignal<Option<Route>>,
    /// Desktop only: the installed version and the server's start-up decision.
    pub desktop_update: RwSignal<Option<DesktopUpdateStatus>>,
    /// Desktop only: an update of the app runs (its progress page shows).
    pub updating: RwSignal<bool>,
    /// Desktop only: the update running is a repair (全プログラムアップデート).
    pub repairing: RwSignal<bool>,
}

static STATE: OnceLock<AppState> = OnceLock::new();

/// Creates the state once, under the root owner (call from the App component).
pub fn init(route: Route, lang: Language) -> AppState {
    *STATE.get_or_init(|| AppState {
        session: RwSignal::new(None),
        lang: RwSignal::new(lang),
        route: RwSignal::new(route),
        time_zones: RwSignal::new(Vec::new()),
        ready: RwSignal::new(false),
        boot_error: RwSignal::new(None),
        return_to: RwSignal::new(None),
        desktop_update: RwSignal::new(None),
        updating: RwSignal::new(false),
        repairing: RwSignal::new(false),
    })
}

pub fn app() -> AppState {
    *STATE.get().expect("app state initialised")
}

impl AppState {
    pub fn can(&self, p: Permission) -> bool {
        self.session.with(|s| s.as_ref().is_some_and(|s| s.user.can(p)))
    }

    /// The time zone to show times in: the user's, else the browser's.
    pub fn time_zone(&self) -> Option<String> {
        self.session.with(|s| s.as_ref().map(|s| s.user.time_zone.clone()))
    }
}
