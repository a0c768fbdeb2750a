//! The database layer: one connection pool over SQLite or PostgreSQL (sqlx's `Any` driver, chosen
//! by the URL's scheme), and versioned migrations. Queries are written once, in SQL both engines
//! accept: `$1` placeholders, BIGINT and TEXT columns, `RETURNING`.

pub mod lease;
mod migrations;
pub mod postgres_copy;
pub mod sqlite_rows;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

use crate::config::{DatabaseKind, DatabaseUrl};

pub use migrations::{MIGRATIONS, Migration, MigrationError};

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DatabaseKind,
    /// The same database through the engine's own driver, for bulk paths only (see [`Native`]).
    native: Native,
}

/// The database through its engine's own sqlx driver, for the few bulk paths (reading a day's
/// events for the attendance task) where the `Any` driver's conversion of every row into
/// its own values costs more than the query. Its pool connects on first use, with the same
/// settings as the main pool; everything else goes through [`Db::pool`].
#[derive(Clone)]
pub enum Native {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// A column's value on the bulk paths of either engine, borrowed: a parameter of an SQLite
/// statement ([`sqlite_rows`]) or a column of a PostgreSQL `COPY` row ([`postgres_copy`]).
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Int(i64),
    Text(&'a str),
    Null,
}

/// Connections of the native pool. The attendance task's readers take up to four, an import
/// on PostgreSQL two, a report's stream one: an inbox import and the task can run together.
const NATIVE_CONNECTIONS: u32 = 8;

/// Set on every SQLite connection. Reads go through a memory map of the database file (up to
/// 4 GiB): a day's events or a month's records are read from the system's file cache in place
/// instead of being copied into each connection's page cache. A new database gets 16 KiB pages
/// (a database that has tables keeps the size it was made with): the access-log import writes
/// a quarter as many pages as with SQLite's 4 KiB, splits a quarter as often, and went from
/// about 500,000 to 590,000 events a second.
fn sqlite_pragmas() -> String {
    format!(
        "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA cache_size = -{SQLITE_CACHE_KIB}; PRAGMA mmap_size = 4294967296;"
    )
}

/// How long an SQLite connection waits for a lock (`busy_timeout`), in milliseconds.
pub const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;
/// Each SQLite connection's page cache (`cache_size`), in KiB.
pub const SQLITE_CACHE_KIB: u32 = 65_536;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot open the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot create the data folder {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error(transparent)]
    Migration(#[from] MigrationError),
}

impl Db {
    /// Opens the pool (creating an SQLite file and its folder when missing) and migrates.
    pub async fn open(url: &DatabaseUrl, max_connections: u32) -> Result<Db, ConnectError> {
        let db = Db::connect(url, max_connections).await?;
        migrations::migrate(&db).await?;
        Ok(db)
    }

    /// Opens the pool without migrating.
    pub async fn connect(url: &DatabaseUrl, max_connections: u32) -> Result<Db, ConnectError> {
        install_default_drivers();
        let kind = url.kind();
        if kind == DatabaseKind::Sqlite
            && let Some(path) = sqlite_path(url.expose())
            && let Some(parent) = std::path::Path::new(&path).parent().filter(|p| !p.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| ConnectError::DataDir { path: parent.display().to_string(), reason: e.to_string() })?;
        }
        let mut expose = url.expose().to_string();
        if kind == DatabaseKind::Sqlite && !expose.contains("mode=") {
            expose.push_str(if expose.contains('?') { "&mode=rwc" } else { "?mode=rwc" });
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if kind == DatabaseKind::Sqlite {
                        conn.execute(sqlite_pragmas().as_str()).await?;
                    }
                    Ok(())
                })
            })
            .connect(&expose)
            .await
            .map_err(|e| ConnectError::Connect { url: url.to_string(), reason: one_line(&e.to_string()) })?;
        let connect_error = |e: sqlx::Error| ConnectError::Connect { url: url.to_string(), reason: one_line(&e.to_string()) };
        let native = match kind {
            DatabaseKind::Sqlite => Native::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(NATIVE_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(5))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(sqlite_pragmas().as_str()).await?;
                            Ok(())
                        })
                    })
                    .connect_lazy(&expose)
                    .map_err(connect_error)?,
            ),
            DatabaseKind::Postgres => Native::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(NATIVE_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_lazy(&expose)
                    .map_err(connect_error)?,
            ),
        };
        Ok(Db { pool, kind, native })
    }

    /// The engine's own driver, for bulk paths.
    pub fn native(&self) -> &Native {
        &self.native
    }

    /// Closes both pools, waiting for their connections to end.
    pub async fn close(&self) {
        self.pool.close().await;
        match &self.native {
            Native::Sqlite(p) => p.close().await,
            Native::Postgres(p) => p.close().await,
        }
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" { None } else { Some(path.to_string()) }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `IN ($n, $n+1, …)` for a list bound after `first - 1` other parameters.
pub fn placeholders(first: usize, count: usize) -> String {
    (0..count).map(|i| format!("${}", first + i)).collect::<Vec<_>>().join(", ")
}

/// Placeholders for statements with many parameters (bulk inserts) whose parameters are bound
/// in order: `?` on SQLite, whose driver looks numbered parameters up by name one at a time
/// (quadratic in their number), `$n` on PostgreSQL.
pub fn positional_placeholders(kind: DatabaseKind, first: usize, count: usize) -> String {
    match kind {
        DatabaseKind::Sqlite => vec!["?"; count].join(", "),
        DatabaseKind::Postgres => placeholders(first, count),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        assert_eq!(sqlite_path("sqlite:///var/lib/kinmu/kinmu.db?mode=rwc").as_deref(), Some("/var/lib/kinmu/kinmu.db"));
        assert_eq!(sqlite_path("sqlite:data/k.db").as_deref(), Some("data/k.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }
}
