//! The page header: organisation, navigation allowed by the user's permissions, language
//! switch, and logout.

use kinmu_shared::api::UpdatePreferences;
use kinmu_shared::{Language, Permission};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::i18n::{language_name, t, tx};
use crate::router::{ATTENDANCE_ADMIN, Link, Route, navigate};

const LANG_KEY: &str = "kinmu.lang";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The language before login: remembered locally, else the browser's.
pub fn initial_language() -> Language {
    if let Some(l) = storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten()).and_then(|l| Language::parse(&l)) {
        return l;
    }
    let nav = web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default();
    if nav.to_ascii_lowercase().starts_with("ja") { Language::Ja } else { Language::En }
}

pub fn remember_language(l: Language) {
    if let Some(s) = storage() {
        let _ = s.set_item(LANG_KEY, l.code());
    }
}

/// Switches at once; when logged in, also stores the choice on the server.
pub fn switch_language(l: Language) {
    let state = app();
    state.lang.set(l);
    remember_language(l);
    if state.session.with_untracked(|s| s.is_some()) {
        leptos::task::spawn_local(async move {
            let p = UpdatePreferences { language: Some(l), time_zone: None };
            if let Ok(s) = api_client::set_preferences(&p).await {
                app().session.set(Some(s));
            }
        });
    }
}

#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let other = move || match app().lang.get() {
        Language::Ja => Language::En,
        Language::En => Language::Ja,
    };
    view! {
        <button
            type="button"
            class="lang-switch"
            data-testid="language-switch"
            lang=move || other().code()
            aria-label=move || format!("{} / Language: {}", t("header.language"), language_name(other()))
            on:click=move |_| switch_language(other())
        >
            {move || language_name(other())}
        </button>
    }
}

pub fn logout() {
    leptos::task::spawn_local(async move {
        let _ = api_client::logout().await;
        app().return_to.set(None);
        app().session.set(None);
        navigate(Route::Login);
    });
}

#[component]
pub fn Header() -> impl IntoView {
    let state = app();
    let logged_in = move || state.session.with(|s| s.is_some());
    let org_name = move || state.session.with(|s| s.as_ref().map(|s| s.organization_name.clone()).unwrap_or_default());
    let user_name = move || state.session.with(|s| s.as_ref().map(|s| s.user.display_name.clone()).unwrap_or_default());
    let can = move |p| state.can(p);
    let desktop = api_client::is_desktop();
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="logo">"Kinmu"</span>
                <span class="org" data-testid="header-organization">{org_name}</span>
            </div>
            <Show when=logged_in>
                <nav aria-label=tx("nav.label") class="mainnav">
                    <Link route=Route::Home testid="nav-home">{tx("nav.home")}</Link>
                    <Link route=Route::Attendance testid="nav-attendance">{tx("nav.attendance")}</Link>
                    <Show when=move || can(Permission::EnterEffort)>
                        <Link route=Route::Effort testid="nav-effort">{tx("effort.nav")}</Link>
                    </Show>
                    <Show when=move || can(Permission::ViewUsers)>
                        <Link route=Route::Users testid="nav-users">{tx("nav.users")}</Link>
                    </Show>
                    <Show when=move || can(Permission::ManageOrganizations)>
                        <Link route=Route::Organizations testid="nav-organizations">{tx("nav.organizations")}</Link>
                    </Show>
                    <Show when=move || can(Permission::ManageRoles)>
                        <Link route=Route::Roles testid="nav-roles">{tx("nav.roles")}</Link>
                    </Show>
                    <Show when=move || can(Permission::ManageProjects)>
                        <Link route=Route::EffortProjects testid="nav-projects" current_also=&[Route::EffortSettings, Route::EffortPlan, Route::EffortGantt]>{tx("effort.projects.nav")}</Link>
                        <Link route=Route::EffortApprovals testid="nav-approvals">{tx("effort.approvals.nav")}</Link>
                        <Link route=Route::EffortGaps testid="nav-gap-report">{tx("gaps.nav")}</Link>
                        <Link route=Route::EffortImport testid="nav-effort-import">{tx("effort_import.nav")}</Link>
                        <Link route=Route::EffortReport testid="nav-effort-report">{tx("effort_report.nav")}</Link>
                        <Link route=Route::EffortResources testid="nav-resources">{tx("resources.nav")}</Link>
                    </Show>
                    <Show when=move || can(Permission::ManageSettings)>
                        <Link route=Route::Settings testid="nav-settings">{tx("nav.settings")}</Link>
                        <Link route=Route::AttendanceRules testid="nav-attendance-admin" current_also=ATTENDANCE_ADMIN>{tx("nav.attendance_admin")}</Link>
                    </Show>
                    <Show when=move || can(Permission::ManageUpdates)>
                        <Link route=Route::Updates testid="nav-updates">{tx("nav.updates")}</Link>
                    </Show>
                    <Link route=Route::Preferences testid="nav-preferences">{tx("nav.preferences")}</Link>
                </nav>
            </Show>
            <div class="tools">
                <Show when=logged_in>
                    <span class="user" data-testid="header-user">{user_name}</span>
                </Show>
                <LanguageSwitch />
                {desktop.then(|| view! { <Link route=Route::Connection testid="nav-connection">{tx("nav.connection")}</Link> })}
                <Show when=logged_in>
                    <button type="button" data-testid="logout" on:click=move |_| logout()>{tx("header.logout")}</button>
                </Show>
            </div>
        </header>
    }
}
