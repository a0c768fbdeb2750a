//! Logging in and out, and server-side sessions. A session is a random token in an HttpOnly
//! cookie; the database keeps only its SHA-256. Sessions slide: each use pushes the expiry to
//! "now + idle minutes".
//!
//! Failed logins are counted per login name in `login_throttle`, for names with an account and
//! without alike, so the answers (message, status and delay) never tell which logins exist. An
//! attempt is reserved before its password is checked, by one statement that also sets the lock
//! when it is the last one allowed: however many guesses arrive in parallel, at most
//! [`MAX_FAILED_LOGINS`] passwords are checked before the lock. Each lock lasts twice as long as
//! the one before (from [`FIRST_LOCK_SECONDS`] up to [`LONGEST_LOCK_SECONDS`]), so a stranger
//! cannot keep an account locked for long with a few guesses, and a persistent guesser slows
//! down; a successful login, a new password or an administrator's unlock clears it.

use kinmu_shared::messages::Text;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use kinmu_shared::Language;
use kinmu_shared::api::{CurrentUser, SessionInfo};

use super::{passwords, permissions_from_text, system_settings};
use crate::database::Db;
use crate::error::{Error, Result};

/// Failed logins in a row before the login name locks.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long the first lock lasts; each further lock without a successful login doubles it.
pub const FIRST_LOCK_SECONDS: i64 = 60;
/// The longest lock.
pub const LONGEST_LOCK_SECONDS: i64 = 30 * 60;
/// However it is used, a session ends this long after its login (or after the idle time, when
/// that is set longer): a stolen session cookie does not live for ever.
pub const ABSOLUTE_LIFETIME_SECONDS: i64 = 24 * 3600;

fn absolute_lifetime(idle_seconds: i64) -> i64 {
    ABSOLUTE_LIFETIME_SECONDS.max(idle_seconds)
}

/// Extra wait per failed attempt before answering, up to [`MAX_FAILURE_DELAY`].
const FAILURE_DELAY_STEP: Duration = Duration::from_millis(200);
const MAX_FAILURE_DELAY: Duration = Duration::from_secs(2);
/// Counts of names that failed this long ago and are not locked are forgotten.
const FORGET_FAILURES_AFTER_SECONDS: i64 = 24 * 3600;

/// How long the lock after `lockouts` earlier locks lasts. Pure.
pub fn lock_seconds(lockouts: i64) -> i64 {
    let doublings = lockouts.clamp(0, 20) as u32;
    FIRST_LOCK_SECONDS.saturating_mul(1i64 << doublings).min(LONGEST_LOCK_SECONDS)
}

/// The lock durations as an SQL `CASE` on `lockouts`, from [`lock_seconds`].
fn lock_seconds_sql(column: &str) -> String {
    let mut sql = format!("CASE {column}");
    let mut lockouts = 0;
    while lock_seconds(lockouts) < LONGEST_LOCK_SECONDS {
        sql.push_str(&format!(" WHEN {lockouts} THEN {}", lock_seconds(lockouts)));
        lockouts += 1;
    }
    sql.push_str(&format!(" ELSE {LONGEST_LOCK_SECONDS} END"));
    sql
}

/// An attempt that may check its password: the failures counted with it, and the lock it set
/// if it was the last one allowed.
struct Reserved {
    failures: i64,
    locked_until: Option<i64>,
}

/// Reserves one attempt for `login_key`, atomically: None when the name is locked (or its last
/// allowed attempt is still being checked).
async fn reserve_attempt(db: &Db, login_key: &str, now: i64) -> Result<Option<Reserved>> {
    // After an expired lock the count starts again at 1.
    let next = "CASE WHEN login_throttle.locked_until IS NULL THEN login_throttle.failures + 1 ELSE 1 END";
    let sql = format!(
        "INSERT INTO login_throttle (login_key, failures, locked_until, lockouts, last_failure_at) \
         VALUES ($1, 1, CASE WHEN 1 >= $3 THEN $2 + {first} END, CASE WHEN 1 >= $3 THEN 1 ELSE 0 END, $2) \
         ON CONFLICT (login_key) DO UPDATE SET \
           failures = {next}, \
           locked_until = CASE WHEN {next} >= $3 THEN $2 + {lock} END, \
           lockouts = login_throttle.lockouts + CASE WHEN {next} >= $3 THEN 1 ELSE 0 END, \
           last_failure_at = $2 \
         WHERE (login_throttle.locked_until IS NULL AND login_throttle.failures < $3) OR login_throttle.locked_until <= $2 \
         RETURNING failures, locked_until",
        first = lock_seconds(0),
        lock = lock_seconds_sql("login_throttle.lockouts"),
    );
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as(&sql).bind(login_key).bind(now).bind(MAX_FAILED_LOGINS).fetch_optional(&db.pool).await?;
    Ok(row.map(|(failures, locked_until)| Reserved { failures, locked_until }))
}

/// Forgets the failed logins of `login` (after a successful login, a new password, an unlock).
pub async fn clear_failures<'e>(executor: impl sqlx::Executor<'e, Database = sqlx::Any>, login: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE login_key = $1").bind(login.trim().to_lowercase()).execute(executor).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: i64,
    password_hash: Option<String>,
    active: i64,
}

pub struct NewSession {
    /// The secret for the cookie; not stored anywhere on the server.
    pub token: String,
    pub info: SessionInfo,
}

fn utc_text(ts: i64) -> String {
    Utc.timestamp_opt(ts, 0).single().map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default()
}

fn locked(until: i64) -> Error {
    Error::AccountLocked { until, until_text: utc_text(until) }
}

/// Checks `password` for `login` under the failed-login throttle: the account when it is right
/// (active or not), `InvalidCredentials` or `AccountLocked` otherwise.
async fn check_credentials(db: &Db, login: &str, password: &str, now: i64) -> Result<LoginRow> {
    let login_key = login.trim().to_lowercase();
    if login_key.len() > kinmu_shared::validation::LOGIN_MAX {
        // No account can have this name (logins are ASCII, at most LOGIN_MAX long): answer as for
        // any unknown one, without storing it.
        passwords::verify_blocking(password.to_string(), None).await;
        tokio::time::sleep(FAILURE_DELAY_STEP).await;
        return Err(Error::InvalidCredentials);
    }
    let Some(attempt) = reserve_attempt(db, &login_key, now).await? else {
        let until: Option<Option<i64>> = sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE login_key = $1")
            .bind(&login_key)
            .fetch_optional(&db.pool)
            .await?;
        return Err(locked(until.flatten().unwrap_or(now + FIRST_LOCK_SECONDS)));
    };
    let row: Option<LoginRow> = sqlx::query_as("SELECT id, password_hash, active FROM users WHERE login_key = $1")
        .bind(&login_key)
        .fetch_optional(&db.pool)
        .await?;
    // An unknown login checks a dummy hash: the same work, so the same time, as a real account.
    let ok = passwords::verify_blocking(password.to_string(), row.as_ref().and_then(|r| r.password_hash.clone())).await;
    let Some(row) = row.filter(|_| ok) else {
        tracing::warn!(failed = attempt.failures, locked = attempt.locked_until.is_some(), "failed login");
        let delay = (FAILURE_DELAY_STEP * attempt.failures as u32).min(MAX_FAILURE_DELAY);
        tokio::time::sleep(delay).await;
        return Err(match attempt.locked_until {
            Some(until) => locked(until),
            None => Error::InvalidCredentials,
        });
    };
    clear_failures(&db.pool, &login_key).await?;
    Ok(row)
}

pub async fn login(db: &Db, login: &str, password: &str, user_agent: Option<&str>, now: i64) -> Result<NewSession> {
    let row = check_credentials(db, login, password, now).await?;
    if row.active == 0 {
        return Err(Error::AccountDisabled);
    }
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2").bind(now).bind(row.id).execute(&db.pool).await?;
    open(db, row.id, user_agent, now).await
}

/// A user changes their own password, proving it with the current one (under the same throttle
/// as a login, so it is no way around the lock); their other sessions end, the one asking stays.
pub async fn change_own_password(
    db: &Db,
    user: &CurrentUser,
    session_token: &str,
    req: &kinmu_shared::api::ChangeOwnPassword,
    now: i64,
) -> Result<()> {
    if user.api_token.is_some() {
        return Err(Error::SessionOnly);
    }
    if req.current_password.is_empty() {
        return Err(Error::invalid("current_password", Text::new("enter your current password", "現在のパスワードを入力してください。")));
    }
    passwords::check_new("new_password", &req.new_password, &user.login, Some(&user.display_name))?;
    if req.new_password == req.current_password {
        return Err(Error::invalid(
            "new_password",
            Text::new(
                "the new password is the current one: choose another",
                "新しいパスワードが現在のものと同じです。別のパスワードにしてください。",
            ),
        ));
    }
    match check_credentials(db, &user.login, &req.current_password, now).await {
        Ok(_) => {}
        Err(Error::InvalidCredentials) => {
            return Err(Error::invalid(
                "current_password",
                Text::new("the current password is wrong: nothing was changed", "現在のパスワードが違います。何も変更していません。"),
            ));
        }
        Err(e) => return Err(e),
    }
    let hash = passwords::hash_blocking(req.new_password.clone()).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.id)
        .bind(passwords::token_digest(session_token))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A logged-in user enters their password again before a sensitive change (the client update
/// policy: the seed's management password), checked under the same throttle as a login, so it is
/// no way to guess it either. A wrong password is an error on `field`; nothing is changed.
pub async fn confirm_password(db: &Db, user: &CurrentUser, field: &str, password: &str, now: i64) -> Result<()> {
    if password.is_empty() {
        return Err(Error::invalid(
            field,
            Text::new("enter your password again to confirm this change", "この変更を確定するには、パスワードをもう一度入力してください。"),
        ));
    }
    let wrong =
        || Error::invalid(field, Text::new("the password is wrong: nothing was changed", "パスワードが違います。何も変更していません。"));
    match check_credentials(db, &user.login, password, now).await {
        Ok(row) if row.id == user.id && row.active != 0 => Ok(()),
        Ok(_) | Err(Error::InvalidCredentials) => Err(wrong()),
        Err(e) => Err(e),
    }
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
pub(super) struct CurrentRow {
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

/// A user's columns as a session sees them (`users u` joined with `roles r`).
pub(super) const CURRENT_COLUMNS: &str =
    "u.id, u.login, u.display_name, u.language, u.time_zone, u.organization_id, u.role_id, r.name AS role_name, r.permissions";

/// A session with its user.
#[derive(sqlx::FromRow)]
struct SessionRow {
    created_at: i64,
    expires_at: i64,
    active: i64,
    #[sqlx(flatten)]
    user: CurrentRow,
}

pub(super) fn to_current(r: CurrentRow) -> CurrentUser {
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
        api_token: None,
    }
}

/// A user as a session sees them, with the organisation name.
pub async fn current_user(db: &Db, user_id: i64) -> Result<(CurrentUser, String)> {
    let row: CurrentRow =
        sqlx::query_as(&format!("SELECT {CURRENT_COLUMNS} FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = $1"))
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(Error::Unauthenticated)?;
    let org = system_settings::get_value(&db.pool, system_settings::ORGANIZATION_NAME).await?.unwrap_or_default();
    Ok((to_current(row), org))
}

/// The session with its user, if the token is known, unexpired and its user active.
async fn find(db: &Db, digest: &str, now: i64) -> Result<SessionRow> {
    // One query for the session, its user and the user's role: this runs on every request.
    let found: Option<SessionRow> = sqlx::query_as(&format!(
        "SELECT s.created_at, s.expires_at, u.active, {CURRENT_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
         JOIN roles r ON r.id = u.role_id WHERE s.token_hash = $1 AND s.expires_at > $2"
    ))
    .bind(digest)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = found else {
        return Err(Error::Unauthenticated);
    };
    if row.active == 0 {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(digest).execute(&db.pool).await?;
        return Err(Error::Unauthenticated);
    }
    Ok(row)
}

/// The session's user, or `Unauthenticated` when the token is unknown, expired or its user
/// disabled. Extends the session when more than a minute of its idle time has passed.
pub async fn resolve(db: &Db, token: &str, idle_seconds: i64, now: i64) -> Result<(CurrentUser, i64)> {
    let digest = passwords::token_digest(token);
    let SessionRow { created_at, expires_at, user: row, .. } = find(db, &digest, now).await?;
    let mut expires_at = expires_at;
    // Sliding, but never past the session's absolute end.
    let slid = (now + idle_seconds).min(created_at + absolute_lifetime(idle_seconds));
    if slid - expires_at > 60 {
        expires_at = slid;
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2").bind(expires_at).bind(&digest).execute(&db.pool).await?;
    }
    Ok((to_current(row), expires_at))
}

/// The session's user as [`resolve`] finds it, without extending the session: for a long-lived
/// answer (the live view) that must end with the session, not keep it alive.
pub async fn still_valid(db: &Db, token: &str, now: i64) -> Result<CurrentUser> {
    Ok(to_current(find(db, &passwords::token_digest(token), now).await?.user))
}

/// The language of the user behind a live session `token`, without touching the session (for
/// answers outside the routes, which do not resolve the session: an unknown path or method).
pub async fn language_of(db: &Db, token: &str, now: i64) -> Result<Option<kinmu_shared::Language>> {
    let language: Option<String> = sqlx::query_scalar(
        "SELECT u.language FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
    )
    .bind(passwords::token_digest(token))
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(language.as_deref().and_then(kinmu_shared::Language::parse))
}

pub async fn info(db: &Db, user_id: i64, expires_at: i64) -> Result<SessionInfo> {
    let (user, organization_name) = current_user(db, user_id).await?;
    Ok(SessionInfo { user, expires_at, organization_name })
}

pub async fn logout(db: &Db, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(passwords::token_digest(token)).execute(&db.pool).await?;
    Ok(())
}

/// Deletes expired sessions, and the failed-login counts of names neither locked nor tried for a
/// day; returns how many sessions.
pub async fn purge_expired(db: &Db, now: i64) -> Result<u64> {
    sqlx::query("DELETE FROM login_throttle WHERE (locked_until IS NULL OR locked_until <= $1) AND last_failure_at <= $2")
        .bind(now)
        .bind(now - FORGET_FAILURES_AFTER_SECONDS)
        .execute(&db.pool)
        .await?;
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&db.pool).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lock_lasts_twice_the_one_before_up_to_half_an_hour() {
        assert_eq!(lock_seconds(0), 60);
        assert_eq!(lock_seconds(1), 120);
        assert_eq!(lock_seconds(4), 960);
        assert_eq!(lock_seconds(5), LONGEST_LOCK_SECONDS);
        assert_eq!(lock_seconds(i64::MAX), LONGEST_LOCK_SECONDS);
        assert_eq!(
            lock_seconds_sql("n"),
            "CASE n WHEN 0 THEN 60 WHEN 1 THEN 120 WHEN 2 THEN 240 WHEN 3 THEN 480 WHEN 4 THEN 960 ELSE 1800 END"
        );
    }
}
