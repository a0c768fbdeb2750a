//! Serves the release repository in TUF's standard layout: `<base>/updates/metadata/<file>` and
//! `<base>/updates/targets/<path>`. TUF clients verify what they download against the root they
//! ship with.
//!
//! **Who may download.** Metadata is public: anyone may read and verify it. A target (a release's
//! file) is served only to a request carrying a current transfer slot's token in the header
//! [`SLOT_HEADER`] (`X-Kinmu-Slot`), as a check-in hands it out ([`crate::updates::clients`]): so
//! the policy's concurrency limit bounds the clients transferring, and a paused service transfers
//! nothing. Without a current slot the answer is 429 with `Retry-After`, saying to check in. Any
//! conforming TUF client can still verify the repository and download through a slot (python-tuf's
//! ngclient sends the header through its fetcher's session). Files are streamed from disk (tower-http's `ServeFile`: `Range`
//! requests answer 206 with `Content-Range`, or 416; an `If-Range` naming another version gets the
//! whole file), with an `ETag` (answered 304 to a matching `If-None-Match`) and a `Cache-Control`: versioned metadata and hash-named targets never change
//! (`immutable`), `timestamp.json` must be asked again each time (`no-cache`).

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, IF_RANGE, RANGE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kinmu_shared::messages::Text;
use tower::ServiceExt;

use super::SharedState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A file is read and sent in chunks of this size (tower-http's default is 64 KiB): fewer reads
/// and body frames per megabyte; `scripts/bench-updates` measured the throughput against nginx.
const READ_CHUNK_BYTES: usize = 256 * 1024;
const REVALIDATE: &str = "no-cache";

/// `<base>/updates/metadata/{*path}`.
pub async fn metadata(State(state): State<SharedState>, axum::extract::Path(path): axum::extract::Path<String>, req: Request) -> Response {
    let Some(repo) = &state.updates else { return not_found() };
    send(&repo.metadata(), &path, Area::Metadata, req).await
}

/// `<base>/updates/targets/{*path}`. A target in a folder lies at `<dir>/<sha256>.<name>`, as
/// the TUF specification and python-tuf ask for it; tough's loader asks `<sha256>.<dir>/<name>`
/// (the hash before the whole path), which is answered with the same file.
/// Served only with a current transfer slot (see the module's note).
pub async fn targets(State(state): State<SharedState>, axum::extract::Path(path): axum::extract::Path<String>, req: Request) -> Response {
    let Some(repo) = &state.updates else { return not_found() };
    let token = req.headers().get(SLOT_HEADER).and_then(|v| v.to_str().ok()).map(str::trim).filter(|t| !t.is_empty());
    let holder = match token {
        Some(token) => crate::updates::clients::slot_holder(&state.db, token, crate::now()).await,
        None => Ok(None),
    };
    match holder {
        Ok(Some(_)) => {}
        Ok(None) => return slot_required(req.headers()),
        Err(e) => return e.into_response(),
    }
    let path = hash_into_file_name(&path).unwrap_or(path);
    send(&repo.targets(), &path, Area::Targets, req).await
}

/// The header carrying the transfer slot's token on a target request.
pub const SLOT_HEADER: &str = "x-kinmu-slot";

/// 429: no current transfer slot. In the caller's language (`Accept-Language`).
fn slot_required(headers: &HeaderMap) -> Response {
    let language = super::error_response::language_of(None, headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()));
    let text = Text::new(
        "a release's files are transferred with a transfer slot: check in (POST /api/v1/updates/check with wants_update) and \
         send the slot's token in the X-Kinmu-Slot header; without one, or once it expired, check in again",
        "リリースのファイルは転送枠を得てから取得します。チェックイン（wants_update を付けた POST /api/v1/updates/check）で得た転送枠のトークンを \
         X-Kinmu-Slot ヘッダーで送ってください。トークンがないか期限切れのときは、もう一度チェックインしてください。",
    );
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (RETRY_AFTER, HeaderValue::from(crate::updates::clients::WAITING_CHECK_SECONDS)),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
        ],
        text.get(language).unwrap_or(text.en()).to_string(),
    )
        .into_response()
}

/// `<sha256>.<dir>/<name>` → `<dir>/<sha256>.<name>`; None for any other path.
fn hash_into_file_name(path: &str) -> Option<String> {
    let (hash, rest) = path.split_once('.')?;
    let (dir, name) = rest.rsplit_once('/')?;
    (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("{dir}/{hash}.{name}"))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Area {
    Metadata,
    Targets,
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

/// `path` below the folder: plain names only (no `..`, no root, no hidden names such as the
/// staging folders and partial copies).
fn safe_relative(path: &str) -> Option<PathBuf> {
    let rel = Path::new(path);
    let plain = rel.components().all(|c| matches!(c, Component::Normal(n) if !n.to_string_lossy().starts_with('.')));
    (plain && !path.is_empty() && !path.contains('\\')).then(|| rel.to_path_buf())
}

/// Whether a file never changes once written: `N.<role>.json`, or a target named by its SHA-256.
fn immutable(area: Area, file_name: &str) -> bool {
    let (prefix, _) = file_name.split_once('.').unwrap_or(("", ""));
    match area {
        Area::Metadata => !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()),
        Area::Targets => prefix.len() == 64 && prefix.bytes().all(|b| b.is_ascii_hexdigit()),
    }
}

/// Whether `If-None-Match` names `etag` (or `*`); weak and strong forms compare alike.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

async fn send(dir: &Path, path: &str, area: Area, req: Request) -> Response {
    let Some(rel) = safe_relative(path) else { return not_found() };
    let file = dir.join(&rel);
    let meta = match tokio::fs::metadata(&file).await {
        Ok(m) if m.is_file() => m,
        _ => return not_found(),
    };
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    let etag = format!("\"{:x}-{modified:x}\"", meta.len());
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let cache = if immutable(area, name) { IMMUTABLE } else { REVALIDATE };
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    if matches(req.headers(), &etag) {
        return (StatusCode::NOT_MODIFIED, [(ETAG, etag_value), (CACHE_CONTROL, HeaderValue::from_static(cache))]).into_response();
    }
    let mime = match area {
        Area::Metadata => mime_guess::mime::APPLICATION_JSON,
        Area::Targets => mime_guess::mime::APPLICATION_OCTET_STREAM,
    };
    // A resumed download names the version it has (`If-Range`): another one gets the whole file.
    let mut req = req;
    if req.headers().get(IF_RANGE).is_some_and(|v| v.as_bytes() != etag.as_bytes()) {
        req.headers_mut().remove(RANGE);
    }
    let served = match tower_http::services::ServeFile::new_with_mime(&file, &mime).with_buf_chunk_size(READ_CHUNK_BYTES).oneshot(req).await
    {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let mut response = served.map(Body::new);
    if response.status() == StatusCode::NOT_FOUND {
        return not_found();
    }
    let success = response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if success {
        headers.insert(ETAG, etag_value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_below_the_folder_are_served() {
        assert!(safe_relative("1.root.json").is_some());
        assert!(safe_relative("linux-x86_64/1.0/abc.kinmu").is_some());
        for bad in ["../keys/root.key", "a/../../x", "/etc/passwd", "", ".staging-1/timestamp.json", "a/.abc.partial", "a\\..\\b"] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn toughs_form_of_a_hashed_target_in_a_folder_is_the_specifications() {
        let hash = "ab".repeat(32);
        assert_eq!(hash_into_file_name(&format!("{hash}.win/1.0/ui/app.js")), Some(format!("win/1.0/ui/{hash}.app.js")));
        assert_eq!(hash_into_file_name(&format!("win/1.0/{hash}.app.js")), None);
        assert_eq!(hash_into_file_name(&format!("{hash}.app.js")), None);
        assert_eq!(hash_into_file_name("short.win/app.js"), None);
    }

    #[test]
    fn versioned_metadata_and_hashed_targets_are_immutable() {
        assert!(immutable(Area::Metadata, "3.snapshot.json"));
        assert!(!immutable(Area::Metadata, "timestamp.json"));
        assert!(immutable(Area::Targets, &format!("{}.app.wasm", "a".repeat(64))));
        assert!(!immutable(Area::Targets, "app.wasm"));
    }
}
