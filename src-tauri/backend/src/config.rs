//! Configuration: a TOML file, overridden by `KINMU_*` environment variables, overridden by
//! command-line flags (clap reads flag and variable together). Secrets never reach a log: the
//! database URL redacts its password in `Debug` and `Display`.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Settings that may come from the file; everything is optional there.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub server: FileServer,
    #[serde(default)]
    pub database: FileDatabase,
    #[serde(default)]
    pub log: FileLog,
    #[serde(default)]
    pub attendance: FileAttendance,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileServer {
    pub addr: Option<String>,
    pub base_path: Option<String>,
    pub ui_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub secure_cookies: Option<bool>,
    /// Desktop clients' update check-ins and event reports a minute per client address (0: not counted).
    pub update_requests_per_minute: Option<i64>,
    /// How long a desktop client's transfer slot lasts without renewal, in seconds (default 60).
    pub update_slot_seconds: Option<i64>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (addresses).
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDatabase {
    pub url: Option<String>,
    pub max_connections: Option<u32>,
}

impl fmt::Debug for FileDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileDatabase")
            .field("url", &self.url.as_deref().map(redact_url))
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLog {
    /// "text" (default) or "json".
    pub format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAttendance {
    /// A folder whose dropped log files `kinmu serve` imports (see `pc_logs::inbox`).
    pub inbox: Option<PathBuf>,
    /// The folders output profiles may write files under (default: the data folder's `files`).
    pub output_roots: Option<Vec<PathBuf>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the configuration file {path} is not valid: {reason}")]
    Parse { path: String, reason: String },
    #[error("{setting}: {reason}")]
    Invalid { setting: &'static str, reason: String },
}

pub fn load_file(path: Option<&Path>) -> Result<FileConfig, ConfigError> {
    let Some(path) = path else { return Ok(FileConfig::default()) };
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: path.display().to_string(), reason: e.to_string() })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.display().to_string(), reason: e.to_string() })
}

/// A database URL whose password is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn name(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "sqlite",
            DatabaseKind::Postgres => "postgres",
        }
    }
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, ConfigError> {
        let url = url.trim();
        let ok = url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://");
        if !ok {
            return Err(ConfigError::Invalid {
                setting: "database",
                reason: format!(
                    "unsupported database URL {}: use sqlite:///path/to/kinmu.db or postgres://user:password@host/dbname",
                    redact_url(url)
                ),
            });
        }
        Ok(DatabaseUrl(url.to_string()))
    }

    /// The default embedded database: `<data_dir>/kinmu.db`, created when missing.
    pub fn sqlite_in(dir: &Path) -> DatabaseUrl {
        DatabaseUrl(format!("sqlite://{}?mode=rwc", dir.join("kinmu.db").display()))
    }

    pub fn kind(&self) -> DatabaseKind {
        if self.0.starts_with("sqlite:") { DatabaseKind::Sqlite } else { DatabaseKind::Postgres }
    }

    /// The URL with its secret, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", redact_url(&self.0))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

/// `postgres://kinmu:secret@db/kinmu` → `postgres://kinmu:***@db/kinmu`; also hides `password=` parameters.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find('/').map(|i| rest_start + i).unwrap_or(out.len());
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, "***");
            }
        }
    }
    if let Some(p) = out.find("password=") {
        let start = p + "password=".len();
        let end = out[start..].find('&').map(|i| start + i).unwrap_or(out.len());
        out.replace_range(start..end, "***");
    }
    out
}

/// Normalises a base path: "" for the root, otherwise "/a/b" without a trailing slash.
pub fn normalize_base_path(raw: &str) -> Result<String, ConfigError> {
    let trimmed = raw.trim().trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if !trimmed.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')) || trimmed.contains("//") {
        return Err(ConfigError::Invalid {
            setting: "base-path",
            reason: format!("{raw:?} is not a usable URL path: use letters, digits, - _ . and /, e.g. /kinmu"),
        });
    }
    Ok(format!("/{trimmed}"))
}

pub fn parse_addr(raw: &str) -> Result<SocketAddr, ConfigError> {
    raw.trim().parse().map_err(|_| ConfigError::Invalid {
        setting: "addr",
        reason: format!("{raw:?} is not an address: use IP:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:80"),
    })
}

/// Where Kinmu keeps its files when nothing says otherwise: `$XDG_DATA_HOME/kinmu`, else
/// `~/.local/share/kinmu`, else `./kinmu-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("kinmu");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".local/share/kinmu");
    }
    PathBuf::from("kinmu-data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let u = DatabaseUrl::parse("postgres://kinmu:s3cret@db.example:5432/kinmu").unwrap();
        assert_eq!(u.to_string(), "postgres://kinmu:***@db.example:5432/kinmu");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert_eq!(redact_url("postgres://db/kinmu?user=a&password=zz&x=1"), "postgres://db/kinmu?user=a&password=***&x=1");
        assert_eq!(u.kind(), DatabaseKind::Postgres);
        assert_eq!(u.expose(), "postgres://kinmu:s3cret@db.example:5432/kinmu");
    }

    #[test]
    fn unknown_schemes_are_refused_with_the_fix() {
        let e = DatabaseUrl::parse("mysql://root:pw@x/db").unwrap_err().to_string();
        assert!(e.contains("sqlite://") && e.contains("postgres://"), "{e}");
        assert!(!e.contains(":pw@"), "{e}");
    }

    #[test]
    fn base_paths_are_normalised() {
        assert_eq!(normalize_base_path("").unwrap(), "");
        assert_eq!(normalize_base_path("/").unwrap(), "");
        assert_eq!(normalize_base_path("kinmu/").unwrap(), "/kinmu");
        assert_eq!(normalize_base_path("/a/b").unwrap(), "/a/b");
        assert!(normalize_base_path("/a b").is_err());
    }

    #[test]
    fn file_config_rejects_unknown_keys() {
        let e = toml::from_str::<FileConfig>("[server]\nadress = \"x\"").unwrap_err().to_string();
        assert!(e.contains("adress"), "{e}");
        let ok: FileConfig = toml::from_str("[server]\naddr = \"0.0.0.0:80\"\n[database]\nurl = \"sqlite:///tmp/k.db\"").unwrap();
        assert_eq!(ok.server.addr.as_deref(), Some("0.0.0.0:80"));
        let inbox: FileConfig = toml::from_str("[attendance]\ninbox = \"/srv/kinmu/inbox\"").unwrap();
        assert_eq!(inbox.attendance.inbox.as_deref(), Some(Path::new("/srv/kinmu/inbox")));
    }
}
