//! Bringing effort history in: a CSV file of Kinmu's own effort columns or a time-entry export
//! of Kimai, Toggl Track or Clockify (the format detected unless chosen, and the order of slash
//! dates — detected when a row decides it, else to be chosen), optionally creating
//! the projects, activities and work items it names (managers), optionally as a dry run; the
//! report lists every refused row with its line, field and what to fix. A member imports their
//! own rows; a project's manager also their team's (the server decides, row by row).

use kinmu_shared::Permission;
use kinmu_shared::api::routes::{self, CsvFile};
use kinmu_shared::api::{DateOrder, EffortImportQuery, EffortImportReport, ImportFormat};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api_client;
use crate::app_state::app;
use crate::datetime::hm;
use crate::i18n::{t, tx};

async fn file_bytes(input: &web_sys::HtmlInputElement) -> Option<Vec<u8>> {
    let file = input.files()?.get(0)?;
    let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[component]
pub fn EffortImportPage() -> impl IntoView {
    let format = RwSignal::new(String::new());
    let date_order = RwSignal::new(String::new());
    let create_missing = RwSignal::new(false);
    let dry_run = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<EffortImportReport>);
    let manager = app().can(Permission::ManageProjects);
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        busy.set(true);
        error.set(None);
        report.set(None);
        let q = EffortImportQuery {
            format: Some(format.get_untracked()).filter(|f| !f.is_empty()),
            date_order: Some(date_order.get_untracked()).filter(|o| !o.is_empty()),
            create_missing: create_missing.get_untracked(),
            dry_run: dry_run.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match file_bytes(&input).await {
                Some(bytes) => match api_client::call::<routes::ImportEffort>(&(), &q, &CsvFile(bytes)).await {
                    Ok(r) => report.set(Some(r)),
                    Err(e) => error.set(Some(e.message)),
                },
                None => error.set(Some(t("csv.unreadable").to_string())),
            }
            input.set_value("");
            busy.set(false);
        });
    };
    view! {
        <section class="card" data-testid="effort-import">
            <h1>{tx("effort_import.title")}</h1>
            <p class="hint">{tx("effort_import.hint")}</p>
            <div class="form-row">
                <label for="effort-import-format">{tx("effort_import.format")}</label>
                <select id="effort-import-format" data-testid="effort-import-format" on:change=move |ev| format.set(event_target_value(&ev))>
                    <option value="" selected=move || format.get().is_empty()>{tx("effort_import.detect")}</option>
                    {ImportFormat::ALL
                        .into_iter()
                        .map(|f| view! { <option value=f.key() selected=move || format.get() == f.key()>{f.label()}</option> })
                        .collect_view()}
                </select>
            </div>
            <div class="form-row">
                <label for="effort-import-date-order">{tx("effort_import.date_order")}</label>
                <select
                    id="effort-import-date-order"
                    data-testid="effort-import-date-order"
                    aria-describedby="effort-import-date-order-hint"
                    on:change=move |ev| date_order.set(event_target_value(&ev))
                >
                    <option value="" selected=move || date_order.get().is_empty()>{tx("effort_import.date_order.detect")}</option>
                    {DateOrder::ALL
                        .into_iter()
                        .map(|o| view! { <option value=o.key() selected=move || date_order.get() == o.key()>{o.pattern()}</option> })
                        .collect_view()}
                </select>
                <p class="hint" id="effort-import-date-order-hint">{tx("effort_import.date_order.hint")}</p>
            </div>
            {manager.then(|| view! {
                <div class="form-row">
                    <input
                        id="effort-import-create"
                        type="checkbox"
                        data-testid="effort-import-create"
                        prop:checked=move || create_missing.get()
                        on:change=move |ev| create_missing.set(event_target_checked(&ev))
                    />
                    <label for="effort-import-create">{tx("effort_import.create_missing")}</label>
                </div>
            })}
            <div class="form-row">
                <input
                    id="effort-import-dry"
                    type="checkbox"
                    data-testid="effort-import-dry"
                    prop:checked=move || dry_run.get()
                    on:change=move |ev| dry_run.set(event_target_checked(&ev))
                />
                <label for="effort-import-dry">{tx("effort_import.dry_run")}</label>
            </div>
            // The file input comes before its label, which shows its keyboard focus (style.css).
            <div class="csv-transfer">
                <input
                    id="effort-import-file"
                    class="visually-hidden"
                    type="file"
                    accept=".csv,text/csv"
                    on:change=import
                    disabled=move || busy.get()
                    data-testid="effort-import-file"
                />
                <label class="button primary" for="effort-import-file">{tx("effort_import.choose")}</label>
                {move || busy.get().then(|| view! { <span class="busy" aria-live="polite">{t("common.working")}</span> })}
            </div>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || report.get().map(report_view)}
        </section>
    }
}

fn report_view(r: EffortImportReport) -> AnyView {
    let created_lists = [
        ("effort_import.created_projects", r.created_projects.clone()),
        ("effort_import.created_activities", r.created_activities.clone()),
        ("effort_import.created_work_items", r.created_work_items.clone()),
    ];
    let errors = r.errors.clone();
    view! {
        <div class="import-report" role="status" data-testid="effort-import-report">
            {r.dry_run.then(|| view! { <p class="notice" data-testid="effort-import-dry-notice">{tx("effort_import.dry_notice")}</p> })}
            <p data-testid="effort-import-summary">
                {t("effort_import.format")} ": " {r.format.label()} " · " {t("csv.rows_read")} ": " {r.rows_read} " · "
                {t("csv.created")} ": " <span data-testid="effort-import-created">{r.created}</span> " (" {hm(r.minutes)} ") · "
                {t("csv.updated")} ": " {r.updated} " · " {t("effort_import.unchanged")} ": "
                <span data-testid="effort-import-unchanged">{r.unchanged}</span> " · " {t("csv.errors")} ": "
                <span data-testid="effort-import-errors">{r.errors.len()}</span>
            </p>
            {created_lists
                .into_iter()
                .filter(|(_, names)| !names.is_empty())
                .map(|(key, names)| view! { <p>{t(key)} ": " {names.join(", ")}</p> })
                .collect_view()}
            {(!errors.is_empty()).then(|| view! {
                <table data-testid="effort-import-error-table">
                    <thead><tr><th>{t("csv.line")}</th><th>{t("csv.field")}</th><th>{t("csv.message")}</th></tr></thead>
                    <tbody>
                        {errors.into_iter().map(|e| view! {
                            <tr><td>{e.line}</td><td>{e.field.unwrap_or_default()}</td><td>{e.message}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
    .into_any()
}
