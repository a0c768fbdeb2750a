//! Client updates (updates.manage): the update policy (start-up mode, concurrency limit, the
//! administrator's message, new installs, the service paused, the system log and its retention,
//! saved with the password entered again), the releases published per platform with the one
//! offered on each (offering another takes the offer from the one before), the clients connected and waiting (refreshed every few
//! seconds while the page is open), the update records with filters and CSV export, and the
//! system log.

use crate::components::save_button::SaveButton;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{
    ClientList, ReleaseList, UpdateLogList, UpdateLogQuery, UpdatePolicyChange, UpdatePolicyView, UpdateRecordList, UpdateRecordQuery,
};
use kinmu_shared::update_policy::{ClientProgram, LogLevel, RecordResult, StartupMode, UpdatePolicy};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::field::{CheckField, SelectField, TextAreaField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::datetime::format_timestamp;
use crate::i18n::{t, tr, tx};
use crate::pages::attendance::task::sleep;

/// How often the clients are fetched again while the page is open, in milliseconds.
const REFRESH_MS: i32 = 3_000;

fn mode_key(m: StartupMode) -> &'static str {
    match m {
        StartupMode::Mandatory => "updates.mode.mandatory",
        StartupMode::Optional => "updates.mode.optional",
        StartupMode::RefuseStart => "updates.mode.refuse_start",
    }
}

fn result_badge(r: RecordResult) -> AnyView {
    let (class, key) = match r {
        RecordResult::InProgress => ("badge", "updates.result.in_progress"),
        RecordResult::Normal => ("badge ok", "updates.result.normal"),
        RecordResult::Abnormal => ("badge warn", "updates.result.abnormal"),
        RecordResult::Failed => ("badge danger", "updates.result.failed"),
    };
    view! { <span class=class>{t(key)}</span> }.into_any()
}

fn level_badge(l: LogLevel) -> AnyView {
    let (class, key) = match l {
        LogLevel::Info => ("badge", "updates.level.info"),
        LogLevel::Warning => ("badge warn", "updates.level.warning"),
        LogLevel::Error => ("badge danger", "updates.level.error"),
    };
    view! { <span class=class>{t(key)}</span> }.into_any()
}

#[component]
pub fn UpdatesPage() -> impl IntoView {
    let state = app();
    let fmt = move |ts: i64| format_timestamp(ts, state.time_zone().as_deref(), state.lang.get());

    // The policy form.
    let view_state = RwSignal::new(None::<UpdatePolicyView>);
    let mode = RwSignal::new(String::new());
    let limit = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let installs = RwSignal::new(true);
    let paused = RwSignal::new(false);
    let log_on = RwSignal::new(true);
    let retention = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let fill = move |v: UpdatePolicyView| {
        let p = &v.policy;
        mode.set(p.startup_mode.key().to_string());
        limit.set(p.concurrency_limit.to_string());
        message.set(p.message.clone());
        installs.set(p.new_installs_allowed);
        paused.set(p.service_paused);
        log_on.set(p.system_log_enabled);
        retention.set(p.retention_days.to_string());
        view_state.set(Some(v));
    };
    leptos::task::spawn_local(async move {
        match api_client::call::<routes::GetUpdatePolicy>(&(), &(), &Empty).await {
            Ok(v) => fill(v),
            Err(e) => errors.set_api(&e),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        errors.clear();
        if busy.get_untracked() {
            return;
        }
        let number = |field: &str, v: RwSignal<String>| {
            let n = v.get_untracked().trim().parse::<i64>().ok().filter(|n| *n >= 1);
            if n.is_none() {
                errors.set_field(field, t("form.whole_number"));
            }
            n
        };
        let (Some(concurrency_limit), Some(retention_days)) = (number("concurrency_limit", limit), number("retention_days", retention))
        else {
            return;
        };
        let policy = UpdatePolicy {
            startup_mode: StartupMode::from_key(&mode.get_untracked()).unwrap_or_default(),
            concurrency_limit,
            message: message.get_untracked(),
            new_installs_allowed: installs.get_untracked(),
            service_paused: paused.get_untracked(),
            system_log_enabled: log_on.get_untracked(),
            retention_days,
        };
        if let Err(e) = policy.validate() {
            errors.set_field(&e.field, e.message.get(state.lang.get_untracked()).unwrap_or(e.message.en()));
            return;
        }
        let body = UpdatePolicyChange { policy, password: password.get_untracked() };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveUpdatePolicy>(&(), &(), &body).await {
                Ok(v) => {
                    fill(v);
                    password.set(String::new());
                    saved.set(true);
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };
    // The releases, and offering one to the clients of its platform.
    let releases = RwSignal::new(None::<ReleaseList>);
    let releases_error = RwSignal::new(None::<String>);
    let offering = RwSignal::new(None::<i64>);
    let load_releases = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListReleases>(&(), &(), &Empty).await {
                Ok(l) => {
                    releases.set(Some(l));
                    releases_error.set(None);
                }
                Err(e) => releases_error.set(Some(e.message)),
            }
        });
    };
    load_releases();
    let offer = move |id: i64| {
        if offering.get_untracked().is_some() {
            return;
        }
        offering.set(Some(id));
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::OfferRelease>(&id, &(), &Empty).await {
                Ok(_) => {
                    releases_error.set(None);
                    if let Ok(v) = api_client::call::<routes::GetUpdatePolicy>(&(), &(), &Empty).await {
                        view_state.set(Some(v));
                    }
                    load_releases();
                }
                Err(e) => releases_error.set(Some(e.message)),
            }
            offering.set(None);
        });
    };
    let offered_text = move || {
        view_state.with(|v| {
            let offered = v.as_ref().map(|v| v.offered.as_slice()).unwrap_or_default();
            if offered.is_empty() {
                t("updates.none_offered").to_string()
            } else {
                offered.iter().map(|r| format!("{} {}", r.platform, r.version)).collect::<Vec<_>>().join(", ")
            }
        })
    };
    let release_rows = move || {
        releases
            .with(|l| l.as_ref().map(|l| l.releases.clone()).unwrap_or_default())
            .into_iter()
            .map(|r| {
                let id = r.id;
                let (platform, version) = (r.platform.clone(), r.version.clone());
                // Named with its release for screen readers, in the reader's language.
                let label = move || format!("{} {} {}", t("updates.offer"), platform, version);
                view! {
                    <tr data-release=r.id>
                        <td>{r.platform.clone()}</td>
                        <td>{r.version.clone()}</td>
                        <td>{fmt(r.published_at)}</td>
                        <td>{format!("{} / {} B", r.files, r.bytes)}</td>
                        <td data-testid="release-state">
                            {if r.offered {
                                view! { <span class="badge ok">{tx("updates.release_offered")}</span> }.into_any()
                            } else {
                                view! {
                                    <button
                                        type="button"
                                        data-testid="release-offer"
                                        aria-label=label
                                        disabled=move || offering.get().is_some()
                                        on:click=move |_| offer(id)
                                    >
                                        {tx("updates.offer")}
                                    </button>
                                }
                                    .into_any()
                            }}
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };

    let mode_options =
        Signal::derive(|| StartupMode::ALL.iter().map(|m| (m.key().to_string(), t(mode_key(*m)).to_string())).collect::<Vec<_>>());

    // The clients, fetched again every few seconds while the page is open.
    let clients = RwSignal::new(None::<ClientList>);
    let clients_error = RwSignal::new(None::<String>);
    let alive = Arc::new(AtomicBool::new(true));
    let alive2 = alive.clone();
    on_cleanup(move || alive2.store(false, Ordering::Relaxed));
    leptos::task::spawn_local(async move {
        loop {
            match api_client::call::<routes::ListUpdateClients>(&(), &(), &Empty).await {
                Ok(l) => {
                    clients.try_set(Some(l));
                    clients_error.try_set(None);
                }
                Err(e) => {
                    clients_error.try_set(Some(e.message));
                }
            }
            sleep(REFRESH_MS).await;
            if !alive.load(Ordering::Relaxed) {
                break;
            }
        }
    });
    let client_rows = move || {
        clients
            .with(|c| c.as_ref().map(|c| c.clients.clone()).unwrap_or_default())
            .into_iter()
            .map(|c| {
                let program = t(match c.program {
                    ClientProgram::App => "updates.program.app",
                    ClientProgram::Updater => "updates.program.updater",
                });
                let transfer = match c.transfer.as_deref() {
                    Some("admitted") => t("updates.transfer.admitted"),
                    Some("waiting") => t("updates.transfer.waiting"),
                    _ => "—",
                };
                view! {
                    <tr>
                        <td>{c.host.clone()}</td>
                        <td>{c.user.clone()}</td>
                        <td>{program}</td>
                        <td>{c.version.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{fmt(c.last_seen_at)}</td>
                        <td data-testid="client-transfer">{transfer}</td>
                        <td>{c.progress.clone().unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let counts = move || {
        clients.with(|c| {
            c.as_ref().map(|c| format!("{} {} / {} · {} {}", t("updates.admitted"), c.admitted, c.limit, t("updates.waiting"), c.waiting))
        })
    };

    // The records, filtered.
    let records = RwSignal::new(None::<UpdateRecordList>);
    let records_error = RwSignal::new(None::<String>);
    let filter_q = RwSignal::new(String::new());
    let filter_result = RwSignal::new(String::new());
    let record_query = move || UpdateRecordQuery {
        q: Some(filter_q.get_untracked()).filter(|q| !q.trim().is_empty()),
        result: RecordResult::from_key(&filter_result.get_untracked()),
        limit: Some(200),
        ..Default::default()
    };
    let load_records = move || {
        let q = record_query();
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListUpdateRecords>(&(), &q, &Empty).await {
                Ok(l) => {
                    records.set(Some(l));
                    records_error.set(None);
                }
                Err(e) => records_error.set(Some(e.message)),
            }
        });
    };
    load_records();
    let result_options = Signal::derive(|| {
        let mut v = vec![(String::new(), t("updates.all_results").to_string())];
        v.extend([RecordResult::InProgress, RecordResult::Normal, RecordResult::Abnormal, RecordResult::Failed].iter().map(|r| {
            let key = match r {
                RecordResult::InProgress => "updates.result.in_progress",
                RecordResult::Normal => "updates.result.normal",
                RecordResult::Abnormal => "updates.result.abnormal",
                RecordResult::Failed => "updates.result.failed",
            };
            (r.key().to_string(), t(key).to_string())
        }));
        v
    });
    let filter_errors = FormErrors::new();
    let csv_url = move |encoding: &str| {
        let _ = (filter_q.get(), filter_result.get());
        let q = UpdateRecordQuery { limit: None, encoding: Some(encoding.to_string()), ..record_query() };
        api_client::download_url::<routes::ExportUpdateRecords>(&(), &q)
    };
    let record_rows = move || {
        records
            .with(|r| r.as_ref().map(|r| r.records.clone()).unwrap_or_default())
            .into_iter()
            .map(|r| {
                view! {
                    <tr data-record=r.id>
                        <td>{r.host.clone()}</td>
                        <td>{r.user.clone()}</td>
                        <td>{move || r.kind.label().get(state.lang.get()).unwrap_or(r.kind.key()).to_string()}</td>
                        <td>{r.from_version.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{r.to_version.clone()}</td>
                        <td>{fmt(r.started_at)}</td>
                        <td>{r.ended_at.map(fmt).unwrap_or_else(|| "—".into())}</td>
                        <td data-testid="record-result">{result_badge(r.result)}</td>
                        <td>
                            {r.reason.clone().unwrap_or_default()}
                            {repair_finding(r.files_checked, &r.damaged_files)}
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };

    // The system log, newest first.
    let log = RwSignal::new(None::<UpdateLogList>);
    leptos::task::spawn_local(async move {
        if let Ok(l) =
            api_client::call::<routes::ListUpdateLog>(&(), &UpdateLogQuery { limit: Some(100), ..Default::default() }, &Empty).await
        {
            log.set(Some(l));
        }
    });
    let log_rows = move || {
        log.with(|l| l.as_ref().map(|l| l.entries.clone()).unwrap_or_default())
            .into_iter()
            .map(|e| {
                view! {
                    <tr>
                        <td>{fmt(e.at)}</td>
                        <td>{level_badge(e.level)}</td>
                        <td>{move || e.category.label().get(state.lang.get()).unwrap_or(e.category.key()).to_string()}</td>
                        <td>{e.host.clone()}</td>
                        <td>{e.detail.clone()}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let th = |keys: &'static [&'static str]| keys.iter().copied().map(|h| view! { <th scope="col">{tx(h)}</th> }).collect_view();

    view! {
        <section class="card wide">
            <h1>{tx("updates.title")}</h1>
            <p>{tx("updates.intro")}</p>
            <h2>{tx("updates.policy")}</h2>
            <Show when=move || view_state.with(|v| v.is_some()) fallback=move || view! { <p aria-busy="true">{tx("common.loading")}</p> <GeneralError errors=errors /> }>
                <p data-testid="updates-service">
                    {move || if paused.get() { t("updates.service_paused_now") } else { t("updates.service_running_now") }}
                    " · "
                    {tx("updates.offered")}
                    " "
                    <span data-testid="updates-offered">{offered_text}</span>
                </p>
                <form on:submit=submit novalidate data-testid="updates-policy">
                    <SelectField id="startup_mode" field="startup_mode" label=tr("updates.startup_mode") value=mode errors=errors options=mode_options />
                    <TextField id="concurrency_limit" field="concurrency_limit" label=tr("updates.concurrency_limit") value=limit errors=errors kind="number" hint=tr("updates.concurrency_hint") />
                    <TextAreaField id="update_message" field="message" label=tr("updates.message") value=message errors=errors hint=tr("updates.message_hint") />
                    <CheckField id="new_installs_allowed" label=tr("updates.new_installs") value=installs />
                    <CheckField id="service_paused" label=tr("updates.pause") value=paused />
                    <CheckField id="system_log_enabled" label=tr("updates.log_enabled") value=log_on />
                    <TextField id="retention_days" field="retention_days" label=tr("updates.retention_days") value=retention errors=errors kind="number" />
                    <TextField id="update_password" field="password" label=tr("updates.password") value=password errors=errors kind="password" autocomplete="current-password" hint=tr("updates.password_hint") />
                    <GeneralError errors=errors />
                    {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                    <div class="actions">
                        <SaveButton busy=busy testid="updates-save" />
                    </div>
                </form>
            </Show>

            <h2>{tx("updates.releases")}</h2>
            <p>{tx("updates.releases_intro")}</p>
            {move || releases_error.get().map(|e| view! { <p class="error-banner" role="alert">{e}</p> })}
            {move || {
                releases
                    .with(|l| l.as_ref().is_some_and(|l| l.releases.is_empty()))
                    .then(|| view! { <p data-testid="releases-empty">{tx("updates.no_releases")}</p> })
            }}
            <div class="table-wrap">
                <table data-testid="updates-releases">
                    <thead>
                        <tr>{th(&["updates.platform", "updates.version", "updates.published", "updates.files", "updates.release_state"])}</tr>
                    </thead>
                    <tbody>{release_rows}</tbody>
                </table>
            </div>

            <h2>{tx("updates.clients")}</h2>
            <p data-testid="updates-counts">{counts}</p>
            {move || clients_error.get().map(|e| view! { <p class="error-banner" role="alert">{e}</p> })}
            <div class="table-wrap">
                <table data-testid="updates-clients">
                    <thead>
                        <tr>{th(&["updates.host", "updates.user", "updates.program", "updates.version", "updates.last_seen", "updates.transfer", "updates.progress"])}</tr>
                    </thead>
                    <tbody>{client_rows}</tbody>
                </table>
            </div>

            <h2>{tx("updates.records")}</h2>
            <form
                class="filters"
                on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    load_records();
                }
            >
                <TextField id="records_q" field="q" label=tr("updates.search") value=filter_q errors=filter_errors />
                <SelectField id="records_result" field="result" label=tr("updates.result") value=filter_result errors=filter_errors options=result_options />
                <div class="actions">
                    <button type="submit" data-testid="records-search">{tx("updates.apply_filter")}</button>
                    <a href=move || csv_url("utf-8-bom") data-testid="records-csv">{tx("updates.csv_utf8")}</a>
                    <a href=move || csv_url("shift_jis")>{tx("updates.csv_sjis")}</a>
                </div>
            </form>
            {move || records_error.get().map(|e| view! { <p class="error-banner" role="alert">{e}</p> })}
            <p>{move || records.with(|r| r.as_ref().map(|r| format!("{} {}", r.total, t("updates.records_count"))))}</p>
            <div class="table-wrap">
                <table data-testid="updates-records">
                    <thead>
                        <tr>{th(&["updates.host", "updates.user", "updates.kind", "updates.from", "updates.to", "updates.started", "updates.ended", "updates.result", "updates.reason"])}</tr>
                    </thead>
                    <tbody>{record_rows}</tbody>
                </table>
            </div>

            <h2>{tx("updates.log")}</h2>
            <div class="table-wrap">
                <table data-testid="updates-log">
                    <thead>
                        <tr>{th(&["updates.at", "updates.level", "updates.category", "updates.host", "updates.detail"])}</tr>
                    </thead>
                    <tbody>{log_rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// A repair's finding under its record's reason: how many files it checked, and the damaged ones.
fn repair_finding(files_checked: Option<i64>, damaged: &[String]) -> Option<AnyView> {
    let n = files_checked?.to_string();
    let text = if damaged.is_empty() {
        t("updates.repair_intact").replace("{n}", &n)
    } else {
        t("updates.repair_damaged").replace("{n}", &n).replace("{files}", &damaged.join(", "))
    };
    Some(view! { <span class="hint" data-testid="record-repair">{text}</span> }.into_any())
}
