use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use kinmu_shared::api::{SessionInfo, SetupRequest, SetupStatus};

use crate::accounts::{sessions, setup};
use crate::error::{Error, Result};
use crate::http::SharedState;
use crate::http::endpoint::WithCookie;
use crate::http::request_parts::{JsonBody, session_cookie, user_agent};

pub async fn status(State(state): State<SharedState>) -> Result<Json<SetupStatus>> {
    let needs_setup = state.needs_setup().await?;
    Ok(Json(SetupStatus { needs_setup, time_zones: crate::time_zones::names() }))
}

/// Runs the wizard's last step and logs the new administrator in.
pub async fn run(
    State(state): State<SharedState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<SetupRequest>,
) -> Result<WithCookie<Json<SessionInfo>>> {
    if !state.needs_setup().await? {
        return Err(Error::SetupDone);
    }
    let now = crate::now();
    let admin = setup::run(&state.db, &req, now).await?;
    state.mark_setup_done();
    let s = sessions::open(&state.db, admin, user_agent(&headers).as_deref(), now).await?;
    Ok(WithCookie(session_cookie(&state, Some(&s.token)), Json(s.info)))
}
