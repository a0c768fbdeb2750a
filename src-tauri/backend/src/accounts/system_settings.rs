//! System-wide settings kept in the `settings` table as key/value text.

use kinmu_shared::Language;
use kinmu_shared::api::SystemSettings;
use kinmu_shared::messages::Text;
use kinmu_shared::validation;

use super::Actor;
use crate::database::Db;
use crate::error::{Error, Result};
use kinmu_shared::Permission;

pub const ORGANIZATION_NAME: &str = "organization_name";
pub const DEFAULT_LANGUAGE: &str = "default_language";
pub const TIME_ZONE: &str = "time_zone";
pub const SESSION_IDLE_MINUTES: &str = "session_idle_minutes";
pub const SETUP_COMPLETED_AT: &str = "setup_completed_at";
pub const TOKEN_REQUESTS_PER_MINUTE: &str = "token_requests_per_minute";

pub const DEFAULT_SESSION_IDLE_MINUTES: i64 = 480;

pub async fn get_value<'e, E>(exec: E, key: &str) -> Result<Option<String>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(exec).await?)
}

pub async fn put_value<'e, E>(exec: E, key: &str, value: &str) -> Result<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(exec)
        .await?;
    Ok(())
}

pub async fn load(db: &Db) -> Result<SystemSettings> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM settings").fetch_all(&db.pool).await?;
    let get = |k: &str| rows.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    Ok(SystemSettings {
        organization_name: get(ORGANIZATION_NAME).unwrap_or_default(),
        default_language: get(DEFAULT_LANGUAGE).and_then(|l| Language::parse(&l)).unwrap_or_default(),
        time_zone: get(TIME_ZONE).unwrap_or_else(|| "Asia/Tokyo".into()),
        session_idle_minutes: get(SESSION_IDLE_MINUTES).and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_SESSION_IDLE_MINUTES),
        token_requests_per_minute: get(TOKEN_REQUESTS_PER_MINUTE)
            .and_then(|v| v.parse().ok())
            .unwrap_or(kinmu_shared::api::DEFAULT_TOKEN_REQUESTS_PER_MINUTE),
    })
}

pub fn validate(s: &SystemSettings) -> Result<()> {
    validation::required_text("organization_name", &s.organization_name, validation::NAME_MAX)?;
    crate::time_zones::check("time_zone", &s.time_zone)?;
    if !(5..=10_080).contains(&s.session_idle_minutes) {
        return Err(Error::invalid(
            "session_idle_minutes",
            Text::new(
                "session_idle_minutes must be between 5 and 10080 (one week)",
                "セッションの有効時間は5分から10080分（1週間）までにしてください。",
            ),
        ));
    }
    if !(1..=100_000).contains(&s.token_requests_per_minute) {
        return Err(Error::invalid(
            "token_requests_per_minute",
            Text::new(
                "token_requests_per_minute must be between 1 and 100000",
                "API トークンの1分あたりのリクエスト数は1から100000までにしてください。",
            ),
        ));
    }
    Ok(())
}

pub async fn save(db: &Db, actor: &Actor, s: SystemSettings) -> Result<SystemSettings> {
    actor.require(Permission::ManageSettings)?;
    validate(&s)?;
    let mut tx = db.pool.begin().await?;
    put_value(&mut *tx, ORGANIZATION_NAME, s.organization_name.trim()).await?;
    put_value(&mut *tx, DEFAULT_LANGUAGE, s.default_language.code()).await?;
    put_value(&mut *tx, TIME_ZONE, s.time_zone.trim()).await?;
    put_value(&mut *tx, SESSION_IDLE_MINUTES, &s.session_idle_minutes.to_string()).await?;
    put_value(&mut *tx, TOKEN_REQUESTS_PER_MINUTE, &s.token_requests_per_minute.to_string()).await?;
    tx.commit().await?;
    load(db).await
}
