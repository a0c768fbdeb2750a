//! The Tauri commands the UI calls through `window.__TAURI__.core.invoke`. Thin wrappers: the
//! work happens in [`crate::server_connection`]. Errors reject the JS promise with an
//! [`kinmu_shared::ApiError`] object.

use kinmu_shared::Language;
use kinmu_shared::api::{DesktopUpdateProgress, DesktopUpdateStatus, DownloadFolderSetting, Health};
use tauri::{AppHandle, State};

use crate::desktop_update::DesktopUpdates;
use crate::error::ShellError;
use crate::server_connection::{ApiResponse, ServerConnection};

/// The saved server base URL, e.g. `https://host/kinmu`; `null` before the first connection.
#[tauri::command]
pub fn server_url_get(connection: State<'_, ServerConnection>) -> Option<String> {
    connection.url()
}

/// Tests the server at `url` (its `/api/v1/health`), then saves it. Returns the health report.
#[tauri::command]
pub async fn server_url_set(connection: State<'_, ServerConnection>, url: String) -> Result<Health, ShellError> {
    connection.set_url(&url).await
}

/// Forwards an API call (`path` under `/api/v1/`) to the server with the shell's session cookie.
/// JS passes `{ method, path, body?, contentType?, bytes? }`: `body` is the request body's bytes
/// in base64 (a file's bytes as they are: a Shift_JIS CSV, an EVTX log), and with `bytes: true`
/// the answer's body comes back in base64 too (a download in any encoding, an Excel file).
#[tauri::command]
pub async fn api_request(
    connection: State<'_, ServerConnection>,
    method: String,
    path: String,
    body: Option<String>,
    content_type: Option<String>,
    bytes: Option<bool>,
) -> Result<ApiResponse, ShellError> {
    let body = body.map(|b| crate::server_connection::decode_body(&b)).transpose()?;
    connection.request(&method, &path, body, content_type, bytes.unwrap_or(false)).await
}

/// The installed version and the start-up decision of the check-in with the server (made once
/// per server unless `refresh`): what the UI shows before its pages (seed II.2 ②).
#[tauri::command]
pub async fn update_status(
    connection: State<'_, ServerConnection>,
    updates: State<'_, DesktopUpdates>,
    refresh: Option<bool>,
) -> Result<DesktopUpdateStatus, ShellError> {
    Ok(updates.status(connection.url(), refresh.unwrap_or(false)).await)
}

/// Starts the update (in the background), or with `repair` the repair of the installed version
/// (全プログラムアップデート); answers its progress so far.
#[tauri::command]
pub fn update_run(
    app: AppHandle,
    connection: State<'_, ServerConnection>,
    updates: State<'_, DesktopUpdates>,
    repair: Option<bool>,
) -> Result<DesktopUpdateProgress, ShellError> {
    updates.run(app, connection.url(), repair.unwrap_or(false)).map_err(ShellError::Update)
}

/// The temporary download folder of the app's updates (`null` when the app does not run from an
/// install).
#[tauri::command]
pub fn download_folder_get(updates: State<'_, DesktopUpdates>) -> Option<DownloadFolderSetting> {
    updates.download_folder()
}

/// Checks and saves the temporary download folder (empty: back to the default); a problem is
/// said in `lang` (`ja`, `en`).
#[tauri::command]
pub fn download_folder_set(
    updates: State<'_, DesktopUpdates>,
    path: String,
    lang: Option<String>,
) -> Result<DownloadFolderSetting, ShellError> {
    let lang = lang.as_deref().and_then(Language::parse).unwrap_or_default();
    updates.set_download_folder(&path, lang)
}

/// The running (or last) update's progress; `null` before any.
#[tauri::command]
pub fn update_progress(updates: State<'_, DesktopUpdates>) -> Option<DesktopUpdateProgress> {
    updates.progress()
}

/// The UI has loaded: the shell reports "started healthy" to the launcher's trial.
#[tauri::command]
pub fn app_ready(connection: State<'_, ServerConnection>, updates: State<'_, DesktopUpdates>) {
    updates.ui_ready(connection.url());
}

/// Ends the app (the user declined a required update, or closes a refusal).
#[tauri::command]
pub fn app_quit(app: AppHandle) {
    app.exit(0);
}
