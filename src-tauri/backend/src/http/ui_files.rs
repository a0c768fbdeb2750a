//! Serves the UI's built files (`ui/dist`): assets as they are (gzip-compressed copies when the
//! build made them and the browser accepts them), and `index.html`, with the base path written
//! in, for every other page so that the UI's router can take over.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::SharedState;
use crate::error::{Error, Text};

pub struct UiFiles {
    dir: Option<PathBuf>,
    index: String,
}

const MISSING_UI: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Kinmu</title></head><body>\
<h1>Kinmu is running, but its UI is not built</h1><p>Build it with <code>scripts/build-ui</code>, or start the server with \
<code>--ui-dir</code> pointing at the UI's dist folder. The API answers under <code>api/v1</code>.</p></body></html>";

impl UiFiles {
    pub fn load(dir: Option<PathBuf>, base_path: &str) -> UiFiles {
        let dir = dir.filter(|d| d.join("index.html").is_file());
        let index = match &dir {
            Some(d) => std::fs::read_to_string(d.join("index.html")).map(|html| rewrite_index(&html, base_path)).unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot read index.html");
                MISSING_UI.to_string()
            }),
            None => {
                tracing::warn!("UI folder not found: pages will show how to build it");
                MISSING_UI.to_string()
            }
        };
        UiFiles { dir, index }
    }
}

/// Writes the base path into the page: `<base href>` for relative asset URLs and a meta tag the UI reads.
pub fn rewrite_index(html: &str, base_path: &str) -> String {
    html.replacen("<base href=\"/\">", &format!("<base href=\"{base_path}/\">"), 1).replacen(
        "<meta name=\"kinmu-base\" content=\"\">",
        &format!("<meta name=\"kinmu-base\" content=\"{base_path}\">"),
        1,
    )
}

fn safe_relative(path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.trim_start_matches('/'));
    rel.components().all(|c| matches!(c, Component::Normal(_))).then(|| rel.to_path_buf())
}

pub async fn serve(State(state): State<SharedState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let base = state.base_path.as_str();
    let Some(path) = uri.path().strip_prefix(base).filter(|p| p.is_empty() || p.starts_with('/')) else {
        // Outside the base path: the root leads to the app, anything else is not Kinmu's.
        if uri.path() == "/" {
            return Redirect::temporary(&format!("{base}/")).into_response();
        }
        return (StatusCode::NOT_FOUND, format!("not found: Kinmu is served under {base}/")).into_response();
    };
    if method != Method::GET && method != Method::HEAD {
        return Error::MethodNotAllowed(Text::new(
            format!("{} serves pages only: use GET", uri.path()),
            format!("「{}」はページを返すだけです。GET を使ってください。", uri.path()),
        ))
        .into_response();
    }
    let ui = &state.ui;
    if let (Some(dir), Some(rel)) = (&ui.dir, safe_relative(path))
        && !rel.as_os_str().is_empty()
        && rel != Path::new("index.html")
    {
        let file = dir.join(&rel);
        if file.is_file() {
            return send_file(&file, &headers).await;
        }
        if rel.extension().is_some() {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
    }
    ([(CACHE_CONTROL, "no-cache")], Html(ui.index.clone())).into_response()
}

/// Whether the client's `Accept-Encoding` takes `coding` (and not with `q=0`).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|item| {
        let mut parts = item.split(';').map(str::trim);
        parts.next().is_some_and(|c| c.eq_ignore_ascii_case(coding)) && !parts.any(|p| p.replace(' ', "") == "q=0")
    })
}

/// A built file, as the precompressed copy the client takes best (Brotli, then gzip) when the
/// build made one, else as it is.
async fn send_file(file: &Path, headers: &HeaderMap) -> Response {
    let mime = mime_guess::from_path(file).first_or_octet_stream().to_string();
    for (coding, suffix) in [("br", "br"), ("gzip", "gz")] {
        if !accepts(headers, coding) {
            continue;
        }
        let packed = PathBuf::from(format!("{}.{suffix}", file.display()));
        if let Ok(bytes) = tokio::fs::read(&packed).await {
            return (
                [
                    (CONTENT_TYPE, mime),
                    (CONTENT_ENCODING, coding.into()),
                    (CACHE_CONTROL, "no-cache".into()),
                    (VARY, "accept-encoding".into()),
                ],
                Body::from(bytes),
            )
                .into_response();
        }
    }
    match tokio::fs::read(file).await {
        Ok(bytes) => ([(CONTENT_TYPE, mime), (CACHE_CONTROL, "no-cache".into()), (VARY, "accept-encoding".into())], Body::from(bytes))
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_best_precompressed_copy_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.js");
        std::fs::write(&file, "plain").unwrap();
        std::fs::write(dir.path().join("app.js.gz"), "gzipped").unwrap();
        std::fs::write(dir.path().join("app.js.br"), "brotli").unwrap();
        let ask = |accept: &'static str| {
            let mut h = HeaderMap::new();
            if !accept.is_empty() {
                h.insert(ACCEPT_ENCODING, accept.parse().unwrap());
            }
            h
        };
        for (accept, coding, body) in [
            ("gzip, deflate, br, zstd", Some("br"), "brotli"),
            ("gzip, deflate", Some("gzip"), "gzipped"),
            ("br;q=0, gzip", Some("gzip"), "gzipped"),
            ("", None, "plain"),
        ] {
            let resp = send_file(&file, &ask(accept)).await;
            assert_eq!(resp.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), coding, "{accept}");
            let bytes = axum::body::to_bytes(resp.into_body(), 1024).await.unwrap();
            assert_eq!(bytes, body.as_bytes(), "{accept}");
        }
    }

    #[test]
    fn base_path_is_written_into_the_page() {
        let html = "<head><base href=\"/\"><meta name=\"kinmu-base\" content=\"\"></head>";
        assert_eq!(rewrite_index(html, "/kinmu"), "<head><base href=\"/kinmu/\"><meta name=\"kinmu-base\" content=\"/kinmu\"></head>");
        assert_eq!(rewrite_index(html, ""), html);
    }

    #[test]
    fn paths_cannot_escape_the_folder() {
        assert!(safe_relative("/pkg/app.wasm").is_some());
        assert!(safe_relative("/../etc/passwd").is_none());
        assert!(safe_relative("/pkg/../../x").is_none());
    }
}
