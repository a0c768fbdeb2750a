//! CSV export (download the server's text as a file) and import (upload a chosen file).

use kinmu_shared::api::ImportReport;
use kinmu_shared::api::routes::{self, CsvText, Empty};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api_client::{self, ApiResult};
use crate::i18n::{t, tx};

/// Offers `text` as a file download.
pub fn download_text(filename: &str, text: &str, mime: &str) {
    let parts = js_sys::Array::of1(&text.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc.as_ref().and_then(|d| d.create_element("a").ok()).and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok()) {
        a.set_href(&url);
        a.set_download(filename);
        if let Some(body) = doc.as_ref().and_then(|d| d.body()) {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

async fn file_text(input: &web_sys::HtmlInputElement) -> Option<String> {
    let file = input.files()?.get(0)?;
    JsFuture::from(file.text()).await.ok()?.as_string()
}

/// What a [`CsvTransfer`] exports and imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvSubject {
    Users,
    Organizations,
}

impl CsvSubject {
    async fn export(self) -> ApiResult<String> {
        let file = match self {
            CsvSubject::Users => api_client::call::<routes::ExportUsers>(&(), &(), &Empty).await?,
            CsvSubject::Organizations => api_client::call::<routes::ExportOrganizations>(&(), &(), &Empty).await?,
        };
        Ok(file.0)
    }

    async fn import(self, text: String) -> ApiResult<ImportReport> {
        let csv = CsvText(text);
        match self {
            CsvSubject::Users => api_client::call::<routes::ImportUsers>(&(), &(), &csv).await,
            CsvSubject::Organizations => api_client::call::<routes::ImportOrganizations>(&(), &(), &csv).await,
        }
    }
}

/// Export and import buttons for one CSV resource.
#[component]
pub fn CsvTransfer(subject: CsvSubject, filename: &'static str, can_import: Signal<bool>, on_imported: Callback<()>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<ImportReport>);
    let input_id = format!("csv-import-{}", filename.trim_end_matches(".csv"));
    let export = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match subject.export().await {
                Ok(text) => download_text(filename, &text, "text/csv;charset=utf-8"),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        busy.set(true);
        error.set(None);
        report.set(None);
        leptos::task::spawn_local(async move {
            match file_text(&input).await {
                Some(text) => match subject.import(text).await {
                    Ok(r) => {
                        report.set(Some(r));
                        on_imported.run(());
                    }
                    Err(e) => error.set(Some(e.message)),
                },
                None => error.set(Some(t("csv.unreadable").to_string())),
            }
            input.set_value("");
            busy.set(false);
        });
    };
    let input_id2 = input_id.clone();
    view! {
        <div class="csv-transfer">
            <button type="button" on:click=export disabled=move || busy.get() data-testid="csv-export">
                {tx("csv.export")}
            </button>
            <Show when=move || can_import.get()>
                <label class="button" for=input_id.clone()>{tx("csv.import")}</label>
                <input id=input_id2.clone() class="visually-hidden" type="file" accept=".csv,text/csv" on:change=import data-testid="csv-import" />
            </Show>
            {move || busy.get().then(|| view! { <span class="busy" aria-live="polite">{t("common.working")}</span> })}
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || report.get().map(|r| view! { <ImportReportView report=r /> })}
        </div>
    }
}

#[component]
fn ImportReportView(report: ImportReport) -> impl IntoView {
    let errors = report.errors.clone();
    view! {
        <div class="import-report" role="status" data-testid="import-report">
            <p>
                {t("csv.rows_read")} ": " {report.rows_read} " · " {t("csv.created")} ": " {report.created} " · "
                {t("csv.updated")} ": " {report.updated} " · " {t("csv.errors")} ": " {report.errors.len()}
            </p>
            {(!errors.is_empty()).then(|| view! {
                <table>
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
}
