//! The one month picker (and its day and year variants): previous / input / next. Used by the
//! attendance console, the output profiles' run and the holiday calendar.

use leptos::prelude::*;

use crate::datetime::{add_days, add_months, parse_date, parse_month};
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
