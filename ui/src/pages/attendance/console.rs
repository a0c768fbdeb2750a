//! The attendance console: monthly, timesheet, daily, ranking and per-terminal tables, sorted
//! by clicking column headers (Shift adds a second key), downloaded as CSV or Excel; the
//! monthly tab adds the overtime chart, the calendars and the 36-agreement warnings.
//!
//! The first 200 rows are asked for at once, the next ones with "Load more".

use kinmu_shared::Permission;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{
    CellValue, ColumnKind, DisplaySettings, RankingItem, Report, ReportDownloadQuery, ReportKind, ReportQuery, SortKey,
};
use leptos::prelude::*;

use super::charts::AgreementPanel;
use super::{cell_kinds, cell_text, column_title, error_banner, kind_label};
use crate::api_client;
use crate::app_state::app;
use crate::components::csv_transfer::{encoding_choice, file_buttons};
use crate::components::filter_select::OrganizationFilter;
use crate::components::period_picker::{PeriodPicker, Step};
use crate::datetime::{add_days, today};
use crate::i18n::{t, tr, tx};
use crate::router::{Link, Route};

const PAGE: usize = 200;

/// The sort a click on `column` makes: a plain click sorts by it alone (again: reverses it);
/// with Shift it becomes (or reverses) the second key.
pub fn sort_after_click(current: &[SortKey], column: &str, second: bool) -> Vec<SortKey> {
    let key = |descending| SortKey { column: column.to_string(), descending };
    let mut s = current.to_vec();
    match s.iter().position(|k| k.column == column) {
        Some(0) if !second || s.len() == 1 => {
            s[0].descending = !s[0].descending;
            if !second {
                s.truncate(1);
            }
        }
        Some(i) if second => s[i].descending = !s[i].descending,
        _ if second && !s.is_empty() => {
            s.truncate(1);
            s.push(key(false));
        }
        _ => s = vec![key(false)],
    }
    s
}

fn sort_param(keys: &[SortKey]) -> String {
    keys.iter().map(|k| format!("{}{}", if k.descending { "-" } else { "" }, k.column)).collect::<Vec<_>>().join(",")
}

#[component]
pub fn ConsolePage() -> impl IntoView {
    let state = app();
    let viewer = state.can(Permission::ViewAttendance);
    let own_login = state.session.with_untracked(|s| s.as_ref().map(|s| s.user.login.clone()).unwrap_or_default());

    let tab = RwSignal::new(ReportKind::Monthly);
    let month = RwSignal::new(today()[..7].to_string());
    let date = RwSignal::new(add_days(&today(), -1));
    let org = RwSignal::new(String::new());
    let user_text = RwSignal::new(if viewer { String::new() } else { own_login.clone() });
    let user = RwSignal::new(user_text.get_untracked());
    let terminal = RwSignal::new(String::new());
    let ranking = RwSignal::new(RankingItem::Overtime);
    let sort = RwSignal::new(Vec::<SortKey>::new());
    let encoding = RwSignal::new("utf-8-bom".to_string());
    let display = RwSignal::new(None::<DisplaySettings>);

    let report = RwSignal::new(None::<Report>);
    let generation = RwSignal::new(0u32);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    leptos::task::spawn_local(async move {
        if let Ok(d) = api_client::call::<routes::GetDisplay>(&(), &(), &Empty).await {
            display.set(Some(d));
        }
    });

    // The query of what is shown (tracked: a change reloads).
    let query = Memo::new(move |_| {
        let kind = tab.get();
        let mut q = ReportQuery::default();
        match kind {
            ReportKind::Daily => q.date = Some(date.get()),
            _ => q.month = Some(month.get()),
        }
        q.organization_id = org.get().parse::<i64>().ok();
        let u = user.get();
        if !u.trim().is_empty() {
            q.user = Some(u.trim().to_string());
        }
        match kind {
            ReportKind::Terminal if !terminal.get().trim().is_empty() => q.terminal = Some(terminal.get().trim().to_string()),
            ReportKind::Ranking => q.ranking = Some(ranking.get()),
            _ => {}
        }
        let s = sort.get();
        if !s.is_empty() && kind != ReportKind::Ranking {
            q.sort = Some(sort_param(&s));
        }
        q
    });
    let needs_user = Memo::new(move |_| tab.get() == ReportKind::Timesheet && user.with(|u| u.trim().is_empty()));
    // What is shown: the table's kind and its query (two tabs can share a query).
    let shown = Memo::new(move |_| (tab.get(), query.get()));

    let load = move |offset: usize| {
        let kind = tab.get_untracked();
        let q = ReportQuery { limit: Some(PAGE as i64), offset: Some(offset as i64), ..query.get_untracked() };
        let gen_now = if offset == 0 {
            generation.update(|g| *g += 1);
            generation.get_untracked()
        } else {
            generation.get_untracked()
        };
        loading.set(true);
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::GetReport>(&kind, &q, &Empty).await;
            // A newer request (another tab, month…) superseded this one.
            if generation.get_untracked() != gen_now {
                return;
            }
            loading.set(false);
            match r {
                Ok(mut r) => {
                    error.set(None);
                    if offset > 0 {
                        let mut rows = report.get_untracked().map(|p| p.rows).unwrap_or_default();
                        rows.append(&mut r.rows);
                        r.rows = rows;
                    }
                    report.set(Some(r));
                }
                Err(e) => {
                    error.set(Some(e.message));
                    if offset == 0 {
                        report.set(None);
                    }
                }
            }
        });
    };
    Effect::new(move |_| {
        let _ = shown.get();
        if needs_user.get() {
            generation.update(|g| *g += 1);
            report.set(None);
            loading.set(false);
            return;
        }
        load(0);
    });

    let set_tab = move |k: ReportKind| {
        if tab.get_untracked() != k {
            sort.set(Vec::new());
            tab.set(k);
        }
    };
    let open_timesheet = move |person: String| {
        if tab.get_untracked() == ReportKind::Daily {
            month.set(date.get_untracked()[..7].to_string());
        }
        user_text.set(person.clone());
        user.set(person);
        set_tab(ReportKind::Timesheet);
        // Take the keyboard user to the new table.
        request_animation_frame(|| {
            if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("att-tab-timesheet")) {
                let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
            }
        });
    };

    let effective_sort = move || {
        let s = sort.get();
        if !s.is_empty() {
            return s;
        }
        display.with(|d| d.as_ref().map(|d| d.layout(tab.get()).sort.clone()).unwrap_or_default())
    };
    let click_header = move |col: String, second: bool| {
        if tab.get_untracked() == ReportKind::Ranking {
            return;
        }
        let cur = effective_sort();
        sort.set(sort_after_click(&cur, &col, second));
    };

    let table = move || {
        let _ = state.lang.get();
        let sort = effective_sort();
        report.with(|r| r.as_ref().map(|r| report_table(r, &sort, click_header, open_timesheet)))
    };
    let pager = move || {
        report.with(|r| {
            r.as_ref().map(|r| {
                let (shown, total) = (r.rows.len(), r.total_rows);
                view! {
                    <div class="pager">
                        <span data-testid="att-count">{format!("{shown} / {total}")}</span>
                        {((shown as i64) < total).then(|| {
                            view! {
                                <button type="button" data-testid="att-more" on:click=move |_| load(shown)>
                                    {t("att.more")}
                                </button>
                            }
                        })}
                    </div>
                    {(total == 0)
                        .then(|| {
                            view! {
                                <div class="empty" data-testid="att-empty">
                                    <p>{t("att.no_rows")}</p>
                                    <p class="hint">{t("att.where_logs")}</p>
                                    {app()
                                        .can(Permission::ManageSettings)
                                        .then(|| {
                                            view! {
                                                <Link route=Route::LogImports testid="att-go-imports">
                                                    {t("att.go_imports")}
                                                </Link>
                                            }
                                        })}
                                </div>
                            }
                        })}
                }
            })
        })
    };
    // The tabs: one focusable, the arrows move between them (the ARIA tabs pattern).
    let tabs = ReportKind::ALL
        .into_iter()
        .map(|k| {
            let key = k.key();
            view! {
                <button
                    type="button"
                    role="tab"
                    id=format!("att-tab-{key}")
                    data-testid=format!("att-tab-{key}")
                    aria-selected=move || (tab.get() == k).to_string()
                    tabindex=move || if tab.get() == k { "0" } else { "-1" }
                    on:click=move |_| set_tab(k)
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        let step: isize = match ev.key().as_str() {
                            "ArrowRight" => 1,
                            "ArrowLeft" => -1,
                            _ => return,
                        };
                        ev.prevent_default();
                        let all = ReportKind::ALL;
                        let i = all.iter().position(|x| *x == tab.get_untracked()).unwrap_or(0) as isize;
                        let j = (i + step).rem_euclid(all.len() as isize) as usize;
                        set_tab(all[j]);
                        crate::focus::focus_id(format!("att-tab-{}", all[j].key()));
                    }
                >
                    {move || kind_label(k)}
                </button>
            }
        })
        .collect_view();
    let ranking_options = move || {
        let current = ranking.get();
        RankingItem::ALL
            .into_iter()
            .map(|r| view! { <option value=r.key() selected={r == current}>{column_title(r.column())}</option> })
            .collect_view()
    };
    let downloads = move || {
        let files = file_buttons::<routes::DownloadReport, _, _>(
            "att-download",
            move |format| {
                let q = ReportDownloadQuery { query: query.get(), format: Some(format.into()), encoding: Some(encoding.get()) };
                (tab.get(), q)
            },
            move |format| {
                let period = report.with(|r| r.as_ref().map(|r| r.period.clone()).unwrap_or_default());
                format!("{}_{period}.{format}", tab.get().key())
            },
            error,
        );
        view! {
            {files}
            {encoding_choice("att-encoding".into(), None, encoding)}
        }
        .into_any()
    };

    view! {
        <section class="card wide attendance">
            <h1>{tx("att.title")}</h1>
            <div role="tablist" class="tabs" aria-label=move || t("att.tables")>{tabs}</div>
            <form class="filters" role="search" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                if viewer {
                    user.set(user_text.get_untracked());
                }
            }>
                {move || {
                    if tab.get() == ReportKind::Daily {
                        view! { <PeriodPicker id="att-day" label=tr("att.day") kind=Step::Day value=date /> }
                    } else {
                        view! { <PeriodPicker id="att-month" label=tr("att.month") kind=Step::Month value=month /> }
                    }
                }}
                {viewer.then(|| view! {
                    <OrganizationFilter id="att-org" value=org />
                    <div class="field">
                        <label for="att-user">{tx("att.user")}</label>
                        <input
                            id="att-user"
                            type="search"
                            autocomplete="off"
                            placeholder=move || t("att.user_hint")
                            prop:value=move || user_text.get()
                            on:input=move |ev| user_text.set(event_target_value(&ev))
                            on:change=move |ev| user.set(event_target_value(&ev))
                        />
                    </div>
                })}
                <Show when=move || tab.get() == ReportKind::Terminal>
                    <div class="field">
                        <label for="att-terminal">{tx("att.terminal")}</label>
                        <input id="att-terminal" type="search" prop:value=move || terminal.get() on:change=move |ev| terminal.set(event_target_value(&ev)) />
                    </div>
                </Show>
                <Show when=move || tab.get() == ReportKind::Ranking>
                    <div class="field">
                        <label for="att-ranking">{tx("att.ranking_by")}</label>
                        <select
                            id="att-ranking"
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                if let Some(r) = RankingItem::ALL.into_iter().find(|r| r.key() == value) {
                                    ranking.set(r);
                                }
                            }
                        >
                            {ranking_options}
                        </select>
                    </div>
                </Show>
                {viewer.then(|| view! { <button type="submit" data-testid="att-show">{tx("att.show")}</button> })}
            </form>
            <div class="downloads">
                {downloads}
                <span class="hint">{tx("att.sort_hint")}</span>
            </div>
            {error_banner(error)}
            <Show when=move || needs_user.get()>
                <p class="hint" role="status">{tx("att.need_user")}</p>
            </Show>
            <div class="table-wrap" aria-busy=move || loading.get().to_string() aria-live="polite">
                {table}
                {pager}
            </div>
            <Show when=move || tab.get() == ReportKind::Monthly>
                <AgreementPanel month=month.into() org=org.into() user=user.into() />
            </Show>
        </section>
    }
}

/// The table: sortable headings (buttons; Shift adds a second key), cells (`h:mm` for minutes),
/// and a button on each person's name that opens their timesheet.
fn report_table(
    r: &Report,
    sort: &[SortKey],
    click_header: impl Fn(String, bool) + Copy + 'static,
    open_timesheet: impl Fn(String) + Copy + 'static,
) -> AnyView {
    let kinds = cell_kinds(&r.columns);
    let user_col = r.columns.iter().position(|c| c == "user");
    let can_open = matches!(r.kind, ReportKind::Monthly | ReportKind::Daily | ReportKind::Ranking);
    let sortable = r.kind != ReportKind::Ranking;
    let headers = r
        .columns
        .iter()
        .map(|c| {
            let pos = sort.iter().position(|k| k.column == *c).map(|i| (i, sort[i].descending));
            let aria = match pos {
                Some((0, false)) => Some("ascending"),
                Some((0, true)) => Some("descending"),
                _ => None,
            };
            let title = column_title(c);
            let content = if sortable {
                let (col_click, col_key) = (c.clone(), c.clone());
                let mark = pos.map(|(i, d)| {
                    view! {
                        <span class="sort-mark">
                            {if d { " ▼" } else { " ▲" }}
                            <sub>{i + 1}</sub>
                            <span class="visually-hidden">{format!(" {} {}", t(if d { "att.sorted_desc" } else { "att.sorted_asc" }), i + 1)}</span>
                        </span>
                    }
                });
                view! {
                    <button
                        type="button"
                        class="sort"
                        on:click=move |ev: leptos::ev::MouseEvent| click_header(col_click.clone(), ev.shift_key())
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" && ev.shift_key() {
                                ev.prevent_default();
                                click_header(col_key.clone(), true);
                            }
                        }
                    >
                        {title}
                        {mark}
                    </button>
                }
                .into_any()
            } else {
                title.into_any()
            };
            view! { <th scope="col" data-column=c.clone() aria-sort=aria>{content}</th> }
        })
        .collect_view();
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    let text = cell_text(kinds.get(j).copied().unwrap_or(ColumnKind::Text), v);
                    if can_open && Some(j) == user_col {
                        let person = row.person.clone();
                        view! {
                            <td>
                                <button
                                    type="button"
                                    class="linklike"
                                    data-testid="att-open-user"
                                    title=t("att.open_timesheet")
                                    on:click=move |_| open_timesheet(person.clone())
                                >
                                    {text}
                                </button>
                            </td>
                        }
                        .into_any()
                    } else if matches!(v, CellValue::Number(_)) {
                        view! { <td class="num">{text}</td> }.into_any()
                    } else {
                        view! { <td>{text}</td> }.into_any()
                    }
                })
                .collect_view();
            view! { <tr data-person=row.person.clone()>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="report" data-testid="att-table" data-kind=r.kind.key() data-period=r.period.clone()>
            <thead>
                <tr>{headers}</tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(s: &[SortKey]) -> String {
        sort_param(s)
    }

    #[test]
    fn clicks_make_at_most_two_sort_keys() {
        let s = sort_after_click(&[], "overtime", false);
        assert_eq!(keys(&s), "overtime");
        let s = sort_after_click(&s, "overtime", false);
        assert_eq!(keys(&s), "-overtime");
        let s = sort_after_click(&s, "user", true);
        assert_eq!(keys(&s), "-overtime,user");
        let s = sort_after_click(&s, "user", true);
        assert_eq!(keys(&s), "-overtime,-user");
        let s = sort_after_click(&s, "group", true);
        assert_eq!(keys(&s), "-overtime,group");
        let s = sort_after_click(&s, "group", false);
        assert_eq!(keys(&s), "group");
        assert_eq!(keys(&sort_after_click(&[], "user", true)), "user");
    }
}
