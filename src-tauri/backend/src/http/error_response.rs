//! Every failure leaves the server as `{code, message, field?}` with the code's HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::Error;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let api = self.to_api();
        match &self {
            Error::Database(e) => tracing::error!(error = %e, "database error"),
            Error::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => tracing::debug!(code = api.code.as_str(), "request refused"),
        }
        let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let japanese = InJapanese(self.to_api_in(kinmu_shared::Language::Ja));
        let mut response = (status, Json(api)).into_response();
        if let Error::RateLimited { retry_after, .. } | Error::AddressRateLimited { retry_after, .. } = &self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(*retry_after));
        }
        response.extensions_mut().insert(japanese);
        response
    }
}

/// An error's body for a Japanese-speaking caller, beside the English one the response carries;
/// [`speak_the_callers_language`] sends the one the caller reads.
#[derive(Clone)]
struct InJapanese(kinmu_shared::ApiError);

/// The language of the logged-in caller, left on the response by the access check.
#[derive(Clone, Copy)]
pub struct CallerLanguage(pub kinmu_shared::Language);

/// The caller's language: the session user's, else the first of Japanese or English in the
/// request's `Accept-Language`, else English.
pub fn language_of(session: Option<CallerLanguage>, accept_language: Option<&str>) -> kinmu_shared::Language {
    use kinmu_shared::Language;
    if let Some(CallerLanguage(l)) = session {
        return l;
    }
    let mut best: Option<(f32, Language)> = None;
    for part in accept_language.unwrap_or("").split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("ja") => Language::Ja,
            Some("en") => Language::En,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Language::En, |(_, l)| l)
}

/// Sends an error's message in the caller's language; the code and field stay as they are. An
/// answer from outside the routes (an unknown path or method) finds the session's language
/// itself.
pub async fn speak_the_callers_language(
    axum::extract::State(state): axum::extract::State<super::SharedState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let accept = req.headers().get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let token = super::request_parts::session_token(req.headers());
    let mut response = next.run(req).await;
    let Some(InJapanese(japanese)) = response.extensions_mut().remove::<InJapanese>() else {
        return response;
    };
    let mut session = response.extensions().get::<CallerLanguage>().copied();
    if let (None, Some(token)) = (session, token) {
        session = crate::accounts::sessions::language_of(&state.db, &token, crate::now()).await.ok().flatten().map(CallerLanguage);
    }
    if language_of(session, accept.as_deref()) != kinmu_shared::Language::Ja {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&japanese).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinmu_shared::Language;

    #[test]
    fn the_session_language_comes_first_then_accept_language() {
        assert_eq!(language_of(Some(CallerLanguage(Language::Ja)), Some("en-US")), Language::Ja);
        assert_eq!(language_of(None, Some("ja,en-US;q=0.9")), Language::Ja);
        assert_eq!(language_of(None, Some("fr-FR, en;q=0.8, ja;q=0.5")), Language::En);
        assert_eq!(language_of(None, Some("en;q=0.3, ja-JP;q=0.7")), Language::Ja);
        assert_eq!(language_of(None, None), Language::En);
        assert_eq!(language_of(None, Some("fr")), Language::En);
    }
}
