//! System roles and the permissions they grant.

use crate::components::save_button::SaveButton;
use kinmu_shared::api::routes;
use kinmu_shared::api::{Role, SaveRole};
use kinmu_shared::{Permission, validation};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::confirm_delete::{ConfirmDeleteDialog, Deletion};
use crate::components::dialog::Modal;
use crate::components::field::TextField;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::i18n::{permission_label, role_label, t, tr, tx};

fn is_admin_role(r: &Role) -> bool {
    r.builtin.as_deref() == Some("administrator")
}

#[derive(Clone)]
enum Editing {
    New,
    Edit(Role),
    Delete(Role),
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let state = app();
    let can_manage = move || state.can(Permission::ManageRoles);
    let roles = RwSignal::new(None::<Vec<Role>>);
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<Editing>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::roles().await {
                Ok(r) => roles.set(Some(r)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    view! {
        <section class="card wide">
            <div class="page-head">
                <h1>{tx("roles.title")}</h1>
                <Show when=can_manage>
                    <button type="button" class="primary" data-testid="role-new" on:click=move |_| editing.set(Some(Editing::New))>{tx("roles.new")}</button>
                </Show>
            </div>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            <div class="table-wrap">
                <table class="list perms" data-testid="role-table">
                    <thead>
                        <tr>
                            <th>{tx("field.name")}</th>
                            {Permission::ALL.iter().map(|p| { let p = *p; view! { <th class="perm">{move || permission_label(p)}</th> } }).collect_view()}
                            <th>{tx("roles.users")}</th>
                            <th><span class="visually-hidden">{tx("common.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let _ = state.lang.get();
                            roles.get().unwrap_or_default().into_iter().map(|r| {
                                let (re, rd) = (r.clone(), r.clone());
                                let builtin = r.builtin.is_some();
                                view! {
                                    <tr data-testid=format!("role-row-{}", r.name)>
                                        <th scope="row">{role_label(&r.name)} {builtin.then(|| view! { <span class="badge">{t("roles.builtin")}</span> })}</th>
                                        {Permission::ALL.iter().map(|p| {
                                            let on = p.is_granted_by(&r.permissions);
                                            view! { <td class="perm">{if on { "✓" } else { "" }}<span class="visually-hidden">{if on { t("roles.granted") } else { t("roles.not_granted") }}</span></td> }
                                        }).collect_view()}
                                        <td>{r.user_count}</td>
                                        <td class="row-actions">
                                            <Show when=can_manage>
                                                <button type="button" class="small" on:click={let re = re.clone(); move |_| editing.set(Some(Editing::Edit(re.clone())))}>{t("common.edit")}</button>
                                                {(!builtin).then(|| { let rd = rd.clone(); view! {
                                                    <button type="button" class="small danger" on:click=move |_| editing.set(Some(Editing::Delete(rd.clone())))>{t("common.delete")}</button>
                                                }})}
                                            </Show>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
            {move || editing.get().map(|e| {
                let done = Callback::new(move |saved: bool| { editing.set(None); if saved { load(); } });
                match e {
                    Editing::New => view! { <RoleDialog role=None on_done=done /> }.into_any(),
                    Editing::Edit(r) => view! { <RoleDialog role=Some(r) on_done=done /> }.into_any(),
                    Editing::Delete(r) => view! { <ConfirmDeleteDialog delete={Deletion::of::<routes::DeleteRole>(r.id)} name=r.name title_key="roles.delete_title" confirm_key="roles.delete_confirm" dialog_testid="role-delete-dialog" confirm_testid="role-delete-confirm" on_done=done /> }.into_any(),
                }
            })}
        </section>
    }
}

#[component]
fn RoleDialog(role: Option<Role>, on_done: Callback<bool>) -> impl IntoView {
    let is_new = role.is_none();
    let id = role.as_ref().map(|r| r.id);
    let locked = role.as_ref().is_some_and(is_admin_role);
    let name = RwSignal::new(role.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let perms = RwSignal::new(role.as_ref().map(|r| r.permissions.clone()).unwrap_or_default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !errors.check("name", validation::role_name(&name.get_untracked())) {
            return;
        }
        let mut permissions = perms.get_untracked();
        permissions.sort();
        let body = SaveRole { name: name.get_untracked().trim().to_string(), permissions };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = match id {
                Some(id) => api_client::call::<routes::EditRole>(&id, &(), &body).await,
                None => api_client::call::<routes::AddRole>(&(), &(), &body).await,
            };
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || t(if is_new { "roles.new" } else { "roles.edit" }).to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="role-dialog">
            <form on:submit=submit novalidate>
                <TextField id="role-name" field="name" label=tr("field.name") value=name errors=errors autofocus=true />
                <fieldset class="perm-list">
                    <legend>{tx("roles.permissions")}</legend>
                    {locked.then(|| view! { <p class="hint">{tx("roles.admin_locked")}</p> })}
                    {Permission::ALL.iter().map(|p| {
                        let p = *p;
                        let input_id = format!("perm-{}", p.key().replace('.', "-"));
                        view! {
                            <div class="field check">
                                <input
                                    type="checkbox"
                                    id=input_id.clone()
                                    disabled=locked
                                    prop:checked=move || perms.with(|v| v.contains(&p))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        perms.update(|v| { v.retain(|x| *x != p); if on { v.push(p); } });
                                    }
                                />
                                <label for=input_id>{move || permission_label(p)}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="role-save" />
                </div>
            </form>
        </Modal>
    }
}
