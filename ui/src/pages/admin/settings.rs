//! System settings: organisation name, default language and time zone, session idle time, the
//! API tokens' request rate.

use crate::components::save_button::SaveButton;
use kinmu_shared::api::SystemSettings;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::{Language, Permission, validation};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::field::{SelectField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::i18n::{language_name, t, tr, tx};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let state = app();
    let can_manage = move || state.can(Permission::ManageSettings);
    let org = RwSignal::new(String::new());
    let lang = RwSignal::new(String::new());
    let tz = RwSignal::new(String::new());
    let idle = RwSignal::new(String::new());
    let token_rate = RwSignal::new(String::new());
    let loaded = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let fill = move |s: SystemSettings| {
        org.set(s.organization_name);
        lang.set(s.default_language.code().to_string());
        tz.set(s.time_zone);
        idle.set(s.session_idle_minutes.to_string());
        token_rate.set(s.token_requests_per_minute.to_string());
        loaded.set(true);
    };
    leptos::task::spawn_local(async move {
        match api_client::call::<routes::GetSettings>(&(), &(), &Empty).await {
            Ok(s) => fill(s),
            Err(e) => errors.set_api(&e),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        if busy.get_untracked() {
            return;
        }
        let mut ok =
            errors.check("organization_name", validation::required_text("organization_name", &org.get_untracked(), validation::NAME_MAX));
        ok &= errors.check("time_zone", validation::time_zone_shape(&tz.get_untracked()));
        let minutes = idle.get_untracked().trim().parse::<i64>().ok().filter(|m| (1..=100_000).contains(m));
        if minutes.is_none() {
            errors.set_field("session_idle_minutes", t("settings.idle_invalid"));
            ok = false;
        }
        let per_minute = token_rate.get_untracked().trim().parse::<i64>().ok().filter(|n| (1..=100_000).contains(n));
        if per_minute.is_none() {
            errors.set_field("token_requests_per_minute", t("settings.token_rate_invalid"));
            ok = false;
        }
        if !ok {
            return;
        }
        let body = SystemSettings {
            organization_name: org.get_untracked().trim().to_string(),
            default_language: Language::parse(&lang.get_untracked()).unwrap_or_default(),
            time_zone: tz.get_untracked(),
            session_idle_minutes: minutes.unwrap_or(60),
            token_requests_per_minute: per_minute.unwrap_or(kinmu_shared::api::DEFAULT_TOKEN_REQUESTS_PER_MINUTE),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveSettings>(&(), &(), &body).await {
                Ok(s) => {
                    let name = s.organization_name.clone();
                    state.session.update(|ses| {
                        if let Some(ses) = ses {
                            ses.organization_name = name;
                        }
                    });
                    fill(s);
                    saved.set(true);
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let lang_options =
        Signal::derive(|| Language::ALL.iter().map(|l| (l.code().to_string(), language_name(*l).to_string())).collect::<Vec<_>>());
    let tz_options = Signal::derive(move || {
        let mut zones = state.time_zones.get();
        let cur = tz.get();
        if !cur.is_empty() && !zones.contains(&cur) {
            zones.insert(0, cur);
        }
        zones.into_iter().map(|z| (z.clone(), z)).collect::<Vec<_>>()
    });
    view! {
        <section class="card narrow">
            <h1>{tx("settings.title")}</h1>
            <Show when=move || loaded.get() fallback=move || view! { <p aria-busy="true">{tx("common.loading")}</p> <GeneralError errors=errors /> }>
                <form on:submit=submit novalidate>
                    <fieldset disabled=move || !can_manage()>
                        <TextField id="organization_name" field="organization_name" label=tr("setup.org_name") value=org errors=errors />
                        <SelectField id="default_language" field="default_language" label=tr("setup.default_language") value=lang errors=errors options=lang_options />
                        <SelectField id="time_zone" field="time_zone" label=tr("field.time_zone") value=tz errors=errors options=tz_options />
                        <TextField id="session_idle_minutes" field="session_idle_minutes" label=tr("settings.idle_minutes") value=idle errors=errors kind="number" />
                        <TextField id="token_requests_per_minute" field="token_requests_per_minute" label=tr("settings.token_rate") value=token_rate errors=errors kind="number" />
                    </fieldset>
                    <GeneralError errors=errors />
                    {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                    <div class="actions">
                        <SaveButton busy=busy testid="settings-save" disabled=Signal::derive(move || !can_manage()) />
                    </div>
                </form>
            </Show>
        </section>
    }
}
