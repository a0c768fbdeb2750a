//! The monthly tab's pictures, in plain SVG: overtime per person against the monthly limit,
//! each person's month as a calendar coloured by actual work, and the 36-agreement warnings.
//! Every colour has its text too (figures, badges, marks), so none is the only signal.

use kinmu_shared::api::{AgreementLevel, AgreementReport, AgreementStatus, HeatDay};
use leptos::prelude::*;

use super::error_banner;
use crate::api_client;
use crate::datetime::{days_in_month, hm, parse_month, weekday_index};
use crate::html::{Html, RawHtml, esc};
use crate::i18n::{t, tx};

/// People drawn in the overtime chart (the most overtime first).
const CHART_PEOPLE: usize = 30;
/// People listed per page below it.
const LIST_PAGE: usize = 20;

#[component]
pub fn AgreementPanel(month: Signal<String>, org: Signal<String>) -> impl IntoView {
    let report = RwSignal::new(None::<AgreementReport>);
    let error = RwSignal::new(None::<String>);
    let shown = RwSignal::new(LIST_PAGE);
    let generation = StoredValue::new(0u32);
    Effect::new(move |_| {
        let mut route = format!("/attendance/agreement?month={}", month.get());
        if let Ok(id) = org.get().parse::<i64>() {
            route.push_str(&format!("&organization_id={id}"));
        }
        generation.update_value(|g| *g += 1);
        let g = generation.get_value();
        shown.set(LIST_PAGE);
        leptos::task::spawn_local(async move {
            let r = api_client::get::<kinmu_shared::api::AgreementReport>(&route).await;
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
    let html = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        let n = shown.get();
        report.with(|r| r.as_ref().map(|r| panel_text(r, n)).unwrap_or_default())
    });
    view! {
        <section class="agreement" aria-labelledby="agr-title">
            <h2 id="agr-title">{tx("agr.title")}</h2>
            {error_banner(error)}
            <RawHtml html=html on_action=Callback::new(move |(a, _, _): (String, web_sys::Element, bool)| {
                if a == "more-people" {
                    shown.update(|s| *s += LIST_PAGE);
                }
            }) />
        </section>
    }
}

fn panel_text(r: &AgreementReport, shown: usize) -> String {
    let mut h = Html::new();
    if r.people.is_empty() {
        h.fmt(format_args!(r#"<p class="empty">{}</p>"#, esc(t("att.no_rows"))));
        return h.0;
    }
    let limit = i64::from(r.limits.monthly_overtime_hours) * 60;
    overtime_chart(&mut h, &r.people, limit);
    h.raw(r#"<ul class="agr-list" data-testid="agr-list">"#);
    for p in r.people.iter().take(shown) {
        person_card(&mut h, p, &r.month);
    }
    h.raw("</ul>");
    if shown < r.people.len() {
        h.fmt(format_args!(
            r#"<div class="pager"><span>{} / {}</span><button type="button" data-action="more-people">{}</button></div>"#,
            shown,
            r.people.len(),
            esc(t("att.more"))
        ));
    }
    h.0
}

/// A 36-agreement level as a badge: text and colour, never colour alone.
pub fn level_badge(h: &mut Html, level: AgreementLevel) {
    let (class, key, icon) = match level {
        AgreementLevel::Ok => ("badge ok", "agr.level.ok", "✓"),
        AgreementLevel::Warning => ("badge warn", "agr.level.warning", "!"),
        AgreementLevel::Exceeded => ("badge danger", "agr.level.exceeded", "‼"),
    };
    h.fmt(format_args!(r#"<span class="{class}">{icon} {}</span>"#, esc(t(key))));
}

fn level_key(level: AgreementLevel) -> &'static str {
    match level {
        AgreementLevel::Ok => "ok",
        AgreementLevel::Warning => "warning",
        AgreementLevel::Exceeded => "exceeded",
    }
}

/// Horizontal bars, most overtime first, with the monthly limit as a dashed line.
fn overtime_chart(h: &mut Html, people: &[AgreementStatus], limit: i64) {
    let mut sorted: Vec<&AgreementStatus> = people.iter().collect();
    sorted.sort_by(|a, b| b.overtime_minutes.cmp(&a.overtime_minutes).then_with(|| a.name.cmp(&b.name)));
    let n = sorted.len().min(CHART_PEOPLE);
    let max = sorted.first().map(|p| p.overtime_minutes).unwrap_or(0).max(limit + limit / 10).max(60);
    let (label_w, bar_w, row_h) = (180.0, 440.0, 22.0);
    let x = |m: i64| label_w + bar_w * (m.max(0) as f64) / (max as f64);
    let height = row_h * n as f64 + 30.0;
    h.raw(r#"<figure class="chart" data-testid="agr-chart"><figcaption>"#).text(t("agr.chart_title"));
    if sorted.len() > n {
        h.fmt(format_args!(" ({} {n} / {})", esc(t("agr.top")), sorted.len()));
    }
    h.fmt(format_args!(
        r#"</figcaption><svg viewBox="0 0 700 {height}" width="100%" role="img" aria-label="{} — {} {}">"#,
        esc(t("agr.chart_title")),
        esc(t("agr.limit")),
        hm(limit)
    ));
    for (i, p) in sorted.iter().take(n).enumerate() {
        let y = 20.0 + row_h * i as f64;
        let over = p.overtime_minutes > limit;
        let w = x(p.overtime_minutes) - label_w;
        let name: String = if p.name.chars().count() > 22 { p.name.chars().take(21).chain(['…']).collect() } else { p.name.clone() };
        h.fmt(format_args!(
            r#"<g class="bar{}"><text x="{}" y="{}" text-anchor="end">{}</text><rect x="{label_w}" y="{}" width="{}" height="{}"></rect><text class="value" x="{}" y="{}">{}{}</text></g>"#,
            if over { " over" } else { "" },
            label_w - 6.0,
            y + 15.0,
            esc(&name),
            y + 3.0,
            w.max(1.0),
            row_h - 6.0,
            label_w + w + 4.0,
            y + 15.0,
            hm(p.overtime_minutes),
            if over { " ‼" } else { "" }
        ));
    }
    let lx = x(limit);
    h.fmt(format_args!(
        r#"<line class="limit" x1="{lx}" x2="{lx}" y1="12" y2="{}"></line><text class="limit-label" x="{}" y="12">{} {}</text></svg></figure>"#,
        height - 8.0,
        lx + 3.0,
        esc(t("agr.limit")),
        hm(limit)
    ));
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

fn person_card(h: &mut Html, p: &AgreementStatus, month: &str) {
    h.fmt(format_args!(
        r#"<li class="agr-person" data-person="{}" data-level="{}"><div class="agr-head"><strong>{}</strong>"#,
        esc(&p.person),
        level_key(p.level),
        esc(&p.name)
    ));
    level_badge(h, p.level);
    h.fmt(format_args!(
        r#"<span class="hint">{} {}</span></div><div class="agr-body"><table class="checks"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        esc(t("agr.overtime")),
        hm(p.overtime_minutes),
        esc(t("agr.rule")),
        esc(t("agr.value_limit")),
        esc(t("agr.level"))
    ));
    for c in &p.checks {
        let fig = |v: i64| if c.rule == "months_over" { v.to_string() } else { hm(v) };
        h.fmt(format_args!(
            r#"<tr data-rule="{}"><td>{}</td><td class="num">{} / {}</td><td>"#,
            esc(&c.rule),
            esc(rule_label(&c.rule)),
            fig(c.value),
            fig(c.limit)
        ));
        level_badge(h, c.level);
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table>");
    heat_map(h, &p.days, month, &p.name);
    h.raw("</div>");
    if !p.break_rule_days.is_empty() {
        h.fmt(format_args!(
            r#"<p class="break-days"><strong>{}</strong>: {}</p>"#,
            esc(t("agr.break_days")),
            esc(&p.break_rule_days.join(", "))
        ));
    }
    h.raw("</li>");
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
fn heat_map(h: &mut Html, days: &[HeatDay], month: &str, name: &str) {
    let Some((y, m)) = parse_month(month) else { return };
    let n = days_in_month(y, m);
    let first_wd = weekday_index(y, m, 1);
    let cell = 24.0;
    let rows = (first_wd + n).div_ceil(7);
    let hol = t("heat.holiday_mark");
    h.fmt(format_args!(
        r#"<figure class="heat" data-testid="heat-map"><svg viewBox="0 0 {} {}" width="168" role="img" aria-label="{} — {} {}">"#,
        cell * 7.0,
        18.0 + cell * f64::from(rows),
        esc(t("heat.title")),
        esc(name),
        month
    ));
    for (i, wd) in ["M", "T", "W", "T", "F", "S", "S"].iter().enumerate() {
        h.fmt(format_args!(r#"<text class="wd" x="{}" y="11">{wd}</text>"#, i as f64 * cell + 8.0));
    }
    for d in 1..=n {
        let date = format!("{y:04}-{m:02}-{d:02}");
        let rec = days.iter().find(|x| x.date == date);
        let i = first_wd + d - 1;
        let (cx, cy) = (f64::from(i % 7) * cell, 16.0 + f64::from(i / 7) * cell);
        let (class, tip, holiday) = match rec {
            Some(x) => (
                bucket(x.actual_work_minutes),
                format!(
                    "{date}{}: {} {} / {} {}",
                    if x.holiday { format!(" ({})", t("heat.holiday")) } else { String::new() },
                    t("heat.worked"),
                    hm(x.actual_work_minutes),
                    t("agr.overtime"),
                    hm(x.overtime_minutes)
                ),
                x.holiday,
            ),
            None => ("none", format!("{date}: {}", t("heat.no_record")), false),
        };
        h.fmt(format_args!(
            r#"<g class="day {class}{}" data-date="{date}"><title>{}</title><rect x="{}" y="{}" width="{}" height="{}" rx="3"></rect><text x="{}" y="{}">{d}</text>"#,
            if holiday { " holiday" } else { "" },
            esc(&tip),
            cx + 1.0,
            cy + 1.0,
            cell - 2.0,
            cell - 2.0,
            cx + 4.0,
            cy + 15.0
        ));
        if holiday {
            h.fmt(format_args!(r#"<text class="mark" x="{}" y="{}" text-anchor="end">{}</text>"#, cx + cell - 4.0, cy + 10.0, esc(hol)));
        }
        h.raw("</g>");
    }
    h.raw(r#"</svg><figcaption class="legend">"#);
    for (_, class, key) in BUCKETS {
        h.fmt(format_args!(r#"<span class="legend-item"><span class="swatch {class}"></span>{}</span>"#, esc(t(key))));
    }
    h.fmt(format_args!(r#"<span class="legend-item">{} = {}</span></figcaption></figure>"#, esc(hol), esc(t("heat.holiday"))));
}
