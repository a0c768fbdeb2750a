//! The one month picker (and its day and year variants): previous / input / next. The
//! [`PeriodPicker`] component is the Leptos view; `period_html` and `period_action` write the
//! same as HTML text for the pages not yet written as views (`crate::html`, to go).

use leptos::prelude::*;

use crate::datetime::{add_days, add_months, parse_date, parse_month};
use crate::html::{Html, esc};
use crate::i18n::t;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `YYYY-MM`.
    Month,
    /// `YYYY-MM-DD`.
    Day,
    /// `YYYY`.
    Year,
}

fn step(value: &str, kind: Step, n: i64) -> String {
    match kind {
        Step::Month => add_months(value, n),
        Step::Day => add_days(value, n),
        Step::Year => value.trim().parse::<i64>().map(|y| (y + n).to_string()).unwrap_or_else(|_| value.to_string()),
    }
}

fn valid(value: &str, kind: Step) -> bool {
    match kind {
        Step::Month => parse_month(value).is_some() && value.trim().len() == 7,
        Step::Day => parse_date(value).is_some(),
        Step::Year => value.trim().parse::<i64>().is_ok_and(|y| (1900..=2999).contains(&y)),
    }
}

fn labels(kind: Step) -> (&'static str, &'static str, &'static str) {
    match kind {
        Step::Month => ("period.prev_month", "period.next_month", "month"),
        Step::Day => ("period.prev_day", "period.next_day", "date"),
        Step::Year => ("period.prev_year", "period.next_year", "number"),
    }
}

/// A labelled period input between "previous" and "next" buttons (test ids `{id}-prev` and
/// `{id}-next`); only a valid period typed in is taken.
#[component]
pub fn PeriodPicker(id: &'static str, label: Signal<&'static str>, kind: Step, value: RwSignal<String>) -> impl IntoView {
    let (prev, next, input_type) = labels(kind);
    view! {
        <div class="field period">
            <label for=id>{move || label.get()}</label>
            <div class="period-row">
                <button
                    type="button"
                    class="small"
                    id=format!("{id}-prev")
                    data-testid=format!("{id}-prev")
                    aria-label=move || t(prev)
                    on:click=move |_| value.update(|v| *v = step(v, kind, -1))
                >
                    "‹"
                </button>
                <input
                    id=id
                    type=input_type
                    prop:value=move || value.get()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if valid(&v, kind) {
                            value.set(v.trim().to_string());
                        }
                    }
                />
                <button
                    type="button"
                    class="small"
                    id=format!("{id}-next")
                    data-testid=format!("{id}-next")
                    aria-label=move || t(next)
                    on:click=move |_| value.update(|v| *v = step(v, kind, 1))
                >
                    "›"
                </button>
            </div>
        </div>
    }
}

/// Writes a labelled period input between "previous" and "next" buttons (test ids `{id}-prev`
/// and `{id}-next`).
pub fn period_html(h: &mut Html, id: &str, label: &str, kind: Step, value: &str) {
    let (prev, next, input_type) = labels(kind);
    h.fmt(format_args!(
        r#"<div class="field period"><label for="{id}">{}</label><div class="period-row"><button type="button" class="small" id="{id}-prev" data-testid="{id}-prev" data-action="step" data-n="-1" aria-label="{}">‹</button><input id="{id}" type="{input_type}" value="{}" data-action="period"><button type="button" class="small" id="{id}-next" data-testid="{id}-next" data-action="step" data-n="1" aria-label="{}">›</button></div></div>"#,
        esc(label),
        esc(t(prev)),
        esc(value),
        esc(t(next))
    ));
}

/// Handles the picker's actions on `value` (only a valid period is taken); true when it was one.
pub fn period_action(action: &str, el: &web_sys::Element, kind: Step, value: RwSignal<String>) -> bool {
    match action {
        "step" => {
            let n: i64 = el.get_attribute("data-n").and_then(|n| n.parse().ok()).unwrap_or(0);
            value.update(|v| *v = step(v, kind, n));
            true
        }
        "period" => {
            let v = crate::html::value_of(&el.id());
            if valid(&v, kind) {
                value.set(v.trim().to_string());
            }
            true
        }
        _ => false,
    }
}
