//! A project's plan against actual (予実管理) for its managers: the earned-value figures, the
//! work breakdown as a tree with plan, actual, progress, earned value, cost and budget (rows over
//! plan or budget marked by text as well as class), the weekly burn-up chart in SVG, people and
//! activities, the budgets' form, the cost rates, and the Excel or CSV file. Reached from the
//! projects page (`/effort/plan?project=ID`); links to the project's Gantt chart.

use kinmu_shared::api::routes::{self, Empty};
use kinmu_shared::api::{
    BudgetUse, BurnUpWeek, CostRate, CostRates, PlanDownloadQuery, PlanFigures, ProjectPlan, Role, SaveCostRate, SetBudget, User, UserQuery,
};
use leptos::prelude::*;

use crate::api_client;
use crate::app_state::app;
use crate::components::csv_transfer::file_buttons;
use crate::components::filter_select::{FilterSelect, project_choices};
use crate::datetime::hm;
use crate::i18n::{t, tx};
use crate::router::{Route, navigate_with_query, query_param};

fn ratio(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}%")).unwrap_or_else(|| "—".into())
}

fn money(v: i64) -> String {
    // Thousands separated: 1,234,567.
    let s = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

fn budget_text(b: &BudgetUse) -> String {
    match b.amount {
        None => "—".into(),
        Some(a) => {
            let mark = if b.over {
                format!(" ‼ {}", t("plan.over_budget"))
            } else if b.warning {
                format!(" ! {}", t("plan.budget_warning"))
            } else {
                String::new()
            };
            format!("{} ({}){mark}", money(a), percent(b.used_percent))
        }
    }
}

#[component]
pub fn ProjectPlanPage() -> impl IntoView {
    let project = RwSignal::new(query_param("project").unwrap_or_default());
    let plan = RwSignal::new(None::<ProjectPlan>);
    let error = RwSignal::new(None::<String>);
    let generation = StoredValue::new(0u32);
    let choices = project_choices(project, None, error);
    let load = move || {
        let Ok(id) = project.get_untracked().parse::<i64>() else { return };
        generation.update_value(|g| *g += 1);
        let g = generation.get_value();
        leptos::task::spawn_local(async move {
            let r = api_client::call::<routes::GetProjectPlan>(&id, &(), &Empty).await;
            if generation.try_get_value() != Some(g) {
                return;
            }
            match r {
                Ok(p) => {
                    error.set(None);
                    plan.set(Some(p));
                }
                Err(e) => {
                    plan.set(None);
                    error.set(Some(e.message));
                }
            }
        });
    };
    Effect::new(move |_| {
        let _ = project.get();
        load();
    });
    let files = file_buttons::<routes::DownloadProjectPlan, _, _>(
        "plan-download",
        move |format| (project.get().parse().unwrap_or(0), PlanDownloadQuery { format: Some(format.to_string()) }),
        move |format| {
            let code = plan.with(|p| p.as_ref().map(|p| p.code.clone())).unwrap_or_default();
            format!("plan-{code}.{format}")
        },
        error,
    );
    let body = move || {
        let _ = app().lang.get();
        plan.get().map(|p| plan_view(p, plan, error))
    };
    view! {
        <section class="card wide project-plan">
            <h1>{tx("plan.title")}</h1>
            <p class="hint">{tx("plan.hint")}</p>
            <form class="filters" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| ev.prevent_default()>
                <FilterSelect
                    id="plan-project"
                    label="plan.project"
                    value=project
                    choices=choices
                    on_change=Callback::new(move |v: String| navigate_with_query(Route::EffortPlan, &format!("project={v}")))
                />
            </form>
            <div class="actions downloads">
                {files}
                <button type="button" data-testid="plan-gantt" on:click=move |_| navigate_with_query(Route::EffortGantt, &format!("project={}", project.get()))>
                    {tx("gantt.open")}
                </button>
            </div>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            {body}
            <CostRatesSection />
        </section>
    }
}

fn figures_cells(f: &PlanFigures) -> impl IntoView + use<> {
    let over = if f.over_plan { format!(" ‼ {}", t("plan.over_plan")) } else { String::new() };
    view! {
        <td class="num">{hm(f.planned_minutes)}</td>
        <td class="num" data-testid="plan-actual">{format!("{}{over}", hm(f.actual_minutes))}</td>
        <td class="num">{hm(f.actual_minutes - f.planned_minutes)}</td>
        <td class="num">{percent(f.progress_percent)}</td>
        <td class="num">{hm(f.planned_value_minutes)}</td>
        <td class="num">{hm(f.earned_minutes)}</td>
        <td class="num">{money(f.cost)}</td>
    }
}

fn plan_view(p: ProjectPlan, plan: RwSignal<Option<ProjectPlan>>, error: RwSignal<Option<String>>) -> AnyView {
    let ev = p.earned_value.clone();
    let item = |key: &'static str, value: String, testid: &'static str| {
        view! {
            <div class="figure" data-testid=testid>
                <dt>{t(key)}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    let rows = p
        .items
        .iter()
        .map(|r| {
            let flagged = r.figures.over_plan || r.budget.over || r.budget.warning;
            let name = format!("{}{}{}", "\u{3000}".repeat(r.depth as usize), r.name, if r.milestone { " ◆" } else { "" });
            view! {
                <tr class:over=flagged data-testid=format!("plan-item-{}", r.path)>
                    <th scope="row">{name}</th>
                    {figures_cells(&r.figures)}
                    <td>{budget_text(&r.budget)}</td>
                </tr>
            }
        })
        .collect_view();
    let unassigned = (p.unassigned.actual_minutes > 0).then(|| {
        view! {
            <tr>
                <th scope="row">{t("plan.no_item")}</th>
                {figures_cells(&p.unassigned)}
                <td></td>
            </tr>
        }
    });
    let people = p
        .people
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row">{r.display_name.clone()}<span class="hint">{format!(" {}", r.login)}</span></th>
                    <td class="num">{hm(r.planned_minutes)}</td>
                    <td class="num">{hm(r.actual_minutes)}</td>
                    <td class="num">{money(r.cost)}</td>
                    <td class="num">{hm(r.minutes_without_rate)}</td>
                </tr>
            }
        })
        .collect_view();
    let activities = p
        .activities
        .iter()
        .map(|a| {
            let name = if a.activity_id.is_none() { t("plan.none").to_string() } else { format!("{} {}", a.code, a.name) };
            view! {
                <tr>
                    <td class="num">{a.level}</td>
                    <th scope="row">{name}</th>
                    <td class="num">{hm(a.actual_minutes)}</td>
                    <td class="num">{money(a.cost)}</td>
                </tr>
            }
        })
        .collect_view();
    let heads = || {
        view! {
            <th scope="col">{t("plan.plan")}</th>
            <th scope="col">{t("plan.actual")}</th>
            <th scope="col">{t("plan.difference")}</th>
            <th scope="col">{t("plan.progress")}</th>
            <th scope="col">{t("plan.pv")}</th>
            <th scope="col">{t("plan.ev")}</th>
            <th scope="col">{t("plan.cost")}</th>
        }
    };
    let project_id = p.project_id;
    let targets = p.items.iter().map(|r| (r.work_item_id, r.path.clone())).collect::<Vec<_>>();
    view! {
        <dl class="figures" data-testid="plan-figures">
            {item("plan.plan", hm(ev.planned_total_minutes), "plan-total-plan")}
            {item("plan.pv", hm(ev.planned_value_minutes), "plan-pv")}
            {item("plan.ev", hm(ev.earned_minutes), "plan-ev")}
            {item("plan.actual", hm(ev.actual_minutes), "plan-ac")}
            {item("plan.spi", ratio(ev.spi), "plan-spi")}
            {item("plan.cpi", ratio(ev.cpi), "plan-cpi")}
            {item("plan.forecast", ev.forecast_minutes.map(hm).unwrap_or_else(|| "—".into()), "plan-forecast")}
            {item("plan.cost", money(p.total.cost), "plan-cost")}
            {item("plan.forecast_cost", ev.forecast_cost.map(money).unwrap_or_else(|| "—".into()), "plan-forecast-cost")}
            {item("plan.budget", budget_text(&p.budget), "plan-budget")}
            {(p.minutes_without_rate > 0).then(|| item("plan.without_rate", hm(p.minutes_without_rate), "plan-without-rate"))}
        </dl>
        {burn_up_chart(&p.burn_up)}
        <h2>{tx("plan.items_title")}</h2>
        <div class="table-scroll">
            <table class="data" data-testid="plan-items">
                <thead>
                    <tr>
                        <th scope="col">{t("plan.item")}</th>
                        {heads()}
                        <th scope="col">{t("plan.budget")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    {unassigned}
                    <tr class="total" data-testid="plan-total">
                        <th scope="row">{t("plan.total")}</th>
                        {figures_cells(&p.total)}
                        <td>{budget_text(&p.budget)}</td>
                    </tr>
                </tbody>
            </table>
        </div>
        <BudgetForm project_id targets plan error />
        <h2>{tx("plan.people_title")}</h2>
        <div class="table-scroll">
            <table class="data" data-testid="plan-people">
                <thead>
                    <tr>
                        <th scope="col">{t("field.name")}</th>
                        <th scope="col">{t("plan.plan")}</th>
                        <th scope="col">{t("plan.actual")}</th>
                        <th scope="col">{t("plan.cost")}</th>
                        <th scope="col">{t("plan.without_rate")}</th>
                    </tr>
                </thead>
                <tbody>{people}</tbody>
            </table>
        </div>
        <h2>{tx("plan.activities_title")}</h2>
        <div class="table-scroll">
            <table class="data" data-testid="plan-activities">
                <thead>
                    <tr>
                        <th scope="col">{t("plan.level")}</th>
                        <th scope="col">{t("plan.activity")}</th>
                        <th scope="col">{t("plan.actual")}</th>
                        <th scope="col">{t("plan.cost")}</th>
                    </tr>
                </thead>
                <tbody>{activities}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The burn-up chart: cumulative planned value, earned value and actual effort per week, as
/// three lines (told apart by their dash pattern and their legend, not by colour alone).
fn burn_up_chart(weeks: &[BurnUpWeek]) -> AnyView {
    if weeks.is_empty() {
        return view! { <p class="empty">{t("plan.no_burn_up")}</p> }.into_any();
    }
    let (left, top, width, height) = (60.0, 20.0, 600.0, 200.0);
    let max = weeks
        .iter()
        .map(|w| w.planned_minutes.max(w.earned_minutes.unwrap_or(0)).max(w.actual_minutes.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(60);
    let n = weeks.len().max(2) - 1;
    let x = move |i: usize| left + width * i as f64 / n as f64;
    let y = move |m: i64| top + height - height * m as f64 / max as f64;
    let line = |values: Vec<(usize, i64)>| values.iter().map(|(i, m)| format!("{:.1},{:.1}", x(*i), y(*m))).collect::<Vec<_>>().join(" ");
    let planned = line(weeks.iter().enumerate().map(|(i, w)| (i, w.planned_minutes)).collect());
    let earned = line(weeks.iter().enumerate().filter_map(|(i, w)| w.earned_minutes.map(|m| (i, m))).collect());
    let actual = line(weeks.iter().enumerate().filter_map(|(i, w)| w.actual_minutes.map(|m| (i, m))).collect());
    let step = weeks.len().div_ceil(6).max(1);
    let labels = weeks
        .iter()
        .enumerate()
        .filter(|(i, _)| i.is_multiple_of(step))
        .map(|(i, w)| view! { <text class="axis" x=x(i) y=top + height + 16.0 text-anchor="middle">{w.week_start.clone()}</text> })
        .collect_view();
    let summary = weeks
        .iter()
        .rev()
        .find(|w| w.actual_minutes.is_some())
        .map(|w| {
            format!(
                "{}: {} {}, {} {}, {} {}",
                w.week_start,
                t("plan.pv"),
                hm(w.planned_minutes),
                t("plan.ev"),
                hm(w.earned_minutes.unwrap_or(0)),
                t("plan.actual"),
                hm(w.actual_minutes.unwrap_or(0))
            )
        })
        .unwrap_or_default();
    let legend_y = top + height + 36.0;
    view! {
        <figure class="chart burn-up" data-testid="plan-burn-up">
            <figcaption>{t("plan.burn_up")}</figcaption>
            <svg viewBox="0 0 700 270" width="100%" role="img" aria-label=format!("{} — {summary}", t("plan.burn_up"))>
                <line class="axis" x1=left y1=top + height x2=left + width y2=top + height></line>
                <line class="axis" x1=left y1=top x2=left y2=top + height></line>
                <text class="axis" x=left - 6.0 y=top + 4.0 text-anchor="end">{hm(max)}</text>
                <text class="axis" x=left - 6.0 y=top + height text-anchor="end">"0:00"</text>
                {labels}
                <polyline class="series planned" fill="none" stroke="currentColor" stroke-dasharray="6 4" points=planned></polyline>
                <polyline class="series earned" fill="none" stroke="currentColor" stroke-width="2" points=earned></polyline>
                <polyline class="series actual" fill="none" stroke="currentColor" stroke-dasharray="2 3" stroke-width="2" points=actual></polyline>
                <g class="legend">
                    <line class="planned" x1="70" x2="100" y1=legend_y y2=legend_y stroke="currentColor" stroke-dasharray="6 4"></line>
                    <text x="106" y=legend_y + 4.0>{t("plan.pv")}</text>
                    <line class="earned" x1="250" x2="280" y1=legend_y y2=legend_y stroke="currentColor" stroke-width="2"></line>
                    <text x="286" y=legend_y + 4.0>{t("plan.ev")}</text>
                    <line class="actual" x1="430" x2="460" y1=legend_y y2=legend_y stroke="currentColor" stroke-dasharray="2 3" stroke-width="2"></line>
                    <text x="466" y=legend_y + 4.0>{t("plan.actual")}</text>
                </g>
            </svg>
        </figure>
    }
    .into_any()
}

/// Sets or removes the project's budget or a work item's.
#[component]
fn BudgetForm(
    project_id: i64,
    targets: Vec<(i64, String)>,
    plan: RwSignal<Option<ProjectPlan>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let target = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = amount.get_untracked().replace(',', "");
        let amount = if text.trim().is_empty() {
            None
        } else {
            match text.trim().parse::<i64>() {
                Ok(a) => Some(a),
                Err(_) => {
                    error.set(Some(t("plan.amount_invalid").to_string()));
                    return;
                }
            }
        };
        let body = SetBudget { work_item_id: target.get_untracked().parse().ok(), amount };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::SetProjectBudget>(&project_id, &(), &body).await {
                Ok(p) => {
                    error.set(None);
                    plan.set(Some(p));
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let options = targets.into_iter().map(|(id, path)| view! { <option value=id.to_string()>{path}</option> }).collect_view();
    view! {
        <form class="filters budget-form" data-testid="plan-budget-form" novalidate on:submit=save>
            <h2>{tx("plan.budgets_title")}</h2>
            <div class="field">
                <label for="plan-budget-target">{tx("plan.budget_of")}</label>
                <select id="plan-budget-target" on:change=move |ev| target.set(event_target_value(&ev))>
                    <option value="">{tx("plan.whole_project")}</option>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="plan-budget-amount">{tx("plan.budget")}</label>
                <input id="plan-budget-amount" inputmode="numeric" prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev)) />
                <p class="hint">{tx("plan.budget_hint")}</p>
            </div>
            <button type="submit" class="primary" data-testid="plan-budget-save">{tx("common.save")}</button>
        </form>
    }
}

/// The hourly cost rates of people and roles with their dates.
#[component]
fn CostRatesSection() -> impl IntoView {
    let rates = RwSignal::new(None::<CostRates>);
    let users = RwSignal::new(Vec::<User>::new());
    let roles = RwSignal::new(Vec::<Role>::new());
    let error = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::ListCostRates>(&(), &(), &Empty).await {
                Ok(r) => rates.set(Some(r)),
                Err(e) => error.set(Some(e.message)),
            }
        })
    };
    load();
    leptos::task::spawn_local(async move {
        let q = UserQuery { limit: Some(500), ..Default::default() };
        if let Ok(list) = api_client::call::<routes::ListUsers>(&(), &q, &Empty).await {
            users.set(list.users);
        }
        if let Ok(r) = api_client::roles().await {
            roles.set(r);
        }
    });
    let whom = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let cost = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let w = whom.get_untracked();
        let (user_id, role_id) = match w.split_once(':') {
            Some(("u", id)) => (id.parse().ok(), None),
            Some(("r", id)) => (None, id.parse().ok()),
            _ => (None, None),
        };
        let Ok(hourly_cost) = cost.get_untracked().replace(',', "").trim().parse::<i64>() else {
            error.set(Some(t("plan.amount_invalid").to_string()));
            return;
        };
        let to_text = to.get_untracked();
        let body = SaveCostRate {
            user_id,
            role_id,
            valid_from: from.get_untracked(),
            valid_to: (!to_text.trim().is_empty()).then_some(to_text),
            hourly_cost,
        };
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::AddCostRate>(&(), &(), &body).await {
                Ok(_) => {
                    error.set(None);
                    load();
                }
                Err(e) => error.set(Some(e.message)),
            }
        });
    };
    let remove = move |id: i64| {
        leptos::task::spawn_local(async move {
            match api_client::call::<routes::DeleteCostRate>(&id, &(), &Empty).await {
                Ok(_) => load(),
                Err(e) => error.set(Some(e.message)),
            }
        })
    };
    let rows = move || {
        let _ = app().lang.get();
        rates.get().map(|r| {
            r.rates
                .into_iter()
                .map(|c: CostRate| {
                    let id = c.id;
                    let kind = if c.user_id.is_some() { t("plan.rate_person") } else { t("plan.rate_role") };
                    view! {
                        <tr>
                            <th scope="row">{c.name}</th>
                            <td>{kind}</td>
                            <td>{c.valid_from}</td>
                            <td>{c.valid_to.unwrap_or_default()}</td>
                            <td class="num">{money(c.hourly_cost)}</td>
                            <td>
                                <button type="button" class="small danger" on:click=move |_| remove(id)>{t("common.delete")}</button>
                            </td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let choices = move || {
        let people = users
            .get()
            .into_iter()
            .map(|u| view! { <option value=format!("u:{}", u.id)>{format!("{} ({})", u.display_name, u.login)}</option> });
        let roles = roles
            .get()
            .into_iter()
            .map(|r| view! { <option value=format!("r:{}", r.id)>{format!("{}: {}", t("plan.rate_role"), r.name)}</option> });
        view! {
            {people.collect_view()}
            {roles.collect_view()}
        }
    };
    view! {
        <section aria-labelledby="plan-rates-title" data-testid="plan-rates">
            <h2 id="plan-rates-title">{tx("plan.rates_title")}</h2>
            <p class="hint">{tx("plan.rates_hint")}</p>
            {move || error.get().map(|m| view! { <p class="error-banner" role="alert">{m}</p> })}
            <div class="table-scroll">
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">{tx("field.name")}</th>
                            <th scope="col">{tx("plan.rate_kind")}</th>
                            <th scope="col">{tx("plan.valid_from")}</th>
                            <th scope="col">{tx("plan.valid_to")}</th>
                            <th scope="col">{tx("plan.hourly_cost")}</th>
                            <th scope="col">{tx("common.actions")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <form class="filters" novalidate on:submit=add>
                <div class="field">
                    <label for="rate-whom">{tx("plan.rate_for")}</label>
                    <select id="rate-whom" on:change=move |ev| whom.set(event_target_value(&ev))>
                        <option value="">"—"</option>
                        {choices}
                    </select>
                </div>
                <div class="field">
                    <label for="rate-from">{tx("plan.valid_from")}</label>
                    <input id="rate-from" type="date" on:input=move |ev| from.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="rate-to">{tx("plan.valid_to")}</label>
                    <input id="rate-to" type="date" on:input=move |ev| to.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="rate-cost">{tx("plan.hourly_cost")}</label>
                    <input id="rate-cost" inputmode="numeric" on:input=move |ev| cost.set(event_target_value(&ev)) />
                </div>
                <button type="submit" class="primary">{tx("plan.rate_add")}</button>
            </form>
        </section>
    }
}
