//! Kinmu's web UI: a Leptos client-side app compiled to wasm. The same build runs in the
//! browser (talking to the server with `fetch`) and in the Tauri desktop shell (talking through
//! the shell's commands).

mod api_client;
mod app_state;
mod components;
mod datetime;
mod focus;
mod i18n;
mod lazy_pages;
mod pages;
mod router;

use kinmu_shared::{ErrorCode, Permission};
use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::app_state::app;
use crate::components::header::{Header, initial_language};
use crate::i18n::tx;
use crate::lazy_pages::lazy_page;
use crate::router::{Link, Route, current, redirect};

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
    if api_client::is_desktop() {
        // The UI runs: the shell tells the launcher this version started healthy.
        leptos::task::spawn_local(async {
            let _ = api_client::app_ready().await;
        });
    }
}

/// Called when the server says the session is gone: back to the login page.
pub(crate) fn session_expired() {
    let s = app();
    if s.session.with_untracked(|x| x.is_some()) {
        s.session.set(None);
    }
    let route = s.route.get_untracked();
    if !route.is_public() {
        s.return_to.set(Some(route));
        redirect(Route::Login);
    }
}

/// Start-up: (desktop) a server configured? → the server's start-up decision for the app (an
/// update required, the start refused…) → setup needed? → logged in?
pub(crate) async fn boot() {
    let s = app();
    s.ready.set(false);
    s.boot_error.set(None);
    if api_client::is_desktop() {
        let server = matches!(api_client::server_url_get().await, Ok(Some(_)));
        // The installed version, and with a server its check-in's decision.
        if let Ok(status) = api_client::update_status(false).await {
            let blocks = status.blocks_start();
            s.desktop_update.set(Some(status));
            // Not reached: the app starts offline and checks again later.
            pages::app_update::check_again_later();
            if blocks {
                s.ready.set(true);
                return;
            }
        }
        if !server {
            redirect(Route::Connection);
            s.ready.set(true);
            return;
        }
    }
    match api_client::setup_status().await {
        Ok(st) => {
            s.time_zones.set(if st.time_zones.is_empty() { datetime::browser_time_zones() } else { st.time_zones });
            if st.needs_setup {
                redirect(Route::Setup);
                s.ready.set(true);
                return;
            }
        }
        Err(e) => {
            if api_client::is_desktop() {
                redirect(Route::Connection);
            } else {
                s.boot_error.set(Some(e.message));
            }
            s.ready.set(true);
            return;
        }
    }
    match api_client::me().await {
        Ok(session) => {
            s.lang.set(session.user.language);
            components::header::remember_language(session.user.language);
            s.session.set(Some(session));
            if matches!(s.route.get_untracked(), Route::Setup | Route::Login) {
                redirect(Route::Home);
            }
        }
        Err(e) if e.code == ErrorCode::Unauthenticated => {
            let route = s.route.get_untracked();
            if !matches!(route, Route::Login | Route::Connection) {
                if !matches!(route, Route::Setup | Route::Home | Route::NotFound) {
                    s.return_to.set(Some(route));
                }
                redirect(Route::Login);
            }
        }
        Err(e) => s.boot_error.set(Some(e.message)),
    }
    s.ready.set(true);
}

fn required_permission(r: Route) -> Option<Permission> {
    match r {
        Route::Users => Some(Permission::ViewUsers),
        Route::Organizations => Some(Permission::ManageOrganizations),
        Route::Roles => Some(Permission::ManageRoles),
        Route::Updates => Some(Permission::ManageUpdates),
        Route::Settings
        | Route::AttendanceTask
        | Route::LogImports
        | Route::AttendanceRules
        | Route::Holidays
        | Route::AttendanceDisplay
        | Route::OutputProfiles
        | Route::EffortSettings => Some(Permission::ManageSettings),
        Route::EffortProjects
        | Route::EffortGaps
        | Route::EffortPlan
        | Route::EffortGantt
        | Route::EffortReport
        | Route::EffortResources => Some(Permission::ManageProjects),
        // Anyone may be named an approver: the page shows what waits for them, the server decides.
        Route::Effort | Route::EffortImport => Some(Permission::EnterEffort),
        _ => None,
    }
}

#[component]
fn App() -> impl IntoView {
    let state = app_state::init(current(), initial_language());
    router::listen_popstate();
    leptos::task::spawn_local(boot());

    // <html lang> and the window title follow the language.
    Effect::new(move |_| {
        let lang = state.lang.get();
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(el) = doc.document_element() {
                let _ = el.set_attribute("lang", lang.code());
            }
            doc.set_title(&format!("Kinmu — {}", i18n::lookup(lang, "app.tagline")));
        }
    });

    let logged_in = Memo::new(move |_| state.session.with(|s| s.is_some()));
    let perms = Memo::new(move |_| state.session.with(|s| s.as_ref().map(|s| s.user.permissions.clone()).unwrap_or_default()));
    // Leaving a protected page after logout or an expired session.
    Effect::new(move |_| {
        if state.ready.get() && !logged_in.get() && !state.route.get().is_public() && state.boot_error.with(|e| e.is_none()) {
            redirect(Route::Login);
        }
    });

    // The server's blocking decision takes the place of the pages before a login; after one it is
    // shown over the page (GateOverPage). A memo, so that the check-ins repeated while the server
    // is unreachable do not build the page again (and lose what was typed).
    let gate_instead_of_pages = Memo::new(move |_| state.desktop_update.get().filter(|s| s.blocks_start() && !logged_in.get()));
    let page = move || {
        if !state.ready.get() {
            return view! { <p class="loading" aria-busy="true">{tx("common.loading")}</p> }.into_any();
        }
        // Desktop: the app's own update runs, or the server's decision keeps the app from its pages.
        if state.updating.get() {
            return view! { <pages::app_update::UpdateProgressPage /> }.into_any();
        }
        if let Some(status) = gate_instead_of_pages.get() {
            return view! { <pages::app_update::StartGate status=status /> }.into_any();
        }
        if let Some(err) = state.boot_error.get() {
            return view! {
                <section class="card narrow">
                    <h1>{tx("boot.error_title")}</h1>
                    <p class="error-banner" role="alert">{err}</p>
                    <button type="button" class="primary" on:click=move |_| leptos::task::spawn_local(boot())>{tx("common.retry")}</button>
                </section>
            }
            .into_any();
        }
        let route = match state.route.get() {
            // Choosing the server is the desktop shell's page; a browser is already on its server.
            Route::Connection if !api_client::is_desktop() => Route::NotFound,
            route => route,
        };
        if !route.is_public() && !logged_in.get() {
            return view! { <p class="loading">{tx("common.loading")}</p> }.into_any();
        }
        if let Some(p) = required_permission(route)
            && !p.is_granted_by(&perms.get())
        {
            return view! {
                <section class="card narrow">
                    <h1>{tx("common.forbidden")}</h1>
                    <p><Link route=Route::Home testid="back-home">{tx("common.back_home")}</Link></p>
                </section>
            }
            .into_any();
        }
        match route {
            Route::Setup => lazy_page(lazy_pages::setup_wizard),
            Route::Login => view! { <pages::login::LoginPage /> }.into_any(),
            Route::Home => view! { <pages::home::HomePage /> }.into_any(),
            Route::Users => lazy_page(lazy_pages::users),
            Route::Organizations => lazy_page(lazy_pages::organizations),
            Route::Roles => lazy_page(lazy_pages::roles),
            Route::Settings => lazy_page(lazy_pages::settings),
            Route::Updates => lazy_page(lazy_pages::updates),
            Route::Preferences => view! { <pages::preferences::PreferencesPage /> }.into_any(),
            Route::Attendance => lazy_page(lazy_pages::console),
            Route::AttendanceTask => lazy_page(lazy_pages::task),
            Route::LogImports => lazy_page(lazy_pages::log_imports),
            Route::AttendanceRules => lazy_page(lazy_pages::rules),
            Route::Holidays => lazy_page(lazy_pages::holidays),
            Route::AttendanceDisplay => lazy_page(lazy_pages::display),
            Route::OutputProfiles => lazy_page(lazy_pages::output_profiles),
            Route::EffortProjects => lazy_page(lazy_pages::effort_projects),
            Route::EffortApprovals => lazy_page(lazy_pages::effort_approvals),
            Route::EffortGaps => lazy_page(lazy_pages::effort_gaps),
            Route::EffortImport => lazy_page(lazy_pages::effort_import),
            Route::EffortPlan => lazy_page(lazy_pages::effort_plan),
            Route::EffortGantt => lazy_page(lazy_pages::effort_gantt),
            Route::EffortReport => lazy_page(lazy_pages::effort_report),
            Route::EffortResources => lazy_page(lazy_pages::effort_resources),
            Route::EffortSettings => lazy_page(lazy_pages::effort_settings),
            Route::Effort => lazy_page(lazy_pages::effort_week),
            Route::Connection => view! {
                <pages::connection::ConnectionPage on_connected=Callback::new(move |_| {
                    // Connected: carry on to the login (or home) page.
                    redirect(Route::Home);
                    leptos::task::spawn_local(boot());
                }) />
            }
            .into_any(),
            Route::NotFound => view! {
                <section class="card narrow">
                    <h1>{tx("common.not_found")}</h1>
                    <p><Link route=Route::Home testid="back-home">{tx("common.back_home")}</Link></p>
                </section>
            }
            .into_any(),
        }
    };

    view! {
        <a class="skip-link" href="#main">{tx("common.skip")}</a>
        <Header />
        <main id="main" tabindex="-1">
            <pages::app_update::OfflineBanner />
            <pages::app_update::GateOverPage />
            {page}
        </main>
    }
}
