//! A person's attended work per day, from the stored attendance records (`attendance_daily`,
//! its columns named by [`DailyField`]): the records of every log account the user owns, a day
//! with several (two accounts) summed, its clock-in the earliest and its clock-out the latest. A
//! user without log accounts has no PC records: their effort is compared with nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kinmu_shared::api::{DailyField, DayAttendance};
use sqlx::Row;

use crate::attendance::people::stored_days_of;
use crate::database::Db;
use crate::error::Result;

const FIELDS: [DailyField; 7] = [
    DailyField::WorkDate,
    DailyField::PersonKey,
    DailyField::ClockInText,
    DailyField::ClockOutText,
    DailyField::ClockInAt,
    DailyField::ClockOutAt,
    DailyField::ActualWorkMinutes,
];

/// `user_id`'s attended days from `first` to `last`, by date; None when the user has no log
/// account, so that no PC record can speak for or against their effort.
pub async fn days(db: &Db, user_id: i64, first: NaiveDate, last: NaiveDate) -> Result<Option<BTreeMap<NaiveDate, DayAttendance>>> {
    let log_accounts: Vec<String> =
        sqlx::query_scalar("SELECT account_key FROM user_log_accounts WHERE user_id = $1").bind(user_id).fetch_all(&db.pool).await?;
    if log_accounts.is_empty() {
        return Ok(None);
    }
    let mut out = BTreeMap::new();
    for row in stored_days_of(db, &log_accounts, first, last, &FIELDS).await? {
        let date: String = row.try_get(DailyField::WorkDate.key())?;
        let Ok(date) = date.parse::<NaiveDate>() else { continue };
        let day = DayAttendance {
            clock_in_text: row.try_get(DailyField::ClockInText.key())?,
            clock_out_text: row.try_get(DailyField::ClockOutText.key())?,
            clock_in_at: row.try_get(DailyField::ClockInAt.key())?,
            clock_out_at: row.try_get(DailyField::ClockOutAt.key())?,
            actual_work_minutes: row.try_get(DailyField::ActualWorkMinutes.key())?,
        };
        out.entry(date).and_modify(|d: &mut DayAttendance| merge(d, &day)).or_insert(day);
    }
    Ok(Some(out))
}

/// Two records of one day (two log accounts) as one.
fn merge(into: &mut DayAttendance, other: &DayAttendance) {
    into.actual_work_minutes += other.actual_work_minutes;
    if other.clock_in_at.is_some() && (into.clock_in_at.is_none() || other.clock_in_at < into.clock_in_at) {
        into.clock_in_at = other.clock_in_at;
        into.clock_in_text = other.clock_in_text.clone();
    }
    if other.clock_out_at > into.clock_out_at {
        into.clock_out_at = other.clock_out_at;
        into.clock_out_text = other.clock_out_text.clone();
    }
}
