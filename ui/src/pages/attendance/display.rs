//! Display settings (the columns and sort of each table) and the 36-agreement limits. The
//! layout editor here also serves the output profiles.

use kinmu_shared::api::{AgreementLimits, DisplaySettings, ReportKind, SortKey, TableLayout};
use leptos::prelude::*;

use super::{AdminNav, column_title, kind_options};
use crate::api_client;
use crate::components::field::{CheckField, SelectField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::focus::focus_id;
use crate::i18n::{t, t_dyn, tr, tx};
use kinmu_shared::api::routes::{self, Empty};

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
    // The list is written again on every change: the control used keeps the focus.
    let change = move |focus: String, f: Box<dyn FnOnce(&mut TableLayout)>| {
        layout.update(|l| f(l));
        focus_id(focus);
    };
    let toggle = move |col: String| {
        change(
            format!("{id}-col-{col}"),
            Box::new(move |l| {
                let on = l.columns.contains(&col);
                l.columns.retain(|c| *c != col);
                if !on {
                    l.columns.push(col);
                }
            }),
        )
    };
    let shift = move |col: String, up: bool, focus: String| {
        change(
            focus,
            Box::new(move |l| {
                if let Some(i) = l.columns.iter().position(|c| *c == col) {
                    let j = if up { i.checked_sub(1) } else { Some(i + 1).filter(|j| *j < l.columns.len()) };
                    if let Some(j) = j {
                        l.columns.swap(i, j);
                    }
                }
            }),
        )
    };
    // Shown columns in order, then the others; each row is kept by its column (keyed), so a
    // control keeps its element when the list changes.
    let items = Memo::new(move |_| {
        let (l, k) = (layout.get(), kind.get());
        let mut items: Vec<(String, bool)> = l.columns.iter().map(|c| (c.clone(), true)).collect();
        items.extend(k.columns().iter().map(|c| c.key()).filter(|c| !l.columns.iter().any(|x| x == c)).map(|c| (c.to_string(), false)));
        items
    });
    let shown = Memo::new(move |_| layout.with(|l| l.columns.len()));
    let row = move |(c, _): (String, bool)| {
        let on = Signal::derive({
            let c = c.clone();
            move || items.with(|v| v.iter().any(|(x, o)| *x == c && *o))
        });
        let index = Signal::derive({
            let c = c.clone();
            move || items.with(|v| v.iter().position(|(x, _)| *x == c).unwrap_or(0))
        });
        let (check_id, up_id, down_id) = (format!("{id}-col-{c}"), format!("{id}-up-{c}"), format!("{id}-down-{c}"));
        let col = StoredValue::new(c);
        let title = move || col.with_value(|c| column_title(c));
        let (up_focus, down_focus) = (up_id.clone(), down_id.clone());
        view! {
            <li class:off=move || !on.get()>
                <input type="checkbox" id=check_id.clone() prop:checked=on on:change=move |_| toggle(col.get_value()) />
                <label for=check_id>{title}</label>
                <span class="row-actions">
                    <button
                        type="button"
                        class="small"
                        id=up_id
                        aria-label=move || format!("{} {}", t("layout.up"), title())
                        disabled=move || !on.get() || index.get() == 0
                        on:click=move |_| shift(col.get_value(), true, up_focus.clone())
                    >
                        "↑"
                    </button>
                    <button
                        type="button"
                        class="small"
                        id=down_id
                        aria-label=move || format!("{} {}", t("layout.down"), title())
                        disabled={move || !on.get() || index.get() + 1 >= shown.get()}
                        on:click=move |_| shift(col.get_value(), false, down_focus.clone())
                    >
                        "↓"
                    </button>
                </span>
            </li>
        }
    };
    let sort_keys = move || {
        let _ = crate::app_state::app().lang.get();
        let (l, k) = (layout.get(), kind.get());
        (0..2usize)
            .map(|i| {
                let cur = l.sort.get(i).cloned();
                let desc = cur.as_ref().is_some_and(|s| s.descending);
                let (col_id, dir_id) = (format!("{id}-sort{i}"), format!("{id}-dir{i}"));
                let (col_focus, dir_focus) = (col_id.clone(), dir_id.clone());
                let options = k
                    .columns()
                    .iter()
                    .map(|c| c.key())
                    .map(|c| view! { <option value=c selected={cur.as_ref().is_some_and(|s| s.column == c)}>{column_title(c)}</option> })
                    .collect_view();
                view! {
                    <div class="sort-key">
                        <label for=col_id.clone()>{t(if i == 0 { "layout.sort1" } else { "layout.sort2" })}</label>
                        <select
                            id=col_id
                            disabled={i > 0 && l.sort.is_empty()}
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                change(
                                    col_focus.clone(),
                                    Box::new(move |l| {
                                        if value.is_empty() {
                                            l.sort.truncate(i);
                                        } else if i < l.sort.len() {
                                            l.sort[i].column = value;
                                        } else if i == l.sort.len() {
                                            l.sort.push(SortKey { column: value, descending: false });
                                        }
                                    }),
                                )
                            }
                        >
                            <option value="" selected=cur.is_none()>{t("layout.no_sort")}</option>
                            {options}
                        </select>
                        <label class="visually-hidden" for=dir_id.clone()>{t("layout.direction")}</label>
                        <select
                            id=dir_id
                            disabled=cur.is_none()
                            on:change=move |ev| {
                                let descending = event_target_value(&ev) == "desc";
                                change(
                                    dir_focus.clone(),
                                    Box::new(move |l| {
                                        if let Some(k) = l.sort.get_mut(i) {
                                            k.descending = descending;
                                        }
                                    }),
                                )
                            }
                        >
                            <option value="asc" selected=!desc>{t("layout.asc")}</option>
                            <option value="desc" selected=desc>{t("layout.desc")}</option>
                        </select>
                    </div>
                }
            })
            .collect_view()
    };
    let problems = move |what: &'static str| {
        let field = format!("{}{what}", prefix.get());
        let msgs = errors.under(&field);
        (!msgs.is_empty())
            .then(|| view! { <p class="field-error" data-testid=format!("{field}-error") role="alert">{msgs.join(" / ")}</p> })
    };
    view! {
        <div class="layout">
            <fieldset class="layout-editor">
                <legend>{tx("layout.columns")}</legend>
                <ol class="column-list" data-testid=format!("{id}-columns")>
                    <For each=move || items.get() key=|(c, _)| c.clone() children=row />
                </ol>
                {move || problems("columns")}
            </fieldset>
            <fieldset class="sort-keys">
                <legend>{tx("layout.sort")}</legend>
                {sort_keys}
                {move || problems("sort")}
            </fieldset>
        </div>
    }
}

/// A form's general error, "Saved", and its save button.
fn form_foot(errors: FormErrors, saved: RwSignal<bool>, testid: &'static str) -> impl IntoView {
    view! {
        <GeneralError errors=errors />
        {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
        <div class="actions">
            <button type="submit" class="primary" data-testid=testid>{tx("common.save")}</button>
        </div>
    }
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
        match api_client::call::<routes::GetDisplay>(&(), &(), &Empty).await {
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
            match api_client::call::<routes::SaveDisplay>(&(), &(), &body).await {
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
    let kind_key = RwSignal::new(ReportKind::Monthly.key().to_string());
    Effect::new(move |_| {
        if let Some(k) = ReportKind::from_key(&kind_key.get()) {
            kind.set(k);
        }
    });
    Effect::new(move |_| {
        let k = kind.get().key().to_string();
        if kind_key.get_untracked() != k {
            kind_key.set(k);
        }
    });
    let kinds = kind_options();
    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("display.title")}</h1>
            <div class="columns">
                <form class="panel" on:submit=save novalidate aria-labelledby="display-title">
                    <h2 id="display-title">{tx("display.layouts")}</h2>
                    <SelectField id="display-kind" field="kind" label=tr("display.table") value=kind_key errors=errors options=kinds />
                    <Show when=move || loaded.get()>
                        {move || {
                            let l = current.get();
                            view! { <LayoutEditor kind=kind.into() layout=l id="display" errors=errors prefix=prefix /> }
                        }}
                    </Show>
                    {form_foot(errors, saved, "display-save")}
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
        match api_client::call::<routes::GetAgreementLimits>(&(), &(), &Empty).await {
            Ok(l) => fill(l),
            Err(e) => errors.set_api(&e),
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
            match api_client::call::<routes::SaveAgreementLimits>(&(), &(), &body).await {
                Ok(l) => {
                    fill(l);
                    saved.set(true);
                }
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let fields = FIELDS
        .iter()
        .enumerate()
        .map(|(i, (f, l))| {
            view! {
                {(i == 2).then(|| view! { <CheckField id="special_clause" label=tr("limits.special_clause") value=special /> })}
                <TextField id=f field=f label=Signal::derive(move || t_dyn(l)) value=values[i] errors=errors kind="number" />
            }
        })
        .collect_view();
    view! {
        <form class="panel" on:submit=save novalidate aria-labelledby="limits-title">
            <h2 id="limits-title">{tx("limits.title")}</h2>
            {fields}
            {form_foot(errors, saved, "limits-save")}
        </form>
    }
}
