use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use kinmu_shared::api::{LoginRequest, SessionInfo, UpdatePreferences};

use crate::accounts::{sessions, users};
use crate::error::{Error, Result};
use crate::http::SharedState;
use crate::http::request_parts::{JsonBody, Session, session_cookie, set_cookie_header, user_agent};

pub async fn login(
    State(state): State<SharedState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<impl IntoResponse> {
    if state.needs_setup().await? {
        return Err(Error::SetupRequired);
    }
    if req.login.len() > 256 || req.password.len() > 1024 {
        return Err(Error::InvalidCredentials);
    }
    let s = sessions::login(&state.db, &req.login, &req.password, user_agent(&headers).as_deref(), crate::now()).await?;
    Ok((set_cookie_header(session_cookie(&state, Some(&s.token))), Json(s.info)))
}

pub async fn logout(State(state): State<SharedState>, session: Session) -> Result<impl IntoResponse> {
    sessions::logout(&state.db, &session.token).await?;
    Ok((StatusCode::NO_CONTENT, set_cookie_header(session_cookie(&state, None))))
}

pub async fn me(State(state): State<SharedState>, session: Session) -> Result<Json<SessionInfo>> {
    Ok(Json(sessions::info(&state.db, session.user.id, session.expires_at).await?))
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
) -> Result<axum::http::StatusCode> {
    sessions::change_own_password(&state.db, &session.user, &session.token, &req, crate::now()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
