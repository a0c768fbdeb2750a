//! The monthly gap report (乖離レポート) for approvers (projects.manage): a month and an
//! organisation (with the ones below it, or everyone) picked; the month's figures; the people over
//! their threshold as a chart and a table with their marked days; month over month as a chart
//! and a table; the report as CSV (three encodings) or Excel.

use kinmu_shared::api::routes;
use kinmu_shared::api::{CSV_ENCODINGS, GapReport, GapReportDownloadQuery, GapReportQuery, GapTotals};
use kinmu_shared::effort::GapKind;
use leptos::prelude::*;

use crate::components::bar_chart::{Bar, horizontal_bars};
use crate::components::csv_transfer::{encoding_choice, file_buttons};
use crate::components::filter_select::OrganizationFilter;
use crate::components::latest_answer::follow_query;
use crate::components::period_picker::{PeriodPicker, Step};
use crate::datetime::{hm, today};
use crate::i18n::{t, tr, tx};

/// People drawn in the chart (the most marked days first).
const CHART_PEOPLE: usize = 30;

fn signed(m: i64) -> String {
    if m > 0 { format!("+{}", hm(m)) } else { hm(m) }
}

fn kind_label(k: GapKind) -> &'static str {
    t(match k {
        GapKind::Difference => "gaps.kind.difference",
        GapKind::ActivityWithoutEffort => "gaps.kind.activity_without_effort",
        GapKind::EffortWithoutActivity => "gaps.kind.effort_without_activity",
    })
}

#[component]
pub fn GapReportPage() -> impl IntoView {
    let month = RwSignal::new(today()[..7].to_string());
    let org = RwSignal::new(String::new());
    let encoding = RwSignal::new(CSV_ENCODINGS[0].0.to_string());
    let report = RwSignal::new(None::<GapReport>);
    let error = RwSignal::new(None::<String>);
    follow_query::<routes::GetGapReport>(
        move || GapReportQuery { month: month.get(), organization_id: org.get().parse().ok(), months: None },
        report,
        error,
    );
    let files = file_buttons::<routes::DownloadGapReport, _, _>(
        "gap-download",
        move |format| {
            let q = GapReportDownloadQuery {
                month: month.get(),
                organization_id: org.get().parse().ok(),
                format: Some(format.to_string()),
                encoding: (format == "csv").then(|| encoding.get()),
            };
            ((), q)
        },
        move |format| format!("effort_gaps_{}.{format}", month.get()),
        error,
    );
    let body = move || {
        let _ = crate::app_state::app().lang.get();
        report.with(|r| r.as_ref().map(report_view))
    };
    view! {
        <section class="card wide gap-report">
            <h1>{tx("gaps.title")}</h1>
            <p class="hint">{tx("gaps.hint")}</p>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <PeriodPicker id="gap-month" label=tr("att.month") kind=Step::Month value=month />
                <OrganizationFilter id="gap-org" value=org />
            </form>
            <div class="actions downloads">
                {files}
                {encoding_choice("gap-encoding".into(), None, encoding)}
            </div>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {body}
        </section>
    }
}

fn summary(totals: &GapTotals) -> AnyView {
    let item = |key: &'static str, value: String, testid: &'static str| {
        view! {
            <div class="figure" data-testid=testid>
                <dt>{t(key)}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    view! {
        <dl class="figures" data-testid="gap-summary">
            {item("gaps.people_over", format!("{} / {}", totals.people_over, totals.people), "gap-people-over")}
            {item("gaps.marked_days", totals.marked_days.to_string(), "gap-marked-days")}
            {item("gaps.explained", totals.explained_days.to_string(), "gap-explained")}
            {item("gaps.unexplained", totals.unexplained_days.to_string(), "gap-unexplained")}
            {item("gaps.average", hm(totals.average_gap_minutes), "gap-average")}
            {item("gaps.largest", signed(totals.largest_gap_minutes), "gap-largest")}
            {item("gaps.activity_without_effort", totals.activity_without_effort_days.to_string(), "gap-awe")}
            {item("gaps.effort_without_activity", totals.effort_without_activity_days.to_string(), "gap-ewa")}
        </dl>
    }
    .into_any()
}

fn report_view(r: &GapReport) -> AnyView {
    let people_bars: Vec<Bar> = r
        .people
        .iter()
        .take(CHART_PEOPLE)
        .map(|p| Bar {
            label: p.display_name.clone(),
            value: p.totals.marked_days,
            shown: if p.totals.unexplained_days > 0 {
                format!("{} ({} {})", p.totals.marked_days, p.totals.unexplained_days, t("gaps.without_reason_short"))
            } else {
                p.totals.marked_days.to_string()
            },
            flagged: p.totals.unexplained_days > 0,
        })
        .collect();
    let people_max = r.people.iter().map(|p| p.totals.marked_days).max().unwrap_or(1);
    let people_caption = if r.people.len() > CHART_PEOPLE {
        format!("{} ({} {CHART_PEOPLE} / {})", t("gaps.chart_people"), t("agr.top"), r.people.len())
    } else {
        t("gaps.chart_people").to_string()
    };
    let month_bars: Vec<Bar> = r
        .months
        .iter()
        .map(|m| Bar {
            label: m.month.clone(),
            value: m.totals.marked_days,
            shown: format!("{} · {} {}", m.totals.marked_days, m.totals.people_over, t("gaps.people_unit")),
            flagged: m.month == r.month,
        })
        .collect();
    let months_max = r.months.iter().map(|m| m.totals.marked_days).max().unwrap_or(1);
    let people_rows = r
        .people
        .iter()
        .map(|p| {
            let days = p
                .days
                .iter()
                .map(|d| {
                    let reason = if d.explained { t("gaps.reason_given") } else { t("gaps.reason_missing") };
                    format!("{} {} {} ({})", &d.date[5..], kind_label(d.kind), signed(d.difference_minutes), reason)
                })
                .collect::<Vec<_>>()
                .join(" / ");
            let tt = &p.totals;
            view! {
                <tr data-testid=format!("gap-person-{}", p.login)>
                    <th scope="row">{p.display_name.clone()}<span class="hint">{format!(" {}", p.login)}</span></th>
                    <td>{p.organization_path.clone()}</td>
                    <td class="num">{hm(p.threshold_minutes)}</td>
                    <td class="num" data-testid="gap-person-marked">{tt.marked_days}</td>
                    <td class="num">{tt.explained_days}</td>
                    <td class="num">{tt.unexplained_days}</td>
                    <td class="num">{hm(tt.average_gap_minutes)}</td>
                    <td class="num">{signed(tt.largest_gap_minutes)}</td>
                    <td class="num">{tt.activity_without_effort_days}</td>
                    <td class="num">{tt.effort_without_activity_days}</td>
                    <td class="days">{days}</td>
                </tr>
            }
        })
        .collect_view();
    let org_rows = r
        .organizations
        .iter()
        .map(|o| {
            let path = if o.organization_id.is_none() { t("gaps.no_organisation").to_string() } else { o.path.clone() };
            let tt = &o.totals;
            view! {
                <tr>
                    <th scope="row">{path}</th>
                    <td class="num">{hm(o.threshold_minutes)}</td>
                    <td class="num">{format!("{} / {}", tt.people_over, tt.people)}</td>
                    <td class="num">{tt.marked_days}</td>
                    <td class="num">{tt.unexplained_days}</td>
                    <td class="num">{hm(tt.average_gap_minutes)}</td>
                    <td class="num">{signed(tt.largest_gap_minutes)}</td>
                </tr>
            }
        })
        .collect_view();
    let figure_heads = || {
        view! {
            <th scope="col">{t("gaps.marked_days")}</th>
            <th scope="col">{t("gaps.explained")}</th>
            <th scope="col">{t("gaps.unexplained")}</th>
            <th scope="col">{t("gaps.average")}</th>
            <th scope="col">{t("gaps.largest")}</th>
            <th scope="col">{t("gaps.activity_without_effort")}</th>
            <th scope="col">{t("gaps.effort_without_activity")}</th>
        }
    };
    let people_table = if r.people.is_empty() {
        view! { <p class="empty" data-testid="gap-people-empty">{t("gaps.nobody_over")}</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll">
                <table class="data" data-testid="gap-people">
                    <thead>
                        <tr>
                            <th scope="col">{t("field.name")}</th>
                            <th scope="col">{t("field.organization")}</th>
                            <th scope="col">{t("gaps.threshold")}</th>
                            {figure_heads()}
                            <th scope="col">{t("gaps.days")}</th>
                        </tr>
                    </thead>
                    <tbody>{people_rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        {summary(&r.totals)}
        {(!r.people.is_empty()).then(|| horizontal_bars(people_caption.clone(), people_caption, "gap-chart-people", people_bars, people_max, None))}
        <h2>{tx("gaps.people_title")}</h2>
        {people_table}
        <h2>{tx("gaps.months_title")}</h2>
        {horizontal_bars(t("gaps.chart_months").to_string(), t("gaps.chart_months").to_string(), "gap-chart-months", month_bars, months_max, None)}
        <h2>{tx("gaps.organisations_title")}</h2>
        <div class="table-scroll">
            <table class="data" data-testid="gap-organisations">
                <thead>
                    <tr>
                        <th scope="col">{t("field.organization")}</th>
                        <th scope="col">{t("gaps.threshold")}</th>
                        <th scope="col">{t("gaps.people_over")}</th>
                        <th scope="col">{t("gaps.marked_days")}</th>
                        <th scope="col">{t("gaps.unexplained")}</th>
                        <th scope="col">{t("gaps.average")}</th>
                        <th scope="col">{t("gaps.largest")}</th>
                    </tr>
                </thead>
                <tbody>{org_rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
