//! Projects (projects.manage): the list with a status filter; creating and editing a project; its
//! members with their project role; copying it as a template; and its work breakdown as an
//! indented tree (add a child, edit plans, dates, milestone, progress and assignees, delete while
//! nothing refers to an item — the server's refusal shown in the dialog).

use crate::components::save_button::SaveButton;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{
    Activity, CopyProject, MemberRole, ProgressMode, Project, ProjectRole, ProjectStatus, SaveProject, SaveProjectMembers, SaveWorkItem,
    WorkItem,
};
use kinmu_shared::api::{User, UserQuery};
use kinmu_shared::effort::{format_minutes, parse_duration};
use kinmu_shared::{ErrorCode, Permission, validation};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::assignee_checks::AssigneeChecks;
use crate::components::confirm_delete::{ConfirmDeleteDialog, Deletion};
use crate::components::csv_transfer::{CsvSubject, CsvTransfer};
use crate::components::dialog::Modal;
use crate::components::field::{CheckField, SelectField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::i18n::{t, tr, tx};
use crate::router::{Link, Route};

pub fn status_label(s: ProjectStatus) -> &'static str {
    t(match s {
        ProjectStatus::Planning => "effort.projects.status_planning",
        ProjectStatus::Active => "effort.projects.status_active",
        ProjectStatus::Closed => "effort.projects.status_closed",
    })
}

fn role_label(r: ProjectRole) -> &'static str {
    t(match r {
        ProjectRole::Manager => "effort.projects.role_manager",
        ProjectRole::Member => "effort.projects.role_member",
    })
}

/// Empty text as none, otherwise the trimmed text.
fn optional(s: String) -> Option<String> {
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// The work items under `parent`, in the server's order (by path).
fn children(all: &[WorkItem], parent: Option<i64>) -> Vec<WorkItem> {
    all.iter().filter(|w| w.parent_id == parent).cloned().collect()
}

#[derive(Clone)]
enum Dialog {
    NewProject,
    EditProject(Project),
    Members(Project),
    Copy(Project),
    NewItem(Project, Option<WorkItem>),
    EditItem(Project, WorkItem),
    DeleteItem(WorkItem),
}

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let state = app();
    let projects = RwSignal::new(None::<Vec<Project>>);
    let users = RwSignal::new(Vec::<User>::new());
    let activities = RwSignal::new(Vec::<Activity>::new());
    let filter = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<i64>);
    let items = RwSignal::new(None::<Vec<WorkItem>>);
    let error = RwSignal::new(None::<String>);
    let dialog = RwSignal::new(None::<Dialog>);

    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListProjects>(&(), &(), &Empty).await {
                Ok(p) => {
                    projects.set(Some(p));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let load_items = move || {
        let Some(id) = selected.get_untracked() else {
            items.set(None);
            return;
        };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListWorkItems>(&id, &(), &Empty).await {
                Ok(w) => items.set(Some(w)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    // The dialogs choose among the users and activities: the page is ready once both are here.
    let ready = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        let q = UserQuery { limit: Some(500), ..Default::default() };
        match api_client::call::<routes::ListUsers>(&(), &q, &Empty).await {
            Ok(list) => users.set(list.users),
            // A role with projects.manage and without users.view: the project keeps its members,
            // and the manager is the one who creates it.
            Err(e) if e.code == ErrorCode::Forbidden => {}
            Err(e) => error.set(Some(e.message)),
        }
        match api_client::call::<routes::ListActivities>(&(), &(), &Empty).await {
            Ok(a) => activities.set(a),
            Err(e) => error.set(Some(e.message)),
        }
        ready.set(true);
        load();
    });

    let open = move |id: i64| {
        selected.set(Some(id));
        items.set(None);
        load_items();
    };
    let current = Memo::new(move |_| {
        let id = selected.get()?;
        projects.with(|p| p.as_ref().and_then(|p| p.iter().find(|p| p.id == id).cloned()))
    });
    let filter_options = Signal::derive(move || {
        let mut v = vec![(String::new(), t("effort.projects.all_statuses").to_string())];
        v.extend(ProjectStatus::ALL.iter().map(|s| (s.key().to_string(), status_label(*s).to_string())));
        v
    });
    let filter_errors = FormErrors::new();

    view! {
        <section class="card wide">
            <div class="page-head">
                <h1>{tx("effort.projects.title")}</h1>
                <button type="button" class="primary" data-testid="project-new" disabled=move || !ready.get() on:click=move |_| dialog.set(Some(Dialog::NewProject))>
                    {tx("effort.projects.new")}
                </button>
            </div>
            <Show when=move || state.can(Permission::ManageSettings)>
                <p>
                    <Link route=Route::EffortSettings testid="effort-settings-link">{tx("effort.activities.settings_link")}</Link>
                </p>
            </Show>
            <div class="filters">
                <SelectField id="project-status-filter" field="status_filter" label=tr("effort.projects.status") value=filter errors=filter_errors options=filter_options />
            </div>
            <CsvTransfer subject=CsvSubject::Projects filename="projects.csv" can_import={Signal::derive(move || state.can(Permission::ManageProjects))} on_imported=Callback::new(move |_| load()) />
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || {
                let _ = state.lang.get();
                let f = filter.get();
                let all_users = users.get();
                projects.get().map(|all| {
                    let shown: Vec<Project> = all.into_iter().filter(|p| f.is_empty() || p.status.key() == f).collect();
                    if shown.is_empty() {
                        return view! { <p class="empty">{t("effort.projects.empty")}</p> }.into_any();
                    }
                    view! {
                        <table class="list" data-testid="project-table">
                            <thead>
                                <tr>
                                    <th>{t("effort.projects.code")}</th>
                                    <th>{t("field.name")}</th>
                                    <th>{t("effort.projects.client")}</th>
                                    <th>{t("effort.projects.manager")}</th>
                                    <th>{t("effort.projects.status")}</th>
                                    <th>{t("effort.projects.members")}</th>
                                    <th>{t("common.actions")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {shown
                                    .into_iter()
                                    .map(|p| {
                                        let id = p.id;
                                        let manager = p
                                            .manager_id
                                            .and_then(|m| all_users.iter().find(|u| u.id == m).map(|u| u.display_name.clone())
                                                .or_else(|| p.members.iter().find(|x| x.user_id == m).map(|x| x.display_name.clone())))
                                            .unwrap_or_default();
                                        view! {
                                            <tr data-testid=format!("project-{}", p.code) aria-current=move || (selected.get() == Some(id)).then_some("true")>
                                                <td>{p.code.clone()}</td>
                                                <td>{p.name.clone()}</td>
                                                <td>{p.client.clone()}</td>
                                                <td>{manager}</td>
                                                <td>{status_label(p.status)}</td>
                                                <td>{p.members.len()}</td>
                                                <td>
                                                    <button type="button" class="small" data-testid=format!("project-open-{}", p.code) on:click=move |_| open(id)>
                                                        {t("effort.projects.open")}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                })
            }}
            {move || current.get().map(|p| project_detail(p, items, dialog))}
            {move || dialog.get().map(|d| {
                let done = Callback::new(move |saved: bool| {
                    dialog.set(None);
                    if saved {
                        load();
                        load_items();
                    }
                });
                let all_users = users.get_untracked();
                match d {
                    Dialog::NewProject => view! { <ProjectDialog project=None users=all_users activities=activities.get_untracked() on_saved=Callback::new(move |p: Project| { dialog.set(None); load(); open(p.id); }) on_cancel=Callback::new(move |_| dialog.set(None)) /> }.into_any(),
                    Dialog::EditProject(p) => view! { <ProjectDialog project=Some(p) users=all_users activities=activities.get_untracked() on_saved=Callback::new(move |_| done.run(true)) on_cancel=Callback::new(move |_| done.run(false)) /> }.into_any(),
                    Dialog::Members(p) => view! { <MembersDialog project=p users=all_users on_done=done /> }.into_any(),
                    Dialog::Copy(p) => view! { <CopyDialog project=p on_saved=Callback::new(move |p: Project| { dialog.set(None); load(); open(p.id); }) on_cancel=Callback::new(move |_| dialog.set(None)) /> }.into_any(),
                    Dialog::NewItem(p, parent) => view! { <WorkItemDialog project=p parent=parent item=None on_done=done /> }.into_any(),
                    Dialog::EditItem(p, w) => { let parent = None; view! { <WorkItemDialog project=p parent=parent item=Some(w) on_done=done /> }.into_any() }
                    Dialog::DeleteItem(w) => view! { <ConfirmDeleteDialog delete={Deletion::of::<routes::DeleteWorkItem>(w.id)} name=w.path title_key="effort.projects.item_delete_title" confirm_key="effort.projects.item_delete_confirm" dialog_testid="work-item-delete-dialog" confirm_testid="work-item-delete-confirm" on_done=done /> }.into_any(),
                }
            })}
        </section>
    }
}

fn project_detail(p: Project, items: RwSignal<Option<Vec<WorkItem>>>, dialog: RwSignal<Option<Dialog>>) -> AnyView {
    let (pe, pm, pc, pi) = (p.clone(), p.clone(), p.clone(), p.clone());
    let plan_query = format!("project={}", p.id);
    let gantt_query = plan_query.clone();
    let members = p.members.clone();
    let dates = format!("{} – {}", p.planned_start.clone().unwrap_or_default(), p.planned_end.clone().unwrap_or_default());
    view! {
        <section class="project-detail" data-testid="project-detail" aria-labelledby="project-detail-title">
            <div class="page-head">
                <h2 id="project-detail-title">{format!("{} {}", p.code, p.name)}</h2>
                <span class="row-actions">
                    <button type="button" data-testid="project-edit" on:click=move |_| dialog.set(Some(Dialog::EditProject(pe.clone())))>{tx("common.edit")}</button>
                    <button type="button" data-testid="project-members" on:click=move |_| dialog.set(Some(Dialog::Members(pm.clone())))>{tx("effort.projects.edit_members")}</button>
                    <button type="button" data-testid="project-copy" on:click=move |_| dialog.set(Some(Dialog::Copy(pc.clone())))>{tx("effort.projects.copy")}</button>
                    <button type="button" data-testid="project-plan" on:click=move |_| crate::router::navigate_with_query(Route::EffortPlan, &plan_query)>{tx("plan.open")}</button>
                    <button type="button" data-testid="project-gantt" on:click=move |_| crate::router::navigate_with_query(Route::EffortGantt, &gantt_query)>{tx("gantt.open")}</button>
                </span>
            </div>
            <dl class="facts">
                <dt>{tx("effort.projects.status")}</dt>
                <dd data-testid="project-status">{move || status_label(p.status)}</dd>
                <dt>{tx("effort.projects.planned")}</dt>
                <dd>{dates}</dd>
                <dt>{tx("effort.projects.progress_mode")}</dt>
                <dd>{move || t(if p.progress_mode == ProgressMode::Entered { "effort.projects.progress_entered" } else { "effort.projects.progress_derived" })}</dd>
            </dl>
            <h3>{tx("effort.projects.members")}</h3>
            <ul class="plain" data-testid="project-member-list">
                {members
                    .into_iter()
                    .map(|m| view! { <li data-testid=format!("project-member-{}", m.login)>{format!("{} ({})", m.display_name, m.login)} " — " {move || role_label(m.role)}</li> })
                    .collect_view()}
            </ul>
            <div class="page-head">
                <h3>{tx("effort.projects.work_breakdown")}</h3>
                <button type="button" data-testid="work-item-new" on:click=move |_| dialog.set(Some(Dialog::NewItem(pi.clone(), None)))>{tx("effort.projects.item_new")}</button>
            </div>
            <div class="tree" data-testid="work-item-tree">
                {move || {
                    let _ = app().lang.get();
                    items.get().map(|all| {
                        if all.is_empty() {
                            view! { <p class="empty">{t("effort.projects.items_empty")}</p> }.into_any()
                        } else {
                            item_level(&all, None, &p, dialog)
                        }
                    })
                }}
            </div>
        </section>
    }
    .into_any()
}

fn item_level(all: &[WorkItem], parent: Option<i64>, project: &Project, dialog: RwSignal<Option<Dialog>>) -> AnyView {
    let level = children(all, parent);
    view! {
        <ul role=if parent.is_none() { "tree" } else { "group" }>
            {level
                .into_iter()
                .map(|w| {
                    let sub = all.iter().any(|c| c.parent_id == Some(w.id)).then(|| item_level(all, Some(w.id), project, dialog));
                    let expanded = sub.is_some().then_some("true");
                    let (pa, pe) = (project.clone(), project.clone());
                    let (wa, we, wd) = (w.clone(), w.clone(), w.clone());
                    let assignees: Vec<String> = w
                        .assignee_ids
                        .iter()
                        .filter_map(|id| project.members.iter().find(|m| m.user_id == *id).map(|m| m.display_name.clone()))
                        .collect();
                    let planned = w.planned_minutes.map(format_minutes).unwrap_or_else(|| "—".into());
                    let dates = match (&w.planned_start, &w.planned_end) {
                        (None, None) => String::new(),
                        (s, e) => format!("{} – {}", s.clone().unwrap_or_default(), e.clone().unwrap_or_default()),
                    };
                    view! {
                        <li role="treeitem" aria-expanded=expanded data-testid=format!("work-item-{}", w.path)>
                            <div class="node">
                                <span class="name">{w.name.clone()}</span>
                                {w.milestone.then(|| view! { <span class="badge" data-testid="milestone">{t("effort.projects.milestone")}</span> })}
                                <span class="count" data-testid="work-item-planned">{format!("{} {planned}", t("effort.projects.planned_hours"))}</span>
                                <span class="count">{format!("{} {}", t("effort.projects.actual_hours"), format_minutes(w.actual_minutes))}</span>
                                {w.progress_percent.map(|p| view! { <span class="count" data-testid="work-item-progress">{format!("{p}%")}</span> })}
                                {(!dates.is_empty()).then(|| view! { <span class="count">{dates}</span> })}
                                {(!assignees.is_empty()).then(|| view! { <span class="count" data-testid="work-item-assignees">{assignees.join(", ")}</span> })}
                                <span class="row-actions">
                                    <button type="button" class="small" on:click=move |_| dialog.set(Some(Dialog::NewItem(pa.clone(), Some(wa.clone()))))>{t("effort.projects.add_child")}</button>
                                    <button type="button" class="small" on:click=move |_| dialog.set(Some(Dialog::EditItem(pe.clone(), we.clone())))>{t("common.edit")}</button>
                                    <button type="button" class="small danger" on:click=move |_| dialog.set(Some(Dialog::DeleteItem(wd.clone())))>{t("common.delete")}</button>
                                </span>
                            </div>
                            {sub}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ProjectDialog(
    project: Option<Project>,
    users: Vec<User>,
    activities: Vec<Activity>,
    on_saved: Callback<Project>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let id = project.as_ref().map(|p| p.id);
    let p = project.clone();
    let code = RwSignal::new(p.as_ref().map(|p| p.code.clone()).unwrap_or_default());
    let name = RwSignal::new(p.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let client = RwSignal::new(p.as_ref().map(|p| p.client.clone()).unwrap_or_default());
    let manager = RwSignal::new(p.as_ref().and_then(|p| p.manager_id).map(|m| m.to_string()).unwrap_or_default());
    let start = RwSignal::new(p.as_ref().and_then(|p| p.planned_start.clone()).unwrap_or_default());
    let end = RwSignal::new(p.as_ref().and_then(|p| p.planned_end.clone()).unwrap_or_default());
    let status = RwSignal::new(p.as_ref().map(|p| p.status).unwrap_or_default().key().to_string());
    let allow_unassigned = RwSignal::new(p.as_ref().is_some_and(|p| p.allow_unassigned));
    let progress = RwSignal::new(p.as_ref().map(|p| p.progress_mode).unwrap_or_default().key().to_string());
    let chosen = RwSignal::new(p.as_ref().map(|p| p.activity_ids.clone()).unwrap_or_default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let manager_options = Signal::derive(move || {
        let mut v = vec![(String::new(), t("effort.projects.me_as_manager").to_string())];
        v.extend(users.iter().filter(|u| u.active).map(|u| (u.id.to_string(), format!("{} ({})", u.display_name, u.login))));
        v
    });
    let status_options =
        Signal::derive(|| ProjectStatus::ALL.iter().map(|s| (s.key().to_string(), status_label(*s).to_string())).collect());
    let progress_options = Signal::derive(|| {
        vec![
            (ProgressMode::Entered.key().to_string(), t("effort.projects.progress_entered").to_string()),
            (ProgressMode::Derived.key().to_string(), t("effort.projects.progress_derived").to_string()),
        ]
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut ok = errors.check("code", validation::required_text("code", &code.get_untracked(), 40));
        ok &= errors.check("name", validation::required_text("name", &name.get_untracked(), validation::NAME_MAX));
        if !ok {
            return;
        }
        let body = SaveProject {
            code: code.get_untracked().trim().to_string(),
            name: name.get_untracked().trim().to_string(),
            client: client.get_untracked().trim().to_string(),
            manager_id: manager.get_untracked().parse().ok(),
            planned_start: optional(start.get_untracked()),
            planned_end: optional(end.get_untracked()),
            status: ProjectStatus::from_key(&status.get_untracked()).unwrap_or_default(),
            allow_unassigned: allow_unassigned.get_untracked(),
            progress_mode: ProgressMode::from_key(&progress.get_untracked()).unwrap_or_default(),
            activity_ids: chosen.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = match id {
                Some(id) => api_client::call::<routes::EditProject>(&id, &(), &body).await,
                None => api_client::call::<routes::AddProject>(&(), &(), &body).await,
            };
            busy.set(false);
            match r {
                Ok(p) => on_saved.run(p),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || t(if id.is_none() { "effort.projects.new" } else { "effort.projects.edit" }).to_string());
    let active_activities: Vec<Activity> = activities.into_iter().filter(|a| a.active).collect();
    // The activity levels by the company's names.
    let settings = RwSignal::new(kinmu_shared::api::EffortSettings::default());
    leptos::task::spawn_local(async move {
        if let Ok(s) = api_client::call::<routes::GetEffortSettings>(&(), &(), &Empty).await {
            settings.set(s);
        }
    });
    let level_name = move |level: i64| {
        settings
            .with(|s| s.activity_label(level).map(str::to_string))
            .unwrap_or_else(|| format!("{} {level}", t("effort.activities.level")))
    };
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_cancel.run(())) testid="project-dialog">
            <form on:submit=submit novalidate>
                <TextField id="project-code" field="code" label=tr("effort.projects.code") value=code errors=errors autofocus=true />
                <TextField id="project-name" field="name" label=tr("field.name") value=name errors=errors />
                <TextField id="project-client" field="client" label=tr("effort.projects.client") value=client errors=errors />
                <SelectField id="project-manager" field="manager_id" label=tr("effort.projects.manager") value=manager errors=errors options=manager_options />
                <TextField id="project-start" field="planned_start" label=tr("effort.projects.planned_start") value=start errors=errors kind="date" />
                <TextField id="project-end" field="planned_end" label=tr("effort.projects.planned_end") value=end errors=errors kind="date" />
                <SelectField id="project-status" field="status" label=tr("effort.projects.status") value=status errors=errors options=status_options />
                <SelectField id="project-progress" field="progress_mode" label=tr("effort.projects.progress_mode") value=progress errors=errors options=progress_options />
                <CheckField id="project-allow-unassigned" label=tr("effort.projects.allow_unassigned") value=allow_unassigned />
                {(!active_activities.is_empty()).then(|| view! {
                    <fieldset class="checks">
                        <legend>{tx("effort.projects.activities")}</legend>
                        <p class="hint">{tx("effort.projects.activities_hint")}</p>
                        {active_activities
                            .into_iter()
                            .map(|a| {
                                let aid = a.id;
                                let input_id = format!("project-activity-{aid}");
                                view! {
                                    <div class="field check">
                                        <input
                                            id=input_id.clone()
                                            type="checkbox"
                                            prop:checked=move || chosen.with(|c| c.contains(&aid))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                chosen.update(|c| {
                                                    c.retain(|x| *x != aid);
                                                    if on {
                                                        c.push(aid);
                                                    }
                                                });
                                            }
                                        />
                                        <label for=input_id>{move || format!("{} {}", level_name(a.level), a.name)}</label>
                                    </div>
                                }
                            })
                            .collect_view()}
                    </fieldset>
                })}
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_cancel.run(())>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="project-save" />
                </div>
            </form>
        </Modal>
    }
}

/// A person the members dialog offers: (user id, login, display name).
type Candidate = (i64, String, String);

/// The people the members dialog offers: the project's members, then every other active user,
/// each once (the members stay offered when the users list could not be read).
fn candidates(project: &Project, users: &[User]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = project.members.iter().map(|m| (m.user_id, m.login.clone(), m.display_name.clone())).collect();
    out.extend(
        users
            .iter()
            .filter(|u| u.active && !project.members.iter().any(|m| m.user_id == u.id))
            .map(|u| (u.id, u.login.clone(), u.display_name.clone())),
    );
    out
}

/// Each member and active user with a choice: not a member, member, manager.
#[component]
fn MembersDialog(project: Project, users: Vec<User>, on_done: Callback<bool>) -> impl IntoView {
    let id = project.id;
    let rows: Vec<(Candidate, RwSignal<String>)> = candidates(&project, &users)
        .into_iter()
        .map(|c| {
            let role = project.members.iter().find(|m| m.user_id == c.0).map(|m| m.role.key().to_string()).unwrap_or_default();
            (c, RwSignal::new(role))
        })
        .collect();
    let chosen = rows.clone();
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let members = chosen
            .iter()
            .filter_map(|((user_id, ..), r)| ProjectRole::from_key(&r.get_untracked()).map(|role| MemberRole { user_id: *user_id, role }))
            .collect();
        let body = SaveProjectMembers { members };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::EditProjectMembers>(&id, &(), &body).await;
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || t("effort.projects.edit_members").to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="members-dialog">
            <form on:submit=submit novalidate>
                <table class="list">
                    <thead>
                        <tr>
                            <th>{tx("field.display_name")}</th>
                            <th>{tx("effort.projects.project_role")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .enumerate()
                            .map(|(i, ((_, login, display_name), role))| {
                                let select_id = format!("member-role-{login}");
                                view! {
                                    <tr data-testid=format!("member-{login}")>
                                        <td><label for=select_id.clone()>{format!("{display_name} ({login})")}</label></td>
                                        <td>
                                            <select
                                                id=select_id
                                                autofocus=i == 0
                                                prop:value=move || role.get()
                                                on:change=move |ev| role.set(event_target_value(&ev))
                                            >
                                                <option value="" selected=role.get_untracked().is_empty()>{t("effort.projects.not_member")}</option>
                                                <option value="member" selected=role.get_untracked() == "member">{t("effort.projects.role_member")}</option>
                                                <option value="manager" selected=role.get_untracked() == "manager">{t("effort.projects.role_manager")}</option>
                                            </select>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="members-save" />
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn CopyDialog(project: Project, on_saved: Callback<Project>, on_cancel: Callback<()>) -> impl IntoView {
    let id = project.id;
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(project.name.clone());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut ok = errors.check("code", validation::required_text("code", &code.get_untracked(), 40));
        ok &= errors.check("name", validation::required_text("name", &name.get_untracked(), validation::NAME_MAX));
        if !ok {
            return;
        }
        let body = CopyProject { code: code.get_untracked().trim().to_string(), name: name.get_untracked().trim().to_string() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::CopyProjectTemplate>(&id, &(), &body).await;
            busy.set(false);
            match r {
                Ok(p) => on_saved.run(p),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || t("effort.projects.copy").to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_cancel.run(())) testid="copy-dialog">
            <form on:submit=submit novalidate>
                <p class="hint">{tx("effort.projects.copy_hint")}</p>
                <TextField id="copy-code" field="code" label=tr("effort.projects.code") value=code errors=errors autofocus=true />
                <TextField id="copy-name" field="name" label=tr("field.name") value=name errors=errors />
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_cancel.run(())>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="copy-save" />
                </div>
            </form>
        </Modal>
    }
}

/// A new work item under `parent`, or `item` changed (its place in the tree kept).
#[component]
fn WorkItemDialog(project: Project, parent: Option<WorkItem>, item: Option<WorkItem>, on_done: Callback<bool>) -> impl IntoView {
    let project_id = project.id;
    let item_id = item.as_ref().map(|w| w.id);
    let parent_id = item.as_ref().map_or(parent.as_ref().map(|p| p.id), |w| w.parent_id);
    let entered = project.progress_mode == ProgressMode::Entered;
    let name = RwSignal::new(item.as_ref().map(|w| w.name.clone()).unwrap_or_default());
    let planned = RwSignal::new(item.as_ref().and_then(|w| w.planned_minutes).map(format_minutes).unwrap_or_default());
    let start = RwSignal::new(item.as_ref().and_then(|w| w.planned_start.clone()).unwrap_or_default());
    let end = RwSignal::new(item.as_ref().and_then(|w| w.planned_end.clone()).unwrap_or_default());
    let milestone = RwSignal::new(item.as_ref().is_some_and(|w| w.milestone));
    let progress = RwSignal::new(if entered {
        item.as_ref().and_then(|w| w.progress_percent).map(|p| p.to_string()).unwrap_or_default()
    } else {
        String::new()
    });
    let assignees = RwSignal::new(item.as_ref().map(|w| w.assignee_ids.clone()).unwrap_or_default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut ok = errors.check("name", validation::required_text("name", &name.get_untracked(), validation::NAME_MAX));
        let planned_text = planned.get_untracked();
        let planned_minutes = if planned_text.trim().is_empty() {
            None
        } else {
            match parse_duration(&planned_text) {
                Ok(m) => Some(m),
                Err(e) => {
                    let text = e.text();
                    errors.set_field("planned_minutes", text.get(app().lang.get_untracked()).unwrap_or(text.en()).to_string());
                    ok = false;
                    None
                }
            }
        };
        let progress_text = progress.get_untracked();
        let progress_percent = if progress_text.trim().is_empty() {
            None
        } else {
            match progress_text.trim().parse::<i64>() {
                Ok(p) if (0..=100).contains(&p) => Some(p),
                _ => {
                    errors.set_field("progress_percent", t("effort.projects.progress_invalid"));
                    ok = false;
                    None
                }
            }
        };
        if !ok {
            return;
        }
        let body = SaveWorkItem {
            parent_id,
            name: name.get_untracked().trim().to_string(),
            planned_minutes,
            planned_start: optional(start.get_untracked()),
            planned_end: optional(end.get_untracked()),
            milestone: milestone.get_untracked(),
            progress_percent,
            assignee_ids: assignees.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = match item_id {
                Some(id) => api_client::call::<routes::EditWorkItem>(&id, &(), &body).await,
                None => api_client::call::<routes::AddWorkItem>(&project_id, &(), &body).await,
            };
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let parent_path = parent.as_ref().map(|p| p.path.clone());
    let title =
        Signal::derive(move || t(if item_id.is_none() { "effort.projects.item_new" } else { "effort.projects.item_edit" }).to_string());
    let members = project.members.clone();
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="work-item-dialog">
            <form on:submit=submit novalidate>
                {parent_path.map(|p| view! { <p class="hint" data-testid="work-item-parent">{move || format!("{}: {p}", t("effort.projects.parent_item"))}</p> })}
                <TextField id="work-item-name" field="name" label=tr("field.name") value=name errors=errors autofocus=true />
                <TextField id="work-item-planned" field="planned_minutes" label=tr("effort.projects.planned_hours") value=planned errors=errors hint=tr("effort.projects.hours_hint") />
                <TextField id="work-item-start" field="planned_start" label=tr("effort.projects.planned_start") value=start errors=errors kind="date" />
                <TextField id="work-item-end" field="planned_end" label=tr("effort.projects.planned_end") value=end errors=errors kind="date" />
                <CheckField id="work-item-milestone" label=tr("effort.projects.milestone") value=milestone />
                {entered.then(|| view! { <TextField id="work-item-progress" field="progress_percent" label=tr("effort.projects.progress_percent") value=progress errors=errors kind="number" /> })}
                <AssigneeChecks id_prefix="assignee" members=members value=assignees />
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="work-item-save" />
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use kinmu_shared::api::ProjectMember;

    use super::*;

    fn item(id: i64, parent: Option<i64>, path: &str) -> WorkItem {
        WorkItem {
            id,
            project_id: 1,
            parent_id: parent,
            name: path.rsplit(" / ").next().unwrap_or(path).into(),
            path: path.into(),
            planned_minutes: None,
            planned_start: None,
            planned_end: None,
            milestone: false,
            progress_percent: None,
            assignee_ids: vec![],
            actual_minutes: 0,
        }
    }

    #[test]
    fn children_are_the_items_directly_under_a_parent() {
        let all = vec![
            item(1, None, "Design"),
            item(2, Some(1), "Design / Screens"),
            item(3, Some(2), "Design / Screens / Login"),
            item(4, None, "Build"),
        ];
        let top: Vec<i64> = children(&all, None).iter().map(|w| w.id).collect();
        assert_eq!(top, vec![1, 4]);
        let under: Vec<i64> = children(&all, Some(1)).iter().map(|w| w.id).collect();
        assert_eq!(under, vec![2]);
    }

    #[test]
    fn members_are_offered_even_without_the_users_list() {
        let member = ProjectMember { user_id: 7, login: "sato".into(), display_name: "Sato".into(), role: ProjectRole::Member };
        let project = Project {
            id: 1,
            code: "P".into(),
            name: "P".into(),
            client: String::new(),
            manager_id: None,
            planned_start: None,
            planned_end: None,
            status: ProjectStatus::Active,
            allow_unassigned: false,
            progress_mode: ProgressMode::Entered,
            activity_ids: vec![],
            members: vec![member],
            created_at: 0,
        };
        assert_eq!(candidates(&project, &[]), vec![(7, "sato".to_string(), "Sato".to_string())]);
    }

    #[test]
    fn blank_text_is_none() {
        assert_eq!(optional("  ".into()), None);
        assert_eq!(optional(" 2026-12-01 ".into()), Some("2026-12-01".into()));
    }
}
