//! The effort settings: the period unit, the gap threshold and how many future days take effort.
//! The company's row (no organisation) applies to everyone.

use kinmu_shared::Permission;
use kinmu_shared::api::EffortSettings;
use kinmu_shared::effort::PeriodUnit;
use kinmu_shared::messages::Text;

use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

/// The company's settings (readable by anyone logged in: the UI needs the period unit).
pub async fn get(db: &Db) -> Result<EffortSettings> {
    let row: Option<(String, i64, i64)> =
        sqlx::query_as("SELECT period_unit, gap_threshold_minutes, future_days_allowed FROM effort_settings WHERE organization_id IS NULL")
            .fetch_optional(&db.pool)
            .await?;
    Ok(match row {
        Some((unit, threshold, future)) => EffortSettings {
            period_unit: PeriodUnit::from_key(&unit).unwrap_or_default(),
            gap_threshold_minutes: threshold,
            future_days_allowed: future,
        },
        None => EffortSettings::default(),
    })
}

pub async fn save(db: &Db, actor: &Actor, s: EffortSettings) -> Result<EffortSettings> {
    actor.require(Permission::ManageSettings)?;
    if !(0..=24 * 60).contains(&s.gap_threshold_minutes) {
        return Err(Error::invalid(
            "gap_threshold_minutes",
            Text::new("gap_threshold_minutes must be from 0 to 1440 minutes", "乖離の基準は 0〜1440 分にしてください。"),
        ));
    }
    if !(0..=366).contains(&s.future_days_allowed) {
        return Err(Error::invalid(
            "future_days_allowed",
            Text::new("future_days_allowed must be from 0 to 366 days", "未来日の入力は 0〜366 日にしてください。"),
        ));
    }
    let n = sqlx::query(
        "UPDATE effort_settings SET period_unit = $1, gap_threshold_minutes = $2, future_days_allowed = $3 WHERE organization_id IS NULL",
    )
    .bind(s.period_unit.key())
    .bind(s.gap_threshold_minutes)
    .bind(s.future_days_allowed)
    .execute(&db.pool)
    .await?
    .rows_affected();
    if n == 0 {
        sqlx::query("INSERT INTO effort_settings (organization_id, period_unit, gap_threshold_minutes, future_days_allowed) VALUES (NULL, $1, $2, $3)")
            .bind(s.period_unit.key())
            .bind(s.gap_threshold_minutes)
            .bind(s.future_days_allowed)
            .execute(&db.pool)
            .await?;
    }
    get(db).await
}
