//! Personal API tokens: a person's own (on the preferences page: make one with a name, scopes
//! among their own permissions and an expiry; its secret shown once with a copy button; the list
//! with the last use; revoke after a confirmation), and everyone's for administrators (on the
//! users page).

use kinmu_shared::Permission;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{ApiToken, CreateApiToken, CreatedApiToken, TOKEN_NAME_MAX};
use kinmu_shared::validation;
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::confirm_delete::{ConfirmDeleteDialog, Deletion};
use crate::components::field::TextField;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::datetime::{add_days, format_timestamp, today};
use crate::i18n::{permission_label, t, tr, tx};

/// The default expiry offered: 90 days ahead.
const DEFAULT_DAYS: i64 = 90;

/// The caller's tokens on the preferences page.
#[component]
pub fn OwnTokens() -> impl IntoView {
    let state = app();
    let held: Vec<Permission> = state.session.get_untracked().map(|s| s.user.permissions).unwrap_or_default();
    let list = RwSignal::new(None::<Vec<ApiToken>>);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedApiToken>);
    let revoking = RwSignal::new(None::<ApiToken>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListOwnTokens>(&(), &(), &Empty).await {
                Ok(l) => {
                    list.set(Some(l));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    let on_created = Callback::new(move |c: CreatedApiToken| {
        created.set(Some(c));
        load();
    });
    view! {
        <section class="card narrow" data-testid="own-tokens">
            <h2>{tx("tokens.title")}</h2>
            <p class="hint">{tx("tokens.intro")}</p>
            <NewTokenForm held=held on_created=on_created />
            {move || created.get().map(|c| view! { <ShownOnce created=c on_close={Callback::new(move |_| created.set(None))} /> })}
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || list.get().map(|l| view! {
                <TokenTable tokens=l show_owner=false on_revoke={Callback::new(move |t| revoking.set(Some(t)))} />
            })}
            {move || revoking.get().map(|tok| view! {
                <ConfirmDeleteDialog
                    delete={Deletion::of::<routes::RevokeOwnToken>(tok.id)}
                    name={tok.name.clone()}
                    title_key="tokens.revoke_title"
                    confirm_key="tokens.revoke_confirm"
                    dialog_testid="token-revoke-dialog"
                    confirm_testid="token-revoke-confirm"
                    action_key="tokens.revoke"
                    on_done={Callback::new(move |done: bool| {
                        revoking.set(None);
                        if done {
                            load();
                        }
                    })}
                />
            })}
        </section>
    }
}

/// The form that makes a token: a name, scopes among `held`, the last day.
#[component]
fn NewTokenForm(held: Vec<Permission>, on_created: Callback<CreatedApiToken>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let expires_on = RwSignal::new(add_days(&today(), DEFAULT_DAYS));
    let scopes = RwSignal::new(Vec::<Permission>::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let mut ok = errors.check("name", validation::required_text("name", &name.get_untracked(), TOKEN_NAME_MAX));
        if scopes.with_untracked(Vec::is_empty) {
            errors.set_field("scopes", t("tokens.scopes_required"));
            ok = false;
        }
        if crate::datetime::parse_date(&expires_on.get_untracked()).is_none() {
            errors.set_field("expires_on", t("tokens.expiry_invalid"));
            ok = false;
        }
        if !ok {
            return;
        }
        let body = CreateApiToken {
            name: name.get_untracked().trim().to_string(),
            scopes: scopes.get_untracked(),
            expires_on: expires_on.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::CreateOwnToken>(&(), &(), &body).await {
                Ok(c) => {
                    name.set(String::new());
                    scopes.set(Vec::new());
                    on_created.run(c);
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let scope_error = move || errors.field("scopes");
    view! {
        <form on:submit=submit novalidate data-testid="token-form">
            <TextField id="token-name" field="name" label=tr("tokens.name") value=name errors=errors />
            <fieldset class="perm-list" aria-describedby="token-scopes-error">
                <legend>{tx("tokens.scopes")}</legend>
                {held.into_iter().map(|p| {
                    let input_id = format!("token-scope-{}", p.key().replace('.', "-"));
                    view! {
                        <div class="field check">
                            <input
                                type="checkbox"
                                id=input_id.clone()
                                prop:checked=move || scopes.with(|v| v.contains(&p))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    scopes.update(|v| { v.retain(|x| *x != p); if on { v.push(p); } });
                                    errors.clear_field("scopes");
                                }
                            />
                            <label for=input_id>{move || permission_label(p)}</label>
                        </div>
                    }
                }).collect_view()}
                <p id="token-scopes-error" class="field-error" role="alert">{scope_error}</p>
            </fieldset>
            <TextField id="token-expires-on" field="expires_on" label=tr("tokens.expires_on") value=expires_on errors=errors kind="date" hint=tr("tokens.expiry_hint") />
            <GeneralError errors=errors />
            <div class="actions">
                <button type="submit" class="primary" data-testid="token-create" disabled=move || busy.get()>
                    {move || if busy.get() { t("common.working") } else { t("tokens.create") }}
                </button>
            </div>
        </form>
    }
}

/// The new token's secret, shown this once, with a copy button and a warning.
#[component]
fn ShownOnce(created: CreatedApiToken, on_close: Callback<()>) -> impl IntoView {
    let copied = RwSignal::new(false);
    let secret = created.secret.clone();
    let copy = move |_| {
        let secret = secret.clone();
        if let Some(window) = web_sys::window() {
            let promise = window.navigator().clipboard().write_text(&secret);
            leptos::task::spawn_local(async move {
                copied.set(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
            });
        }
    };
    let select_all = move |ev: leptos::ev::FocusEvent| {
        use wasm_bindgen::JsCast;
        if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
            input.select();
        }
    };
    view! {
        <div class="ok-banner token-secret" role="status" data-testid="token-secret-panel">
            <p><strong>{move || t("tokens.created").replace("{name}", &created.token.name)}</strong></p>
            <p class="warn">{tx("tokens.shown_once")}</p>
            <label for="token-secret">{tx("tokens.secret")}</label>
            <input id="token-secret" type="text" readonly=true autofocus=true value={created.secret.clone()} data-testid="token-secret" on:focus=select_all />
            <div class="actions">
                <button type="button" class="primary" data-testid="token-copy" on:click=copy>{tx("tokens.copy")}</button>
                <button type="button" data-testid="token-secret-done" on:click=move |_| on_close.run(())>{tx("tokens.done")}</button>
            </div>
            {move || copied.get().then(|| view! { <p role="status">{tx("tokens.copied")}</p> })}
        </div>
    }
}

/// A token's state as words: active, expired or revoked.
fn state_of(tok: &ApiToken, now: i64) -> (&'static str, &'static str) {
    if tok.revoked_at.is_some() {
        ("tokens.revoked", "badge off")
    } else if tok.expires_at <= now {
        ("tokens.expired", "badge warn")
    } else {
        ("tokens.active", "badge ok")
    }
}

/// A list of tokens; with `show_owner`, whose each is.
#[component]
fn TokenTable(tokens: Vec<ApiToken>, show_owner: bool, on_revoke: Callback<ApiToken>) -> impl IntoView {
    let state = app();
    let now = (js_sys::Date::now() / 1000.0) as i64;
    if tokens.is_empty() {
        return view! { <p class="hint" data-testid="token-none">{tx("tokens.none")}</p> }.into_any();
    }
    let when = move |ts: Option<i64>| match ts {
        Some(ts) => format_timestamp(ts, state.time_zone().as_deref(), state.lang.get()),
        None => t("tokens.never").to_string(),
    };
    let rows = tokens
        .into_iter()
        .map(|tok| {
            let (state_key, class) = state_of(&tok, now);
            let live = state_key == "tokens.active";
            let scopes = tok.scopes.clone();
            let owner = format!("{} ({})", tok.user_display_name, tok.user_login);
            let (created, expires, used) = (tok.created_at, tok.expires_at, tok.last_used_at);
            let label = format!("{} {}", t("tokens.revoke"), tok.name);
            let testid = format!("token-row-{}", tok.name);
            let for_revoke = tok.clone();
            view! {
                <tr data-testid={testid}>
                    {show_owner.then(|| view! { <td>{owner.clone()}</td> })}
                    <td>{tok.name.clone()}</td>
                    <td><code>{format!("{}…", tok.prefix)}</code></td>
                    <td>{move || scopes.iter().map(|p| permission_label(*p)).collect::<Vec<_>>().join(", ")}</td>
                    <td>{move || when(Some(created))}</td>
                    <td>{move || when(Some(expires))}</td>
                    <td data-testid="token-last-used">{move || when(used)}</td>
                    <td><span class=class>{tx(state_key)}</span></td>
                    <td class="row-actions">
                        {live.then(|| view! {
                            <button type="button" class="small danger" aria-label={label.clone()} data-testid="token-revoke" on:click={let tok = for_revoke.clone(); move |_| on_revoke.run(tok.clone())}>
                                {tx("tokens.revoke")}
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="list" data-testid="token-table">
                <thead>
                    <tr>
                        {show_owner.then(|| view! { <th>{tx("tokens.owner")}</th> })}
                        <th>{tx("tokens.name")}</th>
                        <th>{tx("tokens.prefix")}</th>
                        <th>{tx("tokens.scopes")}</th>
                        <th>{tx("tokens.created_at")}</th>
                        <th>{tx("tokens.expires_at")}</th>
                        <th>{tx("tokens.last_used")}</th>
                        <th>{tx("tokens.state")}</th>
                        <th><span class="visually-hidden">{tx("common.actions")}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Everyone's tokens, for administrators (users.manage), with revoke.
#[component]
pub fn EveryonesTokens() -> impl IntoView {
    let list = RwSignal::new(None::<Vec<ApiToken>>);
    let error = RwSignal::new(None::<String>);
    let revoking = RwSignal::new(None::<ApiToken>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListTokens>(&(), &(), &Empty).await {
                Ok(l) => {
                    list.set(Some(l));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    view! {
        <section class="card wide" data-testid="all-tokens">
            <h2>{tx("tokens.all_title")}</h2>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || list.get().map(|l| view! {
                <TokenTable tokens=l show_owner=true on_revoke={Callback::new(move |t| revoking.set(Some(t)))} />
            })}
            {move || revoking.get().map(|tok| view! {
                <ConfirmDeleteDialog
                    delete={Deletion::of::<routes::RevokeToken>(tok.id)}
                    name={format!("{} ({})", tok.name, tok.user_login)}
                    title_key="tokens.revoke_title"
                    confirm_key="tokens.revoke_confirm"
                    dialog_testid="token-revoke-dialog"
                    confirm_testid="token-revoke-confirm"
                    action_key="tokens.revoke"
                    on_done={Callback::new(move |done: bool| {
                        revoking.set(None);
                        if done {
                            load();
                        }
                    })}
                />
            })}
        </section>
    }
}
