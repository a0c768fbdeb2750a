//! The resource view (要員負荷) for project managers (projects.manage): people as rows, ISO weeks
//! as columns, each cell the planned hours from the person's assignments against their working
//! hours and the load; an over-allocated week marked by a sign and a word as well as its colour.
//! Filters: the weeks (from, to), an organisation (with the ones below it), a project (its
//! members and assignees). Planned hours without dates are shown beside the weeks; the work
//! nobody is assigned to in a row of its own. The view as CSV (UTF-8 with BOM).

use kinmu_shared::api::routes;
use kinmu_shared::api::{ResourceQuery, ResourceView, ResourceWeek};
use leptos::prelude::*;

use crate::components::csv_transfer::file_button;
use crate::components::filter_select::{FilterSelect, OrganizationFilter, project_choices};
use crate::components::latest_answer::follow_query;
use crate::datetime::{hm, today};
use crate::i18n::{t, tx};

fn query(from: String, to: String, org: String, project: String) -> ResourceQuery {
    let blank = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    ResourceQuery { from: blank(from), to: blank(to), organization_id: org.parse().ok(), project_id: project.parse().ok() }
}

#[component]
pub fn ResourcesPage() -> impl IntoView {
    let from = RwSignal::new(today());
    let to = RwSignal::new(String::new());
    let org = RwSignal::new(String::new());
    let project = RwSignal::new(String::new());
    let view_data = RwSignal::new(None::<ResourceView>);
    let error = RwSignal::new(None::<String>);
    let project_filter = project_choices(project, Some("resources.all_projects"), error);
    follow_query::<routes::GetResources>(move || query(from.get(), to.get(), org.get(), project.get()), view_data, error);
    let csv = file_button::<routes::DownloadResources, _, _>(
        "resources-download",
        "csv",
        "CSV",
        move |_| ((), query(from.get(), to.get(), org.get(), project.get())),
        move |_| format!("resources-{}.csv", from.get()),
        error,
    );
    let body = move || {
        let _ = crate::app_state::app().lang.get();
        view_data.with(|v| v.as_ref().map(table))
    };
    view! {
        <section class="card wide resources">
            <h1>{tx("resources.title")}</h1>
            <p class="hint">{tx("resources.hint")}</p>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <div class="field">
                    <label for="res-from">{tx("resources.from")}</label>
                    <input id="res-from" type="date" data-testid="res-from" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="res-to">{tx("resources.to")}</label>
                    <input id="res-to" type="date" data-testid="res-to" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev)) />
                </div>
                <OrganizationFilter id="res-org" value=org />
                <FilterSelect id="res-project" label="plan.project" value=project choices=project_filter />
            </form>
            <div class="actions downloads">{csv}</div>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {body}
        </section>
    }
}

/// A cell's text: `planned / working`, the load, and the over-allocation mark.
fn cell(w: &ResourceWeek, testid: String) -> AnyView {
    let load = w.load_percent.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into());
    let over = w.over.then(|| view! { <strong class="mark">{format!("‼ {}", t("resources.over"))}</strong> });
    view! {
        <td class="num load" class:over=w.over data-testid=testid data-over=w.over.to_string()>
            <span class="planned">{hm(w.planned_minutes)}</span>
            " / "
            <span class="working">{hm(w.working_minutes)}</span>
            <br />
            <span class="percent">{load}</span>
            " "
            {over}
        </td>
    }
    .into_any()
}

fn table(v: &ResourceView) -> AnyView {
    if v.people.is_empty() {
        return view! { <p class="empty" data-testid="res-empty">{tx("resources.none")}</p> }.into_any();
    }
    let heads = v
        .weeks
        .iter()
        .zip(&v.week_names)
        .map(|(monday, name)| {
            view! {
                <th scope="col" class="num">
                    {name.clone()}
                    <br />
                    <small>{monday.clone()}</small>
                </th>
            }
        })
        .collect_view();
    let rows = v
        .people
        .iter()
        .map(|p| {
            let cells = p.weeks.iter().zip(&v.weeks).map(|(w, monday)| cell(w, format!("res-cell-{}-{monday}", p.login))).collect_view();
            let unscheduled = if p.unscheduled_items > 0 {
                format!("{} ({} {})", hm(p.unscheduled_minutes), p.unscheduled_items, t("resources.items"))
            } else {
                "—".into()
            };
            view! {
                <tr class:has-over={p.over_weeks > 0} data-testid=format!("res-row-{}", p.login)>
                    <th scope="row">
                        {p.display_name.clone()}
                        <br />
                        <small>{p.login.clone()}</small>
                    </th>
                    <td>{p.organization_path.clone()}</td>
                    {cells}
                    <td class="num">{format!("{} / {}", hm(p.planned_minutes), hm(p.working_minutes))}</td>
                    <td class="num" data-testid=format!("res-unscheduled-{}", p.login)>{unscheduled}</td>
                </tr>
            }
        })
        .collect_view();
    let u = &v.unassigned;
    let unassigned_cells = u.weeks.iter().map(|m| view! { <td class="num">{hm(*m)}</td> }).collect_view();
    let unassigned_unscheduled = if u.unscheduled_items > 0 {
        format!("{} ({} {})", hm(u.unscheduled_minutes), u.unscheduled_items, t("resources.items"))
    } else {
        "—".into()
    };
    let over_people = v.people.iter().filter(|p| p.over_weeks > 0).count();
    view! {
        <p class="summary" data-testid="res-summary">
            {format!("{}: {} / {}", t("resources.people_over"), over_people, v.people.len())}
            {(v.items_without_plan > 0).then(|| format!(" · {}: {}", t("resources.items_without_plan"), v.items_without_plan))}
        </p>
        <div class="table-wrap" role="region" aria-label=t("resources.title") tabindex="0">
            <table class="data resource-table" data-testid="res-table">
                <caption class="visually-hidden">{tx("resources.caption")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tx("resources.person")}</th>
                        <th scope="col">{tx("field.organization")}</th>
                        {heads}
                        <th scope="col" class="num">{tx("resources.total")}</th>
                        <th scope="col" class="num">{tx("resources.unscheduled")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    <tr class="unassigned" data-testid="res-row-unassigned">
                        <th scope="row">{tx("resources.unassigned")}</th>
                        <td></td>
                        {unassigned_cells}
                        <td class="num">{hm(u.planned_minutes)}</td>
                        <td class="num">{unassigned_unscheduled}</td>
                    </tr>
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
