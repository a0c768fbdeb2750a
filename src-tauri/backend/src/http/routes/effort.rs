//! Effort tracking: projects, work items, activities, entries, the week grid, periods, gaps and
//! the effort settings. Each handler hands the request to its service in [`crate::effort`],
//! which checks who may do it.

use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{
    Activity, ApproverDashboard, ChangePath, CopyProject, CsvExportQuery, DeleteEntry, EffortEntry, EffortImportQuery, EffortImportReport,
    EffortPeriod, EffortReport, EffortReportDownloadQuery, EffortReportQuery, EffortSettings, EffortWeek, EntryChange, EntryHistoryQuery,
    ExplainGap, GapDay, GapMonth, GapQuery, GapReason, GapReport, GapReportDownloadQuery, GapReportQuery, GapThreshold, ImportFormat,
    ImportReport, MyDashboard, PeriodChange, PeriodDecision, PeriodQuery, Project, ReopenPeriod, RunningTimer, SaveActivity, SaveEntry,
    SaveEntryAnswer, SaveGapReason, SaveProject, SaveProjectMembers, SaveWorkItem, SetGapThreshold, StartTimer, StopTimer, StoppedTimer,
    SubmitPeriod, WeekQuery, WorkItem,
};
use kinmu_shared::effort::PeriodAction;

use crate::effort::{
    activities, dashboard, entries, gap_report, gaps, periods, project_transfer, projects, report, settings, timer, week, work_items,
};
use crate::error::Result;
use crate::http::SharedState;
use crate::http::endpoint::{Created, Download, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, QueryParams, Session, UploadBody};

pub async fn list_projects(State(state): State<SharedState>, session: Session) -> Result<Json<Vec<Project>>> {
    Ok(Json(projects::list(&state.db, &session.actor()).await?))
}

pub async fn add_project(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(p): JsonBody<SaveProject>,
) -> Result<Created<Project>> {
    Ok(Created(projects::create(&state.db, &session.actor(), p, crate::now()).await?))
}

pub async fn export_projects(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<CsvExportQuery>,
) -> Result<Download> {
    let encoding = Download::csv_encoding(&q)?;
    Ok(Download::csv("projects.csv", &project_transfer::export(&state.db, &session.actor()).await?, encoding))
}

pub async fn import_projects(
    State(state): State<SharedState>,
    session: Session,
    UploadBody(bytes): UploadBody,
) -> Result<Json<ImportReport>> {
    Ok(Json(project_transfer::import(&state.db, &session.actor(), &bytes, crate::now()).await?.report))
}

pub async fn get_project(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<Project>> {
    Ok(Json(projects::get(&state.db, &session.actor(), id).await?))
}

pub async fn edit_project(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(p): JsonBody<SaveProject>,
) -> Result<Json<Project>> {
    Ok(Json(projects::update(&state.db, &session.actor(), id, p, crate::now()).await?))
}

pub async fn edit_members(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(m): JsonBody<SaveProjectMembers>,
) -> Result<Json<Project>> {
    Ok(Json(projects::set_members(&state.db, &session.actor(), id, m.members).await?))
}

pub async fn copy_project(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(c): JsonBody<CopyProject>,
) -> Result<Created<Project>> {
    Ok(Created(projects::copy(&state.db, &session.actor(), id, c, crate::now()).await?))
}

pub async fn list_work_items(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<Vec<WorkItem>>> {
    Ok(Json(work_items::list(&state.db, &session.actor(), id).await?))
}

pub async fn add_work_item(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(w): JsonBody<SaveWorkItem>,
) -> Result<Created<WorkItem>> {
    Ok(Created(work_items::create(&state.db, &session.actor(), id, w, crate::now()).await?))
}

pub async fn edit_work_item(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(w): JsonBody<SaveWorkItem>,
) -> Result<Json<WorkItem>> {
    Ok(Json(work_items::update(&state.db, &session.actor(), id, w).await?))
}

pub async fn delete_work_item(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    work_items::delete(&state.db, &session.actor(), id).await?;
    Ok(NoContent)
}

pub async fn list_activities(State(state): State<SharedState>, _session: Session) -> Result<Json<Vec<Activity>>> {
    Ok(Json(activities::list(&state.db).await?))
}

pub async fn add_activity(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(a): JsonBody<SaveActivity>,
) -> Result<Created<Activity>> {
    Ok(Created(activities::create(&state.db, &session.actor(), a, crate::now()).await?))
}

pub async fn edit_activity(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(a): JsonBody<SaveActivity>,
) -> Result<Json<Activity>> {
    Ok(Json(activities::update(&state.db, &session.actor(), id, a).await?))
}

pub async fn get_week(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<WeekQuery>,
) -> Result<Json<EffortWeek>> {
    Ok(Json(week::week(&state.db, &session.actor(), q).await?))
}

pub async fn save_entry(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(e): JsonBody<SaveEntry>,
) -> Result<Json<SaveEntryAnswer>> {
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(entries::save(&state.db, &session.actor(), e, ChangePath::Api, today, crate::now()).await?))
}

pub async fn delete_entry(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(d): JsonBody<DeleteEntry>,
) -> Result<Json<EffortEntry>> {
    Ok(Json(entries::delete(&state.db, &session.actor(), d, ChangePath::Api, crate::now()).await?))
}

pub async fn import_entries(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<EffortImportQuery>,
    UploadBody(bytes): UploadBody,
) -> Result<Json<EffortImportReport>> {
    use crate::effort::foreign_import::{ImportOptions, import};
    let format = match q.format.as_deref().map(str::trim).filter(|f| !f.is_empty() && *f != "auto") {
        None => None,
        Some(f) => Some(ImportFormat::from_key(f).ok_or_else(|| {
            crate::error::Error::invalid(
                "format",
                kinmu_shared::messages::Text::new(
                    format!("format: {f:?} is not a format: use kinmu, kimai, toggl or clockify (or none to detect it)"),
                    format!("「{f}」は形式として使えません。kinmu・kimai・toggl・clockify のどれかにしてください。"),
                ),
            )
        })?),
    };
    let date_order = match q.date_order.as_deref().map(str::trim).filter(|o| !o.is_empty() && *o != "auto") {
        None => None,
        Some(o) => Some(kinmu_shared::api::DateOrder::from_key(o).ok_or_else(|| {
            crate::error::Error::invalid(
                "date_order",
                kinmu_shared::messages::Text::new(
                    format!("date_order: {o:?} is not a date order: use mdy (MM/DD/YYYY), dmy (DD/MM/YYYY) or ymd (or none to detect it)"),
                    format!("「{o}」は日付の並びとして使えません。mdy（MM/DD/YYYY）・dmy（DD/MM/YYYY）・ymd のどれかにしてください。"),
                ),
            )
        })?),
    };
    let options = ImportOptions { format, date_order, create_missing: q.create_missing, dry_run: q.dry_run };
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(import(&state.db, &session.actor(), &bytes, options, ChangePath::Import, today, crate::now()).await?))
}

pub async fn get_timer(State(state): State<SharedState>, session: Session) -> Result<Json<Option<RunningTimer>>> {
    Ok(Json(timer::get(&state.db, &session.actor(), crate::now()).await?))
}

pub async fn start_timer(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(t): JsonBody<StartTimer>,
) -> Result<Created<RunningTimer>> {
    Ok(Created(timer::start(&state.db, &session.actor(), t, crate::now()).await?))
}

pub async fn stop_timer(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(s): JsonBody<StopTimer>,
) -> Result<Json<StoppedTimer>> {
    Ok(Json(timer::stop(&state.db, &session.actor(), s, crate::now()).await?))
}

pub async fn discard_timer(State(state): State<SharedState>, session: Session) -> Result<NoContent> {
    timer::discard(&state.db, &session.actor()).await?;
    Ok(NoContent)
}

pub async fn entry_history(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<EntryHistoryQuery>,
) -> Result<Json<Vec<EntryChange>>> {
    Ok(Json(entries::history(&state.db, &session.actor(), &q.id).await?))
}

pub async fn list_periods(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> Result<Json<Vec<EffortPeriod>>> {
    Ok(Json(periods::list(&state.db, &session.actor(), q).await?))
}

pub async fn my_dashboard(State(state): State<SharedState>, session: Session) -> Result<Json<MyDashboard>> {
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(dashboard::mine(&state.db, &session.actor(), today).await?))
}

pub async fn approver_dashboard(State(state): State<SharedState>, session: Session) -> Result<Json<ApproverDashboard>> {
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(dashboard::approver(&state.db, &session.actor(), today).await?))
}

pub async fn submit_period(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(s): JsonBody<SubmitPeriod>,
) -> Result<Json<EffortPeriod>> {
    Ok(Json(periods::submit(&state.db, &session.actor(), &s.date, crate::now()).await?))
}

pub async fn approve_period(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(d): JsonBody<PeriodDecision>,
) -> Result<Json<EffortPeriod>> {
    Ok(Json(periods::decide(&state.db, &session.actor(), id, PeriodAction::Approve, &d.comment, crate::now()).await?))
}

pub async fn send_back_period(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(d): JsonBody<PeriodDecision>,
) -> Result<Json<EffortPeriod>> {
    Ok(Json(periods::decide(&state.db, &session.actor(), id, PeriodAction::SendBack, &d.comment, crate::now()).await?))
}

pub async fn period_history(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<Vec<PeriodChange>>> {
    Ok(Json(periods::history(&state.db, &session.actor(), id).await?))
}

pub async fn reopen_period(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(r): JsonBody<ReopenPeriod>,
) -> Result<Json<EffortPeriod>> {
    Ok(Json(periods::reopen(&state.db, &session.actor(), id, &r.reason, crate::now()).await?))
}

pub async fn get_gaps(State(state): State<SharedState>, session: Session, QueryParams(q): QueryParams<GapQuery>) -> Result<Json<GapMonth>> {
    Ok(Json(gaps::month(&state.db, &session.actor(), q).await?))
}

pub async fn explain_gap(State(state): State<SharedState>, session: Session, JsonBody(e): JsonBody<ExplainGap>) -> Result<Json<GapDay>> {
    Ok(Json(gaps::explain(&state.db, &session.actor(), e, crate::now()).await?))
}

pub async fn list_gap_reasons(State(state): State<SharedState>, _session: Session) -> Result<Json<Vec<GapReason>>> {
    Ok(Json(gaps::reasons(&state.db).await?))
}

pub async fn add_gap_reason(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(r): JsonBody<SaveGapReason>,
) -> Result<Created<GapReason>> {
    Ok(Created(gaps::add_reason(&state.db, &session.actor(), r, crate::now()).await?))
}

pub async fn edit_gap_reason(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(r): JsonBody<SaveGapReason>,
) -> Result<Json<GapReason>> {
    Ok(Json(gaps::edit_reason(&state.db, &session.actor(), id, r).await?))
}

pub async fn get_settings(State(state): State<SharedState>, _session: Session) -> Result<Json<EffortSettings>> {
    Ok(Json(settings::get(&state.db).await?))
}

pub async fn save_settings(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(s): JsonBody<EffortSettings>,
) -> Result<Json<EffortSettings>> {
    Ok(Json(settings::save(&state.db, &session.actor(), s).await?))
}

pub async fn list_gap_thresholds(State(state): State<SharedState>, session: Session) -> Result<Json<Vec<GapThreshold>>> {
    Ok(Json(settings::thresholds(&state.db, &session.actor()).await?))
}

pub async fn save_gap_threshold(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(t): JsonBody<SetGapThreshold>,
) -> Result<Json<GapThreshold>> {
    Ok(Json(settings::set_threshold(&state.db, &session.actor(), id, t).await?))
}

pub async fn gap_report(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<GapReportQuery>,
) -> Result<Json<GapReport>> {
    Ok(Json(gap_report::report(&state.db, &session.actor(), &q).await?))
}

pub async fn download_gap_report(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<GapReportDownloadQuery>,
) -> Result<Download> {
    let actor = session.actor();
    let format = q.format.as_deref().map(str::trim).unwrap_or("csv").to_ascii_lowercase();
    if format != "csv" && format != "xlsx" {
        return Err(crate::error::Error::invalid(
            "format",
            kinmu_shared::messages::Text::new("format must be csv or xlsx", "形式は「csv」か「xlsx」にしてください。"),
        ));
    }
    let encoding = Download::csv_encoding(&CsvExportQuery { encoding: q.encoding.clone() })?;
    let report =
        gap_report::report(&state.db, &actor, &GapReportQuery { month: q.month, organization_id: q.organization_id, months: None }).await?;
    Ok(if format == "xlsx" {
        Download {
            name: gap_report::file_name(&report, "xlsx"),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes: gap_report::xlsx_bytes(&report, actor.language())?,
        }
    } else {
        Download::csv(&gap_report::file_name(&report, "csv"), &gap_report::csv_text(&report, actor.language()), encoding)
    })
}

pub async fn effort_report(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<EffortReportQuery>,
) -> Result<Json<EffortReport>> {
    Ok(Json(report::report(&state.db, &session.actor(), &q).await?))
}

pub async fn download_effort_report(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<EffortReportDownloadQuery>,
) -> Result<Download> {
    let actor = session.actor();
    let format = report::file_format(q.format.as_deref())?;
    let encoding = Download::csv_encoding(&CsvExportQuery { encoding: q.encoding.clone() })?;
    let r = report::report(&state.db, &actor, &q.report()).await?;
    Ok(if format == "xlsx" {
        Download {
            name: report::file_name(&r, "xlsx"),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes: report::xlsx_bytes(&r, actor.language())?,
        }
    } else {
        Download::csv(&report::file_name(&r, "csv"), &report::csv_text(&r, actor.language()), encoding)
    })
}
