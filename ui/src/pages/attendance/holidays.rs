//! The holiday calendar of a year: Japan's national holidays, the company's added days off and
//! the days it works although a rule makes them holidays. The company's days live in the rules
//! (`holidays.added` / `holidays.removed`) and are saved with `PUT /attendance/rules`.

use chrono::NaiveDate;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{HolidayEntry, HolidayQuery};
use kinmu_shared::attendance_rules::AttendanceRules;
use leptos::prelude::*;

use super::{AdminNav, error_banner};
use crate::api_client;
use crate::components::field::TextField;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::period_picker::{PeriodPicker, Step};
use crate::datetime::{parse_date, today, weekday_index};
use crate::i18n::{t, t_dyn, tr, tx};

const WD_KEYS: [&str; 7] = ["wd.mon", "wd.tue", "wd.wed", "wd.thu", "wd.fri", "wd.sat", "wd.sun"];

fn weekday(date: &str) -> &'static str {
    parse_date(date).map(|(y, m, d)| t(WD_KEYS[weekday_index(y, m, d) as usize])).unwrap_or("")
}

/// The calendar's rows: date, name, kind.
fn holiday_rows(entries: Vec<HolidayEntry>) -> Vec<(String, String, String)> {
    entries.into_iter().map(|h| (h.date, h.name, h.kind)).collect()
}

fn date_texts(dates: &[NaiveDate]) -> Vec<String> {
    dates.iter().map(NaiveDate::to_string).collect()
}

/// The dates of the list; the page only adds dates it has read.
fn dates(texts: &[String]) -> Vec<NaiveDate> {
    texts.iter().filter_map(|d| d.parse().ok()).collect()
}

/// `GET /attendance/holidays` of the year typed (the server names a year that does not read).
async fn year_holidays(year: &str) -> api_client::ApiResult<Vec<(String, String, String)>> {
    let query = HolidayQuery { year: year.trim().parse().unwrap_or(0) };
    api_client::call::<routes::ListHolidays>(&(), &query, &Empty).await.map(holiday_rows)
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
    let rules = RwSignal::new(None::<AttendanceRules>);
    let added = RwSignal::new(Vec::<String>::new());
    let removed = RwSignal::new(Vec::<String>::new());
    let dirty = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let errors = FormErrors::new();
    let saved = RwSignal::new(false);

    let load_rules = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::GetRules>(&(), &(), &Empty).await {
                Ok(r) => {
                    added.set(date_texts(&r.holidays.added));
                    removed.set(date_texts(&r.holidays.removed));
                    rules.set(Some(r));
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
            match year_holidays(&y).await {
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
    let new_date = RwSignal::new(String::new());
    let add_day = move |working: bool| {
        errors.clear();
        let d = new_date.get_untracked().trim().to_string();
        if parse_date(&d).is_none() || d.parse::<NaiveDate>().is_err() {
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
        let Some(mut body) = rules.get_untracked() else { return };
        body.holidays.added = dates(&added.get_untracked());
        body.holidays.removed = dates(&removed.get_untracked());
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveRules>(&(), &(), &body).await {
                Ok(_) => {
                    saved.set(true);
                    load_rules();
                    let y = year.get_untracked();
                    if let Ok(e) = year_holidays(&y).await {
                        entries.set(e);
                    }
                }
                Err(e) => errors.set_api(&e),
            }
        });
    };

    // A row's button: work a national holiday, undo that, or remove a day the company set.
    let toggle = move |date: String, kind: Kind| {
        edit(&|add, rem| match kind {
            Kind::National => rem.push(date.clone()),
            Kind::Company => add.retain(|x| *x != date),
            Kind::Working | Kind::ExtraWorking => rem.retain(|x| *x != date),
        })
    };
    let table = move || {
        rows()
            .into_iter()
            .map(|(date, name, kind)| {
                let (badge, label, action, key) = match kind {
                    Kind::National => ("badge", "holidays.national", "holidays.work_it", "national"),
                    Kind::Working => ("badge off", "holidays.working", "holidays.undo", "working"),
                    Kind::Company => ("badge warn", "holidays.company", "holidays.remove", "company"),
                    Kind::ExtraWorking => ("badge off", "holidays.working", "holidays.remove", "working"),
                };
                let day = date.clone();
                view! {
                    <tr data-date=date.clone() data-kind=key>
                        <td>{date.clone()}</td>
                        <td>{weekday(&date)}</td>
                        <td>{name}</td>
                        <td><span class=badge>{t_dyn(label)}</span></td>
                        <td class="row-actions">
                            <button type="button" class="small" on:click=move |_| toggle(day.clone(), kind)>{t_dyn(action)}</button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("holidays.title")}</h1>
            <p class="lead">{tx("holidays.lead")}</p>
            <div class="filters">
                <PeriodPicker id="holiday-year" label=tr("holidays.year") kind=Step::Year value=year />
            </div>
            {error_banner(error)}
            <div class="table-wrap">
                <table data-testid="holiday-table">
                    <thead>
                        <tr>
                            <th>{tx("att.day")}</th>
                            <th>{tx("holidays.weekday")}</th>
                            <th>{tx("field.name")}</th>
                            <th>{tx("holidays.kind")}</th>
                            <th><span class="visually-hidden">{tx("common.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>{table}</tbody>
                </table>
            </div>
            <div class="filters">
                <TextField id="holiday-new" field="new_date" label=tr("holidays.new_date") value=new_date errors=errors kind="date" />
                <button type="button" data-testid="holiday-add" on:click=move |_| add_day(false)>{tx("holidays.add_company")}</button>
                <button type="button" data-testid="holiday-add-working" on:click=move |_| add_day(true)>{tx("holidays.add_working")}</button>
            </div>
            {move || {
                errors
                    .field("holidays.removed")
                    .or_else(|| errors.field("holidays.added"))
                    .map(|m| view! { <p class="field-error" role="alert">{m}</p> })
            }}
            <GeneralError errors=errors />
            {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
            <div class="actions">
                {move || dirty.get().then(|| view! { <span class="hint">{t("holidays.unsaved")}</span> })}
                <button type="button" class="primary" data-testid="holidays-save" disabled=move || !dirty.get() on:click=move |_| save()>
                    {tx("common.save")}
                </button>
            </div>
        </section>
    }
}
