//! The effort report (工数集計) over any period: six queries whatever the period or the number
//! of people — the names (projects, work items, activities, people, organisations) and the
//! effort, summed in the database by the columns the report groups or filters by (and by the
//! piece the rounding applies to), from the sums per person's day and row that
//! `effort::entries` keeps (`effort_day_rows`; rounded per entry, also the entries behind the day
//! rows holding several) — then the pure count of
//! [`kinmu_shared::effort::report`], where the rounding rule lives; and the report as CSV and
//! Excel files.
//!
//! Who sees what: a person holding projects.manage (and the command line's operator) sees
//! everyone's effort; anyone else sees their own entries only (`own_only` in the answer), and
//! asking for another person's is refused.

use kinmu_shared::api::{EffortReport, EffortReportQuery, Id, ReportDimension, ReportValue, RoundingScope};
use kinmu_shared::effort::report::{self, Portion, ReportNames, ReportSpec};
use kinmu_shared::messages::Text;
use kinmu_shared::{Language, Permission};
use sqlx::Row;

use crate::accounts::{Actor, organizations};
use crate::attendance::reports::{Cell, LabelledSheet, labelled_csv, labelled_xlsx};
use crate::config::DatabaseKind;
use crate::database::Db;
use crate::error::{Error, Result};

/// The report for `q`, as `actor` may see it.
pub async fn report(db: &Db, actor: &Actor, q: &EffortReportQuery) -> Result<EffortReport> {
    let spec = report::spec(q)?;
    let own = if super::is_approver(actor) { None } else { actor.user_id() };
    if let Some(me) = own
        && spec.filter.person.is_some_and(|p| p != me)
    {
        return Err(Error::Forbidden(Permission::ManageProjects.key()));
    }
    let names = load_names(db).await?;
    let portions = load_portions(db, &spec, own).await?;
    Ok(report::build(&spec, &names, &portions, own.is_some()))
}

/// Filters named as people type them (the command line): codes, paths, a login.
#[derive(Debug, Clone, Default)]
pub struct NamedFilters {
    pub project: Option<String>,
    pub work_item: Option<String>,
    pub activity1: Option<String>,
    pub activity2: Option<String>,
    pub login: Option<String>,
    pub organization: Option<String>,
}

/// A query with `named`'s filters as ids (the period and the rest left blank); a name that
/// matches nothing is an error naming its field.
pub async fn resolve(db: &Db, named: &NamedFilters) -> Result<EffortReportQuery> {
    let names = load_names(db).await?;
    let missing = |field: &str, what: &str, value: &str| {
        let label = kinmu_shared::messages::field_label(field, Language::Ja);
        Error::invalid(field, Text::new(format!("{field}: there is no {what} {value:?}"), format!("{label}「{value}」はありません。")))
    };
    let same = |a: &str, b: &str| a.trim().to_lowercase() == b.trim().to_lowercase();
    let mut q = EffortReportQuery::default();
    if let Some(code) = &named.project {
        q.project_id = Some(
            names
                .projects
                .iter()
                .find(|(_, (c, _))| same(c, code))
                .map(|(id, _)| *id)
                .ok_or_else(|| missing("project_id", "project", code))?,
        );
    }
    if let (Some(path), Some(code)) = (&named.work_item, &named.project) {
        q.work_item_id = Some(
            names
                .work_items
                .iter()
                .find(|(_, (c, p, _))| same(c, code) && same(p, path))
                .map(|(id, _)| *id)
                .ok_or_else(|| missing("work_item_id", "work item", path))?,
        );
    }
    let activities: Vec<(i64, i64, String)> = sqlx::query_as("SELECT id, level, code FROM activities").fetch_all(&db.pool).await?;
    for (level, code, field) in [(1, &named.activity1, "activity1_id"), (2, &named.activity2, "activity2_id")] {
        if let Some(code) = code {
            let id = activities
                .iter()
                .find(|(_, l, c)| *l == level && same(c, code))
                .map(|a| a.0)
                .ok_or_else(|| missing(field, "activity", code))?;
            if level == 1 {
                q.activity1_id = Some(id);
            } else {
                q.activity2_id = Some(id);
            }
        }
    }
    if let Some(login) = &named.login {
        q.user_id = Some(
            names
                .people
                .iter()
                .find(|(_, (l, _, _))| same(l, login))
                .map(|(id, _)| *id)
                .ok_or_else(|| missing("user_id", "person", login))?,
        );
    }
    if let Some(path) = &named.organization {
        let orgs = organizations::list(db).await?;
        q.organization_id =
            Some(organizations::find_by_path(&orgs, path).ok_or_else(|| missing("organization_id", "organisation", path))?.id);
    }
    Ok(q)
}

/// Every project, work item, activity, person and organisation by id: five queries.
pub async fn load_names(db: &Db) -> Result<ReportNames> {
    let mut names = ReportNames::default();
    for (id, code, name) in sqlx::query_as::<_, (i64, String, String)>("SELECT id, code, name FROM projects").fetch_all(&db.pool).await? {
        names.projects.insert(id, (code, name));
    }
    for (id, code, path, parent) in sqlx::query_as::<_, (i64, String, String, Option<i64>)>(
        "SELECT w.id, p.code, w.path, w.parent_id FROM work_items w JOIN projects p ON p.id = w.project_id",
    )
    .fetch_all(&db.pool)
    .await?
    {
        names.work_items.insert(id, (code, path, parent));
    }
    for (id, code, name) in sqlx::query_as::<_, (i64, String, String)>("SELECT id, code, name FROM activities").fetch_all(&db.pool).await? {
        names.activities.insert(id, (code, name));
    }
    for (id, login, name, org) in
        sqlx::query_as::<_, (i64, String, String, Option<i64>)>("SELECT id, login, display_name, organization_id FROM users")
            .fetch_all(&db.pool)
            .await?
    {
        names.people.insert(id, (login, name, org));
    }
    for o in organizations::list(db).await? {
        names.organizations.insert(o.id, (o.path, o.parent_id));
    }
    Ok(names)
}

/// The entries' columns a dimension needs (a person's organisation is found from the person).
fn column_of(d: ReportDimension) -> &'static str {
    match d {
        ReportDimension::Project => "project_id",
        ReportDimension::WorkItem => "work_item_id",
        ReportDimension::Activity1 => "activity1_id",
        ReportDimension::Activity2 => "activity2_id",
        ReportDimension::Person | ReportDimension::Organization => "user_id",
    }
}

/// The effort of `spec`'s period summed by the columns the report groups or filters by: one
/// query over the sums per person's day and row (`effort_day_rows`, which counts live entries
/// only and holds 0 for no work item or activity). Not rounded: a sum per group of columns.
/// Rounded per day: those sums counted per length. Rounded per entry: a day row holding one
/// entry is that entry's length, so those rows are counted per length as well, and the entries
/// are read only behind the day rows holding several (`effort_day_rows_several`). Equality
/// filters (and `own`, the only person to count) narrow the query itself. On SQLite the grouping
/// by person and activity 1 walks `effort_day_rows_person_activity` in order (migration 20)
/// rather than sorting the period's rows.
pub async fn load_portions(db: &Db, spec: &ReportSpec, own: Option<Id>) -> Result<Vec<Portion>> {
    if let (Some(me), Some(p)) = (own, spec.filter.person)
        && me != p
    {
        // Another person's effort: refused by the report already, never counted here.
        return Ok(Vec::new());
    }
    let q = portions_query(spec, own, db.kind);
    let rows = q.bound(&q.sql, spec).fetch_all(&db.pool).await?;
    let columns = &q.columns;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut p = Portion::default();
        for (i, column) in columns.iter().enumerate() {
            let value: Option<i64> = row.try_get(i)?;
            match *column {
                "project_id" => p.project_id = value,
                "work_item_id" => p.work_item_id = value,
                "activity1_id" => p.activity1_id = value,
                "activity2_id" => p.activity2_id = value,
                _ => p.user_id = value,
            }
        }
        let n = columns.len();
        // A sum over no rows (nothing in the period) is null.
        let Some(minutes) = row.try_get::<Option<i64>, _>(n)? else { continue };
        p.minutes = minutes;
        p.times = row.try_get(n + 1)?;
        p.entries = row.try_get(n + 2)?;
        out.push(p);
    }
    Ok(out)
}

/// The one query of [`load_portions`]: its SQL (the period's first and last day bound as `$1`
/// and `$2`, then `binds`), and the columns it selects before the minutes, the times and the
/// entries.
struct PortionsQuery {
    sql: String,
    binds: Vec<i64>,
    columns: Vec<&'static str>,
}

impl PortionsQuery {
    /// `sql` (this query's own, or it behind `EXPLAIN`) with the period and the filters bound.
    fn bound<'q>(&'q self, sql: &'q str, spec: &ReportSpec) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        let mut query = sqlx::query(sql).bind(spec.from.to_string()).bind(spec.to.to_string());
        for v in &self.binds {
            query = query.bind(*v);
        }
        query
    }
}

/// The engine's plan for [`load_portions`]'s query for `spec` (`EXPLAIN QUERY PLAN` on SQLite,
/// `EXPLAIN` on PostgreSQL), on one line: whether it sorts, which index it walks. For the
/// benchmark, which prints it, and the test of SQLite's plan.
pub async fn query_plan(db: &Db, spec: &ReportSpec) -> Result<String> {
    let q = portions_query(spec, None, db.kind);
    let (explain, column) = match db.kind {
        DatabaseKind::Sqlite => ("EXPLAIN QUERY PLAN", 3),
        DatabaseKind::Postgres => ("EXPLAIN", 0),
    };
    let sql = format!("{explain} {}", q.sql);
    let rows = q.bound(&sql, spec).fetch_all(&db.pool).await?;
    Ok(rows.iter().filter_map(|r| r.try_get::<String, _>(column).ok()).map(|l| l.trim().to_string()).collect::<Vec<_>>().join(" | "))
}

/// [`load_portions`]'s query for `spec` (and `own`, the only person to count) on the engine
/// `kind`.
fn portions_query(spec: &ReportSpec, own: Option<Id>, kind: DatabaseKind) -> PortionsQuery {
    let f = &spec.filter;
    let mut dims: Vec<ReportDimension> = spec.group_by.clone();
    for (d, given) in [
        (ReportDimension::Project, f.project.is_some()),
        (ReportDimension::WorkItem, f.work_item.is_some()),
        (ReportDimension::Activity1, f.activity1.is_some()),
        (ReportDimension::Activity2, f.activity2.is_some()),
        (ReportDimension::Person, f.person.is_some() || f.organization.is_some()),
    ] {
        if given {
            dims.push(d);
        }
    }
    let mut columns: Vec<&'static str> = dims.into_iter().map(column_of).collect();
    columns.sort();
    columns.dedup();
    let mut conditions = vec!["r.work_date >= $1".to_string(), "r.work_date <= $2".into()];
    let mut binds: Vec<i64> = Vec::new();
    for (column, value) in
        [("project_id", f.project), ("activity1_id", f.activity1), ("activity2_id", f.activity2), ("user_id", f.person.or(own))]
    {
        if let Some(v) = value {
            binds.push(v);
            conditions.push(format!("r.{column} = ${}", binds.len() + 2));
        }
    }
    let filter = conditions.join(" AND ");
    // The day rows' 0 (no work item or activity) is the report's none.
    let nullable = |c: &str| matches!(c, "work_item_id" | "activity1_id" | "activity2_id");
    let listed = columns.iter().map(|c| if nullable(c) { format!("NULLIF(r.{c}, 0)") } else { format!("r.{c}") }).collect::<Vec<_>>();
    let select = |extra: &str| listed.iter().map(String::as_str).chain([extra]).collect::<Vec<_>>().join(", ");
    let group = |extra: Option<&str>| {
        let all: Vec<String> = columns.iter().map(|c| format!("r.{c}")).chain(extra.map(str::to_string)).collect();
        if all.is_empty() { String::new() } else { format!(" GROUP BY {}", all.join(", ")) }
    };
    // On SQLite, a grouping by person (or organisation), with or without activity 1, and no
    // project walks `effort_day_rows_person_activity` in the grouping's order and sums as it goes.
    // Named, because SQLite's planner left to itself (with or without `ANALYZE`'s statistics)
    // reads the date index and sorts the period's rows: a year's company report took 1.6 s so,
    // 0.3 s walking the index (`scripts/bench-effort`).
    let in_person_order = kind == DatabaseKind::Sqlite
        && f.project.is_none()
        && columns.contains(&"user_id")
        && columns.iter().all(|c| matches!(*c, "user_id" | "activity1_id"));
    let day_rows = if in_person_order { "effort_day_rows r INDEXED BY effort_day_rows_person_activity" } else { "effort_day_rows r" };
    // The entries behind a day row are found by its person and day. On SQLite the index is named
    // and `+` keeps the planner from carrying the period's range over to the entries: left to
    // itself it searched each person's year of entries (or a project's) for every day row, 1.4 s
    // for the company year per entry.
    let (entries, same_day) = if kind == DatabaseKind::Sqlite {
        ("effort_entries e INDEXED BY effort_entries_user_date", "+r.work_date")
    } else {
        ("effort_entries e", "r.work_date")
    };
    let sql = match spec.rounding.map(|r| r.scope) {
        None => format!(
            "SELECT {} FROM {day_rows} WHERE {filter}{}",
            select("CAST(SUM(r.minutes) AS BIGINT), CAST(1 AS BIGINT), CAST(SUM(r.entries) AS BIGINT)"),
            group(None)
        ),
        Some(RoundingScope::Day) => format!(
            "SELECT {} FROM {day_rows} WHERE {filter}{}",
            select("r.minutes, COUNT(*), CAST(SUM(r.entries) AS BIGINT)"),
            group(Some("r.minutes"))
        ),
        Some(RoundingScope::Entry) => format!(
            "SELECT {} FROM {day_rows} WHERE {filter} AND r.entries = 1{} \
             UNION ALL \
             SELECT {} FROM effort_day_rows r JOIN {entries} ON e.user_id = r.user_id AND e.work_date = {same_day} \
             AND e.project_id = r.project_id AND COALESCE(e.work_item_id, 0) = r.work_item_id \
             AND COALESCE(e.activity1_id, 0) = r.activity1_id AND COALESCE(e.activity2_id, 0) = r.activity2_id \
             AND e.deleted_at IS NULL \
             WHERE {filter} AND r.entries > 1{}",
            select("r.minutes, COUNT(*), COUNT(*)"),
            group(Some("r.minutes")),
            select("e.minutes, COUNT(*), COUNT(*)"),
            group(Some("e.minutes"))
        ),
    };
    PortionsQuery { sql, binds, columns }
}

/// The headings of a dimension's columns: a code and a name, or a path.
fn dimension_labels(d: ReportDimension, language: Language) -> Vec<String> {
    let ja = language == Language::Ja;
    let l = |en: &str, jp: &str| if ja { jp.to_string() } else { en.to_string() };
    match d {
        ReportDimension::Project => vec![l("Project code", "プロジェクトコード"), d.label(language).into()],
        ReportDimension::WorkItem => vec![l("Project code", "プロジェクトコード"), d.label(language).into()],
        ReportDimension::Activity1 => vec![l("Activity 1 code", "第1分類コード"), d.label(language).into()],
        ReportDimension::Activity2 => vec![l("Activity 2 code", "第2分類コード"), d.label(language).into()],
        ReportDimension::Person => vec![l("Login", "ログイン名"), d.label(language).into()],
        ReportDimension::Organization => vec![d.label(language).into()],
    }
}

/// A value's cells under [`dimension_labels`]: a value without an id is named as none.
fn dimension_cells(d: ReportDimension, v: &ReportValue, language: Language) -> Vec<Cell> {
    let name = if v.id.is_none() { d.none_label(language).to_string() } else { v.name.clone() };
    match d {
        ReportDimension::Organization => vec![Cell::Text(name)],
        _ => vec![Cell::Text(v.code.clone()), Cell::Text(name)],
    }
}

/// The report as one sheet: a row per line (per group with one grouping), each group's subtotal
/// after its lines, the grand total last; the effort as time (`[h]:mm` in Excel, `h:mm` in CSV)
/// and as decimal hours.
pub fn sheet(r: &EffortReport, language: Language) -> LabelledSheet {
    let ja = language == Language::Ja;
    let l = |en: &str, jp: &str| if ja { jp.to_string() } else { en.to_string() };
    let mut labels: Vec<String> = r.group_by.iter().flat_map(|d| dimension_labels(*d, language)).collect();
    if labels.is_empty() {
        labels.push(l("Period", "期間"));
    }
    let width = labels.len();
    labels.push(l("Effort", "工数"));
    labels.push(l("Hours", "時間（10進）"));
    let figures = |minutes: i64| [Cell::Minutes(minutes), Cell::Hours(minutes)];
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut emphasised = Vec::new();
    let outer = r.group_by.first().copied();
    let inner = r.group_by.get(1).copied();
    for g in &r.groups {
        let Some(outer) = outer else { break };
        let outer_cells = dimension_cells(outer, &g.value, language);
        match inner {
            None => {
                let mut row = outer_cells;
                row.extend(figures(g.minutes));
                rows.push(row);
            }
            Some(inner) => {
                for line in &g.lines {
                    let mut row = outer_cells.clone();
                    row.extend(dimension_cells(inner, &line.value, language));
                    row.extend(figures(line.minutes));
                    rows.push(row);
                }
                let mut row = outer_cells.clone();
                row.push(Cell::Text(l("Subtotal", "小計")));
                row.resize(width, Cell::Empty);
                row.extend(figures(g.minutes));
                emphasised.push(rows.len());
                rows.push(row);
            }
        }
    }
    let mut total = vec![Cell::Text(if r.group_by.is_empty() { format!("{} – {}", r.from, r.to) } else { l("Total", "合計") })];
    total.resize(width, Cell::Empty);
    total.extend(figures(r.total_minutes));
    emphasised.push(rows.len());
    rows.push(total);
    LabelledSheet { name: format!("{} {}~{}", l("Effort", "工数"), r.from, r.to), labels, rows, emphasised }
}

/// The report's file name: `effort-2026-04-01-2026-04-30.csv` / `.xlsx`.
pub fn file_name(r: &EffortReport, extension: &str) -> String {
    format!("effort-{}-{}.{extension}", r.from, r.to)
}

/// The CSV text (to be encoded with `encode_text`).
pub fn csv_text(r: &EffortReport, language: Language) -> String {
    labelled_csv(&sheet(r, language))
}

/// The Excel file: one sheet, a frozen bold header, subtotals and the total in bold.
pub fn xlsx_bytes(r: &EffortReport, language: Language) -> Result<Vec<u8>> {
    labelled_xlsx(&[sheet(r, language)]).map_err(|e| Error::Internal(format!("the effort report's Excel file: {e}")))
}

/// `format` checked: `csv` or `xlsx`.
pub fn file_format(format: Option<&str>) -> Result<&'static str> {
    match format.map(str::trim).unwrap_or("csv").to_ascii_lowercase().as_str() {
        "csv" => Ok("csv"),
        "xlsx" => Ok("xlsx"),
        _ => Err(Error::invalid("format", Text::new("format must be csv or xlsx", "形式は「csv」か「xlsx」にしてください。"))),
    }
}
