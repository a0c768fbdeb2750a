//! Login with login name and password.

use kinmu_shared::ErrorCode;
use kinmu_shared::api::LoginRequest;
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::field::TextField;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::header::remember_language;
use crate::i18n::{t, tr, tx};
use crate::pages::app_update::{DesktopVersion, UpdateOffer};
use crate::router::{Route, navigate};

#[component]
pub fn LoginPage() -> impl IntoView {
    let state = app();
    let login = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        if login.get_untracked().trim().is_empty() {
            errors.set_field("login", t("login.enter_login"));
        }
        if password.get_untracked().is_empty() {
            errors.set_field("password", t("login.enter_password"));
        }
        if errors.has_any() {
            return;
        }
        let req = LoginRequest { login: login.get_untracked().trim().to_string(), password: password.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::login(&req).await {
                Ok(session) => {
                    state.lang.set(session.user.language);
                    remember_language(session.user.language);
                    state.session.set(Some(session));
                    let next = state.return_to.get_untracked().unwrap_or(Route::Home);
                    state.return_to.set(None);
                    navigate(next);
                }
                Err(e) => {
                    // Known refusals get a translated message; others show the server's text.
                    match e.code {
                        ErrorCode::InvalidCredentials => errors.set_general(t("login.invalid_credentials")),
                        ErrorCode::AccountLocked => errors.set_general(t("login.account_locked")),
                        ErrorCode::AccountDisabled => errors.set_general(t("login.account_disabled")),
                        ErrorCode::SetupRequired => navigate(Route::Setup),
                        _ => errors.set_api(&e),
                    }
                }
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card narrow">
            <UpdateOffer />
            <h1>{tx("login.title")}</h1>
            <form on:submit=on_submit novalidate data-testid="login-form">
                <TextField id="login" field="login" label=tr("field.login") value=login errors=errors autocomplete="username" autofocus=true />
                <TextField id="password" field="password" label=tr("field.password") value=password errors=errors kind="password" autocomplete="current-password" />
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="submit" class="primary" data-testid="login-submit" disabled=move || busy.get() aria-busy=move || busy.get().to_string()>
                        {move || if busy.get() { t("common.working") } else { t("login.submit") }}
                    </button>
                </div>
            </form>
            <DesktopVersion />
        </section>
    }
}
