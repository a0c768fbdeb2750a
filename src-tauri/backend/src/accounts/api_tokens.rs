//! Personal API tokens. A person makes one on their preferences page (a name, scopes among the
//! permissions they hold, an expiry); its secret (`kinmu_` and 64 hex digits: 32 random bytes) is
//! shown once and kept only as its SHA-256, like a session's, with its first characters to
//! recognise it. A request with `Authorization: Bearer <secret>` acts as the person, with the
//! token's scopes that the person's role grants at that moment ([`resolve`]): a person who loses
//! a permission loses it in their tokens, a disabled person's tokens stop. Revoking keeps the row,
//! so that a revoked token is answered "revoked" rather than "unknown".

use chrono::{Duration, NaiveDate, TimeZone};
use kinmu_shared::Permission;
use kinmu_shared::api::{
    ApiToken, CreateApiToken, CreatedApiToken, CurrentUser, TOKEN_MAX_DAYS, TOKEN_NAME_MAX, TOKEN_SECRET_PREFIX, TOKEN_VISIBLE_CHARS,
};
use kinmu_shared::messages::Text;
use kinmu_shared::validation::{self, FieldError};

use super::sessions::{CURRENT_COLUMNS, CurrentRow, to_current};
use super::{Actor, passwords, permissions_from_text, permissions_to_text};
use crate::database::Db;
use crate::error::{Error, Result};

/// Who a bearer secret acts as, and until when.
pub struct Bearer {
    /// The person, with the permissions this request may use and the token's id.
    pub user: CurrentUser,
    pub token_id: i64,
    pub expires_at: i64,
}

/// The instant a token made at `now` for the last day `expires_on` (`YYYY-MM-DD` in `tz`) stops:
/// the start of the next day there. Pure. The day must be today or later, and at most
/// [`TOKEN_MAX_DAYS`] ahead.
pub fn expiry_of(expires_on: &str, tz: chrono_tz::Tz, now: i64) -> Result<i64, FieldError> {
    let field = "expires_on";
    let day = NaiveDate::parse_from_str(expires_on.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            Text::new(
                "expires_on must be a date written YYYY-MM-DD, e.g. 2027-03-31",
                "有効期限は 2027-03-31 のように YYYY-MM-DD の形で入力してください。",
            ),
        )
    })?;
    let today = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default().with_timezone(&tz).date_naive();
    if day < today {
        return Err(FieldError::new(
            field,
            Text::new("expires_on is in the past: choose today or a later day", "有効期限が過去の日付です。今日以降の日付にしてください。"),
        ));
    }
    if day > today + Duration::days(TOKEN_MAX_DAYS) {
        return Err(FieldError::new(
            field,
            Text::new(
                format!("expires_on is too far ahead: a token lasts at most {TOKEN_MAX_DAYS} days, make a new one then"),
                format!("有効期限が先すぎます。トークンの有効期間は最長 {TOKEN_MAX_DAYS} 日です。期限が来たら新しく作ってください。"),
            ),
        ));
    }
    let next = (day + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap_or_default();
    // A day that starts inside a DST gap starts at the gap's end.
    let start = tz.from_local_datetime(&next).earliest().or_else(|| tz.from_local_datetime(&(next + Duration::hours(1))).earliest());
    Ok(start.map(|t| t.timestamp()).unwrap_or(now))
}

/// The scopes asked for, each once, in the permission list's order; refused when empty or when
/// one is beyond what `held` grants (the error names it). Pure.
pub fn checked_scopes(asked: &[Permission], held: &[Permission]) -> Result<Vec<Permission>> {
    if asked.is_empty() {
        return Err(Error::invalid(
            "scopes",
            Text::new("choose at least one scope: the permissions the token may use", "トークンが使える権限を1つ以上選んでください。"),
        ));
    }
    if let Some(p) = asked.iter().find(|p| !p.is_granted_by(held)) {
        return Err(Error::ScopeNotHeld { scope: p.key() });
    }
    Ok(Permission::ALL.into_iter().filter(|p| asked.contains(p)).collect())
}

/// What a token's request may do: its scopes that `held` (the person's role now) grants. Pure.
pub fn effective(scopes: &[Permission], held: &[Permission]) -> Vec<Permission> {
    scopes.iter().copied().filter(|p| p.is_granted_by(held)).collect()
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    user_login: String,
    user_display_name: String,
    name: String,
    prefix: String,
    scopes: String,
    created_at: i64,
    expires_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, u.login AS user_login, u.display_name AS user_display_name, t.name, t.prefix, t.scopes, \
     t.created_at, t.expires_at, t.last_used_at, t.revoked_at";

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        let stored = permissions_from_text(&r.scopes);
        ApiToken {
            id: r.id,
            user_id: r.user_id,
            user_login: r.user_login,
            user_display_name: r.user_display_name,
            name: r.name,
            prefix: r.prefix,
            // In the permission list's order.
            scopes: Permission::ALL.into_iter().filter(|p| stored.contains(p)).collect(),
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

async fn tokens_where(db: &Db, condition: &str, user_id: Option<i64>) -> Result<Vec<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE {condition} ORDER BY t.id DESC");
    let mut query = sqlx::query_as::<_, TokenRow>(&sql);
    if let Some(id) = user_id {
        query = query.bind(id);
    }
    Ok(query.fetch_all(&db.pool).await?.into_iter().map(ApiToken::from).collect())
}

/// A person makes a token for themself. Only a session may (a token cannot make tokens); every
/// scope must be one the person holds.
pub async fn create(db: &Db, actor: &Actor, req: CreateApiToken, now: i64) -> Result<CreatedApiToken> {
    actor.require_session()?;
    let Actor::User(user) = actor else {
        return Err(Error::SessionOnly);
    };
    let name = validation::required_text("name", &req.name, TOKEN_NAME_MAX).map(|_| req.name.trim().to_string())?;
    let scopes = checked_scopes(&req.scopes, &user.permissions)?;
    let tz = crate::time_zones::check("time_zone", &user.time_zone).unwrap_or(chrono_tz::Asia::Tokyo);
    let expires_at = expiry_of(&req.expires_on, tz, now)?;
    let secret = format!("{TOKEN_SECRET_PREFIX}{}", passwords::random_token());
    let prefix = secret[..TOKEN_SECRET_PREFIX.len() + TOKEN_VISIBLE_CHARS].to_string();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user.id)
    .bind(&name)
    .bind(&prefix)
    .bind(passwords::token_digest(&secret))
    .bind(permissions_to_text(&scopes))
    .bind(now)
    .bind(expires_at)
    .fetch_one(&db.pool)
    .await?;
    tracing::info!(token_id = id, user_id = user.id, "API token created");
    let token = tokens_where(db, "t.id = $1", Some(id)).await?.pop().ok_or_else(|| Error::Internal("the new token vanished".into()))?;
    Ok(CreatedApiToken { token, secret })
}

/// The actor's own tokens, newest first (the operator has none).
pub async fn list_own(db: &Db, actor: &Actor) -> Result<Vec<ApiToken>> {
    match actor.user_id() {
        Some(id) => tokens_where(db, "t.user_id = $1", Some(id)).await,
        None => Ok(Vec::new()),
    }
}

/// Everyone's tokens, newest first: administrators (users.manage).
pub async fn list_all(db: &Db, actor: &Actor) -> Result<Vec<ApiToken>> {
    actor.require(Permission::ManageUsers)?;
    tokens_where(db, "1 = 1", None).await
}

fn no_such_token(id: i64) -> Error {
    Error::NotFound(Text::new(format!("API token {id} not found"), format!("API トークン {id} が見つかりません。")))
}

/// Revokes token `id`: the actor's own, or anyone's for an administrator (`any`). Revoking a
/// revoked token changes nothing.
async fn revoke(db: &Db, actor: &Actor, id: i64, any: bool, now: i64) -> Result<()> {
    let owner: Option<i64> = sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
    match owner {
        Some(owner) if any || actor.user_id() == Some(owner) => {}
        // Another person's token is not shown to exist.
        _ => return Err(no_such_token(id)),
    }
    sqlx::query("UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(actor.user_id())
        .bind(id)
        .execute(&db.pool)
        .await?;
    tracing::info!(token_id = id, by = actor.user_id(), "API token revoked");
    Ok(())
}

/// A person revokes one of their own tokens.
pub async fn revoke_own(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<()> {
    revoke(db, actor, id, false, now).await
}

/// An administrator (users.manage) revokes anyone's token.
pub async fn revoke_any(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<()> {
    actor.require(Permission::ManageUsers)?;
    revoke(db, actor, id, true, now).await
}

#[derive(sqlx::FromRow)]
struct BearerRow {
    token_id: i64,
    scopes: String,
    token_expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    active: i64,
    #[sqlx(flatten)]
    user: CurrentRow,
}

/// Who the bearer `secret` acts as: unknown → `unauthenticated`, revoked → `token_revoked`,
/// expired → `token_expired`, its person disabled → `account_disabled`. The permissions are the
/// token's scopes that the person's role grants now. Notes the use (at most once a minute).
pub async fn resolve(db: &Db, secret: &str, now: i64) -> Result<Bearer> {
    let row: Option<BearerRow> = sqlx::query_as(&format!(
        "SELECT t.id AS token_id, t.scopes, t.expires_at AS token_expires_at, t.revoked_at, t.last_used_at, u.active, {CURRENT_COLUMNS} \
         FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN roles r ON r.id = u.role_id WHERE t.token_hash = $1"
    ))
    .bind(passwords::token_digest(secret))
    .fetch_optional(&db.pool)
    .await?;
    let row = row.ok_or(Error::Unauthenticated)?;
    if row.revoked_at.is_some() {
        return Err(Error::TokenRevoked);
    }
    if row.token_expires_at <= now {
        return Err(Error::TokenExpired);
    }
    if row.active == 0 {
        return Err(Error::AccountDisabled);
    }
    if row.last_used_at.is_none_or(|t| now - t >= 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(row.token_id).execute(&db.pool).await?;
    }
    let scopes = permissions_from_text(&row.scopes);
    let in_order: Vec<Permission> = Permission::ALL.into_iter().filter(|p| scopes.contains(p)).collect();
    let mut user = to_current(row.user);
    user.permissions = effective(&in_order, &user.permissions);
    user.api_token = Some(row.token_id);
    Ok(Bearer { user, token_id: row.token_id, expires_at: row.token_expires_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Tokyo;

    #[test]
    fn a_token_ends_at_the_end_of_its_last_day_within_a_year() {
        // 2026-12-05 15:00 UTC is 2026-12-06 00:00 in Tokyo.
        let now = chrono::Utc.with_ymd_and_hms(2026, 12, 5, 15, 0, 0).unwrap().timestamp();
        let end = expiry_of("2026-12-06", Tokyo, now).unwrap();
        assert_eq!(end, chrono::Utc.with_ymd_and_hms(2026, 12, 6, 15, 0, 0).unwrap().timestamp());
        assert_eq!(expiry_of("2026-12-05", Tokyo, now).unwrap_err().field, "expires_on", "yesterday in Tokyo");
        assert!(expiry_of("2027-12-07", Tokyo, now).is_ok());
        assert!(expiry_of("2027-12-08", Tokyo, now).is_err(), "beyond the longest lifetime");
        assert!(expiry_of("6.12.2026", Tokyo, now).is_err());
    }

    #[test]
    fn scopes_stay_within_what_the_person_holds() {
        use Permission::*;
        let held = [ManageUsers, EnterEffort];
        assert_eq!(checked_scopes(&[EnterEffort, ViewUsers, EnterEffort], &held).unwrap(), vec![ViewUsers, EnterEffort]);
        let e = checked_scopes(&[EnterEffort, ManageSettings], &held).unwrap_err();
        assert_eq!(e.to_api().code, kinmu_shared::ErrorCode::ScopeNotHeld);
        assert!(e.to_api().message.contains("settings.manage"), "{e}");
        assert!(e.to_api_in(kinmu_shared::Language::Ja).message.contains("settings.manage"));
        assert!(checked_scopes(&[], &held).is_err());
        // A role that lost users.manage keeps users.view: a token scoped to both keeps the view.
        assert_eq!(effective(&[ManageUsers, ViewUsers, EnterEffort], &[ViewUsers, EnterEffort]), vec![ViewUsers, EnterEffort]);
    }
}
