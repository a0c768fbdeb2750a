//! Display settings (the columns and sort of each table) and the 36-agreement limits. The
//! layout editor here also serves the output profiles.

use kinmu_shared::api::{AgreementLimits, DisplaySettings, ReportKind, SortKey, TableLayout};
use leptos::prelude::*;

use super::{AdminNav, column_title, kind_label};
use crate::api_client;
use crate::components::form_errors::FormErrors;
use crate::html::{Html, RawHtml, esc};
use crate::i18n::{t, t_dyn, tx};

/// Columns (shown or not, in order, moved with up/down buttons) and up to two sort keys of one
/// table. `prefix` is what the server puts before `columns` / `sort` in its error fields.
#[component]
pub fn LayoutEditor(
    kind: Signal<ReportKind>,
    layout: RwSignal<TableLayout>,
    id: &'static str,
    errors: FormErrors,
    #[prop(into)] prefix: Signal<String>,
) -> impl IntoView {
    let html = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        layout.with(|l| layout_text(kind.get(), l, id, errors, &prefix.get()))
    });
    let act = move |(a, el, _): (String, web_sys::Element, bool)| {
        let col = el.get_attribute("data-col").unwrap_or_default();
        let i: usize = el.get_attribute("data-index").and_then(|i| i.parse().ok()).unwrap_or(0);
        let value = crate::html::value_of(&el.id());
        let mut focus = String::new();
        layout.update(|l| match a.as_str() {
            "col-toggle" => {
                let on = l.columns.contains(&col);
                l.columns.retain(|c| *c != col);
                if !on {
                    l.columns.push(col.clone());
                }
                focus = format!("{id}-col-{col}");
            }
            "col-up" | "col-down" => {
                if let Some(i) = l.columns.iter().position(|c| *c == col) {
                    let j = if a == "col-up" { i.checked_sub(1) } else { Some(i + 1).filter(|j| *j < l.columns.len()) };
                    if let Some(j) = j {
                        l.columns.swap(i, j);
                    }
                }
                focus = el.id();
            }
            "sort-col" => {
                if value.is_empty() {
                    l.sort.truncate(i);
                } else if i < l.sort.len() {
                    l.sort[i].column = value;
                } else if i == l.sort.len() {
                    l.sort.push(SortKey { column: value, descending: false });
                }
                focus = el.id();
            }
            "sort-dir" => {
                if let Some(k) = l.sort.get_mut(i) {
                    k.descending = value == "desc";
                }
                focus = el.id();
            }
            _ => {}
        });
        if !focus.is_empty() {
            crate::html::focus_id(focus);
        }
    };
    view! { <RawHtml class="layout" html=html on_action=Callback::new(act) /> }
}

fn layout_text(kind: ReportKind, l: &TableLayout, id: &str, errors: FormErrors, prefix: &str) -> String {
    let mut h = Html::new();
    let mut items: Vec<(&str, bool)> = l.columns.iter().map(|c| (c.as_str(), true)).collect();
    items.extend(kind.columns().iter().filter(|c| !l.columns.iter().any(|x| x == *c)).map(|c| (*c, false)));
    let shown = l.columns.len();
    h.fmt(format_args!(
        r#"<fieldset class="layout-editor"><legend>{}</legend><ol class="column-list" data-testid="{id}-columns">"#,
        esc(t("layout.columns"))
    ));
    for (i, (c, on)) in items.iter().enumerate() {
        let title = esc(column_title(c));
        let dis = |d: bool| if d { " disabled" } else { "" };
        h.fmt(format_args!(
            r#"<li{}><input type="checkbox" id="{id}-col-{c}" data-action="col-toggle" data-col="{c}"{}><label for="{id}-col-{c}">{title}</label><span class="row-actions"><button type="button" class="small" id="{id}-up-{c}" data-action="col-up" data-col="{c}" aria-label="{} {title}"{}>↑</button><button type="button" class="small" id="{id}-down-{c}" data-action="col-down" data-col="{c}" aria-label="{} {title}"{}>↓</button></span></li>"#,
            if *on { "" } else { r#" class="off""# },
            if *on { " checked" } else { "" },
            esc(t("layout.up")),
            dis(!on || i == 0),
            esc(t("layout.down")),
            dis(!on || i + 1 >= shown)
        ));
    }
    h.raw("</ol>");
    let msgs = errors.under(&format!("{prefix}columns"));
    if !msgs.is_empty() {
        h.fmt(format_args!(r#"<p class="field-error" data-testid="{prefix}columns-error" role="alert">{}</p>"#, esc(&msgs.join(" / "))));
    }
    h.fmt(format_args!(r#"</fieldset><fieldset class="sort-keys"><legend>{}</legend>"#, esc(t("layout.sort"))));
    for i in 0..2 {
        let cur = l.sort.get(i);
        h.fmt(format_args!(
            r#"<div class="sort-key"><label for="{id}-sort{i}">{}</label><select id="{id}-sort{i}" data-action="sort-col" data-index="{i}"{}><option value="">{}</option>"#,
            esc(t(if i == 0 { "layout.sort1" } else { "layout.sort2" })),
            if i > 0 && l.sort.is_empty() { " disabled" } else { "" },
            esc(t("layout.no_sort"))
        ));
        for c in kind.columns() {
            h.fmt(format_args!(
                r#"<option value="{c}"{}>{}</option>"#,
                if cur.is_some_and(|k| k.column == *c) { " selected" } else { "" },
                esc(column_title(c))
            ));
        }
        let desc = cur.is_some_and(|k| k.descending);
        h.fmt(format_args!(
            r#"</select><label class="visually-hidden" for="{id}-dir{i}">{}</label><select id="{id}-dir{i}" data-action="sort-dir" data-index="{i}"{}><option value="asc"{}>{}</option><option value="desc"{}>{}</option></select></div>"#,
            esc(t("layout.direction")),
            if cur.is_none() { " disabled" } else { "" },
            if desc { "" } else { " selected" },
            esc(t("layout.asc")),
            if desc { " selected" } else { "" },
            esc(t("layout.desc"))
        ));
    }
    let msgs = errors.under(&format!("{prefix}sort"));
    if !msgs.is_empty() {
        h.fmt(format_args!(r#"<p class="field-error" data-testid="{prefix}sort-error" role="alert">{}</p>"#, esc(&msgs.join(" / "))));
    }
    h.raw("</fieldset>");
    h.0
}

/// A form's general error, "Saved", and its save button, as HTML.
fn form_foot(errors: FormErrors, saved: bool, testid: &str) -> String {
    let mut h = Html::new();
    if let Some(m) = errors.general() {
        h.el("p", r#"class="error-banner" role="alert" data-testid="form-error""#, &m);
    }
    if saved {
        h.el("p", r#"class="ok-banner" role="status""#, t("common.saved"));
    }
    h.fmt(format_args!(
        r#"<div class="actions"><button type="submit" class="primary" data-testid="{testid}">{}</button></div>"#,
        esc(t("common.save"))
    ));
    h.0
}

#[component]
pub fn DisplayPage() -> impl IntoView {
    let layouts: [RwSignal<TableLayout>; 5] = ReportKind::ALL.map(|k| RwSignal::new(TableLayout::default_for(k)));
    let kind = RwSignal::new(ReportKind::Monthly);
    let errors = FormErrors::new();
    let saved = RwSignal::new(false);
    let loaded = RwSignal::new(false);
    let current = RwSignal::new(layouts[0]);
    Effect::new(move |_| {
        let k = kind.get();
        let i = ReportKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
        current.set(layouts[i]);
    });
    leptos::task::spawn_local(async move {
        match api_client::get::<DisplaySettings>("/attendance/display").await {
            Ok(d) => {
                for (i, k) in ReportKind::ALL.iter().enumerate() {
                    layouts[i].set(d.layout(*k).clone());
                }
                loaded.set(true);
            }
            Err(e) => errors.set_api(&e),
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.clear();
        saved.set(false);
        let body = DisplaySettings {
            monthly: layouts[0].get_untracked(),
            timesheet: layouts[1].get_untracked(),
            daily: layouts[2].get_untracked(),
            ranking: layouts[3].get_untracked(),
            terminal: layouts[4].get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api_client::send::<_, DisplaySettings>("PUT", "/attendance/display", &body).await {
                Ok(_) => saved.set(true),
                Err(e) => {
                    // Show a table's error on that table.
                    if let Some(k) = e.field.as_deref().and_then(|f| f.split('.').next()).and_then(ReportKind::from_key) {
                        kind.set(k);
                    }
                    errors.set_api(&e);
                }
            }
        });
    };
    let prefix = Signal::derive(move || format!("{}.", kind.get().key()));
    let head = Signal::derive(move || {
        let cur = kind.get();
        let mut h = Html::new();
        h.fmt(format_args!(r#"<h2 id="display-title">{}</h2>"#, esc(t("display.layouts"))));
        let kinds: Vec<(&str, &str)> = ReportKind::ALL.iter().map(|k| (k.key(), kind_label(*k))).collect();
        h.select("display-kind", "kind", t("display.table"), &kinds, cur.key(), "kind", errors);
        h.0
    });
    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("display.title")}</h1>
            <div class="columns">
                <form class="panel" on:submit=save novalidate aria-labelledby="display-title">
                    <RawHtml html=head on_action=Callback::new(move |(a, _, _): (String, web_sys::Element, bool)| {
                        if a == "kind" && let Some(k) = ReportKind::from_key(&crate::html::value_of("display-kind")) {
                            kind.set(k);
                        }
                    }) />
                    <Show when=move || loaded.get()>
                        {move || {
                            let l = current.get();
                            view! { <LayoutEditor kind=kind.into() layout=l id="display" errors=errors prefix=prefix /> }
                        }}
                    </Show>
                    <RawHtml html=Signal::derive(move || { let _ = crate::app_state::app().lang.get(); form_foot(errors, saved.get(), "display-save") }) />
                </form>
                <LimitsForm />
            </div>
        </section>
    }
}

#[component]
fn LimitsForm() -> impl IntoView {
    const FIELDS: [(&str, &str); 8] = [
        ("monthly_overtime_hours", "limits.monthly"),
        ("yearly_overtime_hours", "limits.yearly"),
        ("special_yearly_overtime_hours", "limits.special_yearly"),
        ("special_monthly_total_hours", "limits.special_monthly_total"),
        ("special_average_hours", "limits.special_average"),
        ("special_months_over", "limits.special_months_over"),
        ("warn_percent", "limits.warn_percent"),
        ("year_start_month", "limits.year_start_month"),
    ];
    let values: [RwSignal<String>; 8] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let special = RwSignal::new(false);
    let errors = FormErrors::new();
    let saved = RwSignal::new(false);
    let fill = move |l: AgreementLimits| {
        let v = [
            l.monthly_overtime_hours,
            l.yearly_overtime_hours,
            l.special_yearly_overtime_hours,
            l.special_monthly_total_hours,
            l.special_average_hours,
            l.special_months_over,
            l.warn_percent,
            l.year_start_month,
        ];
        for (s, n) in values.iter().zip(v) {
            s.set(n.to_string());
        }
        special.set(l.special_clause);
    };
    leptos::task::spawn_local(async move {
        match api_client::get::<AgreementLimits>("/attendance/agreement/limits").await {
            Ok(l) => fill(l),
            Err(e) => errors.set_api(&e),
        }
    });
    let html = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        let mut h = Html::new();
        h.fmt(format_args!(r#"<h2 id="limits-title">{}</h2>"#, esc(t("limits.title"))));
        for (i, (f, l)) in FIELDS.iter().enumerate() {
            if i == 2 {
                h.checkbox("special_clause", t("limits.special_clause"), special.get());
            }
            h.input(f, f, t_dyn(l), "number", &values[i].get(), "", errors);
        }
        h.raw(&form_foot(errors, saved.get(), "limits-save"));
        h.0
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        for (i, (f, _)) in FIELDS.iter().enumerate() {
            values[i].update_untracked(|v| *v = crate::html::value_of(f));
        }
        special.update_untracked(|v| *v = crate::html::checked("special_clause"));
        errors.clear();
        saved.set(false);
        let mut n = [0u32; 8];
        for (i, (field, _)) in FIELDS.iter().enumerate() {
            match values[i].get_untracked().trim().parse::<u32>() {
                Ok(v) => n[i] = v,
                Err(_) => errors.set_field(field, t("form.whole_number")),
            }
        }
        if errors.has_any() {
            return;
        }
        let body = AgreementLimits {
            monthly_overtime_hours: n[0],
            yearly_overtime_hours: n[1],
            special_clause: special.get_untracked(),
            special_yearly_overtime_hours: n[2],
            special_monthly_total_hours: n[3],
            special_average_hours: n[4],
            special_months_over: n[5],
            warn_percent: n[6],
            year_start_month: n[7],
        };
        leptos::task::spawn_local(async move {
            match api_client::send::<_, AgreementLimits>("PUT", "/attendance/agreement/limits", &body).await {
                Ok(l) => {
                    fill(l);
                    saved.set(true);
                }
                Err(e) => errors.set_api(&e),
            }
        });
    };
    view! {
        <form class="panel" on:submit=save novalidate aria-labelledby="limits-title">
            <RawHtml html=html />
        </form>
    }
}
