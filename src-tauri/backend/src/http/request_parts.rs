//! Extractors that turn bad requests into the API's JSON errors: a JSON body whose errors name
//! the field, path ids, query strings, and the session behind the cookie.

use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use bytes::Bytes;
use kinmu_shared::api::CurrentUser;
use serde::de::DeserializeOwned;

use super::{JSON_LIMIT, SharedState};
use crate::accounts::{Actor, api_tokens, sessions};
use crate::error::{Error, Text};

pub const SESSION_COOKIE: &str = "kinmu_session";

fn body_error(e: BytesRejection, limit: usize) -> Error {
    let text = e.body_text();
    if text.contains("length limit") || e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large("request body", "リクエストの本文", limit)
    } else {
        Error::BadRequest(Text::new(
            format!("cannot read the request body: {text}"),
            format!("リクエストの本文を読み取れません（{text}）。もう一度送ってください。"),
        ))
    }
}

/// A body over its limit (`what` in English and Japanese).
fn too_large(what: &str, what_ja: &str, limit: usize) -> Error {
    Error::PayloadTooLarge(Text::new(
        format!("the {what} is larger than {} KiB", limit / 1024),
        format!("{what_ja}が大きすぎます（上限 {} KiB）。", limit / 1024),
    ))
}

/// A path that does not fit its route.
fn bad_path(text: &str) -> Error {
    Error::BadRequest(Text::new(format!("bad path: {text}"), format!("URL のパスが正しくありません（{text}）。")))
}

/// A JSON body. Syntax errors are `bad_request` with line and column; a missing field or a
/// value of the wrong type is `validation` naming the field.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"))
            .unwrap_or(false);
        if !is_json {
            return Err(Error::BadRequest(Text::new(
                "send the body as JSON with the header Content-Type: application/json",
                "本文は JSON で、ヘッダー「Content-Type: application/json」を付けて送ってください。",
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| body_error(e, JSON_LIMIT))?;
        if bytes.len() > JSON_LIMIT {
            return Err(too_large("JSON body", "JSON の本文", JSON_LIMIT));
        }
        parse_json(&bytes).map(JsonBody)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            use serde_json::error::Category;
            match inner.classify() {
                Category::Syntax | Category::Eof | Category::Io => Err(Error::BadRequest(Text::new(
                    format!("the body is not valid JSON (line {}, column {}): {inner}", inner.line(), inner.column()),
                    format!("本文が正しい JSON ではありません（{} 行 {} 列）。", inner.line(), inner.column()),
                ))),
                Category::Data => {
                    let msg = inner.to_string();
                    // serde reports a missing field at the parent's path; name the field itself.
                    let field = match msg.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
                        Some(f) if path == "." => f.to_string(),
                        Some(f) => format!("{path}.{f}"),
                        None => path,
                    };
                    Err(Error::unreadable(&field, &msg))
                }
            }
        }
    }
}

/// A raw upload (CSV). Its size is capped by the router's body limit.
pub struct UploadBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for UploadBody {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| body_error(e, super::CSV_LIMIT))?;
        if bytes.is_empty() {
            return Err(Error::invalid(
                "file",
                Text::new(
                    "the file is empty: choose a CSV file with a header line",
                    "ファイルが空です。見出し行のある CSV ファイルを選んでください。",
                ),
            ));
        }
        Ok(UploadBody(bytes))
    }
}

/// An uploaded file, streamed to a temporary file as it arrives (never held in memory), which is
/// removed when this is dropped. Not capped by the body limit: a log file may be gigabytes; a
/// body that stops coming fails at the connection's body timeout.
pub struct FileUpload {
    pub file: tempfile::NamedTempFile,
}

impl<S: Send + Sync> FromRequest<S> for FileUpload {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Error> {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let cannot = |e: std::io::Error| Error::Internal(format!("cannot store the upload in the temporary folder: {e}"));
        let file = tempfile::Builder::new().prefix("kinmu-upload-").tempfile().map_err(cannot)?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, tokio::fs::File::from_std(file.reopen().map_err(cannot)?));
        let mut body = req.into_body().into_data_stream();
        let mut size = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                Error::BadRequest(Text::new(
                    format!("the upload stopped before its end: {e}"),
                    format!("アップロードが途中で止まりました（{e}）。もう一度アップロードしてください。"),
                ))
            })?;
            size += chunk.len() as u64;
            out.write_all(&chunk).await.map_err(cannot)?;
        }
        out.flush().await.map_err(cannot)?;
        if size == 0 {
            return Err(Error::invalid(
                "file",
                Text::new(
                    "the file is empty: choose an access-log file (ALog CSV, EVTX or JSON lines)",
                    "ファイルが空です。アクセスログのファイル（ALog の CSV、EVTX、「JSON Lines」）を選んでください。",
                ),
            ));
        }
        Ok(FileUpload { file })
    }
}

/// A numeric id in the path.
pub struct IdParam(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdParam {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|e| bad_path(&e.body_text()))?;
        raw.parse::<i64>().map(IdParam).map_err(|_| {
            Error::NotFound(Text::new(
                format!("{raw:?} is not an id: ids are whole numbers"),
                format!("「{raw}」は ID ではありません。ID は整数です。"),
            ))
        })
    }
}

/// The table a report route names in its path (`/attendance/reports/{kind}`).
pub struct KindParam(pub kinmu_shared::api::ReportKind);

impl<S: Send + Sync> FromRequestParts<S> for KindParam {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|e| bad_path(&e.body_text()))?;
        kinmu_shared::api::ReportKind::from_key(&raw).map(KindParam).ok_or_else(|| {
            Error::NotFound(Text::new(
                format!("{raw:?} is not a table: use monthly, timesheet, daily, ranking or terminal"),
                format!("「{raw}」という帳票はありません。「monthly」「timesheet」「daily」「ranking」「terminal」のいずれかを指定してください。"),
            ))
        })
    }
}

/// A query string; a bad value is `validation` naming the parameter.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Query::<T>::from_request_parts(parts, state).await.map(|Query(v)| QueryParams(v)).map_err(|e| query_error(&e.body_text()))
    }
}

/// A query string that does not fit its type: names the parameter when serde does
/// (`Failed to deserialize query string: month: invalid type …`).
fn query_error(text: &str) -> Error {
    let detail = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(text);
    match detail
        .split_once(": ")
        .filter(|(field, _)| !field.is_empty() && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'))
    {
        Some((field, msg)) => Error::unreadable(field, msg),
        None => Error::invalid(
            "query",
            Text::new(format!("bad query string: {text}"), format!("URL のクエリ文字列を読み取れません（{detail}）。")),
        ),
    }
}

pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == SESSION_COOKIE && !v.is_empty()).then(|| v.to_string())
    })
}

/// The secret of `Authorization: Bearer <secret>`, if the request carries one.
pub fn bearer_secret(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, secret) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !secret.trim().is_empty()).then(|| secret.trim())
}

pub fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// The `Set-Cookie` value for a session (or for clearing it, with `token` None).
pub fn session_cookie(state: &super::AppState, token: Option<&str>) -> HeaderValue {
    let path = if state.base_path.is_empty() { "/" } else { state.base_path.as_str() };
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let v = match token {
        Some(t) => format!("{SESSION_COOKIE}={t}; Path={path}; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{SESSION_COOKIE}=; Path={path}; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&v).expect("cookie is ASCII")
}

pub fn set_cookie_header(value: HeaderValue) -> [(axum::http::HeaderName, HeaderValue); 1] {
    [(SET_COOKIE, value)]
}

/// The logged-in user behind the request's session cookie, or behind its API token
/// (`Authorization: Bearer`, which wins: the cookie is not looked at then). Found once per
/// request: the access check stores it for the handler. For a token, `user.permissions` are the
/// token's effective ones and `user.api_token` its id.
#[derive(Clone)]
pub struct Session {
    pub user: CurrentUser,
    pub expires_at: i64,
    /// The session cookie's secret, or the API token's when `user.api_token` is set.
    pub token: String,
}

impl Session {
    pub fn actor(&self) -> Actor {
        Actor::User(self.user.clone())
    }
}

impl FromRequestParts<SharedState> for Session {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Error> {
        if let Some(found) = parts.extensions.get::<Session>() {
            return Ok(found.clone());
        }
        if state.needs_setup().await? {
            return Err(Error::SetupRequired);
        }
        if let Some(secret) = bearer_secret(&parts.headers) {
            let bearer = api_tokens::resolve(&state.db, secret, crate::now()).await?;
            return Ok(Session { user: bearer.user, expires_at: bearer.expires_at, token: secret.to_string() });
        }
        let token = session_token(&parts.headers).ok_or(Error::Unauthenticated)?;
        let (user, expires_at) = sessions::resolve(&state.db, &token, state.session_idle_seconds(), crate::now()).await?;
        Ok(Session { user, expires_at, token })
    }
}

/// A desktop client's public update request (check-in, event report), counted against its
/// address's rate before its body is read ([`super::request_rate::ClientRate`]): past it, 429
/// `rate_limited` with `Retry-After`.
pub struct CountedClientRequest;

impl FromRequestParts<SharedState> for CountedClientRequest {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, Error> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0);
        state.client_rate.check(peer, &parts.headers)?;
        Ok(CountedClientRequest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinmu_shared::api::LoginRequest;

    #[test]
    fn json_errors_name_the_field() {
        let e = parse_json::<LoginRequest>(br#"{"login":"a"}"#).unwrap_err().to_api();
        assert_eq!(e.field.as_deref(), Some("password"));
        assert_eq!(e.code.http_status(), 422);
        let e = parse_json::<LoginRequest>(br#"{"login":5,"password":"x"}"#).unwrap_err().to_api();
        assert_eq!(e.field.as_deref(), Some("login"), "{e:?}");
        let e = parse_json::<LoginRequest>(br#"{"login":"#).unwrap_err().to_api();
        assert_eq!(e.code.http_status(), 400);
        assert!(e.message.contains("not valid JSON"));
    }

    #[test]
    fn the_bearer_secret_is_read_from_the_authorization_header() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer_secret(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer kinmu_abc"));
        assert_eq!(bearer_secret(&h), Some("kinmu_abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("bearer   kinmu_abc "));
        assert_eq!(bearer_secret(&h), Some("kinmu_abc"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic dXNlcjpwYXNz"));
        assert_eq!(bearer_secret(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_secret(&h), None);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=b; kinmu_session=tok123; c=d"));
        assert_eq!(session_token(&h).as_deref(), Some("tok123"));
        h.insert(COOKIE, HeaderValue::from_static("kinmu_session="));
        assert_eq!(session_token(&h), None);
    }
}
