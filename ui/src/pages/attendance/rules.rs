//! The attendance rules: the company's form, organisation overrides (only the sections an
//! organisation overrides are sent), and a preview of one person's day under the rules being
//! edited. Errors the server names (`breaks[1]`, `rounding_minutes`…) are shown at their section.

use kinmu_shared::ApiError;
use kinmu_shared::api::{Organization, RulesPreview, RulesPreviewRequest};
use leptos::prelude::*;
use serde_json::{Map, Value};

use super::{AdminNav, error_banner};
use crate::api_client::rules::{
    CORRECTIONS, DISPLAYS, DetailMatch, Holidays, LogCondition, MissingLog, OrganizationRules, Range, Rules, SECTIONS,
    USER_NAME_MODES, UserNames, WEEKDAYS,
};
use crate::api_client::{self};
use crate::app_state::app;
use crate::components::confirm_delete::ConfirmDeleteDialog;
use crate::components::form_errors::{FormErrors, GeneralError, GroupErrors};
use crate::datetime::{add_days, hm, parse_date, today};
use crate::i18n::{t, t_dyn};

#[derive(Clone, Copy)]
struct Pair {
    a: RwSignal<String>,
    b: RwSignal<String>,
}

impl Pair {
    fn new(a: &str, b: &str) -> Pair {
        Pair { a: RwSignal::new(a.to_string()), b: RwSignal::new(b.to_string()) }
    }
}

/// The form's state: one signal per input; lists hold a pair of signals per row.
#[derive(Clone, Copy)]
struct RulesForm {
    schedule: Pair,
    breaks: RwSignal<Vec<Pair>>,
    overtime: RwSignal<String>,
    late_night: Pair,
    rounding: RwSignal<String>,
    day_boundary: RwSignal<String>,
    weekdays: RwSignal<Vec<String>>,
    national: RwSignal<bool>,
    added: RwSignal<String>,
    removed: RwSignal<String>,
    time_zone: RwSignal<String>,
    /// (operation, detail as `key=value, key=value`).
    clock_in: RwSignal<Vec<Pair>>,
    clock_out: RwSignal<Vec<Pair>>,
    includes: RwSignal<bool>,
    missing_in: Pair,
    missing_out: Pair,
    name_mode: RwSignal<String>,
    strip_domain: RwSignal<bool>,
    terminal_key: RwSignal<String>,
    /// The rules as loaded, so fields this page does not know survive a save.
    base: RwSignal<Value>,
    /// Override mode: the sections this organisation sets.
    overriding: bool,
    overridden: RwSignal<Vec<&'static str>>,
    /// Prefix of the inputs' ids (two forms can exist at once).
    id: &'static str,
}

fn conditions_rows(c: &[LogCondition]) -> Vec<Pair> {
    c.iter()
        .map(|c| {
            let d = c.detail.iter().map(|m| format!("{}={}", m.key, m.value)).collect::<Vec<_>>().join(", ");
            Pair::new(c.operation.as_deref().unwrap_or(""), &d)
        })
        .collect()
}

fn lines(s: &str) -> Vec<String> {
    s.split(['\n', ',']).map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

fn is_time(s: &str) -> bool {
    let Some((h, m)) = s.trim().split_once(':') else { return false };
    h.len() <= 2 && m.len() == 2 && h.parse::<u32>().is_ok_and(|h| h < 24) && m.parse::<u32>().is_ok_and(|m| m < 60)
}

impl RulesForm {
    fn new(id: &'static str, overriding: bool) -> RulesForm {
        RulesForm {
            schedule: Pair::new("", ""),
            breaks: RwSignal::new(Vec::new()),
            overtime: RwSignal::new(String::new()),
            late_night: Pair::new("", ""),
            rounding: RwSignal::new(String::new()),
            day_boundary: RwSignal::new(String::new()),
            weekdays: RwSignal::new(Vec::new()),
            national: RwSignal::new(true),
            added: RwSignal::new(String::new()),
            removed: RwSignal::new(String::new()),
            time_zone: RwSignal::new(String::new()),
            clock_in: RwSignal::new(Vec::new()),
            clock_out: RwSignal::new(Vec::new()),
            includes: RwSignal::new(false),
            missing_in: Pair::new("absent", "marked"),
            missing_out: Pair::new("absent", "marked"),
            name_mode: RwSignal::new("display_name".into()),
            strip_domain: RwSignal::new(false),
            terminal_key: RwSignal::new(String::new()),
            base: RwSignal::new(Value::Null),
            overriding,
            overridden: RwSignal::new(Vec::new()),
            id,
        }
    }

    fn fill(&self, raw: Value) {
        let Ok(r) = serde_json::from_value::<Rules>(raw.clone()) else { return };
        self.base.set(raw);
        self.schedule.a.set(r.schedule.start);
        self.schedule.b.set(r.schedule.end);
        self.breaks.set(r.breaks.iter().map(|b| Pair::new(&b.start, &b.end)).collect());
        self.overtime.set(r.overtime_threshold_minutes.to_string());
        self.late_night.a.set(r.late_night.start);
        self.late_night.b.set(r.late_night.end);
        self.rounding.set(r.rounding_minutes.to_string());
        self.day_boundary.set(r.day_boundary);
        self.weekdays.set(r.holidays.weekdays);
        self.national.set(r.holidays.national_holidays);
        self.added.set(r.holidays.added.join("\n"));
        self.removed.set(r.holidays.removed.join("\n"));
        self.time_zone.set(r.time_zone);
        self.clock_in.set(conditions_rows(&r.clock_in));
        self.clock_out.set(conditions_rows(&r.clock_out));
        self.includes.set(r.clock_out_includes_clock_in);
        self.missing_in.a.set(r.missing_clock_in.correction);
        self.missing_in.b.set(r.missing_clock_in.display);
        self.missing_out.a.set(r.missing_clock_out.correction);
        self.missing_out.b.set(r.missing_clock_out.display);
        self.name_mode.set(r.user_names.mode);
        self.strip_domain.set(r.user_names.strip_domain);
        self.terminal_key.set(r.terminal_key.unwrap_or_default());
    }

    /// The rules the form holds, or `None` after putting each unreadable input's error at its field.
    fn rules(&self, errors: FormErrors) -> Option<Rules> {
        errors.clear();
        let time = |field: &str, v: RwSignal<String>| {
            let s = v.get_untracked();
            if !is_time(&s) {
                errors.set_field(field, format!("{field}: {}", t("form.time")));
            }
            s.trim().to_string()
        };
        let number = |field: &str, v: RwSignal<String>| {
            v.get_untracked().trim().parse::<u32>().unwrap_or_else(|_| {
                errors.set_field(field, format!("{field}: {}", t("form.whole_number")));
                0
            })
        };
        let range = |field: &str, p: Pair| Range { start: time(&format!("{field}.start"), p.a), end: time(&format!("{field}.end"), p.b) };
        let dates = |field: &str, v: RwSignal<String>| {
            let d = lines(&v.get_untracked());
            if let Some(bad) = d.iter().find(|d| parse_date(d).is_none()) {
                errors.set_field(field, format!("{field}: {bad}: {}", t("form.date")));
            }
            d
        };
        let conditions = |field: &str, rows: RwSignal<Vec<Pair>>| {
            rows.get_untracked()
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let op = p.a.get_untracked().trim().to_string();
                    let mut detail = Vec::new();
                    for pair in lines(&p.b.get_untracked()) {
                        match pair.split_once(['=', ':']) {
                            Some((k, v)) if !k.trim().is_empty() => {
                                detail.push(DetailMatch { key: k.trim().to_string(), value: v.trim().to_string() })
                            }
                            _ => errors.set_field(&format!("{field}[{i}].detail"), format!("{field}[{i}]: {pair}: {}", t("rules.detail_format"))),
                        }
                    }
                    LogCondition { operation: Some(op).filter(|o| !o.is_empty()), detail }
                })
                .collect::<Vec<_>>()
        };
        let rules = Rules {
            schedule: range("schedule", self.schedule),
            breaks: self.breaks.get_untracked().iter().enumerate().map(|(i, p)| range(&format!("breaks[{i}]"), *p)).collect(),
            overtime_threshold_minutes: number("overtime_threshold_minutes", self.overtime),
            late_night: range("late_night", self.late_night),
            rounding_minutes: number("rounding_minutes", self.rounding),
            day_boundary: time("day_boundary", self.day_boundary),
            holidays: Holidays {
                weekdays: WEEKDAYS.iter().filter(|d| self.weekdays.with_untracked(|w| w.iter().any(|x| x == *d))).map(|d| d.to_string()).collect(),
                national_holidays: self.national.get_untracked(),
                added: dates("holidays.added", self.added),
                removed: dates("holidays.removed", self.removed),
            },
            time_zone: self.time_zone.get_untracked(),
            clock_in: conditions("clock_in", self.clock_in),
            clock_out: conditions("clock_out", self.clock_out),
            clock_out_includes_clock_in: self.includes.get_untracked(),
            missing_clock_in: MissingLog { correction: self.missing_in.a.get_untracked(), display: self.missing_in.b.get_untracked() },
            missing_clock_out: MissingLog { correction: self.missing_out.a.get_untracked(), display: self.missing_out.b.get_untracked() },
            user_names: UserNames { mode: self.name_mode.get_untracked(), strip_domain: self.strip_domain.get_untracked() },
            terminal_key: Some(self.terminal_key.get_untracked().trim().to_string()).filter(|k| !k.is_empty()),
        };
        (!errors.has_any()).then_some(rules)
    }

    /// The rules as JSON over the loaded ones (unknown fields kept).
    fn json(&self, errors: FormErrors) -> Option<Value> {
        let rules = self.rules(errors)?;
        let mut base = self.base.get_untracked();
        if !base.is_object() {
            base = Value::Object(Map::new());
        }
        if let (Some(obj), Ok(Value::Object(new))) = (base.as_object_mut(), serde_json::to_value(&rules)) {
            for (k, v) in new {
                obj.insert(k, v);
            }
        }
        Some(base)
    }

    /// The override: only the sections ticked.
    fn override_json(&self, errors: FormErrors) -> Option<Value> {
        let full = self.json(errors)?;
        let on = self.overridden.get_untracked();
        let mut out = Map::new();
        for k in SECTIONS.iter().filter(|k| on.contains(k)) {
            let v = full.get(*k).cloned().unwrap_or(Value::Null);
            // An override's empty terminal key unsets the company's.
            out.insert(k.to_string(), if *k == "terminal_key" && v.is_null() { Value::String(String::new()) } else { v });
        }
        Some(Value::Object(out))
    }

    fn on(&self, key: &'static str) -> bool {
        !self.overriding || self.overridden.with(|v| v.contains(&key))
    }
}

/// A section of the form: its legend (with the "override" box in override mode), its inputs and
/// the errors the server gives for it.
fn section(form: RulesForm, errors: FormErrors, key: &'static str, title: &'static str, nested: bool, body: AnyView) -> AnyView {
    let box_id = format!("{}-over-{key}", form.id);
    let err_id = format!("{}-{key}-error", form.id);
    let fields = if nested { vec![key.to_string()] } else { Vec::new() };
    view! {
        <fieldset class="rules-section" data-section=key disabled=move || !form.on(key) aria-describedby=err_id>
            <legend>
                {move || t(title)}
                {form.overriding.then(|| view! {
                    <span class="override-box">
                        <input type="checkbox" id=box_id.clone() data-testid=format!("override-{key}")
                            prop:checked=move || form.overridden.with(|v| v.contains(&key))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                form.overridden.update(|v| { v.retain(|k| *k != key); if on { v.push(key); } });
                            } />
                        <label for=box_id.clone()>{move || t("rules.override")}</label>
                    </span>
                })}
            </legend>
            {body}
            {if nested {
                let eid = err_id.clone();
                view! { <GroupErrors errors=errors fields=fields id=eid /> }.into_any()
            } else {
                let k = key.to_string();
                let eid = err_id.clone();
                view! { {move || errors.field(&k).map(|m| view! { <p class="field-error" id=eid.clone() data-testid=format!("{key}-error") role="alert">{m}</p> })} }.into_any()
            }}
        </fieldset>
    }
    .into_any()
}

fn input(id: String, label: &'static str, kind: &'static str, value: RwSignal<String>, invalid: Signal<bool>) -> AnyView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || t(label)}</label>
            <input id=id type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || invalid.get().to_string() />
        </div>
    }
    .into_any()
}

fn select(id: String, label: &'static str, value: RwSignal<String>, options: &'static [&'static str], prefix: &'static str) -> AnyView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || t(label)}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                {options.iter().map(|o| view! {
                    <option value=*o selected=move || value.get() == *o>{move || t_dyn(&format!("{prefix}.{o}"))}</option>
                }).collect_view()}
            </select>
        </div>
    }
    .into_any()
}

fn check(id: String, label: &'static str, value: RwSignal<bool>) -> AnyView {
    view! {
        <div class="field check">
            <input type="checkbox" id=id.clone() prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev)) />
            <label for=id>{move || t(label)}</label>
        </div>
    }
    .into_any()
}

fn invalid(errors: FormErrors, key: &'static str) -> Signal<bool> {
    Signal::derive(move || !errors.under(key).is_empty())
}

/// A list of (start, end) time rows or (operation, detail) condition rows with add/remove.
fn rows_editor(form: RulesForm, errors: FormErrors, key: &'static str, rows: RwSignal<Vec<Pair>>, conditions: bool) -> AnyView {
    let id = form.id;
    let (la, lb, ka, kb) = if conditions {
        ("rules.operation", "rules.detail", "text", "text")
    } else {
        ("rules.start", "rules.end", "time", "time")
    };
    let count = Memo::new(move |_| rows.with(Vec::len));
    view! {
        <ol class="rows" data-testid=format!("{key}-rows")>
            {move || (0..count.get()).map(|i| {
                let Some(p) = rows.with_untracked(|r| r.get(i).copied()) else { return ().into_any() };
                let row_key = format!("{key}[{i}]");
                let rk = row_key.clone();
                let bad = Signal::derive(move || !errors.under(&rk).is_empty());
                view! {
                    <li class="row">
                        {input(format!("{id}-{key}-{i}-a"), la, ka, p.a, bad)}
                        {input(format!("{id}-{key}-{i}-b"), lb, kb, p.b, bad)}
                        <button type="button" class="small danger" data-testid=format!("{key}-{i}-remove")
                            aria-label=move || format!("{} {}", t("rules.remove_row"), i + 1)
                            on:click=move |_| rows.update(|r| { if i < r.len() { r.remove(i); } })>{move || t("rules.remove")}</button>
                        <GroupErrors errors=errors fields=vec![row_key.clone()] />
                    </li>
                }.into_any()
            }).collect_view()}
        </ol>
        {conditions.then(|| view! { <p class="hint">{move || t("rules.detail_hint")}</p> })}
        <button type="button" class="small" data-testid=format!("{key}-add")
            on:click=move |_| rows.update(|r| r.push(if conditions { Pair::new("", "") } else { Pair::new("12:00", "13:00") }))>
            {move || t("rules.add_row")}
        </button>
    }
    .into_any()
}

/// Every section of the rules.
fn rules_form_view(f: RulesForm, errors: FormErrors) -> impl IntoView {
    let id = f.id;
    let i = |s: &str| format!("{id}-{s}");
    let tz_options = move || {
        let mut zones = app().time_zones.get();
        let cur = f.time_zone.get();
        if !cur.is_empty() && !zones.contains(&cur) {
            zones.insert(0, cur.clone());
        }
        zones.into_iter().map(|z| { let sel = z == cur; let label = z.clone(); view! { <option value=z selected=sel>{label}</option> } }).collect_view()
    };
    view! {
        <div class="rules-form">
            {section(f, errors, "schedule", "rules.schedule", true, view! {
                <div class="inline-fields">
                    {input(i("schedule-start"), "rules.start", "time", f.schedule.a, invalid(errors, "schedule"))}
                    {input(i("schedule-end"), "rules.end", "time", f.schedule.b, invalid(errors, "schedule"))}
                </div>
            }.into_any())}
            {section(f, errors, "breaks", "rules.breaks", false, rows_editor(f, errors, "breaks", f.breaks, false))}
            {section(f, errors, "overtime_threshold_minutes", "rules.overtime", true, view! {
                {input(i("overtime"), "rules.minutes", "number", f.overtime, invalid(errors, "overtime_threshold_minutes"))}
                <p class="hint">{move || f.overtime.get().trim().parse::<i64>().map(hm).unwrap_or_default()}</p>
            }.into_any())}
            {section(f, errors, "late_night", "rules.late_night", true, view! {
                <div class="inline-fields">
                    {input(i("late-start"), "rules.start", "time", f.late_night.a, invalid(errors, "late_night"))}
                    {input(i("late-end"), "rules.end", "time", f.late_night.b, invalid(errors, "late_night"))}
                </div>
            }.into_any())}
            {section(f, errors, "rounding_minutes", "rules.rounding", true,
                input(i("rounding"), "rules.rounding_minutes", "number", f.rounding, invalid(errors, "rounding_minutes")))}
            {section(f, errors, "day_boundary", "rules.day_boundary", true,
                input(i("day-boundary"), "rules.boundary_time", "time", f.day_boundary, invalid(errors, "day_boundary")))}
            {section(f, errors, "holidays", "rules.holidays", true, view! {
                <fieldset class="weekdays"><legend>{move || t("rules.weekly")}</legend>
                    {WEEKDAYS.iter().enumerate().map(|(n, d)| {
                        let d = *d;
                        let cid = format!("{id}-wd-{d}");
                        view! {
                            <span class="check-inline">
                                <input type="checkbox" id=cid.clone() prop:checked=move || f.weekdays.with(|w| w.iter().any(|x| x == d))
                                    on:change=move |ev| { let on = event_target_checked(&ev); f.weekdays.update(|w| { w.retain(|x| x != d); if on { w.push(d.to_string()); } }); } />
                                <label for=cid>{move || t(["wd.mon", "wd.tue", "wd.wed", "wd.thu", "wd.fri", "wd.sat", "wd.sun"][n])}</label>
                            </span>
                        }
                    }).collect_view()}
                </fieldset>
                {check(i("national"), "rules.national", f.national)}
                <div class="inline-fields">
                    <div class="field">
                        <label for=i("added")>{move || t("rules.added")}</label>
                        <textarea id=i("added") rows="3" prop:value=move || f.added.get() on:input=move |ev| f.added.set(event_target_value(&ev))></textarea>
                    </div>
                    <div class="field">
                        <label for=i("removed")>{move || t("rules.removed")}</label>
                        <textarea id=i("removed") rows="3" prop:value=move || f.removed.get() on:input=move |ev| f.removed.set(event_target_value(&ev))></textarea>
                    </div>
                </div>
                <p class="hint">{move || t("rules.dates_hint")}</p>
            }.into_any())}
            {section(f, errors, "time_zone", "field.time_zone", true, view! {
                <div class="field">
                    <label for=i("tz")>{move || t("field.time_zone")}</label>
                    <select id=i("tz") on:change=move |ev| f.time_zone.set(event_target_value(&ev))>{tz_options}</select>
                </div>
            }.into_any())}
            {section(f, errors, "clock_in", "rules.clock_in", false, rows_editor(f, errors, "clock_in", f.clock_in, true))}
            {section(f, errors, "clock_out", "rules.clock_out", false, rows_editor(f, errors, "clock_out", f.clock_out, true))}
            {section(f, errors, "clock_out_includes_clock_in", "rules.includes_title", true, check(i("includes"), "rules.includes", f.includes))}
            {section(f, errors, "missing_clock_in", "rules.missing_in", true, view! {
                <div class="inline-fields">
                    {select(i("miss-in-c"), "rules.correction", f.missing_in.a, &CORRECTIONS[..3], "corr")}
                    {select(i("miss-in-d"), "rules.display", f.missing_in.b, &DISPLAYS, "disp")}
                </div>
            }.into_any())}
            {section(f, errors, "missing_clock_out", "rules.missing_out", true, view! {
                <div class="inline-fields">
                    {select(i("miss-out-c"), "rules.correction", f.missing_out.a, &CORRECTIONS, "corr")}
                    {select(i("miss-out-d"), "rules.display", f.missing_out.b, &DISPLAYS, "disp")}
                </div>
            }.into_any())}
            {section(f, errors, "user_names", "rules.user_names", true, view! {
                {select(i("name-mode"), "rules.name_mode", f.name_mode, &USER_NAME_MODES, "names")}
                {check(i("strip"), "rules.strip_domain", f.strip_domain)}
            }.into_any())}
            {section(f, errors, "terminal_key", "rules.terminal", true, view! {
                {input(i("terminal"), "rules.terminal_key", "text", f.terminal_key, invalid(errors, "terminal_key"))}
                <p class="hint">{move || t("rules.terminal_hint")}</p>
            }.into_any())}
        </div>
    }
}

/// Puts a save's error at its field and moves the focus to the first invalid input.
fn show_error(errors: FormErrors, e: &ApiError) {
    errors.set_api(e);
    focus_first_invalid();
}

fn focus_first_invalid() {
    request_animation_frame(|| {
        let doc = web_sys::window().and_then(|w| w.document());
        if let Some(el) = doc.and_then(|d| d.query_selector("[aria-invalid=true], .field-error").ok().flatten()) {
            el.scroll_into_view();
            if let Ok(h) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = h.focus();
            }
        }
    });
}

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Company,
    Overrides,
}

#[component]
pub fn RulesPage() -> impl IntoView {
    let tab = RwSignal::new(Tab::Company);
    let company = RulesForm::new("rules", false);
    let over = RulesForm::new("over", true);
    let errors = FormErrors::new();
    let over_errors = FormErrors::new();
    let saved = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let orgs = RwSignal::new(Vec::<Organization>::new());
    let overrides = RwSignal::new(Vec::<OrganizationRules>::new());
    let org = RwSignal::new(String::new());
    let company_raw = RwSignal::new(Value::Null);
    let deleting = RwSignal::new(false);

    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::get::<Value>("/attendance/rules").await {
                Ok(v) => {
                    company.fill(v.clone());
                    company_raw.set(v);
                }
                Err(e) => error.set(Some(e.message)),
            }
            if let Ok(o) = api_client::organizations().await {
                orgs.set(o);
            }
            if let Ok(o) = api_client::get::<Vec<OrganizationRules>>("/attendance/rules/organizations").await {
                overrides.set(o);
            }
        });
    };
    load();

    // Choosing an organisation: the company's rules with its override on top, its sections ticked.
    Effect::new(move |_| {
        let id = org.get().parse::<i64>().ok();
        let base = company_raw.get();
        let ov = id.and_then(|id| overrides.with(|o| o.iter().find(|x| x.organization_id == id).map(|x| x.rules.clone())));
        let mut merged = base;
        let mut on = Vec::new();
        if let (Some(obj), Some(ov)) = (merged.as_object_mut(), ov) {
            for k in SECTIONS {
                if let Some(v) = ov.get(k).filter(|v| !v.is_null()) {
                    obj.insert(k.to_string(), if k == "terminal_key" && v.as_str() == Some("") { Value::Null } else { v.clone() });
                    on.push(k);
                }
            }
        }
        over_errors.clear();
        over.fill(merged);
        over.overridden.set(on);
    });

    let save_company = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let Some(body) = company.json(errors) else {
            focus_first_invalid();
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::send::<_, Value>("PUT", "/attendance/rules", &body).await {
                Ok(v) => {
                    company.fill(v.clone());
                    company_raw.set(v);
                    saved.set(true);
                }
                Err(e) => show_error(errors, &e),
            }
            busy.set(false);
        });
    };
    let save_override = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let Ok(id) = org.get_untracked().parse::<i64>() else { return };
        let Some(body) = over.override_json(over_errors) else {
            focus_first_invalid();
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::send::<_, Value>("PUT", &format!("/attendance/rules/organizations/{id}"), &body).await {
                Ok(_) => {
                    saved.set(true);
                    if let Ok(o) = api_client::get::<Vec<OrganizationRules>>("/attendance/rules/organizations").await {
                        overrides.set(o);
                    }
                }
                Err(e) => show_error(over_errors, &e),
            }
            busy.set(false);
        });
    };
    let org_name = move || {
        let id = org.get().parse::<i64>().ok();
        orgs.with(|o| o.iter().find(|o| Some(o.id) == id).map(|o| o.path.clone())).unwrap_or_default()
    };
    let has_override = move || {
        let id = org.get().parse::<i64>().ok();
        overrides.with(|o| o.iter().any(|x| Some(x.organization_id) == id))
    };

    let tab_button = move |k: Tab, key: &'static str, testid: &'static str| {
        view! {
            <button type="button" role="tab" data-testid=testid aria-selected=move || (tab.get() == k).to_string()
                on:click=move |_| { saved.set(false); tab.set(k); }>{move || t(key)}</button>
        }
    };

    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{move || t("rules.title")}</h1>
            {error_banner(error)}
            <div role="tablist" class="tabs">
                {tab_button(Tab::Company, "rules.company", "rules-tab-company")}
                {tab_button(Tab::Overrides, "rules.overrides", "rules-tab-overrides")}
            </div>
            <div class="columns rules-layout">
                <div>
                    <Show when=move || tab.get() == Tab::Company>
                        <form on:submit=save_company novalidate data-testid="rules-form">
                            {rules_form_view(company, errors)}
                            <GeneralError errors=errors />
                            {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                            <div class="actions sticky">
                                <button type="submit" class="primary" data-testid="rules-save" disabled=move || busy.get()>{move || t("common.save")}</button>
                            </div>
                        </form>
                    </Show>
                    <Show when=move || tab.get() == Tab::Overrides>
                        <div class="field">
                            <label for="over-org">{move || t("field.organization")}</label>
                            <select id="over-org" on:change=move |ev| { saved.set(false); org.set(event_target_value(&ev)); }>
                                <option value="" selected=move || org.get().is_empty()>{move || t("rules.choose_org")}</option>
                                {move || orgs.get().into_iter().map(|o| {
                                    let id = o.id;
                                    let mark = overrides.with(|x| x.iter().any(|x| x.organization_id == id));
                                    view! { <option value=id.to_string() selected=move || org.get() == id.to_string()>{o.path}{if mark { " ★" } else { "" }}</option> }
                                }).collect_view()}
                            </select>
                            <p class="hint">{move || t("rules.override_hint")}</p>
                        </div>
                        <Show when=move || !org.get().is_empty()>
                            <form on:submit=save_override novalidate data-testid="override-form">
                                {rules_form_view(over, over_errors)}
                                <GeneralError errors=over_errors />
                                {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                                <div class="actions sticky">
                                    <Show when=has_override>
                                        <button type="button" class="danger" data-testid="override-delete" on:click=move |_| deleting.set(true)>{move || t("rules.delete_override")}</button>
                                    </Show>
                                    <button type="submit" class="primary" data-testid="override-save" disabled=move || busy.get()>{move || t("common.save")}</button>
                                </div>
                            </form>
                        </Show>
                    </Show>
                </div>
                <PreviewPanel form=Signal::derive(move || if tab.get() == Tab::Company { company } else { over })
                    errors=Signal::derive(move || if tab.get() == Tab::Company { errors } else { over_errors }) />
            </div>
            {move || deleting.get().then(|| {
                let id = org.get_untracked();
                view! {
                    <ConfirmDeleteDialog path=format!("/attendance/rules/organizations/{id}") name=org_name()
                        title_key="rules.delete_override" confirm_key="rules.delete_confirm"
                        dialog_testid="override-delete-dialog" confirm_testid="override-delete-confirm"
                        on_done=Callback::new(move |done: bool| {
                            deleting.set(false);
                            if done {
                                overrides.update(|o| o.retain(|x| x.organization_id.to_string() != id));
                            }
                        }) />
                }
            })}
        </section>
    }
}

#[component]
fn PreviewPanel(form: Signal<RulesForm>, errors: Signal<FormErrors>) -> impl IntoView {
    let state = app();
    let user = RwSignal::new(state.session.with_untracked(|s| s.as_ref().map(|s| s.user.login.clone()).unwrap_or_default()));
    let date = RwSignal::new(add_days(&today(), -1));
    let result = RwSignal::new(None::<RulesPreview>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let Some(rules) = form.get_untracked().json(errors.get_untracked()) else {
            error.set(Some(t("rules.fix_first").to_string()));
            return;
        };
        let body = RulesPreviewRequest { rules, user: user.get_untracked().trim().to_string(), date: date.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::send::<_, RulesPreview>("POST", "/attendance/rules/preview", &body).await {
                Ok(p) => result.set(Some(p)),
                Err(e) => {
                    result.set(None);
                    let field = e.field.clone().unwrap_or_default();
                    if field.is_empty() || field == "user" || field == "date" {
                        error.set(Some(e.message));
                    } else {
                        // A rule the server refused: at its field in the form.
                        error.set(Some(t("rules.fix_first").to_string()));
                        show_error(errors.get_untracked(), &e);
                    }
                }
            }
            busy.set(false);
        });
    };
    let flag = |on: bool, key: &'static str| on.then(|| view! { <span class="badge warn">{t(key)}</span> });
    view! {
        <aside class="panel preview" aria-labelledby="preview-title">
            <h2 id="preview-title">{move || t("preview.title")}</h2>
            <p class="hint">{move || t("preview.hint")}</p>
            <form on:submit=run novalidate>
                <div class="field">
                    <label for="preview-user">{move || t("att.user")}</label>
                    <input id="preview-user" prop:value=move || user.get() on:input=move |ev| user.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="preview-date">{move || t("att.day")}</label>
                    <input id="preview-date" type="date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev)) />
                </div>
                <button type="submit" data-testid="preview-run" disabled=move || busy.get()>{move || t("preview.run")}</button>
            </form>
            {error_banner(error)}
            {move || result.get().map(|p| {
                let d = p.day;
                view! {
                    <dl class="summary" data-testid="preview-day">
                        <dt>{t("att.day")}</dt><dd>{d.date.clone()} {d.holiday.clone().map(|h| view! { <span class="badge">{t("heat.holiday")} " " {h}</span> })}</dd>
                        <dt>{t("preview.clock_in")}</dt><dd data-testid="preview-clock-in">{d.clock_in.clone()}</dd>
                        <dt>{t("preview.clock_out")}</dt><dd data-testid="preview-clock-out">{d.clock_out.clone()}</dd>
                        <dt>{t("preview.actual")}</dt><dd>{hm(i64::from(d.actual_work_minutes))}</dd>
                        <dt>{t("agr.overtime")}</dt><dd>{hm(i64::from(d.overtime_minutes))}</dd>
                        <dt>{t("preview.late_night")}</dt><dd>{hm(i64::from(d.late_night_minutes))}</dd>
                        <dt>{t("preview.late")}</dt><dd>{hm(i64::from(d.late_minutes))}</dd>
                        <dt>{t("preview.early")}</dt><dd>{hm(i64::from(d.early_leave_minutes))}</dd>
                    </dl>
                    <p>{flag(d.absent, "preview.absent")}{flag(d.missing_clock_in, "preview.missing_in")}{flag(d.missing_clock_out, "preview.missing_out")}{flag(d.in_progress, "preview.in_progress")}</p>
                    <div class="table-wrap">
                        <table data-testid="preview-events">
                            <thead><tr><th>{t("preview.time")}</th><th>{t("preview.operation")}</th><th>{t("rules.detail")}</th><th>{t("att.terminal")}</th><th>{t("preview.role")}</th></tr></thead>
                            <tbody>
                                {p.events.into_iter().map(|e| {
                                    let role = t(match e.role.as_str() { "clock_in" => "role.clock_in", "clock_out" => "role.clock_out", "both" => "role.both", _ => "role.none" });
                                    view! {
                                        <tr class:adopted=e.adopted>
                                            <td>{e.local}</td><td>{e.operation}</td><td class="accounts">{e.detail}</td><td>{e.target} " " <span class="hint">{e.host}</span></td>
                                            <td>{role}{e.adopted.then(|| view! { " " <span class="badge ok">{t("preview.adopted")}</span> })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
            })}
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_lists_are_read() {
        assert!(is_time("09:00") && is_time("9:05") && !is_time("25:00") && !is_time("9") && !is_time(""));
        assert_eq!(lines("2024-01-02\n 2024-01-03 ,2024-01-04\n"), vec!["2024-01-02", "2024-01-03", "2024-01-04"]);
    }
}
