//! Approvals (any signed-in person: whoever is named an approver reaches it from the home page's
//! dashboard; the header links it for projects.manage): by default the effort periods waiting for
//! the caller (the people they approve);
//! a switch shows all the caller may see (projects.manage), filtered by state, month and
//! organisation (with its sub-organisations) — for each waiting one its person,
//! its days' totals beside their attended work, every marked gap with its reason — approved
//! (locked) or sent back with a comment; and a person's periods with their history, where an
//! administrator reopens a locked one, giving a reason that is kept.

use chrono::{Datelike, NaiveDate};
use kinmu_shared::Permission;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{
    EffortDay, EffortPeriod, GapDay, GapQuery, GapReason, Organization, PeriodChange, PeriodDecision, PeriodQuery, ReopenPeriod, WeekQuery,
};
use kinmu_shared::effort::{GapKind, PeriodAction, PeriodState, format_minutes};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::dialog::Modal;
use crate::components::field::{CheckField, SelectField, TextAreaField, TextField};
use crate::components::form_errors::{FormErrors, GeneralError};
use crate::datetime::{format_timestamp, parse_date};
use crate::i18n::{t, tr, tx};

pub fn state_label(s: PeriodState) -> &'static str {
    t(match s {
        PeriodState::Open => "effort.approvals.state_open",
        PeriodState::Submitted => "effort.approvals.state_submitted",
        PeriodState::Approved => "effort.approvals.state_approved",
        PeriodState::SentBack => "effort.approvals.state_sent_back",
        PeriodState::Reopened => "effort.approvals.state_reopened",
    })
}

fn action_label(a: PeriodAction) -> &'static str {
    t(match a {
        PeriodAction::Submit => "effort.approvals.action_submit",
        PeriodAction::Approve => "effort.approvals.action_approve",
        PeriodAction::SendBack => "effort.approvals.action_send_back",
        PeriodAction::Reopen => "effort.approvals.action_reopen",
    })
}

fn gap_label(k: GapKind) -> &'static str {
    t(match k {
        GapKind::Difference => "effort.approvals.gap_difference",
        GapKind::ActivityWithoutEffort => "effort.approvals.gap_activity_without_effort",
        GapKind::EffortWithoutActivity => "effort.approvals.gap_effort_without_activity",
    })
}

fn date_of(s: &str) -> Option<NaiveDate> {
    let (y, m, d) = parse_date(s)?;
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// The ISO weeks (`YYYY-Www`) holding the days from `start` to `end`.
fn weeks_between(start: &str, end: &str) -> Vec<String> {
    let (Some(mut d), Some(last)) = (date_of(start), date_of(end)) else { return Vec::new() };
    let mut out: Vec<String> = Vec::new();
    while d <= last {
        let w = d.iso_week();
        let key = format!("{}-W{:02}", w.year(), w.week());
        if !out.contains(&key) {
            out.push(key);
        }
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

/// The months (`YYYY-MM`) holding the days from `start` to `end`.
fn months_between(start: &str, end: &str) -> Vec<String> {
    let (first, last) = (start.get(..7).unwrap_or_default(), end.get(..7).unwrap_or_default());
    let mut out = vec![first.to_string()];
    let mut m = first.to_string();
    while m.as_str() < last && out.len() < 24 {
        m = crate::datetime::add_months(&m, 1);
        out.push(m.clone());
    }
    out
}

fn when(ts: i64) -> String {
    let s = app();
    format_timestamp(ts, s.time_zone().as_deref(), s.lang.get_untracked())
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let state = app();
    let waiting = RwSignal::new(None::<Vec<EffortPeriod>>);
    let reasons = RwSignal::new(Vec::<GapReason>::new());
    let error = RwSignal::new(None::<String>);
    let person = RwSignal::new(String::new());
    let shown_person = RwSignal::new(String::new());
    let theirs = RwSignal::new(None::<Vec<EffortPeriod>>);
    let person_errors = FormErrors::new();
    let decided = RwSignal::new(None::<EffortPeriod>);
    // The filters: whose periods (mine by default), which state, month and organisation.
    let all_mine = RwSignal::new(false);
    let state_filter = RwSignal::new(PeriodState::Submitted.key().to_string());
    let month_filter = RwSignal::new(String::new());
    let org_filter = RwSignal::new(String::new());
    let filter_errors = FormErrors::new();
    let orgs = RwSignal::new(Vec::<Organization>::new());
    leptos::task::spawn_local(async move {
        if let Ok(o) = api_client::organizations().await {
            orgs.set(o);
        }
    });

    let load_waiting = move || {
        let query = PeriodQuery {
            for_me: !all_mine.get_untracked(),
            state: PeriodState::from_key(&state_filter.get_untracked()),
            month: Some(month_filter.get_untracked().trim().to_string()).filter(|m| !m.is_empty()),
            organization_id: org_filter.get_untracked().parse().ok(),
            // Every state and no other filter is still a list across people.
            waiting: false,
            ..Default::default()
        };
        let query = if query.across_people() { query } else { PeriodQuery { for_me: true, ..query } };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListPeriods>(&(), &query, &Empty).await {
                Ok(p) => {
                    waiting.set(Some(p));
                    error.set(None);
                    filter_errors.clear();
                }
                Err(e) if e.field.is_some() => filter_errors.set_api(&e),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let load_person = move || {
        let login = person.get_untracked().trim().to_string();
        if login.is_empty() {
            person_errors.set_field("user", t("effort.approvals.person_required"));
            return;
        }
        leptos::task::spawn_local(async move {
            let query = PeriodQuery { user: Some(login.clone()), ..Default::default() };
            match api_client::call::<routes::ListPeriods>(&(), &query, &Empty).await {
                Ok(p) => {
                    person_errors.clear();
                    shown_person.set(login);
                    theirs.set(Some(p));
                }
                Err(e) => {
                    theirs.set(None);
                    person_errors.set_api(&e);
                    if person_errors.field("user").is_none() {
                        person_errors.set_field("user", e.message);
                    }
                }
            }
        });
    };
    load_waiting();
    leptos::task::spawn_local(async move {
        if let Ok(r) = api_client::call::<routes::ListGapReasons>(&(), &(), &Empty).await {
            reasons.set(r);
        }
    });
    let on_decided = Callback::new(move |p: EffortPeriod| {
        decided.set(Some(p.clone()));
        load_waiting();
        person.set(p.login.clone());
        load_person();
    });
    let show_person = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load_person();
    };
    let is_admin = Signal::derive(move || state.can(Permission::ManageSettings));
    let sees_all = Signal::derive(move || state.can(Permission::ManageProjects));
    let state_options = Signal::derive(move || {
        let mut v = vec![(String::new(), t("effort.approvals.any_state").to_string())];
        v.extend(
            [PeriodState::Submitted, PeriodState::Approved, PeriodState::SentBack, PeriodState::Reopened]
                .into_iter()
                .map(|s| (s.key().to_string(), state_label(s).to_string())),
        );
        v
    });
    let org_options = Signal::derive(move || {
        let mut v = vec![(String::new(), t("effort.approvals.any_organization").to_string())];
        v.extend(orgs.get().into_iter().map(|o| (o.id.to_string(), o.path)));
        v
    });
    let apply_filters = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        load_waiting();
    };
    Effect::new(move |first: Option<()>| {
        let _ = all_mine.get();
        if first.is_some() {
            load_waiting();
        }
    });

    view! {
        <section class="card wide">
            <h1>{tx("effort.approvals.title")}</h1>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {move || decided.get().map(|p| view! {
                <p class="ok-banner" role="status" data-testid="approval-done">
                    {format!("{} {} – {}: {}", p.display_name, p.start, p.end, state_label(p.state))}
                </p>
            })}
            <section aria-labelledby="waiting-title" data-testid="periods-waiting">
                <h2 id="waiting-title">{move || if all_mine.get() { t("effort.approvals.all_periods") } else { t("effort.approvals.waiting_for_me") }}</h2>
                <form class="inline-form" on:submit=apply_filters novalidate data-testid="period-filters">
                    <Show when=move || sees_all.get()>
                        <CheckField id="periods-all" label=tr("effort.approvals.show_all") value=all_mine />
                    </Show>
                    <SelectField id="periods-state" field="state" label=tr("effort.approvals.state") value=state_filter errors=filter_errors options=state_options />
                    <TextField id="periods-month" field="month" label=tr("effort.approvals.month") value=month_filter errors=filter_errors hint=tr("effort.approvals.month_hint") />
                    <SelectField id="periods-organization" field="organization_id" label=tr("field.organization") value=org_filter errors=filter_errors options=org_options />
                    <button type="submit" data-testid="period-filters-apply">{tx("effort.approvals.apply")}</button>
                </form>
                // Not rebuilt when the language changes (the texts inside follow it): a comment
                // being written stays.
                {move || {
                    waiting.get().map(|all| {
                        if all.is_empty() {
                            view! { <p class="empty" data-testid="no-waiting">{tx("effort.approvals.none_waiting")}</p> }.into_any()
                        } else {
                            let (waiting_ones, others): (Vec<EffortPeriod>, Vec<EffortPeriod>) =
                                all.into_iter().partition(|p| p.state == PeriodState::Submitted);
                            let changed = Callback::new(move |_| load_waiting());
                            view! {
                                {waiting_ones
                                    .into_iter()
                                    .map(|p| view! { <WaitingPeriod period=p reasons=reasons on_decided=on_decided /> })
                                    .collect_view()}
                                {(!others.is_empty()).then(|| view! {
                                    <table class="list" data-testid="filtered-period-table">
                                        <thead>
                                            <tr>
                                                <th>{tx("effort.approvals.person")}</th>
                                                <th>{tx("effort.approvals.period")}</th>
                                                <th>{tx("effort.approvals.state")}</th>
                                                <th>{tx("common.actions")}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {others.into_iter().map(|p| view! { <PersonPeriodRow period=p is_admin=is_admin on_changed=changed /> }).collect_view()}
                                        </tbody>
                                    </table>
                                })}
                            }
                            .into_any()
                        }
                    })
                }}
            </section>
            <section aria-labelledby="person-periods-title" data-testid="person-periods">
                <h2 id="person-periods-title">{tx("effort.approvals.person_periods")}</h2>
                <form class="inline-form" on:submit=show_person novalidate>
                    <TextField id="period-person" field="user" label=tr("field.login") value=person errors=person_errors />
                    <button type="submit" data-testid="period-person-show">{tx("effort.approvals.show")}</button>
                </form>
                {move || {
                    theirs.get().map(|list| {
                        if list.is_empty() {
                            let who = shown_person.get_untracked();
                            return view! { <p class="empty">{move || format!("{who}: {}", t("effort.approvals.no_periods"))}</p> }.into_any();
                        }
                        view! {
                            <table class="list" data-testid="person-period-table">
                                <thead>
                                    <tr>
                                        <th>{tx("effort.approvals.person")}</th>
                                        <th>{tx("effort.approvals.period")}</th>
                                        <th>{tx("effort.approvals.state")}</th>
                                        <th>{tx("common.actions")}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|p| view! { <PersonPeriodRow period=p is_admin=is_admin on_changed=Callback::new(move |_| { load_person(); load_waiting(); }) /> }).collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any()
                    })
                }}
            </section>
        </section>
    }
}

/// A waiting period: its days, its gaps, and the decision.
#[component]
fn WaitingPeriod(period: EffortPeriod, reasons: RwSignal<Vec<GapReason>>, on_decided: Callback<EffortPeriod>) -> impl IntoView {
    let id = period.id;
    let days = RwSignal::new(None::<Vec<EffortDay>>);
    let gaps = RwSignal::new(None::<Vec<GapDay>>);
    let load_error = RwSignal::new(None::<String>);
    let (start, end, login) = (period.start.clone(), period.end.clone(), period.login.clone());
    {
        let (start, end, login) = (start.clone(), end.clone(), login.clone());
        leptos::task::spawn_local(async move {
            let mut all = Vec::new();
            for week in weeks_between(&start, &end) {
                match api_client::call::<routes::GetEffortWeek>(&(), &WeekQuery { week, user: Some(login.clone()) }, &Empty).await {
                    Ok(w) => all.extend(w.days.into_iter().filter(|d| d.date >= start && d.date <= end)),
                    Err(e) => load_error.set(Some(e.message)),
                }
            }
            days.set(Some(all));
            let mut marked = Vec::new();
            for month in months_between(&start, &end) {
                match api_client::call::<routes::GetGaps>(&(), &GapQuery { month, user: Some(login.clone()) }, &Empty).await {
                    Ok(g) => marked.extend(g.days.into_iter().filter(|d| d.date >= start && d.date <= end)),
                    Err(e) => load_error.set(Some(e.message)),
                }
            }
            gaps.set(Some(marked));
        });
    }
    let comment = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let decide = move |action: PeriodAction| {
        if busy.get_untracked() {
            return;
        }
        let body = PeriodDecision { comment: comment.get_untracked().trim().to_string() };
        if action == PeriodAction::SendBack && body.comment.is_empty() {
            errors.set_field("comment", t("effort.approvals.comment_required"));
            crate::focus::focus_id(format!("period-comment-{id}"));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = match action {
                PeriodAction::SendBack => api_client::call::<routes::SendBackPeriod>(&id, &(), &body).await,
                _ => api_client::call::<routes::ApprovePeriod>(&id, &(), &body).await,
            };
            busy.set(false);
            match r {
                Ok(p) => on_decided.run(p),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    // An id per period: several periods wait on one page, each with its own comment.
    let comment_id = format!("period-comment-{id}");
    let has_error = move || errors.field("comment").is_some();
    let submitted = period.submitted_at.map(when).unwrap_or_default();
    view! {
        <article class="period-card" data-testid=format!("waiting-{}", period.login) aria-labelledby=format!("period-{id}-title")>
            <h3 id=format!("period-{id}-title")>{format!("{} ({}) — {} – {}", period.display_name, period.login, period.start, period.end)}</h3>
            <p class="hint">{move || format!("{}: {submitted}", t("effort.approvals.submitted_at"))}</p>
            <p class="hint" data-testid="period-approver">
                {let name = period.approver_name.clone(); move || format!("{}: {}", t("effort.approvals.approver"), name.clone().unwrap_or_else(|| t("effort.approvals.no_approver").to_string()))}
            </p>
            {move || load_error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            <h4>{tx("effort.approvals.days")}</h4>
            {move || {
                let _ = app().lang.get();
                days.get().map(|list| {
                    let shown: Vec<EffortDay> = list.into_iter().filter(|d| d.total_minutes > 0 || d.attendance.is_some()).collect();
                    if shown.is_empty() {
                        return view! { <p class="empty">{t("effort.approvals.no_effort")}</p> }.into_any();
                    }
                    let total: i64 = shown.iter().map(|d| d.total_minutes).sum();
                    view! {
                        <table class="list" data-testid="period-days">
                            <thead>
                                <tr>
                                    <th>{t("effort.approvals.date")}</th>
                                    <th class="num">{t("effort.approvals.effort")}</th>
                                    <th class="num">{t("effort.approvals.attended")}</th>
                                    <th>{t("effort.approvals.gap")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {shown
                                    .into_iter()
                                    .map(|d| view! {
                                        <tr data-testid=format!("period-day-{}", d.date)>
                                            <td>{d.date.clone()}</td>
                                            <td class="num">{format_minutes(d.total_minutes)}</td>
                                            <td class="num">{d.attendance.as_ref().map(|a| format_minutes(a.actual_work_minutes)).unwrap_or_default()}</td>
                                            <td>{d.gap.as_ref().map(|g| gap_label(g.kind)).unwrap_or_default()}</td>
                                        </tr>
                                    })
                                    .collect_view()}
                            </tbody>
                            <tfoot>
                                <tr>
                                    <th scope="row">{t("effort.approvals.total")}</th>
                                    <td class="num" data-testid="period-total">{format_minutes(total)}</td>
                                    <td></td>
                                    <td></td>
                                </tr>
                            </tfoot>
                        </table>
                    }
                    .into_any()
                })
            }}
            <h4>{tx("effort.approvals.gaps")}</h4>
            {move || {
                let _ = app().lang.get();
                let names = reasons.get();
                gaps.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="empty" data-testid="period-no-gaps">{t("effort.approvals.no_gaps")}</p> }.into_any();
                    }
                    view! {
                        <table class="list" data-testid="period-gaps">
                            <thead>
                                <tr>
                                    <th>{t("effort.approvals.date")}</th>
                                    <th>{t("effort.approvals.gap")}</th>
                                    <th class="num">{t("effort.approvals.effort")}</th>
                                    <th class="num">{t("effort.approvals.attended")}</th>
                                    <th class="num">{t("effort.approvals.difference")}</th>
                                    <th>{t("effort.approvals.reason")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list
                                    .into_iter()
                                    .map(|g| {
                                        let reason = g.reason_id.and_then(|r| names.iter().find(|n| n.id == r).map(|n| n.name.clone()));
                                        let reason = [reason.unwrap_or_default(), g.reason_text.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" — ");
                                        view! {
                                            <tr data-testid=format!("period-gap-{}", g.date)>
                                                <td>{g.date.clone()}</td>
                                                <td>{gap_label(g.kind)}</td>
                                                <td class="num">{format_minutes(g.effort_minutes)}</td>
                                                <td class="num">{g.attendance.as_ref().map(|a| format_minutes(a.actual_work_minutes)).unwrap_or_default()}</td>
                                                <td class="num">{format_minutes(g.difference_minutes)}</td>
                                                <td>{if reason.is_empty() { t("effort.approvals.no_reason").to_string() } else { reason }}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                    .into_any()
                })
            }}
            <form on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); decide(PeriodAction::Approve); } novalidate>
                <div class="field" class:invalid=has_error>
                    <label for=comment_id.clone()>{tx("effort.approvals.comment")}</label>
                    <textarea
                        id=comment_id.clone()
                        name="comment"
                        rows="3"
                        aria-invalid=move || if has_error() { "true" } else { "false" }
                        aria-describedby=format!("{comment_id}-hint {comment_id}-error")
                        prop:value=move || comment.get()
                        on:input=move |ev| {
                            comment.set(event_target_value(&ev));
                            errors.clear_field("comment");
                        }
                    ></textarea>
                    <p class="hint" id=format!("{comment_id}-hint")>{tx("effort.approvals.comment_hint")}</p>
                    {move || errors.field("comment").map(|m| view! { <p class="field-error" id=format!("{comment_id}-error") data-testid="comment-error">{m}</p> })}
                </div>
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" data-testid="period-send-back" disabled=move || busy.get() on:click=move |_| decide(PeriodAction::SendBack)>
                        {tx("effort.approvals.send_back")}
                    </button>
                    <button type="submit" class="primary" data-testid="period-approve" disabled=move || busy.get()>
                        {move || if busy.get() { t("common.working") } else { t("effort.approvals.approve") }}
                    </button>
                </div>
            </form>
        </article>
    }
}

/// One of a person's periods: its state, its history on demand, and (administrators) reopen.
#[component]
fn PersonPeriodRow(period: EffortPeriod, is_admin: Signal<bool>, on_changed: Callback<()>) -> impl IntoView {
    let id = period.id;
    let history = RwSignal::new(None::<Vec<PeriodChange>>);
    let open_history = RwSignal::new(false);
    let reopening = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let toggle_history = move |_| {
        if open_history.get_untracked() {
            open_history.set(false);
            return;
        }
        open_history.set(true);
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::GetPeriodHistory>(&id, &(), &Empty).await {
                Ok(h) => history.set(Some(h)),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let can_reopen = matches!(period.state, PeriodState::Approved | PeriodState::Submitted);
    let state = period.state;
    let label = format!("{} – {}", period.start, period.end);
    let who = format!("{} ({})", period.display_name, period.login);
    view! {
        <tr data-testid=format!("period-{}", period.start)>
            <td>{who}</td>
            <td>{label.clone()}</td>
            <td data-testid="period-state">
                {move || state_label(state)}
                {(state == PeriodState::Approved).then(|| view! { " " <span class="badge" data-testid="period-locked">{tx("effort.approvals.locked")}</span> })}
            </td>
            <td class="row-actions">
                <button type="button" class="small" data-testid="period-history-toggle" aria-expanded=move || if open_history.get() { "true" } else { "false" } on:click=toggle_history>
                    {tx("effort.approvals.history")}
                </button>
                {move || (is_admin.get() && can_reopen).then(|| view! {
                    <button type="button" class="small" data-testid="period-reopen" on:click=move |_| reopening.set(true)>{tx("effort.approvals.reopen")}</button>
                })}
            </td>
        </tr>
        {move || error.get().map(|m| view! { <tr><td colspan="4"><p class="error-banner" role="alert">{m}</p></td></tr> })}
        {move || (open_history.get()).then(|| view! {
            <tr class="history-row">
                <td colspan="4">
                    {move || {
                        let _ = app().lang.get();
                        history.get().map(|h| view! {
                            <ol class="history" data-testid="period-history">
                                {h.into_iter()
                                    .map(|c| view! {
                                        <li>
                                            <strong>{action_label(c.action)}</strong>
                                            {format!(" — {} — {}", c.actor_name, when(c.at))}
                                            {c.as_administrator.then(|| view! { " " <span class="badge" data-testid="period-history-admin">{t("effort.approvals.as_administrator")}</span> })}
                                            {(!c.comment.is_empty()).then(|| view! { <q data-testid="period-history-comment">{c.comment.clone()}</q> })}
                                        </li>
                                    })
                                    .collect_view()}
                            </ol>
                        })
                    }}
                </td>
            </tr>
        })}
        {move || reopening.get().then(|| view! {
            <ReopenDialog id=id label=label.clone() on_done=Callback::new(move |saved: bool| {
                reopening.set(false);
                if saved {
                    on_changed.run(());
                }
            }) />
        })}
    }
}

#[component]
fn ReopenDialog(id: i64, label: String, on_done: Callback<bool>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let text = reason.get_untracked().trim().to_string();
        if text.is_empty() {
            errors.set_field("reason", t("effort.approvals.reason_required"));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::ReopenEffortPeriod>(&id, &(), &ReopenPeriod { reason: text }).await;
            busy.set(false);
            match r {
                Ok(_) => on_done.run(true),
                Err(e) => errors.set_api(&e),
            }
        });
    };
    let title = Signal::derive(move || format!("{} {label}", t("effort.approvals.reopen_title")));
    view! {
        <Modal title=title on_close=Callback::new(move |_| on_done.run(false)) testid="reopen-dialog">
            <form on:submit=submit novalidate>
                <p class="hint">{tx("effort.approvals.reopen_hint")}</p>
                <TextAreaField id="reopen-reason" field="reason" label=tr("effort.approvals.reopen_reason") value=reason errors=errors />
                <GeneralError errors=errors />
                <div class="actions">
                    <button type="button" on:click=move |_| on_done.run(false)>{tx("common.cancel")}</button>
                    <button type="submit" class="primary" data-testid="reopen-save" disabled=move || busy.get()>
                        {move || if busy.get() { t("common.working") } else { t("effort.approvals.reopen") }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_spans_its_iso_weeks() {
        // 2026-11-01 is a Sunday (week 44); 2026-11-30 a Monday (week 49).
        let w = weeks_between("2026-11-01", "2026-11-30");
        assert_eq!(w.first().map(String::as_str), Some("2026-W44"));
        assert_eq!(w.last().map(String::as_str), Some("2026-W49"));
        assert_eq!(w.len(), 6);
        // The ISO year of the last days of 2026 is 2026 (week 53), of 2027-01-03 too.
        assert_eq!(weeks_between("2027-01-01", "2027-01-04"), vec!["2026-W53", "2027-W01"]);
    }

    #[test]
    fn a_week_may_span_two_months() {
        assert_eq!(months_between("2026-11-30", "2026-12-06"), vec!["2026-11", "2026-12"]);
        assert_eq!(months_between("2026-11-01", "2026-11-30"), vec!["2026-11"]);
    }
}
