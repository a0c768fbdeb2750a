use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{Role, SaveRole};

use crate::accounts::roles;
use crate::error::Result;
use crate::http::SharedState;
use crate::http::endpoint::{Created, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, Session};

pub async fn list(State(state): State<SharedState>, _session: Session) -> Result<Json<Vec<Role>>> {
    Ok(Json(roles::list(&state.db).await?))
}

pub async fn create(State(state): State<SharedState>, session: Session, JsonBody(req): JsonBody<SaveRole>) -> Result<Created<Role>> {
    let role = roles::create(&state.db, &session.actor(), req, crate::now()).await?;
    Ok(Created(role))
}

pub async fn update(
    State(state): State<SharedState>,
    session: Session,
    IdParam(id): IdParam,
    JsonBody(req): JsonBody<SaveRole>,
) -> Result<Json<Role>> {
    Ok(Json(roles::update(&state.db, &session.actor(), id, req).await?))
}

pub async fn delete(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    roles::delete(&state.db, &session.actor(), id).await?;
    Ok(NoContent)
}
