//! A project's plan against actual and its Excel file, its schedule (the Gantt chart), budgets, cost rates and the budget
//! warning setting (issue 19).

use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{CostRate, CostRates, CostSettings, PlanDownloadQuery, ProjectPlan, ProjectSchedule, SaveCostRate, SetBudget};
use kinmu_shared::messages::Text;

use crate::effort::{cost, plan, schedule};
use crate::error::{Error, Result};
use crate::http::SharedState;
use crate::http::endpoint::{Created, Download, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, QueryParams, Session};

pub async fn project_plan(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<ProjectPlan>> {
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(plan::project_plan(&state.db, &session.actor(), id, today).await?))
}

pub async fn project_schedule(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<ProjectSchedule>> {
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(schedule::project_schedule(&state.db, &session.actor(), id, today).await?))
}

pub async fn download_plan(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    QueryParams(q): QueryParams<PlanDownloadQuery>,
) -> Result<Download> {
    let actor = session.actor();
    let format = q.format.as_deref().map(str::trim).unwrap_or("xlsx").to_ascii_lowercase();
    if format != "csv" && format != "xlsx" {
        return Err(Error::invalid("format", Text::new("format must be xlsx or csv", "形式は「xlsx」か「csv」にしてください。")));
    }
    let today = crate::effort::today(&state.db).await?;
    let p = plan::project_plan(&state.db, &actor, id, today).await?;
    Ok(if format == "xlsx" {
        Download {
            name: plan::file_name(&p, "xlsx"),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes: plan::xlsx_bytes(&p, actor.language())?,
        }
    } else {
        Download::csv(&plan::file_name(&p, "csv"), &plan::csv_text(&p, actor.language()), crate::attendance::reports::CsvEncoding::Utf8Bom)
    })
}

pub async fn set_budget(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(b): JsonBody<SetBudget>,
) -> Result<Json<ProjectPlan>> {
    let actor = session.actor();
    cost::set_budget(&state.db, &actor, id, &b).await?;
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(plan::project_plan(&state.db, &actor, id, today).await?))
}

pub async fn list_rates(State(state): State<SharedState>, session: Session) -> Result<Json<CostRates>> {
    Ok(Json(cost::list(&state.db, &session.actor()).await?))
}

pub async fn add_rate(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(r): JsonBody<SaveCostRate>,
) -> Result<Created<CostRate>> {
    Ok(Created(cost::create(&state.db, &session.actor(), r, crate::now()).await?))
}

pub async fn edit_rate(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(r): JsonBody<SaveCostRate>,
) -> Result<Json<CostRate>> {
    Ok(Json(cost::update(&state.db, &session.actor(), id, r).await?))
}

pub async fn delete_rate(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    cost::delete(&state.db, &session.actor(), id).await?;
    Ok(NoContent)
}

pub async fn save_settings(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(s): JsonBody<CostSettings>,
) -> Result<Json<CostSettings>> {
    Ok(Json(cost::save_settings(&state.db, &session.actor(), s).await?))
}
