//! The Tauri commands the UI calls through `window.__TAURI__.core.invoke`. Thin wrappers: the
//! work happens in [`crate::server_connection`]. Errors reject the JS promise with an
//! [`kinmu_shared::ApiError`] object.

use kinmu_shared::api::Health;
use tauri::State;

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
