//! The first-run setup: organisation, administrator, default language and time zone. It runs
//! once; the marker it writes makes a second run fail with `SetupDone`, even when two browsers
//! submit the wizard at the same moment.

use kinmu_shared::api::SetupRequest;
use kinmu_shared::attendance_rules::AttendanceRules;
use kinmu_shared::messages::Text;
use kinmu_shared::permissions::BuiltinRole;
use kinmu_shared::validation;

use super::{organizations, passwords, roles, system_settings};
use crate::database::Db;
use crate::error::{Error, Result, is_unique_violation};

pub async fn needs_setup(db: &Db) -> Result<bool> {
    Ok(system_settings::get_value(&db.pool, system_settings::SETUP_COMPLETED_AT).await?.is_none())
}

pub fn validate(req: &SetupRequest) -> Result<()> {
    validation::required_text("organization_name", &req.organization_name, validation::NAME_MAX)?;
    if req.organization_name.contains('/') {
        return Err(Error::invalid(
            "organization_name",
            Text::new("organization_name must not contain \"/\"", "組織名に「/」は使えません。"),
        ));
    }
    validation::login(&req.admin_login)
        .map_err(|e| Error::invalid("admin_login", e.message.with_en(e.message.replacen("login", "admin_login", 1))))?;
    validation::display_name(&req.admin_display_name).map_err(|e| {
        Error::invalid("admin_display_name", e.message.with_en(e.message.replacen("display_name", "admin_display_name", 1)))
    })?;
    super::passwords::check_new("admin_password", &req.admin_password, &req.admin_login, Some(&req.admin_display_name))?;
    crate::time_zones::check("time_zone", &req.time_zone)?;
    Ok(())
}

/// Runs the setup and returns the administrator's user id.
pub async fn run(db: &Db, req: &SetupRequest, now: i64) -> Result<i64> {
    validate(req)?;
    if !needs_setup(db).await? {
        return Err(Error::SetupDone);
    }
    let hash = passwords::hash_blocking(req.admin_password.clone()).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
        .bind(system_settings::SETUP_COMPLETED_AT)
        .bind(now.to_string())
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { Error::SetupDone } else { e.into() })?;
    system_settings::put_value(&mut *tx, system_settings::ORGANIZATION_NAME, req.organization_name.trim()).await?;
    system_settings::put_value(&mut *tx, system_settings::DEFAULT_LANGUAGE, req.default_language.code()).await?;
    system_settings::put_value(&mut *tx, system_settings::TIME_ZONE, req.time_zone.trim()).await?;
    system_settings::put_value(&mut *tx, system_settings::SESSION_IDLE_MINUTES, &system_settings::DEFAULT_SESSION_IDLE_MINUTES.to_string())
        .await?;
    roles::create_builtins(&mut tx, now).await?;
    let admin_role: i64 =
        sqlx::query_scalar("SELECT id FROM roles WHERE builtin = $1").bind(BuiltinRole::Administrator.key()).fetch_one(&mut *tx).await?;
    let org_id = organizations::insert(&mut *tx, req.organization_name.trim(), None, now).await?;
    let admin_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (login, login_key, display_name, email, organization_id, role_id, active, language, time_zone, \
         password_hash, created_at, updated_at) VALUES ($1, $2, $3, NULL, $4, $5, 1, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(req.admin_login.trim())
    .bind(req.admin_login.trim().to_lowercase())
    .bind(req.admin_display_name.trim())
    .bind(org_id)
    .bind(admin_role)
    .bind(req.default_language.code())
    .bind(req.time_zone.trim())
    .bind(hash)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // The company's rules are the defaults in the zone chosen here until an administrator saves some.
    let zone = AttendanceRules { time_zone: crate::time_zones::check("time_zone", &req.time_zone)?, ..Default::default() };
    super::role_history::hold(&mut tx, admin_id, admin_role, super::role_history::change_day(now, &zone)).await?;
    tx.commit().await?;
    tracing::info!(admin = %req.admin_login.trim(), "setup completed");
    Ok(admin_id)
}
