//! Logging in and out, and server-side sessions. A session is a random token in an HttpOnly
//! cookie; the database keeps only its SHA-256. Sessions slide: each use pushes the expiry to
//! "now + idle minutes". Repeated failed logins slow the answer down and then lock the account
//! for a while; administrators see the lock in the user list and can lift it.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use kinmu_shared::Language;
use kinmu_shared::api::{CurrentUser, SessionInfo};

use super::{passwords, permissions_from_text, system_settings};
use crate::database::Db;
use crate::error::{Error, Result};

/// Failed logins in a row before the account locks.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// Extra wait per failed attempt before answering, up to [`MAX_FAILURE_DELAY`].
const FAILURE_DELAY_STEP: Duration = Duration::from_millis(200);
const MAX_FAILURE_DELAY: Duration = Duration::from_secs(2);

/// What a failed attempt leads to, given the failures so far. Pure: the caller stores it.
pub fn after_failure(failed_before: i64, now: i64) -> (i64, Option<i64>) {
    let failed = failed_before + 1;
    if failed >= MAX_FAILED_LOGINS { (failed, Some(now + LOCK_SECONDS)) } else { (failed, None) }
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: i64,
    password_hash: Option<String>,
    active: i64,
    failed_logins: i64,
    locked_until: Option<i64>,
}

pub struct NewSession {
    /// The secret for the cookie; not stored anywhere on the server.
    pub token: String,
    pub info: SessionInfo,
}

fn utc_text(ts: i64) -> String {
    Utc.timestamp_opt(ts, 0).single().map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
}

pub async fn login(db: &Db, login: &str, password: &str, user_agent: Option<&str>, now: i64) -> Result<NewSession> {
    let row: Option<LoginRow> =
        sqlx::query_as("SELECT id, password_hash, active, failed_logins, locked_until FROM users WHERE login_key = $1")
            .bind(login.trim().to_lowercase())
            .fetch_optional(&db.pool)
            .await?;
    let Some(row) = row else {
        // Same work as for a real account, so timing does not reveal which logins exist.
        passwords::verify_blocking(password.to_string(), None).await;
        tokio::time::sleep(FAILURE_DELAY_STEP).await;
        return Err(Error::InvalidCredentials);
    };
    if let Some(until) = row.locked_until.filter(|u| *u > now) {
        return Err(Error::AccountLocked { until, until_text: utc_text(until) });
    }
    let ok = passwords::verify_blocking(password.to_string(), row.password_hash.clone()).await;
    if !ok {
        let (failed, lock) = after_failure(if row.locked_until.is_some() { 0 } else { row.failed_logins }, now);
        sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
            .bind(failed)
            .bind(lock)
            .bind(row.id)
            .execute(&db.pool)
            .await?;
        tracing::warn!(user_id = row.id, failed, locked = lock.is_some(), "failed login");
        let delay = (FAILURE_DELAY_STEP * failed as u32).min(MAX_FAILURE_DELAY);
        tokio::time::sleep(delay).await;
        return Err(match lock {
            Some(until) => Error::AccountLocked { until, until_text: utc_text(until) },
            None => Error::InvalidCredentials,
        });
    }
    if row.active == 0 {
        return Err(Error::AccountDisabled);
    }
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(row.id)
        .execute(&db.pool)
        .await?;
    open(db, row.id, user_agent, now).await
}

/// Opens a session for a user who has proven who they are.
pub async fn open(db: &Db, user_id: i64, user_agent: Option<&str>, now: i64) -> Result<NewSession> {
    let idle = system_settings::load(db).await?.session_idle_minutes * 60;
    let token = passwords::random_token();
    let expires_at = now + idle;
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5)")
        .bind(passwords::token_digest(&token))
        .bind(user_id)
        .bind(now)
        .bind(expires_at)
        .bind(user_agent.map(|u| u.chars().take(200).collect::<String>()))
        .execute(&db.pool)
        .await?;
    let (user, organization_name) = current_user(db, user_id).await?;
    Ok(NewSession { token, info: SessionInfo { user, expires_at, organization_name } })
}

#[derive(sqlx::FromRow)]
struct CurrentRow {
    id: i64,
    login: String,
    display_name: String,
    language: String,
    time_zone: String,
    organization_id: Option<i64>,
    role_id: i64,
    role_name: String,
    permissions: String,
}

const CURRENT_SELECT: &str = "SELECT u.id, u.login, u.display_name, u.language, u.time_zone, u.organization_id, u.role_id, \
     r.name AS role_name, r.permissions FROM users u JOIN roles r ON r.id = u.role_id";

fn to_current(r: CurrentRow) -> CurrentUser {
    CurrentUser {
        id: r.id,
        login: r.login,
        display_name: r.display_name,
        language: Language::parse(&r.language).unwrap_or_default(),
        time_zone: r.time_zone,
        organization_id: r.organization_id,
        role_id: r.role_id,
        role_name: r.role_name,
        permissions: permissions_from_text(&r.permissions),
    }
}

/// A user as a session sees them, with the organisation name.
pub async fn current_user(db: &Db, user_id: i64) -> Result<(CurrentUser, String)> {
    let row: CurrentRow = sqlx::query_as(&format!("{CURRENT_SELECT} WHERE u.id = $1"))
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let org = system_settings::get_value(&db.pool, system_settings::ORGANIZATION_NAME).await?.unwrap_or_default();
    Ok((to_current(row), org))
}

/// The session's user, or `Unauthenticated` when the token is unknown, expired or its user
/// disabled. Extends the session when more than a minute of its idle time has passed.
pub async fn resolve(db: &Db, token: &str, idle_seconds: i64, now: i64) -> Result<(CurrentUser, i64)> {
    let digest = passwords::token_digest(token);
    // One query for the session, its user and the user's role: this runs on every request.
    let found: Option<(i64, i64, i64, String, String, String, String, Option<i64>, i64, String, String)> = sqlx::query_as(
        "SELECT s.expires_at, u.active, u.id, u.login, u.display_name, u.language, u.time_zone, u.organization_id, u.role_id, \
         r.name, r.permissions FROM sessions s JOIN users u ON u.id = s.user_id JOIN roles r ON r.id = u.role_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(&digest)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some((expires_at, active, id, login, display_name, language, time_zone, organization_id, role_id, role_name, permissions)) = found
    else {
        return Err(Error::Unauthenticated);
    };
    if active == 0 {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&digest).execute(&db.pool).await?;
        return Err(Error::Unauthenticated);
    }
    let row = CurrentRow { id, login, display_name, language, time_zone, organization_id, role_id, role_name, permissions };
    let mut expires_at = expires_at;
    if now + idle_seconds - expires_at > 60 {
        expires_at = now + idle_seconds;
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2").bind(expires_at).bind(&digest).execute(&db.pool).await?;
    }
    Ok((to_current(row), expires_at))
}

pub async fn info(db: &Db, user_id: i64, expires_at: i64) -> Result<SessionInfo> {
    let (user, organization_name) = current_user(db, user_id).await?;
    Ok(SessionInfo { user, expires_at, organization_name })
}

pub async fn logout(db: &Db, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(passwords::token_digest(token)).execute(&db.pool).await?;
    Ok(())
}

/// Deletes expired sessions; returns how many.
pub async fn purge_expired(db: &Db, now: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&db.pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        assert_eq!(after_failure(0, 1000), (1, None));
        assert_eq!(after_failure(3, 1000), (4, None));
        assert_eq!(after_failure(4, 1000), (5, Some(1000 + 900)));
    }
}
