//! The attendance rules: the company's form, organisation overrides (only the sections an
//! organisation overrides are sent), and a preview of one person's day under the rules being
//! edited. Errors the server names (`breaks[1]`, `rounding_minutes`…) are shown at their section.
//!
//! The form is written as HTML text (see `crate::html`): what is typed stays in the inputs and
//! is read back when saving, adding or removing a row, or ticking an override.

use kinmu_shared::ApiError;
use kinmu_shared::api::{Organization, RulesPreviewRequest};
use leptos::prelude::*;
use serde_json::{Map, Value};

use super::{AdminNav, error_banner};
use crate::api_client::read::{flag, int, items, text};
use crate::api_client::rules::{CORRECTIONS, DISPLAYS, SECTIONS, USER_NAME_MODES, WEEKDAYS};
use crate::api_client::{self};
use crate::app_state::app;
use crate::components::confirm_delete::ConfirmDeleteDialog;
use crate::components::form_errors::FormErrors;
use crate::datetime::{add_days, hm, parse_date, today};
use crate::html::{Html, RawHtml, checked, esc, focus_first_invalid, focus_id, value_of};
use crate::i18n::{t, t_dyn, tx};

/// The form's values as typed (text), rows included.
#[derive(Clone, Default, PartialEq)]
struct Raw {
    schedule: (String, String),
    breaks: Vec<(String, String)>,
    overtime: String,
    late_night: (String, String),
    rounding: String,
    day_boundary: String,
    weekdays: Vec<String>,
    national: bool,
    added: String,
    removed: String,
    time_zone: String,
    /// (operation, detail as `key=value, key=value`).
    clock_in: Vec<(String, String)>,
    clock_out: Vec<(String, String)>,
    includes: bool,
    missing_in: (String, String),
    missing_out: (String, String),
    name_mode: String,
    strip_domain: bool,
    terminal_key: String,
}

fn lines(s: &str) -> Vec<String> {
    s.split(['\n', ',']).map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

fn is_time(s: &str) -> bool {
    let Some((h, m)) = s.trim().split_once(':') else { return false };
    h.len() <= 2 && m.len() == 2 && h.parse::<u32>().is_ok_and(|h| h < 24) && m.parse::<u32>().is_ok_and(|m| m < 60)
}

impl Raw {
    fn from_value(v: &Value) -> Raw {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
        let n = |p: &str| v.pointer(p).and_then(Value::as_u64).map(|x| x.to_string()).unwrap_or_default();
        let b = |p: &str| v.pointer(p).and_then(Value::as_bool).unwrap_or(false);
        let list = |p: &str| v.pointer(p).and_then(Value::as_array).cloned().unwrap_or_default();
        let strs = |p: &str| list(p).iter().filter_map(|x| x.as_str().map(String::from)).collect::<Vec<_>>();
        let text = |x: &Value, k: &str| x.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let pair = |p: &str| (s(&format!("{p}/start")), s(&format!("{p}/end")));
        let conditions = |p: &str| {
            list(p)
                .iter()
                .map(|c| {
                    let d = c.get("detail").and_then(Value::as_array).cloned().unwrap_or_default();
                    let d = d.iter().map(|m| format!("{}={}", text(m, "key"), text(m, "value"))).collect::<Vec<_>>().join(", ");
                    (text(c, "operation"), d)
                })
                .collect()
        };
        Raw {
            schedule: pair("/schedule"),
            breaks: list("/breaks").iter().map(|x| (text(x, "start"), text(x, "end"))).collect(),
            overtime: n("/overtime_threshold_minutes"),
            late_night: pair("/late_night"),
            rounding: n("/rounding_minutes"),
            day_boundary: s("/day_boundary"),
            weekdays: strs("/holidays/weekdays"),
            national: b("/holidays/national_holidays"),
            added: strs("/holidays/added").join("\n"),
            removed: strs("/holidays/removed").join("\n"),
            time_zone: s("/time_zone"),
            clock_in: conditions("/clock_in"),
            clock_out: conditions("/clock_out"),
            includes: b("/clock_out_includes_clock_in"),
            missing_in: (s("/missing_clock_in/correction"), s("/missing_clock_in/display")),
            missing_out: (s("/missing_clock_out/correction"), s("/missing_clock_out/display")),
            name_mode: s("/user_names/mode"),
            strip_domain: b("/user_names/strip_domain"),
            terminal_key: s("/terminal_key"),
        }
    }

    /// What the inputs of form `p` hold now (rows as many as this one has).
    fn read(&self, p: &str) -> Raw {
        let v = |k: &str| value_of(&format!("{p}-{k}"));
        let pair = |k: &str| (v(&format!("{k}-a")), v(&format!("{k}-b")));
        Raw {
            schedule: pair("schedule"),
            breaks: (0..self.breaks.len()).map(|i| pair(&format!("breaks-{i}"))).collect(),
            overtime: v("overtime"),
            late_night: pair("late_night"),
            rounding: v("rounding"),
            day_boundary: v("day_boundary"),
            weekdays: WEEKDAYS.iter().filter(|d| checked(&format!("{p}-wd-{d}"))).map(|d| d.to_string()).collect(),
            national: checked(&format!("{p}-national")),
            added: v("added"),
            removed: v("removed"),
            time_zone: v("time_zone"),
            clock_in: (0..self.clock_in.len()).map(|i| pair(&format!("clock_in-{i}"))).collect(),
            clock_out: (0..self.clock_out.len()).map(|i| pair(&format!("clock_out-{i}"))).collect(),
            includes: checked(&format!("{p}-includes")),
            missing_in: pair("missing_in"),
            missing_out: pair("missing_out"),
            name_mode: v("name_mode"),
            strip_domain: checked(&format!("{p}-strip")),
            terminal_key: v("terminal_key"),
        }
    }

    /// The rules as JSON, or `None` after putting each unreadable input's error at its field.
    fn rules(&self, errors: FormErrors) -> Option<Value> {
        errors.clear();
        let time = |field: &str, s: &str| {
            if !is_time(s) {
                errors.set_field(field, format!("{field}: {}", t("form.time")));
            }
            Value::from(s.trim())
        };
        let number = |field: &str, s: &str| {
            Value::from(s.trim().parse::<u32>().unwrap_or_else(|_| {
                errors.set_field(field, format!("{field}: {}", t("form.whole_number")));
                0
            }))
        };
        let range = |field: &str, p: &(String, String)| {
            obj(&[("start", time(&format!("{field}.start"), &p.0)), ("end", time(&format!("{field}.end"), &p.1))])
        };
        let dates = |field: &str, s: &str| {
            let d = lines(s);
            if let Some(bad) = d.iter().find(|d| parse_date(d).is_none()) {
                errors.set_field(field, format!("{field}: {bad}: {}", t("form.date")));
            }
            Value::from(d)
        };
        let conditions = |field: &str, rows: &[(String, String)]| {
            let list = rows
                .iter()
                .enumerate()
                .map(|(i, (op, det))| {
                    let mut detail = Vec::new();
                    for pair in lines(det) {
                        match pair.split_once(['=', ':']) {
                            Some((k, v)) if !k.trim().is_empty() => {
                                detail.push(obj(&[("key", k.trim().into()), ("value", v.trim().into())]))
                            }
                            _ => errors
                                .set_field(&format!("{field}[{i}].detail"), format!("{field}[{i}]: {pair}: {}", t("rules.detail_format"))),
                        }
                    }
                    let mut c = Map::new();
                    if !op.trim().is_empty() {
                        c.insert("operation".into(), op.trim().into());
                    }
                    if !detail.is_empty() {
                        c.insert("detail".into(), Value::Array(detail));
                    }
                    Value::Object(c)
                })
                .collect::<Vec<_>>();
            Value::Array(list)
        };
        let pair = |a: &str, b: &str, x: &(String, String)| obj(&[(a, x.0.as_str().into()), (b, x.1.as_str().into())]);
        let terminal = self.terminal_key.trim();
        let rules = obj(&[
            ("schedule", range("schedule", &self.schedule)),
            ("breaks", Value::Array(self.breaks.iter().enumerate().map(|(i, p)| range(&format!("breaks[{i}]"), p)).collect())),
            ("overtime_threshold_minutes", number("overtime_threshold_minutes", &self.overtime)),
            ("late_night", range("late_night", &self.late_night)),
            ("rounding_minutes", number("rounding_minutes", &self.rounding)),
            ("day_boundary", time("day_boundary", &self.day_boundary)),
            (
                "holidays",
                obj(&[
                    ("weekdays", Value::from(self.weekdays.clone())),
                    ("national_holidays", self.national.into()),
                    ("added", dates("holidays.added", &self.added)),
                    ("removed", dates("holidays.removed", &self.removed)),
                ]),
            ),
            ("time_zone", self.time_zone.as_str().into()),
            ("clock_in", conditions("clock_in", &self.clock_in)),
            ("clock_out", conditions("clock_out", &self.clock_out)),
            ("clock_out_includes_clock_in", self.includes.into()),
            ("missing_clock_in", pair("correction", "display", &self.missing_in)),
            ("missing_clock_out", pair("correction", "display", &self.missing_out)),
            ("user_names", obj(&[("mode", self.name_mode.as_str().into()), ("strip_domain", self.strip_domain.into())])),
            ("terminal_key", if terminal.is_empty() { Value::Null } else { terminal.into() }),
        ]);
        (!errors.has_any()).then_some(rules)
    }
}

fn obj(fields: &[(&str, Value)]) -> Value {
    Value::Object(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

/// One rules form (the company's, or an organisation's override).
#[derive(Clone, Copy)]
struct RulesForm {
    raw: RwSignal<Raw>,
    /// The rules as loaded, so fields this page does not know survive a save.
    base: RwSignal<Value>,
    /// Override mode: the sections this organisation sets.
    overriding: bool,
    overridden: RwSignal<Vec<String>>,
    errors: FormErrors,
    /// Prefix of the inputs' ids (two forms exist at once).
    id: &'static str,
}

impl RulesForm {
    fn new(id: &'static str, overriding: bool) -> RulesForm {
        RulesForm {
            raw: RwSignal::new(Raw::default()),
            base: RwSignal::new(Value::Null),
            overriding,
            overridden: RwSignal::new(Vec::new()),
            errors: FormErrors::new(),
            id,
        }
    }

    fn fill(&self, raw: Value) {
        if !raw.is_object() {
            return;
        }
        self.raw.set(Raw::from_value(&raw));
        self.base.set(raw);
    }

    /// Takes what was typed into the state (before anything re-writes the form).
    fn sync(&self) {
        let now = self.raw.with_untracked(|r| r.read(self.id));
        self.raw.update_untracked(|r| *r = now);
    }

    /// The rules as JSON over the loaded ones (unknown fields kept).
    fn json(&self) -> Option<Value> {
        self.sync();
        let rules = self.raw.with_untracked(|r| r.rules(self.errors))?;
        let mut base = self.base.get_untracked();
        if !base.is_object() {
            base = Value::Object(Map::new());
        }
        if let (Some(obj), Value::Object(new)) = (base.as_object_mut(), rules) {
            for (k, v) in new {
                obj.insert(k, v);
            }
        }
        Some(base)
    }

    /// The override: only the sections ticked.
    fn override_json(&self) -> Option<Value> {
        let full = self.json()?;
        let on = self.overridden.get_untracked();
        let mut out = Map::new();
        for k in SECTIONS.iter().filter(|k| on.iter().any(|o| o == *k)) {
            let v = full.get(*k).cloned().unwrap_or(Value::Null);
            // An override's empty terminal key unsets the company's.
            out.insert(k.to_string(), if *k == "terminal_key" && v.is_null() { Value::String(String::new()) } else { v });
        }
        Some(Value::Object(out))
    }

    /// A click or change inside the form: rows added or removed, an override ticked.
    fn act(&self, action: &str, el: &web_sys::Element) {
        let list = el.get_attribute("data-list").unwrap_or_default();
        let p = self.id;
        self.sync();
        match action {
            "add-row" => {
                let mut n = 0;
                self.raw.update(|r| {
                    let rows = match list.as_str() {
                        "breaks" => &mut r.breaks,
                        "clock_in" => &mut r.clock_in,
                        _ => &mut r.clock_out,
                    };
                    rows.push(if list == "breaks" { ("12:00".into(), "13:00".into()) } else { Default::default() });
                    n = rows.len() - 1;
                });
                focus_id(format!("{p}-{list}-{n}-a"));
            }
            "remove-row" => {
                let i: usize = el.get_attribute("data-index").and_then(|i| i.parse().ok()).unwrap_or(usize::MAX);
                self.raw.update(|r| {
                    let rows = match list.as_str() {
                        "breaks" => &mut r.breaks,
                        "clock_in" => &mut r.clock_in,
                        _ => &mut r.clock_out,
                    };
                    if i < rows.len() {
                        rows.remove(i);
                    }
                });
                focus_id(format!("{p}-{list}-add"));
            }
            "override" => {
                let key = el.get_attribute("data-section").unwrap_or_default();
                let on = checked(&format!("{p}-over-{key}"));
                self.overridden.update(|v| {
                    v.retain(|k| *k != key);
                    if on {
                        v.push(key.clone());
                    }
                });
                focus_id(format!("{p}-over-{key}"));
            }
            _ => {}
        }
    }
}

/// Writes the form as HTML.
struct Writer<'a> {
    h: Html,
    p: &'static str,
    errors: FormErrors,
    overriding: bool,
    overridden: &'a [String],
}

impl Writer<'_> {
    fn section(&mut self, key: &str, title: &str, nested: bool, body: &dyn Fn(&mut Self, bool)) {
        let on = !self.overriding || self.overridden.iter().any(|k| k == key);
        let msgs = if nested { self.errors.under(key) } else { self.errors.field(key).into_iter().collect() };
        let p = self.p;
        self.h.fmt(format_args!(
            r#"<fieldset class="rules-section" data-section="{key}"{} aria-describedby="{p}-{key}-error"><legend>{}"#,
            if on { "" } else { " disabled" },
            esc(t_dyn(title))
        ));
        if self.overriding {
            self.h.fmt(format_args!(
                r#"<span class="override-box"><input type="checkbox" id="{p}-over-{key}" data-testid="override-{key}" data-action="override" data-section="{key}"{}><label for="{p}-over-{key}">{}</label></span>"#,
                if on { " checked" } else { "" },
                esc(t("rules.override"))
            ));
        }
        self.h.raw("</legend>");
        body(self, !msgs.is_empty());
        if !msgs.is_empty() {
            self.h
                .fmt(format_args!(r#"<p class="field-error" id="{p}-{key}-error" data-testid="{key}-error" role="alert">"#))
                .text(&msgs.join(" / "))
                .raw("</p>");
        }
        self.h.raw("</fieldset>");
    }

    fn input(&mut self, id: &str, label: &str, kind: &str, value: &str, invalid: bool) {
        let p = self.p;
        self.h.fmt(format_args!(
            r#"<div class="field"><label for="{p}-{id}">{}</label><input id="{p}-{id}" type="{kind}" value="{}" aria-invalid="{invalid}"></div>"#,
            esc(t_dyn(label)),
            esc(value)
        ));
    }

    fn pair(&mut self, id: &str, v: &(String, String), invalid: bool) {
        self.h.raw(r#"<div class="inline-fields">"#);
        self.input(&format!("{id}-a"), "rules.start", "time", &v.0, invalid);
        self.input(&format!("{id}-b"), "rules.end", "time", &v.1, invalid);
        self.h.raw("</div>");
    }

    fn check(&mut self, id: &str, label: &str, on: bool) {
        let p = self.p;
        self.h.fmt(format_args!(
            r#"<div class="field check"><input type="checkbox" id="{p}-{id}"{}><label for="{p}-{id}">{}</label></div>"#,
            if on { " checked" } else { "" },
            esc(t_dyn(label))
        ));
    }

    fn select(&mut self, id: &str, label: &str, value: &str, options: &[&str], prefix: &str) {
        let p = self.p;
        self.h.fmt(format_args!(r#"<div class="field"><label for="{p}-{id}">{}</label><select id="{p}-{id}">"#, esc(t_dyn(label))));
        for o in options {
            self.h.fmt(format_args!(
                r#"<option value="{o}"{}>{}</option>"#,
                if *o == value { " selected" } else { "" },
                esc(t_dyn(&format!("{prefix}.{o}")))
            ));
        }
        self.h.raw("</select></div>");
    }

    fn textarea(&mut self, id: &str, label: &str, value: &str, invalid: bool) {
        let p = self.p;
        self.h.fmt(format_args!(
            r#"<div class="field"><label for="{p}-{id}">{}</label><textarea id="{p}-{id}" rows="3" aria-invalid="{invalid}">{}</textarea></div>"#,
            esc(t_dyn(label)),
            esc(value)
        ));
    }

    /// Rows of (start, end) times or (operation, detail) conditions, with add and remove.
    fn rows(&mut self, list: &str, rows: &[(String, String)], conditions: bool) {
        let p = self.p;
        let (la, lb, kind) = if conditions { ("rules.operation", "rules.detail", "text") } else { ("rules.start", "rules.end", "time") };
        self.h.fmt(format_args!(r#"<ol class="rows" data-testid="{list}-rows">"#));
        for (i, (a, b)) in rows.iter().enumerate() {
            let key = format!("{list}[{i}]");
            let msgs = self.errors.under(&key);
            let bad = !msgs.is_empty();
            self.h.raw(r#"<li class="row">"#);
            self.input(&format!("{list}-{i}-a"), la, kind, a, bad);
            self.input(&format!("{list}-{i}-b"), lb, kind, b, bad);
            self.h.fmt(format_args!(
                r#"<button type="button" class="small danger" data-testid="{list}-{i}-remove" data-action="remove-row" data-list="{list}" data-index="{i}" aria-label="{} {}">{}</button>"#,
                esc(t("rules.remove_row")),
                i + 1,
                esc(t("rules.remove"))
            ));
            if bad {
                self.h
                    .fmt(format_args!(r#"<p class="field-error" data-testid="{}-error" role="alert">"#, esc(&key)))
                    .text(&msgs.join(" / "))
                    .raw("</p>");
            }
            self.h.raw("</li>");
        }
        self.h.raw("</ol>");
        if conditions {
            self.h.fmt(format_args!(r#"<p class="hint">{}</p>"#, esc(t("rules.detail_hint"))));
        }
        self.h.fmt(format_args!(
            r#"<button type="button" class="small" id="{p}-{list}-add" data-testid="{list}-add" data-action="add-row" data-list="{list}">{}</button>"#,
            esc(t("rules.add_row"))
        ));
    }
}

/// Every section of the rules, as HTML.
fn form_text(f: &RulesForm) -> String {
    let r = f.raw.get();
    let overridden = f.overridden.get();
    let _ = app().lang.get();
    let mut w = Writer { h: Html::new(), p: f.id, errors: f.errors, overriding: f.overriding, overridden: &overridden };
    let p = f.id;
    w.h.raw(r#"<div class="rules-form">"#);
    w.section("schedule", "rules.schedule", true, &|w, bad| w.pair("schedule", &r.schedule, bad));
    w.section("breaks", "rules.breaks", false, &|w, _| w.rows("breaks", &r.breaks, false));
    w.section("overtime_threshold_minutes", "rules.overtime", true, &|w, bad| {
        w.input("overtime", "rules.minutes", "number", &r.overtime, bad);
        w.h.fmt(format_args!(r#"<p class="hint">= {}</p>"#, r.overtime.trim().parse::<i64>().map(hm).unwrap_or_default()));
    });
    w.section("late_night", "rules.late_night", true, &|w, bad| w.pair("late_night", &r.late_night, bad));
    w.section("rounding_minutes", "rules.rounding", true, &|w, bad| {
        w.input("rounding", "rules.rounding_minutes", "number", &r.rounding, bad)
    });
    w.section("day_boundary", "rules.day_boundary", true, &|w, bad| {
        w.input("day_boundary", "rules.boundary_time", "time", &r.day_boundary, bad)
    });
    w.section("holidays", "rules.holidays", true, &|w, bad| {
        w.h.fmt(format_args!(r#"<fieldset class="weekdays"><legend>{}</legend>"#, esc(t("rules.weekly"))));
        for (n, d) in WEEKDAYS.iter().enumerate() {
            let on = r.weekdays.iter().any(|x| x == d);
            w.h.fmt(format_args!(
                r#"<span class="check-inline"><input type="checkbox" id="{p}-wd-{d}"{}><label for="{p}-wd-{d}">{}</label></span>"#,
                if on { " checked" } else { "" },
                esc(t(["wd.mon", "wd.tue", "wd.wed", "wd.thu", "wd.fri", "wd.sat", "wd.sun"][n]))
            ));
        }
        w.h.raw("</fieldset>");
        w.check("national", "rules.national", r.national);
        w.h.raw(r#"<div class="inline-fields">"#);
        w.textarea("added", "rules.added", &r.added, bad);
        w.textarea("removed", "rules.removed", &r.removed, bad);
        w.h.fmt(format_args!(r#"</div><p class="hint">{}</p>"#, esc(t("rules.dates_hint"))));
    });
    w.section("time_zone", "field.time_zone", true, &|w, _| {
        w.h.fmt(format_args!(
            r#"<div class="field"><label for="{p}-time_zone">{}</label><select id="{p}-time_zone">"#,
            esc(t("field.time_zone"))
        ));
        let mut zones = app().time_zones.get_untracked();
        if !r.time_zone.is_empty() && !zones.contains(&r.time_zone) {
            zones.insert(0, r.time_zone.clone());
        }
        for z in zones {
            w.h.fmt(format_args!(r#"<option value="{0}"{1}>{0}</option>"#, esc(&z), if z == r.time_zone { " selected" } else { "" }));
        }
        w.h.raw("</select></div>");
    });
    w.section("clock_in", "rules.clock_in", false, &|w, _| w.rows("clock_in", &r.clock_in, true));
    w.section("clock_out", "rules.clock_out", false, &|w, _| w.rows("clock_out", &r.clock_out, true));
    w.section("clock_out_includes_clock_in", "rules.includes_title", true, &|w, _| w.check("includes", "rules.includes", r.includes));
    w.section("missing_clock_in", "rules.missing_in", true, &|w, _| {
        w.h.raw(r#"<div class="inline-fields">"#);
        w.select("missing_in-a", "rules.correction", &r.missing_in.0, &CORRECTIONS[..3], "corr");
        w.select("missing_in-b", "rules.display", &r.missing_in.1, &DISPLAYS, "disp");
        w.h.raw("</div>");
    });
    w.section("missing_clock_out", "rules.missing_out", true, &|w, _| {
        w.h.raw(r#"<div class="inline-fields">"#);
        w.select("missing_out-a", "rules.correction", &r.missing_out.0, &CORRECTIONS, "corr");
        w.select("missing_out-b", "rules.display", &r.missing_out.1, &DISPLAYS, "disp");
        w.h.raw("</div>");
    });
    w.section("user_names", "rules.user_names", true, &|w, _| {
        w.select("name_mode", "rules.name_mode", &r.name_mode, &USER_NAME_MODES, "names");
        w.check("strip", "rules.strip_domain", r.strip_domain);
    });
    w.section("terminal_key", "rules.terminal", true, &|w, bad| {
        w.input("terminal_key", "rules.terminal_key", "text", &r.terminal_key, bad);
        w.h.fmt(format_args!(r#"<p class="hint">{}</p>"#, esc(t("rules.terminal_hint"))));
    });
    w.h.raw("</div>");
    w.h.0
}

/// `GET /attendance/rules/organizations`: (organisation, its override's sections).
async fn load_overrides() -> Option<Vec<(i64, Map<String, Value>)>> {
    let v = api_client::get::<Value>("/attendance/rules/organizations").await.ok()?;
    Some(v.as_array()?.iter().filter_map(|x| Some((x.get("organization_id")?.as_i64()?, x.get("rules")?.as_object()?.clone()))).collect())
}

/// The form as a view: its HTML and its one listener.
fn rules_form_view(f: RulesForm) -> impl IntoView {
    let html = Signal::derive(move || form_text(&f));
    view! { <RawHtml html=html on_action=Callback::new(move |(a, el, _): (String, web_sys::Element, bool)| f.act(&a, &el)) /> }
}

/// Puts a save's error at its field and moves the focus to the first invalid input.
fn show_error(f: &RulesForm, e: &ApiError) {
    f.errors.set_api(e);
    focus_first_invalid();
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
    let errors = company.errors;
    let over_errors = over.errors;
    let saved = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let orgs = RwSignal::new(Vec::<Organization>::new());
    let overrides = RwSignal::new(Vec::<(i64, Map<String, Value>)>::new());
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
            if let Some(o) = load_overrides().await {
                overrides.set(o);
            }
        });
    };
    load();

    // Choosing an organisation: the company's rules with its override on top, its sections ticked.
    Effect::new(move |_| {
        let id = org.get().parse::<i64>().ok();
        let base = company_raw.get();
        let ov = id.and_then(|id| overrides.with(|o| o.iter().find(|x| x.0 == id).map(|x| x.1.clone())));
        let mut merged = base;
        let mut on: Vec<String> = Vec::new();
        if let (Some(obj), Some(ov)) = (merged.as_object_mut(), ov) {
            for k in SECTIONS {
                if let Some(v) = ov.get(k).filter(|v| !v.is_null()) {
                    obj.insert(k.to_string(), if k == "terminal_key" && v.as_str() == Some("") { Value::Null } else { v.clone() });
                    on.push(k.to_string());
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
        let Some(body) = company.json() else {
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
                Err(e) => show_error(&company, &e),
            }
            busy.set(false);
        });
    };
    let save_override = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let Ok(id) = org.get_untracked().parse::<i64>() else { return };
        let Some(body) = over.override_json() else {
            focus_first_invalid();
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::send::<_, Value>("PUT", &format!("/attendance/rules/organizations/{id}"), &body).await {
                Ok(_) => {
                    saved.set(true);
                    if let Some(o) = load_overrides().await {
                        overrides.set(o);
                    }
                }
                Err(e) => show_error(&over, &e),
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
        overrides.with(|o| o.iter().any(|x| Some(x.0) == id))
    };

    let head_html = Signal::derive(move || {
        let _ = app().lang.get();
        let cur = tab.get();
        let mut h = Html::new();
        h.raw(r#"<div role="tablist" class="tabs">"#);
        for (k, key, name) in [(Tab::Company, "rules.company", "company"), (Tab::Overrides, "rules.overrides", "overrides")] {
            h.fmt(format_args!(
                r#"<button type="button" role="tab" id="rules-tab-{name}" data-testid="rules-tab-{name}" aria-selected="{}" data-action="tab" data-tab="{name}">{}</button>"#,
                cur == k,
                esc(t_dyn(key))
            ));
        }
        h.raw("</div>");
        if cur == Tab::Overrides {
            let sel = org.get();
            h.fmt(format_args!(
                r#"<div class="field"><label for="over-org">{}</label><select id="over-org" data-action="org"><option value="">{}</option>"#,
                esc(t("field.organization")),
                esc(t("rules.choose_org"))
            ));
            overrides.with(|x| {
                orgs.with(|orgs| {
                    for o in orgs {
                        let mark = x.iter().any(|x| x.0 == o.id);
                        h.fmt(format_args!(
                            r#"<option value="{}"{}>{}{}</option>"#,
                            o.id,
                            if sel == o.id.to_string() { " selected" } else { "" },
                            esc(&o.path),
                            if mark { " ★" } else { "" }
                        ));
                    }
                })
            });
            h.fmt(format_args!(r#"</select><p class="hint">{}</p></div>"#, esc(t("rules.override_hint"))));
        }
        h.0
    });
    let foot_html = move |errors: FormErrors, overriding: bool| {
        Signal::derive(move || {
            let _ = app().lang.get();
            let mut h = Html::new();
            if let Some(m) = errors.general() {
                h.el("p", r#"class="error-banner" role="alert" data-testid="form-error""#, &m);
            }
            if saved.get() {
                h.el("p", r#"class="ok-banner" role="status""#, t("common.saved"));
            }
            h.raw(r#"<div class="actions sticky">"#);
            if overriding && has_override() {
                h.fmt(format_args!(
                    r#"<button type="button" class="danger" data-testid="override-delete" data-action="delete">{}</button>"#,
                    esc(t("rules.delete_override"))
                ));
            }
            h.fmt(format_args!(
                r#"<button type="submit" class="primary" data-testid="{}"{}>{}</button></div>"#,
                if overriding { "override-save" } else { "rules-save" },
                if busy.get() { " disabled" } else { "" },
                esc(t("common.save"))
            ));
            h.0
        })
    };
    let act = Callback::new(move |(a, el, _): (String, web_sys::Element, bool)| match a.as_str() {
        "tab" => {
            saved.set(false);
            tab.set(if el.get_attribute("data-tab").as_deref() == Some("overrides") { Tab::Overrides } else { Tab::Company });
        }
        "org" => {
            saved.set(false);
            org.set(crate::html::value_of("over-org"));
        }
        "delete" => deleting.set(true),
        _ => {}
    });

    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("rules.title")}</h1>
            {error_banner(error)}
            <RawHtml html=head_html on_action=act />
            <div class="columns rules-layout">
                <div>
                    <Show when=move || tab.get() == Tab::Company>
                        <form on:submit=save_company novalidate data-testid="rules-form">
                            {rules_form_view(company)}
                            <RawHtml html=foot_html(errors, false) on_action=act />
                        </form>
                    </Show>
                    <Show when=move || tab.get() == Tab::Overrides>
                        <Show when=move || !org.get().is_empty()>
                            <form on:submit=save_override novalidate data-testid="override-form">
                                {rules_form_view(over)}
                                <RawHtml html=foot_html(over_errors, true) on_action=act />
                            </form>
                        </Show>
                    </Show>
                </div>
                <PreviewPanel form=Signal::derive(move || if tab.get() == Tab::Company { company } else { over }) />
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
                                overrides.update(|o| o.retain(|x| x.0.to_string() != id));
                            }
                        }) />
                }
            })}
        </section>
    }
}

#[component]
fn PreviewPanel(form: Signal<RulesForm>) -> impl IntoView {
    let state = app();
    let user = RwSignal::new(state.session.with_untracked(|s| s.as_ref().map(|s| s.user.login.clone()).unwrap_or_default()));
    let date = RwSignal::new(add_days(&today(), -1));
    let result = RwSignal::new(None::<Value>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let run = move || {
        error.set(None);
        user.update_untracked(|u| *u = crate::html::value_of("preview-user"));
        date.update_untracked(|d| *d = crate::html::value_of("preview-date"));
        let f = form.get_untracked();
        let Some(rules) = f.json() else {
            error.set(Some(t("rules.fix_first").to_string()));
            return;
        };
        let body = RulesPreviewRequest { rules, user: user.get_untracked().trim().to_string(), date: date.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::send::<_, Value>("POST", "/attendance/rules/preview", &body).await {
                Ok(p) => result.set(Some(p)),
                Err(e) => {
                    result.set(None);
                    let field = e.field.clone().unwrap_or_default();
                    if field.is_empty() || field == "user" || field == "date" {
                        error.set(Some(e.message));
                    } else {
                        // A rule the server refused: at its field in the form.
                        error.set(Some(t("rules.fix_first").to_string()));
                        show_error(&f, &e);
                    }
                }
            }
            busy.set(false);
        });
    };
    let html = Signal::derive(move || result.with(|r| r.as_ref().map(preview_text).unwrap_or_default()));
    let none = FormErrors::new();
    let form_html = Signal::derive(move || {
        let _ = app().lang.get();
        let mut h = Html::new();
        h.raw(r#"<form data-submit="preview" novalidate>"#);
        h.input("preview-user", "user", t("att.user"), "text", &user.get(), "", none);
        h.input("preview-date", "date", t("att.day"), "date", &date.get(), "", none);
        h.fmt(format_args!(
            r#"<button type="submit" data-testid="preview-run"{}>{}</button></form>"#,
            if busy.get() { " disabled" } else { "" },
            esc(t("preview.run"))
        ));
        h.0
    });
    view! {
        <aside class="panel preview" aria-labelledby="preview-title">
            <h2 id="preview-title">{tx("preview.title")}</h2>
            <p class="hint">{tx("preview.hint")}</p>
            <RawHtml html=form_html on_action=Callback::new(move |(a, _, _): (String, web_sys::Element, bool)| if a == "preview" { run() }) />
            {error_banner(error)}
            <RawHtml html=html />
        </aside>
    }
}

fn preview_text(p: &Value) -> String {
    let d = p.get("day").unwrap_or(&Value::Null);
    let mut h = Html::new();
    h.raw(r#"<dl class="summary" data-testid="preview-day">"#);
    let item = |h: &mut Html, k: &str, v: &str, id: &str| {
        h.fmt(format_args!(
            "<dt>{}</dt><dd{}>{}</dd>",
            esc(t_dyn(k)),
            if id.is_empty() { String::new() } else { format!(r#" data-testid="{id}""#) },
            esc(v)
        ));
    };
    let day = match d.get("holiday").and_then(Value::as_str) {
        Some(x) => format!("{} ({} {x})", text(d, "date"), t("heat.holiday")),
        None => text(d, "date"),
    };
    item(&mut h, "att.day", &day, "");
    item(&mut h, "preview.clock_in", &text(d, "clock_in"), "preview-clock-in");
    item(&mut h, "preview.clock_out", &text(d, "clock_out"), "preview-clock-out");
    for (k, f) in [
        ("preview.actual", "actual_work_minutes"),
        ("agr.overtime", "overtime_minutes"),
        ("preview.late_night", "late_night_minutes"),
        ("preview.late", "late_minutes"),
        ("preview.early", "early_leave_minutes"),
    ] {
        item(&mut h, k, &hm(int(d, f)), "");
    }
    h.raw("</dl><p>");
    for (f, key) in [
        ("absent", "preview.absent"),
        ("missing_clock_in", "preview.missing_in"),
        ("missing_clock_out", "preview.missing_out"),
        ("in_progress", "preview.in_progress"),
    ] {
        if flag(d, f) {
            h.fmt(format_args!(r#"<span class="badge warn">{}</span>"#, esc(t_dyn(key))));
        }
    }
    h.fmt(format_args!(
        r#"</p><div class="table-wrap"><table data-testid="preview-events"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        esc(t("preview.time")),
        esc(t("preview.operation")),
        esc(t("rules.detail")),
        esc(t("att.terminal")),
        esc(t("preview.role"))
    ));
    for e in items(p, "events") {
        let adopted = flag(e, "adopted");
        let role = t_dyn(match text(e, "role").as_str() {
            "clock_in" => "role.clock_in",
            "clock_out" => "role.clock_out",
            "both" => "role.both",
            _ => "role.none",
        });
        h.fmt(format_args!(
            r#"<tr{}><td>{}</td><td>{}</td><td class="accounts">{}</td><td>{} <span class="hint">{}</span></td><td>{}"#,
            if adopted { r#" class="adopted""# } else { "" },
            esc(&text(e, "local")),
            esc(&text(e, "operation")),
            esc(&text(e, "detail")),
            esc(&text(e, "target")),
            esc(&text(e, "host")),
            esc(role)
        ));
        if adopted {
            h.fmt(format_args!(r#" <span class="badge ok">{}</span>"#, esc(t("preview.adopted"))));
        }
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table></div>");
    h.0
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
