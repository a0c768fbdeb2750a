//! Output profiles (files of attendance tables written after each attendance task and on
//! demand): list, enable/disable, add, copy, edit, delete, and "Run now" with the files written.

use kinmu_shared::api::{
    DisplaySettings, OutputFormat, OutputProfile, OutputUnit, ProfileRunReport, RankingItem, ReportKind, RunProfiles, TableLayout,
};
use leptos::prelude::*;

use super::display::LayoutEditor;
use super::{AdminNav, column_title, error_banner, kind_label};
use crate::api_client;
use crate::api_client::read;
use crate::components::confirm_delete::ConfirmDeleteDialog;
use crate::components::dialog::Modal;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::period_picker::{Step, period_action, period_html};
use crate::datetime::{add_days, add_months, today};
use crate::html::{Html, RawHtml, checked, esc, value_of};
use crate::i18n::{t, t_dyn, tx};

#[derive(Clone)]
enum Editing {
    Edit(OutputProfile),
    Delete(OutputProfile),
    Run(OutputProfile),
}

fn unit_label(u: OutputUnit) -> &'static str {
    t(match u {
        OutputUnit::PerDay => "prof.unit.per_day",
        OutputUnit::PerMonth => "prof.unit.per_month",
        OutputUnit::PerYear => "prof.unit.per_year",
    })
}

#[component]
pub fn ProfilesPage() -> impl IntoView {
    let list = RwSignal::new(None::<Vec<OutputProfile>>);
    let error = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<Editing>);
    let display = RwSignal::new(None::<DisplaySettings>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::get::<Vec<OutputProfile>>("/attendance/profiles").await {
                Ok(l) => {
                    list.set(Some(l));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    load();
    leptos::task::spawn_local(async move {
        if let Ok(d) = api_client::get::<kinmu_shared::api::DisplaySettings>("/attendance/display").await {
            display.set(Some(d));
        }
    });
    let toggle = move |p: OutputProfile, on: bool| {
        leptos::task::spawn_local(async move {
            let body = OutputProfile { enabled: on, ..p.clone() };
            match api_client::send::<_, OutputProfile>("PUT", &format!("/attendance/profiles/{}", p.id), &body).await {
                Ok(_) => load(),
                Err(e) => {
                    error.set(Some(e.message));
                    load();
                }
            }
        });
    };
    let copy = move |id: i64| {
        leptos::task::spawn_local(async move {
            match api_client::send::<_, OutputProfile>("POST", &format!("/attendance/profiles/{id}/copy"), &serde_json::json!({})).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let new_profile = move || {
        let layout = display
            .with_untracked(|d| d.as_ref().map(|d| d.monthly.clone()))
            .unwrap_or_else(|| TableLayout::default_for(ReportKind::Monthly));
        OutputProfile { layout, ..OutputProfile::default() }
    };
    let table_html = Signal::derive(move || {
        let mut h = Html::new();
        h.raw(r#"<table data-testid="profile-table"><thead><tr>"#);
        for k in ["prof.enabled", "field.name", "prof.kind", "prof.format", "prof.unit", "prof.folder"] {
            h.el("th", "", t_dyn(k));
        }
        h.fmt(format_args!(r#"<th><span class="visually-hidden">{}</span></th></tr></thead><tbody>"#, esc(t("common.actions"))));
        match list.get() {
            Some(l) if l.is_empty() => {
                h.fmt(format_args!(r#"<tr><td colspan="7" class="empty">{}</td></tr>"#, esc(t("prof.empty"))));
            }
            Some(l) => {
                for p in l {
                    let id = p.id;
                    h.fmt(format_args!(
                        r#"<tr data-testid="profile-row-{0}"><td><input type="checkbox" id="profile-enabled-{id}" data-testid="profile-enabled" data-action="toggle" data-id="{id}"{1}><label for="profile-enabled-{id}" class="visually-hidden">{2} {0}</label></td>"#,
                        esc(&p.name),
                        if p.enabled { " checked" } else { "" },
                        esc(t("prof.enabled"))
                    ));
                    h.el("td", "", &p.name).el("td", "", kind_label(p.kind));
                    h.el(
                        "td",
                        "",
                        &format!("{}{}", if p.format == OutputFormat::Xlsx { "Excel" } else { "CSV" }, if p.zip { " (zip)" } else { "" }),
                    );
                    h.el("td", "", unit_label(p.unit)).el("td", r#"class="accounts""#, &p.folder);
                    h.raw(r#"<td class="row-actions">"#);
                    for (action, key, class) in [
                        ("run", "prof.run", "small"),
                        ("edit", "common.edit", "small"),
                        ("copy", "prof.copy", "small"),
                        ("delete", "common.delete", "small danger"),
                    ] {
                        h.fmt(format_args!(
                            r#"<button type="button" class="{class}" data-testid="profile-{action}" data-action="{action}" data-id="{id}">{}</button>"#,
                            esc(t_dyn(key))
                        ));
                    }
                    h.raw("</td></tr>");
                }
            }
            None => {}
        }
        h.raw("</tbody></table>");
        h.0
    });
    view! {
        <section class="card wide">
            <AdminNav />
            <div class="page-head">
                <h1>{tx("prof.title")}</h1>
                <button type="button" class="primary" data-testid="profile-new" on:click=move |_| editing.set(Some(Editing::Edit(new_profile())))>{tx("prof.new")}</button>
            </div>
            <p class="lead">{tx("prof.lead")}</p>
            {error_banner(error)}
            <RawHtml class="table-wrap" html=table_html on_action=Callback::new(move |(a, el, _): (String, web_sys::Element, bool)| {
                let id: i64 = el.get_attribute("data-id").and_then(|i| i.parse().ok()).unwrap_or(0);
                let Some(p) = list.with_untracked(|l| l.as_ref().and_then(|l| l.iter().find(|p| p.id == id).cloned())) else { return };
                match a.as_str() {
                    "toggle" => toggle(p, crate::html::checked(&format!("profile-enabled-{id}"))),
                    "run" => editing.set(Some(Editing::Run(p))),
                    "edit" => editing.set(Some(Editing::Edit(p))),
                    "copy" => copy(id),
                    "delete" => editing.set(Some(Editing::Delete(p))),
                    _ => {}
                }
            }) />
            {move || editing.get().map(|e| {
                let done = Callback::new(move |changed: bool| { editing.set(None); if changed { load(); } });
                match e {
                    Editing::Edit(p) => view! { <ProfileDialog profile=p display=display on_done=done /> }.into_any(),
                    Editing::Delete(p) => view! {
                        <ConfirmDeleteDialog path=format!("/attendance/profiles/{}", p.id) name=p.name title_key="prof.delete_title"
                            confirm_key="prof.delete_confirm" dialog_testid="profile-delete-dialog" confirm_testid="profile-delete-confirm" on_done=done />
                    }.into_any(),
                    Editing::Run(p) => view! { <RunDialog profile=p on_done=Callback::new(move |_| editing.set(None)) /> }.into_any(),
                }
            })}
        </section>
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// Reads the dialog's inputs into `p` (the layout is kept in its own editor).
fn read_profile(p: &mut OutputProfile) {
    p.name = value_of("prof-name").trim().to_string();
    p.kind = ReportKind::from_key(&value_of("prof-kind")).unwrap_or(p.kind);
    p.format = read::parse_format(&value_of("prof-format"));
    p.encoding = value_of("prof-encoding");
    p.unit = read::parse_unit(&value_of("prof-unit"));
    p.split = read::parse_split(&value_of("prof-split"));
    if let Some(r) = RankingItem::ALL.into_iter().find(|r| r.key() == value_of("prof-ranking")) {
        p.ranking = r;
    }
    p.folder = value_of("prof-folder").trim().to_string();
    p.file_name = value_of("prof-file-name").trim().to_string();
    p.enabled = checked("prof-enabled");
    p.header = checked("prof-header");
    p.zip = checked("prof-zip");
    p.monthly_subfolders = checked("prof-subfolders");
    p.empty_file = checked("prof-empty");
    p.filter_users = lines(&value_of("prof-users"));
    p.filter_organizations = lines(&value_of("prof-orgs"));
    p.filter_terminals = lines(&value_of("prof-terminals"));
}

/// Every field of the profile but its layout, as HTML; `keep_days` as typed.
fn profile_text(p: &OutputProfile, keep_days: &str, errors: FormErrors) -> String {
    let mut h = Html::new();
    let kinds: Vec<(&str, &str)> = ReportKind::ALL.iter().map(|k| (k.key(), kind_label(*k))).collect();
    let units = [
        ("per_day", unit_label(OutputUnit::PerDay)),
        ("per_month", unit_label(OutputUnit::PerMonth)),
        ("per_year", unit_label(OutputUnit::PerYear)),
    ];
    let splits = [
        ("none", t("prof.split.none")),
        ("organization", t("prof.split.organization")),
        ("user", t("prof.split.user")),
        ("terminal", t("prof.split.terminal")),
    ];
    let rankings: Vec<(&str, &str)> = RankingItem::ALL.iter().map(|r| (r.key(), column_title(r.column()))).collect();
    h.raw(r#"<div class="grid2">"#);
    h.input("prof-name", "name", t("field.name"), "text", &p.name, "", errors);
    h.select("prof-kind", "kind", t("prof.kind"), &kinds, p.kind.key(), "kind", errors);
    h.select("prof-format", "format", t("prof.format"), &[("csv", "CSV"), ("xlsx", "Excel")], read::format_key(p.format), "", errors);
    h.select(
        "prof-encoding",
        "encoding",
        t("prof.encoding"),
        &[("utf-8-bom", "UTF-8 (BOM)"), ("utf-8", "UTF-8"), ("shift_jis", "Shift_JIS")],
        &p.encoding,
        "",
        errors,
    );
    h.select("prof-unit", "unit", t("prof.unit"), &units, read::unit_key(p.unit), "", errors);
    h.select("prof-split", "split", t("prof.split"), &splits, read::split_key(p.split), "", errors);
    if p.kind == ReportKind::Ranking {
        h.select("prof-ranking", "ranking", t("att.ranking_by"), &rankings, p.ranking.key(), "", errors);
    }
    h.input("prof-keep", "keep_days", t("prof.keep_days"), "number", keep_days, t("task.keep_hint"), errors);
    h.raw("</div>");
    h.input("prof-folder", "folder", t("prof.folder"), "text", &p.folder, t("prof.folder_hint"), errors);
    h.input("prof-file-name", "file_name", t("prof.file_name"), "text", &p.file_name, t("prof.file_name_hint"), errors);
    h.raw(r#"<div class="grid2">"#);
    h.checkbox("prof-enabled", t("prof.enabled"), p.enabled);
    h.checkbox("prof-header", t("prof.header"), p.header);
    h.checkbox("prof-zip", t("prof.zip"), p.zip);
    h.checkbox("prof-subfolders", t("prof.subfolders"), p.monthly_subfolders);
    h.checkbox("prof-empty", t("prof.empty_file"), p.empty_file);
    h.raw("</div>");
    h.fmt(format_args!("<details><summary>{}</summary>", esc(t("prof.filters"))));
    h.textarea("prof-users", "filter_users", t("prof.filter_users"), &p.filter_users.join("\n"), t("prof.one_per_line"), errors);
    h.textarea("prof-orgs", "filter_organizations", t("prof.filter_orgs"), &p.filter_organizations.join("\n"), t("prof.orgs_hint"), errors);
    h.textarea(
        "prof-terminals",
        "filter_terminals",
        t("prof.filter_terminals"),
        &p.filter_terminals.join("\n"),
        t("prof.one_per_line"),
        errors,
    );
    h.raw("</details>");
    h.0
}

#[component]
fn ProfileDialog(profile: OutputProfile, display: RwSignal<Option<DisplaySettings>>, on_done: Callback<bool>) -> impl IntoView {
    let is_new = profile.id == 0;
    let id = profile.id;
    let keep = RwSignal::new(profile.keep_days.to_string());
    let layout = RwSignal::new(profile.layout.clone());
    let state = RwSignal::new(profile);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let sync = move || {
        state.update_untracked(read_profile);
        keep.update_untracked(|k| *k = value_of("prof-keep"));
    };
    let report_kind = Signal::derive(move || state.with(|p| p.kind));
    let html = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        state.with(|p| profile_text(p, &keep.get(), errors))
    });
    // Another table: its columns from the display settings.
    let act = move |(a, _, _): (String, web_sys::Element, bool)| {
        if a == "kind" {
            sync();
            let k = state.with_untracked(|p| p.kind);
            layout.set(display.with_untracked(|d| d.as_ref().map(|d| d.layout(k).clone())).unwrap_or_else(|| TableLayout::default_for(k)));
            state.update(|_| {});
            crate::html::focus_id("prof-kind".into());
        }
    };
    crate::html::focus_id("prof-name".into());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        sync();
        errors.clear();
        let mut body = state.get_untracked();
        if body.name.is_empty() {
            errors.set_field("name", t("prof.name_required"));
        }
        if body.folder.is_empty() {
            errors.set_field("folder", t("prof.folder_required"));
        }
        match keep.get_untracked().trim().parse::<u32>() {
            Ok(k) => body.keep_days = k,
            Err(_) => errors.set_field("keep_days", t("form.whole_number")),
        }
        if errors.has_any() {
            state.update(|_| {});
            crate::html::focus_first_invalid();
            return;
        }
        body.id = id;
        body.layout = layout.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = if is_new {
                api_client::send::<_, OutputProfile>("POST", "/attendance/profiles", &body).await
            } else {
                api_client::send::<_, OutputProfile>("PUT", &format!("/attendance/profiles/{id}"), &body).await
            };
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => {
                    errors.set_api(&e);
                    state.update(|_| {});
                    crate::html::focus_first_invalid();
                }
            }
        });
    };
    let title = Signal::derive(move || t(if is_new { "prof.new" } else { "prof.edit" }).to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="profile-dialog">
            <form on:submit=submit novalidate class="wide-form">
                <RawHtml html=html on_action=Callback::new(act) />
                <details>
                    <summary>{tx("prof.layout")}</summary>
                    <LayoutEditor kind=report_kind layout=layout id="prof-layout" errors=errors prefix="layout.".to_string() />
                </details>
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <button type="submit" class="primary" data-testid="profile-save" disabled=move || busy.get()>
                        {move || if busy.get() { t("common.working") } else { t("common.save") }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

#[component]
fn RunDialog(profile: OutputProfile, on_done: Callback<()>) -> impl IntoView {
    let per_day = profile.unit == OutputUnit::PerDay;
    let month = RwSignal::new(add_months(&today()[..7], -1));
    let date = RwSignal::new(add_days(&today(), -1));
    let report = RwSignal::new(None::<ProfileRunReport>);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let id = profile.id;
    let form_html = Signal::derive(move || {
        let mut h = Html::new();
        h.raw(r#"<form data-submit="run" novalidate>"#);
        if per_day {
            period_html(&mut h, "run-day", t("att.day"), Step::Day, &date.get());
        } else {
            period_html(&mut h, "run-month", t("att.month"), Step::Month, &month.get());
        }
        if let Some(m) = errors.general() {
            h.el("p", r#"class="error-banner" role="alert" data-testid="form-error""#, &m);
        }
        h.fmt(format_args!(
            r#"<div class="actions"><button type="button" data-action="close">{}</button><button type="submit" class="primary" data-testid="profile-run-start"{}>{}</button></div></form>"#,
            esc(t("common.close")),
            if busy.get() { " disabled" } else { "" },
            esc(t(if busy.get() { "common.working" } else { "prof.run" }))
        ));
        h.0
    });
    let run = move || {
        errors.clear();
        let body = if per_day {
            RunProfiles { month: None, date: Some(date.get_untracked()) }
        } else {
            RunProfiles { month: Some(month.get_untracked()), date: None }
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::send::<_, ProfileRunReport>("POST", &format!("/attendance/profiles/{id}/run"), &body).await {
                Ok(r) => report.set(Some(r)),
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let title = Signal::derive(move || format!("{} — {}", t("prof.run"), profile.name));
    view! {
        <Modal title=title on_close=on_done testid="profile-run-dialog">
            <RawHtml html=form_html on_action=Callback::new(move |(a, el, _): (String, web_sys::Element, bool)| match a.as_str() {
                "run" => run(),
                "close" => on_done.run(()),
                _ => {
                    if per_day {
                        period_action(&a, &el, Step::Day, date);
                    } else {
                        period_action(&a, &el, Step::Month, month);
                    }
                }
            }) />
            <RawHtml html=Signal::derive(move || report.with(|r| r.as_ref().map(run_report_text).unwrap_or_default())) />
        </Modal>
    }
}

fn run_report_text(r: &ProfileRunReport) -> String {
    let mut h = Html::new();
    let (files, errors) = (&r.files, &r.errors);
    h.fmt(format_args!(
        r#"<div role="status" data-testid="profile-run-report"><p>{}: {} · {}: {}</p>"#,
        esc(t("prof.files_written")),
        files.len(),
        esc(t("prof.files_deleted")),
        r.deleted
    ));
    if !files.is_empty() {
        h.raw("<table><thead><tr>");
        for k in ["prof.path", "prof.rows", "prof.bytes"] {
            h.el("th", "", t_dyn(k));
        }
        h.raw("</tr></thead><tbody>");
        for f in files {
            h.raw("<tr>").el("td", r#"class="accounts" data-testid="profile-file""#, &f.path);
            h.el("td", r#"class="num""#, &f.rows.to_string()).el("td", r#"class="num""#, &f.bytes.to_string()).raw("</tr>");
        }
        h.raw("</tbody></table>");
    }
    if !errors.is_empty() {
        h.raw(r#"<ul class="error-banner">"#);
        for e in errors {
            h.el("li", "", e);
        }
        h.raw("</ul>");
    }
    h.raw("</div>");
    h.0
}
