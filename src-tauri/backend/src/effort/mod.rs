//! Effort tracking (issue 18): projects, their members and work items, activities, effort
//! entries with their history, the week grid beside attendance, periods with approval and the
//! one lock rule, and gaps between effort and attended work.
//!
//! Every service function takes the [`Actor`] asking and checks its permission itself; the rules
//! (durations, the lock, the gap, what an entry must respect) are the pure ones of
//! [`kinmu_shared::effort`]. Who is who:
//! - a **member** holds `effort.enter` and books their own effort on the projects they belong to;
//! - a person's **approver** is their named approver, else their organisation's manager up the
//!   tree ([`approvers`]): they approve or send back that person's periods (never their own);
//! - a **project manager** holds `projects.manage`: they manage the projects they manage and see
//!   everybody's periods;
//! - an **administrator** holds `settings.manage`: they see every project, keep the gap reasons
//!   and the effort settings, and reopen periods with a recorded reason.

pub mod activities;
pub mod approvers;
pub mod attended;
pub mod cost;
pub mod dashboard;
pub mod entries;
pub mod foreign_import;
pub mod gap_report;
pub mod gaps;
pub mod periods;
pub mod plan;
pub mod project_transfer;
pub mod projects;
pub mod report;
pub mod resources;
pub mod schedule;
pub mod settings;
pub mod timer;
pub mod transfer;
pub mod week;
pub mod work_items;

use chrono::NaiveDate;
use kinmu_shared::Permission;
use kinmu_shared::messages::Text;

use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

/// Whether the actor administers effort (every project, reopening, settings).
pub fn is_administrator(actor: &Actor) -> bool {
    actor.missing(&[Permission::ManageSettings]).is_empty()
}

/// Whether the actor may approve other people's periods and manage projects.
pub fn is_approver(actor: &Actor) -> bool {
    actor.missing(&[Permission::ManageProjects]).is_empty()
}

/// The company's today, by its attendance rules (time zone and day boundary).
pub async fn today(db: &Db) -> Result<NaiveDate> {
    let rules = crate::attendance::rule_settings::company_rules(db).await?;
    Ok(kinmu_attendance::attendance_date(chrono::Utc::now(), &rules))
}

/// A transaction that will write: on SQLite it takes the write lock at once (`BEGIN IMMEDIATE`),
/// so that two writers wait for each other instead of one failing when its read turns into a
/// write; PostgreSQL's rows lock as they are written.
pub(crate) async fn write_transaction(db: &Db) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    Ok(match db.kind {
        crate::config::DatabaseKind::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        crate::config::DatabaseKind::Postgres => db.pool.begin().await?,
    })
}

/// `YYYY-MM-DD`, naming `field` when it is not one.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    crate::attendance::period::parse_date(field, s.trim())
}

/// An optional date: blank is none.
pub(crate) fn optional_date(field: &str, s: &Option<String>) -> Result<Option<NaiveDate>> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(field, s).map(Some),
    }
}

/// A date column as stored (written by the services as `YYYY-MM-DD`, or NULL).
pub(crate) fn stored_date(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(|s| s.parse().ok())
}

/// `YYYY-MM` as its first and last day.
pub fn parse_month(field: &str, s: &str) -> Result<(NaiveDate, NaiveDate)> {
    let (y, m) = kinmu_shared::validation::year_month(field, s.trim())?;
    let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(|| {
        Error::invalid(
            field,
            Text::new(
                format!("{field}: {s:?} is not a month: write YYYY-MM"),
                format!("「{s}」は月として読めません。YYYY-MM で入力してください。"),
            ),
        )
    })?;
    Ok(kinmu_shared::effort::PeriodUnit::Month.period_of(first))
}

/// `YYYY-Www` (ISO week) as its Monday and Sunday.
pub fn parse_week(field: &str, s: &str) -> Result<(NaiveDate, NaiveDate)> {
    let bad = || {
        Error::invalid(
            field,
            Text::new(
                format!("{field}: {s:?} is not a week: write YYYY-Www, e.g. 2026-W49"),
                format!("「{s}」は週として読めません。2026-W49 のように入力してください。"),
            ),
        )
    };
    let t = s.trim().to_ascii_uppercase();
    let (y, w) = t.split_once("-W").ok_or_else(bad)?;
    let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
    if !(1900..=2999).contains(&y) {
        return Err(bad());
    }
    let monday = NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).ok_or_else(bad)?;
    Ok((monday, monday + chrono::Duration::days(6)))
}

/// Display names by user id.
pub(crate) async fn display_names(db: &Db, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!("SELECT id, display_name FROM users WHERE id IN ({})", crate::database::placeholders(1, ids.len()));
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
    for id in ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_all(&db.pool).await?.into_iter().collect())
}

/// A user of Kinmu as effort names them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub login: String,
    pub display_name: String,
}

pub async fn person(db: &Db, id: i64) -> Result<Person> {
    sqlx::query_as("SELECT id, login, display_name FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| Error::NotFound(Text::new(format!("user {id} does not exist"), "ユーザーが見つかりません。")))
}

pub async fn person_by_login(db: &Db, field: &str, login: &str) -> Result<Person> {
    sqlx::query_as("SELECT id, login, display_name FROM users WHERE login_key = $1")
        .bind(login.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                field,
                Text::new(
                    format!("{field}: no user has the login {:?}", login.trim()),
                    format!("ログイン名「{}」のユーザーはいません。", login.trim()),
                ),
            )
        })
}

/// Whose records a read is about: `login`, or the actor; another person's need `projects.manage`
/// or being that person's approver.
pub async fn subject(db: &Db, actor: &Actor, login: Option<&str>) -> Result<Person> {
    match login.map(str::trim).filter(|l| !l.is_empty()) {
        None => match actor.user_id() {
            Some(id) => person(db, id).await,
            None => {
                Err(Error::invalid("user", Text::new("user: name the person (a login)", "user：対象の人をログイン名で指定してください")))
            }
        },
        Some(l) => {
            let p = person_by_login(db, "user", l).await?;
            if Some(p.id) != actor.user_id() && !is_approver(actor) {
                // A person's approver reads what they approve without projects.manage.
                let approver = approvers::Approvers::load(db).await?.of(p.id);
                if approver.is_none() || approver != actor.user_id() {
                    actor.require(Permission::ManageProjects)?;
                }
            }
            Ok(p)
        }
    }
}

/// The name a change is recorded under.
pub(crate) fn actor_name(actor: &Actor) -> String {
    match actor {
        Actor::User(u) => u.login.clone(),
        Actor::Operator => "(operator)".to_string(),
    }
}

/// A required text of at most `max` characters, trimmed.
pub(crate) fn required_text(field: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::invalid(field, Text::new(format!("{field} must not be empty"), "入力してください。")));
    }
    optional_text(field, t, max)
}

/// A text of at most `max` characters, trimmed.
pub(crate) fn optional_text(field: &str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(Error::invalid(
            field,
            Text::new(format!("{field} is longer than {max} characters: shorten it"), format!("{max} 文字以内にしてください。")),
        ));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(field, Text::new(format!("{field} contains control characters"), "制御文字は使えません。")));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_iso_weeks() {
        let d = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(parse_week("week", "2026-W49").unwrap(), (d(11, 30), d(12, 6)));
        assert_eq!(parse_week("week", "2026-w01").unwrap().0, NaiveDate::from_ymd_opt(2025, 12, 29).unwrap());
        assert!(parse_week("week", "2026-W54").is_err());
        assert!(parse_week("week", "2026-12").is_err());
    }
}
