//! The role each person held from each day (`user_role_history`, migration 21), so that cost
//! takes the role of the day of the effort ([`kinmu_shared::effort::plan::role_on`]), not today's.
//!
//! The invariant: **a person's last history row is their current role** (`users.role_id`). Every
//! path that gives a role — a new account (API, command line, CSV import), a change of role (API,
//! CSV import), the first setup — goes through [`hold`], in the same transaction as the account's
//! row, so no path can set one without the other. The change takes effect on the company's today
//! ([`change_day`]: its time zone and day boundary, as effort days).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use kinmu_shared::api::Id;
use kinmu_shared::attendance_rules::AttendanceRules;
use kinmu_shared::effort::plan::RoleHeld;

use crate::database::{Db, placeholders};
use crate::error::{Error, Result};

/// The day a role given at `now` (seconds since the epoch) takes effect: the company's today by
/// its rules (time zone and day boundary), as effort days are counted.
pub fn change_day(now: i64, rules: &AttendanceRules) -> NaiveDate {
    let at = DateTime::from_timestamp(now, 0).unwrap_or_default();
    kinmu_attendance::attendance_date(at, rules)
}

/// Gives person `user_id` the role `role_id` from `day` on: sets `users.role_id` and the history
/// (rows from `day` on are replaced; a role equal to the one held before `day` adds no row). The
/// one place a role is written; the caller has checked that the actor may give it.
pub(crate) async fn hold(tx: &mut sqlx::Transaction<'static, sqlx::Any>, user_id: Id, role_id: Id, day: NaiveDate) -> Result<()> {
    let day = day.to_string();
    sqlx::query("UPDATE users SET role_id = $1 WHERE id = $2").bind(role_id).bind(user_id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM user_role_history WHERE user_id = $1 AND valid_from >= $2")
        .bind(user_id)
        .bind(&day)
        .execute(&mut **tx)
        .await?;
    let before: Option<i64> =
        sqlx::query_scalar("SELECT role_id FROM user_role_history WHERE user_id = $1 ORDER BY valid_from DESC LIMIT 1")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    if before != Some(role_id) {
        sqlx::query("INSERT INTO user_role_history (user_id, role_id, valid_from) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(role_id)
            .bind(&day)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The role history of the people `ids` (None: everyone), by person, each by `valid_from`
/// ascending.
pub async fn of(db: &Db, ids: Option<&[Id]>) -> Result<HashMap<Id, Vec<RoleHeld>>> {
    const SELECT: &str = "SELECT user_id, role_id, valid_from FROM user_role_history";
    let mut rows: Vec<(i64, i64, String)> = Vec::new();
    match ids {
        None => rows = sqlx::query_as(&format!("{SELECT} ORDER BY user_id, valid_from")).fetch_all(&db.pool).await?,
        Some(ids) => {
            for chunk in ids.chunks(500) {
                let sql = format!("{SELECT} WHERE user_id IN ({}) ORDER BY user_id, valid_from", placeholders(1, chunk.len()));
                let mut q = sqlx::query_as::<_, (i64, i64, String)>(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                rows.extend(q.fetch_all(&db.pool).await?);
            }
        }
    }
    let mut out: HashMap<Id, Vec<RoleHeld>> = HashMap::new();
    for (user_id, role_id, from) in rows {
        let valid_from = from.parse().map_err(|_| Error::Internal(format!("user_role_history of user {user_id}: bad day {from:?}")))?;
        out.entry(user_id).or_default().push(RoleHeld { valid_from, role_id });
    }
    Ok(out)
}

/// How many people's history names role `role_id` (a role held in the past still prices their
/// past days: it cannot be deleted).
pub(crate) async fn holders(db: &Db, role_id: Id) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(DISTINCT user_id) FROM user_role_history WHERE role_id = $1")
        .bind(role_id)
        .fetch_one(&db.pool)
        .await?)
}
