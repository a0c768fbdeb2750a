//! One person's stored month (the records the attendance task wrote). A member sees their own
//! records (those of the persons their log account names match); anyone else's need the
//! attendance view permission.

use chrono::NaiveDate;
use kinmu_attendance::{DailyRecord, HolidayKind};
use kinmu_shared::Permission;
use kinmu_shared::api::{DailyField, MonthTotals, Timesheet, TimesheetDay};
use kinmu_shared::messages::Text;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::people::{owns, person_key, stored_days_of};
use super::rule_settings;
use crate::accounts::Actor;
use crate::database::{Db, placeholders};
use crate::error::{Error, Result};

/// `name`'s stored records of `year`-`month`; `name` is a Kinmu login or a log user (with or
/// without domain); `None` is the actor.
pub async fn timesheet(db: &Db, actor: &Actor, name: Option<&str>, year: i32, month: u32) -> Result<Timesheet> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| {
        Error::invalid(
            "month",
            Text::new("month must be YYYY-MM, e.g. 2024-04", "年月は 2024-04 のように YYYY-MM の形で指定してください。"),
        )
    })?;
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("valid month");
    let (login_user, log_accounts, shown) = match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => {
            let id = actor.user_id().ok_or_else(|| {
                Error::invalid(
                    "user",
                    Text::new(
                        "user: name the person (a login or a log user)",
                        "ユーザーをログイン名かログのユーザー名で指定してください。",
                    ),
                )
            })?;
            let (accounts, display) = accounts_of_user(db, id).await?;
            (Some(id), accounts, display)
        }
        Some(n) => {
            let user: Option<(i64, String)> = sqlx::query_as("SELECT id, display_name FROM users WHERE login_key = $1")
                .bind(n.to_lowercase())
                .fetch_optional(&db.pool)
                .await?;
            match user {
                Some((id, _)) => {
                    let (accounts, display) = accounts_of_user(db, id).await?;
                    (Some(id), accounts, display)
                }
                None => {
                    let names = rule_settings::company_rules(db).await?.user_names;
                    (None, vec![person_key(n, &names)], n.to_string())
                }
            }
        }
    };
    // Whose records are these? A log user's records belong to the Kinmu user owning the name.
    let owner = match login_user {
        Some(id) => Some(id),
        None => {
            let owners: Vec<(String, i64)> =
                sqlx::query_as("SELECT account_key, user_id FROM user_log_accounts").fetch_all(&db.pool).await?;
            owners.into_iter().find(|(a, _)| owns(a, &log_accounts[0])).map(|(_, id)| id)
        }
    };
    if owner.is_none() || owner != actor.user_id() {
        actor.require(Permission::ViewAttendance)?;
    }
    let mut days = Vec::new();
    let mut persons: Vec<String> = Vec::new();
    let mut display = shown.clone();
    for row in stored_days_of(db, &log_accounts, first, last, &TIMESHEET_FIELDS).await? {
        let person: String = row.try_get(DailyField::PersonKey.key())?;
        if !persons.contains(&person) {
            persons.push(person);
        }
        if login_user.is_none() {
            display = row.try_get(DailyField::DisplayName.key())?;
        }
        days.push(stored_day(&row)?);
    }
    if login_user.is_none() && days.is_empty() {
        return Err(Error::NotFound(Text::new(
            format!(
                "no Kinmu user and no stored records named \"{shown}\": give a login or a log user, and check that the attendance task has run for {year}-{month:02}"
            ),
            format!(
                "「{shown}」という Kinmu のユーザーも、その名前で保存された記録もありません。ログイン名かログのユーザー名を指定し、{year}-{month:02} の勤怠計算が実行済みか確認してください。"
            ),
        )));
    }
    let totals = month_totals(db, &format!("{year:04}-{month:02}"), &persons).await?;
    Ok(Timesheet { month: format!("{year:04}-{month:02}"), name: display, log_users: persons, days, totals })
}

/// The stored fields a timesheet reads (by name: [`stored_day`]).
const TIMESHEET_FIELDS: [DailyField; 21] = {
    use DailyField::*;
    [
        PersonKey,
        DisplayName,
        WorkDate,
        HolidayKind,
        HolidayName,
        ClockInText,
        ClockOutText,
        ClockInAt,
        ClockOutAt,
        ActualWorkMinutes,
        NonScheduledWorkMinutes,
        OvertimeMinutes,
        LateNightMinutes,
        LateNightOvertimeMinutes,
        LateMinutes,
        EarlyLeaveMinutes,
        WorkIntervalMinutes,
        Absent,
        MissingClockIn,
        MissingClockOut,
        InProgress,
    ]
};

/// A stored day as the timesheet shows it.
fn stored_day(row: &AnyRow) -> Result<TimesheetDay> {
    use DailyField::*;
    let get = |f: DailyField| -> Result<i64> { Ok(row.try_get::<i64, _>(f.key())?) };
    let minutes = |f: DailyField| -> Result<u32> { Ok(u32::try_from(get(f)?).unwrap_or(0)) };
    let flag = |f: DailyField| -> Result<bool> { Ok(get(f)? != 0) };
    let holiday_kind: Option<String> = row.try_get(HolidayKind.key())?;
    let holiday_name: String = row.try_get(HolidayName.key())?;
    Ok(TimesheetDay {
        date: row.try_get(WorkDate.key())?,
        holiday: holiday_kind.map(|k| if k == "national" { holiday_name } else { k }),
        clock_in: row.try_get(ClockInText.key())?,
        clock_out: row.try_get(ClockOutText.key())?,
        clock_in_at: row.try_get(ClockInAt.key())?,
        clock_out_at: row.try_get(ClockOutAt.key())?,
        actual_work_minutes: minutes(ActualWorkMinutes)?,
        non_scheduled_work_minutes: minutes(NonScheduledWorkMinutes)?,
        overtime_minutes: minutes(OvertimeMinutes)?,
        late_night_minutes: minutes(LateNightMinutes)?,
        late_night_overtime_minutes: minutes(LateNightOvertimeMinutes)?,
        late_minutes: minutes(LateMinutes)?,
        early_leave_minutes: minutes(EarlyLeaveMinutes)?,
        work_interval_minutes: row.try_get(WorkIntervalMinutes.key())?,
        absent: flag(Absent)?,
        missing_clock_in: flag(MissingClockIn)?,
        missing_clock_out: flag(MissingClockOut)?,
        in_progress: flag(InProgress)?,
    })
}

/// The month's totals of `persons`: the sums of their monthly records, which the attendance
/// task totals from the same stored days.
async fn month_totals(db: &Db, month: &str, persons: &[String]) -> Result<MonthTotals> {
    if persons.is_empty() {
        return Ok(MonthTotals::default());
    }
    let sql = format!(
        "SELECT CAST(SUM(late_count) AS BIGINT), CAST(SUM(early_leave_count) AS BIGINT), CAST(SUM(actual_work_minutes) AS BIGINT), \
         CAST(SUM(non_scheduled_work_minutes) AS BIGINT), CAST(SUM(overtime_minutes) AS BIGINT), \
         CAST(SUM(late_night_minutes) AS BIGINT), CAST(SUM(late_night_overtime_minutes) AS BIGINT), \
         CAST(SUM(days_worked) AS BIGINT), CAST(SUM(holiday_days_worked) AS BIGINT), CAST(SUM(days_without_clock_in) AS BIGINT), \
         CAST(SUM(days_without_clock_out) AS BIGINT), CAST(SUM(absent_days) AS BIGINT) \
         FROM attendance_monthly WHERE month = $1 AND person_key IN ({})",
        placeholders(2, persons.len())
    );
    let mut q = sqlx::query(&sql).bind(month.to_string());
    for p in persons {
        q = q.bind(p.clone());
    }
    let row = q.fetch_one(&db.pool).await?;
    let sum = |i: usize| -> Result<u64> { Ok(row.try_get::<Option<i64>, _>(i)?.unwrap_or(0).max(0) as u64) };
    let count = |i: usize| -> Result<u32> { Ok(u32::try_from(sum(i)?).unwrap_or(u32::MAX)) };
    Ok(MonthTotals {
        late_count: count(0)?,
        early_leave_count: count(1)?,
        actual_work_minutes: sum(2)?,
        non_scheduled_work_minutes: sum(3)?,
        overtime_minutes: sum(4)?,
        late_night_minutes: sum(5)?,
        late_night_overtime_minutes: sum(6)?,
        days_worked: count(7)?,
        holiday_days_worked: count(8)?,
        days_without_clock_in: count(9)?,
        days_without_clock_out: count(10)?,
        absent_days: count(11)?,
    })
}

async fn accounts_of_user(db: &Db, id: i64) -> Result<(Vec<String>, String)> {
    let display: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| Error::NotFound(Text::new(format!("no user {id}"), format!("ユーザー {id} はいません。"))))?;
    let accounts: Vec<String> = sqlx::query_scalar("SELECT account_key FROM user_log_accounts WHERE user_id = $1 ORDER BY account_key")
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    Ok((accounts, display))
}

pub(crate) fn day_of(r: &DailyRecord) -> TimesheetDay {
    TimesheetDay {
        date: r.date.to_string(),
        holiday: r.holiday.as_ref().map(|h| match h {
            HolidayKind::Weekly(_) => "weekly".to_string(),
            HolidayKind::National(name) => name.clone(),
            HolidayKind::Company => "company".to_string(),
        }),
        clock_in: r.clock_in.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
        clock_out: r.clock_out.as_ref().map(|c| c.text.clone()).unwrap_or_default(),
        clock_in_at: r.clock_in.as_ref().map(|c| c.time.timestamp()),
        clock_out_at: r.clock_out.as_ref().map(|c| c.time.timestamp()),
        actual_work_minutes: r.actual_work_minutes,
        non_scheduled_work_minutes: r.non_scheduled_work_minutes,
        overtime_minutes: r.overtime_minutes,
        late_night_minutes: r.late_night_minutes,
        late_night_overtime_minutes: r.late_night_overtime_minutes,
        late_minutes: r.late_minutes,
        early_leave_minutes: r.early_leave_minutes,
        work_interval_minutes: r.work_interval_minutes,
        absent: r.absent,
        missing_clock_in: r.missing_clock_in,
        missing_clock_out: r.missing_clock_out,
        in_progress: r.in_progress,
    }
}
