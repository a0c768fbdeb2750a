//! One person's stored month (the records the attendance task wrote). A member sees their own
//! records (those of the persons their log account names match); anyone else's need the
//! attendance view permission.

use chrono::NaiveDate;
use kinmu_attendance::{DailyRecord, HolidayKind, compute_month};
use kinmu_shared::Permission;
use kinmu_shared::api::{MonthTotals, Timesheet, TimesheetDay};

use super::people::{account_of, owns, person_key};
use super::rule_settings;
use crate::accounts::Actor;
use crate::database::{Db, placeholders};
use crate::error::{Error, Result};

/// `name`'s stored records of `year`-`month`; `name` is a Kinmu login or a log user (with or
/// without domain); `None` is the actor.
pub async fn timesheet(db: &Db, actor: &Actor, name: Option<&str>, year: i32, month: u32) -> Result<Timesheet> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .ok_or_else(|| Error::invalid("month", "month must be YYYY-MM, e.g. 2024-04"))?;
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("valid month");
    let (login_user, log_accounts, shown) = match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => {
            let id = actor.user_id().ok_or_else(|| Error::invalid("user", "user: name the person (a login or a log user)"))?;
            let (accounts, display) = accounts_of_user(db, id).await?;
            (Some(id), accounts, display)
        }
        Some(n) => {
            let user: Option<(i64, String)> =
                sqlx::query_as("SELECT id, display_name FROM users WHERE login_key = $1")
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
            let owners: Vec<(String, i64)> = sqlx::query_as("SELECT account_key, user_id FROM user_log_accounts")
                .fetch_all(&db.pool)
                .await?;
            owners.into_iter().find(|(a, _)| owns(a, &log_accounts[0])).map(|(_, id)| id)
        }
    };
    if owner.is_none() || owner != actor.user_id() {
        actor.require(Permission::ViewAttendance)?;
    }
    let mut accounts: Vec<String> = log_accounts.iter().map(|a| account_of(a)).collect();
    accounts.sort();
    accounts.dedup();
    let mut days = Vec::new();
    let mut records: Vec<DailyRecord> = Vec::new();
    let mut persons: Vec<String> = Vec::new();
    let mut display = shown.clone();
    if !accounts.is_empty() {
        let sql = format!(
            "SELECT person_key, display_name, record FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2 \
             AND account IN ({}) ORDER BY work_date, person_key",
            placeholders(3, accounts.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql).bind(first.to_string()).bind(last.to_string());
        for a in &accounts {
            q = q.bind(a.clone());
        }
        for (person, shown_name, json) in q.fetch_all(&db.pool).await? {
            if !log_accounts.iter().any(|a| owns(a, &person)) {
                continue;
            }
            let r: DailyRecord = serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("a stored daily record cannot be read ({e}): rebuild the month")))?;
            if !persons.contains(&person) {
                persons.push(person);
            }
            if login_user.is_none() {
                display = shown_name;
            }
            days.push(day_of(&r));
            records.push(r);
        }
    }
    if login_user.is_none() && records.is_empty() {
        return Err(Error::NotFound(format!(
            "no Kinmu user and no stored records named {shown:?}: give a login or a log user, and check that the attendance task has run for {year}-{month:02}"
        )));
    }
    let mut totals = MonthTotals::default();
    for p in &persons {
        let m = compute_month(p, year, month, &records);
        totals.late_count += m.late_count;
        totals.early_leave_count += m.early_leave_count;
        totals.actual_work_minutes += m.actual_work_minutes;
        totals.non_scheduled_work_minutes += m.non_scheduled_work_minutes;
        totals.overtime_minutes += m.overtime_minutes;
        totals.late_night_minutes += m.late_night_minutes;
        totals.late_night_overtime_minutes += m.late_night_overtime_minutes;
        totals.days_worked += m.days_worked;
        totals.holiday_days_worked += m.holiday_days_worked;
        totals.days_without_clock_in += m.days_without_clock_in;
        totals.days_without_clock_out += m.days_without_clock_out;
        totals.absent_days += m.absent_days;
    }
    Ok(Timesheet { month: format!("{year:04}-{month:02}"), name: display, log_users: persons, days, totals })
}

async fn accounts_of_user(db: &Db, id: i64) -> Result<(Vec<String>, String)> {
    let display: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user {id}")))?;
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
