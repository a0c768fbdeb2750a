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
//! ngclient sends the header through its fetcher's session).
//!
//! **How files are sent.** A file (or the range asked for) is memory-mapped and handed to hyper as
//! slices of the mapping ([`Slices`]): the pages go from the page cache to the socket with one
//! copy, where reading into a buffer and writing it made two and cost a task wake-up per chunk
//! (`scripts/bench-updates` compares the throughput with nginx's `sendfile`). `Range` requests
//! answer 206 with `Content-Range` (one range; several, or one past the end, 416 with
//! `bytes */<length>`); an `If-Range` naming another version gets the whole file. Every answer has
//! an `ETag` (answered 304 to a matching `If-None-Match`, or without one to an `If-Modified-Since`
//! no older than the file), a `Last-Modified` and a `Cache-Control`: versioned metadata and
//! hash-named targets never change
//! (`immutable`), `timestamp.json` must be asked again each time (`no-cache`).

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_LANGUAGE, ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    IF_RANGE, LAST_MODIFIED, RANGE, RETRY_AFTER,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kinmu_shared::messages::Text;

use super::SharedState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
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
    let opened = match tokio::task::spawn_blocking(move || std::fs::File::open(&file).and_then(|f| f.metadata().map(|m| (f, m)))).await {
        Ok(Ok((f, m))) if m.is_file() => (f, m),
        _ => return not_found(),
    };
    let (file, meta) = opened;
    let len = meta.len();
    let modified = meta.modified().ok();
    let modified_nanos = modified.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    let etag = format!("\"{len:x}-{modified_nanos:x}\"");
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let cache = HeaderValue::from_static(if immutable(area, name) { IMMUTABLE } else { REVALIDATE });
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let last_modified = modified.and_then(|t| HeaderValue::from_str(&httpdate::fmt_http_date(t)).ok());
    let headers = req.headers();
    let unchanged = if headers.contains_key(IF_NONE_MATCH) {
        matches(headers, &etag)
    } else {
        // Without an ETag to compare, a date no older than the file's (to the second).
        let since = headers.get(IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()).and_then(|v| httpdate::parse_http_date(v).ok());
        since.zip(modified).is_some_and(|(since, modified)| modified.duration_since(since).map_or(true, |d| d.as_secs() == 0))
    };
    let mut answer = Response::builder().header(ETAG, etag_value).header(CACHE_CONTROL, cache);
    if let Some(v) = last_modified {
        answer = answer.header(LAST_MODIFIED, v);
    }
    if unchanged {
        return answer.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_else(|_| not_found());
    }
    let mime = match area {
        Area::Metadata => "application/json",
        Area::Targets => "application/octet-stream",
    };
    answer = answer.header(CONTENT_TYPE, mime).header(ACCEPT_RANGES, "bytes");
    // A resumed download names the version it has (`If-Range`): another one gets the whole file.
    let range_header = headers.get(RANGE).filter(|_| headers.get(IF_RANGE).is_none_or(|v| v.as_bytes() == etag.as_bytes()));
    let (status, range) = match range_header.map(|v| requested_range(v, len)) {
        None => (StatusCode::OK, 0..len),
        Some(Some(range)) => {
            answer = answer.header(CONTENT_RANGE, format!("bytes {}-{}/{len}", range.start, range.end - 1));
            (StatusCode::PARTIAL_CONTENT, range)
        }
        Some(None) => {
            return answer
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(CONTENT_RANGE, format!("bytes */{len}"))
                .body(Body::empty())
                .unwrap_or_else(|_| not_found());
        }
    };
    let content_length = range.end - range.start;
    let body = if req.method() == Method::HEAD || range.is_empty() {
        Body::empty()
    } else {
        match tokio::task::spawn_blocking(move || mapped(&file, range)).await {
            Ok(Ok(bytes)) => Body::new(Slices(bytes)),
            Ok(Err(e)) => {
                tracing::warn!(path, error = %e, "cannot map a release repository file");
                return (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file").into_response();
            }
            Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "cannot read the file").into_response(),
        }
    };
    answer.status(status).header(CONTENT_LENGTH, content_length).body(body).unwrap_or_else(|_| not_found())
}

/// The one byte range `Range` asks for within a file of `len` bytes (as `start..end`); None when it
/// cannot be served: not satisfiable, malformed, or several ranges (not served, as tower-http's
/// `ServeFile` did not). The caller answers 416 with `Content-Range: bytes */len`.
fn requested_range(value: &HeaderValue, len: u64) -> Option<std::ops::Range<u64>> {
    let ranges = http_range_header::parse_range_header(value.to_str().ok()?).ok()?.validate(len).ok()?;
    match ranges.as_slice() {
        [one] => Some(*one.start()..one.end() + 1),
        _ => None,
    }
}

/// `range` of `file`, memory-mapped: the body hands the mapped pages to the socket without copying
/// them into the server's memory first (a read would). The pages are faulted in here, off the
/// connection's task. Safe because a repository file is never changed in place: metadata and
/// targets are written beside and renamed in (consistent snapshots: a target's name is its hash),
/// so a mapped file cannot shrink under the server; a file removed while mapped stays readable
/// until unmapped.
fn mapped(file: &std::fs::File, range: std::ops::Range<u64>) -> std::io::Result<Bytes> {
    let len = usize::try_from(range.end - range.start).map_err(std::io::Error::other)?;
    // SAFETY: see above: the file is never truncated or rewritten while served.
    let map = unsafe { memmap2::MmapOptions::new().offset(range.start).len(len).populate().map(file)? };
    Ok(Bytes::from_owner(map))
}

/// A mapped file's bytes as body frames of at most [`FRAME_BYTES`] (slices of one mapping, no
/// copies), with their exact length known.
struct Slices(Bytes);

/// Frames of 1 MiB: hyper writes each with one vectored write as the socket takes it; a smaller
/// frame only means more polls.
const FRAME_BYTES: usize = 1024 * 1024;

impl http_body::Body for Slices {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if self.0.is_empty() {
            return std::task::Poll::Ready(None);
        }
        let n = self.0.len().min(FRAME_BYTES);
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(self.0.split_to(n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.0.len() as u64)
    }
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
