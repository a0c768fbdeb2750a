//! The 36-agreement check and the month's calendar per person, for the console: each
//! person's overtime and holiday work by month from the stored daily records, checked with
//! `kinmu_shared::agreement36`, and the days that break the break rule.

use kinmu_shared::messages::Text;
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use kinmu_shared::agreement36::{self, MonthWork};
use kinmu_shared::api::{AgreementLevel, AgreementLimits, AgreementReport, AgreementStatus, HeatDay};

use super::reports::request::scope;
use crate::accounts::{Actor, system_settings};
use crate::database::Db;
use crate::error::{Error, Result};

pub const LIMITS_KEY: &str = "attendance.agreement";

pub async fn limits(db: &Db) -> Result<AgreementLimits> {
    match system_settings::get_value(&db.pool, LIMITS_KEY).await? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Error::Internal(format!("the stored 36-agreement limits cannot be read ({e}): save them again"))),
        None => Ok(AgreementLimits::default()),
    }
}

pub fn validate_limits(l: &AgreementLimits) -> Result<()> {
    let positive = [
        ("monthly_overtime_hours", l.monthly_overtime_hours),
        ("yearly_overtime_hours", l.yearly_overtime_hours),
        ("special_yearly_overtime_hours", l.special_yearly_overtime_hours),
        ("special_monthly_total_hours", l.special_monthly_total_hours),
        ("special_average_hours", l.special_average_hours),
    ];
    for (field, v) in positive {
        if v == 0 || v > 8760 {
            return Err(Error::invalid(
                field,
                Text::new(format!("{field} must be between 1 and 8760 hours"), "36協定の上限時間は1時間から8760時間までにしてください。"),
            ));
        }
    }
    if l.special_months_over > 12 {
        return Err(Error::invalid(
            "special_months_over",
            Text::new("special_months_over must be between 0 and 12", "特別条項で上限を超えられる月数は0から12までにしてください。"),
        ));
    }
    if !(1..=100).contains(&l.warn_percent) {
        return Err(Error::invalid(
            "warn_percent",
            Text::new("warn_percent must be between 1 and 100", "警告する割合は1%から100%までにしてください。"),
        ));
    }
    if !(1..=12).contains(&l.year_start_month) {
        return Err(Error::invalid(
            "year_start_month",
            Text::new("year_start_month must be a month, 1 to 12", "協定年度の開始月は1から12までにしてください。"),
        ));
    }
    Ok(())
}

pub async fn save_limits(db: &Db, actor: &Actor, l: AgreementLimits) -> Result<AgreementLimits> {
    actor.require(kinmu_shared::Permission::ManageSettings)?;
    validate_limits(&l)?;
    let text = serde_json::to_string(&l).map_err(|e| Error::Internal(e.to_string()))?;
    system_settings::put_value(&db.pool, LIMITS_KEY, &text).await?;
    Ok(l)
}

/// Every visible person's status for `year`-`month`, worst first; `user` narrows it as the
/// console's user filter narrows its tables.
pub async fn report(
    db: &Db,
    actor: &Actor,
    year: i32,
    month: u32,
    organization_id: Option<i64>,
    user: Option<&str>,
) -> Result<AgreementReport> {
    let limits = limits(db).await?;
    let scope = scope(db, actor, organization_id, user, None).await?;
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .ok_or_else(|| Error::invalid("month", Text::new("month must be YYYY-MM", "月は YYYY-MM の形で指定してください。")))?;
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("valid month");
    // The agreement year up to this month (at most 11 months back) covers the five months
    // the averages need.
    let from = first.checked_sub_months(chrono::Months::new(11)).expect("valid month");
    let months: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT person_key, SUBSTR(work_date, 1, 7), \
         CAST(SUM(CASE WHEN holiday = 0 THEN overtime_minutes ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN holiday = 1 THEN actual_work_minutes ELSE 0 END) AS BIGINT) \
         FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2 GROUP BY person_key, SUBSTR(work_date, 1, 7)",
    )
    .bind(from.to_string())
    .bind(last.to_string())
    .fetch_all(&db.pool)
    .await?;
    let mut history: HashMap<String, Vec<MonthWork>> = HashMap::new();
    for (person, ym, overtime_minutes, holiday_work_minutes) in months {
        if !scope.admits(&person) {
            continue;
        }
        let (y, m) = ym.split_once('-').unwrap_or(("0", "0"));
        history.entry(person).or_default().push(MonthWork {
            year: y.parse().unwrap_or(0),
            month: m.parse().unwrap_or(0),
            overtime_minutes,
            holiday_work_minutes,
        });
    }
    type DayRow = (String, String, String, i64, i64, i64, Option<i64>, Option<i64>);
    let days: Vec<DayRow> = sqlx::query_as(
        "SELECT person_key, display_name, work_date, actual_work_minutes, overtime_minutes, holiday, clock_in_at, clock_out_at \
         FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2 ORDER BY person_key, work_date",
    )
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_all(&db.pool)
    .await?;
    let mut people: BTreeMap<String, AgreementStatus> = BTreeMap::new();
    for (person, name, date, work, overtime, holiday, clock_in, clock_out) in days {
        if !scope.admits(&person) {
            continue;
        }
        let status = people.entry(person.clone()).or_insert_with(|| {
            let checks = agreement36::check(&limits, year, month, history.get(&person).map(Vec::as_slice).unwrap_or(&[]));
            AgreementStatus {
                person: person.clone(),
                name: name.clone(),
                user_id: scope.user_id(&person),
                overtime_minutes: 0,
                level: checks.iter().map(|c| c.level).max().unwrap_or(AgreementLevel::Ok),
                checks,
                break_rule_days: Vec::new(),
                days: Vec::new(),
            }
        });
        status.overtime_minutes += if holiday == 0 { overtime } else { 0 };
        if let (Some(i), Some(o)) = (clock_in, clock_out)
            && agreement36::breaks_rule((o - i) / 60, work)
        {
            status.break_rule_days.push(date.clone());
        }
        status.days.push(HeatDay { date, actual_work_minutes: work, overtime_minutes: overtime, holiday: holiday != 0 });
    }
    let mut people: Vec<AgreementStatus> = people.into_values().collect();
    people.sort_by(|a, b| b.level.cmp(&a.level).then(b.overtime_minutes.cmp(&a.overtime_minutes)).then(a.name.cmp(&b.name)));
    Ok(AgreementReport { month: format!("{year:04}-{month:02}"), limits, people })
}
