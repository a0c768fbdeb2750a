//! The effort report (工数集計) for managers (projects.manage): a period, up to two groupings, a
//! project and an organisation to filter by, and a rounding, chosen by form; the table with each
//! group's subtotal and the total; the groups as a chart; the report as CSV (three encodings) or
//! Excel. The counting is the server's (`GET /effort/report`).

use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{
    CSV_ENCODINGS, EffortReport, EffortReportDownloadQuery, EffortReportQuery, Organization, Project, ReportDimension, ReportValue,
};
use leptos::prelude::*;

use crate::api_client;
use crate::components::bar_chart::{Bar, horizontal_bars};
use crate::components::csv_transfer::{encoding_choice, file_buttons};
use crate::components::latest_answer::follow_query;
use crate::datetime::{hm, today};
use crate::i18n::{t, tx};

/// Groups drawn in the chart (the largest first).
const CHART_GROUPS: usize = 30;

fn dimension_key(d: ReportDimension) -> &'static str {
    match d {
        ReportDimension::Project => "effort_report.by.project",
        ReportDimension::WorkItem => "effort_report.by.work_item",
        ReportDimension::Activity1 => "effort_report.by.activity1",
        ReportDimension::Activity2 => "effort_report.by.activity2",
        ReportDimension::Person => "effort_report.by.person",
        ReportDimension::Organization => "effort_report.by.organization",
    }
}

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

#[component]
pub fn EffortReportPage() -> impl IntoView {
    let now = today();
    let from = RwSignal::new(format!("{}-01", &now[..7]));
    let to = RwSignal::new(now.clone());
    let first = RwSignal::new("project".to_string());
    let second = RwSignal::new("person".to_string());
    let project = RwSignal::new(String::new());
    let org = RwSignal::new(String::new());
    let rounding = RwSignal::new(String::new());
    let round_to = RwSignal::new("15".to_string());
    let round_per = RwSignal::new("entry".to_string());
    let encoding = RwSignal::new(CSV_ENCODINGS[0].0.to_string());
    let orgs = RwSignal::new(Vec::<Organization>::new());
    let projects = RwSignal::new(Vec::<Project>::new());
    let report = RwSignal::new(None::<EffortReport>);
    let error = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        if let Ok(o) = api_client::organizations().await {
            orgs.set(o);
        }
        if let Ok(p) = api_client::call::<routes::ListProjects>(&(), &(), &Empty).await {
            projects.set(p);
        }
    });
    let query = move || {
        let groups: Vec<String> = [first.get(), second.get()].into_iter().filter(|g| !g.is_empty()).collect();
        EffortReportQuery {
            from: from.get(),
            to: to.get(),
            group_by: Some(groups.join(",")),
            project_id: project.get().parse().ok(),
            organization_id: org.get().parse().ok(),
            rounding: Some(rounding.get()).filter(|r| !r.is_empty()),
            round_to: round_to.get().trim().parse().ok(),
            round_per: Some(round_per.get()),
            ..EffortReportQuery::default()
        }
    };
    follow_query::<routes::GetEffortReport>(query, report, error);
    let files = file_buttons::<routes::DownloadEffortReport, _, _>(
        "effort-report-download",
        move |format| ((), EffortReportDownloadQuery::of(&query(), format, (format == "csv").then(|| encoding.get()))),
        move |format| format!("effort-{}-{}.{format}", from.get(), to.get()),
        error,
    );
    let dimension_options = move |current: RwSignal<String>, allow_none: bool| {
        let chosen = current.get();
        let none = allow_none.then(|| view! { <option value="" selected=chosen.is_empty()>{t("effort_report.by.none")}</option> });
        let all = ReportDimension::ALL
            .into_iter()
            .map(|d| {
                let selected = d.key() == chosen;
                view! { <option value=d.key() selected=selected>{t(dimension_key(d))}</option> }
            })
            .collect_view();
        view! { {none} {all} }
    };
    let org_options = move || {
        let current = org.get();
        orgs.get()
            .into_iter()
            .map(|o| {
                let id = o.id.to_string();
                let selected = id == current;
                view! { <option value=id selected=selected>{o.path}</option> }
            })
            .collect_view()
    };
    let project_options = move || {
        let current = project.get();
        projects
            .get()
            .into_iter()
            .map(|p| {
                let id = p.id.to_string();
                let selected = id == current;
                view! { <option value=id selected=selected>{format!("{} {}", p.code, p.name)}</option> }
            })
            .collect_view()
    };
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
                <div class="field">
                    <label for="er-group1">{tx("effort_report.group1")}</label>
                    <select id="er-group1" data-testid="er-group1" on:change=move |ev| first.set(event_target_value(&ev))>
                        {move || dimension_options(first, true)}
                    </select>
                </div>
                <div class="field">
                    <label for="er-group2">{tx("effort_report.group2")}</label>
                    <select id="er-group2" data-testid="er-group2" on:change=move |ev| second.set(event_target_value(&ev))>
                        {move || dimension_options(second, true)}
                    </select>
                </div>
                <div class="field">
                    <label for="er-project">{tx("effort_report.by.project")}</label>
                    <select id="er-project" data-testid="er-project" on:change=move |ev| project.set(event_target_value(&ev))>
                        <option value="" selected=move || project.get().is_empty()>{tx("effort_report.all")}</option>
                        {project_options}
                    </select>
                </div>
                <div class="field">
                    <label for="er-org">{tx("field.organization")}</label>
                    <select id="er-org" data-testid="er-org" on:change=move |ev| org.set(event_target_value(&ev))>
                        <option value="" selected=move || org.get().is_empty()>{tx("users.all_orgs")}</option>
                        {org_options}
                    </select>
                </div>
                <div class="field">
                    <label for="er-rounding">{tx("effort_report.rounding")}</label>
                    <select id="er-rounding" data-testid="er-rounding" on:change=move |ev| rounding.set(event_target_value(&ev))>
                        <option value="" selected=move || rounding.get().is_empty()>{tx("effort_report.rounding.none")}</option>
                        <option value="up" selected=move || rounding.get() == "up">{tx("effort_report.rounding.up")}</option>
                        <option value="down" selected=move || rounding.get() == "down">{tx("effort_report.rounding.down")}</option>
                        <option value="nearest" selected=move || rounding.get() == "nearest">{tx("effort_report.rounding.nearest")}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="er-round-to">{tx("effort_report.round_to")}</label>
                    <input id="er-round-to" type="number" min="1" max="1440" data-testid="er-round-to" prop:value=move || round_to.get()
                        disabled=move || rounding.get().is_empty() on:change=move |ev| round_to.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="er-round-per">{tx("effort_report.round_per")}</label>
                    <select id="er-round-per" data-testid="er-round-per" disabled=move || rounding.get().is_empty()
                        on:change=move |ev| round_per.set(event_target_value(&ev))>
                        <option value="entry" selected=move || round_per.get() == "entry">{tx("effort_report.round_per.entry")}</option>
                        <option value="day" selected=move || round_per.get() == "day">{tx("effort_report.round_per.day")}</option>
                    </select>
                </div>
            </form>
            <div class="actions downloads">
                {files}
                {encoding_choice("er-encoding".into(), None, encoding)}
            </div>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {body}
        </section>
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
