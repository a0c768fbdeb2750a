//! The `kinmu-ui` protocol the window loads the UI from: the UI bundle of the version this shell
//! belongs to (`<install>/versions/<v>/ui/`, so a release that changes only the UI needs no new
//! shell), or the UI compiled into the shell when no installed version has one (a development
//! build, or a version whose release carries no bundle). Which file a path names is decided by
//! `kinmu_updater::running::ui_file` (never outside the bundle; pages of the app get
//! `index.html`); here only the reading and the answer.

use std::path::PathBuf;

use tauri::http::{Response, StatusCode, header};
use tauri::{AppHandle, Runtime, UriSchemeResponder};

/// The protocol's name: the window's address is `kinmu-ui://localhost/` (Linux, macOS) or
/// `http://kinmu-ui.localhost/` (Windows, where WebView2 maps custom protocols so).
pub const SCHEME: &str = "kinmu-ui";

/// The window's first address.
pub fn start_url() -> tauri::Url {
    let url = if cfg!(windows) { format!("http://{SCHEME}.localhost/") } else { format!("{SCHEME}://localhost/") };
    tauri::Url::parse(&url).expect("the protocol's address is valid")
}

/// Answers one request of the window off the main thread: from `ui_dir` when given, else from
/// the compiled-in bundle.
pub fn answer<R: Runtime>(app: &AppHandle<R>, ui_dir: Option<PathBuf>, path: String, responder: UriSchemeResponder) {
    let app = app.clone();
    std::thread::spawn(move || {
        // The compiled-in index's header: the configured policy as Tauri completes it.
        let csp = app.asset_resolver().get("index.html".to_string()).and_then(|a| a.csp_header);
        let response = match ui_dir {
            Some(dir) => from_folder(&dir, &path, csp),
            None => compiled_in(&app, &path),
        };
        responder.respond(response);
    });
}

fn from_folder(dir: &std::path::Path, path: &str, csp: Option<String>) -> Response<Vec<u8>> {
    let Some((file, mime)) = kinmu_updater::running::ui_file(dir, path) else {
        return not_found(path);
    };
    match std::fs::read(&file) {
        Ok(bytes) => {
            let mut response = Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, mime)
                // The bundle of a version never changes in place; a new version is a new folder
                // and a new start, so nothing stale is kept.
                .header(header::CACHE_CONTROL, "no-cache");
            if mime.starts_with("text/html")
                && let Some(csp) = csp
            {
                response = response.header("Content-Security-Policy", csp);
            }
            response.body(bytes).unwrap_or_else(|_| not_found(path))
        }
        Err(e) => {
            eprintln!("kinmu-desktop: cannot read {}: {e}", file.display());
            not_found(path)
        }
    }
}

fn compiled_in<R: Runtime>(app: &AppHandle<R>, path: &str) -> Response<Vec<u8>> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = if path.is_empty() || path == "/" { "index.html" } else { path.trim_start_matches('/') };
    match app.asset_resolver().get(path.to_string()) {
        Some(asset) => {
            let mut response = Response::builder().status(StatusCode::OK).header(header::CONTENT_TYPE, asset.mime_type);
            if let Some(csp) = asset.csp_header {
                response = response.header("Content-Security-Policy", csp);
            }
            response.body(asset.bytes).unwrap_or_else(|_| not_found(path))
        }
        None => not_found(path),
    }
}

fn not_found(path: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(format!("{path} is not part of the UI").into_bytes())
        .expect("a fixed response is valid")
}
