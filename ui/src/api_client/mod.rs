//! The one API client: typed calls to `/api/v1/...`, whatever transport carries them.

pub mod transport;

use kinmu_shared::api::*;
use kinmu_shared::{API_PREFIX, ApiError, ErrorCode};
use serde::{Serialize, de::DeserializeOwned};

pub use transport::{base_path, is_desktop};

pub type ApiResult<T> = Result<T, ApiError>;

fn error_from(status: u16, body: &str) -> ApiError {
    serde_json::from_str::<ApiError>(body).unwrap_or_else(|_| {
        let code = match status {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            503 | 502 | 504 | 0 => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, format!("HTTP {status}"))
    })
}

async fn raw(method: &str, route: &str, body: Option<String>, ct: Option<&str>) -> ApiResult<String> {
    let path = format!("{API_PREFIX}{route}");
    let r = transport::send(method, &path, body, ct).await?;
    if (200..300).contains(&r.status) {
        return Ok(r.body);
    }
    let e = error_from(r.status, &r.body);
    if e.code == ErrorCode::Unauthenticated {
        crate::session_expired();
    }
    Err(e)
}

fn parse<T: DeserializeOwned>(body: &str) -> ApiResult<T> {
    serde_json::from_str(body).map_err(|e| ApiError::new(ErrorCode::Internal, format!("Unexpected answer from the server: {e}")))
}

pub async fn get<T: DeserializeOwned>(route: &str) -> ApiResult<T> {
    parse(&raw("GET", route, None, None).await?)
}

pub async fn get_text(route: &str) -> ApiResult<String> {
    raw("GET", route, None, None).await
}

pub async fn send<B: Serialize, T: DeserializeOwned>(method: &str, route: &str, body: &B) -> ApiResult<T> {
    let json = serde_json::to_string(body).map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    parse(&raw(method, route, Some(json), Some("application/json")).await?)
}

/// A request whose answer has no body (204).
pub async fn send_empty(method: &str, route: &str, body: Option<String>) -> ApiResult<()> {
    let ct = body.as_ref().map(|_| "application/json");
    raw(method, route, body, ct).await.map(|_| ())
}

pub async fn post_csv(route: &str, csv: String) -> ApiResult<ImportReport> {
    parse(&raw("POST", route, Some(csv), Some("text/csv")).await?)
}

/// The address of an API route for a plain link (downloads in the browser).
pub fn url(route: &str) -> String {
    format!("{}{API_PREFIX}{route}", base_path())
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

pub async fn setup_status() -> ApiResult<SetupStatus> {
    get("/setup").await
}
pub async fn me() -> ApiResult<SessionInfo> {
    get("/auth/me").await
}
pub async fn login(req: &LoginRequest) -> ApiResult<SessionInfo> {
    send("POST", "/auth/login", req).await
}
pub async fn logout() -> ApiResult<()> {
    send_empty("POST", "/auth/logout", None).await
}
pub async fn set_preferences(p: &UpdatePreferences) -> ApiResult<SessionInfo> {
    send("PUT", "/me/preferences", p).await
}
pub async fn change_own_password(req: &kinmu_shared::api::ChangeOwnPassword) -> ApiResult<()> {
    send_empty("PUT", "/me/password", Some(serde_json::to_string(req).unwrap_or_default())).await
}
pub async fn organizations() -> ApiResult<Vec<Organization>> {
    get("/organizations").await
}
pub async fn roles() -> ApiResult<Vec<Role>> {
    get("/roles").await
}

/// Desktop only: the configured server address.
pub async fn server_url_get() -> ApiResult<Option<String>> {
    let v = transport::invoke("server_url_get", &js_sys::Object::new().into()).await?;
    Ok(v.as_string().filter(|s| !s.is_empty()))
}

/// Desktop only: tests the address and saves it when the server answers.
pub async fn server_url_set(url: &str) -> ApiResult<Health> {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"url".into(), &url.into());
    let v = transport::invoke("server_url_set", &args.into()).await?;
    let s = js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).unwrap_or_default();
    parse(&s)
}
