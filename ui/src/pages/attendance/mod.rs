//! Attendance: the console every user sees, and the administrators' pages (rules, holidays,
//! the attendance task, display settings and limits, output profiles).

pub mod charts;
pub mod console;
pub mod display;
pub mod holidays;
pub mod imports;
pub mod profiles;
pub mod rules;
pub mod task;

use kinmu_shared::api::{CellValue, ColumnKind, ReportKind, column_kind, column_label};
use leptos::prelude::*;

use crate::app_state::app;
use crate::datetime::hm;
use crate::i18n::{t, tx};
use crate::router::{ATTENDANCE_ADMIN, Link, Route};

/// The administration pages' own menu, under the page header.
#[component]
pub fn AdminNav() -> impl IntoView {
    let label = |r: Route| match r {
        Route::AttendanceRules => "nav.att_rules",
        Route::Holidays => "nav.att_holidays",
        Route::AttendanceTask => "nav.att_task",
        Route::AttendanceDisplay => "nav.att_display",
        Route::LogImports => "nav.att_imports",
        _ => "nav.att_profiles",
    };
    view! {
        <nav class="subnav" aria-label=tx("nav.attendance_admin")>
            {ATTENDANCE_ADMIN
                .iter()
                .map(|r| {
                    let r = *r;
                    view! { <Link route=r testid=format!("subnav-{}", r.path().rsplit('/').next().unwrap_or(""))>{move || t(label(r))}</Link> }
                })
                .collect_view()}
        </nav>
    }
}

/// A column's heading in the UI language.
pub fn column_title(key: &str) -> &'static str {
    column_label(key, app().lang.get())
}

/// A table cell as shown: minutes as `h:mm`, counts as numbers, text as it is.
pub fn cell_text(kind: ColumnKind, v: &CellValue) -> String {
    match (v, kind) {
        (CellValue::Number(n), ColumnKind::Minutes) => hm(*n),
        (CellValue::Number(n), _) => n.to_string(),
        (CellValue::Text(s), _) => s.clone(),
        (CellValue::Empty, _) => String::new(),
    }
}

pub fn cell_kinds(columns: &[String]) -> Vec<ColumnKind> {
    columns.iter().map(|c| column_kind(c)).collect()
}

pub fn kind_label(k: ReportKind) -> &'static str {
    t(match k {
        ReportKind::Monthly => "att.kind.monthly",
        ReportKind::Timesheet => "att.kind.timesheet",
        ReportKind::Daily => "att.kind.daily",
        ReportKind::Ranking => "att.kind.ranking",
        ReportKind::Terminal => "att.kind.terminal",
    })
}

/// The tables as (key, label) options of a select, in the user's language.
pub fn kind_options() -> Signal<Vec<(String, String)>> {
    Signal::derive(move || {
        let _ = app().lang.get();
        ReportKind::ALL.iter().map(|k| (k.key().to_string(), kind_label(*k).to_string())).collect()
    })
}

/// The error banner of a page.
pub fn error_banner(error: RwSignal<Option<String>>) -> impl IntoView {
    move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })
}
