//! Attendance: the rules, the attendance task and stored timesheets.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use kinmu_attendance::{AttendanceRules, RulesOverride, attendance_date};
use kinmu_shared::api::{
    AttendanceTaskSettings, OrganizationRules, RunTask, TaskOverview, TaskRun, TaskTrigger, Timesheet, TimesheetQuery,
};
use kinmu_shared::messages::Text;

use crate::attendance::period::month_of;
use crate::attendance::{daily_task, period, rule_settings, timesheet};
use crate::error::{Error, Result};
use crate::http::SharedState;
use crate::http::endpoint::{Accepted, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, QueryParams, Session};

pub async fn rules(State(state): State<SharedState>, _session: Session) -> Result<Json<AttendanceRules>> {
    Ok(Json(rule_settings::company_rules(&state.db).await?))
}

pub async fn save_rules(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(rules): JsonBody<AttendanceRules>,
) -> Result<Json<AttendanceRules>> {
    Ok(Json(rule_settings::save_company_rules(&state.db, &session.actor(), rules).await?))
}

pub async fn overrides(State(state): State<SharedState>, _session: Session) -> Result<Json<Vec<OrganizationRules>>> {
    let all = rule_settings::overrides(&state.db).await?;
    Ok(Json(all.into_iter().map(|(organization_id, rules)| OrganizationRules { organization_id, rules }).collect()))
}

pub async fn save_override(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(over): JsonBody<RulesOverride>,
) -> Result<Json<RulesOverride>> {
    Ok(Json(rule_settings::save_override(&state.db, &session.actor(), id, over, crate::now()).await?))
}

pub async fn delete_override(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    rule_settings::delete_override(&state.db, &session.actor(), id).await?;
    Ok(NoContent)
}

pub async fn task(State(state): State<SharedState>, session: Session) -> Result<Json<TaskOverview>> {
    Ok(Json(daily_task::overview(&state.db, &session.actor(), Utc::now()).await?))
}

pub async fn save_task_settings(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(settings): JsonBody<AttendanceTaskSettings>,
) -> Result<Json<AttendanceTaskSettings>> {
    Ok(Json(rule_settings::save_task_settings(&state.db, &session.actor(), settings).await?))
}

pub async fn run_task(State(state): State<SharedState>, session: Session, JsonBody(req): JsonBody<RunTask>) -> Result<Accepted<TaskRun>> {
    let actor = session.actor();
    actor.require(kinmu_shared::Permission::ManageSettings)?;
    let now = Utc::now();
    let rules = rule_settings::company_rules(&state.db).await?;
    let (trigger, from, to) = match (req.from.as_deref(), req.to.as_deref()) {
        (None, None) => {
            let settings = rule_settings::task_settings(&state.db).await?;
            let (from, to) = daily_task::scheduled_range(&settings, &rules, now);
            (TaskTrigger::Manual, from, to)
        }
        (Some(f), Some(t)) => {
            let (from, to) = (period::parse_date("from", f)?, period::parse_date("to", t)?);
            daily_task::check_range(from, to, attendance_date(now, &rules))?;
            (TaskTrigger::Rebuild, from, to)
        }
        (None, Some(_)) => {
            return Err(Error::invalid(
                "from",
                Text::new(
                    "from is missing: give both from and to, or neither",
                    "開始日がありません。開始日と終了日を両方指定するか、どちらも空にしてください。",
                ),
            ));
        }
        (Some(_), None) => {
            return Err(Error::invalid(
                "to",
                Text::new(
                    "to is missing: give both from and to, or neither",
                    "終了日がありません。開始日と終了日を両方指定するか、どちらも空にしてください。",
                ),
            ));
        }
    };
    let run = daily_task::spawn(state.db.clone(), state.attendance_task.clone(), &actor, trigger, from, to, now).await?;
    Ok(Accepted(run))
}

pub async fn stop_task(State(state): State<SharedState>, session: Session) -> Result<Json<TaskOverview>> {
    let actor = session.actor();
    actor.require(kinmu_shared::Permission::ManageSettings)?;
    if !state.attendance_task.is_running() {
        return Err(Error::conflict(
            "",
            Text::new("the attendance task is not running in this server", "このサーバーでは勤怠計算は実行されていません。"),
        ));
    }
    state.attendance_task.request_stop();
    // The answer is the task's own state (runs and schedule, no one's attendance), which whoever
    // may stop it may see, with or without attendance.view.
    Ok(Json(daily_task::overview(&state.db, &crate::accounts::Actor::Operator, Utc::now()).await?))
}

pub async fn timesheet(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<TimesheetQuery>,
) -> Result<Json<Timesheet>> {
    let (year, month) = month_of("month", &q.month)?;
    Ok(Json(timesheet::timesheet(&state.db, &session.actor(), q.user.as_deref(), year, month).await?))
}
