//! The start page: who you are, where you belong, when you last logged in.

use kinmu_shared::api::Organization;
use kinmu_shared::api::routes::{self, Empty};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::datetime::format_timestamp;
use crate::i18n::{role_label, t, tx};

#[component]
pub fn HomePage() -> impl IntoView {
    let state = app();
    let org_path = RwSignal::new(None::<String>);
    let last_login = RwSignal::new(None::<Option<i64>>);
    // Organisation path (visible to every session) and, when allowed, the own user record for
    // the last-login time.
    Effect::new(move |_| {
        let Some(user) = state.session.with(|s| s.as_ref().map(|s| s.user.clone())) else { return };
        leptos::task::spawn_local(async move {
            if let Some(oid) = user.organization_id
                && let Ok(orgs) = api_client::organizations().await
            {
                org_path.set(orgs.into_iter().find(|o: &Organization| o.id == oid).map(|o| o.path));
            }
            if let Ok(u) = api_client::call::<routes::GetUser>(&user.id, &(), &Empty).await {
                last_login.set(Some(u.last_login_at));
            }
        });
    });
    let name = move || state.session.with(|s| s.as_ref().map(|s| s.user.display_name.clone()).unwrap_or_default());
    let role = move || state.session.with(|s| s.as_ref().map(|s| role_label(&s.user.role_name)).unwrap_or_default());
    let tz = move || state.time_zone().unwrap_or_default();
    let expires = move || state.session.with(|s| s.as_ref().map(|s| s.expires_at));
    let fmt = move |ts: i64| format_timestamp(ts, state.time_zone().as_deref(), state.lang.get());
    view! {
        <section class="card">
            <h1 data-testid="home-greeting">{move || t("home.greeting").replace("{name}", &name())}</h1>
            <dl class="summary">
                <dt>{tx("home.role")}</dt>
                <dd data-testid="home-role">{role}</dd>
                <dt>{tx("home.organization")}</dt>
                <dd data-testid="home-organization">{move || org_path.get().unwrap_or_else(|| state.session.with(|s| s.as_ref().map(|s| s.organization_name.clone()).unwrap_or_default()))}</dd>
                <dt>{tx("home.last_login")}</dt>
                <dd data-testid="home-last-login">{move || match last_login.get() {
                    Some(Some(ts)) => fmt(ts),
                    Some(None) => t("home.first_login").to_string(),
                    None => "—".to_string(),
                }}</dd>
                <dt>{tx("home.session_until")}</dt>
                <dd>{move || expires().map(fmt).unwrap_or_default()}</dd>
                <dt>{tx("field.time_zone")}</dt>
                <dd>{tz}</dd>
            </dl>
        </section>
    }
}
