//! The attendance task: its schedule and retention, the run in progress (polled every 2 s),
//! the last runs, and "Run now" / "Rebuild from–to" / "Stop".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kinmu_shared::api::{AttendanceTaskSettings, RetentionSettings, RunTask, TaskOverview, TaskStatus, TaskTrigger};
use leptos::prelude::*;

use super::AdminNav;
use crate::api_client;
use crate::app_state::app;
use crate::components::field::{CheckField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::datetime::{add_days, format_timestamp, parse_date, today};
use crate::i18n::{t, t_dyn, tr, tx};
use kinmu_shared::api::routes::{self, Empty};

/// Waits `ms` milliseconds (a `setTimeout` promise).
pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

pub(crate) fn status_label(s: TaskStatus) -> &'static str {
    t(match s {
        TaskStatus::Running => "task.status.running",
        TaskStatus::Completed => "task.status.completed",
        TaskStatus::Stopped => "task.status.stopped",
        TaskStatus::Failed => "task.status.failed",
        TaskStatus::Interrupted => "task.status.interrupted",
    })
}

fn trigger_label(s: TaskTrigger) -> &'static str {
    t(match s {
        TaskTrigger::Scheduled => "task.trigger.scheduled",
        TaskTrigger::Manual => "task.trigger.manual",
        TaskTrigger::Rebuild => "task.trigger.rebuild",
    })
}

fn status_badge(s: TaskStatus) -> impl IntoView {
    let class = match s {
        TaskStatus::Completed => "badge ok",
        TaskStatus::Running => "badge",
        TaskStatus::Stopped | TaskStatus::Interrupted => "badge warn",
        TaskStatus::Failed => "badge danger",
    };
    view! { <span class=class>{status_label(s)}</span> }
}

#[component]
pub fn TaskPage() -> impl IntoView {
    let state = app();
    let overview = RwSignal::new(None::<TaskOverview>);
    let error = RwSignal::new(None::<String>);
    let errors = FormErrors::new();
    let run_errors = FormErrors::new();
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);

    let enabled = RwSignal::new(false);
    let run_at = RwSignal::new(String::new());
    let recompute = RwSignal::new(String::new());
    let terminals = RwSignal::new(true);
    let daily_days = RwSignal::new(String::new());
    let monthly_months = RwSignal::new(String::new());
    let events_days = RwSignal::new(String::new());
    let from = RwSignal::new(add_days(&today(), -31));
    let to = RwSignal::new(add_days(&today(), -1));

    let fill = move |s: &AttendanceTaskSettings| {
        enabled.set(s.enabled);
        run_at.set(s.run_at.clone());
        recompute.set(s.recompute_days.to_string());
        terminals.set(s.terminals);
        daily_days.set(s.retention.daily_days.to_string());
        monthly_months.set(s.retention.monthly_months.to_string());
        events_days.set(s.retention.events_days.to_string());
    };
    let refresh = move |fill_form: bool| {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::GetTask>(&(), &(), &Empty).await {
                Ok(o) => {
                    if fill_form {
                        fill(&o.settings);
                    }
                    overview.set(Some(o));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    refresh(true);

    // Every 2 s while the page is open and a run is going on.
    let alive = Arc::new(AtomicBool::new(true));
    let alive2 = alive.clone();
    on_cleanup(move || alive2.store(false, Ordering::Relaxed));
    leptos::task::spawn_local(async move {
        loop {
            sleep(2000).await;
            if !alive.load(Ordering::Relaxed) {
                break;
            }
            if overview.try_with_untracked(|o| o.as_ref().is_some_and(|o| o.running.is_some())) == Some(true) {
                refresh(false);
            }
        }
    });

    let save = move || {
        saved.set(false);
        errors.clear();
        let num = |field: &str, v: RwSignal<String>| -> Option<u32> {
            let r = v.get_untracked().trim().parse::<u32>().ok();
            if r.is_none() {
                errors.set_field(field, t("form.whole_number"));
            }
            r
        };
        let (Some(rd), Some(dd), Some(mm), Some(ed)) = (
            num("recompute_days", recompute),
            num("retention.daily_days", daily_days),
            num("retention.monthly_months", monthly_months),
            num("retention.events_days", events_days),
        ) else {
            return;
        };
        let body = AttendanceTaskSettings {
            enabled: enabled.get_untracked(),
            run_at: run_at.get_untracked(),
            recompute_days: rd,
            terminals: terminals.get_untracked(),
            retention: RetentionSettings { daily_days: dd, monthly_months: mm, events_days: ed },
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SaveTaskSettings>(&(), &(), &body).await {
                Ok(s) => {
                    fill(&s);
                    saved.set(true);
                    refresh(false);
                }
                Err(e) => errors.set_api(&e),
            }
            busy.set(false);
        });
    };

    let start = move |body: RunTask| {
        run_errors.clear();
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::StartTask>(&(), &(), &body).await {
                Ok(_) => refresh(false),
                Err(e) => run_errors.set_api(&e),
            }
        });
    };
    let rebuild = move || {
        run_errors.clear();
        let (f, tt) = (from.get_untracked(), to.get_untracked());
        let mut ok = true;
        for (field, v) in [("from", &f), ("to", &tt)] {
            if parse_date(v).is_none() {
                run_errors.set_field(field, t("form.date"));
                ok = false;
            }
        }
        if ok {
            start(RunTask { from: Some(f), to: Some(tt) });
        }
    };
    let stop = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::StopTask>(&(), &(), &Empty).await {
                Ok(o) => overview.set(Some(o)),
                Err(e) => run_errors.set_api(&e),
            }
        });
    };
    let fmt = move |ts: i64| format_timestamp(ts, state.time_zone().as_deref(), state.lang.get());
    let running = move || overview.with(|o| o.as_ref().and_then(|o| o.running.clone()));
    let is_running = Memo::new(move |_| running().is_some());
    let running_view = move || match running() {
        Some(r) => view! {
            <p>{status_badge(r.status)} " " {trigger_label(r.trigger)} " " {format!("{} – {}", r.from, r.to)}</p>
            <progress max=r.days_total.max(1) value=r.days_done></progress>
            <span>{format!(" {} / {} {}", r.days_done, r.days_total, t("task.days"))}</span>
        }
        .into_any(),
        None => view! { <p class="hint">{t("task.idle")}</p> }.into_any(),
    };
    let next_run =
        move || overview.with(|o| o.as_ref().and_then(|o| o.next_run_at)).map(fmt).unwrap_or_else(|| t("task.not_scheduled").to_string());
    let runs = move || {
        overview
            .with(|o| o.as_ref().map(|o| o.recent.clone()).unwrap_or_default())
            .into_iter()
            .map(|r| {
                view! {
                    <tr data-run=r.id>
                        <td>{r.id}</td>
                        <td>{trigger_label(r.trigger)}</td>
                        <td>{format!("{} – {}", r.from, r.to)}</td>
                        <td>{fmt(r.started_at)}</td>
                        <td class="num">{r.finished_at.map(|f| (f - r.started_at).to_string()).unwrap_or_default()}</td>
                        <td data-testid="task-run-status">{status_badge(r.status)}</td>
                        <td class="num">{format!("{}/{}", r.days_done, r.days_total)}</td>
                        <td class="num">{r.daily_records}</td>
                        <td>{r.message.clone().unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let run_headers =
        ["task.trigger", "task.range", "task.started", "task.seconds", "task.status", "task.days", "task.records", "task.message"];

    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("task.title")}</h1>
            {super::error_banner(error)}
            <div class="columns">
                <div class="panel">
                    <form novalidate aria-labelledby="task-schedule" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        save();
                    }>
                        <h2 id="task-schedule">{tx("task.schedule")}</h2>
                        <CheckField id="task-enabled" label=tr("task.enabled") value=enabled />
                        <TextField id="task-run-at" field="run_at" label=tr("task.run_at") value=run_at errors=errors kind="time" />
                        <TextField id="task-recompute" field="recompute_days" label=tr("task.recompute_days") value=recompute errors=errors kind="number" hint=tr("task.recompute_hint") />
                        <CheckField id="task-terminals" label=tr("task.terminals") value=terminals />
                        <fieldset>
                            <legend>{tx("task.retention")}</legend>
                            <TextField id="ret-daily" field="retention.daily_days" label=tr("task.ret_daily") value=daily_days errors=errors kind="number" />
                            <TextField id="ret-monthly" field="retention.monthly_months" label=tr("task.ret_monthly") value=monthly_months errors=errors kind="number" />
                            <TextField id="ret-events" field="retention.events_days" label=tr("task.ret_events") value=events_days errors=errors kind="number" hint=tr("task.keep_hint") />
                        </fieldset>
                        <GeneralError errors=errors />
                        {move || saved.get().then(|| view! { <p class="ok-banner" role="status">{t("common.saved")}</p> })}
                        <div class="actions">
                            <button type="submit" class="primary" data-testid="task-save" disabled=move || busy.get()>{tx("common.save")}</button>
                        </div>
                    </form>
                </div>
                <div class="panel">
                    <h2>{tx("task.status")}</h2>
                    <p>{tx("task.next_run")} ": " <span data-testid="task-next">{next_run}</span></p>
                    <div aria-live="polite" data-testid="task-running">{running_view}</div>
                    <div class="actions left">
                        <button type="button" class="primary" data-testid="task-run-now" disabled=move || is_running.get() on:click=move |_| start(RunTask::default())>
                            {tx("task.run_now")}
                        </button>
                        <button type="button" class="danger" data-testid="task-stop" disabled=move || !is_running.get() on:click=move |_| stop()>
                            {tx("task.stop")}
                        </button>
                    </div>
                    <form class="filters" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        rebuild();
                    }>
                        <TextField id="task-from" field="from" label=tr("task.from") value=from errors=run_errors kind="date" />
                        <TextField id="task-to" field="to" label=tr("task.to") value=to errors=run_errors kind="date" />
                        <button type="submit" data-testid="task-rebuild" disabled=move || is_running.get()>{tx("task.rebuild")}</button>
                    </form>
                    <GeneralError errors=run_errors />
                </div>
            </div>
            <h2>{tx("task.recent")}</h2>
            <div class="table-wrap">
                <table data-testid="task-runs">
                    <thead>
                        <tr>
                            <th>"#"</th>
                            {run_headers.into_iter().map(|k| view! { <th>{move || t_dyn(k)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>{runs}</tbody>
                </table>
            </div>
        </section>
    }
}
