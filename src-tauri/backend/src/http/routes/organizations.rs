use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{CsvExportQuery, ImportReport, Organization, SaveOrganization};

use crate::accounts::{csv_transfer, organizations};
use crate::error::Result;
use crate::http::SharedState;
use crate::http::endpoint::{Created, Download, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, QueryParams, Session, UploadBody};

pub async fn list(State(state): State<SharedState>, _session: Session) -> Result<Json<Vec<Organization>>> {
    Ok(Json(organizations::list(&state.db).await?))
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<SaveOrganization>,
) -> Result<Created<Organization>> {
    let org = organizations::create(&state.db, &session.actor(), req, crate::now()).await?;
    Ok(Created(org))
}

pub async fn update(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(req): JsonBody<SaveOrganization>,
) -> Result<Json<Organization>> {
    Ok(Json(organizations::update(&state.db, &session.actor(), id, req).await?))
}

pub async fn delete(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    organizations::delete(&state.db, &session.actor(), id).await?;
    Ok(NoContent)
}

pub async fn export(State(state): State<SharedState>, _session: Session, QueryParams(q): QueryParams<CsvExportQuery>) -> Result<Download> {
    let encoding = Download::csv_encoding(&q)?;
    Ok(Download::csv("organizations.csv", &csv_transfer::export_organizations(&state.db).await?, encoding))
}

pub async fn import(State(state): State<SharedState>, session: Session, UploadBody(bytes): UploadBody) -> Result<Json<ImportReport>> {
    Ok(Json(csv_transfer::import_organizations(&state.db, &session.actor(), &bytes, crate::now()).await?))
}
