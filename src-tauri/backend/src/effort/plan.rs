//! A project's plan against actual, earned value, cost and budgets (issue 19): the rows of any
//! number of projects loaded with a fixed number of queries (work items, assignees, the effort
//! summed per person, day, item and activities, the people with their role histories, activities,
//! rates, budgets and the warning setting), then the pure [`kinmu_shared::effort::plan::build`];
//! the plan as an Excel or CSV file; the projects flagged on the managers' dashboard.
//!
//! Who sees a plan: the project's managers (holding `projects.manage`) and administrators, as for
//! changing the project. Members do not: the plan shows everybody's hours and their cost.

use std::collections::HashMap;

use chrono::NaiveDate;
use kinmu_shared::Language;
use kinmu_shared::api::{FlaggedProject, Id, Project, ProjectPlan, ProjectStatus};
use kinmu_shared::effort::plan::{self, Booking, PlanActivity, PlanInput, PlanItem, PlanPerson, Rate};

use super::projects::{self, manages, require_manager};
use super::stored_date;
use crate::accounts::Actor;
use crate::attendance::reports::{Cell, LabelledSheet, labelled_csv, labelled_xlsx};
use crate::database::{Db, placeholders};
use crate::error::{Error, Result};

/// How many projects' ids go into one `IN (…)` list.
const CHUNK: usize = 500;

/// Runs `sql` (whose `{ids}` is the chunk's placeholders) for every chunk of `ids`.
async fn per_chunk<T>(db: &Db, sql: &str, ids: &[Id]) -> Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let text = sql.replace("{ids}", &placeholders(1, chunk.len()));
        let mut q = sqlx::query_as::<_, T>(&text);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(out)
}

/// The share of a budget at which it is flagged.
pub async fn warning_percent(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT budget_warning_percent FROM effort_cost_settings WHERE id = 1")
        .fetch_optional(&db.pool)
        .await?
        .unwrap_or(80))
}

/// The work items of the projects `ids` with their project's id, in tree order (`path_key`);
/// without assignees and budgets, which the plan adds and the Gantt chart does not need.
pub(crate) async fn stored_items(db: &Db, ids: &[Id]) -> Result<Vec<(Id, PlanItem)>> {
    type ItemRow = (i64, i64, Option<i64>, String, String, Option<i64>, Option<String>, Option<String>, i64, Option<i64>);
    let rows: Vec<ItemRow> = per_chunk(
        db,
        "SELECT id, project_id, parent_id, name, path, planned_minutes, planned_start, planned_end, milestone, progress_percent \
         FROM work_items WHERE project_id IN ({ids}) ORDER BY project_id, path_key",
        ids,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, project, parent_id, name, path, planned_minutes, start, end, milestone, progress_percent)| {
            let item = PlanItem {
                id,
                parent_id,
                name,
                path,
                planned_minutes,
                planned_start: stored_date(&start),
                planned_end: stored_date(&end),
                milestone: milestone != 0,
                progress_percent,
                ..Default::default()
            };
            (project, item)
        })
        .collect())
}

/// The inputs of every project of `projects`, in their order.
pub async fn load(db: &Db, projects: &[Project]) -> Result<Vec<PlanInput>> {
    let ids: Vec<Id> = projects.iter().map(|p| p.id).collect();
    let items = stored_items(db, &ids).await?;
    let mut assignees: HashMap<i64, Vec<i64>> = HashMap::new();
    for (item, user) in per_chunk::<(i64, i64)>(
        db,
        "SELECT a.work_item_id, a.user_id FROM work_item_assignees a JOIN work_items w ON w.id = a.work_item_id \
         WHERE w.project_id IN ({ids})",
        &ids,
    )
    .await?
    {
        assignees.entry(item).or_default().push(user);
    }
    let item_budgets: HashMap<i64, i64> = per_chunk::<(i64, i64)>(
        db,
        "SELECT b.work_item_id, b.amount FROM work_item_budgets b JOIN work_items w ON w.id = b.work_item_id WHERE w.project_id IN ({ids})",
        &ids,
    )
    .await?
    .into_iter()
    .collect();
    let project_budgets: HashMap<i64, i64> =
        per_chunk::<(i64, i64)>(db, "SELECT project_id, amount FROM project_budgets WHERE project_id IN ({ids})", &ids)
            .await?
            .into_iter()
            .collect();
    type BookingRow = (i64, i64, String, Option<i64>, Option<i64>, Option<i64>, i64);
    let bookings: Vec<BookingRow> = per_chunk(
        db,
        "SELECT project_id, user_id, work_date, NULLIF(work_item_id, 0), NULLIF(activity1_id, 0), NULLIF(activity2_id, 0), minutes \
         FROM effort_day_rows WHERE project_id IN ({ids})",
        &ids,
    )
    .await?;
    // Each person with the roles they held: a day's effort is priced by that day's role.
    let mut histories = crate::accounts::role_history::of(db, None).await?;
    let people: Vec<PlanPerson> =
        sqlx::query_as::<_, (i64, String, String)>("SELECT id, login, display_name FROM users ORDER BY login_key")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .map(|(user_id, login, display_name)| PlanPerson {
                roles: histories.remove(&user_id).unwrap_or_default(),
                user_id,
                login,
                display_name,
            })
            .collect();
    let activities: Vec<PlanActivity> = sqlx::query_as::<_, (i64, i64, String, String)>("SELECT id, level, code, name FROM activities")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|(id, level, code, name)| PlanActivity { id, level, code, name })
        .collect();
    let rates = rates(db).await?;
    let warning = warning_percent(db).await?;
    let mut by_project: HashMap<i64, PlanInput> = projects
        .iter()
        .map(|p| {
            (
                p.id,
                PlanInput {
                    project_id: p.id,
                    code: p.code.clone(),
                    name: p.name.clone(),
                    planned_start: stored_date(&p.planned_start),
                    planned_end: stored_date(&p.planned_end),
                    progress_mode: p.progress_mode,
                    budget: project_budgets.get(&p.id).copied(),
                    budget_warning_percent: warning,
                    rates: rates.clone(),
                    activities: activities.clone(),
                    ..Default::default()
                },
            )
        })
        .collect();
    for (project, item) in items {
        if let Some(input) = by_project.get_mut(&project) {
            let (assignee_ids, budget) = (assignees.remove(&item.id).unwrap_or_default(), item_budgets.get(&item.id).copied());
            input.items.push(PlanItem { assignee_ids, budget, ..item });
        }
    }
    for (project, user_id, date, work_item_id, activity1_id, activity2_id, minutes) in bookings {
        let (Some(input), Ok(date)) = (by_project.get_mut(&project), date.parse::<NaiveDate>()) else { continue };
        input.bookings.push(Booking { user_id, date, work_item_id, activity1_id, activity2_id, minutes });
    }
    // Only the people concerned, per project.
    for input in by_project.values_mut() {
        let concerned: std::collections::HashSet<i64> =
            input.bookings.iter().map(|b| b.user_id).chain(input.items.iter().flat_map(|i| i.assignee_ids.iter().copied())).collect();
        input.people = people.iter().filter(|p| concerned.contains(&p.user_id)).cloned().collect();
    }
    Ok(projects.iter().filter_map(|p| by_project.remove(&p.id)).collect())
}

/// Every cost rate, as the pure rule takes them.
pub async fn rates(db: &Db) -> Result<Vec<Rate>> {
    Ok(sqlx::query_as::<_, (Option<i64>, Option<i64>, String, Option<String>, i64)>(
        "SELECT user_id, role_id, valid_from, valid_to, hourly_cost FROM effort_cost_rates ORDER BY valid_from",
    )
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .filter_map(|(user_id, role_id, from, to, hourly_cost)| {
        Some(Rate { user_id, role_id, valid_from: from.parse().ok()?, valid_to: stored_date(&to), hourly_cost })
    })
    .collect())
}

/// The plan against actual of project `id` as of `today`: its managers and administrators.
pub async fn project_plan(db: &Db, actor: &Actor, id: Id, today: NaiveDate) -> Result<ProjectPlan> {
    let p = projects::stored(db, id).await?;
    require_manager(actor, &p)?;
    let input = load(db, std::slice::from_ref(&p)).await?.pop().ok_or_else(|| Error::Internal(format!("project {id} vanished")))?;
    Ok(plan::build(&input, today))
}

/// The projects the actor manages (administrators: every one) that are not closed and are over
/// plan, over budget or at the budget's warning share.
pub async fn flagged(db: &Db, actor: &Actor, today: NaiveDate) -> Result<Vec<FlaggedProject>> {
    if !super::is_approver(actor) {
        return Ok(Vec::new());
    }
    let mine: Vec<Project> =
        projects::list(db, actor).await?.into_iter().filter(|p| p.status != ProjectStatus::Closed && manages(actor, p)).collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    Ok(load(db, &mine)
        .await?
        .iter()
        .map(|input| plan::build(input, today))
        .filter(|p| p.total.over_plan || p.budget.over || p.budget.warning)
        .map(|p| FlaggedProject {
            project_id: p.project_id,
            code: p.code,
            name: p.name,
            planned_minutes: p.total.planned_minutes,
            actual_minutes: p.total.actual_minutes,
            over_plan: p.total.over_plan,
            budget: p.budget,
        })
        .collect())
}

fn percent(v: Option<f64>) -> Cell {
    v.map(|v| Cell::Count(v.round() as i64)).unwrap_or(Cell::Empty)
}

/// The plan's sheets: the work items (tree, indented), the people, the activities, the earned
/// value and the burn-up weeks. Hours are numbers in `[h]:mm`, money and percentages numbers.
pub fn sheets(p: &ProjectPlan, language: Language) -> Vec<LabelledSheet> {
    let ja = language == Language::Ja;
    let l = |en: &str, jp: &str| if ja { jp.to_string() } else { en.to_string() };
    let text = |s: &str| Cell::Text(s.to_string());
    let money = |v: Option<i64>| v.map(Cell::Count).unwrap_or(Cell::Empty);
    let mut items: Vec<Vec<Cell>> = p
        .items
        .iter()
        .map(|r| {
            let f = &r.figures;
            vec![
                text(&format!("{}{}", "    ".repeat(r.depth as usize), r.name)),
                text(&r.path),
                r.planned_start.as_deref().and_then(|d| d.parse().ok()).map(Cell::Date).unwrap_or(Cell::Empty),
                r.planned_end.as_deref().and_then(|d| d.parse().ok()).map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::Minutes(f.planned_minutes),
                Cell::Minutes(f.actual_minutes),
                Cell::Minutes(f.actual_minutes - f.planned_minutes),
                percent(f.progress_percent),
                Cell::Minutes(f.planned_value_minutes),
                Cell::Minutes(f.earned_minutes),
                Cell::Count(f.cost),
                money(r.budget.amount),
                percent(r.budget.used_percent),
            ]
        })
        .collect();
    let summary = |label: String, f: &kinmu_shared::api::PlanFigures, budget: Option<&kinmu_shared::api::BudgetUse>| {
        vec![
            Cell::Text(label),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Minutes(f.planned_minutes),
            Cell::Minutes(f.actual_minutes),
            Cell::Minutes(f.actual_minutes - f.planned_minutes),
            percent(f.progress_percent),
            Cell::Minutes(f.planned_value_minutes),
            Cell::Minutes(f.earned_minutes),
            Cell::Count(f.cost),
            money(budget.and_then(|b| b.amount)),
            percent(budget.and_then(|b| b.used_percent)),
        ]
    };
    if p.unassigned.actual_minutes > 0 {
        items.push(summary(l("(no work item)", "（作業項目なし）"), &p.unassigned, None));
    }
    items.push(summary(l("Total", "合計"), &p.total, Some(&p.budget)));
    let people = p
        .people
        .iter()
        .map(|r| {
            vec![
                text(&r.login),
                text(&r.display_name),
                Cell::Minutes(r.planned_minutes),
                Cell::Minutes(r.actual_minutes),
                Cell::Count(r.cost),
                Cell::Minutes(r.minutes_without_rate),
            ]
        })
        .collect();
    let activities = p
        .activities
        .iter()
        .map(|a| {
            let name = if a.activity_id.is_none() { l("(none)", "（なし）") } else { a.name.clone() };
            vec![Cell::Count(a.level), text(&a.code), Cell::Text(name), Cell::Minutes(a.actual_minutes), Cell::Count(a.cost)]
        })
        .collect();
    let ev = &p.earned_value;
    let figures = vec![
        (l("Plan (budget at completion)", "計画工数（完了時総予算）"), Cell::Minutes(ev.planned_total_minutes)),
        (l("Planned value to date", "出来高計画値（PV）"), Cell::Minutes(ev.planned_value_minutes)),
        (l("Earned value", "出来高（EV）"), Cell::Minutes(ev.earned_minutes)),
        (l("Actual", "実績工数（AC）"), Cell::Minutes(ev.actual_minutes)),
        (l("SPI (%)", "SPI（%）"), percent(ev.spi.map(|v| v * 100.0))),
        (l("CPI (%)", "CPI（%）"), percent(ev.cpi.map(|v| v * 100.0))),
        (l("Forecast at completion", "完了時見積工数（EAC）"), ev.forecast_minutes.map(Cell::Minutes).unwrap_or(Cell::Empty)),
        (l("Variance at completion", "完了時差異（VAC）"), ev.variance_minutes.map(Cell::Minutes).unwrap_or(Cell::Empty)),
        (l("Unscheduled plan", "日程未設定の計画"), Cell::Minutes(ev.unscheduled_minutes)),
        (l("Cost", "原価"), Cell::Count(p.total.cost)),
        (l("Cost forecast at completion", "完了時見積原価"), money(ev.forecast_cost)),
        (l("Budget", "予算"), money(p.budget.amount)),
        (l("Budget used (%)", "予算消化率（%）"), percent(p.budget.used_percent)),
        (l("Effort without a cost rate", "単価未設定の工数"), Cell::Minutes(p.minutes_without_rate)),
    ]
    .into_iter()
    .map(|(label, v)| vec![Cell::Text(label), v])
    .collect();
    let weeks = p
        .burn_up
        .iter()
        .map(|w| {
            vec![
                w.week_start.parse().map(Cell::Date).unwrap_or_else(|_| text(&w.week_start)),
                Cell::Minutes(w.planned_minutes),
                w.earned_minutes.map(Cell::Minutes).unwrap_or(Cell::Empty),
                w.actual_minutes.map(Cell::Minutes).unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    vec![
        LabelledSheet {
            name: l("Work items", "作業項目別"),
            labels: vec![
                l("Work item", "作業項目"),
                l("Path", "パス"),
                l("Planned start", "計画開始"),
                l("Planned end", "計画終了"),
                l("Plan", "計画工数"),
                l("Actual", "実績工数"),
                l("Actual − plan", "差異"),
                l("Progress (%)", "進捗率（%）"),
                l("Planned value", "PV"),
                l("Earned value", "EV"),
                l("Cost", "原価"),
                l("Budget", "予算"),
                l("Budget used (%)", "予算消化率（%）"),
            ],
            // The total row, last, in bold.
            emphasised: items.len().checked_sub(1).into_iter().collect(),
            rows: items,
        },
        LabelledSheet {
            name: l("People", "人別"),
            labels: vec![
                l("Login", "ログイン名"),
                l("Name", "氏名"),
                l("Plan", "計画工数"),
                l("Actual", "実績工数"),
                l("Cost", "原価"),
                l("Without rate", "単価未設定"),
            ],
            rows: people,
            emphasised: Vec::new(),
        },
        LabelledSheet {
            name: l("Activities", "作業分類別"),
            labels: vec![l("Level", "レベル"), l("Code", "コード"), l("Activity", "分類"), l("Actual", "実績工数"), l("Cost", "原価")],
            rows: activities,
            emphasised: Vec::new(),
        },
        LabelledSheet {
            name: l("Earned value", "出来高"),
            labels: vec![l("Figure", "指標"), l("Value", "値")],
            rows: figures,
            emphasised: Vec::new(),
        },
        LabelledSheet {
            name: l("Burn-up", "バーンアップ"),
            labels: vec![l("Week", "週"), l("Planned value", "PV累計"), l("Earned value", "EV累計"), l("Actual", "実績累計")],
            rows: weeks,
            emphasised: Vec::new(),
        },
    ]
}

/// `plan-P-2026-014-2026-11-06.xlsx` (a code's characters unsafe in a file name become `_`).
pub fn file_name(p: &ProjectPlan, extension: &str) -> String {
    let code: String = p.code.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("plan-{code}-{}.{extension}", p.today)
}

/// The CSV file: the work items' sheet.
pub fn csv_text(p: &ProjectPlan, language: Language) -> String {
    labelled_csv(&sheets(p, language)[0])
}

/// The Excel file: work items, people, activities, earned value and burn-up, a sheet each.
pub fn xlsx_bytes(p: &ProjectPlan, language: Language) -> Result<Vec<u8>> {
    labelled_xlsx(&sheets(p, language)).map_err(|e| Error::Internal(format!("the plan's Excel file: {e}")))
}
