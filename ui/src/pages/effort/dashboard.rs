//! The effort dashboards on the home page (lazy group `effort`): a person's (this week's effort
//! beside their attended work, their missing days, their periods) and, for someone who approves
//! people, an approver's (periods waiting for them, their people's missing days, marked gaps
//! waiting for a reason). Every item is a link to the page that fixes it: the week, or the
//! approvals page.

use chrono::Datelike;
use kinmu_shared::Permission;
use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{ApproverDashboard, MyDashboard};
use kinmu_shared::effort::format_minutes;
use leptos::prelude::*;

use super::week::{gap_label, parse_day, state_label, week_of, weekday_key};
use crate::api_client;
use crate::app_state::app;
use crate::i18n::{t, tx};
use crate::router::{Link, Route, navigate_with_query};

/// A link to the week grid showing `week` (`YYYY-Www`).
fn week_link(week: String, text: String, testid: String) -> AnyView {
    let href = format!("{}?week={week}", Route::Effort.href());
    view! {
        <a
            href=href
            data-testid=testid
            on:click=move |ev: leptos::ev::MouseEvent| {
                if ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.button() != 0 {
                    return;
                }
                ev.prevent_default();
                navigate_with_query(Route::Effort, &format!("week={week}"));
            }
        >
            {text}
        </a>
    }
    .into_any()
}

/// `YYYY-MM-DD` with its weekday, in the interface's language.
fn day_with_weekday(date: &str) -> String {
    match parse_day(date) {
        Some(d) => format!("{date} ({})", t(weekday_key(d.weekday().num_days_from_monday() as usize))),
        None => date.to_string(),
    }
}

fn week_of_day(date: &str) -> String {
    parse_day(date).map(week_of).unwrap_or_default()
}

#[component]
fn MyEffort() -> impl IntoView {
    let dash = RwSignal::new(None::<Result<MyDashboard, String>>);
    leptos::task::spawn_local(async move {
        dash.set(Some(api_client::call::<routes::GetMyEffortDashboard>(&(), &(), &Empty).await.map_err(|e| e.message)));
    });
    view! {
        <section class="card" aria-labelledby="dash-mine-title" data-testid="dash-mine">
            <h2 id="dash-mine-title">{tx("dash.mine")}</h2>
            {move || {
                let _ = app().lang.get();
                match dash.get() {
                    None => view! { <p class="loading">{t("common.loading")}</p> }.into_any(),
                    Some(Err(m)) => view! { <p class="hint">{m}</p> }.into_any(),
                    Some(Ok(d)) => {
                        let week = d.week.clone();
                        view! {
                            <h3>{week_link(week.clone(), format!("{} {week}", t("dash.my_week")), "dash-week-link".into())}</h3>
                            <table class="list" data-testid="dash-week">
                                <thead>
                                    <tr>
                                        <th>{t("effort.approvals.date")}</th>
                                        <th class="num">{t("effort.approvals.effort")}</th>
                                        <th class="num">{t("effort.approvals.attended")}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {d.week_days.into_iter().map(|day| view! {
                                        <tr data-testid=format!("dash-day-{}", day.date)>
                                            <td>{day_with_weekday(&day.date)}</td>
                                            <td class="num" data-testid="dash-day-effort">{format_minutes(day.effort_minutes)}</td>
                                            <td class="num" data-testid="dash-day-attended">{day.attended_minutes.map(format_minutes).unwrap_or_else(|| "—".into())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <h3>{t("dash.missing")}</h3>
                            {if d.missing_days.is_empty() {
                                view! { <p class="empty" data-testid="dash-no-missing">{t("dash.no_missing")}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="links" data-testid="dash-missing">
                                        {d.missing_days.into_iter().map(|day| {
                                            let text = day_with_weekday(&day);
                                            view! { <li>{week_link(week_of_day(&day), text, format!("dash-missing-{day}"))}</li> }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <h3>{t("dash.periods")}</h3>
                            <ul class="links" data-testid="dash-periods">
                                {d.periods.into_iter().map(|p| {
                                    let text = format!("{} – {}: {}", p.start, p.end, state_label(p.state));
                                    view! { <li data-state=p.state.key()>{week_link(week_of_day(&p.start), text, format!("dash-period-{}", p.start))}</li> }
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    }
                }
            }}
        </section>
    }
}

#[component]
fn ApproverEffort() -> impl IntoView {
    let dash = RwSignal::new(None::<ApproverDashboard>);
    leptos::task::spawn_local(async move {
        if let Ok(d) = api_client::call::<routes::GetApproverDashboard>(&(), &(), &Empty).await {
            dash.set(Some(d));
        }
    });
    move || {
        let _ = app().lang.get();
        // Someone who approves nobody sees nothing of it.
        dash.get().filter(|d| d.people > 0 || !d.projects.is_empty()).map(|d| {
            view! {
                <section class="card" aria-labelledby="dash-approver-title" data-testid="dash-approver">
                    <h2 id="dash-approver-title">{t("dash.approver")}</h2>
                    <h3>{t("dash.waiting")}</h3>
                    {if d.waiting.is_empty() {
                        view! { <p class="empty" data-testid="dash-none-waiting">{t("dash.none_waiting")}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="links" data-testid="dash-waiting">
                                {d.waiting.into_iter().map(|p| view! {
                                    <li data-testid=format!("dash-waiting-{}", p.login)>
                                        <Link route=Route::EffortApprovals>{format!("{} ({}) {} – {}", p.display_name, p.login, p.start, p.end)}</Link>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <h3>{t("dash.people_missing")}</h3>
                    {if d.missing.is_empty() {
                        view! { <p class="empty">{t("dash.no_missing")}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="links" data-testid="dash-people-missing">
                                {d.missing.into_iter().map(|m| {
                                    let text = t("dash.days_missing").replace("{name}", &format!("{} ({})", m.person.display_name, m.person.login)).replace("{n}", &m.days.len().to_string());
                                    view! {
                                        <li data-testid=format!("dash-person-missing-{}", m.person.login) title=m.days.join(", ")>
                                            <Link route=Route::EffortApprovals>{text}</Link>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {(!d.projects.is_empty()).then(|| view! {
                        <h3>{t("plan.flagged")}</h3>
                        <ul class="links" data-testid="dash-projects">
                            {d.projects.iter().map(|p| {
                                let mark = if p.over_plan || p.budget.over { "‼" } else { "!" };
                                let mut why = Vec::new();
                                if p.over_plan { why.push(t("plan.over_plan")); }
                                if p.budget.over { why.push(t("plan.over_budget")); } else if p.budget.warning { why.push(t("plan.budget_warning")); }
                                let text = format!("{mark} {} {}: {}", p.code, p.name, why.join(", "));
                                let query = format!("project={}", p.project_id);
                                view! {
                                    <li data-testid=format!("dash-project-{}", p.code)>
                                        <a href="#" on:click=move |ev| { ev.prevent_default(); crate::router::navigate_with_query(Route::EffortPlan, &query); }>{text}</a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    })}
                    <h3>{t("dash.gaps")}</h3>
                    {if d.gaps.is_empty() {
                        view! { <p class="empty">{t("dash.no_gaps")}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="links" data-testid="dash-gaps">
                                {d.gaps.into_iter().map(|g| view! {
                                    <li data-testid=format!("dash-gap-{}-{}", g.person.login, g.date)>
                                        <Link route=Route::EffortApprovals>
                                            {format!("{} ({}) {}: {} {}", g.person.display_name, g.person.login, g.date, gap_label(g.kind), format_minutes(g.difference_minutes))}
                                        </Link>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            }
        })
    }
}

/// Both dashboards, each when it concerns the signed-in person.
#[component]
pub fn EffortDashboard() -> impl IntoView {
    let enters = app().can(Permission::EnterEffort);
    view! {
        {enters.then(|| view! { <MyEffort /> })}
        <ApproverEffort />
    }
}
