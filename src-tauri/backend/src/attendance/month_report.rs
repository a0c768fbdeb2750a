//! One person's month computed on the fly by the engine from the stored events, under the rules
//! in force for the person's organisation (the company's, or its override).

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use kinmu_attendance::{AttendanceRules, DailyRecord, HolidayCalendar, MonthlyRecord, compute_month, compute_user_days};

use crate::database::Db;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{given:?} is not a month: write YYYY-MM with a year from 1900 to 2999, e.g. 2024-04")]
    InvalidMonth { given: String },
    #[error(
        "no Kinmu user and no imported log user named \"{name}\": give a login, a log account (DOMAIN\\account) or an account without its domain"
    )]
    UnknownUser { name: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Settings(#[from] crate::error::Error),
}

/// A month of one person's attendance.
#[derive(Debug, Clone)]
pub struct MonthReport {
    /// The name asked for (a Kinmu login or a log user).
    pub user: String,
    /// The log users (as stored, lower-case) whose events were used.
    pub log_users: Vec<String>,
    pub days: Vec<DailyRecord>,
    pub total: MonthlyRecord,
}

/// The log-user keys `name` stands for: a Kinmu login's log accounts, or `name` itself (a log
/// user with or without its domain).
async fn log_keys(db: &Db, name: &str) -> Result<Vec<String>, ReportError> {
    let login_accounts: Vec<String> = sqlx::query_scalar(
        "SELECT l.account_key FROM user_log_accounts l JOIN users u ON u.id = l.user_id WHERE LOWER(u.login) = $1 ORDER BY l.account_key",
    )
    .bind(name.trim().to_lowercase())
    .fetch_all(&db.pool)
    .await?;
    if !login_accounts.is_empty() {
        return Ok(login_accounts);
    }
    Ok(vec![kinmu_shared::validation::normalize_log_account(name)])
}

/// `user_key = k OR user_key LIKE '%\k'` for each key, from placeholder `first` on.
fn key_condition(keys: &[String], first: usize) -> (String, Vec<String>) {
    let mut parts = Vec::new();
    let mut binds = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let n = first + 2 * i;
        parts.push(format!("user_key = ${n} OR user_key LIKE ${} ESCAPE '!'", n + 1));
        binds.push(k.clone());
        let escaped: String = k.chars().flat_map(|c| if matches!(c, '!' | '%' | '_') { vec!['!', c] } else { vec![c] }).collect();
        binds.push(if k.contains('\\') { escaped } else { format!("%\\{escaped}") });
    }
    (parts.join(" OR "), binds)
}

/// Computes `name`'s days and total for `year`-`month` at `now` (seconds since the epoch).
pub async fn month_report(db: &Db, name: &str, year: i32, month: u32, now: i64) -> Result<MonthReport, ReportError> {
    let invalid = || ReportError::InvalidMonth { given: format!("{year}-{month:02}") };
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(invalid)?;
    let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
        .ok_or_else(invalid)?;
    let last = next.pred_opt().ok_or_else(invalid)?;
    let keys = log_keys(db, name).await?;
    // Two days of margin either side: time zones, the day boundary and the first work interval.
    let micros = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp_micros();
    let from = micros(first - chrono::Duration::days(2));
    let to = micros(next + chrono::Duration::days(2));
    let (condition, binds) = key_condition(&keys, 3);
    let sql = format!(
        "SELECT user_key, occurred_at, log_user, host, target, operation, detail, position FROM attendance_events \
         WHERE occurred_at >= $1 AND occurred_at < $2 AND ({condition}) ORDER BY occurred_at"
    );
    let mut query = sqlx::query_as::<_, (String, i64, String, String, String, String, String, i64)>(&sql).bind(from).bind(to);
    for b in &binds {
        query = query.bind(b.clone());
    }
    let rows = query.fetch_all(&db.pool).await?;
    let known: i64 = {
        let sql = format!("SELECT COUNT(*) FROM attendance_events WHERE {}", key_condition(&keys, 1).0);
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        q.fetch_one(&db.pool).await?
    };
    let file: Arc<str> = Arc::from("attendance_events");
    let mut log_users: Vec<String> = Vec::new();
    let mut events = Vec::with_capacity(rows.len());
    for (key, at, user, host, target, operation, detail, position) in rows {
        if !log_users.contains(&key) {
            log_users.push(key);
        }
        events.extend(crate::pc_logs::event_import::stored_event(&file, (user, at, host, target, operation, detail, position)));
    }
    let is_login = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE LOWER(login) = $1")
        .bind(name.trim().to_lowercase())
        .fetch_one(&db.pool)
        .await?
        > 0;
    if known == 0 && !is_login {
        return Err(ReportError::UnknownUser { name: name.to_string() });
    }
    let rules = rules_for(db, name).await?;
    let calendar = HolidayCalendar::new(&rules.holidays, [year - 1, year, year + 1]);
    let now = DateTime::<Utc>::from_timestamp(now, 0).unwrap_or_else(Utc::now);
    let user = name.trim().to_string();
    let days: Vec<DailyRecord> = compute_user_days(&user, events.iter(), first..=last, &rules, &calendar, now)
        .into_iter()
        .filter(|d| d.date.month() == month)
        .collect();
    let total = compute_month(&user, year, month, &days);
    Ok(MonthReport { user, log_users, days, total })
}

/// The rules for `name` (a login or a log user): those of the owning user's organisation.
async fn rules_for(db: &Db, name: &str) -> Result<AttendanceRules, ReportError> {
    use super::rule_settings::{RuleBook, company_rules, overrides};
    let book = RuleBook::build(company_rules(db).await?, &crate::accounts::organizations::list(db).await?, &overrides(db).await?);
    let org: Option<Option<i64>> = sqlx::query_scalar("SELECT organization_id FROM users WHERE login_key = $1")
        .bind(name.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    let org = match org {
        Some(o) => o,
        None => super::people::Directory::load(db).await?.owner(name).and_then(|o| o.organization_id),
    };
    Ok(book.for_organization(org).clone())
}

/// What a day's notes say, in `language`: the kind of day off, absence, missing logs.
pub fn day_notes(d: &kinmu_attendance::DailyRecord, language: kinmu_shared::Language) -> Vec<String> {
    let ja = language == kinmu_shared::Language::Ja;
    let mut notes = Vec::new();
    if let Some(h) = &d.holiday {
        notes.push(holiday_words(h, language));
    }
    for (flag, japanese, english) in [
        (d.absent, "欠勤", "absent"),
        (d.missing_clock_in, "出勤ログなし", "no clock-in log"),
        (d.missing_clock_out, "退勤ログなし", "no clock-out log"),
        (d.in_progress, "集計中", "in progress"),
    ] {
        if flag {
            notes.push(if ja { japanese } else { english }.to_string());
        }
    }
    notes
}

/// Why a day is a holiday, in `language`.
pub fn holiday_words(h: &kinmu_attendance::HolidayKind, language: kinmu_shared::Language) -> String {
    use kinmu_attendance::HolidayKind;
    let ja = language == kinmu_shared::Language::Ja;
    match h {
        HolidayKind::National(name) if ja => format!("祝日 {name}"),
        HolidayKind::National(name) => format!("national holiday {name}"),
        HolidayKind::Weekly(day) if ja => {
            format!("週休日({})", ["月", "火", "水", "木", "金", "土", "日"][day.num_days_from_monday() as usize])
        }
        HolidayKind::Weekly(day) => format!("weekly day off ({})", day_name(*day)),
        HolidayKind::Company if ja => "会社休日".to_string(),
        HolidayKind::Company => "company holiday".to_string(),
    }
}

fn day_name(day: chrono::Weekday) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][day.num_days_from_monday() as usize]
}

/// `h:mm` for minutes.
pub fn hours(minutes: u64) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinmu_attendance::HolidayKind;
    use kinmu_shared::Language;

    #[test]
    fn holidays_are_words_in_the_language_not_debug_text() {
        assert_eq!(holiday_words(&HolidayKind::Weekly(chrono::Weekday::Sat), Language::En), "weekly day off (Saturday)");
        assert_eq!(holiday_words(&HolidayKind::Weekly(chrono::Weekday::Sat), Language::Ja), "週休日(土)");
        assert_eq!(holiday_words(&HolidayKind::National("山の日".into()), Language::Ja), "祝日 山の日");
        assert_eq!(holiday_words(&HolidayKind::National("山の日".into()), Language::En), "national holiday 山の日");
        assert_eq!(holiday_words(&HolidayKind::Company, Language::Ja), "会社休日");
    }
}
