//! The one API client: [`call`] sends any route of the shared table ([`kinmu_shared::api::routes`])
//! with its typed path, query and body, whatever transport carries it.

pub mod transport;

use kinmu_shared::api::routes::{self, Empty, Endpoint, FileBytes, FileDownload, Payload};
use kinmu_shared::api::*;
use kinmu_shared::{API_PREFIX, ApiError, ErrorCode};
use serde::de::DeserializeOwned;

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

async fn raw(method: &str, route: &str, body: Option<Vec<u8>>, ct: Option<&str>) -> ApiResult<String> {
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
    serde_json::from_str(body).map_err(|e| ApiError::new(ErrorCode::Internal, format!("{} ({e})", crate::i18n::said("api.unexpected"))))
}

/// Calls route `E` (a type of [`kinmu_shared::api::routes`]) with its path parameters, query and
/// body, and decodes its answer.
pub async fn call<E: Endpoint>(path: &E::Path, query: &E::Query, body: &E::Body) -> ApiResult<E::Answer> {
    let route = route_of::<E>(path, query)?;
    let bytes = body.encode().map_err(|e| ApiError::new(ErrorCode::BadRequest, e))?;
    let answer = raw(E::ROUTE.method, &route, bytes, <E::Body as Payload>::CONTENT_TYPE).await?;
    <E::Answer as Payload>::decode(answer)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("{} ({e})", crate::i18n::said("api.unexpected"))))
}

/// Sends a file's bytes to route `E` (the browser streams the `File` from disk; the desktop
/// shell's proxy takes it whole), calling `progress(sent, total)` as it goes, and decodes the
/// answer.
pub async fn upload<E: Endpoint<Body = FileBytes>>(
    path: &E::Path,
    query: &E::Query,
    file: &web_sys::File,
    progress: impl Fn(f64, f64) + 'static,
) -> ApiResult<E::Answer> {
    let route = route_of::<E>(path, query)?;
    let url = format!("{}{API_PREFIX}{route}", base_path());
    let r = transport::send_file(E::ROUTE.method, &url, file, progress).await?;
    if !(200..300).contains(&r.status) {
        let e = error_from(r.status, &r.body);
        if e.code == ErrorCode::Unauthenticated {
            crate::session_expired();
        }
        return Err(e);
    }
    <E::Answer as Payload>::decode(r.body)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("{} ({e})", crate::i18n::said("api.unexpected"))))
}

/// The file route `E` answers, byte for byte (the desktop shell, where a link cannot reach the
/// server: CSV in every encoding, Excel).
pub async fn download<E: Endpoint<Answer = FileDownload>>(path: &E::Path, query: &E::Query) -> ApiResult<Vec<u8>> {
    let route = route_of::<E>(path, query)?;
    let r = transport::get_bytes(&format!("{API_PREFIX}{route}")).await?;
    if (200..300).contains(&r.status) {
        return Ok(r.bytes);
    }
    let e = error_from(r.status, &String::from_utf8_lossy(&r.bytes));
    if e.code == ErrorCode::Unauthenticated {
        crate::session_expired();
    }
    Err(e)
}

/// The address of route `E` for a plain link (a file download in the browser).
pub fn download_url<E: Endpoint<Answer = FileDownload>>(path: &E::Path, query: &E::Query) -> String {
    format!("{}{API_PREFIX}{}", base_path(), route_of::<E>(path, query).unwrap_or_else(|_| E::path(path)))
}

/// The route's concrete path and query string, below `/api/v1`.
fn route_of<E: Endpoint>(path: &E::Path, query: &E::Query) -> ApiResult<String> {
    let mut route = E::path(path);
    let q = serde_urlencoded::to_string(query).map_err(|e| ApiError::new(ErrorCode::BadRequest, e.to_string()))?;
    if !q.is_empty() {
        route.push('?');
        route.push_str(&q);
    }
    Ok(route)
}

pub async fn setup_status() -> ApiResult<SetupStatus> {
    call::<routes::GetSetup>(&(), &(), &Empty).await
}
pub async fn me() -> ApiResult<SessionInfo> {
    call::<routes::GetMe>(&(), &(), &Empty).await
}
pub async fn login(req: &LoginRequest) -> ApiResult<SessionInfo> {
    call::<routes::Login>(&(), &(), req).await
}
pub async fn logout() -> ApiResult<()> {
    call::<routes::Logout>(&(), &(), &Empty).await.map(|_| ())
}
pub async fn set_preferences(p: &UpdatePreferences) -> ApiResult<SessionInfo> {
    call::<routes::SavePreferences>(&(), &(), p).await
}
pub async fn change_own_password(req: &ChangeOwnPassword) -> ApiResult<()> {
    call::<routes::ChangePassword>(&(), &(), req).await.map(|_| ())
}
pub async fn organizations() -> ApiResult<Vec<Organization>> {
    call::<routes::ListOrganizations>(&(), &(), &Empty).await
}
pub async fn roles() -> ApiResult<Vec<Role>> {
    call::<routes::ListRoles>(&(), &(), &Empty).await
}

/// Desktop only: the configured server address.
pub async fn server_url_get() -> ApiResult<Option<String>> {
    let v = transport::invoke("server_url_get", &js_sys::Object::new().into()).await?;
    Ok(v.as_string().filter(|s| !s.is_empty()))
}

/// Desktop only: a shell command's JSON answer decoded as `T`.
async fn desktop<T: DeserializeOwned>(cmd: &str, args: js_sys::Object) -> ApiResult<T> {
    let v = transport::invoke(cmd, &args.into()).await?;
    let s = js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "null".into());
    parse(&s)
}

/// Desktop only: the installed version and the server's start-up decision (its check-in).
pub async fn update_status(refresh: bool) -> ApiResult<DesktopUpdateStatus> {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"refresh".into(), &refresh.into());
    desktop("update_status", args).await
}

/// Desktop only: starts the app's update, or with `repair` the repair of the installed version
/// (every file checked, the damaged ones fetched); the shell restarts once applied.
pub async fn update_run(repair: bool) -> ApiResult<DesktopUpdateProgress> {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"repair".into(), &repair.into());
    desktop("update_run", args).await
}

/// Desktop only: the temporary download folder of the app's updates (None outside an install).
pub async fn download_folder_get() -> ApiResult<Option<DownloadFolderSetting>> {
    desktop("download_folder_get", js_sys::Object::new()).await
}

/// Desktop only: checks and saves the download folder (empty: the default); a problem is said in
/// `lang`.
pub async fn download_folder_set(path: &str, lang: kinmu_shared::Language) -> ApiResult<DownloadFolderSetting> {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"path".into(), &path.into());
    let _ = js_sys::Reflect::set(&args, &"lang".into(), &lang.code().into());
    desktop("download_folder_set", args).await
}

/// Desktop only: the running update's progress.
pub async fn update_progress() -> ApiResult<Option<DesktopUpdateProgress>> {
    desktop("update_progress", js_sys::Object::new()).await
}

/// Desktop only: the UI has loaded (the shell tells the launcher this version is healthy).
pub async fn app_ready() -> ApiResult<()> {
    transport::invoke("app_ready", &js_sys::Object::new().into()).await.map(|_| ())
}

/// Desktop only: ends the app.
pub async fn app_quit() -> ApiResult<()> {
    transport::invoke("app_quit", &js_sys::Object::new().into()).await.map(|_| ())
}

/// Desktop only: tests the address and saves it when the server answers.
pub async fn server_url_set(url: &str) -> ApiResult<Health> {
    let args = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&args, &"url".into(), &url.into());
    let v = transport::invoke("server_url_set", &args.into()).await?;
    let s = js_sys::JSON::stringify(&v).ok().and_then(|s| s.as_string()).unwrap_or_default();
    parse(&s)
}
