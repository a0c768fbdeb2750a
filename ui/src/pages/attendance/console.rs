//! The attendance console: monthly, timesheet, daily, ranking and per-terminal tables, sorted
//! by clicking column headers (Shift adds a second key), downloaded as CSV or Excel; the
//! monthly tab adds the overtime chart, the calendars and the 36-agreement warnings.
//!
//! The first 200 rows are asked for at once, the next ones with "Load more".

use kinmu_shared::Permission;
use kinmu_shared::api::{CellValue, ColumnKind, DisplaySettings, Organization, RankingItem, Report, ReportKind, SortKey};
use leptos::prelude::*;

use super::charts::AgreementPanel;
use super::{cell_kinds, cell_text, column_title, error_banner, kind_label};
use crate::api_client::{self, enc};
use crate::app_state::app;
use crate::components::csv_transfer::download_text;
use crate::components::period_picker::{Step, period_action, period_html};
use crate::datetime::{add_days, today};
use crate::html::{Html, RawHtml, esc};
use crate::i18n::{t, tx};

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
    let desktop = api_client::is_desktop();

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
    let orgs = RwSignal::new(Vec::<Organization>::new());
    let display = RwSignal::new(None::<DisplaySettings>);

    let report = RwSignal::new(None::<Report>);
    let generation = RwSignal::new(0u32);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    leptos::task::spawn_local(async move {
        if let Ok(d) = api_client::get::<kinmu_shared::api::DisplaySettings>("/attendance/display").await {
            display.set(Some(d));
        }
        if viewer && let Ok(o) = api_client::organizations().await {
            orgs.set(o);
        }
    });

    // The query of what is shown (tracked: a change reloads).
    let query = Memo::new(move |_| {
        let kind = tab.get();
        let mut q = match kind {
            ReportKind::Daily => format!("date={}", date.get()),
            _ => format!("month={}", month.get()),
        };
        if let Ok(id) = org.get().parse::<i64>() {
            q.push_str(&format!("&organization_id={id}"));
        }
        let u = user.get();
        if !u.trim().is_empty() {
            q.push_str(&format!("&user={}", enc(u.trim())));
        }
        match kind {
            ReportKind::Terminal if !terminal.get().trim().is_empty() => q.push_str(&format!("&terminal={}", enc(terminal.get().trim()))),
            ReportKind::Ranking => q.push_str(&format!("&ranking={}", ranking.get().key())),
            _ => {}
        }
        let s = sort.get();
        if !s.is_empty() && kind != ReportKind::Ranking {
            q.push_str(&format!("&sort={}", enc(&sort_param(&s))));
        }
        q
    });
    let needs_user = Memo::new(move |_| tab.get() == ReportKind::Timesheet && user.with(|u| u.trim().is_empty()));
    // What is shown: the table's kind and its query (two tabs can share a query).
    let shown = Memo::new(move |_| (tab.get(), query.get()));

    let load = move |offset: usize| {
        let kind = tab.get_untracked();
        let route = format!("/attendance/reports/{}?{}&limit={PAGE}&offset={offset}", kind.key(), query.get_untracked());
        let gen_now = if offset == 0 {
            generation.update(|g| *g += 1);
            generation.get_untracked()
        } else {
            generation.get_untracked()
        };
        loading.set(true);
        leptos::task::spawn_local(async move {
            let r = api_client::get::<kinmu_shared::api::Report>(&route).await;
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

    let download_href = move |format: &str| {
        let kind = tab.get();
        api_client::url(&format!("/attendance/reports/{}/download?{}&format={format}&encoding={}", kind.key(), query.get(), encoding.get()))
    };
    let desktop_csv = move || {
        let kind = tab.get_untracked();
        let route = format!("/attendance/reports/{}/download?{}&format=csv&encoding=utf-8-bom", kind.key(), query.get_untracked());
        let name = format!("{}_{}.csv", kind.key(), report.with_untracked(|r| r.as_ref().map(|r| r.period.clone()).unwrap_or_default()));
        leptos::task::spawn_local(async move {
            match api_client::get_text(&route).await {
                Ok(text) => download_text(&name, &text, "text/csv;charset=utf-8"),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    let table_html = Signal::derive(move || {
        let _ = state.lang.get();
        let sort = effective_sort();
        report.with(|r| r.as_ref().map(|r| table_text(r, &sort)).unwrap_or_default())
    });

    // Tabs, filters and downloads, as HTML with one listener.
    let controls_html = Signal::derive(move || {
        let _ = state.lang.get();
        controls_text(&Controls {
            tab: tab.get(),
            month: month.get(),
            date: date.get(),
            org: org.get(),
            orgs: orgs.get(),
            user: user.get(),
            terminal: terminal.get(),
            ranking: ranking.get(),
            encoding: encoding.get(),
            viewer,
            desktop,
            csv: if desktop { String::new() } else { download_href("csv") },
            xlsx: if desktop { String::new() } else { download_href("xlsx") },
            needs_user: needs_user.get(),
        })
    });
    let act = move |(a, el, _): (String, web_sys::Element, bool)| {
        let value = crate::html::value_of(&el.id());
        match a.as_str() {
            "tab" => set_tab(ReportKind::from_key(&el.get_attribute("data-kind").unwrap_or_default()).unwrap_or(ReportKind::Monthly)),
            "ArrowLeft" | "ArrowRight" => {
                let all = ReportKind::ALL;
                let i = all.iter().position(|k| *k == tab.get_untracked()).unwrap_or(0);
                let j = if a == "ArrowRight" { (i + 1) % all.len() } else { (i + all.len() - 1) % all.len() };
                set_tab(all[j]);
                crate::html::focus_id(format!("att-tab-{}", all[j].key()));
            }
            "step" | "period" => {
                let daily = tab.get_untracked() == ReportKind::Daily;
                period_action(&a, &el, if daily { Step::Day } else { Step::Month }, if daily { date } else { month });
            }
            "org" => org.set(value),
            "user" => user.set(value),
            "filters" if viewer => user.set(crate::html::value_of("att-user")),
            "filters" => {}
            "terminal" => terminal.set(value),
            "ranking" => {
                if let Some(r) = RankingItem::ALL.into_iter().find(|r| r.key() == value) {
                    ranking.set(r);
                }
            }
            "encoding" => encoding.set(value),
            "csv" => desktop_csv(),
            _ => {}
        }
    };

    view! {
        <section class="card wide attendance">
            <h1>{tx("att.title")}</h1>
            <RawHtml html=controls_html on_action=Callback::new(act) />
            {error_banner(error)}
            <Show when=move || needs_user.get()>
                <p class="hint" role="status">{tx("att.need_user")}</p>
            </Show>
            <div class="table-wrap" aria-busy=move || loading.get().to_string() aria-live="polite">
                <RawHtml html=table_html on_action=Callback::new(move |(action, el, shift): (String, web_sys::Element, bool)| {
                    match action.as_str() {
                        "sort" => click_header(el.get_attribute("data-col").unwrap_or_default(), shift),
                        "open" => open_timesheet(el.get_attribute("data-person").unwrap_or_default()),
                        "more" => load(report.with_untracked(|r| r.as_ref().map_or(0, |r| r.rows.len()))),
                        _ => {}
                    }
                }) />
            </div>
            <Show when=move || tab.get() == ReportKind::Monthly>
                <AgreementPanel month=month.into() org=org.into() />
            </Show>
        </section>
    }
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

/// The table as HTML: sortable headings (buttons), cells (`h:mm` for minutes), a button on each
/// person's name that opens their timesheet, and the "load more" pager.
fn table_text(r: &Report, sort: &[SortKey]) -> String {
    let mut h = Html::new();
    let kinds = cell_kinds(&r.columns);
    let user_col = r.columns.iter().position(|c| c == "user");
    let can_open = matches!(r.kind, ReportKind::Monthly | ReportKind::Daily | ReportKind::Ranking);
    let sortable = r.kind != ReportKind::Ranking;
    h.fmt(format_args!(
        r#"<table class="report" data-testid="att-table" data-kind="{}" data-period="{}"><thead><tr>"#,
        r.kind.key(),
        esc(&r.period)
    ));
    for c in &r.columns {
        let pos = sort.iter().position(|k| k.column == *c).map(|i| (i, sort[i].descending));
        let aria = match pos {
            Some((0, false)) => r#" aria-sort="ascending""#,
            Some((0, true)) => r#" aria-sort="descending""#,
            _ => "",
        };
        h.fmt(format_args!(r#"<th scope="col" data-column="{}"{aria}>"#, esc(c)));
        if sortable {
            h.fmt(format_args!(r#"<button type="button" class="sort" data-action="sort" data-col="{}">"#, esc(c))).text(column_title(c));
            if let Some((i, d)) = pos {
                h.fmt(format_args!(
                    r#"<span class="sort-mark">{}<sub>{}</sub><span class="visually-hidden"> {} {}</span></span>"#,
                    if d { " ▼" } else { " ▲" },
                    i + 1,
                    t(if d { "att.sorted_desc" } else { "att.sorted_asc" }),
                    i + 1
                ));
            }
            h.raw("</button>");
        } else {
            h.text(column_title(c));
        }
        h.raw("</th>");
    }
    h.raw("</tr></thead><tbody>");
    for row in &r.rows {
        h.fmt(format_args!(r#"<tr data-person="{}">"#, esc(&row.person)));
        for (j, v) in row.cells.iter().enumerate() {
            let text = cell_text(kinds.get(j).copied().unwrap_or(ColumnKind::Text), v);
            if can_open && Some(j) == user_col {
                h.fmt(format_args!(
                    r#"<td><button type="button" class="linklike" data-testid="att-open-user" data-action="open" data-person="{}" title="{}">"#,
                    esc(&row.person),
                    esc(t("att.open_timesheet"))
                ))
                .text(&text)
                .raw("</button></td>");
            } else {
                h.raw(if matches!(v, CellValue::Number(_)) { r#"<td class="num">"# } else { "<td>" }).text(&text).raw("</td>");
            }
        }
        h.raw("</tr>");
    }
    h.raw("</tbody></table>");
    h.fmt(format_args!(r#"<div class="pager"><span data-testid="att-count">{} / {}</span>"#, r.rows.len(), r.total_rows));
    if (r.rows.len() as i64) < r.total_rows {
        h.fmt(format_args!(r#"<button type="button" data-testid="att-more" data-action="more">{}</button>"#, esc(t("att.more"))));
    }
    h.raw("</div>");
    if r.total_rows == 0 {
        h.fmt(format_args!(r#"<p class="empty">{}</p>"#, esc(t("att.no_rows"))));
    }
    h.0
}

/// What the tabs, filters and downloads show.
struct Controls {
    tab: ReportKind,
    month: String,
    date: String,
    org: String,
    orgs: Vec<Organization>,
    user: String,
    terminal: String,
    ranking: RankingItem,
    encoding: String,
    viewer: bool,
    desktop: bool,
    csv: String,
    xlsx: String,
    needs_user: bool,
}

fn controls_text(c: &Controls) -> String {
    let mut h = Html::new();
    h.fmt(format_args!(r#"<div role="tablist" class="tabs" aria-label="{}">"#, esc(t("att.tables"))));
    for k in ReportKind::ALL {
        let on = k == c.tab;
        h.fmt(format_args!(
            r#"<button type="button" role="tab" id="att-tab-{0}" data-testid="att-tab-{0}" aria-selected="{on}" tabindex="{1}" data-action="tab" data-kind="{0}" data-arrows>{2}</button>"#,
            k.key(),
            if on { 0 } else { -1 },
            esc(kind_label(k))
        ));
    }
    h.raw(r#"</div><form class="filters" role="search" data-submit="filters" novalidate>"#);
    if c.tab == ReportKind::Daily {
        period_html(&mut h, "att-day", t("att.day"), Step::Day, &c.date);
    } else {
        period_html(&mut h, "att-month", t("att.month"), Step::Month, &c.month);
    }
    if c.viewer {
        h.fmt(format_args!(
            r#"<div class="field"><label for="att-org">{}</label><select id="att-org" data-action="org"><option value="">{}</option>"#,
            esc(t("field.organization")),
            esc(t("users.all_orgs"))
        ));
        for o in &c.orgs {
            let id = o.id.to_string();
            h.fmt(format_args!(r#"<option value="{id}"{}>{}</option>"#, if id == c.org { " selected" } else { "" }, esc(&o.path)));
        }
        h.fmt(format_args!(
            r#"</select></div><div class="field"><label for="att-user">{}</label><input id="att-user" type="search" autocomplete="off" placeholder="{}" value="{}" data-action="user"></div>"#,
            esc(t("att.user")),
            esc(t("att.user_hint")),
            esc(&c.user)
        ));
    }
    if c.tab == ReportKind::Terminal {
        h.fmt(format_args!(
            r#"<div class="field"><label for="att-terminal">{}</label><input id="att-terminal" type="search" value="{}" data-action="terminal"></div>"#,
            esc(t("att.terminal")),
            esc(&c.terminal)
        ));
    }
    if c.tab == ReportKind::Ranking {
        h.fmt(format_args!(
            r#"<div class="field"><label for="att-ranking">{}</label><select id="att-ranking" data-action="ranking">"#,
            esc(t("att.ranking_by"))
        ));
        for r in RankingItem::ALL {
            h.fmt(format_args!(
                r#"<option value="{}"{}>{}</option>"#,
                r.key(),
                if r == c.ranking { " selected" } else { "" },
                esc(column_title(r.column()))
            ));
        }
        h.raw("</select></div>");
    }
    if c.viewer {
        h.fmt(format_args!(r#"<button type="submit" data-testid="att-show">{}</button>"#, esc(t("att.show"))));
    }
    h.raw(r#"</form><div class="downloads">"#);
    if c.desktop {
        h.raw(r#"<button type="button" data-testid="att-download-csv" data-action="csv">CSV</button>"#);
    } else {
        h.fmt(format_args!(
            r#"<a class="button" data-testid="att-download-csv" download href="{}">CSV</a><a class="button" data-testid="att-download-xlsx" download href="{}">Excel</a><label class="inline" for="att-encoding">{}</label><select id="att-encoding" data-action="encoding">"#,
            esc(&c.csv),
            esc(&c.xlsx),
            esc(t("att.encoding"))
        ));
        for (v, l) in [("utf-8-bom", "UTF-8 (BOM)"), ("utf-8", "UTF-8"), ("shift_jis", "Shift_JIS")] {
            h.fmt(format_args!(r#"<option value="{v}"{}>{l}</option>"#, if v == c.encoding { " selected" } else { "" }));
        }
        h.raw("</select>");
    }
    h.fmt(format_args!(r#"<span class="hint">{}</span></div>"#, esc(t("att.sort_hint"))));
    if c.needs_user {
        h.fmt(format_args!(r#"<p class="hint" role="status">{}</p>"#, esc(t("att.need_user"))));
    }
    h.0
}
