//! Kinmu's effort CSV ([`EFFORT_CSV_HEADER`]): `kinmu effort import` and `export`, the same
//! columns both ways. Import goes through [`entries::save`] row by row as the operator, so every
//! rule holds (a locked period refuses its rows, a day stays within 24 hours) and each refused row
//! is reported with its line. It is idempotent: a row with an `id` is that entry; a row without
//! one gets an id derived from its content, so importing the same file again stores nothing new.

use std::collections::HashMap;

use chrono::NaiveDate;
use kinmu_shared::api::{Activity, ChangePath, EFFORT_CSV_HEADER, ImportReport, SaveEntry, SaveOutcome};
use kinmu_shared::effort::{BareNumber, format_minutes, parse_duration_with};
use kinmu_shared::messages::Text;
use kinmu_shared::spreadsheet::{neutralise_formula, restore_neutralised};

use super::entries;
use crate::accounts::Actor;
use crate::accounts::csv_transfer::{read_rows, row_error};
use crate::database::Db;
use crate::error::{Error, Result};

/// Names of projects, work items, activities and users, for reading and writing rows.
pub struct Catalogue {
    /// Project code (lower-case) → id, and id → code.
    projects: HashMap<String, i64>,
    project_codes: HashMap<i64, String>,
    /// (project id, path lower-case) → work item id, and id → path.
    work_items: HashMap<(i64, String), i64>,
    work_item_paths: HashMap<i64, String>,
    activities: Vec<Activity>,
    /// Login key → user id, and id → login.
    users: HashMap<String, i64>,
    logins: HashMap<i64, String>,
}

impl Catalogue {
    pub async fn load(db: &Db) -> Result<Catalogue> {
        let projects: Vec<(i64, String)> = sqlx::query_as("SELECT id, code FROM projects").fetch_all(&db.pool).await?;
        let items: Vec<(i64, i64, String)> = sqlx::query_as("SELECT id, project_id, path FROM work_items").fetch_all(&db.pool).await?;
        let users: Vec<(i64, String)> = sqlx::query_as("SELECT id, login FROM users").fetch_all(&db.pool).await?;
        Ok(Catalogue {
            projects: projects.iter().map(|(id, c)| (c.to_lowercase(), *id)).collect(),
            project_codes: projects.into_iter().collect(),
            work_items: items.iter().map(|(id, p, path)| ((*p, normalise_path(path)), *id)).collect(),
            work_item_paths: items.into_iter().map(|(id, _, path)| (id, path)).collect(),
            activities: super::activities::list(db).await?,
            users: users.iter().map(|(id, l)| (l.to_lowercase(), *id)).collect(),
            logins: users.into_iter().collect(),
        })
    }

    pub fn project_code(&self, id: i64) -> &str {
        self.project_codes.get(&id).map_or("", String::as_str)
    }

    pub fn work_item_path(&self, id: Option<i64>) -> &str {
        id.and_then(|i| self.work_item_paths.get(&i)).map_or("", String::as_str)
    }

    pub fn activity_code(&self, id: Option<i64>) -> &str {
        id.and_then(|i| self.activities.iter().find(|a| a.id == i)).map_or("", |a| a.code.as_str())
    }

    pub fn login(&self, id: i64) -> &str {
        self.logins.get(&id).map_or("", String::as_str)
    }

    /// An activity of `level` by its code or name (case-insensitive).
    fn activity(&self, field: &str, level: i64, text: &str) -> Result<Option<i64>> {
        if text.is_empty() {
            return Ok(None);
        }
        let t = text.to_lowercase();
        self.activities
            .iter()
            .find(|a| a.level == level && (a.code.to_lowercase() == t || a.name.to_lowercase() == t))
            .map(|a| Some(a.id))
            .ok_or_else(|| {
                Error::invalid(
                    field,
                    Text::new(
                        format!("{field}: no activity of level {level} has the code or name {text:?}"),
                        format!("第{level}分類に「{text}」というコードまたは名前の分類はありません。"),
                    ),
                )
            })
    }
}

/// `Design/Screens`, `design / screens` → `design / screens`.
fn normalise_path(path: &str) -> String {
    path.split('/').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(super::work_items::PATH_SEPARATOR)
}

/// An id for a row without one, from its content: the same row imported again is the same entry.
fn derived_id(fields: &[&str]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for f in fields {
        h.update(f.as_bytes());
        h.update([0u8]);
    }
    let hex = hex::encode(h.finalize());
    // Laid out as a UUID of version 8 (made by the application), variant RFC 4122.
    format!("{}-{}-8{}-a{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// What an import did: its report, and how many rows were already stored as they are.
#[derive(Debug, Clone, Default)]
pub struct EffortImport {
    pub report: ImportReport,
    pub unchanged: i64,
}

/// Imports the rows of an effort CSV (UTF-8 with or without BOM, or Shift_JIS), as `actor`
/// (the command line's operator), recorded under `path`.
pub async fn import(db: &Db, actor: &Actor, bytes: &[u8], path: ChangePath, today: NaiveDate, now: i64) -> Result<EffortImport> {
    actor.require(kinmu_shared::Permission::EnterEffort)?;
    let required = ["login", "date", "project_code", "duration"];
    let rows = read_rows(bytes, &EFFORT_CSV_HEADER, &required, actor.language())?;
    let mut report = rows.report;
    let mut unchanged = 0;
    let catalogue = Catalogue::load(db).await?;
    for (line, rec) in &rows.rows {
        let get = |i: usize| rows.cols[i].and_then(|c| rec.get(c)).map(|f| restore_neutralised(f.trim())).unwrap_or("");
        match import_row(db, actor, &catalogue, &get, path, today, now).await {
            Ok(SaveOutcome::Created) => report.created += 1,
            Ok(SaveOutcome::Updated) => report.updated += 1,
            Ok(SaveOutcome::Unchanged) => unchanged += 1,
            Ok(SaveOutcome::Conflict) => report.errors.push(row_error(
                *line,
                Some("id"),
                Text::new(
                    "the entry changed while the file was read: import again",
                    "読み込み中に工数が変更されました。もう一度取り込んでください。",
                )
                .get(actor.language())
                .unwrap_or_default(),
            )),
            Err(e) => {
                let api = e.to_api_in(actor.language());
                report.errors.push(row_error(*line, api.field.as_deref(), api.message));
            }
        }
    }
    report.errors.sort_by_key(|e| e.line);
    Ok(EffortImport { report, unchanged })
}

async fn import_row<'r>(
    db: &Db,
    actor: &Actor,
    c: &Catalogue,
    get: &(dyn Fn(usize) -> &'r str + Sync),
    path: ChangePath,
    today: NaiveDate,
    now: i64,
) -> Result<SaveOutcome> {
    // Column indexes follow EFFORT_CSV_HEADER.
    let (login, date, code, item, a1, a2, duration, note, id) = (get(0), get(1), get(2), get(3), get(4), get(5), get(6), get(7), get(8));
    let user = *c.users.get(&login.to_lowercase()).ok_or_else(|| {
        Error::invalid(
            "login",
            Text::new(format!("no user has the login {login:?}"), format!("ログイン名「{login}」のユーザーはいません。")),
        )
    })?;
    let project = *c.projects.get(&code.to_lowercase()).ok_or_else(|| {
        Error::invalid(
            "project_code",
            Text::new(format!("no project has the code {code:?}"), format!("プロジェクトコード「{code}」のプロジェクトはありません。")),
        )
    })?;
    let work_item_id = match item {
        "" => None,
        p => Some(*c.work_items.get(&(project, normalise_path(p))).ok_or_else(|| {
            Error::invalid(
                "work_item",
                Text::new(format!("project {code} has no work item {p:?}"), format!("プロジェクト {code} に作業項目「{p}」はありません。")),
            )
        })?),
    };
    let minutes = parse_duration_with(duration, BareNumber::Minutes).map_err(|e| Error::invalid("duration", e.text()))?;
    let id = match id {
        "" => derived_id(&[login, date, code, item, a1, a2, note]),
        given => entries::parse_uuid("id", given)?,
    };
    let expected_version =
        sqlx::query_scalar::<_, i64>("SELECT version FROM effort_entries WHERE id = $1").bind(&id).fetch_optional(&db.pool).await?;
    let req = SaveEntry {
        id,
        user_id: Some(user),
        date: date.to_string(),
        project_id: project,
        work_item_id,
        activity1_id: c.activity("activity1", 1, a1)?,
        activity2_id: c.activity("activity2", 2, a2)?,
        minutes,
        note: note.to_string(),
        expected_version,
    };
    Ok(entries::save(db, actor, req, path, today, now).await?.outcome)
}

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: String,
    user_id: i64,
    work_date: String,
    project_id: i64,
    work_item_id: Option<i64>,
    activity1_id: Option<i64>,
    activity2_id: Option<i64>,
    minutes: i64,
    note: String,
}

/// The live entries from `from` to `to` (every person's, or one login's) as an effort CSV.
pub async fn export(db: &Db, actor: &Actor, from: NaiveDate, to: NaiveDate, login: Option<&str>) -> Result<String> {
    actor.require(kinmu_shared::Permission::ManageProjects)?;
    if to < from {
        return Err(Error::invalid(
            "to",
            Text::new(format!("--to {to} is before --from {from}"), format!("終了日 {to} が開始日 {from} より前です。")),
        ));
    }
    let user = match login {
        Some(l) => Some(super::person_by_login(db, "user", l).await?.id),
        None => None,
    };
    let c = Catalogue::load(db).await?;
    let rows: Vec<ExportRow> = sqlx::query_as(
        "SELECT id, user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, note FROM effort_entries \
         WHERE work_date >= $1 AND work_date <= $2 AND deleted_at IS NULL AND ($3 = 0 OR user_id = $3) ORDER BY work_date, user_id, created_at, id",
    )
    .bind(from.to_string())
    .bind(to.to_string())
    .bind(user.unwrap_or(0))
    .fetch_all(&db.pool)
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(EFFORT_CSV_HEADER).map_err(|e| Error::Internal(e.to_string()))?;
    for r in rows {
        let cells = [
            c.login(r.user_id).to_string(),
            r.work_date,
            c.project_code(r.project_id).to_string(),
            c.work_item_path(r.work_item_id).to_string(),
            c.activity_code(r.activity1_id).to_string(),
            c.activity_code(r.activity2_id).to_string(),
            format_minutes(r.minutes),
            r.note,
            r.id,
        ];
        w.write_record(cells.iter().map(|s| neutralise_formula(s).into_owned())).map_err(|e| Error::Internal(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_uuids_and_follow_the_content() {
        let a = derived_id(&["sato", "2026-11-10", "P-1", "", "", "", "review"]);
        assert_eq!(entries::parse_uuid("id", &a).unwrap(), a);
        assert_eq!(a, derived_id(&["sato", "2026-11-10", "P-1", "", "", "", "review"]));
        assert_ne!(a, derived_id(&["sato", "2026-11-11", "P-1", "", "", "", "review"]));
        assert_eq!(normalise_path("Design/Screens "), "design / screens");
    }
}
