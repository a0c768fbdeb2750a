//! Output profiles (files of attendance tables written after each attendance task and on
//! demand): list, enable/disable, add, copy, edit, delete, and "Run now" with the files written.

use kinmu_shared::api::{
    DisplaySettings, OutputFormat, OutputProfile, OutputUnit, ProfileRunReport, RankingItem, ReportKind, RunProfiles, SplitBy,
    TableLayout,
};
use leptos::prelude::*;

use super::display::LayoutEditor;
use super::{AdminNav, column_title, error_banner, kind_label};
use crate::api_client;
use crate::components::confirm_delete::ConfirmDeleteDialog;
use crate::components::dialog::Modal;
use crate::components::field::{CheckField, SelectField, TextAreaField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::period_picker::{PeriodPicker, Step};
use crate::datetime::{add_days, add_months, today};
use crate::html::{Html, RawHtml, esc};
use crate::i18n::{t, t_dyn, tr, tx};

#[derive(Clone)]
enum Editing {
    Edit(OutputProfile),
    Delete(OutputProfile),
    Run(OutputProfile),
}

fn json_key<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn from_key<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
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
        if let Ok(d) = api_client::get::<DisplaySettings>("/attendance/display").await {
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
        let layout = display.with_untracked(|d| d.as_ref().map(|d| d.monthly.clone())).unwrap_or_else(|| TableLayout::default_for(ReportKind::Monthly));
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
                    h.el("td", "", &format!("{}{}", if p.format == OutputFormat::Xlsx { "Excel" } else { "CSV" }, if p.zip { " (zip)" } else { "" }));
                    h.el("td", "", unit_label(p.unit)).el("td", r#"class="accounts""#, &p.folder);
                    h.raw(r#"<td class="row-actions">"#);
                    for (action, key, class) in [("run", "prof.run", "small"), ("edit", "common.edit", "small"), ("copy", "prof.copy", "small"), ("delete", "common.delete", "small danger")] {
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

#[component]
fn ProfileDialog(profile: OutputProfile, display: RwSignal<Option<DisplaySettings>>, on_done: Callback<bool>) -> impl IntoView {
    let is_new = profile.id == 0;
    let id = profile.id;
    let p = profile;
    let name = RwSignal::new(p.name.clone());
    let enabled = RwSignal::new(p.enabled);
    let kind = RwSignal::new(p.kind.key().to_string());
    let format = RwSignal::new(json_key(&p.format));
    let zip = RwSignal::new(p.zip);
    let unit = RwSignal::new(json_key(&p.unit));
    let split = RwSignal::new(json_key(&p.split));
    let header = RwSignal::new(p.header);
    let folder = RwSignal::new(p.folder.clone());
    let subfolders = RwSignal::new(p.monthly_subfolders);
    let file_name = RwSignal::new(p.file_name.clone());
    let empty_file = RwSignal::new(p.empty_file);
    let layout = RwSignal::new(p.layout.clone());
    let encoding = RwSignal::new(p.encoding.clone());
    let users = RwSignal::new(p.filter_users.join("\n"));
    let orgs = RwSignal::new(p.filter_organizations.join("\n"));
    let terminals = RwSignal::new(p.filter_terminals.join("\n"));
    let ranking = RwSignal::new(p.ranking.key().to_string());
    let keep_days = RwSignal::new(p.keep_days.to_string());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);

    let report_kind = Signal::derive(move || ReportKind::from_key(&kind.get()).unwrap_or(ReportKind::Monthly));
    // Another table: its columns from the display settings.
    Effect::new(move |prev: Option<ReportKind>| {
        let k = report_kind.get();
        if prev.is_some_and(|p| p != k) {
            layout.set(display.with_untracked(|d| d.as_ref().map(|d| d.layout(k).clone())).unwrap_or_else(|| TableLayout::default_for(k)));
        }
        k
    });

    let opts = |v: Vec<(String, String)>| Signal::derive(move || v.clone());
    let kind_options = Signal::derive(move || ReportKind::ALL.iter().map(|k| (k.key().to_string(), kind_label(*k).to_string())).collect::<Vec<_>>());
    let unit_options = Signal::derive(move || {
        [OutputUnit::PerDay, OutputUnit::PerMonth, OutputUnit::PerYear].iter().map(|u| (json_key(u), unit_label(*u).to_string())).collect::<Vec<_>>()
    });
    let split_options = Signal::derive(move || {
        [("none", "prof.split.none"), ("organization", "prof.split.organization"), ("user", "prof.split.user"), ("terminal", "prof.split.terminal")]
            .iter()
            .map(|(k, l)| (k.to_string(), t(l).to_string()))
            .collect::<Vec<_>>()
    });
    let ranking_options =
        Signal::derive(move || RankingItem::ALL.iter().map(|r| (r.key().to_string(), column_title(r.column()).to_string())).collect::<Vec<_>>());
    let format_options = opts(vec![("csv".into(), "CSV".into()), ("xlsx".into(), "Excel".into())]);
    let encoding_options = opts(vec![("utf-8-bom".into(), "UTF-8 (BOM)".into()), ("utf-8".into(), "UTF-8".into()), ("shift_jis".into(), "Shift_JIS".into())]);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        if name.get_untracked().trim().is_empty() {
            errors.set_field("name", t("prof.name_required"));
        }
        if folder.get_untracked().trim().is_empty() {
            errors.set_field("folder", t("prof.folder_required"));
        }
        let keep = keep_days.get_untracked().trim().parse::<u32>();
        if keep.is_err() {
            errors.set_field("keep_days", t("form.whole_number"));
        }
        if errors.has_any() {
            return;
        }
        let body = OutputProfile {
            id,
            name: name.get_untracked().trim().to_string(),
            enabled: enabled.get_untracked(),
            kind: report_kind.get_untracked(),
            format: from_key(&format.get_untracked()).unwrap_or_default(),
            zip: zip.get_untracked(),
            unit: from_key(&unit.get_untracked()).unwrap_or_default(),
            split: from_key::<SplitBy>(&split.get_untracked()).unwrap_or_default(),
            header: header.get_untracked(),
            folder: folder.get_untracked().trim().to_string(),
            monthly_subfolders: subfolders.get_untracked(),
            file_name: file_name.get_untracked().trim().to_string(),
            empty_file: empty_file.get_untracked(),
            layout: layout.get_untracked(),
            encoding: encoding.get_untracked(),
            filter_users: lines(&users.get_untracked()),
            filter_organizations: lines(&orgs.get_untracked()),
            filter_terminals: lines(&terminals.get_untracked()),
            ranking: RankingItem::ALL.into_iter().find(|r| r.key() == ranking.get_untracked()).unwrap_or_default(),
            keep_days: keep.unwrap_or(0),
        };
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
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || t(if is_new { "prof.new" } else { "prof.edit" }).to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="profile-dialog">
            <form on:submit=submit novalidate class="wide-form">
                <div class="grid2">
                    <TextField id="prof-name" field="name" label=tr("field.name") value=name errors=errors autofocus=true />
                    <SelectField id="prof-kind" field="kind" label=tr("prof.kind") value=kind errors=errors options=kind_options />
                    <SelectField id="prof-format" field="format" label=tr("prof.format") value=format errors=errors options=format_options />
                    <SelectField id="prof-encoding" field="encoding" label=tr("prof.encoding") value=encoding errors=errors options=encoding_options />
                    <SelectField id="prof-unit" field="unit" label=tr("prof.unit") value=unit errors=errors options=unit_options />
                    <SelectField id="prof-split" field="split" label=tr("prof.split") value=split errors=errors options=split_options />
                    <Show when=move || report_kind.get() == ReportKind::Ranking>
                        <SelectField id="prof-ranking" field="ranking" label=tr("att.ranking_by") value=ranking errors=errors options=ranking_options />
                    </Show>
                    <TextField id="prof-keep" field="keep_days" label=tr("prof.keep_days") value=keep_days errors=errors kind="number" hint=tr("task.keep_hint") />
                </div>
                <TextField id="prof-folder" field="folder" label=tr("prof.folder") value=folder errors=errors hint=tr("prof.folder_hint") />
                <TextField id="prof-file-name" field="file_name" label=tr("prof.file_name") value=file_name errors=errors hint=tr("prof.file_name_hint") />
                <div class="grid2">
                    <CheckField id="prof-enabled" label=tr("prof.enabled") value=enabled />
                    <CheckField id="prof-header" label=tr("prof.header") value=header />
                    <CheckField id="prof-zip" label=tr("prof.zip") value=zip />
                    <CheckField id="prof-subfolders" label=tr("prof.subfolders") value=subfolders />
                    <CheckField id="prof-empty" label=tr("prof.empty_file") value=empty_file />
                </div>
                <details>
                    <summary>{tx("prof.layout")}</summary>
                    <LayoutEditor kind=report_kind layout=layout id="prof-layout" errors=errors prefix="layout.".to_string() />
                </details>
                <details>
                    <summary>{tx("prof.filters")}</summary>
                    <TextAreaField id="prof-users" field="filter_users" label=tr("prof.filter_users") value=users errors=errors hint=tr("prof.one_per_line") />
                    <TextAreaField id="prof-orgs" field="filter_organizations" label=tr("prof.filter_orgs") value=orgs errors=errors hint=tr("prof.orgs_hint") />
                    <TextAreaField id="prof-terminals" field="filter_terminals" label=tr("prof.filter_terminals") value=terminals errors=errors hint=tr("prof.one_per_line") />
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
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
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
            <form on:submit=run novalidate>
                {if per_day {
                    view! { <PeriodPicker id="run-day" label=tr("att.day") value=date kind=Step::Day /> }.into_any()
                } else {
                    view! { <PeriodPicker id="run-month" label=tr("att.month") value=month kind=Step::Month /> }.into_any()
                }}
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(())>{tx("common.close")}</button>
                    <button type="submit" class="primary" data-testid="profile-run-start" disabled=move || busy.get()>
                        {move || if busy.get() { t("common.working") } else { t("prof.run") }}
                    </button>
                </div>
            </form>
            <RawHtml html=Signal::derive(move || report.with(|r| r.as_ref().map(run_report_text).unwrap_or_default())) />
        </Modal>
    }
}

fn run_report_text(r: &ProfileRunReport) -> String {
    let mut h = Html::new();
    h.fmt(format_args!(
        r#"<div role="status" data-testid="profile-run-report"><p>{}: {} · {}: {}</p>"#,
        esc(t("prof.files_written")),
        r.files.len(),
        esc(t("prof.files_deleted")),
        r.deleted
    ));
    if !r.files.is_empty() {
        h.raw("<table><thead><tr>");
        for k in ["prof.path", "prof.rows", "prof.bytes"] {
            h.el("th", "", t_dyn(k));
        }
        h.raw("</tr></thead><tbody>");
        for f in &r.files {
            h.raw("<tr>").el("td", r#"class="accounts" data-testid="profile-file""#, &f.path);
            h.el("td", r#"class="num""#, &f.rows.to_string()).el("td", r#"class="num""#, &f.bytes.to_string()).raw("</tr>");
        }
        h.raw("</tbody></table>");
    }
    if !r.errors.is_empty() {
        h.raw(r#"<ul class="error-banner">"#);
        for e in &r.errors {
            h.el("li", "", e);
        }
        h.raw("</ul>");
    }
    h.raw("</div>");
    h.0
}
