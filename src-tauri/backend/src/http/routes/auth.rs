use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use kinmu_shared::api::{LoginRequest, SessionInfo, UpdatePreferences};

use crate::accounts::{sessions, users};
use crate::error::{Error, Result};
use crate::http::SharedState;
use crate::http::endpoint::{NoContent, WithCookie};
use crate::http::request_parts::{JsonBody, Session, session_cookie, user_agent};

pub async fn login(
    State(state): State<SharedState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<WithCookie<Json<SessionInfo>>> {
    if state.needs_setup().await? {
        return Err(Error::SetupRequired);
    }
    if req.login.len() > 256 || req.password.len() > 1024 {
        return Err(Error::InvalidCredentials);
    }
    let s = sessions::login(&state.db, &req.login, &req.password, user_agent(&headers).as_deref(), crate::now()).await?;
    Ok(WithCookie(session_cookie(&state, Some(&s.token)), Json(s.info)))
}

pub async fn logout(State(state): State<SharedState>, session: Session) -> Result<WithCookie<NoContent>> {
    // An API token is not a session: revoking it is done on its own route.
    if session.user.api_token.is_none() {
        sessions::logout(&state.db, &session.token).await?;
    }
    Ok(WithCookie(session_cookie(&state, None), NoContent))
}

/// The caller as the request sees them: with an API token, the token's effective permissions.
pub async fn me(State(state): State<SharedState>, session: Session) -> Result<Json<SessionInfo>> {
    let mut info = sessions::info(&state.db, session.user.id, session.expires_at).await?;
    info.user.permissions = session.user.permissions;
    info.user.api_token = session.user.api_token;
    Ok(Json(info))
}

pub async fn preferences(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<UpdatePreferences>,
) -> Result<Json<SessionInfo>> {
    users::set_preferences(&state.db, session.user.id, req.language, req.time_zone.as_deref(), crate::now()).await?;
    Ok(Json(sessions::info(&state.db, session.user.id, session.expires_at).await?))
}

pub async fn change_password(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(req): JsonBody<kinmu_shared::api::ChangeOwnPassword>,
) -> Result<NoContent> {
    sessions::change_own_password(&state.db, &session.user, &session.token, &req, crate::now()).await?;
    Ok(NoContent)
}
