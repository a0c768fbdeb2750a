//! Output profiles, the rules preview and the holiday calendar.

use axum::Json;
use axum::extract::State;
use chrono::{NaiveDate, Utc};
use kinmu_shared::api::{HolidayEntry, HolidayQuery, OutputProfile, ProfileRunReport, RulesPreview, RulesPreviewRequest, RunProfiles};

use crate::attendance::{output_profiles, period, rule_settings, rules_preview};
use crate::error::{Error, Result, Text};
use crate::http::SharedState;
use crate::http::endpoint::{Created, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, QueryParams, Session};

pub async fn list(State(state): State<SharedState>, session: Session) -> Result<Json<Vec<OutputProfile>>> {
    Ok(Json(output_profiles::list(&state.db, &session.actor()).await?))
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(p): JsonBody<OutputProfile>,
) -> Result<Created<OutputProfile>> {
    let p = output_profiles::create(&state.db, &session.actor(), p, state.attendance_task.output_roots(), crate::now()).await?;
    Ok(Created(p))
}

pub async fn update(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(p): JsonBody<OutputProfile>,
) -> Result<Json<OutputProfile>> {
    Ok(Json(output_profiles::update(&state.db, &session.actor(), id, p, state.attendance_task.output_roots(), crate::now()).await?))
}

pub async fn delete(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    output_profiles::delete(&state.db, &session.actor(), id).await?;
    Ok(NoContent)
}

pub async fn copy(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Created<OutputProfile>> {
    let p = output_profiles::copy(&state.db, &session.actor(), id, state.attendance_task.output_roots(), crate::now()).await?;
    Ok(Created(p))
}

/// The attendance days a run request stands for.
pub async fn days_of(state: &SharedState, req: &RunProfiles) -> Result<Vec<NaiveDate>> {
    match (req.month.as_deref(), req.date.as_deref()) {
        (Some(_), Some(_)) => Err(Error::invalid(
            "date",
            Text::new("give month or date, not both", "年月か日付のどちらか一方を指定してください（両方は指定できません）。"),
        )),
        (None, Some(d)) => Ok(vec![period::parse_date("date", d)?]),
        (Some(m), None) => period::days_of_month("month", m),
        (None, None) => {
            let rules = rule_settings::company_rules(&state.db).await?;
            let today = kinmu_attendance::attendance_date(Utc::now(), &rules);
            Ok(vec![today.pred_opt().unwrap_or(today)])
        }
    }
}

pub async fn run_one(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(req): JsonBody<RunProfiles>,
) -> Result<Json<ProfileRunReport>> {
    let p = output_profiles::get(&state.db, &session.actor(), id).await?;
    let days = days_of(&state, &req).await?;
    Ok(Json(output_profiles::run(&state.db, &[p], &days, state.attendance_task.output_roots(), crate::now()).await?))
}

pub async fn run_all(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<RunProfiles>,
) -> Result<Json<ProfileRunReport>> {
    session.actor().require(kinmu_shared::Permission::ManageSettings)?;
    let days = days_of(&state, &req).await?;
    let profiles = output_profiles::enabled(&state.db).await?;
    Ok(Json(output_profiles::run(&state.db, &profiles, &days, state.attendance_task.output_roots(), crate::now()).await?))
}

pub async fn preview(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<RulesPreviewRequest>,
) -> Result<Json<RulesPreview>> {
    Ok(Json(rules_preview::preview(&state.db, &session.actor(), req, Utc::now()).await?))
}

pub async fn holidays(
    State(state): State<SharedState>,
    _session: Session,
    QueryParams(q): QueryParams<HolidayQuery>,
) -> Result<Json<Vec<HolidayEntry>>> {
    Ok(Json(rules_preview::holidays(&state.db, q.year).await?))
}
