//! The update policy: one row of `update_policy`. Reading it needs `updates.manage`; changing it
//! needs `updates.manage` and the user's password entered again in the same request (the seed's
//! management password), checked under the login throttle. The operator at the command line
//! needs no password.

use kinmu_shared::Permission;
use kinmu_shared::api::{UpdatePolicyChange, UpdatePolicyView};
use kinmu_shared::update_policy::{StartupMode, UpdatePolicy};

use crate::accounts::{Actor, sessions};
use crate::database::Db;
use crate::error::Result;

#[derive(sqlx::FromRow)]
struct PolicyRow {
    startup_mode: String,
    concurrency_limit: i64,
    message: String,
    new_installs_allowed: i64,
    service_paused: i64,
    system_log_enabled: i64,
    retention_days: i64,
}

/// The policy as stored. The release clients are offered is not part of it: it is the release
/// offered for each platform ([`crate::updates::releases::catalog::offered`]).
pub async fn load<'e>(exec: impl sqlx::Executor<'e, Database = sqlx::Any>) -> Result<UpdatePolicy> {
    let row: PolicyRow = sqlx::query_as(
        "SELECT startup_mode, concurrency_limit, message, new_installs_allowed, service_paused, system_log_enabled, retention_days \
         FROM update_policy WHERE id = 1",
    )
    .fetch_one(exec)
    .await?;
    Ok(UpdatePolicy {
        startup_mode: StartupMode::from_key(&row.startup_mode).unwrap_or_default(),
        concurrency_limit: row.concurrency_limit,
        message: row.message,
        new_installs_allowed: row.new_installs_allowed != 0,
        service_paused: row.service_paused != 0,
        system_log_enabled: row.system_log_enabled != 0,
        retention_days: row.retention_days,
    })
}

async fn view_of(db: &Db) -> Result<UpdatePolicyView> {
    let policy = load(&db.pool).await?;
    let offered = super::releases::catalog::offered_all(db).await?;
    let (admitted, waiting) = super::clients::transfer_counts(db).await?;
    Ok(UpdatePolicyView { policy, offered, admitted, waiting })
}

pub async fn view(db: &Db, actor: &Actor) -> Result<UpdatePolicyView> {
    actor.require(Permission::ManageUpdates)?;
    view_of(db).await
}

/// Saves the policy once the permission and the password are confirmed. A lower concurrency limit
/// takes effect as slots free up: transfers under way are not cut.
pub async fn save(db: &Db, actor: &Actor, change: UpdatePolicyChange, now: i64) -> Result<UpdatePolicyView> {
    actor.require(Permission::ManageUpdates)?;
    let changed_by = match actor {
        Actor::User(user) => {
            sessions::confirm_password(db, user, "password", &change.password, now).await?;
            user.login.clone()
        }
        Actor::Operator => "(operator)".to_string(),
    };
    let p = change.policy;
    p.validate()?;
    write(&db.pool, &p, now, &changed_by).await?;
    view_of(db).await
}

/// Stores a policy already checked (by [`save`], or by the settings file's import inside its
/// transaction).
pub async fn write<'e>(exec: impl sqlx::Executor<'e, Database = sqlx::Any>, p: &UpdatePolicy, now: i64, changed_by: &str) -> Result<()> {
    sqlx::query(
        "UPDATE update_policy SET startup_mode = $1, concurrency_limit = $2, message = $3, new_installs_allowed = $4, \
         service_paused = $5, system_log_enabled = $6, retention_days = $7, changed_at = $8, changed_by = $9 WHERE id = 1",
    )
    .bind(p.startup_mode.key())
    .bind(p.concurrency_limit)
    .bind(p.message.trim().to_string())
    .bind(i64::from(p.new_installs_allowed))
    .bind(i64::from(p.service_paused))
    .bind(i64::from(p.system_log_enabled))
    .bind(p.retention_days)
    .bind(now)
    .bind(changed_by)
    .execute(exec)
    .await?;
    Ok(())
}
