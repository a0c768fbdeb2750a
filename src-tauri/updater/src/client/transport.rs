//! tough's [`Transport`] over reqwest (the HTTP client the desktop shell uses, so the desktop has
//! one HTTP stack): `http(s)://` URLs are fetched with it — the metadata, counted in
//! [`HttpTransport::received`] — and `file://` URLs are read from disk (tough's
//! `FilesystemTransport`): the targets, once downloaded into the download folder, are read back
//! through tough's loader from there, which checks each one's length and SHA-256 against the
//! signed targets metadata.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tough::{FilesystemTransport, Transport, TransportError, TransportErrorKind, TransportStream};
use url::Url;

#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    received: Arc<AtomicU64>,
}

impl HttpTransport {
    pub fn new(client: reqwest::Client) -> HttpTransport {
        HttpTransport { client, received: Arc::new(AtomicU64::new(0)) }
    }

    /// The bytes received over HTTP so far (the metadata).
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

#[tough::async_trait]
impl Transport for HttpTransport {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        match url.scheme() {
            "file" => FilesystemTransport.fetch(url).await,
            "http" | "https" => {
                let other =
                    |e: Box<dyn std::error::Error + Send + Sync>| TransportError::new_with_cause(TransportErrorKind::Other, &url, e);
                let resp = self.client.get(url.clone()).send().await.map_err(|e| other(Box::new(e)))?;
                let status = resp.status();
                if status == reqwest::StatusCode::NOT_FOUND {
                    return Err(TransportError::new(TransportErrorKind::FileNotFound, url));
                }
                if !status.is_success() {
                    return Err(other(format!("HTTP {status}").into()));
                }
                // Metadata files are small (tough bounds their sizes): read whole.
                let bytes = resp.bytes().await.map_err(|e| other(Box::new(e)))?;
                self.received.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                Ok(Box::pin(futures_util::stream::once(std::future::ready(Ok(bytes)))))
            }
            _ => Err(TransportError::new(TransportErrorKind::UnsupportedUrlScheme, url)),
        }
    }
}
