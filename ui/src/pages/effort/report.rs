//! The effort report (工数集計) for managers (projects.manage): a period, up to two groupings,
//! filters (project, work item with the items below it, activity 1 and 2, person, organisation)
//! and a rounding, chosen by form (a person without projects.manage sees their own effort and is
//! offered no person to choose); the table with each
//! group's subtotal and the total; the groups as a chart; the report as CSV (three encodings) or
//! Excel. The counting is the server's (`GET /effort/report`). The form lives in the address bar
//! as the same typed query the server reads (`?from=…&to=…&group_by=project,person&…`): each
//! change adds a history entry, and the page is built from the address — a bookmark, a shared
//! link, a reload, back and forward all show the same report.

use kinmu_shared::Permission;
use kinmu_shared::api::routes;
use kinmu_shared::api::{
    CSV_ENCODINGS, EffortReport, EffortReportDownloadQuery, EffortReportQuery, Project, ReportValue, UserList, UserQuery,
};
use leptos::prelude::*;

use crate::components::bar_chart::{Bar, horizontal_bars};
use crate::components::csv_transfer::{encoding_choice, file_buttons};
use crate::components::effort_choices::{
    EffortChoices, dimension_key, grouping_choices, round_per_choices, rounding_choices, with_all, work_item_choices,
};
use crate::components::filter_select::{FilterSelect, OrganizationFilter};
use crate::components::latest_answer::follow_query;
use crate::datetime::{hm, today};
use crate::i18n::{t, tx};
use crate::router::{query_string, set_query};

/// Groups drawn in the chart (the largest first).
const CHART_GROUPS: usize = 30;

/// A value as shown: code and name, or the dimension's "none".
fn shown(v: &ReportValue) -> String {
    if v.id.is_none() {
        t("effort_report.none").to_string()
    } else if v.code.is_empty() {
        v.name.clone()
    } else {
        format!("{} {}", v.code, v.name)
    }
}

/// The report the address asks for: its query string read as the server's [`EffortReportQuery`];
/// None when it is not one (no query, or one edited by hand into something else).
fn asked() -> Option<EffortReportQuery> {
    serde_urlencoded::from_str::<EffortReportQuery>(&query_string()).ok().filter(|q| !q.from.is_empty() && !q.to.is_empty())
}

/// The report shown without an address's query: this month so far, by project and person.
fn default_query(today: &str) -> EffortReportQuery {
    EffortReportQuery {
        from: format!("{}-01", &today[..7]),
        to: today.to_string(),
        group_by: Some("project,person".into()),
        round_to: Some(15),
        round_per: Some("entry".into()),
        ..Default::default()
    }
}

#[component]
pub fn EffortReportPage() -> impl IntoView {
    let manager = crate::app_state::app().can(Permission::ManageProjects);
    let start = asked().unwrap_or_else(|| default_query(&today()));
    let id = |v: Option<i64>| RwSignal::new(v.map(|i| i.to_string()).unwrap_or_default());
    let from = RwSignal::new(start.from.clone());
    let to = RwSignal::new(start.to.clone());
    let mut groups = start.group_by.as_deref().unwrap_or_default().split(',').map(str::to_string);
    let first = RwSignal::new(groups.next().unwrap_or_default());
    let second = RwSignal::new(groups.next().unwrap_or_default());
    let project = id(start.project_id);
    let work_item = id(start.work_item_id);
    let activity1 = id(start.activity1_id);
    let activity2 = id(start.activity2_id);
    // Only a manager chooses a person (anyone else's report is their own).
    let person = id(start.user_id.filter(|_| manager));
    let org = id(start.organization_id);
    let rounding = RwSignal::new(start.rounding.clone().unwrap_or_default());
    let round_to = RwSignal::new(start.round_to.unwrap_or(15).to_string());
    let round_per = RwSignal::new(start.round_per.clone().unwrap_or_else(|| "entry".into()));
    let encoding = RwSignal::new(CSV_ENCODINGS[0].0.to_string());
    let choices = EffortChoices::load();
    let report = RwSignal::new(None::<EffortReport>);
    let error = RwSignal::new(None::<String>);
    let work_item_choices = work_item_choices(project, work_item);
    let query = move || {
        let groups: Vec<String> = [first.get(), second.get()].into_iter().filter(|g| !g.is_empty()).collect();
        EffortReportQuery {
            from: from.get(),
            to: to.get(),
            group_by: Some(groups.join(",")),
            project_id: project.get().parse().ok(),
            work_item_id: work_item.get().parse().ok(),
            activity1_id: activity1.get().parse().ok(),
            activity2_id: activity2.get().parse().ok(),
            user_id: person.get().parse().ok(),
            organization_id: org.get().parse().ok(),
            rounding: Some(rounding.get()).filter(|r| !r.is_empty()),
            round_to: round_to.get().trim().parse().ok(),
            round_per: Some(round_per.get()),
        }
    };
    follow_query::<routes::GetEffortReport>(query, report, error);
    // The form into the address: the first time replacing it (a complete address for a
    // bookmark), then one history entry per change.
    Effect::new(move |written: Option<()>| {
        let q = serde_urlencoded::to_string(query()).unwrap_or_default();
        if q != query_string() {
            set_query(&q, written.is_some());
        }
    });
    let files = file_buttons::<routes::DownloadEffortReport, _, _>(
        "effort-report-download",
        move |format| ((), EffortReportDownloadQuery::of(&query(), format, (format == "csv").then(|| encoding.get()))),
        move |format| format!("effort-{}-{}.{format}", from.get(), to.get()),
        error,
    );
    let body = move || {
        let _ = crate::app_state::app().lang.get();
        report.with(|r| r.as_ref().map(report_view))
    };
    view! {
        <section class="card wide effort-report">
            <h1>{tx("effort_report.title")}</h1>
            <p class="hint">{tx("effort_report.hint")}</p>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <div class="field">
                    <label for="er-from">{tx("effort_report.from")}</label>
                    <input id="er-from" type="date" data-testid="er-from" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="er-to">{tx("effort_report.to")}</label>
                    <input id="er-to" type="date" data-testid="er-to" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev)) />
                </div>
                <FilterSelect id="er-group1" label="effort_report.group1" value=first choices=grouping_choices() />
                <FilterSelect id="er-group2" label="effort_report.group2" value=second choices=grouping_choices() />
                <FilterSelect id="er-project" label="effort_report.by.project" value=project choices=choices.project_choices() />
                <FilterSelect
                    id="er-work-item"
                    label="effort_report.by.work_item"
                    value=work_item
                    choices=work_item_choices
                    disabled=Signal::derive(move || project.get().is_empty())
                />
                <FilterSelect id="er-activity1" label="effort_report.by.activity1" value=activity1 choices=choices.activity_choices(1) />
                <FilterSelect id="er-activity2" label="effort_report.by.activity2" value=activity2 choices=choices.activity_choices(2) />
                {manager.then(|| view! { <PersonFilter value=person projects=choices.projects /> })}
                <OrganizationFilter id="er-org" value=org />
                <FilterSelect id="er-rounding" label="effort_report.rounding" value=rounding choices=rounding_choices() />
                <div class="field">
                    <label for="er-round-to">{tx("effort_report.round_to")}</label>
                    <input id="er-round-to" type="number" min="1" max="1440" data-testid="er-round-to" prop:value=move || round_to.get()
                        disabled=move || rounding.get().is_empty() on:change=move |ev| round_to.set(event_target_value(&ev)) />
                </div>
                <FilterSelect
                    id="er-round-per"
                    label="effort_report.round_per"
                    value=round_per
                    choices=round_per_choices()
                    disabled=Signal::derive(move || rounding.get().is_empty())
                />
            </form>
            <p class="hint">{tx("effort_report.work_item.hint")}</p>
            <div class="actions downloads">
                {files}
                {encoding_choice("er-encoding".into(), None, encoding)}
            </div>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {body}
        </section>
    }
}

/// The person filter of a manager (projects.manage; anyone else sees their own effort only and
/// is offered no choice): a search by part of a name or login narrows the people offered — the
/// users' directory with users.view, else the members of the projects the manager sees.
#[component]
fn PersonFilter(value: RwSignal<String>, projects: RwSignal<Vec<Project>>) -> impl IntoView {
    let directory = crate::app_state::app().can(Permission::ViewUsers);
    let text = RwSignal::new(String::new());
    let found = RwSignal::new(None::<UserList>);
    let failed = RwSignal::new(None::<String>);
    if directory {
        follow_query::<routes::ListUsers>(
            move || UserQuery { q: Some(text.get().trim().to_string()).filter(|q| !q.is_empty()), limit: Some(50), ..Default::default() },
            found,
            failed,
        );
    }
    // The chosen person's label, kept when a later search no longer finds them.
    let chosen = RwSignal::new(None::<(String, String)>);
    let people = Signal::derive(move || {
        let needle = text.get().trim().to_lowercase();
        let mut v: Vec<(String, String)> = if directory {
            found.with(|f| {
                f.iter().flat_map(|l| &l.users).map(|u| (u.id.to_string(), format!("{} ({})", u.display_name, u.login))).collect()
            })
        } else {
            let mut members: Vec<(String, String)> = projects.with(|ps| {
                ps.iter()
                    .flat_map(|p| &p.members)
                    .filter(|m| m.login.to_lowercase().contains(&needle) || m.display_name.to_lowercase().contains(&needle))
                    .map(|m| (m.user_id.to_string(), format!("{} ({})", m.display_name, m.login)))
                    .collect()
            });
            members.sort_by(|a, b| a.1.cmp(&b.1));
            members.dedup();
            members
        };
        if let Some(c) = chosen.get()
            && !v.contains(&c)
        {
            v.insert(0, c);
        }
        with_all("effort_report.all", v.into_iter())
    });
    Effect::new(move |_| {
        let id = value.get();
        let label = people.with_untracked(|p| p.iter().find(|(v, _)| *v == id).cloned());
        chosen.set(label.filter(|(v, _)| !v.is_empty()));
    });
    // A person the address names (a bookmark, a shared link) is shown by name even when the
    // first page of the directory does not hold them.
    if directory && let Ok(id) = value.get_untracked().parse::<i64>() {
        leptos::task::spawn_local(async move {
            if let Ok(u) = crate::api_client::call::<routes::GetUser>(&id, &(), &routes::Empty).await
                && value.get_untracked() == id.to_string()
            {
                chosen.set(Some((id.to_string(), format!("{} ({})", u.display_name, u.login))));
            }
        });
    }
    view! {
        <div class="field">
            <label for="er-person-search">{tx("effort_report.person_search")}</label>
            <input
                id="er-person-search"
                type="search"
                data-testid="er-person-search"
                autocomplete="off"
                placeholder=move || t("effort_report.person_search.hint")
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            />
        </div>
        <FilterSelect id="er-person" label="effort_report.by.person" value=value choices=people />
    }
}

fn report_view(r: &EffortReport) -> AnyView {
    let outer = r.group_by.first().copied();
    let inner = r.group_by.get(1).copied();
    let mut largest: Vec<&kinmu_shared::api::EffortReportGroup> = r.groups.iter().collect();
    largest.sort_by_key(|g| std::cmp::Reverse(g.minutes));
    let bars: Vec<Bar> = largest
        .iter()
        .take(CHART_GROUPS)
        .map(|g| Bar { label: shown(&g.value), value: g.minutes, shown: hm(g.minutes), flagged: false })
        .collect();
    let max = r.groups.iter().map(|g| g.minutes).max().unwrap_or(1);
    let caption = outer.map(|d| format!("{} ({})", t("effort_report.chart"), t(dimension_key(d)))).unwrap_or_default();
    let rows = r
        .groups
        .iter()
        .map(|g| {
            let name = shown(&g.value);
            match inner {
                None => view! {
                    <tr data-testid="er-row">
                        <th scope="row">{name}</th>
                        <td class="num">{hm(g.minutes)}</td>
                    </tr>
                }
                .into_any(),
                Some(_) => {
                    let lines = g
                        .lines
                        .iter()
                        .map(|l| {
                            view! {
                                <tr data-testid="er-row">
                                    <th scope="row">{name.clone()}</th>
                                    <td>{shown(&l.value)}</td>
                                    <td class="num">{hm(l.minutes)}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        {lines}
                        <tr class="subtotal" data-testid="er-subtotal">
                            <th scope="row">{name.clone()}</th>
                            <td>{t("effort_report.subtotal")}</td>
                            <td class="num"><strong>{hm(g.minutes)}</strong></td>
                        </tr>
                    }
                    .into_any()
                }
            }
        })
        .collect_view();
    let heads = r.group_by.iter().map(|d| view! { <th scope="col">{t(dimension_key(*d))}</th> }).collect_view();
    let span = r.group_by.len().max(1);
    let rounded = r.rounding.map(|x| {
        format!(
            "{}: {} {} ({})",
            t("effort_report.rounding"),
            t(match x.direction {
                kinmu_shared::api::RoundingDirection::Up => "effort_report.rounding.up",
                kinmu_shared::api::RoundingDirection::Down => "effort_report.rounding.down",
                kinmu_shared::api::RoundingDirection::Nearest => "effort_report.rounding.nearest",
            }),
            x.step_minutes,
            t(match x.scope {
                kinmu_shared::api::RoundingScope::Entry => "effort_report.round_per.entry",
                kinmu_shared::api::RoundingScope::Day => "effort_report.round_per.day",
            })
        )
    });
    view! {
        <dl class="figures" data-testid="er-summary">
            <div class="figure">
                <dt>{t("effort_report.total")}</dt>
                <dd data-testid="er-total">{hm(r.total_minutes)}</dd>
            </div>
            <div class="figure">
                <dt>{t("effort_report.entries")}</dt>
                <dd>{r.entries}</dd>
            </div>
        </dl>
        {r.own_only.then(|| view! { <p class="hint">{t("effort_report.own_only")}</p> })}
        {rounded.map(|s| view! { <p class="hint">{s}</p> })}
        {(!bars.is_empty()).then(|| horizontal_bars(caption.clone(), caption, "er-chart", bars, max, None))}
        <div class="table-scroll">
            <table class="data" data-testid="er-table">
                <thead>
                    <tr>
                        {heads}
                        <th scope="col">{t("effort_report.effort")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
                <tfoot>
                    <tr class="total">
                        <th scope="row" colspan=span.to_string()>{t("effort_report.total")}</th>
                        <td class="num" data-testid="er-table-total"><strong>{hm(r.total_minutes)}</strong></td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
    .into_any()
}
