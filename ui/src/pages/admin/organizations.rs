//! Organisations as a tree (company → department → team): create, rename, move, delete, CSV.

use crate::components::save_button::SaveButton;
use kinmu_shared::api::routes;
use kinmu_shared::api::{Organization, SaveOrganization};
use kinmu_shared::{Permission, validation};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::confirm_delete::{ConfirmDeleteDialog, Deletion};
use crate::components::csv_transfer::{CsvSubject, CsvTransfer};
use crate::components::dialog::Modal;
use crate::components::field::{SelectField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::people::people_choices;
use crate::i18n::{t, tr, tx};

#[derive(Clone)]
enum Editing {
    /// A new organisation under this parent.
    New(Option<i64>),
    Edit(Organization),
    Delete(Organization),
}

/// Ids of `id` and everything below it (an organisation cannot move under itself).
fn subtree(all: &[Organization], id: i64) -> Vec<i64> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        let cur = out[i];
        out.extend(all.iter().filter(|o| o.parent_id == Some(cur)).map(|o| o.id));
        i += 1;
    }
    out
}

fn sorted_children(all: &[Organization], parent: Option<i64>) -> Vec<Organization> {
    let mut v: Vec<Organization> = all
        .iter()
        .filter(|o| o.parent_id == parent || (parent.is_none() && o.parent_id.is_some_and(|p| !all.iter().any(|x| x.id == p))))
        .cloned()
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let state = app();
    let can_manage = Signal::derive(move || state.can(Permission::ManageOrganizations));
    let orgs = RwSignal::new(None::<Vec<Organization>>);
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<Editing>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::organizations().await {
                Ok(o) => {
                    orgs.set(Some(o));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();

    view! {
        <section class="card wide">
            <div class="page-head">
                <h1>{tx("orgs.title")}</h1>
                <Show when=move || can_manage.get()>
                    <button type="button" class="primary" data-testid="org-new" on:click=move |_| editing.set(Some(Editing::New(None)))>{tx("orgs.new")}</button>
                </Show>
            </div>
            <CsvTransfer subject=CsvSubject::Organizations filename="organizations.csv" can_import=can_manage on_imported=Callback::new(move |_| load()) />
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            <div class="tree" data-testid="org-tree">
                {move || {
                    let _ = state.lang.get();
                    orgs.get().map(|all| {
                        if all.is_empty() {
                            view! { <p class="empty">{t("orgs.empty")}</p> }.into_any()
                        } else {
                            tree_level(&all, None, editing, can_manage.get_untracked()).into_any()
                        }
                    })
                }}
            </div>
            {move || editing.get().map(|e| {
                let all = orgs.get_untracked().unwrap_or_default();
                let done = Callback::new(move |saved: bool| { editing.set(None); if saved { load(); } });
                match e {
                    Editing::Delete(o) => view! { <ConfirmDeleteDialog delete={Deletion::of::<routes::DeleteOrganization>(o.id)} name=o.name title_key="orgs.delete_title" confirm_key="orgs.delete_confirm" dialog_testid="org-delete-dialog" confirm_testid="org-delete-confirm" on_done=done /> }.into_any(),
                    Editing::New(parent) => view! { <OrgDialog org=None parent=parent all=all on_done=done /> }.into_any(),
                    Editing::Edit(o) => { let p = o.parent_id; view! { <OrgDialog org=Some(o) parent=p all=all on_done=done /> }.into_any() }
                }
            })}
        </section>
    }
}

fn tree_level(all: &[Organization], parent: Option<i64>, editing: RwSignal<Option<Editing>>, can_manage: bool) -> AnyView {
    let items = sorted_children(all, parent);
    view! {
        <ul role=if parent.is_none() { "tree" } else { "group" }>
            {items
                .into_iter()
                .map(|o| {
                    let (oa, oe, od) = (o.id, o.clone(), o.clone());
                    let children = if all.iter().any(|c| c.parent_id == Some(o.id)) { Some(tree_level(all, Some(o.id), editing, can_manage)) } else { None };
                    let has_children = children.is_some();
                    view! {
                        <li role="treeitem" aria-expanded=has_children.then_some("true") data-testid=format!("org-{}", o.name)>
                            <div class="node">
                                <span class="name">{o.name.clone()}</span>
                                <span class="count">{format!("{} {}", o.user_count, t("orgs.users"))}</span>
                                {can_manage.then(|| view! {
                                    <span class="row-actions">
                                        <button type="button" class="small" on:click=move |_| editing.set(Some(Editing::New(Some(oa))))>{t("orgs.add_child")}</button>
                                        <button type="button" class="small" on:click={let oe = oe.clone(); move |_| editing.set(Some(Editing::Edit(oe.clone())))}>{t("orgs.rename_move")}</button>
                                        <button type="button" class="small danger" on:click={let od = od.clone(); move |_| editing.set(Some(Editing::Delete(od.clone())))}>{t("common.delete")}</button>
                                    </span>
                                })}
                            </div>
                            {children}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn OrgDialog(org: Option<Organization>, parent: Option<i64>, all: Vec<Organization>, on_done: Callback<bool>) -> impl IntoView {
    let is_new = org.is_none();
    let id = org.as_ref().map(|o| o.id);
    let name = RwSignal::new(org.as_ref().map(|o| o.name.clone()).unwrap_or_default());
    let parent_sel = RwSignal::new(parent.map(|p| p.to_string()).unwrap_or_default());
    let manager_sel = RwSignal::new(org.as_ref().and_then(|o| o.manager_id).map(|m| m.to_string()).unwrap_or_default());
    let manager_options = people_choices("orgs.no_manager", None, org.as_ref().and_then(|o| o.manager_id).map(|m| (m, m.to_string())));
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let excluded = id.map(|id| subtree(&all, id)).unwrap_or_default();
    let mut choices: Vec<(String, String)> =
        all.iter().filter(|o| !excluded.contains(&o.id)).map(|o| (o.id.to_string(), o.path.clone())).collect();
    choices.sort_by(|a, b| a.1.cmp(&b.1));
    let parent_options = Signal::derive(move || {
        let mut v = vec![(String::new(), t("orgs.no_parent").to_string())];
        v.extend(choices.clone());
        v
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !errors.check("name", validation::organization_name(&name.get_untracked())) {
            return;
        }
        let body = SaveOrganization {
            name: name.get_untracked().trim().to_string(),
            parent_id: parent_sel.get_untracked().parse().ok(),
            manager_id: manager_sel.get_untracked().parse().ok(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = match id {
                Some(id) => api_client::call::<routes::EditOrganization>(&id, &(), &body).await,
                None => api_client::call::<routes::AddOrganization>(&(), &(), &body).await,
            };
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || t(if is_new { "orgs.new" } else { "orgs.rename_move" }).to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="org-dialog">
            <form on:submit=submit novalidate>
                <TextField id="org-name" field="name" label=tr("field.name") value=name errors=errors autofocus=true />
                <SelectField id="org-parent" field="parent_id" label=tr("orgs.parent") value=parent_sel errors=errors options=parent_options />
                <SelectField id="org-manager" field="manager_id" label=tr("orgs.manager") value=manager_sel errors=errors options=manager_options />
                <p class="hint">{tx("orgs.manager_hint")}</p>
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="org-save" />
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, parent: Option<i64>, name: &str) -> Organization {
        Organization { id, name: name.into(), parent_id: parent, path: name.into(), user_count: 0, manager_id: None }
    }

    #[test]
    fn subtree_holds_every_descendant() {
        let all = vec![org(1, None, "Acme"), org(2, Some(1), "Sales"), org(3, Some(2), "Team A"), org(4, Some(1), "Support")];
        let mut s = subtree(&all, 2);
        s.sort_unstable();
        assert_eq!(s, vec![2, 3]);
        assert_eq!(subtree(&all, 1).len(), 4);
    }

    #[test]
    fn roots_include_orphans_and_children_are_sorted() {
        let all = vec![org(1, None, "Acme"), org(5, Some(99), "Orphan"), org(3, Some(1), "Zeta"), org(2, Some(1), "Alpha")];
        let roots: Vec<i64> = sorted_children(&all, None).iter().map(|o| o.id).collect();
        assert_eq!(roots, vec![1, 5]);
        let kids: Vec<String> = sorted_children(&all, Some(1)).into_iter().map(|o| o.name).collect();
        assert_eq!(kids, vec!["Alpha", "Zeta"]);
    }
}
