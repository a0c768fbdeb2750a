//! The rules preview of the settings page: what unsaved rules give for one person and day, and
//! which log lines they read — so an administrator sees the effect before saving.

use chrono::{DateTime, Duration, Utc};
use kinmu_attendance::{AttendanceRules, ClockRoles, HolidayCalendar, compute_user_days};
use kinmu_pc_logs::LogEvent;
use kinmu_shared::Permission;
use kinmu_shared::api::{HolidayEntry, PreviewEvent, RulesPreview, RulesPreviewRequest};

use super::people::{owns, person_key};
use super::period::parse_date;
use super::rule_settings::{self, rule_errors};
use super::timesheet::day_of;
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result, Text};
use crate::pc_logs::event_import::stored_event;

pub async fn preview(db: &Db, actor: &Actor, req: RulesPreviewRequest, now: DateTime<Utc>) -> Result<RulesPreview> {
    actor.require(Permission::ManageSettings)?;
    let rules: AttendanceRules = serde_path_to_error::deserialize(req.rules).map_err(|e| {
        let field = format!("rules.{}", e.path());
        Error::unreadable(&field, &e.inner().to_string())
    })?;
    rules.validate().map_err(|e| rule_errors("rules.", e))?;
    let date = parse_date("date", &req.date)?;
    let name = req.user.trim();
    if name.is_empty() {
        return Err(Error::invalid(
            "user",
            Text::new("user: pick a person (a login or a log user)", "ユーザーをログイン名かログのユーザー名で選んでください。"),
        ));
    }
    let login_accounts: Vec<String> =
        sqlx::query_scalar("SELECT l.account_key FROM user_log_accounts l JOIN users u ON u.id = l.user_id WHERE u.login_key = $1")
            .bind(name.to_lowercase())
            .fetch_all(&db.pool)
            .await?;
    let accounts = if login_accounts.is_empty() { vec![name.to_string()] } else { login_accounts };
    // The day and a margin either side; the engine keeps only the day's events.
    let start = date.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::days(1);
    let end = start + Duration::days(3);
    let rows: Vec<(String, i64, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT log_user, occurred_at, host, target, operation, detail, position FROM attendance_events \
         WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY occurred_at",
    )
    .bind(start.timestamp_micros())
    .bind(end.timestamp_micros())
    .fetch_all(&db.pool)
    .await?;
    let person = person_key(&accounts[0], &rules.user_names);
    let file: std::sync::Arc<str> = std::sync::Arc::from("attendance_events");
    let events: Vec<LogEvent> = rows
        .into_iter()
        .filter(|(user, ..)| accounts.iter().any(|a| owns(a, user)))
        .filter_map(|row| stored_event(&file, row))
        .filter(|e| kinmu_attendance::attendance_date(e.time, &rules) == date)
        .collect();
    let calendar = HolidayCalendar::new(&rules.holidays, {
        let y = chrono::Datelike::year(&date);
        [y - 1, y, y + 1]
    });
    let record = compute_user_days(&person, events.iter(), date..=date, &rules, &calendar, now)
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal("the engine computed no day".into()))?;
    let role = |e: &LogEvent| match rules.clock_roles(&e.operation, &e.detail) {
        (true, true) => "both",
        (true, false) => "clock_in",
        (false, true) => "clock_out",
        (false, false) => "none",
    };
    let events = events
        .iter()
        .map(|e| PreviewEvent {
            at: e.time.timestamp(),
            local: e.time.with_timezone(&rules.time_zone).format("%Y-%m-%d %H:%M:%S").to_string(),
            user: e.user.clone(),
            host: e.host.clone(),
            target: e.target.clone(),
            operation: e.operation.clone(),
            detail: e.detail.iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(" "),
            role: role(e).to_string(),
            adopted: Some(e.time) == record.logon || Some(e.time) == record.logoff,
        })
        .collect();
    Ok(RulesPreview { day: day_of(&record), events })
}

/// The holiday calendar of `year`: national holidays, and the company's added and removed days.
pub async fn holidays(db: &Db, year: i32) -> Result<Vec<HolidayEntry>> {
    if !(2000..=2099).contains(&year) {
        return Err(Error::invalid("year", Text::new("year must be between 2000 and 2099", "年は2000から2099までにしてください。")));
    }
    let rules = rule_settings::company_rules(db).await?;
    let mut out: Vec<HolidayEntry> = kinmu_attendance::national_holidays(year)
        .into_iter()
        .map(|h| HolidayEntry {
            date: h.date.to_string(),
            name: h.name.to_string(),
            kind: if rules.holidays.removed.contains(&h.date) { "working" } else { "national" }.to_string(),
        })
        .collect();
    for d in rules.holidays.added.iter().filter(|d| chrono::Datelike::year(*d) == year) {
        out.push(HolidayEntry { date: d.to_string(), name: String::new(), kind: "company".into() });
    }
    for d in rules.holidays.removed.iter().filter(|d| chrono::Datelike::year(*d) == year) {
        if !out.iter().any(|h| h.date == d.to_string()) {
            out.push(HolidayEntry { date: d.to_string(), name: String::new(), kind: "working".into() });
        }
    }
    out.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(out)
}
