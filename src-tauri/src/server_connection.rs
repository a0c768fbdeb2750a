//! The Kinmu server the desktop app talks to: its address (saved in the desktop's settings file,
//! [`crate::settings_file`]) and an HTTP client with its own cookie jar that forwards the UI's API calls.
//!
//! Forwarding from Rust rather than calling the server from the webview means no CORS and no
//! SameSite trouble: to the server, the shell is just another same-site client. The shell adds
//! the CSRF header and keeps the session cookie; everything else (auth, validation, permissions)
//! is the server's business.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kinmu_shared::api::Health;
use kinmu_shared::{API_PREFIX, ApiError, CSRF_HEADER};
use reqwest::{Method, Url, cookie::Jar};
use serde::Serialize;

use crate::error::{ShellError, describe_http_error};
use crate::settings_file;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const HEALTH_TIMEOUT: Duration = Duration::from_secs(15);
/// Generous: CSV imports of many users may take a while.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// A proxied API answer, handed to the UI as is: the body as text, or its bytes in base64 when
/// the UI asked for bytes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
    pub content_type: String,
    /// Whether `body` is the answer's bytes in base64.
    pub base64: bool,
}

/// A request body's bytes from the base64 the UI sends.
pub fn decode_body(body: &str) -> Result<Vec<u8>, ShellError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|e| ShellError::BadRequest(format!("the request body is not base64 ({e})")))
}

/// Managed Tauri state.
pub struct ServerConnection {
    settings_path: PathBuf,
    server: Mutex<Option<Server>>,
}

#[derive(Clone)]
struct Server {
    /// Normalised, without trailing slash: `https://host/kinmu`.
    base_url: String,
    /// Cheap to clone (an `Arc` inside); owns this server's cookie jar.
    client: reqwest::Client,
}

impl ServerConnection {
    /// Loads the saved server address, if any, from the settings file in `config_dir`.
    pub fn load(config_dir: &Path) -> Self {
        let settings_path = settings_file::path_in(config_dir);
        let server = match settings_file::read(&settings_path) {
            Ok(settings) => match settings.url.as_deref().map(normalise_url) {
                Some(Ok(base_url)) => Some(Server::new(base_url)),
                Some(Err(e)) => {
                    eprintln!("kinmu-desktop: ignoring the saved server address in {}: {e}", settings_path.display());
                    None
                }
                None => None,
            },
            Err(e) => {
                eprintln!("kinmu-desktop: cannot read {}: {e}", settings_path.display());
                None
            }
        };
        ServerConnection { settings_path, server: Mutex::new(server) }
    }

    pub fn url(&self) -> Option<String> {
        self.current().map(|s| s.base_url)
    }

    /// Checks that a Kinmu server answers at `raw_url`, then saves the address and switches to
    /// it. A different server gets a fresh cookie jar (a session belongs to one server); the same
    /// address saved again keeps the session.
    pub async fn set_url(&self, raw_url: &str) -> Result<Health, ShellError> {
        let mut server = Server::new(normalise_url(raw_url)?);
        let (health, final_base) = server.check_health().await?;
        // The server may redirect (http -> https, added path): remember where it really lives.
        if final_base != server.base_url {
            server = Server::new(final_base);
        }
        let url = server.base_url.clone();
        settings_file::update(&self.settings_path, |s| s.url = Some(url))
            .map_err(|e| ShellError::Storage { path: self.settings_path.display().to_string(), reason: e.to_string() })?;
        let mut current = self.server.lock().unwrap();
        // Saving the same address again keeps the session.
        if current.as_ref().is_none_or(|c| c.base_url != server.base_url) {
            *current = Some(server);
        }
        Ok(health)
    }

    /// Forwards one API call to the server and returns its answer, whatever the status.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
        content_type: Option<String>,
        bytes: bool,
    ) -> Result<ApiResponse, ShellError> {
        let server = self.current().ok_or(ShellError::NoServer)?;
        let method = parse_method(method)?;
        check_api_path(path)?;

        let mut request = server.client.request(method, format!("{}{path}", server.base_url)).header(CSRF_HEADER, "1");
        if let Some(body) = body {
            let content_type = content_type.unwrap_or_else(|| "application/json".to_owned());
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(body);
        }
        let unreachable = |e: reqwest::Error| ShellError::Unreachable { url: server.base_url.clone(), reason: describe_http_error(&e) };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let content_type =
            response.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        if bytes {
            use base64::Engine as _;
            let body = response.bytes().await.map_err(unreachable)?;
            return Ok(ApiResponse { status, body: base64::engine::general_purpose::STANDARD.encode(&body), content_type, base64: true });
        }
        let body = response.text().await.map_err(unreachable)?;
        Ok(ApiResponse { status, body, content_type, base64: false })
    }

    fn current(&self) -> Option<Server> {
        self.server.lock().unwrap().clone()
    }
}

impl Server {
    fn new(base_url: String) -> Self {
        let client = reqwest::Client::builder()
            .cookie_provider(Arc::new(Jar::default()))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("kinmu-desktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client's fixed configuration is valid");
        Server { base_url, client }
    }

    /// `GET /api/v1/health`. Returns the health and the base URL after any redirects.
    async fn check_health(&self) -> Result<(Health, String), ShellError> {
        let health_path = format!("{API_PREFIX}/health");
        let url = self.base_url.clone();
        let response = self
            .client
            .get(format!("{url}{health_path}"))
            .timeout(HEALTH_TIMEOUT)
            .send()
            .await
            .map_err(|e| ShellError::Unreachable { url: url.clone(), reason: describe_http_error(&e) })?;
        let status = response.status();
        let final_url = response.url().as_str().to_owned();
        let body = response.text().await.map_err(|e| ShellError::Unreachable { url: url.clone(), reason: describe_http_error(&e) })?;

        if status.is_success() {
            if let Ok(health) = serde_json::from_str::<Health>(&body) {
                let final_base = final_url.strip_suffix(&health_path).unwrap_or(&url).to_owned();
                return Ok((health, final_base));
            }
        } else if let Ok(error) = serde_json::from_str::<ApiError>(&body) {
            return Err(ShellError::ServerNotReady { url, message: error.message });
        }
        let reason = if status.is_success() {
            format!("its answer at {health_path} is not Kinmu's health report")
        } else {
            format!("it answered HTTP {status} at {health_path}")
        };
        Err(ShellError::NotKinmu { url, reason })
    }
}

/// Trims the user's input and reduces it to a base URL without trailing slash:
/// `https://host:8443/kinmu`. Says what to fix when it cannot.
pub fn normalise_url(raw: &str) -> Result<String, ShellError> {
    let example = "for example https://kinmu.example.com or http://192.168.1.10:8080";
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ShellError::InvalidUrl(format!("Enter the address of your Kinmu server, {example}.")));
    }
    if !raw.contains("://") {
        return Err(ShellError::InvalidUrl(format!("Start the address with http:// or https://, {example}.")));
    }
    let url = Url::parse(raw).map_err(|e| ShellError::InvalidUrl(format!("\"{raw}\" is not a valid address ({e}); {example}.")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ShellError::InvalidUrl(format!("Use an http:// or https:// address, not {}://; {example}.", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ShellError::InvalidUrl(format!("The address needs a host name; {example}.")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ShellError::InvalidUrl("Remove the user name and password from the address: you log in on the next page.".to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ShellError::InvalidUrl(format!("Remove the part after ? or # from the address; {example}.")));
    }
    let mut base = url.as_str().trim_end_matches('/').to_owned();
    // Someone may paste the API's address rather than the server's.
    for suffix in [format!("{API_PREFIX}/health"), API_PREFIX.to_owned()] {
        if let Some(stripped) = base.strip_suffix(&suffix) {
            base = stripped.trim_end_matches('/').to_owned();
            break;
        }
    }
    Ok(base)
}

fn parse_method(method: &str) -> Result<Method, ShellError> {
    match method.to_ascii_uppercase().as_str() {
        "GET" => Ok(Method::GET),
        "POST" => Ok(Method::POST),
        "PUT" => Ok(Method::PUT),
        "PATCH" => Ok(Method::PATCH),
        "DELETE" => Ok(Method::DELETE),
        other => Err(ShellError::BadRequest(format!("HTTP method {other} is not forwarded to the server"))),
    }
}

/// Only the server's API is reachable through the shell, and only as a plain path.
fn check_api_path(path: &str) -> Result<(), ShellError> {
    let prefix = format!("{API_PREFIX}/");
    let route = path.split('?').next().unwrap_or_default();
    let ok = path.starts_with(&prefix)
        && !route.split('/').any(|segment| segment == ".." || segment == ".")
        && !path.contains(['#', '\\'])
        && !path.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(()) } else { Err(ShellError::BadRequest(format!("Only API paths under {prefix} are forwarded, got \"{path}\""))) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;

    fn invalid(raw: &str) -> String {
        match normalise_url(raw) {
            Err(ShellError::InvalidUrl(message)) => message,
            other => panic!("{raw:?} should be invalid, got {other:?}"),
        }
    }

    #[test]
    fn normalises_server_addresses() {
        assert_eq!(normalise_url("  http://127.0.0.1:8080/ ").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(normalise_url("https://Kinmu.Example.com:443//").unwrap(), "https://kinmu.example.com");
        assert_eq!(normalise_url("https://host/kinmu/").unwrap(), "https://host/kinmu");
        assert_eq!(normalise_url("https://host/kinmu/api/v1/").unwrap(), "https://host/kinmu");
        assert_eq!(normalise_url("http://host:8080/api/v1/health").unwrap(), "http://host:8080");
        assert_eq!(normalise_url("http://[::1]:8080").unwrap(), "http://[::1]:8080");
    }

    #[test]
    fn rejects_unusable_addresses_saying_what_to_fix() {
        assert!(invalid("").contains("Enter the address"));
        assert!(invalid("kinmu.example.com").contains("http:// or https://"));
        assert!(invalid("ftp://kinmu.example.com").contains("not ftp://"));
        assert!(invalid("http://").contains("not a valid address"));
        assert!(invalid("https://bob:secret@host").contains("user name and password"));
        assert!(invalid("https://host/?x=1").contains("after ? or #"));
        let e = ShellError::InvalidUrl(invalid("x"));
        assert_eq!(e.to_api_error().field.as_deref(), Some("url"));
    }

    #[test]
    fn forwards_only_api_paths_and_known_methods() {
        assert!(check_api_path("/api/v1/auth/login").is_ok());
        assert!(check_api_path("/api/v1/users?q=a%20b&limit=10").is_ok());
        assert!(check_api_path("/api/v2/x").is_err());
        assert!(check_api_path("/api/v1/../../etc").is_err());
        assert!(check_api_path("http://evil/api/v1/x").is_err());
        assert!(check_api_path("/api/v1/x y").is_err());
        assert!(parse_method("post").is_ok());
        assert!(parse_method("CONNECT").is_err());
    }

    #[test]
    fn without_a_server_requests_ask_for_the_address() {
        let dir = temp_dir("noserver");
        let conn = ServerConnection::load(&dir);
        assert_eq!(conn.url(), None);
        let e = tauri::async_runtime::block_on(conn.request("GET", "/api/v1/auth/me", None, None, false)).unwrap_err();
        assert!(matches!(e, ShellError::NoServer));
        assert_eq!(e.to_api_error().code, kinmu_shared::ErrorCode::Validation);
    }

    #[test]
    fn unreachable_server_is_unavailable_and_not_saved() {
        let dir = temp_dir("unreachable");
        // A port that was free a moment ago: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let conn = ServerConnection::load(&dir);
        let e = tauri::async_runtime::block_on(conn.set_url(&format!("http://127.0.0.1:{port}"))).unwrap_err();
        let api = e.to_api_error();
        assert_eq!(api.code, kinmu_shared::ErrorCode::Unavailable);
        assert!(api.message.contains(&format!("127.0.0.1:{port}")), "{}", api.message);
        assert!(!settings_file::path_in(&dir).exists());
    }

    /// Against a tiny fake server: the health check saves the address, the session cookie set
    /// by the login is sent back, and every call carries the CSRF header.
    #[test]
    fn saves_the_server_and_keeps_the_session_cookie() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let (mut headers, mut length) = (String::new(), 0usize);
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    headers.push_str(&line.to_ascii_lowercase());
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let csrf = headers.contains("x-kinmu-request: 1");
                let (status, extra, reply) = match request_line.split(' ').nth(1).unwrap() {
                    "/api/v1/echo" if csrf => {
                        write!(
                            stream,
                            "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .unwrap();
                        stream.write_all(&body).unwrap();
                        continue;
                    }
                    "/api/v1/health" => ("200 OK", "", r#"{"status":"ok","version":"0.1.0","database":"sqlite"}"#.to_owned()),
                    "/api/v1/auth/login" if csrf && body == br#"{"login":"admin"}"# => {
                        ("200 OK", "Set-Cookie: kinmu_session=abc; Path=/; HttpOnly; SameSite=Strict\r\n", "{}".to_owned())
                    }
                    "/api/v1/auth/me" if csrf && headers.contains("cookie: kinmu_session=abc") => {
                        ("200 OK", "", r#"{"me":true}"#.to_owned())
                    }
                    _ => ("401 Unauthorized", "", r#"{"code":"unauthenticated","message":"log in first"}"#.to_owned()),
                };
                write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{reply}",
                    reply.len()
                )
                .unwrap();
            }
        });

        let dir = temp_dir("fake");
        let conn = ServerConnection::load(&dir);
        tauri::async_runtime::block_on(async {
            let health = conn.set_url(&format!(" {base}/ ")).await.unwrap();
            assert_eq!(health.database, "sqlite");
            assert_eq!(conn.url().as_deref(), Some(base.as_str()));

            let before = conn.request("GET", "/api/v1/auth/me", None, None, false).await.unwrap();
            assert_eq!(before.status, 401);
            let login = conn.request("POST", "/api/v1/auth/login", Some(br#"{"login":"admin"}"#.to_vec()), None, false).await.unwrap();
            assert_eq!(login.status, 200);
            let me = conn.request("GET", "/api/v1/auth/me", None, None, false).await.unwrap();
            assert_eq!((me.status, me.body.as_str(), me.content_type.as_str()), (200, r#"{"me":true}"#, "application/json"));

            // Bytes cross the proxy as they are, both ways: a Shift_JIS CSV with its BOM-less
            // bytes, and bytes no text encoding holds.
            use base64::Engine as _;
            let bytes: Vec<u8> = [&b"\x83\x86\x81[\x83U\x81[,\x96\xbc\x91O\r\n"[..], &[0, 0xff, 0xfe, 0x80]].concat();
            let sent = decode_body(&base64::engine::general_purpose::STANDARD.encode(&bytes)).unwrap();
            let echo = conn.request("POST", "/api/v1/echo", Some(sent), Some("text/csv".into()), true).await.unwrap();
            assert!(echo.base64);
            assert_eq!(base64::engine::general_purpose::STANDARD.decode(&echo.body).unwrap(), bytes);
            assert!(matches!(decode_body("not base64!"), Err(ShellError::BadRequest(_))));

            // Saving the same address again keeps the session.
            conn.set_url(&base).await.unwrap();
            assert_eq!(conn.request("GET", "/api/v1/auth/me", None, None, false).await.unwrap().status, 200);
        });

        // A restart finds the saved address.
        assert_eq!(ServerConnection::load(&dir).url().as_deref(), Some(base.as_str()));
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kinmu-desktop-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }
}
