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
use kinmu_shared::Language;
use kinmu_shared::api::{DailyField, FieldKind, ReportColumn, ReportKind, STATUS_FIELDS, SortKey, day_status};
use sqlx::Row as _;
use sqlx::postgres::PgRow;

use super::handoff::Handoff;
use super::request::{Period, ReportRequest, Scope, instant_cell, scope, weekday};
use super::rows::{Fields, RowSink};
use super::spill_sort::{Column, ROWS_PER_BUCKET, SpillSort, boundaries, drain};
use super::table::{Cell, Row, Table};
use crate::accounts::Actor;
use crate::attendance::rule_settings;
use crate::config::DatabaseKind;
use crate::database::sqlite_rows::{Param, RawRow, for_each_row};
use crate::database::{Db, Native};
use crate::error::{Error, Result, Text};

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
        ReportKind::Daily | ReportKind::Timesheet => {
            let field = ReportColumn::from_key(column)?.stored()?;
            let e = field.key();
            match field.kind() {
                FieldKind::Text => plain(&format!("{e}{bin}")),
                FieldKind::Instant => time(e),
                // An empty interval is an empty cell: last both ways.
                FieldKind::OptionalMinutes => Some((format!("({e} IS NULL), {e}"), format!("({e} IS NULL), {e} DESC"))),
                _ => plain(e),
            }
        }
        ReportKind::Terminal => match column {
            "user" => plain(&format!("t.display_name{bin}")),
            "date" => plain("t.work_date"),
            "terminal" => plain(&format!("t.terminal{bin}")),
            _ => None,
        },
    }
}

/// The monthly table's column of a table column: a day's duration is totalled under the daily
/// column's name.
fn month_column(key: &str) -> Option<&'static str> {
    let duration = ReportColumn::from_key(key).and_then(ReportColumn::stored).filter(|f| f.kind() == FieldKind::Minutes);
    duration.map(DailyField::key).or(match key {
        "late_count" => Some("late_count"),
        "early_leave_count" => Some("early_leave_count"),
        "days_worked" => Some("days_worked"),
        "holiday_days_worked" => Some("holiday_days_worked"),
        "days_without_clock_in" => Some("days_without_clock_in"),
        "days_without_clock_out" => Some("days_without_clock_out"),
        "absent_days" => Some("absent_days"),
        _ => None,
    })
}

/// The sort keys in force: the first two, those of columns shown.
fn keys_in_force(req: &ReportRequest) -> Vec<SortKey> {
    req.layout.sort.iter().take(2).filter(|k| req.layout.columns.contains(&k.column)).cloned().collect()
}

const MONTH_VALUES: [&str; 13] = [
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
    "absent_days",
];

/// The query of a table: its SQL and parameters, and whether the layout's keys are in its order.
struct Query {
    sql: String,
    /// The same rows in the order they are stored (no `ORDER BY`).
    unordered: String,
    params: Vec<Param>,
    sorted: bool,
}

fn query(kind: DatabaseKind, req: &ReportRequest, grouping: Grouping, keys: &[SortKey]) -> Result<Query> {
    let bin = if kind == DatabaseKind::Postgres { " COLLATE \"C\"" } else { "" };
    let (first, last) = req.period.first_and_last();
    let pushed: Option<Vec<String>> = if req.kind == ReportKind::Ranking {
        Some(Vec::new())
    } else {
        keys.iter().map(|k| sql_key(req.kind, &k.column, bin).map(|(asc, desc)| if k.descending { desc } else { asc })).collect()
    };
    // Excel timesheets with sort keys put each person's sheet where the person first appears;
    // a ranking grouped per user must be ranked in its own order first: both sorted in memory.
    let sheets_in_memory = grouping == Grouping::Sheets && !keys.is_empty();
    let ranking_in_memory = req.kind == ReportKind::Ranking && grouping != Grouping::None;
    let sorted = pushed.is_some() && !sheets_in_memory && !ranking_in_memory;
    let keys_sql = if sorted { pushed.unwrap_or_default() } else { Vec::new() };
    let mut order: Vec<String> = Vec::new();
    let n = NULL_INT;
    let (sql, params) = match req.kind {
        ReportKind::Monthly | ReportKind::Ranking => {
            let (from, to) = match req.period {
                Period::Month(y, m) => (format!("{y:04}-{m:02}"), format!("{y:04}-{m:02}")),
                Period::Year(y) => (format!("{y:04}-01"), format!("{y:04}-12")),
                Period::Day(_) => {
                    return Err(Error::invalid(
                        "month",
                        Text::new(
                            "month: this table is per month: give YYYY-MM",
                            "この帳票は月単位です。年月（YYYY-MM）を指定してください。",
                        ),
                    ));
                }
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
                     GROUP BY person_key",
                    sums.join(", "),
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
            // NULL is read as '' or NULL_INT.
            let read: Vec<String> = DAY_FIELDS
                .iter()
                .map(|f| match (f.kind().nullable(), f.kind().is_text()) {
                    (false, _) => f.key().to_string(),
                    (true, true) => format!("COALESCE({}, '')", f.key()),
                    (true, false) => format!("COALESCE({}, {n})", f.key()),
                })
                .collect();
            (
                format!("SELECT {} FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2", read.join(", ")),
                vec![Param::Text(first.to_string()), Param::Text(last.to_string())],
            )
        }
        ReportKind::Terminal => {
            let name = "t.display_name";
            match grouping {
                Grouping::User if sorted => order.extend([format!("{name}{bin}"), format!("t.person_key{bin}")]),
                Grouping::Terminal if sorted => order.push(format!("t.terminal{bin}")),
                _ => {}
            }
            order.extend(keys_sql);
            order.extend([format!("t.person_key{bin}"), "t.work_date".into(), format!("t.terminal{bin}")]);
            (
                format!(
                    "SELECT t.person_key, {name}, t.terminal, t.work_date, COALESCE(t.first_logon_at, {n}), \
                     COALESCE(t.last_logoff_at, {n}) FROM attendance_terminals t \
                     WHERE t.work_date >= $1 AND t.work_date <= $2",
                ),
                vec![Param::Text(first.to_string()), Param::Text(last.to_string())],
            )
        }
    };
    Ok(Query { sql: format!("{sql} ORDER BY {}", order.join(", ")), unordered: sql, params, sorted })
}

/// How a big table is put in order by [`SpillSort`] instead of by the database.
struct SpillPlan {
    columns: Vec<Column>,
    order: Vec<usize>,
    boundaries: Vec<String>,
}

/// The stored fields the daily and timesheet tables read, in the order of their query (the
/// person's key first, as in every table's query).
const DAY_FIELDS: [DailyField; 23] = {
    use DailyField::*;
    [
        PersonKey,
        DisplayName,
        WorkDate,
        HolidayKind,
        HolidayName,
        LogonAt,
        LogoffAt,
        ClockInAt,
        ClockOutAt,
        ClockInText,
        ClockOutText,
        WorkIntervalMinutes,
        ActualWorkMinutes,
        NonScheduledWorkMinutes,
        OvertimeMinutes,
        RegularOvertimeMinutes,
        LateNightMinutes,
        LateNightOvertimeMinutes,
        LateMinutes,
        EarlyLeaveMinutes,
        Absent,
        MissingClockIn,
        MissingClockOut,
    ]
};

/// Where the daily query reads `field`.
const fn day_index(field: DailyField) -> usize {
    let mut i = 0;
    while DAY_FIELDS[i] as usize != field as usize {
        i += 1;
    }
    i
}

/// The columns of the daily query, as read.
const DAY_COLUMNS: [Column; DAY_FIELDS.len()] = {
    let mut columns = [Column::Int; DAY_FIELDS.len()];
    let mut i = 0;
    while i < columns.len() {
        if DAY_FIELDS[i].kind().is_text() {
            columns[i] = Column::Text;
        }
        i += 1;
    }
    columns
};

/// The columns of the per-terminal query, as read.
const TERMINAL_COLUMNS: [Column; 6] = [Column::Text, Column::Text, Column::Text, Column::Text, Column::Int, Column::Int];

/// A [`SpillPlan`] for a table of more rows than one bucket holds, in the order of the query's
/// `ORDER BY` without layout keys (name, person, date; per terminal: person, date, terminal);
/// `None` leaves the order to the database.
async fn spill_plan(db: &Db, req: &ReportRequest, grouping: Grouping, keys: &[SortKey], bucket_rows: usize) -> Result<Option<SpillPlan>> {
    if !keys.is_empty() {
        return Ok(None);
    }
    let (columns, order, sample) = match (req.kind, grouping) {
        (ReportKind::Daily | ReportKind::Timesheet, Grouping::None | Grouping::Sheets | Grouping::User) => (
            DAY_COLUMNS.to_vec(),
            vec![day_index(DailyField::DisplayName), day_index(DailyField::PersonKey), day_index(DailyField::WorkDate)],
            "SELECT display_name FROM attendance_daily WHERE work_date = \
             (SELECT MIN(work_date) FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2)",
        ),
        (ReportKind::Terminal, Grouping::None | Grouping::Sheets) => (
            TERMINAL_COLUMNS.to_vec(),
            vec![0, 3, 2],
            "SELECT person_key FROM attendance_terminals WHERE work_date = \
             (SELECT MIN(work_date) FROM attendance_terminals WHERE work_date >= $1 AND work_date <= $2)",
        ),
        _ => return Ok(None),
    };
    let (first, last) = req.period.first_and_last();
    // One day's first keys, as many times over as the period has days, stand for the rows.
    let names: Vec<String> = sqlx::query_scalar(sample).bind(first.to_string()).bind(last.to_string()).fetch_all(&db.pool).await?;
    let days = usize::try_from((last - first).num_days() + 1).unwrap_or(1);
    let buckets = (names.len() * days).div_ceil(bucket_rows.max(1));
    if buckets <= 1 {
        return Ok(None);
    }
    Ok(Some(SpillPlan { columns, order, boundaries: boundaries(names, buckets) }))
}

/// Turns stored records into rows of the table.
struct Decoder {
    kind: ReportKind,
    columns: Vec<String>,
    day_columns: Vec<Option<ReportColumn>>,
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

/// A person's day, as stored: the values of [`DAY_FIELDS`], each at its field's index (NULL
/// read as '' or [`NULL_INT`]).
struct Day<'a> {
    texts: [&'a str; DailyField::ALL.len()],
    ints: [i64; DailyField::ALL.len()],
}

impl<'a> Day<'a> {
    fn read(f: &'a dyn Fields) -> Result<Day<'a>> {
        let mut day = Day { texts: [""; DailyField::ALL.len()], ints: [0; DailyField::ALL.len()] };
        for (i, field) in DAY_FIELDS.iter().enumerate() {
            if field.kind().is_text() {
                day.texts[*field as usize] = f.text(i)?;
            } else {
                day.ints[*field as usize] = f.int(i)?;
            }
        }
        Ok(day)
    }

    fn text(&self, field: DailyField) -> &'a str {
        self.texts[field as usize]
    }

    fn int(&self, field: DailyField) -> Option<i64> {
        opt(self.ints[field as usize])
    }
}

/// A stored clock time: the text as the rules show it, sorted by the instant it stands for.
fn shown_time(text: &str, at: Option<i64>, tz: Tz) -> Cell {
    let local = at.and_then(|t| DateTime::from_timestamp(t, 0)).map(|t| t.with_timezone(&tz).naive_local());
    Cell::Time { text: text.to_string(), local }
}

/// A cell of the daily and timesheet tables (`key` told once per table rather than per cell).
fn day_cell(key: Option<ReportColumn>, r: &Day<'_>, date: NaiveDate, group: &str, tz: Tz, language: Language) -> Cell {
    use DailyField as F;
    let instant = |t: Option<i64>| instant_cell(t.and_then(|t| DateTime::from_timestamp(t, 0)), tz);
    let Some(key) = key else { return Cell::Empty };
    match key {
        ReportColumn::User => Cell::Text(r.text(F::DisplayName).to_string()),
        ReportColumn::Group => Cell::Text(group.to_string()),
        ReportColumn::Date => Cell::Date(date),
        ReportColumn::Weekday => Cell::Text(weekday(date, language)),
        ReportColumn::ClockIn => shown_time(r.text(F::ClockInText), r.int(F::ClockInAt), tz),
        ReportColumn::ClockOut => shown_time(r.text(F::ClockOutText), r.int(F::ClockOutAt), tz),
        ReportColumn::Holiday => match r.text(F::HolidayKind) {
            "" => Cell::Empty,
            "national" => Cell::Text(r.text(F::HolidayName).to_string()),
            "company" => Cell::Text(if language == Language::Ja { "会社休日" } else { "company holiday" }.into()),
            _ => Cell::Text(if language == Language::Ja { "休日" } else { "day off" }.into()),
        },
        ReportColumn::Status => {
            let [absent, missing_in, missing_out] = STATUS_FIELDS.map(|f| r.ints[f as usize] != 0);
            match day_status(absent, missing_in, missing_out, language) {
                "" => Cell::Empty,
                words => Cell::Text(words.to_string()),
            }
        }
        // Logon, logoff and the durations: the stored field's value.
        c => match c.stored() {
            Some(f) => match f.kind() {
                FieldKind::Instant => instant(r.int(f)),
                FieldKind::Minutes => Cell::Minutes(r.ints[f as usize]),
                FieldKind::OptionalMinutes => r.int(f).map_or(Cell::Empty, Cell::Minutes),
                _ => Cell::Empty,
            },
            None => Cell::Empty,
        },
    }
}

fn month_cell(key: &str, values: &[i64; MONTH_VALUES.len()], name: &str, group: &str) -> Cell {
    match key {
        "user" => Cell::Text(name.to_string()),
        "group" => Cell::Text(group.to_string()),
        k => match MONTH_VALUES.iter().position(|c| Some(*c) == month_column(k)) {
            Some(i)
                if matches!(
                    k,
                    "late_count"
                        | "early_leave_count"
                        | "days_worked"
                        | "holiday_days_worked"
                        | "days_without_clock_in"
                        | "days_without_clock_out"
                        | "absent_days"
                ) =>
            {
                Cell::Count(values[i])
            }
            Some(i) => Cell::Minutes(values[i]),
            None => Cell::Empty,
        },
    }
}

/// A stored `YYYY-MM-DD` (read without a format string: millions of rows in a file).
fn stored_date(text: &str) -> Result<NaiveDate> {
    let b = text.as_bytes();
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r).filter(|d| d.iter().all(u8::is_ascii_digit)).map(|d| d.iter().fold(0, |n, c| n * 10 + u32::from(c - b'0')))
    };
    let date = if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        match (number(0..4), number(5..7), number(8..10)) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
            _ => None,
        }
    } else {
        None
    };
    date.ok_or_else(|| Error::Internal(format!("a stored date {text:?} cannot be read")))
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
                let mut values = [0i64; MONTH_VALUES.len()];
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
                    .map(|c| {
                        if c == "rank" && self.kind == ReportKind::Ranking {
                            Cell::Count(rank)
                        } else {
                            month_cell(c, &values, name, &group)
                        }
                    })
                    .collect();
                Ok(Some(Row { person: person.to_string(), name: name.to_string(), user_id, group, terminal: None, cells }))
            }
            ReportKind::Daily | ReportKind::Timesheet => {
                let r = Day::read(f)?;
                let date = stored_date(r.text(DailyField::WorkDate))?;
                let (user_id, group) = self.person(person);
                let cells = self.day_columns.iter().map(|&c| day_cell(c, &r, date, &group, self.tz, self.language)).collect();
                let name = r.text(DailyField::DisplayName).to_string();
                Ok(Some(Row { person: person.to_string(), name, user_id, group, terminal: None, cells }))
            }
            ReportKind::Terminal => {
                let terminal = f.text(2)?;
                if self.scope.terminal.as_ref().is_some_and(|t| !t.eq_ignore_ascii_case(terminal)) {
                    return Ok(None);
                }
                let date = stored_date(f.text(3)?)?;
                let at = |v: i64| opt(v).and_then(|t| DateTime::from_timestamp(t, 0));
                let (first_logon, last_logoff) = (at(f.int(4)?), at(f.int(5)?));
                let name = f.text(1)?;
                let (user_id, group) = self.person(person);
                let cells = self
                    .day_columns
                    .iter()
                    .map(|c| match c {
                        Some(ReportColumn::User) => Cell::Text(name.to_string()),
                        Some(ReportColumn::Group) => Cell::Text(group.clone()),
                        Some(ReportColumn::Date) => Cell::Date(date),
                        Some(ReportColumn::Weekday) => Cell::Text(weekday(date, self.language)),
                        Some(ReportColumn::Terminal) => Cell::Text(terminal.to_string()),
                        Some(ReportColumn::Logon) => instant_cell(first_logon, self.tz),
                        Some(ReportColumn::Logoff) => instant_cell(last_logoff, self.tz),
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
    stream_with(db, actor, req, grouping, sink, false, ROWS_PER_BUCKET).await
}

/// [`stream`], sorting in memory even when SQL could (the order the tables always had: for tests).
pub async fn stream_in_memory<S: RowSink>(db: &Db, actor: &Actor, req: &ReportRequest, grouping: Grouping, sink: S) -> Result<(Table, S)> {
    stream_with(db, actor, req, grouping, sink, true, ROWS_PER_BUCKET).await
}

/// [`stream`], big tables put in order in buckets of `rows` rows (for tests: a small table
/// takes the path of a big one).
pub async fn stream_in_buckets_of<S: RowSink>(
    db: &Db,
    actor: &Actor,
    req: &ReportRequest,
    grouping: Grouping,
    sink: S,
    rows: usize,
) -> Result<(Table, S)> {
    stream_with(db, actor, req, grouping, sink, false, rows).await
}

async fn stream_with<S: RowSink>(
    db: &Db,
    actor: &Actor,
    req: &ReportRequest,
    grouping: Grouping,
    mut sink: S,
    in_memory: bool,
    bucket_rows: usize,
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
        day_columns: table.columns.iter().map(|c| ReportColumn::from_key(c)).collect(),
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
        // Batches waiting for the sink: the reader stays a little ahead of it.
        let handoff = Handoff::start(sink, 4, Ok);
        let handoff = match spill_plan(db, req, grouping, &keys, bucket_rows).await? {
            Some(plan) => {
                // Readers of alternate days, each on its own connection, fill their own buckets.
                let (first, last) = req.period.first_and_last();
                let days = (last - first).num_days() + 1;
                let readers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4).min(days as usize);
                let mut reads = Vec::new();
                for r in 0..readers as i64 {
                    let (a, b) = (
                        first + chrono::Duration::days(days * r / readers as i64),
                        first + chrono::Duration::days(days * (r + 1) / readers as i64 - 1),
                    );
                    let spill = SpillSort::new(plan.columns.clone(), plan.order.clone(), plan.boundaries.clone())?;
                    let params = vec![Param::Text(a.to_string()), Param::Text(b.to_string())];
                    reads.push(each_row(db, q.unordered.clone(), params, spill, |s, f| s.add(f)));
                }
                let parts = futures_util::future::try_join_all(reads).await?;
                tokio::task::spawn_blocking(move || {
                    let (mut decoder, mut handoff) = (decoder, handoff);
                    drain(parts, |f| match decoder.decode(f)? {
                        Some(row) => handoff.push(row),
                        None => Ok(()),
                    })?;
                    Ok::<_, Error>(handoff)
                })
                .await
                .map_err(|e| Error::Internal(e.to_string()))??
            }
            None => {
                each_row(db, q.sql, q.params, (decoder, handoff), |(decoder, out), f| match decoder.decode(f)? {
                    Some(row) => out.push(row),
                    None => Ok(()),
                })
                .await?
                .1
            }
        };
        let sink = tokio::task::spawn_blocking(move || handoff.finish()).await.map_err(|e| Error::Internal(e.to_string()))??;
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

/// Builds the table `req` asks for, sorted by the layout's keys (every row in memory: for the
/// console's pages and small tables; files are streamed, see [`stream`]).
pub async fn build(db: &Db, actor: &Actor, req: &ReportRequest) -> Result<Table> {
    let (table, rows) = stream(db, actor, req, Grouping::None, Vec::new()).await?;
    Ok(Table { rows, ..table })
}
