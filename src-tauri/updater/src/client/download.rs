//! One target's download into the download folder, resumed after an interruption: the bytes
//! arrive in `<file>.part`; when a part is there already, the request asks for the rest only
//! (`Range: bytes=<have>-`) and appends a `206 Partial Content`, or starts again on a `200`. The
//! finished file is renamed to its name. The transfer slot's token goes in `X-Kinmu-Slot`.

use std::io::Write;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use reqwest::header::RANGE;
use url::Url;

use crate::fault::Faults;

/// The header the server wants the slot's token in.
pub const SLOT_HEADER: &str = "x-kinmu-slot";

/// Why a download stopped.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the transfer slot is no longer valid (HTTP 429): check in again")]
    SlotLost,
    #[error("{0} is not on the server (HTTP 404)")]
    Missing(String),
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: StatusCode },
    #[error("{0}")]
    Transfer(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// What one download did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes received in this call.
    pub received: u64,
    /// Where the request resumed (0: from the start; the file's length: it was complete already).
    pub resumed_from: u64,
}

fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

/// Downloads `url` into `dest` (length `length`), resuming a part left by an earlier try.
/// `on_bytes` is told each block's size.
pub async fn download(
    client: &reqwest::Client,
    url: &Url,
    slot: &str,
    dest: &Path,
    length: u64,
    faults: &Faults,
    on_bytes: &(dyn Fn(u64) + Send + Sync),
) -> Result<Downloaded, DownloadError> {
    let io = |what: String| move |source| DownloadError::Io { what, source };
    if std::fs::metadata(dest).is_ok_and(|m| m.len() == length) {
        return Ok(Downloaded { received: 0, resumed_from: length });
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
    }
    let part = part_path(dest);
    let mut have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    if have > length {
        have = 0;
    }
    let mut request = client.get(url.clone()).header(SLOT_HEADER, slot);
    if have > 0 {
        request = request.header(RANGE, format!("bytes={have}-"));
    }
    let mut resp = request.send().await.map_err(|e| DownloadError::Transfer(format!("{url}: {e}")))?;
    let (mut file, resumed_from) = match resp.status() {
        StatusCode::PARTIAL_CONTENT if have > 0 => {
            let f = std::fs::OpenOptions::new().append(true).open(&part).map_err(io(format!("cannot open {}", part.display())))?;
            (f, have)
        }
        StatusCode::OK => (std::fs::File::create(&part).map_err(io(format!("cannot create {}", part.display())))?, 0),
        StatusCode::RANGE_NOT_SATISFIABLE if have == length => {
            (std::fs::OpenOptions::new().append(true).open(&part).map_err(io(format!("cannot open {}", part.display())))?, have)
        }
        StatusCode::TOO_MANY_REQUESTS => return Err(DownloadError::SlotLost),
        StatusCode::NOT_FOUND => return Err(DownloadError::Missing(url.to_string())),
        status => return Err(DownloadError::Status { url: url.to_string(), status }),
    };
    let mut received = 0u64;
    let mut total = resumed_from;
    while let Some(chunk) = resp.chunk().await.map_err(|e| DownloadError::Transfer(format!("{url}: {e}")))? {
        if total + chunk.len() as u64 > length {
            return Err(DownloadError::Transfer(format!("{url}: more than the signed {length} bytes")));
        }
        file.write_all(&chunk).map_err(io(format!("cannot write {}", part.display())))?;
        received += chunk.len() as u64;
        total += chunk.len() as u64;
        on_bytes(chunk.len() as u64);
        if received >= 64 * 1024 && total < length {
            file.flush().map_err(io(format!("cannot write {}", part.display())))?;
            faults.point("download:partial");
        }
    }
    file.sync_all().map_err(io(format!("cannot flush {}", part.display())))?;
    drop(file);
    if total != length {
        return Err(DownloadError::Transfer(format!("{url}: the transfer broke after {total} of {length} bytes")));
    }
    std::fs::rename(&part, dest).map_err(io(format!("cannot rename {}", part.display())))?;
    Ok(Downloaded { received, resumed_from })
}
