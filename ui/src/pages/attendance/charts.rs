//! The monthly tab's pictures, in plain SVG: overtime per person against the monthly limit,
//! each person's month as a calendar coloured by actual work, and the 36-agreement warnings.
//! Every colour has its text too (figures, badges, marks), so none is the only signal.

use kinmu_shared::api::{AgreementLevel, AgreementReport, AgreementStatus, HeatDay};
use leptos::prelude::*;

use super::error_banner;
use crate::api_client;
use crate::components::bar_chart::{Bar, Reference, horizontal_bars};
use crate::datetime::{days_in_month, hm, parse_month, weekday_index};
use crate::i18n::{t, tx};
use kinmu_shared::api::AgreementQuery;
use kinmu_shared::api::routes::{self, Empty};

/// People drawn in the overtime chart (the most overtime first).
const CHART_PEOPLE: usize = 30;
/// People listed per page below it.
const LIST_PAGE: usize = 20;

#[component]
pub fn AgreementPanel(month: Signal<String>, org: Signal<String>, user: Signal<String>) -> impl IntoView {
    let report = RwSignal::new(None::<AgreementReport>);
    let error = RwSignal::new(None::<String>);
    let shown = RwSignal::new(LIST_PAGE);
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let user = user.get().trim().to_string();
        let query =
            AgreementQuery { month: month.get(), organization_id: org.get().parse().ok(), user: (!user.is_empty()).then_some(user) };
        generation.update_value(|g| *g += 1);
        let g = generation.get_value();
        shown.set(LIST_PAGE);
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::GetAgreement>(&(), &query, &Empty).await;
            if generation.try_get_value() != Some(g) {
                return;
            }
            match r {
                Ok(r) => {
                    error.set(None);
                    report.set(Some(r));
                }
                Err(e) => {
                    report.set(None);
                    error.set(Some(e.message));
                }
            }
        });
    });
    let panel = move || {
        let _ = crate::app_state::app().lang.get();
        let n = shown.get();
        report.with(|r| r.as_ref().map(|r| panel_view(r, n, shown)))
    };
    view! {
        <section class="agreement" aria-labelledby="agr-title">
            <h2 id="agr-title">{tx("agr.title")}</h2>
            {error_banner(error)}
            {panel}
        </section>
    }
}

fn panel_view(r: &AgreementReport, shown: usize, more: RwSignal<usize>) -> AnyView {
    if r.people.is_empty() {
        return view! { <p class="empty">{t("att.no_rows")}</p> }.into_any();
    }
    let limit = i64::from(r.limits.monthly_overtime_hours) * 60;
    let total = r.people.len();
    let cards = r.people.iter().take(shown).map(|p| person_card(p, &r.month)).collect_view();
    view! {
        {overtime_chart(&r.people, limit)}
        <ul class="agr-list" data-testid="agr-list">{cards}</ul>
        {(shown < total).then(|| view! {
            <div class="pager">
                <span>{format!("{shown} / {total}")}</span>
                <button type="button" on:click=move |_| more.update(|s| *s += LIST_PAGE)>{t("att.more")}</button>
            </div>
        })}
    }
    .into_any()
}

/// A 36-agreement level as a badge: text and colour, never colour alone.
fn level_badge(level: AgreementLevel) -> impl IntoView {
    let (class, key, icon) = match level {
        AgreementLevel::Ok => ("badge ok", "agr.level.ok", "✓"),
        AgreementLevel::Warning => ("badge warn", "agr.level.warning", "!"),
        AgreementLevel::Exceeded => ("badge danger", "agr.level.exceeded", "‼"),
    };
    view! { <span class=class>{format!("{icon} {}", t(key))}</span> }
}

fn level_key(level: AgreementLevel) -> &'static str {
    match level {
        AgreementLevel::Ok => "ok",
        AgreementLevel::Warning => "warning",
        AgreementLevel::Exceeded => "exceeded",
    }
}

/// Horizontal bars, most overtime first, with the monthly limit as a dashed line.
fn overtime_chart(people: &[AgreementStatus], limit: i64) -> impl IntoView {
    let mut sorted: Vec<&AgreementStatus> = people.iter().collect();
    sorted.sort_by(|a, b| b.overtime_minutes.cmp(&a.overtime_minutes).then_with(|| a.name.cmp(&b.name)));
    let n = sorted.len().min(CHART_PEOPLE);
    let max = sorted.first().map(|p| p.overtime_minutes).unwrap_or(0).max(limit + limit / 10).max(60);
    let caption = if sorted.len() > n {
        format!("{} ({} {n} / {})", t("agr.chart_title"), t("agr.top"), sorted.len())
    } else {
        t("agr.chart_title").to_string()
    };
    let bars = sorted
        .iter()
        .take(n)
        .map(|p| {
            let over = p.overtime_minutes > limit;
            Bar {
                label: p.name.clone(),
                value: p.overtime_minutes,
                shown: format!("{}{}", hm(p.overtime_minutes), if over { " ‼" } else { "" }),
                flagged: over,
            }
        })
        .collect();
    let aria = format!("{} — {} {}", t("agr.chart_title"), t("agr.limit"), hm(limit));
    horizontal_bars(
        caption,
        aria,
        "agr-chart",
        bars,
        max,
        Some(Reference { value: limit, label: format!("{} {}", t("agr.limit"), hm(limit)) }),
    )
}

fn rule_label(rule: &str) -> &'static str {
    t(match rule {
        "monthly_overtime" => "agr.rule.monthly_overtime",
        "yearly_overtime" => "agr.rule.yearly_overtime",
        "monthly_total" => "agr.rule.monthly_total",
        "average_2_6" => "agr.rule.average_2_6",
        "months_over" => "agr.rule.months_over",
        _ => "agr.rule.other",
    })
}

fn person_card(p: &AgreementStatus, month: &str) -> impl IntoView {
    let checks = p
        .checks
        .iter()
        .map(|c| {
            let fig = |v: i64| if c.rule == "months_over" { v.to_string() } else { hm(v) };
            view! {
                <tr data-rule=c.rule.clone()>
                    <td>{rule_label(&c.rule)}</td>
                    <td class="num">{format!("{} / {}", fig(c.value), fig(c.limit))}</td>
                    <td>{level_badge(c.level)}</td>
                </tr>
            }
        })
        .collect_view();
    let break_days = (!p.break_rule_days.is_empty()).then(|| {
        view! { <p class="break-days"><strong>{t("agr.break_days")}</strong>{format!(": {}", p.break_rule_days.join(", "))}</p> }
    });
    view! {
        <li class="agr-person" data-person=p.person.clone() data-level=level_key(p.level)>
            <div class="agr-head">
                <strong>{p.name.clone()}</strong>
                {level_badge(p.level)}
                <span class="hint">{format!("{} {}", t("agr.overtime"), hm(p.overtime_minutes))}</span>
            </div>
            <div class="agr-body">
                <table class="checks">
                    <thead>
                        <tr>
                            <th>{t("agr.rule")}</th>
                            <th>{t("agr.value_limit")}</th>
                            <th>{t("agr.level")}</th>
                        </tr>
                    </thead>
                    <tbody>{checks}</tbody>
                </table>
                {heat_map(&p.days, month, &p.name)}
            </div>
            {break_days}
        </li>
    }
}

/// Buckets of actual work, as (upper bound in minutes, CSS class, legend key).
const BUCKETS: [(i64, &str, &str); 5] = [
    (0, "h0", "heat.none"),
    (6 * 60, "h1", "heat.short"),
    (8 * 60 + 1, "h2", "heat.normal"),
    (10 * 60, "h3", "heat.long"),
    (i64::MAX, "h4", "heat.very_long"),
];

fn bucket(minutes: i64) -> &'static str {
    BUCKETS.iter().find(|(max, _, _)| minutes <= *max).map(|b| b.1).unwrap_or("h4")
}

/// A calendar of the month (weeks as rows, Monday first), each day coloured by actual work,
/// with its number, a mark on holidays and the figures in its tooltip.
fn heat_map(days: &[HeatDay], month: &str, name: &str) -> Option<impl IntoView + use<>> {
    let (y, m) = parse_month(month)?;
    let n = days_in_month(y, m);
    let first_wd = weekday_index(y, m, 1);
    let cell = 24.0;
    let rows = (first_wd + n).div_ceil(7);
    // The weekday initials, Monday first, in the user's language (月火水木金土日, MTWTFSS).
    let weekdays = (0..7)
        .map(|i| {
            let initial = move || t("heat.weekdays").chars().nth(i).map(String::from).unwrap_or_default();
            view! { <text class="wd" x=i as f64 * cell + 8.0 y="11">{initial}</text> }
        })
        .collect_view();
    let cells = (1..=n)
        .map(|d| {
            let date = format!("{y:04}-{m:02}-{d:02}");
            let rec = days.iter().find(|x| x.date == date);
            let i = first_wd + d - 1;
            let (cx, cy) = (f64::from(i % 7) * cell, 16.0 + f64::from(i / 7) * cell);
            let (class, holiday) = rec.map_or(("none", false), |x| (bucket(x.actual_work_minutes), x.holiday));
            let figures = rec.map(|x| (x.holiday, x.actual_work_minutes, x.overtime_minutes));
            let day = date.clone();
            let tip = move || match figures {
                Some((holiday, worked, overtime)) => format!(
                    "{day}{}: {} {} / {} {}",
                    if holiday { format!(" ({})", t("heat.holiday")) } else { String::new() },
                    t("heat.worked"),
                    hm(worked),
                    t("agr.overtime"),
                    hm(overtime)
                ),
                None => format!("{day}: {}", t("heat.no_record")),
            };
            view! {
                <g class=format!("day {class}{}", if holiday { " holiday" } else { "" }) data-date=date>
                    <title>{tip}</title>
                    <rect x=cx + 1.0 y=cy + 1.0 width=cell - 2.0 height=cell - 2.0 rx="3"></rect>
                    <text x=cx + 4.0 y=cy + 15.0>{d}</text>
                    {holiday.then(|| view! { <text class="mark" x=cx + cell - 4.0 y=cy + 10.0 text-anchor="end">{tx("heat.holiday_mark")}</text> })}
                </g>
            }
        })
        .collect_view();
    let legend = BUCKETS
        .iter()
        .map(|(_, class, key)| view! { <span class="legend-item"><span class=format!("swatch {class}")></span>{tx(key)}</span> })
        .collect_view();
    let (name, month) = (name.to_string(), month.to_string());
    Some(view! {
        <figure class="heat" data-testid="heat-map">
            <svg
                viewBox=format!("0 0 {} {}", cell * 7.0, 18.0 + cell * f64::from(rows))
                width="168"
                role="img"
                aria-label=move || format!("{} — {} {}", t("heat.title"), name, month)
            >
                {weekdays}
                {cells}
            </svg>
            <figcaption class="legend">
                {legend}
                <span class="legend-item">{move || format!("{} = {}", t("heat.holiday_mark"), t("heat.holiday"))}</span>
            </figcaption>
        </figure>
    })
}
