use axum::Json;
use axum::extract::State;
use kinmu_shared::api::SystemSettings;

use crate::accounts::system_settings;
use crate::error::Result;
use crate::http::SharedState;
use crate::http::request_parts::{JsonBody, Session};

pub async fn get(State(state): State<SharedState>, _session: Session) -> Result<Json<SystemSettings>> {
    Ok(Json(system_settings::load(&state.db).await?))
}

pub async fn put(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<SystemSettings>,
) -> Result<Json<SystemSettings>> {
    let saved = system_settings::save(&state.db, &session.actor(), req).await?;
    state.set_session_idle_minutes(saved.session_idle_minutes);
    state.set_token_requests_per_minute(saved.token_requests_per_minute);
    Ok(Json(saved))
}
