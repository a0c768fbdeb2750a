//! The attendance rules: the company's form, organisation overrides (only the sections an
//! organisation overrides are sent), and a preview of one person's day under the rules being
//! edited. Errors the server names (`breaks[1]`, `rounding_minutes`…) are shown at their section.
//!
//! The form edits the shared [`AttendanceRules`]: each input holds its text while it is typed,
//! and saving reads the text back into the rules, marking any input that does not read.

use chrono::{NaiveDate, Weekday};
use kinmu_shared::ApiError;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{DateRange, Organization, OrganizationRules, RulesPreview, RulesPreviewRequest, RunTask};
use kinmu_shared::attendance_rules::{
    AttendanceRules, ClockTime, CorrectedDisplay, Correction, DetailMatch, HolidayRules, LogCondition, MissingLog, RuleSection,
    RulesOverride, TimeRange, UserNameMode, UserNameRules,
};
use leptos::prelude::*;

use super::{AdminNav, error_banner};
use crate::api_client;
use crate::app_state::app;
use crate::components::confirm_delete::{ConfirmDeleteDialog, Deletion};
use crate::components::field::TextField;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::datetime::{add_days, hm, today};
use crate::focus::{focus_first_invalid, focus_id};
use crate::i18n::{at_field, t, t_dyn, tr, tx};
use crate::router::{Link, Route};

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "wd.mon"),
    (Weekday::Tue, "wd.tue"),
    (Weekday::Wed, "wd.wed"),
    (Weekday::Thu, "wd.thu"),
    (Weekday::Fri, "wd.fri"),
    (Weekday::Sat, "wd.sat"),
    (Weekday::Sun, "wd.sun"),
];
/// Each choice with its key (the serialized name, and the label's key after its prefix).
const CORRECTIONS: [(Correction, &str); 4] = [
    (Correction::Absent, "absent"),
    (Correction::ScheduledTime, "scheduled_time"),
    (Correction::DayBoundary, "day_boundary"),
    (Correction::LastClockInLog, "last_clock_in_log"),
];
const DISPLAYS: [(CorrectedDisplay, &str); 3] =
    [(CorrectedDisplay::Marked, "marked"), (CorrectedDisplay::AsIs, "as_is"), (CorrectedDisplay::Blank, "blank")];
const NAME_MODES: [(UserNameMode, &str); 4] = [
    (UserNameMode::DisplayName, "display_name"),
    (UserNameMode::AccountName, "account_name"),
    (UserNameMode::PrincipalName, "principal_name"),
    (UserNameMode::AsLogged, "as_logged"),
];

/// The section's title (its i18n key).
fn title(s: RuleSection) -> &'static str {
    match s {
        RuleSection::Schedule => "rules.schedule",
        RuleSection::Breaks => "rules.breaks",
        RuleSection::OvertimeThreshold => "rules.overtime",
        RuleSection::LateNight => "rules.late_night",
        RuleSection::Rounding => "rules.rounding",
        RuleSection::DayBoundary => "rules.day_boundary",
        RuleSection::Holidays => "rules.holidays",
        RuleSection::TimeZone => "field.time_zone",
        RuleSection::ClockIn => "rules.clock_in",
        RuleSection::ClockOut => "rules.clock_out",
        RuleSection::ClockOutIncludesClockIn => "rules.includes_title",
        RuleSection::MissingClockIn => "rules.missing_in",
        RuleSection::MissingClockOut => "rules.missing_out",
        RuleSection::UserNames => "rules.user_names",
        RuleSection::TerminalKey => "rules.terminal",
        RuleSection::ExcludedAccounts => "rules.excluded",
    }
}

/// Whether the errors of fields inside the section (`schedule.start`) show at the section; the
/// lists show theirs at each row instead.
fn gathers_nested_errors(s: RuleSection) -> bool {
    !matches!(s, RuleSection::Breaks | RuleSection::ClockIn | RuleSection::ClockOut)
}

/// A list of two-text rows: breaks (start, end) or log conditions (operation, `key=value, …`).
type Rows = RwSignal<Vec<(String, String)>>;
type Pair = (RwSignal<String>, RwSignal<String>);

fn lines(s: &str) -> Vec<String> {
    s.split(['\n', ',']).map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// One rules form (the company's, or an organisation's override): the text of every input.
#[derive(Clone, Copy)]
struct RulesForm {
    /// Prefix of the inputs' ids (two forms exist at once).
    id: &'static str,
    /// Override mode: only the ticked sections are sent.
    overriding: bool,
    overridden: RwSignal<Vec<RuleSection>>,
    errors: FormErrors,
    schedule: Pair,
    breaks: Rows,
    overtime: RwSignal<String>,
    late_night: Pair,
    rounding: RwSignal<String>,
    day_boundary: RwSignal<String>,
    weekdays: RwSignal<Vec<Weekday>>,
    national: RwSignal<bool>,
    added: RwSignal<String>,
    removed: RwSignal<String>,
    time_zone: RwSignal<String>,
    clock_in: Rows,
    clock_out: Rows,
    includes: RwSignal<bool>,
    missing_in: RwSignal<MissingLog>,
    missing_out: RwSignal<MissingLog>,
    user_names: RwSignal<UserNameRules>,
    terminal_key: RwSignal<String>,
    /// The accounts that are not people, one a line.
    excluded: RwSignal<String>,
}

fn pair() -> Pair {
    (RwSignal::new(String::new()), RwSignal::new(String::new()))
}

fn set_range(p: Pair, r: TimeRange) {
    p.0.set(r.start.to_string());
    p.1.set(r.end.to_string());
}

fn condition_rows(conds: &[LogCondition]) -> Vec<(String, String)> {
    conds
        .iter()
        .map(|c| {
            let detail = c.detail.iter().map(|m| format!("{}={}", m.key, m.value)).collect::<Vec<_>>().join(", ");
            (c.operation.clone().unwrap_or_default(), detail)
        })
        .collect()
}

fn date_lines(dates: &[NaiveDate]) -> String {
    dates.iter().map(NaiveDate::to_string).collect::<Vec<_>>().join("\n")
}

impl RulesForm {
    fn new(id: &'static str, overriding: bool) -> RulesForm {
        RulesForm {
            id,
            overriding,
            overridden: RwSignal::new(Vec::new()),
            errors: FormErrors::new(),
            schedule: pair(),
            breaks: RwSignal::new(Vec::new()),
            overtime: RwSignal::new(String::new()),
            late_night: pair(),
            rounding: RwSignal::new(String::new()),
            day_boundary: RwSignal::new(String::new()),
            weekdays: RwSignal::new(Vec::new()),
            national: RwSignal::new(false),
            added: RwSignal::new(String::new()),
            removed: RwSignal::new(String::new()),
            time_zone: RwSignal::new(String::new()),
            clock_in: RwSignal::new(Vec::new()),
            clock_out: RwSignal::new(Vec::new()),
            includes: RwSignal::new(false),
            missing_in: RwSignal::new(MissingLog::default()),
            missing_out: RwSignal::new(MissingLog::default()),
            user_names: RwSignal::new(UserNameRules::default()),
            terminal_key: RwSignal::new(String::new()),
            excluded: RwSignal::new(String::new()),
        }
    }

    /// Shows `r` in the inputs.
    fn fill(&self, r: &AttendanceRules) {
        set_range(self.schedule, r.schedule);
        self.breaks.set(r.breaks.iter().map(|b| (b.start.to_string(), b.end.to_string())).collect());
        self.overtime.set(r.overtime_threshold_minutes.to_string());
        set_range(self.late_night, r.late_night);
        self.rounding.set(r.rounding_minutes.to_string());
        self.day_boundary.set(r.day_boundary.to_string());
        self.weekdays.set(r.holidays.weekdays.clone());
        self.national.set(r.holidays.national_holidays);
        self.added.set(date_lines(&r.holidays.added));
        self.removed.set(date_lines(&r.holidays.removed));
        self.time_zone.set(r.time_zone.name().to_string());
        self.clock_in.set(condition_rows(&r.clock_in));
        self.clock_out.set(condition_rows(&r.clock_out));
        self.includes.set(r.clock_out_includes_clock_in);
        self.missing_in.set(r.missing_clock_in);
        self.missing_out.set(r.missing_clock_out);
        self.user_names.set(r.user_names.clone());
        self.terminal_key.set(r.terminal_key.clone().unwrap_or_default());
        self.excluded.set(r.excluded_accounts.join("\n"));
    }

    /// The rules the inputs hold, or `None` after putting each unreadable input's error at its
    /// field. The server checks the rules themselves (a break outside the schedule…).
    fn rules(&self) -> Option<AttendanceRules> {
        let errors = self.errors;
        errors.clear();
        let time = |field: &str, s: &str| -> ClockTime {
            s.parse().unwrap_or_else(|_| {
                errors.set_field(field, at_field(field, t("form.time")));
                ClockTime::hm(0, 0)
            })
        };
        let range = |field: &str, a: &str, b: &str| TimeRange::new(time(&format!("{field}.start"), a), time(&format!("{field}.end"), b));
        let number = |field: &str, s: RwSignal<String>| -> u32 {
            s.get_untracked().trim().parse().unwrap_or_else(|_| {
                errors.set_field(field, at_field(field, t("form.whole_number")));
                0
            })
        };
        let dates = |field: &str, s: RwSignal<String>| -> Vec<NaiveDate> {
            lines(&s.get_untracked())
                .iter()
                .filter_map(|d| {
                    d.parse::<NaiveDate>()
                        .map_err(|_| errors.set_field(field, at_field(field, &format!("「{d}」 {}", t("form.date")))))
                        .ok()
                })
                .collect()
        };
        let conditions = |field: &str, rows: Rows| -> Vec<LogCondition> {
            rows.get_untracked()
                .iter()
                .enumerate()
                .map(|(i, (op, det))| {
                    let mut detail = Vec::new();
                    for pair in lines(det) {
                        match pair.split_once(['=', ':']) {
                            Some((k, v)) if !k.trim().is_empty() => {
                                detail.push(DetailMatch { key: k.trim().to_string(), value: v.trim().to_string() })
                            }
                            _ => errors.set_field(
                                &format!("{field}[{i}].detail"),
                                at_field(&format!("{field}[{i}]"), &format!("「{pair}」 {}", t("rules.detail_format"))),
                            ),
                        }
                    }
                    let op = op.trim();
                    LogCondition { operation: (!op.is_empty()).then(|| op.to_string()), detail }
                })
                .collect()
        };
        let text_pair = |p: Pair| (p.0.get_untracked(), p.1.get_untracked());
        let (schedule_a, schedule_b) = text_pair(self.schedule);
        let (night_a, night_b) = text_pair(self.late_night);
        let zone = self.time_zone.get_untracked();
        let time_zone = zone.parse().unwrap_or_else(|_| {
            errors.set_field("time_zone", at_field("time_zone", &format!("「{zone}」 {}", t("rule.time_zone"))));
            AttendanceRules::default().time_zone
        });
        let terminal = self.terminal_key.get_untracked().trim().to_string();
        let rules = AttendanceRules {
            schedule: range("schedule", &schedule_a, &schedule_b),
            breaks: self.breaks.get_untracked().iter().enumerate().map(|(i, (a, b))| range(&format!("breaks[{i}]"), a, b)).collect(),
            overtime_threshold_minutes: number("overtime_threshold_minutes", self.overtime),
            late_night: range("late_night", &night_a, &night_b),
            rounding_minutes: number("rounding_minutes", self.rounding),
            day_boundary: time("day_boundary", &self.day_boundary.get_untracked()),
            holidays: HolidayRules {
                weekdays: self.weekdays.get_untracked(),
                national_holidays: self.national.get_untracked(),
                added: dates("holidays.added", self.added),
                removed: dates("holidays.removed", self.removed),
            },
            time_zone,
            clock_in: conditions("clock_in", self.clock_in),
            clock_out: conditions("clock_out", self.clock_out),
            clock_out_includes_clock_in: self.includes.get_untracked(),
            missing_clock_in: self.missing_in.get_untracked(),
            missing_clock_out: self.missing_out.get_untracked(),
            user_names: self.user_names.get_untracked(),
            terminal_key: (!terminal.is_empty()).then_some(terminal),
            // One a line (a name may hold a comma).
            excluded_accounts: self.excluded.get_untracked().lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect(),
        };
        (!errors.has_any()).then_some(rules)
    }

    /// The override: only the sections ticked.
    fn override_rules(&self) -> Option<RulesOverride> {
        let rules = self.rules()?;
        Some(RulesOverride::of_sections(&rules, &self.overridden.get_untracked()))
    }

    fn is_on(&self, s: RuleSection) -> bool {
        !self.overriding || self.overridden.with(|o| o.contains(&s))
    }

    /// The section's errors, as the section shows them.
    fn section_errors(&self, s: RuleSection) -> Vec<String> {
        if gathers_nested_errors(s) { self.errors.under(s.key()) } else { self.errors.field(s.key()).into_iter().collect() }
    }
}

/// A labelled input bound to `value`; `invalid` marks it for its section's error.
fn input(id: String, label: &'static str, kind: &'static str, value: RwSignal<String>, invalid: Signal<bool>) -> AnyView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || t_dyn(label)}</label>
            <input
                id=id
                type=kind
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </div>
    }
    .into_any()
}

fn range_inputs(id: String, p: Pair, invalid: Signal<bool>) -> AnyView {
    view! {
        <div class="inline-fields">
            {input(format!("{id}-a"), "rules.start", "time", p.0, invalid)}
            {input(format!("{id}-b"), "rules.end", "time", p.1, invalid)}
        </div>
    }
    .into_any()
}

fn check(id: String, label: &'static str, value: Signal<bool>, set: impl Fn(bool) + 'static) -> AnyView {
    view! {
        <div class="field check">
            <input id=id.clone() type="checkbox" prop:checked=move || value.get() on:change=move |ev| set(event_target_checked(&ev)) />
            <label for=id>{move || t_dyn(label)}</label>
        </div>
    }
    .into_any()
}

/// A `<select>` over `options` (each a value and its key; the label is `prefix.key`).
fn choice<T: Copy + PartialEq + Send + Sync + 'static>(
    id: String,
    label: &'static str,
    options: &'static [(T, &'static str)],
    prefix: &'static str,
    value: Signal<T>,
    set: impl Fn(T) + 'static,
) -> AnyView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || t_dyn(label)}</label>
            <select
                id=id
                on:change=move |ev| {
                    let key = event_target_value(&ev);
                    if let Some((v, _)) = options.iter().find(|(_, k)| *k == key) {
                        set(*v);
                    }
                }
            >
                {options
                    .iter()
                    .map(|(v, key)| {
                        let v = *v;
                        view! {
                            <option value=*key selected=move || value.get() == v>
                                {move || t_dyn(&format!("{prefix}.{key}"))}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
    .into_any()
}

fn textarea(id: String, label: &'static str, value: RwSignal<String>, invalid: Signal<bool>) -> AnyView {
    view! {
        <div class="field">
            <label for=id.clone()>{move || t_dyn(label)}</label>
            <textarea
                id=id
                rows="3"
                aria-invalid=move || if invalid.get() { "true" } else { "false" }
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
        </div>
    }
    .into_any()
}

/// Rows of (start, end) times or (operation, detail) conditions, with add and remove. What is
/// typed is kept in the list without redrawing it; adding or removing a row redraws the rows.
fn rows_view(f: RulesForm, list: &'static str, rows: Rows, conditions: bool) -> AnyView {
    let p = f.id;
    let (la, lb, kind) = if conditions { ("rules.operation", "rules.detail", "text") } else { ("rules.start", "rules.end", "time") };
    let cell = move |id: String, label: &'static str, text: String, invalid: Signal<bool>, set: Box<dyn Fn(String)>| {
        view! {
            <div class="field">
                <label for=id.clone()>{move || t_dyn(label)}</label>
                <input
                    id=id
                    type=kind
                    prop:value=text
                    aria-invalid=move || if invalid.get() { "true" } else { "false" }
                    on:input=move |ev| set(event_target_value(&ev))
                />
            </div>
        }
    };
    let drawn = move || {
        rows.get()
            .into_iter()
            .enumerate()
            .map(|(i, (a, b))| {
                let key = format!("{list}[{i}]");
                let messages = Signal::derive(move || f.errors.under(&key));
                let invalid = Signal::derive(move || messages.with(|m| !m.is_empty()));
                let set_a = Box::new(move |v: String| rows.update_untracked(|r| r.get_mut(i).into_iter().for_each(|x| x.0 = v.clone())));
                let set_b = Box::new(move |v: String| rows.update_untracked(|r| r.get_mut(i).into_iter().for_each(|x| x.1 = v.clone())));
                view! {
                    <li class="row">
                        {cell(format!("{p}-{list}-{i}-a"), la, a, invalid, set_a)}
                        {cell(format!("{p}-{list}-{i}-b"), lb, b, invalid, set_b)}
                        <button
                            type="button"
                            class="small danger"
                            data-testid=format!("{list}-{i}-remove")
                            aria-label=move || format!("{} {}", t("rules.remove_row"), i + 1)
                            on:click=move |_| {
                                rows.update(|r| {
                                    if i < r.len() {
                                        r.remove(i);
                                    }
                                });
                                focus_id(format!("{p}-{list}-add"));
                            }
                        >
                            {tx("rules.remove")}
                        </button>
                        {move || {
                            let m = messages.get();
                            (!m.is_empty())
                                .then(|| {
                                    view! {
                                        <p class="field-error" data-testid=format!("{list}[{i}]-error") role="alert">
                                            {m.join(" / ")}
                                        </p>
                                    }
                                })
                        }}
                    </li>
                }
            })
            .collect_view()
    };
    let add = move |_| {
        let mut n = 0;
        rows.update(|r| {
            r.push(if conditions { Default::default() } else { ("12:00".into(), "13:00".into()) });
            n = r.len() - 1;
        });
        focus_id(format!("{p}-{list}-{n}-a"));
    };
    view! {
        <ol class="rows" data-testid=format!("{list}-rows")>{drawn}</ol>
        {conditions.then(|| view! { <p class="hint">{tx("rules.detail_hint")}</p> })}
        <button type="button" class="small" id=format!("{p}-{list}-add") data-testid=format!("{list}-add") on:click=add>
            {tx("rules.add_row")}
        </button>
    }
    .into_any()
}

/// One section: a fieldset (disabled in an override until ticked), its inputs and its errors.
fn section(f: RulesForm, s: RuleSection, body: impl FnOnce(Signal<bool>) -> AnyView) -> AnyView {
    let key = s.key();
    let p = f.id;
    let messages = Signal::derive(move || f.section_errors(s));
    let invalid = Signal::derive(move || gathers_nested_errors(s) && messages.with(|m| !m.is_empty()));
    let tick = f.overriding.then(|| {
        view! {
            <span class="override-box">
                <input
                    type="checkbox"
                    id=format!("{p}-over-{key}")
                    data-testid=format!("override-{key}")
                    prop:checked=move || f.is_on(s)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        f.overridden.update(|o| {
                            o.retain(|x| *x != s);
                            if on {
                                o.push(s);
                            }
                        });
                    }
                />
                <label for=format!("{p}-over-{key}")>{tx("rules.override")}</label>
            </span>
        }
    });
    view! {
        <fieldset class="rules-section" data-section=key disabled=move || !f.is_on(s) aria-describedby=format!("{p}-{key}-error")>
            <legend>{move || t_dyn(title(s))} {tick}</legend>
            {body(invalid)}
            {move || {
                let m = messages.get();
                (!m.is_empty())
                    .then(|| {
                        view! {
                            <p class="field-error" id=format!("{p}-{key}-error") data-testid=format!("{key}-error") role="alert">
                                {m.join(" / ")}
                            </p>
                        }
                    })
            }}
        </fieldset>
    }
    .into_any()
}

/// Every section of the rules.
fn rules_form_view(f: RulesForm) -> AnyView {
    let p = f.id;
    let id = move |k: &str| format!("{p}-{k}");
    let zones = move || {
        let current = f.time_zone.get();
        let mut zones = app().time_zones.get();
        if !current.is_empty() && !zones.contains(&current) {
            zones.insert(0, current.clone());
        }
        zones
            .into_iter()
            .map(|z| {
                let selected = z == current;
                let label = z.clone();
                view! { <option value=z selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let missing = |field: &'static str, which: RwSignal<MissingLog>, corrections: &'static [(Correction, &'static str)]| {
        view! {
            <div class="inline-fields">
                {choice(
                    id(&format!("{field}-a")),
                    "rules.correction",
                    corrections,
                    "corr",
                    Signal::derive(move || which.get().correction),
                    move |c| which.update(|m| m.correction = c),
                )}
                {choice(
                    id(&format!("{field}-b")),
                    "rules.display",
                    &DISPLAYS,
                    "disp",
                    Signal::derive(move || which.get().display),
                    move |d| which.update(|m| m.display = d),
                )}
            </div>
        }
        .into_any()
    };
    view! {
        <div class="rules-form">
            {section(f, RuleSection::Schedule, |bad| range_inputs(id("schedule"), f.schedule, bad))}
            {section(f, RuleSection::Breaks, |_| rows_view(f, "breaks", f.breaks, false))}
            {section(f, RuleSection::OvertimeThreshold, |bad| {
                view! {
                    {input(id("overtime"), "rules.minutes", "number", f.overtime, bad)}
                    <p class="hint">"= " {move || f.overtime.get().trim().parse::<i64>().map(hm).unwrap_or_default()}</p>
                }
                    .into_any()
            })}
            {section(f, RuleSection::LateNight, |bad| range_inputs(id("late_night"), f.late_night, bad))}
            {section(f, RuleSection::Rounding, |bad| input(id("rounding"), "rules.rounding_minutes", "number", f.rounding, bad))}
            {section(f, RuleSection::DayBoundary, |bad| input(id("day_boundary"), "rules.boundary_time", "time", f.day_boundary, bad))}
            {section(f, RuleSection::Holidays, |bad| {
                view! {
                    <fieldset class="weekdays">
                        <legend>{tx("rules.weekly")}</legend>
                        {WEEKDAYS
                            .iter()
                            .map(|(d, label)| {
                                let d = *d;
                                let box_id = id(&format!("wd-{d}"));
                                view! {
                                    <span class="check-inline">
                                        <input
                                            type="checkbox"
                                            id=box_id.clone()
                                            prop:checked=move || f.weekdays.with(|w| w.contains(&d))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                f.weekdays
                                                    .update(|w| {
                                                        w.retain(|x| *x != d);
                                                        if on {
                                                            w.push(d);
                                                            w.sort_by_key(Weekday::num_days_from_monday);
                                                        }
                                                    });
                                            }
                                        />
                                        <label for=box_id>{tx(label)}</label>
                                    </span>
                                }
                            })
                            .collect_view()}
                    </fieldset>
                    {check(id("national"), "rules.national", f.national.into(), move |on| f.national.set(on))}
                    <div class="inline-fields">
                        {textarea(id("added"), "rules.added", f.added, bad)}
                        {textarea(id("removed"), "rules.removed", f.removed, bad)}
                    </div>
                    <p class="hint">{tx("rules.dates_hint")}</p>
                }
                    .into_any()
            })}
            {section(f, RuleSection::TimeZone, |_| {
                view! {
                    <div class="field">
                        <label for=id("time_zone")>{tx("field.time_zone")}</label>
                        <select id=id("time_zone") on:change=move |ev| f.time_zone.set(event_target_value(&ev))>
                            {zones}
                        </select>
                    </div>
                }
                    .into_any()
            })}
            {section(f, RuleSection::ClockIn, |_| rows_view(f, "clock_in", f.clock_in, true))}
            {section(f, RuleSection::ClockOut, |_| rows_view(f, "clock_out", f.clock_out, true))}
            {section(f, RuleSection::ClockOutIncludesClockIn, |_| check(id("includes"), "rules.includes", f.includes.into(), move |on| f.includes.set(on)))}
            {section(f, RuleSection::MissingClockIn, |_| missing("missing_in", f.missing_in, &CORRECTIONS[..3]))}
            {section(f, RuleSection::MissingClockOut, |_| missing("missing_out", f.missing_out, &CORRECTIONS))}
            {section(f, RuleSection::UserNames, |_| {
                view! {
                    {choice(
                        id("name_mode"),
                        "rules.name_mode",
                        &NAME_MODES,
                        "names",
                        Signal::derive(move || f.user_names.get().mode),
                        move |m| f.user_names.update(|u| u.mode = m),
                    )}
                    {check(
                        id("strip"),
                        "rules.strip_domain",
                        Signal::derive(move || f.user_names.with(|u| u.strip_domain)),
                        move |on| f.user_names.update(|u| u.strip_domain = on),
                    )}
                }
                    .into_any()
            })}
            {section(f, RuleSection::TerminalKey, |bad| {
                view! {
                    {input(id("terminal_key"), "rules.terminal_key", "text", f.terminal_key, bad)}
                    <p class="hint">{tx("rules.terminal_hint")}</p>
                }
                    .into_any()
            })}
            {section(f, RuleSection::ExcludedAccounts, |bad| {
                let value = f.excluded;
                view! {
                    <div class="field">
                        <label for=id("excluded")>{tx("rules.excluded_label")}</label>
                        <textarea
                            id=id("excluded")
                            data-testid="rules-excluded"
                            rows="8"
                            aria-describedby=id("excluded-hint")
                            aria-invalid=move || if bad.get() { "true" } else { "false" }
                            prop:value=move || value.get()
                            on:input=move |ev| value.set(event_target_value(&ev))
                        ></textarea>
                    </div>
                    <p class="hint" id=id("excluded-hint")>{tx("rules.excluded_hint")}</p>
                }
                    .into_any()
            })}
        </div>
    }
    .into_any()
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
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let orgs = RwSignal::new(Vec::<Organization>::new());
    let overrides = RwSignal::new(Vec::<OrganizationRules>::new());
    let org = RwSignal::new(None::<i64>);
    let company_rules = RwSignal::new(None::<AttendanceRules>);
    let deleting = RwSignal::new(false);
    // After a save: the stored days still computed under the old rules, and whether their
    // rebuild was started from here.
    let rebuild_offer = RwSignal::new(None::<DateRange>);
    let rebuild_started = RwSignal::new(false);
    let offer_rebuild = move || {
        leptos::task::spawn_local(async move {
            rebuild_started.set(false);
            // Without attendance.view there is no task overview: no offer, the save stands.
            let offer = api_client::call::<routes::GetTask>(&(), &(), &Empty).await.ok().and_then(|o| o.rebuildable);
            rebuild_offer.set(offer);
        })
    };
    let rebuild = move |range: DateRange| {
        leptos::task::spawn_local(async move {
            let body = RunTask { from: Some(range.from), to: Some(range.to) };
            match api_client::call::<routes::StartTask>(&(), &(), &body).await {
                Ok(_) => rebuild_started.set(true),
                Err(e) => error.set(Some(e.message)),
            }
        })
    };

    let load_overrides = move || async move {
        if let Ok(o) = api_client::call::<routes::ListRuleOverrides>(&(), &(), &Empty).await {
            overrides.set(o);
        }
    };
    leptos::task::spawn_local(async move {
        match api_client::call::<routes::GetRules>(&(), &(), &Empty).await {
            Ok(r) => {
                company.fill(&r);
                company_rules.set(Some(r));
            }
            Err(e) => error.set(Some(e.message)),
        }
        if let Ok(o) = api_client::organizations().await {
            orgs.set(o);
        }
        load_overrides().await;
    });

    // Choosing an organisation: the company's rules with its override on top, its sections ticked.
    Effect::new(move |_| {
        let Some(base) = company_rules.get() else { return };
        let ov = org.get().and_then(|id| overrides.with(|o| o.iter().find(|x| x.organization_id == id).map(|x| x.rules.clone())));
        let ov = ov.unwrap_or_default();
        over.errors.clear();
        over.fill(&base.merge(&ov));
        over.overridden.set(RuleSection::ALL.into_iter().filter(|s| ov.sets(*s)).collect());
    });

    let save_company = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        rebuild_offer.set(None);
        let Some(body) = company.rules() else {
            focus_first_invalid();
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveRules>(&(), &(), &body).await {
                Ok(r) => {
                    company.fill(&r);
                    company_rules.set(Some(r));
                    saved.set(true);
                    offer_rebuild();
                }
                Err(e) => show_error(&company, &e),
            }
            busy.set(false);
        });
    };
    let save_override = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        rebuild_offer.set(None);
        let Some(id) = org.get_untracked() else { return };
        let Some(body) = over.override_rules() else {
            focus_first_invalid();
            return;
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveRuleOverride>(&id, &(), &body).await {
                Ok(_) => {
                    saved.set(true);
                    offer_rebuild();
                    load_overrides().await;
                }
                Err(e) => show_error(&over, &e),
            }
            busy.set(false);
        });
    };
    let org_name = move || {
        let id = org.get();
        orgs.with(|o| o.iter().find(|o| Some(o.id) == id).map(|o| o.path.clone())).unwrap_or_default()
    };
    let has_override = move || {
        let id = org.get();
        overrides.with(|o| o.iter().any(|x| Some(x.organization_id) == id))
    };

    let tabs = move || {
        [(Tab::Company, "rules.company", "company"), (Tab::Overrides, "rules.overrides", "overrides")]
            .into_iter()
            .map(|(k, key, name)| {
                view! {
                    <button
                        type="button"
                        role="tab"
                        id=format!("rules-tab-{name}")
                        data-testid=format!("rules-tab-{name}")
                        aria-selected=move || if tab.get() == k { "true" } else { "false" }
                        on:click=move |_| {
                            saved.set(false);
                            tab.set(k);
                        }
                    >
                        {tx(key)}
                    </button>
                }
            })
            .collect_view()
    };
    let org_options = move || {
        let sel = org.get();
        overrides.with(|x| {
            orgs.with(|orgs| {
                orgs.iter()
                    .map(|o| {
                        let mark = if x.iter().any(|x| x.organization_id == o.id) { " ★" } else { "" };
                        view! {
                            <option value=o.id.to_string() selected=sel == Some(o.id)>
                                {format!("{}{mark}", o.path)}
                            </option>
                        }
                    })
                    .collect_view()
            })
        })
    };
    let foot = move |errors: FormErrors, overriding: bool| {
        view! {
            <GeneralError errors=errors />
            {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
            <div class="actions sticky">
                {move || {
                    (overriding && has_override())
                        .then(|| {
                            view! {
                                <button type="button" class="danger" data-testid="override-delete" on:click=move |_| deleting.set(true)>
                                    {tx("rules.delete_override")}
                                </button>
                            }
                        })
                }}
                <button
                    type="submit"
                    class="primary"
                    data-testid=if overriding { "override-save" } else { "rules-save" }
                    disabled=move || busy.get()
                >
                    {tx("common.save")}
                </button>
            </div>
        }
    };

    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("rules.title")}</h1>
            {error_banner(error)}
            <div role="tablist" class="tabs">{tabs}</div>
            <Show when=move || tab.get() == Tab::Overrides>
                <div class="field">
                    <label for="over-org">{tx("field.organization")}</label>
                    <select
                        id="over-org"
                        on:change=move |ev| {
                            saved.set(false);
                            org.set(event_target_value(&ev).parse().ok());
                        }
                    >
                        <option value="">{tx("rules.choose_org")}</option>
                        {org_options}
                    </select>
                    <p class="hint">{tx("rules.override_hint")}</p>
                </div>
            </Show>
            <div class="columns rules-layout">
                <div>
                    <Show when=move || tab.get() == Tab::Company>
                        <form on:submit=save_company novalidate data-testid="rules-form">
                            {rules_form_view(company)}
                            {foot(company.errors, false)}
                        </form>
                    </Show>
                    <Show when=move || tab.get() == Tab::Overrides && org.get().is_some()>
                        <form on:submit=save_override novalidate data-testid="override-form">
                            {rules_form_view(over)}
                            {foot(over.errors, true)}
                        </form>
                    </Show>
                </div>
                <PreviewPanel form=Signal::derive(move || if tab.get() == Tab::Company { company } else { over }) />
            </div>
            {move || {
                rebuild_offer
                    .get()
                    .map(|range| {
                        let text = t("rules.rebuild_offer").replace("{from}", &range.from).replace("{to}", &range.to);
                        view! {
                            <div class="panel" data-testid="rules-rebuild-offer">
                                <p>{text}</p>
                                {move || {
                                    if rebuild_started.get() {
                                        view! {
                                            <p>
                                                {tx("rules.rebuild_started")} " "
                                                <Link route=Route::AttendanceTask testid="rules-rebuild-progress">{tx("nav.att_task")}</Link>
                                            </p>
                                        }
                                            .into_any()
                                    } else {
                                        let range = range.clone();
                                        view! {
                                            <button type="button" data-testid="rules-rebuild" on:click=move |_| rebuild(range.clone())>
                                                {tx("rules.rebuild")}
                                            </button>
                                        }
                                            .into_any()
                                    }
                                }}
                            </div>
                        }
                    })
            }}
            {move || {
                deleting
                    .get()
                    .then(|| {
                        let id = org.get_untracked().unwrap_or_default();
                        view! {
                            <ConfirmDeleteDialog
                                delete={Deletion::of::<routes::DeleteRuleOverride>(id)}
                                name=org_name()
                                title_key="rules.delete_override"
                                confirm_key="rules.delete_confirm"
                                dialog_testid="override-delete-dialog"
                                confirm_testid="override-delete-confirm"
                                on_done=Callback::new(move |done: bool| {
                                    deleting.set(false);
                                    if done {
                                        overrides.update(|o| o.retain(|x| x.organization_id != id));
                                    }
                                })
                            />
                        }
                    })
            }}
        </section>
    }
}

#[component]
fn PreviewPanel(form: Signal<RulesForm>) -> impl IntoView {
    let state = app();
    let user = RwSignal::new(state.session.with_untracked(|s| s.as_ref().map(|s| s.user.login.clone()).unwrap_or_default()));
    let date = RwSignal::new(add_days(&today(), -1));
    let result = RwSignal::new(None::<RulesPreview>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let none = FormErrors::new();
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let f = form.get_untracked();
        let Some(rules) = f.rules() else {
            error.set(Some(t("rules.fix_first").to_string()));
            return;
        };
        // The request carries the rules as JSON so that the server can name a field it refuses.
        let rules = match serde_json::to_value(&rules) {
            Ok(v) => v,
            Err(e) => {
                error.set(Some(format!("{} ({e})", t("rules.fix_first"))));
                return;
            }
        };
        let body = RulesPreviewRequest { rules, user: user.get_untracked().trim().to_string(), date: date.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::PreviewRules>(&(), &(), &body).await {
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
    view! {
        <aside class="panel preview" aria-labelledby="preview-title">
            <h2 id="preview-title">{tx("preview.title")}</h2>
            <p class="hint">{tx("preview.hint")}</p>
            <form on:submit=run novalidate>
                <TextField id="preview-user" field="user" label=tr("att.user") value=user errors=none />
                <TextField id="preview-date" field="date" label=tr("att.day") value=date errors=none kind="date" />
                <button type="submit" data-testid="preview-run" disabled=move || busy.get()>
                    {tx("preview.run")}
                </button>
            </form>
            {error_banner(error)}
            {move || result.get().map(preview_view)}
        </aside>
    }
}

fn preview_view(p: RulesPreview) -> AnyView {
    let d = p.day;
    let day = match &d.holiday {
        Some(x) => format!("{} ({} {x})", d.date, t("heat.holiday")),
        None => d.date.clone(),
    };
    let minutes = [
        ("preview.actual", d.actual_work_minutes),
        ("agr.overtime", d.overtime_minutes),
        ("preview.late_night", d.late_night_minutes),
        ("preview.late", d.late_minutes),
        ("preview.early", d.early_leave_minutes),
    ];
    let badges = [
        (d.absent, "preview.absent"),
        (d.missing_clock_in, "preview.missing_in"),
        (d.missing_clock_out, "preview.missing_out"),
        (d.in_progress, "preview.in_progress"),
    ];
    view! {
        <dl class="summary" data-testid="preview-day">
            <dt>{tx("att.day")}</dt>
            <dd>{day}</dd>
            <dt>{tx("preview.clock_in")}</dt>
            <dd data-testid="preview-clock-in">{d.clock_in}</dd>
            <dt>{tx("preview.clock_out")}</dt>
            <dd data-testid="preview-clock-out">{d.clock_out}</dd>
            {minutes
                .into_iter()
                .map(|(key, m)| {
                    view! {
                        <dt>{tx(key)}</dt>
                        <dd>{hm(i64::from(m))}</dd>
                    }
                })
                .collect_view()}
        </dl>
        <p>
            {badges
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, key)| view! { <span class="badge warn">{tx(key)}</span> })
                .collect_view()}
        </p>
        <div class="table-wrap">
            <table data-testid="preview-events">
                <thead>
                    <tr>
                        <th>{tx("preview.time")}</th>
                        <th>{tx("preview.operation")}</th>
                        <th>{tx("rules.detail")}</th>
                        <th>{tx("att.terminal")}</th>
                        <th>{tx("preview.role")}</th>
                    </tr>
                </thead>
                <tbody>
                    {p
                        .events
                        .into_iter()
                        .map(|e| {
                            let role = match e.role.as_str() {
                                "clock_in" => "role.clock_in",
                                "clock_out" => "role.clock_out",
                                "both" => "role.both",
                                _ => "role.none",
                            };
                            view! {
                                <tr class:adopted=e.adopted>
                                    <td>{e.local}</td>
                                    <td>{e.operation}</td>
                                    <td class="accounts">{e.detail}</td>
                                    <td>{e.target} " " <span class="hint">{e.host}</span></td>
                                    <td>
                                        {tx(role)}
                                        {e.adopted.then(|| view! { " " <span class="badge ok">{tx("preview.adopted")}</span> })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_read_by_line_or_comma() {
        assert_eq!(lines("2024-01-02\n 2024-01-03 ,2024-01-04\n"), vec!["2024-01-02", "2024-01-03", "2024-01-04"]);
    }

    #[test]
    fn the_sections_have_a_title_and_the_lists_show_their_errors_at_each_row() {
        for s in RuleSection::ALL {
            assert!(!title(s).is_empty());
        }
        assert!(!gathers_nested_errors(RuleSection::Breaks) && gathers_nested_errors(RuleSection::Schedule));
    }
}
