//! Output profiles (files of attendance tables, or of the effort report, written after each
//! attendance task and on demand): list, enable/disable, add, copy, edit (an effort report
//! profile with its groupings, filters and rounding), delete, and "Run now" with the files written.

use crate::components::save_button::SaveButton;
use kinmu_shared::api::{
    DisplaySettings, EffortReportQuery, OutputFormat, OutputProfile, OutputUnit, ProfileRunReport, RankingItem, ReportKind, RunProfiles,
    SplitBy, TableLayout,
};
use leptos::prelude::*;

use super::display::LayoutEditor;
use super::{AdminNav, column_title, error_banner, kind_label, kind_options};
use crate::api_client;
use crate::components::confirm_delete::{ConfirmDeleteDialog, Deletion};
use crate::components::dialog::Modal;
use crate::components::effort_choices::{EffortChoices, grouping_choices, round_per_choices, rounding_choices, work_item_choices};
use crate::components::field::{CheckField, SelectField, TextAreaField, TextField};
use crate::components::filter_select::organization_choices;
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::components::people::people_choices;
use crate::components::period_picker::{PeriodPicker, Step};
use crate::datetime::{add_days, add_months, today};
use crate::i18n::{t, t_dyn, tr, tx};
use kinmu_shared::api::routes::{self, Empty};

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
            match api_client::call::<routes::ListProfiles>(&(), &(), &Empty).await {
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
        if let Ok(d) = api_client::call::<routes::GetDisplay>(&(), &(), &Empty).await {
            display.set(Some(d));
        }
    });
    let toggle = move |p: OutputProfile, on: bool| {
        leptos::task::spawn_local(async move {
            let body = OutputProfile { enabled: on, ..p.clone() };
            match api_client::call::<routes::EditProfile>(&p.id, &(), &body).await {
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
            match api_client::call::<routes::CopyProfile>(&id, &(), &Empty).await {
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
    let find = move |id: i64| list.with_untracked(|l| l.as_ref().and_then(|l| l.iter().find(|p| p.id == id).cloned()));
    let row = move |p: OutputProfile| {
        let id = p.id;
        let check_id = format!("profile-enabled-{id}");
        let format = format!("{}{}", if p.format == OutputFormat::Xlsx { "Excel" } else { "CSV" }, if p.zip { " (zip)" } else { "" });
        let buttons = [
            ("run", "prof.run", "small"),
            ("edit", "common.edit", "small"),
            ("copy", "prof.copy", "small"),
            ("delete", "common.delete", "small danger"),
        ]
        .into_iter()
        .map(|(action, key, class)| {
            let act = move |_| {
                let Some(p) = find(id) else { return };
                match action {
                    "run" => editing.set(Some(Editing::Run(p))),
                    "edit" => editing.set(Some(Editing::Edit(p))),
                    "copy" => copy(id),
                    _ => editing.set(Some(Editing::Delete(p))),
                }
            };
            view! { <button type="button" class=class data-testid=format!("profile-{action}") on:click=act>{t_dyn(key)}</button> }
        })
        .collect_view();
        view! {
            <tr data-testid=format!("profile-row-{}", p.name)>
                <td>
                    <input
                        type="checkbox"
                        id=check_id.clone()
                        data-testid="profile-enabled"
                        prop:checked=p.enabled
                        on:change=move |ev| {
                            if let Some(p) = find(id) {
                                toggle(p, event_target_checked(&ev));
                            }
                        }
                    />
                    <label for=check_id class="visually-hidden">{format!("{} {}", t("prof.enabled"), p.name)}</label>
                </td>
                <td>{p.name.clone()}</td>
                <td data-testid="profile-kind">{if p.effort.is_some() { t("prof.kind.effort") } else { kind_label(p.kind) }}</td>
                <td>{format}</td>
                <td>{unit_label(p.unit)}</td>
                <td class="accounts">{p.folder.clone()}</td>
                <td class="row-actions">{buttons}</td>
            </tr>
        }
    };
    let rows = move || {
        let _ = crate::app_state::app().lang.get();
        match list.get() {
            Some(l) if l.is_empty() => view! { <tr><td colspan="7" class="empty">{t("prof.empty")}</td></tr> }.into_any(),
            Some(l) => l.into_iter().map(row).collect_view().into_any(),
            None => ().into_any(),
        }
    };
    let headers = ["prof.enabled", "field.name", "prof.kind", "prof.format", "prof.unit", "prof.folder"];
    view! {
        <section class="card wide">
            <AdminNav />
            <div class="page-head">
                <h1>{tx("prof.title")}</h1>
                <button type="button" class="primary" data-testid="profile-new" on:click=move |_| editing.set(Some(Editing::Edit(new_profile())))>{tx("prof.new")}</button>
            </div>
            <p class="lead">{tx("prof.lead")}</p>
            {error_banner(error)}
            <div class="table-wrap">
                <table data-testid="profile-table">
                    <thead>
                        <tr>
                            {headers.into_iter().map(|k| view! { <th>{move || t_dyn(k)}</th> }).collect_view()}
                            <th><span class="visually-hidden">{tx("common.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {move || editing.get().map(|e| {
                let done = Callback::new(move |changed: bool| { editing.set(None); if changed { load(); } });
                match e {
                    Editing::Edit(p) => view! { <ProfileDialog profile=p display=display on_done=done /> }.into_any(),
                    Editing::Delete(p) => view! {
                        <ConfirmDeleteDialog delete={Deletion::of::<routes::DeleteProfile>(p.id)} name=p.name title_key="prof.delete_title"
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

/// (value, label) options from static pairs.
fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(v, l)| (v.to_string(), l.to_string())).collect()
}

#[component]
fn ProfileDialog(profile: OutputProfile, display: RwSignal<Option<DisplaySettings>>, on_done: Callback<bool>) -> impl IntoView {
    let is_new = profile.id == 0;
    let id = profile.id;
    let p = profile;
    let name = RwSignal::new(p.name.clone());
    let kind = RwSignal::new(if p.effort.is_some() { EFFORT.to_string() } else { p.kind.key().to_string() });
    let format = RwSignal::new(p.format.key().to_string());
    let encoding = RwSignal::new(p.encoding.clone());
    let unit = RwSignal::new(p.unit.key().to_string());
    let split = RwSignal::new(p.split.key().to_string());
    let ranking = RwSignal::new(p.ranking.key().to_string());
    let keep = RwSignal::new(p.keep_days.to_string());
    let folder = RwSignal::new(p.folder.clone());
    let file_name = RwSignal::new(p.file_name.clone());
    let enabled = RwSignal::new(p.enabled);
    let header = RwSignal::new(p.header);
    let zip = RwSignal::new(p.zip);
    let subfolders = RwSignal::new(p.monthly_subfolders);
    let empty_file = RwSignal::new(p.empty_file);
    let users = RwSignal::new(p.filter_users.join("\n"));
    let orgs = RwSignal::new(p.filter_organizations.join("\n"));
    let terminals = RwSignal::new(p.filter_terminals.join("\n"));
    let layout = RwSignal::new(p.layout.clone());
    let effort = EffortFields::of(p.effort.as_ref());
    let is_effort = Signal::derive(move || kind.get() == EFFORT);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    // An effort report profile keeps the table kind it was stored with (its layout is checked against it).
    let stored_kind = p.kind;
    let report_kind = Signal::derive(move || ReportKind::from_key(&kind.get()).unwrap_or(stored_kind));
    // Another table: its columns from the display settings (not at the start: the profile's own).
    let first_kind = StoredValue::new(report_kind.get_untracked());
    Effect::new(move |_| {
        let k = report_kind.get();
        if k != first_kind.get_value() {
            first_kind.set_value(k);
            layout.set(display.with_untracked(|d| d.as_ref().map(|d| d.layout(k).clone())).unwrap_or_else(|| TableLayout::default_for(k)));
        }
    });
    crate::focus::focus_id("prof-name".into());

    let kinds = Signal::derive(move || {
        let mut v = kind_options().get();
        v.push((EFFORT.to_string(), t("prof.kind.effort").to_string()));
        v
    });
    let formats = Signal::derive(|| options(&[("csv", "CSV"), ("xlsx", "Excel")]));
    let encodings = Signal::derive(|| options(&[("utf-8-bom", "UTF-8 (BOM)"), ("utf-8", "UTF-8"), ("shift_jis", "Shift_JIS")]));
    let units = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        OutputUnit::ALL.iter().map(|u| (u.key().to_string(), unit_label(*u).to_string())).collect::<Vec<_>>()
    });
    let splits = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        options(&[
            ("none", t("prof.split.none")),
            ("organization", t("prof.split.organization")),
            ("user", t("prof.split.user")),
            ("terminal", t("prof.split.terminal")),
        ])
    });
    let rankings = Signal::derive(move || {
        let _ = crate::app_state::app().lang.get();
        RankingItem::ALL.iter().map(|r| (r.key().to_string(), column_title(r.column()).to_string())).collect::<Vec<_>>()
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let mut body = OutputProfile {
            id,
            name: name.get_untracked().trim().to_string(),
            enabled: enabled.get_untracked(),
            kind: report_kind.get_untracked(),
            format: OutputFormat::from_key(&format.get_untracked()).unwrap_or_default(),
            zip: zip.get_untracked(),
            unit: OutputUnit::from_key(&unit.get_untracked()).unwrap_or_default(),
            split: SplitBy::from_key(&split.get_untracked()).unwrap_or_default(),
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
            ..p.clone()
        };
        if let Some(r) = RankingItem::ALL.into_iter().find(|r| r.key() == ranking.get_untracked()) {
            body.ranking = r;
        }
        // An effort report: one file per period (no split), its own groupings and filters.
        if is_effort.get_untracked() {
            body.split = SplitBy::None;
            body.effort = Some(effort.query());
        } else {
            body.effort = None;
        }
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
            crate::focus::focus_first_invalid();
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = if is_new {
                api_client::call::<routes::AddProfile>(&(), &(), &body).await
            } else {
                api_client::call::<routes::EditProfile>(&id, &(), &body).await
            };
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => {
                    errors.set_api(&e);
                    crate::focus::focus_first_invalid();
                }
            }
        });
    };
    let title = Signal::derive(move || t(if is_new { "prof.new" } else { "prof.edit" }).to_string());
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="profile-dialog">
            <form on:submit=submit novalidate class="wide-form">
                <div class="grid2">
                    <TextField id="prof-name" field="name" label=tr("field.name") value=name errors=errors />
                    <SelectField id="prof-kind" field="kind" label=tr("prof.kind") value=kind errors=errors options=kinds />
                    <SelectField id="prof-format" field="format" label=tr("prof.format") value=format errors=errors options=formats />
                    <SelectField id="prof-encoding" field="encoding" label=tr("prof.encoding") value=encoding errors=errors options=encodings />
                    <SelectField id="prof-unit" field="unit" label=tr("prof.unit") value=unit errors=errors options=units />
                    <Show when=move || !is_effort.get()>
                        <SelectField id="prof-split" field="split" label=tr("prof.split") value=split errors=errors options=splits />
                    </Show>
                    <Show when=move || report_kind.get() == ReportKind::Ranking && !is_effort.get()>
                        <SelectField id="prof-ranking" field="ranking" label=tr("att.ranking_by") value=ranking errors=errors options=rankings />
                    </Show>
                    <TextField id="prof-keep" field="keep_days" label=tr("prof.keep_days") value=keep errors=errors kind="number" hint=tr("task.keep_hint") />
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
                <Show when=move || is_effort.get()>
                    <EffortProfileFields fields=effort errors=errors />
                </Show>
                <Show when=move || !is_effort.get()>
                <details>
                    <summary>{tx("prof.filters")}</summary>
                    <TextAreaField id="prof-users" field="filter_users" label=tr("prof.filter_users") value=users errors=errors hint=tr("prof.one_per_line") />
                    <TextAreaField id="prof-orgs" field="filter_organizations" label=tr("prof.filter_orgs") value=orgs errors=errors hint=tr("prof.orgs_hint") />
                    <TextAreaField id="prof-terminals" field="filter_terminals" label=tr("prof.filter_terminals") value=terminals errors=errors hint=tr("prof.one_per_line") />
                </details>
                <details>
                    <summary>{tx("prof.layout")}</summary>
                    <LayoutEditor kind=report_kind layout=layout id="prof-layout" errors=errors prefix="layout.".to_string() />
                </details>
                </Show>
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <SaveButton busy=busy testid="profile-save" />
                </div>
            </form>
        </Modal>
    }
}

/// The kind select's value for an effort report profile.
const EFFORT: &str = "effort";

/// An effort report profile's settings as the form edits them (ids as text, "" for none).
#[derive(Clone, Copy)]
struct EffortFields {
    first: RwSignal<String>,
    second: RwSignal<String>,
    project: RwSignal<String>,
    work_item: RwSignal<String>,
    activity1: RwSignal<String>,
    activity2: RwSignal<String>,
    person: RwSignal<String>,
    organization: RwSignal<String>,
    rounding: RwSignal<String>,
    round_to: RwSignal<String>,
    round_per: RwSignal<String>,
}

impl EffortFields {
    /// A profile's settings, or a new one's (by project, then person; no rounding).
    fn of(q: Option<&EffortReportQuery>) -> EffortFields {
        let groups: Vec<String> = match q {
            Some(q) => q.group_by.as_deref().unwrap_or("").split(',').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect(),
            None => vec!["project".into(), "person".into()],
        };
        let id = |v: Option<i64>| RwSignal::new(v.map(|i| i.to_string()).unwrap_or_default());
        let q = q.cloned().unwrap_or_default();
        EffortFields {
            first: RwSignal::new(groups.first().cloned().unwrap_or_default()),
            second: RwSignal::new(groups.get(1).cloned().unwrap_or_default()),
            project: id(q.project_id),
            work_item: id(q.work_item_id),
            activity1: id(q.activity1_id),
            activity2: id(q.activity2_id),
            person: id(q.user_id),
            organization: id(q.organization_id),
            rounding: RwSignal::new(q.rounding.clone().filter(|r| r != "none").unwrap_or_default()),
            round_to: RwSignal::new(q.round_to.unwrap_or(15).to_string()),
            round_per: RwSignal::new(q.round_per.clone().unwrap_or_else(|| "entry".into())),
        }
    }

    /// The report each file holds (its period left blank: the profile's unit sets it). A step
    /// that is not a number is sent as written, for the server to name.
    fn query(self) -> EffortReportQuery {
        let groups: Vec<String> = [self.first.get_untracked(), self.second.get_untracked()].into_iter().filter(|g| !g.is_empty()).collect();
        let rounding = Some(self.rounding.get_untracked()).filter(|r| !r.is_empty());
        EffortReportQuery {
            group_by: Some(groups.join(",")),
            project_id: self.project.get_untracked().parse().ok(),
            work_item_id: self.work_item.get_untracked().parse().ok(),
            activity1_id: self.activity1.get_untracked().parse().ok(),
            activity2_id: self.activity2.get_untracked().parse().ok(),
            user_id: self.person.get_untracked().parse().ok(),
            organization_id: self.organization.get_untracked().parse().ok(),
            round_to: rounding.as_ref().and_then(|_| self.round_to.get_untracked().trim().parse().ok()),
            round_per: rounding.as_ref().map(|_| self.round_per.get_untracked()),
            rounding,
            ..EffortReportQuery::default()
        }
    }
}

/// The effort report's settings in the profile form: groupings, filters and rounding (the
/// format and encoding are the profile's). The server's messages show next to each field
/// (`effort.group_by`, `effort.round_to`…).
#[component]
fn EffortProfileFields(fields: EffortFields, errors: FormErrors) -> impl IntoView {
    let choices = EffortChoices::load();
    let work_items = work_item_choices(fields.project, fields.work_item);
    let people = people_choices("effort_report.all", None, None);
    let groups = grouping_choices();
    view! {
        <fieldset data-testid="prof-effort">
            <legend>{tx("prof.effort")}</legend>
            <div class="grid2">
                <SelectField id="prof-effort-group1" field="effort.group_by" label=tr("effort_report.group1") value=fields.first errors=errors options=groups />
                <SelectField id="prof-effort-group2" field="effort.group_by.second" label=tr("effort_report.group2") value=fields.second errors=errors options=groups />
                <SelectField id="prof-effort-project" field="effort.project_id" label=tr("effort_report.by.project") value=fields.project errors=errors
                    options=choices.project_choices() />
                <SelectField id="prof-effort-work-item" field="effort.work_item_id" label=tr("effort_report.by.work_item") value=fields.work_item
                    errors=errors options=work_items />
                <SelectField id="prof-effort-activity1" field="effort.activity1_id" label=tr("effort_report.by.activity1") value=fields.activity1
                    errors=errors options=choices.activity_choices(1) />
                <SelectField id="prof-effort-activity2" field="effort.activity2_id" label=tr("effort_report.by.activity2") value=fields.activity2
                    errors=errors options=choices.activity_choices(2) />
                <SelectField id="prof-effort-person" field="effort.user_id" label=tr("effort_report.by.person") value=fields.person errors=errors
                    options=people />
                <SelectField id="prof-effort-org" field="effort.organization_id" label=tr("field.organization") value=fields.organization errors=errors
                    options=organization_choices() />
                <SelectField id="prof-effort-rounding" field="effort.rounding" label=tr("effort_report.rounding") value=fields.rounding errors=errors
                    options=rounding_choices() />
                <TextField id="prof-effort-round-to" field="effort.round_to" label=tr("effort_report.round_to") value=fields.round_to errors=errors
                    kind="number" />
                <SelectField id="prof-effort-round-per" field="effort.round_per" label=tr("effort_report.round_per") value=fields.round_per
                    errors=errors options=round_per_choices() />
            </div>
            <p class="hint">{tx("prof.effort_hint")}</p>
        </fieldset>
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
    let run = move || {
        errors.clear();
        let body = if per_day {
            RunProfiles { month: None, date: Some(date.get_untracked()) }
        } else {
            RunProfiles { month: Some(month.get_untracked()), date: None }
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::RunProfile>(&id, &(), &body).await {
                Ok(r) => report.set(Some(r)),
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    let title = Signal::derive(move || format!("{} — {}", t("prof.run"), profile.name));
    view! {
        <Modal title=title on_close=on_done testid="profile-run-dialog">
            <form novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                run();
            }>
                {if per_day {
                    view! { <PeriodPicker id="run-day" label=tr("att.day") kind=Step::Day value=date /> }
                } else {
                    view! { <PeriodPicker id="run-month" label=tr("att.month") kind=Step::Month value=month /> }
                }}
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(())>{tx("common.close")}</button>
                    <button type="submit" class="primary" data-testid="profile-run-start" disabled=move || busy.get()>
                        {move || t(if busy.get() { "common.working" } else { "prof.run" })}
                    </button>
                </div>
            </form>
            {move || report.get().map(run_report)}
        </Modal>
    }
}

fn run_report(r: ProfileRunReport) -> impl IntoView {
    let files = (!r.files.is_empty()).then(|| {
        let rows = r
            .files
            .iter()
            .map(|f| {
                view! {
                    <tr>
                        <td class="accounts" data-testid="profile-file">{f.path.clone()}</td>
                        <td class="num">{f.rows}</td>
                        <td class="num">{f.bytes}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table>
                <thead>
                    <tr>
                        <th>{t("prof.path")}</th>
                        <th>{t("prof.rows")}</th>
                        <th>{t("prof.bytes")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let errors = (!r.errors.is_empty()).then(|| {
        view! { <ul class="error-banner">{r.errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}</ul> }
    });
    view! {
        <div role="status" data-testid="profile-run-report">
            <p>{format!("{}: {} · {}: {}", t("prof.files_written"), r.files.len(), t("prof.files_deleted"), r.deleted)}</p>
            {files}
            {errors}
        </div>
    }
}
