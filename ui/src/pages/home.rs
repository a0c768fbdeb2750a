//! The start page: what to look at today — your attendance this month and, for those who run the
//! attendance task, how it stands; the effort dashboards (a lazily loaded chunk) — then who you are, where you belong, when you last logged in.

use kinmu_shared::Permission;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{MonthTotals, Organization, TaskOverview, TaskStatus, TimesheetQuery};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::datetime::{format_timestamp, hm, today};
use crate::i18n::{role_label, t, tx};
use crate::pages::attendance::column_title;
use crate::pages::attendance::task::status_label;
use crate::router::{Link, Route};

/// The signed-in person's month so far, from their stored days.
#[component]
fn MyMonth() -> impl IntoView {
    let month = today()[..7].to_string();
    let totals = RwSignal::new(None::<Result<MonthTotals, String>>);
    let query = TimesheetQuery { user: None, month: month.clone() };
    leptos::task::spawn_local(async move {
        totals.set(Some(api_client::call::<routes::GetTimesheet>(&(), &query, &Empty).await.map(|s| s.totals).map_err(|e| e.message)));
    });
    let item = |key: &'static str, value: String| {
        view! {
            <dt>{move || column_title(key)}</dt>
            <dd data-testid=format!("home-month-{key}")>{value}</dd>
        }
    };
    view! {
        <section class="card" aria-labelledby="home-month-title">
            <h2 id="home-month-title">{tx("home.my_month")} " " {month}</h2>
            {move || match totals.get() {
                None => view! { <p class="loading">{tx("common.loading")}</p> }.into_any(),
                Some(Err(message)) => view! { <p class="hint">{message}</p> }.into_any(),
                Some(Ok(m)) => {
                    let missing = m.days_without_clock_in + m.days_without_clock_out;
                    view! {
                        <dl class="summary">
                            {item("days_worked", m.days_worked.to_string())}
                            {item("actual_work", hm(m.actual_work_minutes as i64))}
                            {item("overtime", hm(m.overtime_minutes as i64))}
                            {item("absent_days", m.absent_days.to_string())}
                        </dl>
                        {(missing > 0)
                            .then(|| {
                                view! {
                                    <p class="badge warn" data-testid="home-month-missing">
                                        {move || t("home.missing_days").replace("{n}", &missing.to_string())}
                                    </p>
                                }
                            })}
                        <p><Link route=Route::Attendance testid="home-attendance">{tx("home.open_attendance")}</Link></p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// What needs an administrator's eye: the attendance task's last run, its next one, and warnings.
#[component]
fn TaskState() -> impl IntoView {
    let overview = RwSignal::new(None::<TaskOverview>);
    leptos::task::spawn_local(async move {
        if let Ok(o) = api_client::call::<routes::GetTask>(&(), &(), &Empty).await {
            overview.set(Some(o));
        }
    });
    let state = app();
    let fmt = move |ts: i64| format_timestamp(ts, state.time_zone().as_deref(), state.lang.get());
    move || {
        overview.get().map(|o| {
            let last = o.recent.first().cloned();
            let mut warnings: Vec<&'static str> = Vec::new();
            if !o.settings.enabled {
                warnings.push("home.warn_schedule_off");
            }
            if last.as_ref().is_some_and(|r| matches!(r.status, TaskStatus::Failed | TaskStatus::Interrupted)) {
                warnings.push("home.warn_last_run");
            }
            if o.rebuildable.is_none() {
                warnings.push("home.warn_nothing_stored");
            }
            view! {
                <section class="card" aria-labelledby="home-task-title" data-testid="home-task">
                    <h2 id="home-task-title">{tx("home.task_title")}</h2>
                    <dl class="summary">
                        <dt>{tx("home.last_run")}</dt>
                        <dd data-testid="home-last-run">
                            {match last {
                                Some(r) => {
                                    let when = fmt(r.finished_at.unwrap_or(r.started_at));
                                    format!("{} ({when}, {} – {})", t(status_label(r.status)), r.from, r.to)
                                }
                                None => t("home.never_run").to_string(),
                            }}
                        </dd>
                        <dt>{tx("task.next_run")}</dt>
                        <dd>{o.next_run_at.map(fmt).unwrap_or_else(|| t("task.not_scheduled").to_string())}</dd>
                    </dl>
                    <ul class="warnings">
                        {warnings
                            .into_iter()
                            .map(|w| view! { <li class="badge warn" data-testid="home-warning">{tx(w)}</li> })
                            .collect_view()}
                    </ul>
                    <p><Link route=Route::AttendanceTask testid="home-task-link">{tx("nav.att_task")}</Link></p>
                </section>
            }
        })
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let state = app();
    let org_path = RwSignal::new(None::<String>);
    let last_login = RwSignal::new(None::<Option<i64>>);
    // Organisation path (visible to every session) and, when allowed, the own user record for
    // the last-login time.
    Effect::new(move |_| {
        let Some(user) = state.session.with(|s| s.as_ref().map(|s| s.user.clone())) else { return };
        leptos::task::spawn_local(async move {
            if let Some(oid) = user.organization_id
                && let Ok(orgs) = api_client::organizations().await
            {
                org_path.set(orgs.into_iter().find(|o: &Organization| o.id == oid).map(|o| o.path));
            }
            if let Ok(u) = api_client::call::<routes::GetUser>(&user.id, &(), &Empty).await {
                last_login.set(Some(u.last_login_at));
            }
        });
    });
    let name = move || state.session.with(|s| s.as_ref().map(|s| s.user.display_name.clone()).unwrap_or_default());
    let role = move || state.session.with(|s| s.as_ref().map(|s| role_label(&s.user.role_name)).unwrap_or_default());
    let tz = move || state.time_zone().unwrap_or_default();
    let expires = move || state.session.with(|s| s.as_ref().map(|s| s.expires_at));
    let fmt = move |ts: i64| format_timestamp(ts, state.time_zone().as_deref(), state.lang.get());
    let sees_task = state.can(Permission::ViewAttendance) && state.can(Permission::ManageSettings);
    // The effort dashboards are in the `effort` chunk, fetched here only for who may have one:
    // someone who enters effort, or may approve (any signed-in person may be named an approver,
    // so everyone with a role in effort: entering, managing projects, administering).
    let sees_effort = state.can(Permission::EnterEffort) || state.can(Permission::ManageProjects) || state.can(Permission::ManageSettings);
    view! {
        <section class="card">
            <h1 data-testid="home-greeting">{move || t("home.greeting").replace("{name}", &name())}</h1>
            <dl class="summary">
                <dt>{tx("home.role")}</dt>
                <dd data-testid="home-role">{role}</dd>
                <dt>{tx("home.organization")}</dt>
                <dd data-testid="home-organization">{move || org_path.get().unwrap_or_else(|| state.session.with(|s| s.as_ref().map(|s| s.organization_name.clone()).unwrap_or_default()))}</dd>
                <dt>{tx("home.last_login")}</dt>
                <dd data-testid="home-last-login">{move || match last_login.get() {
                    Some(Some(ts)) => fmt(ts),
                    Some(None) => t("home.first_login").to_string(),
                    None => "—".to_string(),
                }}</dd>
                <dt>{tx("home.session_until")}</dt>
                <dd>{move || expires().map(fmt).unwrap_or_default()}</dd>
                <dt>{tx("field.time_zone")}</dt>
                <dd>{tz}</dd>
            </dl>
        </section>
        <MyMonth />
        {sees_effort.then(|| crate::lazy_pages::lazy_page(crate::lazy_pages::effort_dashboard))}
        {sees_task.then(|| view! { <TaskState /> })}
    }
}
