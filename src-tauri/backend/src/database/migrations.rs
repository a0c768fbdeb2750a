//! Versioned migrations, one SQL file per version and engine under `migrations/<engine>/`.
//! Each runs in its own transaction and is recorded in `kinmu_migrations`. A database that has
//! a version this binary does not know was written by a newer Kinmu: it is refused, never touched.

use sqlx::Row;

use super::Db;
use crate::config::DatabaseKind;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "attendance_events",
        sqlite: include_str!("../../migrations/sqlite/0002_attendance_events.sql"),
        postgres: include_str!("../../migrations/postgres/0002_attendance_events.sql"),
    },
    Migration {
        version: 3,
        name: "attendance_records",
        sqlite: include_str!("../../migrations/sqlite/0003_attendance_records.sql"),
        postgres: include_str!("../../migrations/postgres/0003_attendance_records.sql"),
    },
    Migration {
        version: 4,
        name: "output_profiles",
        sqlite: include_str!("../../migrations/sqlite/0004_output_profiles.sql"),
        postgres: include_str!("../../migrations/postgres/0004_output_profiles.sql"),
    },
    Migration {
        version: 5,
        name: "attendance_events_by_time",
        sqlite: include_str!("../../migrations/sqlite/0005_attendance_events_by_time.sql"),
        postgres: include_str!("../../migrations/postgres/0005_attendance_events_by_time.sql"),
    },
    Migration {
        version: 6,
        name: "attendance_records_in_columns",
        sqlite: include_str!("../../migrations/sqlite/0006_attendance_records_in_columns.sql"),
        postgres: include_str!("../../migrations/postgres/0006_attendance_records_in_columns.sql"),
    },
    Migration {
        version: 7,
        name: "login_throttle",
        sqlite: include_str!("../../migrations/sqlite/0007_login_throttle.sql"),
        postgres: include_str!("../../migrations/postgres/0007_login_throttle.sql"),
    },
    Migration {
        version: 8,
        name: "leases",
        sqlite: include_str!("../../migrations/sqlite/0008_leases.sql"),
        postgres: include_str!("../../migrations/postgres/0008_leases.sql"),
    },
    Migration {
        version: 9,
        name: "import_history",
        sqlite: include_str!("../../migrations/sqlite/0009_import_history.sql"),
        postgres: include_str!("../../migrations/postgres/0009_import_history.sql"),
    },
    Migration {
        version: 10,
        name: "updates_permission",
        sqlite: include_str!("../../migrations/sqlite/0010_updates_permission.sql"),
        postgres: include_str!("../../migrations/postgres/0010_updates_permission.sql"),
    },
    Migration {
        version: 11,
        name: "effort",
        sqlite: include_str!("../../migrations/sqlite/0011_effort.sql"),
        postgres: include_str!("../../migrations/postgres/0011_effort.sql"),
    },
    Migration {
        version: 12,
        name: "releases",
        sqlite: include_str!("../../migrations/sqlite/0012_releases.sql"),
        postgres: include_str!("../../migrations/postgres/0012_releases.sql"),
    },
    Migration {
        version: 13,
        name: "update_policy",
        sqlite: include_str!("../../migrations/sqlite/0013_update_policy.sql"),
        postgres: include_str!("../../migrations/postgres/0013_update_policy.sql"),
    },
    Migration {
        version: 14,
        name: "effort_timer",
        sqlite: include_str!("../../migrations/sqlite/0014_effort_timer.sql"),
        postgres: include_str!("../../migrations/postgres/0014_effort_timer.sql"),
    },
    Migration {
        version: 15,
        name: "effort_gap_thresholds",
        sqlite: include_str!("../../migrations/sqlite/0015_effort_gap_thresholds.sql"),
        postgres: include_str!("../../migrations/postgres/0015_effort_gap_thresholds.sql"),
    },
    Migration {
        version: 16,
        name: "effort_approvers",
        sqlite: include_str!("../../migrations/sqlite/0016_effort_approvers.sql"),
        postgres: include_str!("../../migrations/postgres/0016_effort_approvers.sql"),
    },
    Migration {
        version: 17,
        name: "effort_cost",
        sqlite: include_str!("../../migrations/sqlite/0017_effort_cost.sql"),
        postgres: include_str!("../../migrations/postgres/0017_effort_cost.sql"),
    },
    Migration {
        version: 18,
        name: "api_tokens",
        sqlite: include_str!("../../migrations/sqlite/0018_api_tokens.sql"),
        postgres: include_str!("../../migrations/postgres/0018_api_tokens.sql"),
    },
    Migration {
        version: 19,
        name: "effort_day_rows",
        sqlite: include_str!("../../migrations/sqlite/0019_effort_day_rows.sql"),
        postgres: include_str!("../../migrations/postgres/0019_effort_day_rows.sql"),
    },
    Migration {
        version: 20,
        name: "effort_report_indexes",
        sqlite: include_str!("../../migrations/sqlite/0020_effort_report_indexes.sql"),
        postgres: include_str!("../../migrations/postgres/0020_effort_report_indexes.sql"),
    },
    Migration {
        version: 21,
        name: "user_role_history",
        sqlite: include_str!("../../migrations/sqlite/0021_user_role_history.sql"),
        postgres: include_str!("../../migrations/postgres/0021_user_role_history.sql"),
    },
    Migration {
        version: 22,
        name: "update_record_ids_and_repairs",
        sqlite: include_str!("../../migrations/sqlite/0022_update_record_ids_and_repairs.sql"),
        postgres: include_str!("../../migrations/postgres/0022_update_record_ids_and_repairs.sql"),
    },
];

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "the database is at schema version {found}, newer than this Kinmu knows (up to {known}): \
         it was written by a newer Kinmu; run that version or restore a backup"
    )]
    NewerThanBinary { found: i64, known: i64 },
    #[error("migration {version} ({name}) failed: {reason}")]
    Failed { version: i64, name: &'static str, reason: String },
    #[error("cannot read the schema version: {0}")]
    Read(String),
}

pub async fn migrate(db: &Db) -> Result<Vec<i64>, MigrationError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS kinmu_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&db.pool)
    .await
    .map_err(|e| MigrationError::Read(e.to_string()))?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM kinmu_migrations ORDER BY version")
        .fetch_all(&db.pool)
        .await
        .map_err(|e| MigrationError::Read(e.to_string()))?
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    let known = MIGRATIONS.last().map(|m| m.version).unwrap_or(0);
    if let Some(&found) = applied.iter().find(|v| !MIGRATIONS.iter().any(|m| m.version == **v)) {
        return Err(MigrationError::NewerThanBinary { found: applied.last().copied().unwrap_or(found), known });
    }
    let mut ran = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let sql = match db.kind {
            DatabaseKind::Sqlite => m.sqlite,
            DatabaseKind::Postgres => m.postgres,
        };
        let fail = |e: sqlx::Error| MigrationError::Failed { version: m.version, name: m.name, reason: e.to_string() };
        let mut tx = db.pool.begin().await.map_err(fail)?;
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(fail)?;
        sqlx::query("INSERT INTO kinmu_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(chrono::Utc::now().timestamp())
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        tracing::info!(version = m.version, name = m.name, "database migrated");
        ran.push(m.version);
    }
    Ok(ran)
}
