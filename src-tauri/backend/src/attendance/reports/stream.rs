//! The rows of a table, read from the stored records through the engine's own driver
//! ([`for_each_row`] on SQLite, the native `PgPool` on PostgreSQL) and handed one by one to a
//! [`RowSink`] (a file being written, a page, a vector), so a file of millions of rows never
//! holds the table in memory.
//!
//! The order of the rows is the one the console has always shown, pushed into SQL:
//! the layout's sort keys (at most two, among the columns shown), then by person (name, then
//! person key, byte order as Rust compares strings: `COLLATE "C"` on PostgreSQL), then by date
//! (and terminal). A corrected or blank clock time sorts by the instant it stands for (its
//! `*_at` column), an empty work interval last in both directions. Sort keys SQL cannot
//! reproduce (organisation, weekday, holiday, per-terminal logon/logoff, which live outside the
//! record columns) fall back to sorting the rows in memory, as before.

use std::ffi::c_int;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;
use futures_util::TryStreamExt;
use kinmu_attendance::TerminalRecord;
use kinmu_shared::Language;
use kinmu_shared::api::{ReportKind, SortKey};
use sqlx::Row as _;
use sqlx::postgres::PgRow;

use super::build::{Period, ReportRequest, Scope, instant_cell, parse_record, scope, weekday};
use super::table::{Cell, Row, Table};
use crate::accounts::Actor;
use crate::attendance::rule_settings;
use crate::config::DatabaseKind;
use crate::database::sqlite_rows::{Param, RawRow, for_each_row};
use crate::database::{Db, Native};
use crate::error::{Error, Result};

/// Where streamed rows go.
pub trait RowSink: Send + 'static {
    fn push(&mut self, row: Row) -> Result<()>;
}

impl RowSink for Vec<Row> {
    fn push(&mut self, row: Row) -> Result<()> {
        Vec::push(self, row);
        Ok(())
    }
}

/// How rows must be grouped for the files they go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// The table's order.
    None,
    /// Each person's rows together, persons in the order they first appear in the table, each
    /// person's rows in the table's order (Excel timesheets: a sheet per person).
    Sheets,
    /// By name then person key, each person's rows in the table's order (files per user).
    User,
    /// By terminal, each terminal's rows in the table's order (files per terminal).
    Terminal,
}

/// A column as read: a row of any engine.
pub(crate) trait Fields {
    fn int(&self, i: usize) -> Result<i64>;
    fn text(&self, i: usize) -> Result<&str>;
}

/// Stands for NULL in the integer columns read (`COALESCE(column, NULL_INT)`): the SQLite
/// reader has no NULL test and reads NULL as 0.
const NULL_INT: i64 = i64::MIN + 1;

fn opt(v: i64) -> Option<i64> {
    (v != NULL_INT).then_some(v)
}

struct Lite<'a, 'r>(&'a RawRow<'r>);

impl Fields for Lite<'_, '_> {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.0.int(i as c_int))
    }
    fn text(&self, i: usize) -> Result<&str> {
        self.0.text(i as c_int)
    }
}

struct Pg<'a>(&'a PgRow);

impl Fields for Pg<'_> {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.0.try_get::<i64, _>(i)?)
    }
    fn text(&self, i: usize) -> Result<&str> {
        Ok(self.0.try_get::<&str, _>(i)?)
    }
}

/// Rows handed from the PostgreSQL reader to the blocking writer at a time.
const BATCH: usize = 512;

/// Runs `sql` through the engine's own driver and calls `f` with `state` and each row, on a
/// blocking thread (the rows are read in place on SQLite; on PostgreSQL they come from an async
/// reader in batches through a bounded channel).
pub(crate) async fn each_row<S, F>(db: &Db, sql: String, params: Vec<Param>, state: S, mut f: F) -> Result<S>
where
    S: Send + 'static,
    F: FnMut(&mut S, &dyn Fields) -> Result<()> + Send + 'static,
{
    match db.native() {
        Native::Sqlite(pool) => for_each_row(pool, sql, params, state, move |s, row| f(s, &Lite(row))).await,
        Native::Postgres(pool) => {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PgRow>>(4);
            let worker = tokio::task::spawn_blocking(move || -> Result<S> {
                let mut state = state;
                while let Some(batch) = rx.blocking_recv() {
                    for row in &batch {
                        f(&mut state, &Pg(row))?;
                    }
                }
                Ok(state)
            });
            let read = async {
                let mut q = sqlx::query(&sql);
                for p in &params {
                    q = match p {
                        Param::Int(v) => q.bind(*v),
                        Param::Text(v) => q.bind(v.as_str()),
                    };
                }
                let mut rows = q.fetch(pool);
                let mut batch = Vec::with_capacity(BATCH);
                while let Some(row) = rows.try_next().await? {
                    batch.push(row);
                    if batch.len() == BATCH && tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).await.is_err() {
                        // The writer stopped: its error is the one to report.
                        return Ok(());
                    }
                }
                if !batch.is_empty() {
                    let _ = tx.send(batch).await;
                }
                Ok::<(), Error>(())
            }
            .await;
            drop(tx);
            let state = worker.await.map_err(|e| Error::Internal(format!("the table writer stopped: {e}")))??;
            read?;
            Ok(state)
        }
    }
}

/// The SQL of a sort key: ascending and descending expressions, or `None` when SQL cannot
/// order by it as the table does.
fn sql_key(kind: ReportKind, column: &str, bin: &str) -> Option<(String, String)> {
    let plain = |e: &str| Some((e.to_string(), format!("{e} DESC")));
    // A time: an absent one sorts last, descending reverses everything (it is not an empty cell).
    let time = |e: &str| Some((format!("({e} IS NULL), {e}"), format!("({e} IS NULL) DESC, {e} DESC")));
    match kind {
        ReportKind::Monthly | ReportKind::Ranking => match column {
            "user" => plain(&format!("MIN(display_name{bin}){bin}")),
            "group" | "rank" => None,
            c => month_column(c).map(|m| (format!("SUM({m})"), format!("SUM({m}) DESC"))),
        },
        ReportKind::Daily | ReportKind::Timesheet => match column {
            "user" => plain(&format!("display_name{bin}")),
            "date" => plain("work_date"),
            "logon" => time("logon_at"),
            "logoff" => time("logoff_at"),
            "clock_in" => time("clock_in_at"),
            "clock_out" => time("clock_out_at"),
            // An empty interval is an empty cell: last both ways.
            "work_interval" => Some((
                "(work_interval_minutes IS NULL), work_interval_minutes".into(),
                "(work_interval_minutes IS NULL), work_interval_minutes DESC".into(),
            )),
            c => day_minutes_column(c).and_then(plain),
        },
        ReportKind::Terminal => match column {
            "user" => plain(&format!("COALESCE(d.display_name, t.person_key){bin}")),
            "date" => plain("t.work_date"),
            "terminal" => plain(&format!("t.terminal{bin}")),
            _ => None,
        },
    }
}

/// The durations stored under the same column in daily and monthly records.
fn duration_column(key: &str) -> Option<&'static str> {
    Some(match key {
        "actual_work" => "actual_work_minutes",
        "non_scheduled_work" => "non_scheduled_work_minutes",
        "overtime" => "overtime_minutes",
        "regular_overtime" => "regular_overtime_minutes",
        "late_night" => "late_night_minutes",
        "late_night_overtime" => "late_night_overtime_minutes",
        _ => return None,
    })
}

fn month_column(key: &str) -> Option<&'static str> {
    duration_column(key).or(match key {
        "late_count" => Some("late_count"),
        "early_leave_count" => Some("early_leave_count"),
        "days_worked" => Some("days_worked"),
        "holiday_days_worked" => Some("holiday_days_worked"),
        "days_without_clock_in" => Some("days_without_clock_in"),
        "days_without_clock_out" => Some("days_without_clock_out"),
        _ => None,
    })
}

fn day_minutes_column(key: &str) -> Option<&'static str> {
    duration_column(key).or(match key {
        "late" => Some("late_minutes"),
        "early_leave" => Some("early_leave_minutes"),
        _ => None,
    })
}

/// The sort keys in force: the first two, those of columns shown.
fn keys_in_force(req: &ReportRequest) -> Vec<SortKey> {
    req.layout.sort.iter().take(2).filter(|k| req.layout.columns.contains(&k.column)).cloned().collect()
}

const MONTH_VALUES: [&str; 12] = [
    "late_count",
    "early_leave_count",
    "actual_work_minutes",
    "non_scheduled_work_minutes",
    "overtime_minutes",
    "regular_overtime_minutes",
    "late_night_minutes",
    "late_night_overtime_minutes",
    "days_worked",
    "holiday_days_worked",
    "days_without_clock_in",
    "days_without_clock_out",
];

/// The query of a table: its SQL and parameters, and whether the layout's keys are in its order.
struct Query {
    sql: String,
    params: Vec<Param>,
    sorted: bool,
}

fn query(kind: DatabaseKind, req: &ReportRequest, grouping: Grouping, keys: &[SortKey]) -> Result<Query> {
    let bin = if kind == DatabaseKind::Postgres { " COLLATE \"C\"" } else { "" };
    let (first, last) = req.period.first_and_last();
    let pushed: Option<Vec<String>> = if req.kind == ReportKind::Ranking {
        Some(Vec::new())
    } else {
        keys.iter()
            .map(|k| sql_key(req.kind, &k.column, bin).map(|(asc, desc)| if k.descending { desc } else { asc }))
            .collect()
    };
    // Excel timesheets with sort keys put each person's sheet where the person first appears;
    // a ranking grouped per user must be ranked in its own order first: both sorted in memory.
    let sorted = pushed.is_some()
        && !(grouping == Grouping::Sheets && !keys.is_empty())
        && !(req.kind == ReportKind::Ranking && grouping != Grouping::None);
    let keys_sql = if sorted { pushed.unwrap_or_default() } else { Vec::new() };
    let mut order: Vec<String> = Vec::new();
    let n = NULL_INT;
    let (sql, params) = match req.kind {
        ReportKind::Monthly | ReportKind::Ranking => {
            let (from, to) = match req.period {
                Period::Month(y, m) => (format!("{y:04}-{m:02}"), format!("{y:04}-{m:02}")),
                Period::Year(y) => (format!("{y:04}-01"), format!("{y:04}-12")),
                Period::Day(_) => return Err(Error::invalid("month", "month: this table is per month: give YYYY-MM")),
            };
            let name = format!("MIN(display_name{bin})");
            if sorted && grouping == Grouping::User {
                order.extend([format!("{name}{bin}"), format!("person_key{bin}")]);
            }
            if req.kind == ReportKind::Ranking {
                let column = month_column(req.ranking.column()).unwrap_or("overtime_minutes");
                order.push(format!("SUM({column}) DESC"));
            }
            order.extend(keys_sql);
            order.extend([format!("{name}{bin}"), format!("person_key{bin}")]);
            let sums: Vec<String> = MONTH_VALUES.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT)")).collect();
            (
                format!(
                    "SELECT person_key, {name}, {} FROM attendance_monthly WHERE month >= $1 AND month <= $2 \
                     GROUP BY person_key ORDER BY {}",
                    sums.join(", "),
                    order.join(", ")
                ),
                vec![Param::Text(from), Param::Text(to)],
            )
        }
        ReportKind::Daily | ReportKind::Timesheet => {
            if sorted && grouping == Grouping::User {
                order.extend([format!("display_name{bin}"), format!("person_key{bin}")]);
            }
            order.extend(keys_sql);
            order.extend([format!("display_name{bin}"), format!("person_key{bin}"), "work_date".into()]);
            (
                format!(
                    "SELECT person_key, display_name, work_date, COALESCE(holiday_kind, ''), holiday_name, \
                     COALESCE(logon_at, {n}), COALESCE(logoff_at, {n}), COALESCE(clock_in_at, {n}), COALESCE(clock_out_at, {n}), \
                     clock_in_text, clock_out_text, COALESCE(work_interval_minutes, {n}), actual_work_minutes, \
                     non_scheduled_work_minutes, overtime_minutes, regular_overtime_minutes, late_night_minutes, \
                     late_night_overtime_minutes, late_minutes, early_leave_minutes \
                     FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2 ORDER BY {}",
                    order.join(", ")
                ),
                vec![Param::Text(first.to_string()), Param::Text(last.to_string())],
            )
        }
        ReportKind::Terminal => {
            let name = format!("COALESCE(d.display_name, t.person_key)");
            match grouping {
                Grouping::User if sorted => order.extend([format!("{name}{bin}"), format!("t.person_key{bin}")]),
                Grouping::Terminal if sorted => order.push(format!("t.terminal{bin}")),
                _ => {}
            }
            order.extend(keys_sql);
            order.extend([format!("t.person_key{bin}"), "t.work_date".into(), format!("t.terminal{bin}")]);
            (
                format!(
                    "SELECT t.person_key, {name}, t.terminal, t.record FROM attendance_terminals t \
                     LEFT JOIN attendance_daily d ON d.work_date = t.work_date AND d.person_key = t.person_key \
                     WHERE t.work_date >= $1 AND t.work_date <= $2 ORDER BY {}",
                    order.join(", ")
                ),
                vec![Param::Text(first.to_string()), Param::Text(last.to_string())],
            )
        }
    };
    Ok(Query { sql, params, sorted })
}

/// Turns stored records into rows of the table.
struct Decoder {
    kind: ReportKind,
    columns: Vec<String>,
    scope: Arc<Scope>,
    tz: Tz,
    language: Language,
    ranking: &'static str,
    /// Ranking: rows admitted so far, the rank and the value it was given for.
    seen: i64,
    rank: i64,
    previous: Option<i64>,
    /// The last person's key, user id and organisation path.
    last: Option<(String, Option<i64>, String)>,
}

/// A person's day, as stored.
struct Day<'a> {
    name: &'a str,
    holiday_kind: &'a str,
    holiday_name: &'a str,
    logon_at: Option<i64>,
    logoff_at: Option<i64>,
    clock_in_at: Option<i64>,
    clock_out_at: Option<i64>,
    clock_in_text: &'a str,
    clock_out_text: &'a str,
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

/// A stored clock time: the text as the rules show it, sorted by the instant it stands for.
fn shown_time(text: &str, at: Option<i64>, tz: Tz) -> Cell {
    let local = at.and_then(|t| DateTime::from_timestamp(t, 0)).map(|t| t.with_timezone(&tz).naive_local());
    Cell::Time { text: text.to_string(), local }
}

fn day_cell(key: &str, r: &Day<'_>, date: NaiveDate, group: &str, tz: Tz, language: Language) -> Cell {
    let instant = |t: Option<i64>| instant_cell(t.and_then(|t| DateTime::from_timestamp(t, 0)), tz);
    match key {
        "user" => Cell::Text(r.name.to_string()),
        "group" => Cell::Text(group.to_string()),
        "date" => Cell::Date(date),
        "weekday" => Cell::Text(weekday(date, language)),
        "late" => Cell::Minutes(r.late_minutes),
        "early_leave" => Cell::Minutes(r.early_leave_minutes),
        "logon" => instant(r.logon_at),
        "logoff" => instant(r.logoff_at),
        "clock_in" => shown_time(r.clock_in_text, r.clock_in_at, tz),
        "clock_out" => shown_time(r.clock_out_text, r.clock_out_at, tz),
        "work_interval" => r.work_interval_minutes.map_or(Cell::Empty, Cell::Minutes),
        "actual_work" => Cell::Minutes(r.actual_work_minutes),
        "non_scheduled_work" => Cell::Minutes(r.non_scheduled_work_minutes),
        "overtime" => Cell::Minutes(r.overtime_minutes),
        "regular_overtime" => Cell::Minutes(r.regular_overtime_minutes),
        "late_night" => Cell::Minutes(r.late_night_minutes),
        "late_night_overtime" => Cell::Minutes(r.late_night_overtime_minutes),
        "holiday" => match r.holiday_kind {
            "" => Cell::Empty,
            "national" => Cell::Text(r.holiday_name.to_string()),
            "company" => Cell::Text(if language == Language::Ja { "会社休日" } else { "company holiday" }.into()),
            _ => Cell::Text(if language == Language::Ja { "休日" } else { "day off" }.into()),
        },
        _ => Cell::Empty,
    }
}

fn month_cell(key: &str, values: &[i64; 12], name: &str, group: &str) -> Cell {
    match key {
        "user" => Cell::Text(name.to_string()),
        "group" => Cell::Text(group.to_string()),
        k => match MONTH_VALUES.iter().position(|c| Some(*c) == month_column(k)) {
            Some(i) if matches!(
                k,
                "late_count" | "early_leave_count" | "days_worked" | "holiday_days_worked" | "days_without_clock_in" | "days_without_clock_out"
            ) => Cell::Count(values[i]),
            Some(i) => Cell::Minutes(values[i]),
            None => Cell::Empty,
        },
    }
}

impl Decoder {
    /// The user id and organisation path of `person`.
    fn person(&mut self, person: &str) -> (Option<i64>, String) {
        match &self.last {
            Some((p, id, group)) if p == person => (*id, group.clone()),
            _ => {
                let (id, group) = (self.scope.user_id(person), self.scope.group(person));
                self.last = Some((person.to_string(), id, group.clone()));
                (id, group)
            }
        }
    }

    fn decode(&mut self, f: &dyn Fields) -> Result<Option<Row>> {
        let person = f.text(0)?;
        if !self.scope.admits(person) {
            return Ok(None);
        }
        match self.kind {
            ReportKind::Monthly | ReportKind::Ranking => {
                let name = f.text(1)?;
                let mut values = [0i64; 12];
                for (i, v) in values.iter_mut().enumerate() {
                    *v = f.int(2 + i)?;
                }
                let (user_id, group) = self.person(person);
                let mut rank = 0;
                if self.kind == ReportKind::Ranking {
                    let value = match month_cell(self.ranking, &values, "", "") {
                        Cell::Minutes(v) | Cell::Count(v) => v,
                        _ => 0,
                    };
                    self.seen += 1;
                    if self.previous != Some(value) {
                        self.rank = self.seen;
                        self.previous = Some(value);
                    }
                    rank = self.rank;
                }
                let cells = self
                    .columns
                    .iter()
                    .map(|c| if c == "rank" && self.kind == ReportKind::Ranking { Cell::Count(rank) } else { month_cell(c, &values, name, &group) })
                    .collect();
                Ok(Some(Row { person: person.to_string(), name: name.to_string(), user_id, group, terminal: None, cells }))
            }
            ReportKind::Daily | ReportKind::Timesheet => {
                let date_text = f.text(2)?;
                let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
                    .map_err(|_| Error::Internal(format!("a stored date {date_text:?} cannot be read")))?;
                let r = Day {
                    name: f.text(1)?,
                    holiday_kind: f.text(3)?,
                    holiday_name: f.text(4)?,
                    logon_at: opt(f.int(5)?),
                    logoff_at: opt(f.int(6)?),
                    clock_in_at: opt(f.int(7)?),
                    clock_out_at: opt(f.int(8)?),
                    clock_in_text: f.text(9)?,
                    clock_out_text: f.text(10)?,
                    work_interval_minutes: opt(f.int(11)?),
                    actual_work_minutes: f.int(12)?,
                    non_scheduled_work_minutes: f.int(13)?,
                    overtime_minutes: f.int(14)?,
                    regular_overtime_minutes: f.int(15)?,
                    late_night_minutes: f.int(16)?,
                    late_night_overtime_minutes: f.int(17)?,
                    late_minutes: f.int(18)?,
                    early_leave_minutes: f.int(19)?,
                };
                let (user_id, group) = self.person(person);
                let cells = self.columns.iter().map(|c| day_cell(c, &r, date, &group, self.tz, self.language)).collect();
                Ok(Some(Row { person: person.to_string(), name: r.name.to_string(), user_id, group, terminal: None, cells }))
            }
            ReportKind::Terminal => {
                let terminal = f.text(2)?;
                if self.scope.terminal.as_ref().is_some_and(|t| !t.eq_ignore_ascii_case(terminal)) {
                    return Ok(None);
                }
                let r: TerminalRecord = parse_record(f.text(3)?)?;
                let name = f.text(1)?;
                let (user_id, group) = self.person(person);
                let cells = self
                    .columns
                    .iter()
                    .map(|c| match c.as_str() {
                        "user" => Cell::Text(name.to_string()),
                        "group" => Cell::Text(group.clone()),
                        "date" => Cell::Date(r.date),
                        "weekday" => Cell::Text(weekday(r.date, self.language)),
                        "terminal" => Cell::Text(r.terminal.clone()),
                        "logon" => instant_cell(r.first_logon, self.tz),
                        "logoff" => instant_cell(r.last_logoff, self.tz),
                        _ => Cell::Empty,
                    })
                    .collect();
                Ok(Some(Row {
                    person: person.to_string(),
                    name: name.to_string(),
                    user_id,
                    group,
                    terminal: Some(terminal.to_string()),
                    cells,
                }))
            }
        }
    }
}

/// Streams the rows of the table `req` asks for, within what `actor` may see, in the table's
/// order grouped as `grouping` asks, into `sink`. Returns the table's description (no rows)
/// and the sink.
pub async fn stream<S: RowSink>(db: &Db, actor: &Actor, req: &ReportRequest, grouping: Grouping, sink: S) -> Result<(Table, S)> {
    stream_with(db, actor, req, grouping, sink, false).await
}

/// [`stream`], sorting in memory even when SQL could (the order the tables always had: for tests).
pub async fn stream_in_memory<S: RowSink>(db: &Db, actor: &Actor, req: &ReportRequest, grouping: Grouping, sink: S) -> Result<(Table, S)> {
    stream_with(db, actor, req, grouping, sink, true).await
}

async fn stream_with<S: RowSink>(
    db: &Db,
    actor: &Actor,
    req: &ReportRequest,
    grouping: Grouping,
    mut sink: S,
    in_memory: bool,
) -> Result<(Table, S)> {
    req.layout.check(req.kind).map_err(Error::Invalid)?;
    let scope = Arc::new(scope(db, actor, req.organization_id, req.user.as_deref(), req.terminal.as_deref()).await?);
    let tz = rule_settings::company_rules(db).await?.time_zone;
    let table = Table { kind: req.kind, period: req.period.label(), columns: req.layout.columns.clone(), rows: Vec::new() };
    let keys = if req.kind == ReportKind::Ranking { Vec::new() } else { keys_in_force(req) };
    let mut q = query(db.kind, req, grouping, &keys)?;
    let in_memory = in_memory || !q.sorted;
    if in_memory {
        q = query(db.kind, req, Grouping::None, &[])?;
    }
    let decoder = Decoder {
        kind: req.kind,
        columns: table.columns.clone(),
        scope,
        tz,
        language: req.language,
        ranking: req.ranking.column(),
        seen: 0,
        rank: 0,
        previous: None,
        last: None,
    };
    if !in_memory {
        let (_, sink) = each_row(db, q.sql, q.params, (decoder, sink), |(decoder, sink), f| match decoder.decode(f)? {
            Some(row) => sink.push(row),
            None => Ok(()),
        })
        .await?;
        return Ok((table, sink));
    }
    // Sorted in memory: read in the default order, sort stably by the keys, then group.
    let (_, rows) = each_row(db, q.sql, q.params, (decoder, Vec::new()), |(decoder, rows): &mut (Decoder, Vec<Row>), f| {
        if let Some(row) = decoder.decode(f)? {
            rows.push(row);
        }
        Ok(())
    })
    .await?;
    let mut sorted = Table { rows, ..table.clone() };
    if req.kind != ReportKind::Ranking {
        sorted.sort(&keys);
    }
    let mut rows = sorted.rows;
    match grouping {
        Grouping::None => {}
        Grouping::Sheets => {
            let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            for (i, r) in rows.iter().enumerate() {
                first.entry(r.person.clone()).or_insert(i);
            }
            rows.sort_by_key(|r| first[&r.person]);
        }
        Grouping::User => rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.person.cmp(&b.person))),
        Grouping::Terminal => rows.sort_by(|a, b| a.terminal.cmp(&b.terminal)),
    }
    tokio::task::spawn_blocking(move || {
        for row in rows {
            sink.push(row)?;
        }
        Ok((table, sink))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}
