//! Errors of the shell's commands. The UI receives them as the same JSON the server sends,
//! [`ApiError`] (`{"code", "message", "field"?}`), so it handles a failed command exactly like a
//! failed HTTP call.

use kinmu_shared::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The server address typed by the user is not usable; the message says what to fix.
    #[error("{0}")]
    InvalidUrl(String),

    #[error("No Kinmu server is set yet: enter the server address first.")]
    NoServer,

    #[error("Cannot reach the Kinmu server at {url}: {reason}. Check the address and your network, then try again.")]
    Unreachable { url: String, reason: String },

    #[error("{url} does not look like a Kinmu server: {reason}. Check the address, including any path such as /kinmu.")]
    NotKinmu { url: String, reason: String },

    /// The server answered its health check with an error (e.g. its database is down).
    #[error("The Kinmu server at {url} is not ready: {message}")]
    ServerNotReady { url: String, message: String },

    /// The UI asked for something the shell does not forward (bad method or path).
    #[error("{0}")]
    BadRequest(String),

    #[error("Could not save the settings to {path}: {reason}")]
    Storage { path: String, reason: String },

    /// The chosen download folder is not usable; the message (in the UI's language) says why.
    #[error("{0}")]
    DownloadFolder(String),

    /// An update cannot start (not installed, no server set).
    #[error("The update cannot start: {0}")]
    Update(String),
}

impl ShellError {
    pub fn to_api_error(&self) -> ApiError {
        let message = self.to_string();
        match self {
            ShellError::InvalidUrl(_) | ShellError::NoServer => ApiError::field(ErrorCode::Validation, "url", message),
            ShellError::DownloadFolder(_) => ApiError::field(ErrorCode::Validation, "download_dir", message),
            ShellError::Unreachable { .. } | ShellError::NotKinmu { .. } | ShellError::ServerNotReady { .. } => {
                ApiError::new(ErrorCode::Unavailable, message)
            }
            ShellError::BadRequest(_) => ApiError::new(ErrorCode::BadRequest, message),
            ShellError::Storage { .. } => ApiError::new(ErrorCode::Internal, message),
            ShellError::Update(_) => ApiError::new(ErrorCode::Conflict, message),
        }
    }
}

/// Tauri serialises a command's error to reject the JS promise with it.
impl serde::Serialize for ShellError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_api_error().serialize(serializer)
    }
}

/// A readable reason from a reqwest error: its own text plus the innermost cause, which is the
/// useful part ("Connection refused", "invalid peer certificate: UnknownIssuer", …).
pub fn describe_http_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "the server did not answer in time".to_owned();
    }
    let mut innermost: &dyn std::error::Error = e;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let root = innermost.to_string();
    if e.is_connect() {
        format!("connection failed ({root})")
    } else if e.is_redirect() {
        format!("too many redirects ({root})")
    } else {
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_api_error() {
        let e = ShellError::InvalidUrl("Start the address with http:// or https://".into());
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "validation", "field": "url", "message": "Start the address with http:// or https://"})
        );
        let e = ShellError::Unreachable { url: "http://127.0.0.1:9".into(), reason: "connection failed".into() };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "unavailable");
        assert!(v["message"].as_str().unwrap().contains("http://127.0.0.1:9"));
        assert!(v.get("field").is_none());
    }
}
