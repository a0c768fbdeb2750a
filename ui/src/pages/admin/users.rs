//! User administration: search, create, edit, disable, unlock, set password, CSV; everyone's API
//! tokens.

use crate::components::save_button::SaveButton;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{CreateUser, Organization, Role, RoleSpan, SetPassword, UpdateUser, User, UserList, UserQuery};
use kinmu_shared::{Language, Permission, validation};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::csv_transfer::{CsvSubject, CsvTransfer};
use crate::components::dialog::Modal;
use crate::components::field::{CheckField, SelectField, TextAreaField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::password_meter::PasswordMeter;
use crate::components::people::people_choices;
use crate::datetime::format_timestamp;
use crate::i18n::{language_name, role_label, t, tr, tx};

const PAGE: i64 = 50;

#[derive(Clone, PartialEq)]
enum Editing {
    New,
    Edit(User),
    Password(User),
    Disable(User),
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let state = app();
    let can_manage = Signal::derive(move || state.can(Permission::ManageUsers));
    let q = RwSignal::new(String::new());
    let org_filter = RwSignal::new(String::new());
    let include_disabled = RwSignal::new(false);
    let offset = RwSignal::new(0i64);
    let list = RwSignal::new(None::<UserList>);
    let orgs = RwSignal::new(Vec::<Organization>::new());
    let roles = RwSignal::new(Vec::<Role>::new());
    let error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let editing = RwSignal::new(None::<Editing>);

    let load = move || {
        loading.set(true);
        let qv = q.get_untracked();
        let query = UserQuery {
            q: Some(qv.trim().to_string()).filter(|s| !s.is_empty()),
            organization_id: org_filter.get_untracked().parse().ok(),
            include_disabled: include_disabled.get_untracked(),
            limit: Some(PAGE),
            offset: Some(offset.get_untracked()),
        };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListUsers>(&(), &query, &Empty).await {
                Ok(l) => {
                    list.set(Some(l));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
            loading.set(false);
        });
    };
    let load_refs = move || {
        leptos::task::spawn_local(async move {
            if let Ok(o) = api_client::organizations().await {
                orgs.set(o);
            }
            if let Ok(r) = api_client::roles().await {
                roles.set(r);
            }
        });
    };
    load_refs();
    load();

    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        offset.set(0);
        load();
    };
    let org_name =
        move |id: Option<i64>| id.and_then(|id| orgs.with(|o| o.iter().find(|o| o.id == id).map(|o| o.path.clone()))).unwrap_or_default();
    let role_name = move |id: i64| roles.with(|r| r.iter().find(|r| r.id == id).map(|r| role_label(&r.name))).unwrap_or_default();

    let set_active = move |u: User, active: bool| {
        leptos::task::spawn_local(async move {
            let body = UpdateUser { active: Some(active), ..Default::default() };
            match api_client::call::<routes::EditUser>(&u.id, &(), &body).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let unlock = move |u: User| {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::UnlockUser>(&u.id, &(), &Empty).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    let org_options = Signal::derive(move || {
        let mut v = vec![(String::new(), t("users.all_orgs").to_string())];
        v.extend(orgs.get().into_iter().map(|o| (o.id.to_string(), o.path)));
        v
    });
    let filter_errors = FormErrors::new();

    let row = move |u: User| {
        let status = if !u.active {
            view! { <span class="badge off">{tx("users.disabled")}</span> }.into_any()
        } else if let Some(until) = u.locked_until.filter(|t| *t > now_secs()) {
            let u2 = u.clone();
            view! {
                // Its own reactive text: the date's words follow the language as it is switched.
                <span class="badge warn" data-testid="user-locked-until">
                    {move || format!("{} {}", t("users.locked_until"), format_timestamp(until, state.time_zone().as_deref(), state.lang.get()))}
                </span>
                <Show when=move || can_manage.get()>
                    <button type="button" class="small" on:click={let u2 = u2.clone(); move |_| unlock(u2.clone())}>{tx("users.unlock")}</button>
                </Show>
            }
            .into_any()
        } else {
            view! { <span class="badge ok">{tx("users.active")}</span> }.into_any()
        };
        let (ue, up, ua) = (u.clone(), u.clone(), u.clone());
        let active = u.active;
        view! {
            <tr data-testid=format!("user-row-{}", u.login)>
                <td>{u.login.clone()}</td>
                <td>{u.display_name.clone()}</td>
                <td>{org_name(u.organization_id)}</td>
                <td>{role_name(u.role_id)}</td>
                <td>{status}</td>
                <td class="accounts">{u.log_accounts.join(", ")}</td>
                <td class="row-actions">
                    <Show when=move || can_manage.get()>
                        <button type="button" class="small" on:click={let ue = ue.clone(); move |_| editing.set(Some(Editing::Edit(ue.clone())))}>{t("common.edit")}</button>
                        <button type="button" class="small" on:click={let up = up.clone(); move |_| editing.set(Some(Editing::Password(up.clone())))}>{t("users.set_password")}</button>
                        <button type="button" class="small" on:click={let ua = ua.clone(); move |_| if active { editing.set(Some(Editing::Disable(ua.clone()))) } else { set_active(ua.clone(), true) }}>
                            {if active { t("users.disable") } else { t("users.enable") }}
                        </button>
                    </Show>
                </td>
            </tr>
        }
    };

    view! {
        <section class="card wide">
            <div class="page-head">
                <h1>{tx("users.title")}</h1>
                <Show when=move || can_manage.get()>
                    <button type="button" class="primary" data-testid="user-new" on:click=move |_| editing.set(Some(Editing::New))>{tx("users.new")}</button>
                </Show>
            </div>
            <form class="filters" on:submit=search role="search">
                <TextField id="user-search" field="q" label=tr("users.search") value=q errors=filter_errors kind="search" />
                <SelectField id="user-org-filter" field="organization_id" label=tr("field.organization") value=org_filter errors=filter_errors options=org_options />
                <CheckField id="user-include-disabled" label=tr("users.include_disabled") value=include_disabled />
                <button type="submit" data-testid="user-search-submit">{tx("common.search")}</button>
            </form>
            <CsvTransfer subject=CsvSubject::Users filename="users.csv" can_import=can_manage on_imported=Callback::new(move |_| load()) />
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            <div class="table-wrap" aria-busy=move || loading.get().to_string()>
                <table class="list" data-testid="user-table">
                    <thead>
                        <tr>
                            <th>{tx("field.login")}</th>
                            <th>{tx("field.display_name")}</th>
                            <th>{tx("field.organization")}</th>
                            <th>{tx("field.role")}</th>
                            <th>{tx("users.status")}</th>
                            <th>{tx("field.log_accounts")}</th>
                            <th><span class="visually-hidden">{tx("common.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let _ = state.lang.get();
                            let _ = (orgs.get(), roles.get());
                            list.get().map(|l| l.users.into_iter().map(row).collect_view())
                        }}
                    </tbody>
                </table>
            </div>
            {move || list.get().map(|l| {
                let total = l.total;
                let off = offset.get();
                view! {
                    <div class="pager">
                        <span>{format!("{}–{} / {}", if total == 0 { 0 } else { off + 1 }, (off + PAGE).min(total), total)}</span>
                        <button type="button" disabled=off == 0 on:click=move |_| { offset.set((off - PAGE).max(0)); load(); }>{t("common.previous")}</button>
                        <button type="button" disabled={ off + PAGE >= total } on:click=move |_| { offset.set(off + PAGE); load(); }>{t("common.next")}</button>
                    </div>
                }
            })}
            {move || editing.get().map(|e| match e {
                Editing::Password(u) => view! { <PasswordDialog user=u on_done=Callback::new(move |_| editing.set(None)) /> }.into_any(),
                Editing::Disable(u) => view! {
                    <DisableDialog user=u on_confirm=Callback::new(move |u: User| { editing.set(None); set_active(u, false); }) on_cancel=Callback::new(move |_| editing.set(None)) />
                }.into_any(),
                other => view! {
                    <UserDialog
                        user=match other { Editing::Edit(u) => Some(u), _ => None }
                        orgs=orgs
                        roles=roles
                        on_done=Callback::new(move |saved: bool| { editing.set(None); if saved { load(); } })
                    />
                }.into_any(),
            })}
        </section>
        <Show when=move || can_manage.get()>
            <crate::pages::api_tokens::EveryonesTokens />
        </Show>
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

#[component]
fn UserDialog(user: Option<User>, orgs: RwSignal<Vec<Organization>>, roles: RwSignal<Vec<Role>>, on_done: Callback<bool>) -> impl IntoView {
    let state = app();
    let is_new = user.is_none();
    let u = user.clone();
    let login = RwSignal::new(u.as_ref().map(|u| u.login.clone()).unwrap_or_default());
    let display = RwSignal::new(u.as_ref().map(|u| u.display_name.clone()).unwrap_or_default());
    let email = RwSignal::new(u.as_ref().and_then(|u| u.email.clone()).unwrap_or_default());
    let org = RwSignal::new(u.as_ref().and_then(|u| u.organization_id).map(|i| i.to_string()).unwrap_or_default());
    let role = RwSignal::new(u.as_ref().map(|u| u.role_id.to_string()).unwrap_or_default());
    let lang = RwSignal::new(u.as_ref().map(|u| u.language.code().to_string()).unwrap_or_default());
    let tz = RwSignal::new(u.as_ref().map(|u| u.time_zone.clone()).unwrap_or_default());
    let accounts = RwSignal::new(u.as_ref().map(|u| u.log_accounts.join("\n")).unwrap_or_default());
    let active = RwSignal::new(u.as_ref().map(|u| u.active).unwrap_or(true));
    let approver = RwSignal::new(u.as_ref().and_then(|u| u.approver_id).map(|a| a.to_string()).unwrap_or_default());
    let approver_options =
        people_choices("users.no_approver", u.as_ref().map(|u| u.id), u.as_ref().and_then(|u| u.approver_id).map(|a| (a, a.to_string())));
    let was_active = u.as_ref().is_some_and(|u| u.active);
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let id = u.as_ref().map(|u| u.id);
    let history = u.as_ref().map(|u| u.role_history.clone()).unwrap_or_default();

    let org_options = Signal::derive(move || {
        let mut v = vec![(String::new(), t("users.no_org").to_string())];
        v.extend(orgs.get().into_iter().map(|o| (o.id.to_string(), o.path)));
        v
    });
    let role_options = Signal::derive(move || {
        let mut v = if is_new { vec![(String::new(), t("users.default_role").to_string())] } else { Vec::new() };
        v.extend(roles.get().into_iter().map(|r| (r.id.to_string(), role_label(&r.name))));
        v
    });
    let lang_options = Signal::derive(move || {
        let mut v = if is_new { vec![(String::new(), t("users.default_language").to_string())] } else { Vec::new() };
        v.extend(Language::ALL.iter().map(|l| (l.code().to_string(), language_name(*l).to_string())));
        v
    });
    let tz_options = Signal::derive(move || {
        let mut v = if is_new { vec![(String::new(), t("users.default_time_zone").to_string())] } else { Vec::new() };
        let mut zones = state.time_zones.get();
        let cur = tz.get_untracked();
        if !cur.is_empty() && !zones.contains(&cur) {
            zones.insert(0, cur);
        }
        v.extend(zones.into_iter().map(|z| (z.clone(), z)));
        v
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let acc = lines(&accounts.get_untracked());
        let mut ok = true;
        if is_new {
            ok &= errors.check("login", validation::login(&login.get_untracked()));
        }
        ok &= errors.check("display_name", validation::display_name(&display.get_untracked()));
        ok &= errors.check("email", validation::email(&email.get_untracked()));
        ok &= errors.check("log_accounts", validation::log_accounts(&acc));
        if is_new {
            ok &= errors.check("password", validation::password("password", &password.get_untracked(), &login.get_untracked()));
        }
        if !ok {
            return;
        }
        let org_id = org.get_untracked().parse::<i64>().ok();
        let role_id = role.get_untracked().parse::<i64>().ok();
        let language = Language::parse(&lang.get_untracked());
        let time_zone = Some(tz.get_untracked()).filter(|s| !s.is_empty());
        let approver_id = approver.get_untracked().parse::<i64>().ok();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = if let Some(id) = id {
                let body = UpdateUser {
                    display_name: Some(display.get_untracked().trim().to_string()),
                    email: Some(email.get_untracked().trim().to_string()),
                    organization_id: Some(org_id.unwrap_or(0)),
                    role_id,
                    active: Some(active.get_untracked()),
                    language,
                    time_zone,
                    log_accounts: Some(acc),
                    approver_id: Some(approver_id.unwrap_or(0)),
                };
                api_client::call::<routes::EditUser>(&id, &(), &body).await
            } else {
                let body = CreateUser {
                    login: login.get_untracked().trim().to_string(),
                    display_name: display.get_untracked().trim().to_string(),
                    email: Some(email.get_untracked().trim().to_string()).filter(|s| !s.is_empty()),
                    organization_id: org_id,
                    role_id,
                    language,
                    time_zone,
                    log_accounts: acc,
                    password: password.get_untracked(),
                    approver_id,
                };
                api_client::call::<routes::AddUser>(&(), &(), &body).await
            };
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => errors.set_api(&e),
            }
        });
    };

    let title = Signal::derive(move || if is_new { t("users.new").to_string() } else { format!("{} — {}", t("users.edit"), login.get()) });
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="user-dialog">
            <form on:submit=submit novalidate>
                {is_new.then(|| view! { <TextField id="user-login" field="login" label=tr("field.login") value=login errors=errors autocomplete="off" /> })}
                <TextField id="user-display-name" field="display_name" label=tr("field.display_name") value=display errors=errors />
                <TextField id="user-email" field="email" label=tr("field.email") value=email errors=errors kind="email" />
                <SelectField id="user-organization" field="organization_id" label=tr("field.organization") value=org errors=errors options=org_options />
                <SelectField id="user-role" field="role_id" label=tr("field.role") value=role errors=errors options=role_options />
                {(!history.is_empty()).then(|| role_history_view(history, roles))}
                <SelectField id="user-approver" field="approver_id" label=tr("users.approver") value=approver errors=errors options=approver_options />
                <SelectField id="user-language" field="language" label=tr("field.language") value=lang errors=errors options=lang_options />
                <SelectField id="user-time-zone" field="time_zone" label=tr("field.time_zone") value=tz errors=errors options=tz_options />
                <TextAreaField id="user-log-accounts" field="log_accounts" label=tr("field.log_accounts") value=accounts errors=errors hint=tr("users.log_accounts_hint") />
                {(!is_new).then(|| view! {
                    <CheckField id="user-active" label=tr("users.active") value=active />
                    <Show when=move || was_active && !active.get()>
                        <p class="hint" role="status" data-testid="user-disable-hint">{tx("users.disable_hint")}</p>
                    </Show>
                })}
                {is_new.then(|| view! {
                    <TextField id="user-password" field="password" label=tr("field.password") value=password errors=errors kind="password" autocomplete="new-password" />
                    <PasswordMeter password=password login=login.into() id="user-password-strength" />
                })}
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="user-save" />
                </div>
            </form>
        </Modal>
    }
}

/// The roles the person held, oldest first (cost prices each day by the role held that day).
fn role_history_view(history: Vec<RoleSpan>, roles: RwSignal<Vec<Role>>) -> AnyView {
    let name = move |id: i64| roles.with(|r| r.iter().find(|r| r.id == id).map(|r| role_label(&r.name))).unwrap_or_else(|| id.to_string());
    let rows = history.into_iter().map(|h| view! { <tr><td>{h.valid_from}</td><td>{move || name(h.role_id)}</td></tr> }).collect_view();
    view! {
        <table class="list" data-testid="user-role-history" aria-describedby="user-role-history-hint">
            <caption>{tx("users.role_history")}</caption>
            <thead><tr><th scope="col">{tx("users.role_valid_from")}</th><th scope="col">{tx("field.role")}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <p class="hint" id="user-role-history-hint">{tx("users.role_history_hint")}</p>
    }
    .into_any()
}

#[component]
fn PasswordDialog(user: User, on_done: Callback<()>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let login = user.login.clone();
    let login_sig = Signal::derive({
        let l = login.clone();
        move || l.clone()
    });
    let id = user.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked()
            || !errors.check("password", validation::password("password", &password.get_untracked(), &login_sig.get_untracked()))
        {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let body = SetPassword { password: password.get_untracked() };
            let r = api_client::call::<routes::ResetUserPassword>(&id, &(), &body).await;
            busy.set(false);
            match r {
                Ok(_) => on_done.run(()),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || format!("{} — {}", t("users.set_password"), login));
    view! {
        <Modal title=title on_close=on_done testid="password-dialog">
            <form on:submit=submit novalidate>
                <TextField id="new-password" field="password" label=tr("field.new_password") value=password errors=errors kind="password" autocomplete="new-password" />
                <PasswordMeter password=password login=login_sig id="new-password-strength" />
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(())>{tx("common.cancel")}</button>
                    <button type="submit" class="primary" disabled=move || busy.get()>{tx("common.save")}</button>
                </div>
            </form>
        </Modal>
    }
}

/// Asks before disabling a user, saying what it does: their sessions end at once and they
/// cannot log in until enabled again.
#[component]
fn DisableDialog(user: User, on_confirm: Callback<User>, on_cancel: Callback<()>) -> impl IntoView {
    let who = format!("{} ({})", user.display_name, user.login);
    view! {
        <Modal title=Signal::derive(move || t("users.disable_title").to_string()) on_close=on_cancel testid="user-disable-dialog">
            <p>{move || t("users.disable_confirm").replace("{name}", &who)}</p>
            <div class="actions">
                <button type="button" on:click=move |_| on_cancel.run(())>{tx("common.cancel")}</button>
                <button type="button" class="danger" data-testid="user-disable-confirm" on:click={let u = user.clone(); move |_| on_confirm.run(u.clone())}>
                    {tx("users.disable")}
                </button>
            </div>
        </Modal>
    }
}
