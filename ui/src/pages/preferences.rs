//! The user's own language and time zone, their own password, and their API tokens.

use crate::components::save_button::SaveButton;
use kinmu_shared::api::{ChangeOwnPassword, UpdatePreferences};
use kinmu_shared::{Language, validation};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::field::{SelectField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::header::remember_language;
use crate::i18n::{language_name, t, tr, tx};

#[component]
pub fn PreferencesPage() -> impl IntoView {
    let state = app();
    let user = state.session.get_untracked().map(|s| s.user);
    let lang = RwSignal::new(user.as_ref().map(|u| u.language.code().to_string()).unwrap_or_default());
    let tz = RwSignal::new(user.as_ref().map(|u| u.time_zone.clone()).unwrap_or_default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        if busy.get_untracked() || !errors.check("time_zone", validation::time_zone_shape(&tz.get_untracked())) {
            return;
        }
        let body = UpdatePreferences { language: Language::parse(&lang.get_untracked()), time_zone: Some(tz.get_untracked()) };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::set_preferences(&body).await {
                Ok(s) => {
                    state.lang.set(s.user.language);
                    remember_language(s.user.language);
                    state.session.set(Some(s));
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
        let cur = tz.get_untracked();
        if !cur.is_empty() && !zones.contains(&cur) {
            zones.insert(0, cur);
        }
        zones.into_iter().map(|z| (z.clone(), z)).collect::<Vec<_>>()
    });
    view! {
        <section class="card narrow">
            <h1>{tx("prefs.title")}</h1>
            <form on:submit=submit novalidate>
                <SelectField id="pref-language" field="language" label=tr("field.language") value=lang errors=errors options=lang_options />
                <SelectField id="pref-time-zone" field="time_zone" label=tr("field.time_zone") value=tz errors=errors options=tz_options />
                <GeneralError errors=errors />
                {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                <div class="actions">
                    <SaveButton busy=busy testid="prefs-save" />
                </div>
            </form>
        </section>
        <OwnPasswordForm />
        <crate::pages::api_tokens::OwnTokens />
    }
}

/// Changing one's own password: the current one, the new one twice. The server ends the user's
/// other sessions; this one stays.
#[component]
fn OwnPasswordForm() -> impl IntoView {
    let login = app().session.get_untracked().map(|s| s.user.login).unwrap_or_default();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let changed = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        changed.set(false);
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let (cur, next) = (current.get_untracked(), new.get_untracked());
        let mut ok = !cur.is_empty();
        if !ok {
            errors.set_field("current_password", t("prefs.current_required"));
        }
        ok &= errors.check("new_password", validation::password("new_password", &next, &login));
        if ok && next != confirm.get_untracked() {
            errors.set_field("new_password_confirm", t("setup.password_mismatch"));
            ok = false;
        }
        if !ok {
            return;
        }
        let body = ChangeOwnPassword { current_password: cur, new_password: next };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::change_own_password(&body).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    changed.set(true);
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card narrow">
            <h2>{tx("prefs.password_title")}</h2>
            <form on:submit=submit novalidate>
                <TextField id="current-password" field="current_password" label=tr("field.current_password") value=current errors=errors kind="password" autocomplete="current-password" />
                <TextField id="new-password" field="new_password" label=tr("field.new_password") value=new errors=errors kind="password" autocomplete="new-password" />
                <TextField id="new-password-confirm" field="new_password_confirm" label=tr("field.password_confirm") value=confirm errors=errors kind="password" autocomplete="new-password" />
                <GeneralError errors=errors />
                {move || changed.get().then(|| view! { <p class="ok-banner" role="status" data-testid="password-changed">{t("prefs.password_changed")}</p> })}
                <div class="actions">
                    <button type="submit" class="primary" data-testid="password-save" disabled=move || busy.get()>
                        {move || if busy.get() { t("common.working") } else { t("prefs.password_save") }}
                    </button>
                </div>
            </form>
        </section>
    }
}
