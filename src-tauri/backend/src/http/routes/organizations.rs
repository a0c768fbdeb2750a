use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kinmu_shared::api::{ImportReport, Organization, SaveOrganization};

use super::csv_download;
use crate::accounts::{csv_transfer, organizations};
use crate::error::Result;
use crate::http::SharedState;
use crate::http::request_parts::{IdParam, JsonBody, Session, UploadBody};

pub async fn list(State(state): State<SharedState>, _session: Session) -> Result<Json<Vec<Organization>>> {
    Ok(Json(organizations::list(&state.db).await?))
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<SaveOrganization>,
) -> Result<impl IntoResponse> {
    let org = organizations::create(&state.db, &session.actor(), req, crate::now()).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

pub async fn update(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(req): JsonBody<SaveOrganization>,
) -> Result<Json<Organization>> {
    Ok(Json(organizations::update(&state.db, &session.actor(), id, req).await?))
}

pub async fn delete(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<StatusCode> {
    organizations::delete(&state.db, &session.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn export(State(state): State<SharedState>, _session: Session) -> Result<impl IntoResponse> {
    Ok(csv_download("organizations.csv", csv_transfer::export_organizations(&state.db).await?))
}

pub async fn import(State(state): State<SharedState>, session: Session, UploadBody(bytes): UploadBody) -> Result<Json<ImportReport>> {
    Ok(Json(csv_transfer::import_organizations(&state.db, &session.actor(), &bytes, crate::now()).await?))
}
