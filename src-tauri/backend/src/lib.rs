//! Kinmu's backend: the database layer, the services (accounts now; attendance, effort and
//! client updates next), the HTTP API of the hosted web app and the `kinmu` command. It builds
//! and tests without any window system; the Tauri desktop shell in `src-tauri/` is a thin adapter.
//!
//! Where to look:
//! - [`accounts`]: setup, users, organisations, roles, sessions, CSV transfer.
//! - [`pc_logs`]: access-log imports (command, upload, the watched inbox) into the events table.
//! - [`attendance`]: the attendance rules, the attendance task and its records, reports and files.
//! - [`updates`]: the client update policy, check-ins and transfer slots, update records and the system log.
//! - [`settings_file`]: every administrator setting as one TOML file (`kinmu settings export|import`).
//! - [`database`]: the pool over SQLite or PostgreSQL and the versioned migrations.
//! - [`http`]: routes, extractors and the UI's files.
//! - [`command_line`]: `kinmu serve | setup | user … | import | attendance … | settings …`.

pub mod accounts;
pub mod attendance;
pub mod command_line;
pub mod config;
pub mod database;
pub mod effort;
pub mod error;
pub mod http;
pub mod pc_logs;
pub mod settings_file;
pub mod time_zones;
pub mod updates;

/// The current instant in seconds since the epoch. Only the edges call this; services take
/// `now` as an argument so that tests choose the time.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}
