//! Retention (manual 8.3.7): the maintenance step after each attendance task deletes daily and
//! per-terminal records, monthly records and (through [`crate::pc_logs::events`]) raw events
//! older than the settings say (0 keeps them for ever).

use chrono::{Datelike, Duration, NaiveDate};
use kinmu_shared::api::RetentionSettings;

use crate::database::Db;
use crate::error::Result;

/// What one maintenance pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub daily: u64,
    pub terminals: u64,
    pub monthly: u64,
    pub events: u64,
}

impl Removed {
    pub fn any(&self) -> bool {
        self.daily + self.terminals + self.monthly + self.events > 0
    }
}

/// Deletes what is older than the retention allows, counted back from `today`.
pub async fn apply(db: &Db, r: &RetentionSettings, today: NaiveDate) -> Result<Removed> {
    let mut removed = Removed::default();
    if r.daily_days > 0 {
        let keep_from = (today - Duration::days(i64::from(r.daily_days))).to_string();
        removed.daily =
            sqlx::query("DELETE FROM attendance_daily WHERE work_date < $1").bind(&keep_from).execute(&db.pool).await?.rows_affected();
        removed.terminals =
            sqlx::query("DELETE FROM attendance_terminals WHERE work_date < $1").bind(&keep_from).execute(&db.pool).await?.rows_affected();
    }
    if r.monthly_months > 0 {
        let months = today.year() * 12 + today.month0() as i32 - r.monthly_months as i32;
        let keep_from = format!("{:04}-{:02}", months.div_euclid(12), months.rem_euclid(12) + 1);
        removed.monthly =
            sqlx::query("DELETE FROM attendance_monthly WHERE month < $1").bind(keep_from).execute(&db.pool).await?.rows_affected();
    }
    if r.events_days > 0 {
        removed.events = crate::pc_logs::events::delete_older_than(db, today, r.events_days).await?;
    }
    Ok(removed)
}
