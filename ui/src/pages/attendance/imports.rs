//! Importing access logs from the browser: files dropped on the page or chosen with the file
//! picker are uploaded one after the other (a progress bar while the bytes go, then while the
//! server stores them), each with its summary (read, imported, duplicates, rejected, older than
//! the retention, the first rejected lines), and the history of every import (upload, command
//! line, inbox) below.

use kinmu_shared::api::{ImportSource, LogImport, LogImportList, LogImportQuery, LogUploadQuery};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::AdminNav;
use crate::api_client;
use crate::app_state::app;
use crate::datetime::format_timestamp;
use crate::i18n::{t, tx};
use kinmu_shared::api::routes::{self, Empty};

/// Where one file's upload stands.
#[derive(Clone, PartialEq)]
enum Phase {
    Waiting,
    /// Bytes sent and the file's size.
    Sending(f64, f64),
    /// Sent; the server is reading and storing it.
    Storing,
    Done(Box<LogImport>),
    Failed(String),
}

#[derive(Clone)]
struct Upload {
    id: usize,
    name: String,
    phase: RwSignal<Phase>,
}

fn source_label(s: ImportSource) -> &'static str {
    t(match s {
        ImportSource::Upload => "imports.source.upload",
        ImportSource::Command => "imports.source.command",
        ImportSource::Inbox => "imports.source.inbox",
    })
}

fn status_badge(status: &str) -> AnyView {
    let (class, key) = match status {
        "done" => ("badge ok", "imports.status.done"),
        "failed" => ("badge danger", "imports.status.failed"),
        _ => ("badge", "imports.status.importing"),
    };
    view! { <span class=class>{t(key)}</span> }.into_any()
}

/// One finished upload's summary.
fn summary_view(s: &LogImport) -> AnyView {
    let count = |key: &'static str, n: i64, testid: &'static str| {
        view! {
            <div>
                <dt>{t(key)}</dt>
                <dd data-testid=testid>{n}</dd>
            </div>
        }
    };
    let older = (s.older_than_retention > 0).then(|| {
        let key = if s.older_kept { "imports.older_kept" } else { "imports.older_left_out" };
        view! { <p class="warn-banner" role="status" data-testid="import-older">{format!("{} {}", s.older_than_retention, t(key))}</p> }
    });
    let failed = s.message.clone().map(|m| view! { <p class="error-banner" role="alert">{m}</p> });
    let rejects = (!s.first_rejects.is_empty()).then(|| {
        let more = s.rejected - s.first_rejects.len() as i64;
        view! {
            <details open>
                <summary>{tx("imports.first_rejects")}</summary>
                <ul data-testid="import-rejects">
                    {s.first_rejects
                        .iter()
                        .map(|r| view! { <li>{format!("{} {}: {}", t("imports.line"), r.position, r.reason)}</li> })
                        .collect_view()}
                </ul>
                {(more > 0).then(|| view! { <p class="hint">{format!("{more} {}", t("imports.more_rejects"))}</p> })}
            </details>
        }
    });
    view! {
        <dl class="import-counts">
            {count("imports.read", s.read, "import-read")}
            {count("imports.imported", s.imported, "import-imported")}
            {count("imports.duplicates", s.duplicates, "import-duplicates")}
            {count("imports.rejected", s.rejected, "import-rejected")}
            {count("imports.older", s.older_than_retention, "import-older-count")}
        </dl>
        {older}
        {failed}
        {rejects}
    }
    .into_any()
}

fn upload_row(u: Upload) -> impl IntoView {
    let phase = u.phase;
    let name = u.name.clone();
    let state = move || match phase.get() {
        Phase::Waiting => view! { <p class="hint">{t("imports.waiting")}</p> }.into_any(),
        Phase::Sending(sent, total) => {
            let percent = if total > 0.0 { (sent / total * 100.0).round() } else { 0.0 };
            view! {
                <progress max="100" value=percent aria-label=format!("{} {}", name, t("imports.sending"))></progress>
                <span>{format!(" {} {percent}%", t("imports.sending"))}</span>
            }
            .into_any()
        }
        Phase::Storing => view! {
            <progress aria-label=format!("{} {}", name, t("imports.storing"))></progress>
            <span>{format!(" {}", t("imports.storing"))}</span>
        }
        .into_any(),
        Phase::Done(s) => summary_view(&s),
        Phase::Failed(m) => view! { <p class="error-banner" role="alert">{m}</p> }.into_any(),
    };
    view! {
        <li class="import-file" data-testid="import-file" data-upload=u.id>
            <h3>{u.name.clone()}</h3>
            <div aria-live="polite" data-testid="import-state">{state}</div>
        </li>
    }
}

#[component]
pub fn ImportsPage() -> impl IntoView {
    let state = app();
    let history = RwSignal::new(None::<LogImportList>);
    let error = RwSignal::new(None::<String>);
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let queue = StoredValue::new(Vec::<(web_sys::File, RwSignal<Phase>)>::new());
    let running = RwSignal::new(false);
    let keep_older = RwSignal::new(false);
    let dragging = RwSignal::new(false);
    let next_id = StoredValue::new(0usize);

    let refresh = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListLogImports>(&(), &LogImportQuery { limit: Some(100), offset: None }, &Empty).await {
                Ok(l) => {
                    history.set(Some(l));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    refresh();

    // Uploads the queued files one after the other.
    let drain = move || {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        leptos::task::spawn_local(async move {
            loop {
                let next = queue.try_update_value(|q| (!q.is_empty()).then(|| q.remove(0))).flatten();
                let Some((file, phase)) = next else { break };
                let query = LogUploadQuery { name: file.name(), format: None, keep_older: keep_older.get_untracked() };
                phase.set(Phase::Sending(0.0, file.size()));
                let result = api_client::upload::<routes::UploadLogFile>(&(), &query, &file, move |sent, total| {
                    phase.set(if sent >= total { Phase::Storing } else { Phase::Sending(sent, total) });
                })
                .await;
                phase.set(match result {
                    Ok(s) => Phase::Done(Box::new(s)),
                    Err(e) => Phase::Failed(e.message),
                });
                refresh();
            }
            running.set(false);
        });
    };
    let add_files = move |files: Option<web_sys::FileList>| {
        let Some(files) = files else { return };
        for i in 0..files.length() {
            let Some(file) = files.get(i) else { continue };
            let id = next_id.get_value();
            next_id.set_value(id + 1);
            let phase = RwSignal::new(Phase::Waiting);
            uploads.update(|u| u.insert(0, Upload { id, name: file.name(), phase }));
            queue.update_value(|q| q.push((file, phase)));
        }
        drain();
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: Option<web_sys::HtmlInputElement> = ev.target().and_then(|t| t.dyn_into().ok());
        if let Some(input) = input {
            add_files(input.files());
            // The same file may be chosen again.
            input.set_value("");
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        add_files(ev.data_transfer().and_then(|d| d.files()));
    };

    let fmt = move |ts: i64| format_timestamp(ts, state.time_zone().as_deref(), state.lang.get());
    let retention = move || history.with(|h| h.as_ref().map(|h| h.retention_days));
    let keep_label = move || match retention() {
        Some(0) | None => t("imports.keep_older").to_string(),
        Some(days) => format!("{} ({days} {})", t("imports.keep_older"), t("imports.days")),
    };
    let rows = move || {
        history
            .with(|h| h.as_ref().map(|h| h.imports.clone()).unwrap_or_default())
            .into_iter()
            .map(|r| {
                view! {
                    <tr data-import=r.id>
                        <td class="file-name">{r.file.clone()}</td>
                        <td data-testid="history-source">{source_label(r.source)}</td>
                        <td>{fmt(r.started_at)}</td>
                        <td>{r.imported_by.clone().unwrap_or_else(|| "—".into())}</td>
                        <td class="num">{r.read}</td>
                        <td class="num" data-testid="history-imported">{r.imported}</td>
                        <td class="num">{r.duplicates}</td>
                        <td class="num">{r.rejected}</td>
                        <td class="num">{r.older_than_retention}</td>
                        <td>{status_badge(&r.status)}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let empty = move || history.with(|h| h.as_ref().is_some_and(|h| h.imports.is_empty()));
    let headers = [
        "imports.file",
        "imports.source",
        "imports.started",
        "imports.by",
        "imports.read",
        "imports.imported",
        "imports.duplicates",
        "imports.rejected",
        "imports.older",
        "imports.status",
    ];
    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("imports.title")}</h1>
            <p>{tx("imports.intro")}</p>
            {super::error_banner(error)}
            <div
                class=move || if dragging.get() { "dropzone dragging" } else { "dropzone" }
                data-testid="import-drop"
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>
                    <label for="import-files">{tx("imports.drop")}</label>
                </p>
                <input
                    id="import-files"
                    class="file-input"
                    type="file"
                    multiple
                    accept=".csv,.txt,.log,.evtx,.jsonl,.json,.ndjson"
                    data-testid="import-input"
                    on:change=on_pick
                />
                <p class="hint">{tx("imports.formats")}</p>
            </div>
            <div class="field check">
                <input id="import-keep-older" type="checkbox" prop:checked=move || keep_older.get() on:change=move |ev| keep_older.set(event_target_checked(&ev)) />
                <label for="import-keep-older">{keep_label}</label>
            </div>
            <p class="hint">{tx("imports.keep_hint")}</p>
            <ul class="import-files" data-testid="import-files">
                <For each=move || uploads.get() key=|u| u.id children=upload_row />
            </ul>
            <h2>{tx("imports.history")}</h2>
            {move || empty().then(|| view! { <p class="empty">{t("imports.none")}</p> })}
            <div class="table-wrap">
                <table data-testid="import-history">
                    <thead>
                        <tr>{headers.iter().map(|h| view! { <th scope="col">{tx(h)}</th> }).collect_view()}</tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}
