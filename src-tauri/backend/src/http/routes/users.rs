use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{CreateUser, CsvExportQuery, ImportReport, SetPassword, UpdateUser, User, UserList, UserQuery};

use crate::accounts::{csv_transfer, users};
use crate::error::Result;
use crate::http::SharedState;
use crate::http::endpoint::{Created, Download, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, QueryParams, Session, UploadBody};

pub async fn list(State(state): State<SharedState>, session: Session, QueryParams(q): QueryParams<UserQuery>) -> Result<Json<UserList>> {
    let filter = users::UserFilter {
        q: q.q,
        organization_id: q.organization_id,
        include_disabled: q.include_disabled,
        limit: q.limit.unwrap_or(50),
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(users::list(&state.db, &session.actor(), filter, crate::now()).await?))
}

pub async fn create(State(state): State<SharedState>, session: Session, JsonBody(req): JsonBody<CreateUser>) -> Result<Created<User>> {
    let user = users::create(&state.db, &session.actor(), req, crate::now()).await?;
    Ok(Created(user))
}

pub async fn get(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<User>> {
    Ok(Json(users::get(&state.db, &session.actor(), id, crate::now()).await?))
}

pub async fn update(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(req): JsonBody<UpdateUser>,
) -> Result<Json<User>> {
    Ok(Json(users::update(&state.db, &session.actor(), id, req, crate::now()).await?))
}

pub async fn set_password(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(req): JsonBody<SetPassword>,
) -> Result<NoContent> {
    users::set_password(&state.db, &session.actor(), id, &req.password, crate::now()).await?;
    Ok(NoContent)
}

pub async fn unlock(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<User>> {
    Ok(Json(users::unlock(&state.db, &session.actor(), id, crate::now()).await?))
}

pub async fn export(State(state): State<SharedState>, session: Session, QueryParams(q): QueryParams<CsvExportQuery>) -> Result<Download> {
    let encoding = Download::csv_encoding(&q)?;
    Ok(Download::csv("users.csv", &csv_transfer::export_users(&state.db, &session.actor(), crate::now()).await?, encoding))
}

pub async fn import(State(state): State<SharedState>, session: Session, UploadBody(bytes): UploadBody) -> Result<Json<ImportReport>> {
    Ok(Json(csv_transfer::import_users(&state.db, &session.actor(), &bytes, crate::now()).await?))
}
