//! Tables from the stored records, within what the asker may see: everyone's with the
//! attendance view permission, otherwise only the records their log account names own.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use kinmu_attendance::TerminalRecord;
use kinmu_shared::api::{RankingItem, ReportKind, SortKey, TableLayout};
use kinmu_shared::{Language, Permission};

use super::table::{Cell, Row, Table};
use crate::accounts::{Actor, organizations};
use crate::attendance::people::{Directory, owns, person_key};
use crate::attendance::rule_settings;
use crate::database::Db;
use crate::error::{Error, Result};

/// The period of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl Period {
    pub fn first_and_last(self) -> (NaiveDate, NaiveDate) {
        match self {
            Period::Day(d) => (d, d),
            Period::Year(y) => (
                NaiveDate::from_ymd_opt(y, 1, 1).expect("valid year"),
                NaiveDate::from_ymd_opt(y, 12, 31).expect("valid year"),
            ),
            Period::Month(y, m) => {
                let first = NaiveDate::from_ymd_opt(y, m, 1).expect("valid month");
                let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("valid");
                (first, last)
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Period::Year(y) => format!("{y:04}"),
            Period::Month(y, m) => format!("{y:04}-{m:02}"),
            Period::Day(d) => d.to_string(),
        }
    }
}

/// What to build.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub period: Period,
    /// An organisation and its sub-organisations.
    pub organization_id: Option<i64>,
    /// A Kinmu login or a log user.
    pub user: Option<String>,
    pub terminal: Option<String>,
    pub ranking: RankingItem,
    pub layout: TableLayout,
    pub language: Language,
}

/// Who may be shown, and the filters asked for.
pub(crate) struct Scope {
    /// The asker's own log accounts when they may see only their own records.
    own: Option<Vec<String>>,
    /// The log accounts of the user asked for.
    user: Option<Vec<String>>,
    /// Organisations asked for (with their sub-organisations).
    orgs: Option<Vec<i64>>,
    terminal: Option<String>,
    directory: Directory,
    paths: HashMap<i64, String>,
}

impl Scope {
    pub(crate) fn admits(&self, person: &str) -> bool {
        let owned_by = |accounts: &Vec<String>| accounts.iter().any(|a| owns(a, person));
        if self.own.as_ref().is_some_and(|a| !owned_by(a)) || self.user.as_ref().is_some_and(|a| !owned_by(a)) {
            return false;
        }
        match &self.orgs {
            None => true,
            Some(orgs) => self.org_of(person).is_some_and(|o| orgs.contains(&o)),
        }
    }

    fn org_of(&self, person: &str) -> Option<i64> {
        self.directory.owner(person).and_then(|o| o.organization_id)
    }

    pub(crate) fn user_id(&self, person: &str) -> Option<i64> {
        self.directory.owner(person).map(|o| o.user_id)
    }

    fn group(&self, person: &str) -> String {
        self.org_of(person).and_then(|o| self.paths.get(&o).cloned()).unwrap_or_default()
    }
}

async fn log_accounts_of_login(db: &Db, login: &str) -> Result<Option<Vec<String>>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login_key = $1")
        .bind(login.trim().to_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    let Some(id) = id else { return Ok(None) };
    Ok(Some(
        sqlx::query_scalar("SELECT account_key FROM user_log_accounts WHERE user_id = $1")
            .bind(id)
            .fetch_all(&db.pool)
            .await?,
    ))
}

/// What `actor` may see, narrowed to an organisation, a user and a terminal.
pub(crate) async fn scope(
    db: &Db,
    actor: &Actor,
    organization_id: Option<i64>,
    user: Option<&str>,
    terminal: Option<&str>,
) -> Result<Scope> {
    let orgs = organizations::list(db).await?;
    let own = match actor {
        Actor::User(u) if !u.can(Permission::ViewAttendance) => Some(
            sqlx::query_scalar::<_, String>("SELECT account_key FROM user_log_accounts WHERE user_id = $1")
                .bind(u.id)
                .fetch_all(&db.pool)
                .await?,
        ),
        _ => None,
    };
    let user = match user.map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(name) => match log_accounts_of_login(db, name).await? {
            Some(accounts) => Some(accounts),
            None => {
                let names = rule_settings::company_rules(db).await?.user_names;
                Some(vec![person_key(name, &names)])
            }
        },
    };
    if let (Some(own), Some(user)) = (&own, &user)
        && !user.iter().all(|p| own.iter().any(|a| owns(a, p)))
    {
        return Err(Error::Forbidden(Permission::ViewAttendance.key()));
    }
    let org_filter = match organization_id {
        None => None,
        Some(id) => {
            if !orgs.iter().any(|o| o.id == id) {
                return Err(Error::invalid("organization_id", format!("organization_id: there is no organisation {id}")));
            }
            Some(organizations::subtree(&orgs, id))
        }
    };
    Ok(Scope {
        own,
        user,
        orgs: org_filter,
        terminal: terminal.map(str::to_string).filter(|t| !t.trim().is_empty()),
        directory: Directory::load(db).await?,
        paths: orgs.iter().map(|o| (o.id, o.path.clone())).collect(),
    })
}

fn weekday(d: NaiveDate, language: Language) -> String {
    let i = d.weekday().num_days_from_monday() as usize;
    match language {
        Language::Ja => ["月", "火", "水", "木", "金", "土", "日"][i].to_string(),
        Language::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i].to_string(),
    }
}

fn instant_cell(t: Option<DateTime<Utc>>, tz: Tz) -> Cell {
    match t {
        Some(t) => {
            let local = t.with_timezone(&tz).naive_local();
            Cell::Time { text: local.format("%-H:%M").to_string(), local: Some(local) }
        }
        None => Cell::Time { text: String::new(), local: None },
    }
}

/// A person's day, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct DayRow {
    person_key: String,
    display_name: String,
    work_date: String,
    holiday_kind: Option<String>,
    holiday_name: String,
    logon_at: Option<i64>,
    logoff_at: Option<i64>,
    clock_in_at: Option<i64>,
    clock_out_at: Option<i64>,
    clock_in_text: String,
    clock_out_text: String,
    work_interval_minutes: Option<i64>,
    actual_work_minutes: i64,
    non_scheduled_work_minutes: i64,
    overtime_minutes: i64,
    regular_overtime_minutes: i64,
    late_night_minutes: i64,
    late_night_overtime_minutes: i64,
    late_minutes: i64,
    early_leave_minutes: i64,
}

const DAY_COLUMNS: &str = "person_key, display_name, work_date, holiday_kind, holiday_name, logon_at, logoff_at, clock_in_at, \
    clock_out_at, clock_in_text, clock_out_text, work_interval_minutes, actual_work_minutes, non_scheduled_work_minutes, \
    overtime_minutes, regular_overtime_minutes, late_night_minutes, late_night_overtime_minutes, late_minutes, early_leave_minutes";

/// A stored clock time: the text as the rules show it, sorted by the instant it stands for.
fn shown_time(text: &str, at: Option<i64>, tz: Tz) -> Cell {
    let local = at.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)).map(|t| t.with_timezone(&tz).naive_local());
    Cell::Time { text: text.to_string(), local }
}

fn day_cell(key: &str, r: &DayRow, date: NaiveDate, group: &str, tz: Tz, language: Language) -> Cell {
    let instant = |t: Option<i64>| instant_cell(t.and_then(|t| DateTime::<Utc>::from_timestamp(t, 0)), tz);
    match key {
        "user" => Cell::Text(r.display_name.clone()),
        "group" => Cell::Text(group.to_string()),
        "date" => Cell::Date(date),
        "weekday" => Cell::Text(weekday(date, language)),
        "late" => Cell::Minutes(r.late_minutes),
        "early_leave" => Cell::Minutes(r.early_leave_minutes),
        "logon" => instant(r.logon_at),
        "logoff" => instant(r.logoff_at),
        "clock_in" => shown_time(&r.clock_in_text, r.clock_in_at, tz),
        "clock_out" => shown_time(&r.clock_out_text, r.clock_out_at, tz),
        "work_interval" => r.work_interval_minutes.map_or(Cell::Empty, Cell::Minutes),
        "actual_work" => Cell::Minutes(r.actual_work_minutes),
        "non_scheduled_work" => Cell::Minutes(r.non_scheduled_work_minutes),
        "overtime" => Cell::Minutes(r.overtime_minutes),
        "regular_overtime" => Cell::Minutes(r.regular_overtime_minutes),
        "late_night" => Cell::Minutes(r.late_night_minutes),
        "late_night_overtime" => Cell::Minutes(r.late_night_overtime_minutes),
        "holiday" => match r.holiday_kind.as_deref() {
            None => Cell::Empty,
            Some("national") => Cell::Text(r.holiday_name.clone()),
            Some("company") => Cell::Text(if language == Language::Ja { "会社休日" } else { "company holiday" }.into()),
            Some(_) => Cell::Text(if language == Language::Ja { "休日" } else { "day off" }.into()),
        },
        _ => Cell::Empty,
    }
}

/// A month's totals of one person, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct MonthRow {
    person_key: String,
    display_name: String,
    late_count: i64,
    early_leave_count: i64,
    actual_work_minutes: i64,
    non_scheduled_work_minutes: i64,
    overtime_minutes: i64,
    regular_overtime_minutes: i64,
    late_night_minutes: i64,
    late_night_overtime_minutes: i64,
    days_worked: i64,
    holiday_days_worked: i64,
    days_without_clock_in: i64,
    days_without_clock_out: i64,
}

impl MonthRow {
    fn add(&mut self, o: &MonthRow) {
        self.late_count += o.late_count;
        self.early_leave_count += o.early_leave_count;
        self.actual_work_minutes += o.actual_work_minutes;
        self.non_scheduled_work_minutes += o.non_scheduled_work_minutes;
        self.overtime_minutes += o.overtime_minutes;
        self.regular_overtime_minutes += o.regular_overtime_minutes;
        self.late_night_minutes += o.late_night_minutes;
        self.late_night_overtime_minutes += o.late_night_overtime_minutes;
        self.days_worked += o.days_worked;
        self.holiday_days_worked += o.holiday_days_worked;
        self.days_without_clock_in += o.days_without_clock_in;
        self.days_without_clock_out += o.days_without_clock_out;
    }
}

fn month_cell(key: &str, r: &MonthRow, group: &str) -> Cell {
    match key {
        "user" => Cell::Text(r.display_name.clone()),
        "group" => Cell::Text(group.to_string()),
        "late_count" => Cell::Count(r.late_count),
        "early_leave_count" => Cell::Count(r.early_leave_count),
        "actual_work" => Cell::Minutes(r.actual_work_minutes),
        "non_scheduled_work" => Cell::Minutes(r.non_scheduled_work_minutes),
        "overtime" => Cell::Minutes(r.overtime_minutes),
        "regular_overtime" => Cell::Minutes(r.regular_overtime_minutes),
        "late_night" => Cell::Minutes(r.late_night_minutes),
        "late_night_overtime" => Cell::Minutes(r.late_night_overtime_minutes),
        "days_worked" => Cell::Count(r.days_worked),
        "holiday_days_worked" => Cell::Count(r.holiday_days_worked),
        "days_without_clock_in" => Cell::Count(r.days_without_clock_in),
        "days_without_clock_out" => Cell::Count(r.days_without_clock_out),
        _ => Cell::Empty,
    }
}

fn parse_record<T: serde::de::DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json)
        .map_err(|e| Error::Internal(format!("a stored attendance record cannot be read ({e}): rebuild the period")))
}

/// Builds the table `req` asks for, sorted by the layout's keys.
pub async fn build(db: &Db, actor: &Actor, req: &ReportRequest) -> Result<Table> {
    req.layout.check(req.kind).map_err(Error::Invalid)?;
    let scope = scope(db, actor, req.organization_id, req.user.as_deref(), req.terminal.as_deref()).await?;
    let tz = rule_settings::company_rules(db).await?.time_zone;
    let (first, last) = req.period.first_and_last();
    let columns = req.layout.columns.clone();
    let mut rows = Vec::new();
    match req.kind {
        ReportKind::Monthly | ReportKind::Ranking => {
            let (from, to) = match req.period {
                Period::Month(y, m) => (format!("{y:04}-{m:02}"), format!("{y:04}-{m:02}")),
                Period::Year(y) => (format!("{y:04}-01"), format!("{y:04}-12")),
                Period::Day(_) => return Err(Error::invalid("month", "month: this table is per month: give YYYY-MM")),
            };
            let found: Vec<MonthRow> = sqlx::query_as(
                "SELECT person_key, display_name, late_count, early_leave_count, actual_work_minutes, non_scheduled_work_minutes, \
                 overtime_minutes, regular_overtime_minutes, late_night_minutes, late_night_overtime_minutes, days_worked, \
                 holiday_days_worked, days_without_clock_in, days_without_clock_out FROM attendance_monthly \
                 WHERE month >= $1 AND month <= $2 ORDER BY display_name, person_key, month",
            )
            .bind(from)
            .bind(to)
            .fetch_all(&db.pool)
            .await?;
            // A year's rows are the sums of its months, per person.
            let mut months: Vec<MonthRow> = Vec::with_capacity(found.len());
            let mut at: HashMap<String, usize> = HashMap::new();
            for r in found {
                match at.get(&r.person_key) {
                    Some(&i) => months[i].add(&r),
                    None => {
                        at.insert(r.person_key.clone(), months.len());
                        months.push(r);
                    }
                }
            }
            months.retain(|r| scope.admits(&r.person_key));
            if req.kind == ReportKind::Ranking {
                let key = req.ranking.column();
                let value = |r: &MonthRow| match month_cell(key, r, "") {
                    Cell::Minutes(v) | Cell::Count(v) => v,
                    _ => 0,
                };
                months.sort_by_key(|r| std::cmp::Reverse(value(r)));
                let mut rank = 0i64;
                let mut previous: Option<i64> = None;
                for (i, r) in months.iter().enumerate() {
                    if previous != Some(value(r)) {
                        rank = i as i64 + 1;
                        previous = Some(value(r));
                    }
                    let group = scope.group(&r.person_key);
                    rows.push(Row {
                        person: r.person_key.clone(),
                        name: r.display_name.clone(),
                        user_id: scope.user_id(&r.person_key),
                        group: group.clone(),
                        terminal: None,
                        cells: columns
                            .iter()
                            .map(|c| if c == "rank" { Cell::Count(rank) } else { month_cell(c, r, &group) })
                            .collect(),
                    });
                }
            } else {
                for r in &months {
                    let group = scope.group(&r.person_key);
                    rows.push(Row {
                        person: r.person_key.clone(),
                        name: r.display_name.clone(),
                        user_id: scope.user_id(&r.person_key),
                        group: group.clone(),
                        terminal: None,
                        cells: columns.iter().map(|c| month_cell(c, r, &group)).collect(),
                    });
                }
            }
        }
        ReportKind::Daily | ReportKind::Timesheet => {
            // Read in the table's own order; sorted by person below.
            let found: Vec<DayRow> = sqlx::query_as(&format!(
                "SELECT {DAY_COLUMNS} FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2"
            ))
            .bind(first.to_string())
            .bind(last.to_string())
            .fetch_all(&db.pool)
            .await?;
            let mut groups: HashMap<String, (Option<i64>, String)> = HashMap::new();
            for r in found {
                if !scope.admits(&r.person_key) {
                    continue;
                }
                let date = NaiveDate::parse_from_str(&r.work_date, "%Y-%m-%d")
                    .map_err(|_| Error::Internal(format!("a stored date {:?} cannot be read", r.work_date)))?;
                let (user_id, group) = groups
                    .entry(r.person_key.clone())
                    .or_insert_with(|| (scope.user_id(&r.person_key), scope.group(&r.person_key)))
                    .clone();
                rows.push(Row {
                    cells: columns.iter().map(|c| day_cell(c, &r, date, &group, tz, req.language)).collect(),
                    user_id,
                    name: r.display_name,
                    person: r.person_key,
                    group,
                    terminal: None,
                });
            }
            // By person, each person's days in date order (the rows came in date order).
            rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.person.cmp(&b.person)));
        }
        ReportKind::Terminal => {
            let found: Vec<(String, Option<String>, String, String)> = sqlx::query_as(
                "SELECT t.person_key, d.display_name, t.terminal, t.record FROM attendance_terminals t \
                 LEFT JOIN attendance_daily d ON d.work_date = t.work_date AND d.person_key = t.person_key \
                 WHERE t.work_date >= $1 AND t.work_date <= $2 ORDER BY t.person_key, t.work_date, t.terminal",
            )
            .bind(first.to_string())
            .bind(last.to_string())
            .fetch_all(&db.pool)
            .await?;
            for (person, name, terminal, json) in found {
                if !scope.admits(&person) || scope.terminal.as_ref().is_some_and(|t| !t.eq_ignore_ascii_case(&terminal)) {
                    continue;
                }
                let r: TerminalRecord = parse_record(&json)?;
                let name = name.unwrap_or_else(|| person.clone());
                let group = scope.group(&person);
                let cells: Vec<Cell> = columns
                    .iter()
                    .map(|c| match c.as_str() {
                        "user" => Cell::Text(name.clone()),
                        "group" => Cell::Text(group.clone()),
                        "date" => Cell::Date(r.date),
                        "weekday" => Cell::Text(weekday(r.date, req.language)),
                        "terminal" => Cell::Text(r.terminal.clone()),
                        "logon" => instant_cell(r.first_logon, tz),
                        "logoff" => instant_cell(r.last_logoff, tz),
                        _ => Cell::Empty,
                    })
                    .collect();
                rows.push(Row { user_id: scope.user_id(&person), name, person, group, terminal: Some(terminal), cells });
            }
        }
    }
    let mut table = Table { kind: req.kind, period: req.period.label(), columns, rows };
    if req.kind != ReportKind::Ranking {
        let keys: Vec<SortKey> = req.layout.sort.clone();
        table.sort(&keys);
    }
    Ok(table)
}
