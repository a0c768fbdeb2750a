//! Display settings (the columns and sort of each table) and the 36-agreement limits. The
//! layout editor here also serves the output profiles.

use kinmu_shared::api::{AgreementLimits, DisplaySettings, ReportKind, SortKey, TableLayout};
use leptos::prelude::*;

use super::{AdminNav, column_title, kind_label};
use crate::api_client;
use crate::components::field::{CheckField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError, GroupErrors};
use crate::i18n::{t, tr};

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
    let items = move || {
        let k = kind.get();
        let l = layout.get();
        let mut v: Vec<(String, bool)> = l.columns.iter().map(|c| (c.clone(), true)).collect();
        v.extend(k.columns().iter().filter(|c| !l.columns.iter().any(|x| x == *c)).map(|c| (c.to_string(), false)));
        v
    };
    let toggle = move |col: String, on: bool| {
        layout.update(|l| {
            l.columns.retain(|c| *c != col);
            if on {
                l.columns.push(col);
            }
        })
    };
    let shift = move |col: String, by: isize| {
        layout.update(|l| {
            if let Some(i) = l.columns.iter().position(|c| *c == col) {
                let j = i as isize + by;
                if j >= 0 && (j as usize) < l.columns.len() {
                    l.columns.swap(i, j as usize);
                }
            }
        })
    };
    let col_errors = Signal::derive(move || vec![format!("{}columns", prefix.get())]);
    let sort_errors = Signal::derive(move || vec![format!("{}sort", prefix.get())]);
    let sort_key = move |i: usize| {
        let sel_id = format!("{id}-sort{i}");
        let dir_id = format!("{id}-dir{i}");
        let current = move || layout.with(|l| l.sort.get(i).cloned());
        let set = move |col: String, desc: Option<bool>| {
            layout.update(|l| {
                if col.is_empty() {
                    l.sort.truncate(i);
                    return;
                }
                let descending = desc.unwrap_or_else(|| l.sort.get(i).is_some_and(|k| k.descending));
                let key = SortKey { column: col, descending };
                if i < l.sort.len() {
                    l.sort[i] = key;
                } else if i == l.sort.len() {
                    l.sort.push(key);
                }
            })
        };
        let sel_id2 = sel_id.clone();
        let dir_id2 = dir_id.clone();
        view! {
            <div class="sort-key">
                <label for=sel_id.clone()>{move || t(if i == 0 { "layout.sort1" } else { "layout.sort2" })}</label>
                <select id=sel_id2 disabled=move || i > 0 && layout.with(|l| l.sort.is_empty())
                    on:change=move |ev| set(event_target_value(&ev), None)>
                    <option value="" selected=move || current().is_none()>{move || t("layout.no_sort")}</option>
                    {move || kind.get().columns().iter().map(|c| {
                        let c = c.to_string();
                        let c2 = c.clone();
                        view! { <option value=c.clone() selected=move || current().is_some_and(|k| k.column == c2)>{column_title(&c)}</option> }
                    }).collect_view()}
                </select>
                <label class="visually-hidden" for=dir_id.clone()>{move || t("layout.direction")}</label>
                <select id=dir_id2 disabled=move || current().is_none()
                    on:change=move |ev| { let col = current().map(|k| k.column).unwrap_or_default(); set(col, Some(event_target_value(&ev) == "desc")); }>
                    <option value="asc" selected=move || current().is_some_and(|k| !k.descending)>{move || t("layout.asc")}</option>
                    <option value="desc" selected=move || current().is_some_and(|k| k.descending)>{move || t("layout.desc")}</option>
                </select>
            </div>
        }
    };
    view! {
        <fieldset class="layout-editor">
            <legend>{move || t("layout.columns")}</legend>
            <ol class="column-list" data-testid=format!("{id}-columns")>
                {move || {
                    let all = items();
                    let shown = all.iter().filter(|(_, on)| *on).count();
                    all.into_iter().enumerate().map(|(i, (c, on))| {
                        let cid = format!("{id}-col-{c}");
                        let (c1, c2, c3) = (c.clone(), c.clone(), c.clone());
                        let title = column_title(&c);
                        view! {
                            <li class:off=!on>
                                <input type="checkbox" id=cid.clone() checked=on on:change=move |ev| toggle(c1.clone(), event_target_checked(&ev)) />
                                <label for=cid>{title}</label>
                                <span class="row-actions">
                                    <button type="button" class="small" disabled={!on || i == 0} aria-label=format!("{} {title}", t("layout.up")) on:click=move |_| shift(c2.clone(), -1)>"↑"</button>
                                    <button type="button" class="small" disabled={!on || i + 1 >= shown} aria-label=format!("{} {title}", t("layout.down")) on:click=move |_| shift(c3.clone(), 1)>"↓"</button>
                                </span>
                            </li>
                        }
                    }).collect_view()
                }}
            </ol>
            <GroupErrors errors=errors fields=col_errors.get_untracked() />
        </fieldset>
        <fieldset class="sort-keys">
            <legend>{move || t("layout.sort")}</legend>
            {sort_key(0)}
            {sort_key(1)}
            <GroupErrors errors=errors fields=sort_errors.get_untracked() />
        </fieldset>
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
    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{move || t("display.title")}</h1>
            <div class="columns">
                <form class="panel" on:submit=save novalidate aria-labelledby="display-title">
                    <h2 id="display-title">{move || t("display.layouts")}</h2>
                    <div class="field">
                        <label for="display-kind">{move || t("display.table")}</label>
                        <select id="display-kind" on:change=move |ev| if let Some(k) = ReportKind::from_key(&event_target_value(&ev)) { kind.set(k); }>
                            {ReportKind::ALL.iter().map(|k| { let k = *k; view! { <option value=k.key() selected=move || kind.get() == k>{move || kind_label(k)}</option> } }).collect_view()}
                        </select>
                    </div>
                    <Show when=move || loaded.get()>
                        {move || {
                            let l = current.get();
                            view! { <LayoutEditor kind=kind.into() layout=l id="display" errors=errors prefix=prefix /> }
                        }}
                    </Show>
                    <GeneralError errors=errors />
                    {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                    <div class="actions"><button type="submit" class="primary" data-testid="display-save">{move || t("common.save")}</button></div>
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
            <h2 id="limits-title">{move || t("limits.title")}</h2>
            {FIELDS.iter().enumerate().take(2).map(|(i, (f, l))| view! {
                <TextField id=f field=f label=tr(l) value=values[i] errors=errors kind="number" />
            }).collect_view()}
            <CheckField id="special_clause" label=tr("limits.special_clause") value=special />
            {FIELDS.iter().enumerate().skip(2).map(|(i, (f, l))| view! {
                <TextField id=f field=f label=tr(l) value=values[i] errors=errors kind="number" />
            }).collect_view()}
            <GeneralError errors=errors />
            {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
            <div class="actions"><button type="submit" class="primary" data-testid="limits-save">{move || t("common.save")}</button></div>
        </form>
    }
}
