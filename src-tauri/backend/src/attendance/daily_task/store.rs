//! Writing the computed days (one transaction a day) and totalling the months touched.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::NaiveDate;
use kinmu_attendance::{HolidayKind, TerminalRecord};
use kinmu_shared::api::DailyField;

use crate::attendance::people::account_of;
use crate::config::DatabaseKind;
use crate::database::sqlite_rows;
use crate::database::{Db, Native, Value, positional_placeholders, postgres_copy};
use crate::error::Result;

use super::*;

/// The columns of a stored day, named once.
static DAILY_COLUMNS: LazyLock<String> = LazyLock::new(|| DailyField::list(&DailyField::ALL));

pub(super) const TERMINAL_COLUMNS: &str = "work_date, person_key, terminal, account, display_name, first_logon_at, last_logoff_at, run_id";

/// How many columns a stored day ([`DailyField::ALL`]) and [`TERMINAL_COLUMNS`] have.
pub(super) const DAILY_COLUMN_COUNT: usize = DailyField::ALL.len();
pub(super) const TERMINAL_COLUMN_COUNT: usize = 8;

/// The columns of a person's stored day, in the order of [`DailyField::ALL`].
pub(super) fn daily_values<'a>(day: &'a str, p: &'a PersonDay, run_id: i64) -> [Value<'a>; DAILY_COLUMN_COUNT] {
    let r = &p.record;
    let (kind, name) = r.holiday.as_ref().map_or((None, ""), |h| {
        let (kind, name) = holiday_kind(h);
        (Some(kind), name)
    });
    DailyField::ALL.map(|f| {
        let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
        let flag = |b: bool| Value::Int(i64::from(b));
        let minutes = |m: u32| Value::Int(i64::from(m));
        match f {
            DailyField::WorkDate => Value::Text(day),
            DailyField::PersonKey => Value::Text(&r.user),
            DailyField::Account => Value::Text(&p.account),
            DailyField::DisplayName => Value::Text(&p.display_name),
            DailyField::OrganizationId => int(p.organization_id),
            DailyField::Holiday => flag(r.holiday.is_some()),
            DailyField::Worked => flag(r.worked()),
            DailyField::Absent => flag(r.absent),
            DailyField::MissingClockIn => flag(r.missing_clock_in),
            DailyField::MissingClockOut => flag(r.missing_clock_out),
            DailyField::InProgress => flag(r.in_progress),
            DailyField::HolidayKind => kind.map_or(Value::Null, Value::Text),
            DailyField::HolidayName => Value::Text(name),
            DailyField::LogonAt => int(r.logon.map(|t| t.timestamp())),
            DailyField::LogoffAt => int(r.logoff.map(|t| t.timestamp())),
            DailyField::ClockInAt => int(r.clock_in.as_ref().map(|c| c.time.timestamp())),
            DailyField::ClockOutAt => int(r.clock_out.as_ref().map(|c| c.time.timestamp())),
            DailyField::ClockInText => Value::Text(r.clock_in.as_ref().map_or("", |c| c.text.as_str())),
            DailyField::ClockOutText => Value::Text(r.clock_out.as_ref().map_or("", |c| c.text.as_str())),
            DailyField::WorkIntervalMinutes => int(r.work_interval_minutes),
            DailyField::ActualWorkMinutes => minutes(r.actual_work_minutes),
            DailyField::NonScheduledWorkMinutes => minutes(r.non_scheduled_work_minutes),
            DailyField::OvertimeMinutes => minutes(r.overtime_minutes),
            DailyField::RegularOvertimeMinutes => minutes(r.regular_overtime_minutes),
            DailyField::LateNightMinutes => minutes(r.late_night_minutes),
            DailyField::LateNightOvertimeMinutes => minutes(r.late_night_overtime_minutes),
            DailyField::LateMinutes => minutes(r.late_minutes),
            DailyField::EarlyLeaveMinutes => minutes(r.early_leave_minutes),
            DailyField::RunId => Value::Int(run_id),
        }
    })
}

/// The columns of a stored per-terminal record, in the order of [`TERMINAL_COLUMNS`].
pub(super) fn terminal_values<'a>(
    day: &'a str,
    t: &'a TerminalRecord,
    account: &'a str,
    name: &'a str,
    run_id: i64,
) -> [Value<'a>; TERMINAL_COLUMN_COUNT] {
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
    [
        Value::Text(day),
        Value::Text(&t.user),
        Value::Text(&t.terminal),
        Value::Text(account),
        Value::Text(name),
        int(t.first_logon.map(|t| t.timestamp())),
        int(t.last_logoff.map(|t| t.timestamp())),
        Value::Int(run_id),
    ]
}

/// Replaces `date`'s stored records with the computed ones (taken out of `computed`), in one
/// transaction: on SQLite through statements prepared once on a lent connection, on PostgreSQL
/// through `COPY … FROM STDIN`.
pub(super) async fn store_day(db: &Db, run_id: i64, date: NaiveDate, computed: &mut Computed) -> Result<usize> {
    let day = date.to_string();
    let rows = computed.daily.remove(&date).unwrap_or_default();
    let terminals = computed.terminals.remove(&date).unwrap_or_default();
    let count = rows.len();
    let daily_columns: &str = &DAILY_COLUMNS;
    // A terminal row shows the person's name as their daily row does.
    let names: HashMap<&str, &str> = rows.iter().map(|p| (p.record.user.as_str(), p.display_name.as_str())).collect();
    let terminal_rows: Vec<(String, String)> = terminals
        .iter()
        .map(|t| (account_of(&t.user), names.get(t.user.as_str()).copied().unwrap_or(t.user.as_str()).to_string()))
        .collect();
    drop(names);
    let pool = match db.native() {
        Native::Postgres(pool) => pool,
        Native::Sqlite(pool) => {
            return sqlite_rows::with_connection(pool, move |c| {
                c.execute("BEGIN IMMEDIATE")?;
                c.prepare("DELETE FROM attendance_daily WHERE work_date = ?1")?.execute(&[Value::Text(&day)])?;
                c.prepare("DELETE FROM attendance_terminals WHERE work_date = ?1")?.execute(&[Value::Text(&day)])?;
                let mut insert = c.prepare(&format!(
                    "INSERT INTO attendance_daily ({daily_columns}) VALUES ({})",
                    positional_placeholders(DatabaseKind::Sqlite, 1, DAILY_COLUMN_COUNT)
                ))?;
                for p in &rows {
                    insert.execute(&daily_values(&day, p, run_id))?;
                }
                drop(insert);
                let mut insert = c.prepare(&format!(
                    "INSERT INTO attendance_terminals ({TERMINAL_COLUMNS}) VALUES ({}) ON CONFLICT DO NOTHING",
                    positional_placeholders(DatabaseKind::Sqlite, 1, TERMINAL_COLUMN_COUNT)
                ))?;
                for (t, (account, name)) in terminals.iter().zip(&terminal_rows) {
                    insert.execute(&terminal_values(&day, t, account, name, run_id))?;
                }
                drop(insert);
                c.execute("COMMIT")?;
                Ok(count)
            })
            .await;
        }
    };
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM attendance_daily WHERE work_date = $1").bind(&day).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM attendance_terminals WHERE work_date = $1").bind(&day).execute(&mut *tx).await?;
    let mut copy = tx.copy_in_raw(&format!("COPY attendance_daily ({daily_columns}) FROM STDIN")).await?;
    let mut out = postgres_copy::CopyRows::new();
    for p in &rows {
        out.row(&daily_values(&day, p, run_id), &mut copy).await?;
    }
    out.finish(copy).await?;
    // COPY has no ON CONFLICT: a person's terminal is stored once, the first (as the SQLite
    // store's `ON CONFLICT DO NOTHING` keeps it).
    let mut stored: HashSet<(&str, &str)> = HashSet::with_capacity(terminals.len());
    let mut copy = tx.copy_in_raw(&format!("COPY attendance_terminals ({TERMINAL_COLUMNS}) FROM STDIN")).await?;
    let mut out = postgres_copy::CopyRows::new();
    for (t, (account, name)) in terminals.iter().zip(&terminal_rows) {
        if !stored.insert((t.user.as_str(), t.terminal.as_str())) {
            continue;
        }
        out.row(&terminal_values(&day, t, account, name, run_id), &mut copy).await?;
    }
    out.finish(copy).await?;
    tx.commit().await?;
    Ok(count)
}

/// A holiday's kind and name as stored (`weekly`, `national` with its name, `company`).
pub(super) fn holiday_kind(h: &HolidayKind) -> (&'static str, &str) {
    match h {
        HolidayKind::Weekly(_) => ("weekly", ""),
        HolidayKind::National(name) => ("national", name.as_str()),
        HolidayKind::Company => ("company", ""),
    }
}

/// Recomputes the monthly records of `year`-`month` from the stored daily records.
pub(super) async fn total_month(db: &Db, run_id: i64, year: i32, month: u32) -> Result<()> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("valid month");
    let key = format!("{year:04}-{month:02}");
    // The monthly table has a column of the same name for each of a day's durations.
    let sums = DailyField::list(&DailyField::DURATIONS);
    let summed = DailyField::DURATIONS.iter().map(|f| format!("SUM({})", f.key())).collect::<Vec<_>>().join(", ");
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM attendance_monthly WHERE month = $1").bind(&key).execute(&mut *tx).await?;
    sqlx::query(&format!(
        "INSERT INTO attendance_monthly (month, person_key, account, display_name, organization_id, late_count, early_leave_count, \
         {sums}, days_worked, holiday_days_worked, days_without_clock_in, days_without_clock_out, absent_days, run_id) \
         SELECT $1, person_key, MAX(account), MAX(display_name), MAX(organization_id), \
         SUM(CASE WHEN late_minutes > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN early_leave_minutes > 0 THEN 1 ELSE 0 END), \
         {summed}, SUM(worked), SUM(worked * holiday), SUM(missing_clock_in), SUM(missing_clock_out), SUM(absent), $2 \
         FROM attendance_daily WHERE work_date >= $3 AND work_date <= $4 GROUP BY person_key"
    ))
    .bind(&key)
    .bind(run_id)
    .bind(first.to_string())
    .bind(last.to_string())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
