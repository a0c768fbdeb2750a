//! The attendance task: its schedule and retention, the run in progress (polled every 2 s),
//! the last runs, and "Run now" / "Rebuild from–to" / "Stop".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kinmu_shared::api::{AttendanceTaskSettings, RetentionSettings, RunTask, TaskOverview, TaskStatus, TaskTrigger};
use leptos::prelude::*;

use super::AdminNav;
use crate::api_client;
use crate::app_state::app;
use crate::components::form_errors::FormErrors;
use crate::datetime::{add_days, format_timestamp, parse_date, today};
use crate::html::{Html, RawHtml, checked, esc, value_of};
use crate::i18n::{t, t_dyn, tx};

/// Waits `ms` milliseconds (a `setTimeout` promise).
pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn status_label(s: TaskStatus) -> &'static str {
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

fn status_badge(s: TaskStatus) -> String {
    let class = match s {
        TaskStatus::Completed => "badge ok",
        TaskStatus::Running => "badge",
        TaskStatus::Stopped | TaskStatus::Interrupted => "badge warn",
        TaskStatus::Failed => "badge danger",
    };
    format!(r#"<span class="{class}">{}</span>"#, esc(status_label(s)))
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
            match api_client::get::<TaskOverview>("/attendance/task").await {
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

    let settings_html = Signal::derive(move || {
        let _ = state.lang.get();
        let mut h = Html::new();
        h.checkbox("task-enabled", t("task.enabled"), enabled.get());
        h.input("task-run-at", "run_at", t("task.run_at"), "time", &run_at.get(), "", errors);
        h.input("task-recompute", "recompute_days", t("task.recompute_days"), "number", &recompute.get(), t("task.recompute_hint"), errors);
        h.checkbox("task-terminals", t("task.terminals"), terminals.get());
        h.fmt(format_args!("<fieldset><legend>{}</legend>", esc(t("task.retention"))));
        h.input("ret-daily", "retention.daily_days", t("task.ret_daily"), "number", &daily_days.get(), "", errors);
        h.input("ret-monthly", "retention.monthly_months", t("task.ret_monthly"), "number", &monthly_months.get(), "", errors);
        h.input("ret-events", "retention.events_days", t("task.ret_events"), "number", &events_days.get(), t("task.keep_hint"), errors);
        h.raw("</fieldset>");
        h.0
    });
    let save = move || {
        saved.set(false);
        // What was typed, so that showing errors keeps it.
        enabled.update_untracked(|v| *v = checked("task-enabled"));
        terminals.update_untracked(|v| *v = checked("task-terminals"));
        for (sig, id) in [
            (run_at, "task-run-at"),
            (recompute, "task-recompute"),
            (daily_days, "ret-daily"),
            (monthly_months, "ret-monthly"),
            (events_days, "ret-events"),
        ] {
            sig.update_untracked(|v| *v = value_of(id));
        }
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
            match api_client::send::<_, AttendanceTaskSettings>("PUT", "/attendance/task/settings", &body).await {
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
            match api_client::send::<_, kinmu_shared::api::TaskRun>("POST", "/attendance/task/run", &body).await {
                Ok(_) => refresh(false),
                Err(e) => run_errors.set_api(&e),
            }
        });
    };
    let rebuild = move || {
        run_errors.clear();
        from.update_untracked(|v| *v = value_of("task-from"));
        to.update_untracked(|v| *v = value_of("task-to"));
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
            match api_client::send::<_, TaskOverview>("POST", "/attendance/task/stop", &serde_json::json!({})).await {
                Ok(o) => overview.set(Some(o)),
                Err(e) => run_errors.set_api(&e),
            }
        });
    };
    let fmt = move |ts: i64| format_timestamp(ts, state.time_zone().as_deref(), state.lang.get());
    let running = move || overview.with(|o| o.as_ref().and_then(|o| o.running.clone()));
    let running_html = Signal::derive(move || match running() {
        Some(r) => format!(
            r#"<p>{} {} {} – {}</p><progress max="{}" value="{}"></progress><span> {} / {} {}</span>"#,
            status_badge(r.status),
            esc(trigger_label(r.trigger)),
            esc(&r.from),
            esc(&r.to),
            r.days_total.max(1),
            r.days_done,
            r.days_done,
            r.days_total,
            esc(t("task.days"))
        ),
        None => format!(r#"<p class="hint">{}</p>"#, esc(t("task.idle"))),
    });
    let runs_html = Signal::derive(move || {
        let mut h = Html::new();
        h.raw(r#"<table data-testid="task-runs"><thead><tr><th>#</th>"#);
        for k in ["task.trigger", "task.range", "task.started", "task.seconds", "task.status", "task.days", "task.records", "task.message"]
        {
            h.el("th", "", t_dyn(k));
        }
        h.raw("</tr></thead><tbody>");
        if let Some(o) = overview.get() {
            for r in o.recent {
                h.fmt(format_args!(r#"<tr data-run="{}"><td>{}</td>"#, r.id, r.id));
                h.el("td", "", trigger_label(r.trigger)).el("td", "", &format!("{} – {}", r.from, r.to)).el("td", "", &fmt(r.started_at));
                h.el("td", r#"class="num""#, &r.finished_at.map(|f| (f - r.started_at).to_string()).unwrap_or_default());
                h.fmt(format_args!(r#"<td data-testid="task-run-status">{}</td>"#, status_badge(r.status)));
                h.el("td", r#"class="num""#, &format!("{}/{}", r.days_done, r.days_total)).el(
                    "td",
                    r#"class="num""#,
                    &r.daily_records.to_string(),
                );
                h.el("td", "", r.message.as_deref().unwrap_or("")).raw("</tr>");
            }
        }
        h.raw("</tbody></table>");
        h.0
    });

    let is_running = Memo::new(move |_| running().is_some());
    let controls_html = Signal::derive(move || {
        let _ = state.lang.get();
        let on = is_running.get();
        let dis = if on { " disabled" } else { "" };
        let mut h = Html::new();
        h.fmt(format_args!(
            r#"<div class="actions left"><button type="button" class="primary" data-testid="task-run-now" data-action="run-now"{dis}>{}</button><button type="button" class="danger" data-testid="task-stop" data-action="stop"{}>{}</button></div><form class="filters" data-submit="rebuild" novalidate>"#,
            esc(t("task.run_now")),
            if on { "" } else { " disabled" },
            esc(t("task.stop"))
        ));
        h.input("task-from", "from", t("task.from"), "date", &from.get(), "", run_errors);
        h.input("task-to", "to", t("task.to"), "date", &to.get(), "", run_errors);
        h.fmt(format_args!(r#"<button type="submit" data-testid="task-rebuild"{dis}>{}</button></form>"#, esc(t("task.rebuild"))));
        if let Some(m) = run_errors.general() {
            h.raw(r#"<p class="error-banner" role="alert" data-testid="form-error">"#).text(&m).raw("</p>");
        }
        h.0
    });
    let status_html = Signal::derive(move || {
        let next =
            overview.with(|o| o.as_ref().and_then(|o| o.next_run_at)).map(fmt).unwrap_or_else(|| t("task.not_scheduled").to_string());
        format!(
            r#"<p>{}: <span data-testid="task-next">{}</span></p><div aria-live="polite" data-testid="task-running">{}</div>"#,
            esc(t("task.next_run")),
            esc(&next),
            running_html.get()
        )
    });
    let form_html = Signal::derive(move || {
        let mut h = Html::new();
        h.fmt(format_args!(
            r#"<form data-submit="save" novalidate aria-labelledby="task-schedule"><h2 id="task-schedule">{}</h2>"#,
            esc(t("task.schedule"))
        ));
        h.raw(&settings_html.get());
        if let Some(m) = errors.general() {
            h.raw(r#"<p class="error-banner" role="alert" data-testid="form-error">"#).text(&m).raw("</p>");
        }
        if saved.get() {
            h.fmt(format_args!(r#"<p class="ok-banner" role="status">{}</p>"#, esc(t("common.saved"))));
        }
        h.fmt(format_args!(
            r#"<div class="actions"><button type="submit" class="primary" data-testid="task-save"{}>{}</button></div></form>"#,
            if busy.get() { " disabled" } else { "" },
            esc(t("common.save"))
        ));
        h.0
    });
    let act = Callback::new(move |(a, _, _): (String, web_sys::Element, bool)| match a.as_str() {
        "save" => save(),
        "rebuild" => rebuild(),
        "run-now" => start(RunTask::default()),
        "stop" => stop(),
        _ => {}
    });

    view! {
        <section class="card wide">
            <AdminNav />
            <h1>{tx("task.title")}</h1>
            {super::error_banner(error)}
            <div class="columns">
                <RawHtml class="panel" html=form_html on_action=act />
                <div class="panel">
                    <h2>{tx("task.status")}</h2>
                    <RawHtml html=status_html />
                    <RawHtml html=controls_html on_action=act />
                </div>
            </div>
            <h2>{tx("task.recent")}</h2>
            <RawHtml class="table-wrap" html=runs_html />
        </section>
    }
}
