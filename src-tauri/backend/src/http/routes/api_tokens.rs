use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{ApiToken, CreateApiToken, CreatedApiToken};

use crate::accounts::api_tokens;
use crate::error::Result;
use crate::http::SharedState;
use crate::http::endpoint::{Created, NoContent};
use crate::http::request_parts::{IdParam, JsonBody, Session};

pub async fn list_own(State(state): State<SharedState>, session: Session) -> Result<Json<Vec<ApiToken>>> {
    Ok(Json(api_tokens::list_own(&state.db, &session.actor()).await?))
}

pub async fn create(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<CreateApiToken>,
) -> Result<Created<CreatedApiToken>> {
    Ok(Created(api_tokens::create(&state.db, &session.actor(), req, crate::now()).await?))
}

pub async fn revoke_own(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    api_tokens::revoke_own(&state.db, &session.actor(), id, crate::now()).await?;
    Ok(NoContent)
}

pub async fn list_all(State(state): State<SharedState>, session: Session) -> Result<Json<Vec<ApiToken>>> {
    Ok(Json(api_tokens::list_all(&state.db, &session.actor()).await?))
}

pub async fn revoke_any(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<NoContent> {
    api_tokens::revoke_any(&state.db, &session.actor(), id, crate::now()).await?;
    Ok(NoContent)
}
