//! The holiday calendar of a year: Japan's national holidays, the company's added days off and
//! the days it works although a rule makes them holidays. The company's days live in the rules
//! (`holidays.added` / `holidays.removed`) and are saved with `PUT /attendance/rules`.

use kinmu_shared::api::HolidayEntry;
use leptos::prelude::*;
use serde_json::Value;

use super::{AdminNav, error_banner};
use crate::api_client;
use crate::components::form_errors::FormErrors;
use crate::components::period_picker::{Step, period_action, period_html};
use crate::datetime::{parse_date, today, weekday_index};
use crate::html::{Html, RawHtml, esc};
use crate::i18n::{t, t_dyn, tx};

const WD_KEYS: [&str; 7] = ["wd.mon", "wd.tue", "wd.wed", "wd.thu", "wd.fri", "wd.sat", "wd.sun"];

fn weekday(date: &str) -> &'static str {
    parse_date(date).map(|(y, m, d)| t(WD_KEYS[weekday_index(y, m, d) as usize])).unwrap_or("")
}

/// The calendar's rows: date, name, kind.
fn holiday_rows(entries: Vec<HolidayEntry>) -> Vec<(String, String, String)> {
    entries.into_iter().map(|h| (h.date, h.name, h.kind)).collect()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array).map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect()).unwrap_or_default()
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    National,
    Working,
    Company,
    ExtraWorking,
}

#[component]
pub fn HolidaysPage() -> impl IntoView {
    let year = RwSignal::new(today()[..4].to_string());
    let entries = RwSignal::new(Vec::<(String, String, String)>::new());
    let rules = RwSignal::new(Value::Null);
    let added = RwSignal::new(Vec::<String>::new());
    let removed = RwSignal::new(Vec::<String>::new());
    let dirty = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let errors = FormErrors::new();
    let saved = RwSignal::new(false);

    let load_rules = move || {
        leptos::task::spawn_local(async move {
            match api_client::get::<Value>("/attendance/rules").await {
                Ok(v) => {
                    added.set(strings(v.pointer("/holidays/added")));
                    removed.set(strings(v.pointer("/holidays/removed")));
                    rules.set(v);
                    dirty.set(false);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load_rules();
    Effect::new(move |_| {
        let y = year.get();
        leptos::task::spawn_local(async move {
            match api_client::get::<Vec<HolidayEntry>>(&format!("/attendance/holidays?year={y}")).await.map(holiday_rows) {
                Ok(e) => {
                    entries.set(e);
                    error.set(None);
                }
                Err(e) => {
                    entries.set(Vec::new());
                    error.set(Some(e.message));
                }
            }
        });
    });

    // The year's rows from the national holidays and the edited company lists.
    let rows = move || {
        let y = year.get();
        let in_year = |d: &String| d.starts_with(&format!("{y}-"));
        let add = added.get();
        let rem = removed.get();
        let national: Vec<(String, String)> =
            entries.with(|e| e.iter().filter(|e| e.2 != "company").map(|e| (e.0.clone(), e.1.clone())).collect());
        let mut v: Vec<(String, String, Kind)> =
            national.iter().map(|(d, n)| (d.clone(), n.clone(), if rem.contains(d) { Kind::Working } else { Kind::National })).collect();
        v.extend(add.iter().filter(|d| in_year(d)).map(|d| (d.clone(), String::new(), Kind::Company)));
        v.extend(
            rem.iter()
                .filter(|d| in_year(d) && !national.iter().any(|(n, _)| n == *d))
                .map(|d| (d.clone(), String::new(), Kind::ExtraWorking)),
        );
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let edit = move |f: &dyn Fn(&mut Vec<String>, &mut Vec<String>)| {
        let (mut a, mut r) = (added.get_untracked(), removed.get_untracked());
        f(&mut a, &mut r);
        a.sort();
        a.dedup();
        r.sort();
        r.dedup();
        added.set(a);
        removed.set(r);
        dirty.set(true);
        saved.set(false);
    };
    let add_day = move |working: bool| {
        errors.clear();
        let d = crate::html::value_of("holiday-new");
        if parse_date(&d).is_none() {
            errors.set_field("new_date", t("form.date"));
            return;
        }
        edit(&|a, r| {
            a.retain(|x| *x != d);
            r.retain(|x| *x != d);
            if working { r.push(d.clone()) } else { a.push(d.clone()) }
        });
    };
    let save = move || {
        errors.clear();
        let mut body = rules.get_untracked();
        let Some(h) = body.get_mut("holidays").and_then(Value::as_object_mut) else { return };
        h.insert("added".into(), Value::from(added.get_untracked()));
        h.insert("removed".into(), Value::from(removed.get_untracked()));
        leptos::task::spawn_local(async move {
            match api_client::send::<_, Value>("PUT", "/attendance/rules", &body).await {
                Ok(_) => {
                    saved.set(true);
                    load_rules();
                    let y = year.get_untracked();
                    if let Ok(e) = api_client::get::<Vec<HolidayEntry>>(&format!("/attendance/holidays?year={y}")).await.map(holiday_rows) {
                        entries.set(e);
                    }
                }
                Err(e) => errors.set_api(&e),
            }
        });
    };

    let table_html = Signal::derive(move || {
        let mut h = Html::new();
        h.raw(r#"<table data-testid="holiday-table"><thead><tr>"#);
        for k in ["att.day", "holidays.weekday", "field.name", "holidays.kind"] {
            h.el("th", "", t_dyn(k));
        }
        h.fmt(format_args!(r#"<th><span class="visually-hidden">{}</span></th></tr></thead><tbody>"#, esc(t("common.actions"))));
        for (date, name, kind) in rows() {
            let (badge, label, action, key) = match kind {
                Kind::National => ("badge", "holidays.national", "holidays.work_it", "national"),
                Kind::Working => ("badge off", "holidays.working", "holidays.undo", "working"),
                Kind::Company => ("badge warn", "holidays.company", "holidays.remove", "company"),
                Kind::ExtraWorking => ("badge off", "holidays.working", "holidays.remove", "working"),
            };
            h.fmt(format_args!(r#"<tr data-date="{0}" data-kind="{key}"><td>{0}</td>"#, esc(&date)));
            h.el("td", "", weekday(&date)).el("td", "", &name);
            h.fmt(format_args!(r#"<td><span class="{badge}">{}</span></td>"#, esc(t_dyn(label))));
            h.fmt(format_args!(
                r#"<td class="row-actions"><button type="button" class="small" data-action="holiday" data-date="{}" data-kind="{key}">{}</button></td></tr>"#,
                esc(&date),
                esc(t_dyn(action))
            ));
        }
        h.raw("</tbody></table>");
        h.0
    });

    let controls_html = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        let mut h = Html::new();
        h.raw(r#"<div class="filters">"#);
        h.input("holiday-new", "new_date", t("holidays.new_date"), "date", "", "", errors);
        h.fmt(format_args!(
            r#"<button type="button" data-testid="holiday-add" data-action="add" data-working="0">{}</button><button type="button" data-testid="holiday-add-working" data-action="add" data-working="1">{}</button></div>"#,
            esc(t("holidays.add_company")),
            esc(t("holidays.add_working"))
        ));
        if let Some(m) = errors.field("holidays.removed").or_else(|| errors.field("holidays.added")) {
            h.el("p", r#"class="field-error" role="alert""#, &m);
        }
        if let Some(m) = errors.general() {
            h.el("p", r#"class="error-banner" role="alert" data-testid="form-error""#, &m);
        }
        if saved.get() {
            h.el("p", r#"class="ok-banner" role="status""#, t("common.saved"));
        }
        h.raw(r#"<div class="actions">"#);
        if dirty.get() {
            h.el("span", r#"class="hint""#, t("holidays.unsaved"));
        }
        h.fmt(format_args!(
            r#"<button type="button" class="primary" data-testid="holidays-save" data-action="save"{}>{}</button></div>"#,
            if dirty.get() { "" } else { " disabled" },
            esc(t("common.save"))
        ));
        h.0
    });

    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("holidays.title")}</h1>
            <p class="lead">{tx("holidays.lead")}</p>
            <RawHtml class="filters" html=Signal::derive(move || {
                let mut h = Html::new();
                period_html(&mut h, "holiday-year", t("holidays.year"), Step::Year, &year.get());
                h.0
            }) on_action=Callback::new(move |(a, el, _): (String, web_sys::Element, bool)| { period_action(&a, &el, Step::Year, year); }) />
            {error_banner(error)}
            <RawHtml class="table-wrap" html=table_html on_action=Callback::new(move |(a, el, _): (String, web_sys::Element, bool)| {
                if a != "holiday" {
                    return;
                }
                let d = el.get_attribute("data-date").unwrap_or_default();
                let kind = el.get_attribute("data-kind").unwrap_or_default();
                edit(&|add, rem| match kind.as_str() {
                    "national" => rem.push(d.clone()),
                    "company" => add.retain(|x| *x != d),
                    _ => rem.retain(|x| *x != d),
                })
            }) />
            <RawHtml html=controls_html on_action=Callback::new(move |(a, el, _): (String, web_sys::Element, bool)| match a.as_str() {
                "add" => add_day(el.get_attribute("data-working").as_deref() == Some("1")),
                "save" => save(),
                _ => {}
            }) />
        </section>
    }
}
