//! CSV export (a link to the server's file, saved byte for byte, in the chosen encoding; in the
//! desktop shell the file's bytes fetched through its proxy and saved) and import (the chosen
//! file's bytes, whose encoding the server detects).

use kinmu_shared::api::routes::{self, CsvFile, Endpoint, FileDownload};
use kinmu_shared::api::{CSV_ENCODINGS, CsvExportQuery, ImportReport};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api_client::{self, ApiResult};
use crate::i18n::{t, tx};

/// Offers `bytes` as a file download, byte for byte (a file fetched through the desktop shell).
pub fn save_bytes(filename: &str, bytes: &[u8], mime: &str) {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts) else { return };
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

/// The CSV and Excel buttons of a table's file route `E`: `request(format)` gives the route's
/// path and query for `"csv"` or `"xlsx"`, `file_name(format)` the saved file's name. In a
/// browser they are links to the server's file; in the desktop shell, where a link cannot reach
/// the server, buttons that fetch the file's bytes through the shell and save them as they are
/// (a failure goes to `error`). Test ids: `<testid>-csv`, `<testid>-xlsx`.
pub fn file_buttons<E, R, N>(testid: &'static str, request: R, file_name: N, error: RwSignal<Option<String>>) -> AnyView
where
    E: Endpoint<Answer = FileDownload>,
    R: Fn(&'static str) -> (E::Path, E::Query) + Copy + Send + Sync + 'static,
    N: Fn(&'static str) -> String + Copy + Send + Sync + 'static,
{
    view! {
        {file_button::<E, R, N>(testid, "csv", "CSV", request, file_name, error)}
        {file_button::<E, R, N>(testid, "xlsx", "Excel", request, file_name, error)}
    }
    .into_any()
}

/// One button of [`file_buttons`]: the file of route `E` in `format` (`"csv"` or `"xlsx"`), for
/// a table offered in one format only. Test id: `<testid>-<format>`.
pub fn file_button<E, R, N>(
    testid: &'static str,
    format: &'static str,
    label: &'static str,
    request: R,
    file_name: N,
    error: RwSignal<Option<String>>,
) -> AnyView
where
    E: Endpoint<Answer = FileDownload>,
    R: Fn(&'static str) -> (E::Path, E::Query) + Copy + Send + Sync + 'static,
    N: Fn(&'static str) -> String + Copy + Send + Sync + 'static,
{
    let id = format!("{testid}-{format}");
    if api_client::is_desktop() {
        let fetch = move |_| {
            let ((path, query), name) = untrack(|| (request(format), file_name(format)));
            leptos::task::spawn_local(async move {
                match api_client::download::<E>(&path, &query).await {
                    Ok(bytes) => save_bytes(&name, &bytes, mime_of(format)),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        };
        view! { <button type="button" data-testid=id on:click=fetch>{label}</button> }.into_any()
    } else {
        let href = move || {
            let (path, query) = request(format);
            api_client::download_url::<E>(&path, &query)
        };
        view! { <a class="button" data-testid=id download href=href>{label}</a> }.into_any()
    }
}

/// The label and the list of a CSV file's encodings ([`CSV_ENCODINGS`]), bound to `encoding`;
/// `testid` is the list's test id, if any.
pub fn encoding_choice(id: String, testid: Option<&'static str>, encoding: RwSignal<String>) -> AnyView {
    view! {
        <label class="inline" for=id.clone()>{tx("att.encoding")}</label>
        <select id=id data-testid=testid on:change=move |ev| encoding.set(event_target_value(&ev))>
            {CSV_ENCODINGS
                .into_iter()
                .map(|(v, l)| view! { <option value=v selected=move || encoding.get() == v>{l}</option> })
                .collect_view()}
        </select>
    }
    .into_any()
}

/// The media type of a table file's format.
fn mime_of(format: &str) -> &'static str {
    if format == "xlsx" { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } else { "text/csv" }
}

async fn file_bytes(input: &web_sys::HtmlInputElement) -> Option<Vec<u8>> {
    let file = input.files()?.get(0)?;
    let buffer = JsFuture::from(file.array_buffer()).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// What a [`CsvTransfer`] exports and imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvSubject {
    Users,
    Organizations,
    /// Kinmu's projects CSV: activities, projects, members and work items.
    Projects,
}

impl CsvSubject {
    /// The export's address for a browser link.
    fn export_url(self, encoding: String) -> String {
        let q = CsvExportQuery { encoding: Some(encoding) };
        match self {
            CsvSubject::Users => api_client::download_url::<routes::ExportUsers>(&(), &q),
            CsvSubject::Organizations => api_client::download_url::<routes::ExportOrganizations>(&(), &q),
            CsvSubject::Projects => api_client::download_url::<routes::ExportProjects>(&(), &q),
        }
    }

    /// The export's bytes in `encoding` (the desktop shell).
    async fn export_bytes(self, encoding: String) -> ApiResult<Vec<u8>> {
        let q = CsvExportQuery { encoding: Some(encoding) };
        match self {
            CsvSubject::Users => api_client::download::<routes::ExportUsers>(&(), &q).await,
            CsvSubject::Organizations => api_client::download::<routes::ExportOrganizations>(&(), &q).await,
            CsvSubject::Projects => api_client::download::<routes::ExportProjects>(&(), &q).await,
        }
    }

    async fn import(self, bytes: Vec<u8>) -> ApiResult<ImportReport> {
        let csv = CsvFile(bytes);
        match self {
            CsvSubject::Users => api_client::call::<routes::ImportUsers>(&(), &(), &csv).await,
            CsvSubject::Organizations => api_client::call::<routes::ImportOrganizations>(&(), &(), &csv).await,
            CsvSubject::Projects => api_client::call::<routes::ImportProjects>(&(), &(), &csv).await,
        }
    }
}

/// Export and import buttons for one CSV resource.
#[component]
pub fn CsvTransfer(subject: CsvSubject, filename: &'static str, can_import: Signal<bool>, on_imported: Callback<()>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<ImportReport>);
    let encoding = RwSignal::new(CSV_ENCODINGS[0].0.to_string());
    let stem = filename.trim_end_matches(".csv");
    let input_id = format!("csv-import-{stem}");
    let encoding_id = format!("csv-encoding-{stem}");
    let desktop_export = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match subject.export_bytes(encoding.get_untracked()).await {
                Ok(bytes) => save_bytes(filename, &bytes, "text/csv"),
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    let export = move || {
        // In the desktop shell a link cannot reach the server: the bytes come through its proxy.
        let button = if api_client::is_desktop() {
            view! {
                <button type="button" on:click=desktop_export disabled=move || busy.get() data-testid="csv-export">{tx("csv.export")}</button>
            }
            .into_any()
        } else {
            view! { <a class="button" data-testid="csv-export" download=filename href=move || subject.export_url(encoding.get())>{tx("csv.export")}</a> }
                .into_any()
        };
        view! {
            {button}
            {encoding_choice(encoding_id.clone(), Some("csv-encoding"), encoding)}
        }
        .into_any()
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        busy.set(true);
        error.set(None);
        report.set(None);
        leptos::task::spawn_local(async move {
            match file_bytes(&input).await {
                Some(bytes) => match subject.import(bytes).await {
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
    // The file input comes before its label, which shows its keyboard focus (style.css).
    view! {
        <div class="csv-transfer">
            {export()}
            <Show when=move || can_import.get()>
                <input id=input_id2.clone() class="visually-hidden" type="file" accept=".csv,text/csv" on:change=import data-testid="csv-import" />
                <label class="button" for=input_id.clone()>{tx("csv.import")}</label>
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
