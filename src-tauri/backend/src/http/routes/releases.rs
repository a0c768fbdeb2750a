//! Client releases: the list, and the choice of the one offered per platform.

use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{Release, ReleaseList};

use crate::error::Result;
use crate::http::SharedState;
use crate::http::request_parts::{IdParam, Session};
use crate::updates::releases;

pub async fn list(State(state): State<SharedState>, session: Session) -> Result<Json<ReleaseList>> {
    Ok(Json(releases::list(&state.db, &session.actor()).await?))
}

pub async fn offer(State(state): State<SharedState>, session: Session, IdParam(id): IdParam) -> Result<Json<Release>> {
    Ok(Json(releases::offer(&state.db, &session.actor(), id).await?))
}
