//! The stored events: what is kept, and for how long.

use chrono::{Duration, NaiveDate};

use crate::database::Db;
use crate::error::Result;

/// Deletes the events older than `days` days before `today`; returns how many. The horizon is a
/// day earlier, at UTC midnight, so that a day in any time zone is kept whole.
pub async fn delete_older_than(db: &Db, today: NaiveDate, days: u32) -> Result<u64> {
    let micros = horizon(today, days);
    Ok(sqlx::query("DELETE FROM attendance_events WHERE occurred_at < $1").bind(micros).execute(&db.pool).await?.rows_affected())
}

/// The first instant (µs since the epoch) whose events a retention of `days` days keeps on
/// `today`; `None` when `days` is 0 (kept for ever).
pub fn retention_start(today: NaiveDate, days: u32) -> Option<i64> {
    (days > 0).then(|| horizon(today, days))
}

fn horizon(today: NaiveDate, days: u32) -> i64 {
    let horizon = today - Duration::days(i64::from(days) + 1);
    horizon.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_micros()
}
