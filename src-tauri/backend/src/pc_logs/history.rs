//! The imports as people see them: a file uploaded from the browser, imported like one from the
//! command line, and the history of every import (`attendance_import_files`).

use std::path::Path;

use kinmu_shared::Permission;
use kinmu_shared::api::{ImportSource, LogImport, LogImportList, LogImportQuery, LogUploadQuery, RejectedLine};

use super::event_import::{ImportFileError, ImportOptions, ImportSummary, import_file_with, parse_format, retention_start};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result, Text};

/// The longest file name recorded for an upload.
const NAME_MAX: usize = 255;

/// A log format Kinmu does not read, in both languages.
fn unknown_format(e: &ImportFileError) -> Error {
    let given = match e {
        ImportFileError::UnknownFormat { given } => given.as_str(),
        _ => "",
    };
    Error::invalid(
        "format",
        Text::new(
            e.to_string(),
            format!("「{given}」というログの形式はありません。「alog-csv」「evtx」「jsonl」のいずれかを指定してください。"),
        ),
    )
}

/// Imports an uploaded file (its bytes at `path`, a temporary file) as `query.name`, on behalf
/// of `actor`, and answers what it found. Needs settings.manage.
pub async fn import_upload(db: &Db, actor: &Actor, path: &Path, query: &LogUploadQuery, now: i64) -> Result<LogImport> {
    actor.require(Permission::ManageSettings)?;
    let name = query.name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", Text::new("give the file's name", "ファイル名を指定してください。")));
    }
    if name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "name",
            Text::new(
                format!("a file name is at most {NAME_MAX} characters, without control characters"),
                format!("ファイル名は制御文字を含まない {NAME_MAX} 文字以内にしてください。"),
            ),
        ));
    }
    let format = match query.format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Some(parse_format(f).map_err(|e| unknown_format(&e))?),
        None => None,
    };
    let tz = crate::attendance::rule_settings::company_rules(db).await?.time_zone;
    let options = ImportOptions {
        source: ImportSource::Upload,
        imported_by: match actor {
            Actor::User(u) => Some(u.login.clone()),
            _ => None,
        },
        name: Some(name.to_string()),
        retention_start: retention_start(db, tz, now).await?,
        keep_older: query.keep_older,
        ..ImportOptions::new(format, tz, now)
    };
    let summary = import_file_with(db, path, &options, |_| {}).await.map_err(|e| match e {
        ImportFileError::Database { source, .. } => source,
        ImportFileError::UnknownFormat { .. } => unknown_format(&e),
        other => Error::Internal(other.to_string()),
    })?;
    let mut answer = find(db, summary.file_id).await?.ok_or_else(|| Error::Internal("the import's record is gone".into()))?;
    answer.first_rejects = first_rejects(&summary);
    Ok(answer)
}

fn first_rejects(s: &ImportSummary) -> Vec<RejectedLine> {
    s.first_rejects.iter().map(|r| RejectedLine { position: r.position, reason: r.reason.clone() }).collect()
}

/// The history of imports, newest first. Needs settings.manage.
pub async fn list(db: &Db, actor: &Actor, query: &LogImportQuery) -> Result<LogImportList> {
    actor.require(Permission::ManageSettings)?;
    let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 500));
    let offset = i64::from(query.offset.unwrap_or(0));
    let rows: Vec<ImportRow> = sqlx::query_as(&format!("{SELECT} ORDER BY started_at DESC, id DESC LIMIT $1 OFFSET $2"))
        .bind(limit)
        .bind(offset)
        .fetch_all(&db.pool)
        .await?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_import_files").fetch_one(&db.pool).await?;
    let retention_days = crate::attendance::rule_settings::task_settings(db).await?.retention.events_days;
    Ok(LogImportList { imports: rows.into_iter().map(LogImport::from).collect(), total, retention_days })
}

async fn find(db: &Db, id: i64) -> Result<Option<LogImport>> {
    let row: Option<ImportRow> = sqlx::query_as(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    Ok(row.map(LogImport::from))
}

/// An import's row, its columns named as in [`LogImport`].
#[derive(sqlx::FromRow)]
struct ImportRow {
    id: i64,
    file: String,
    format: String,
    source: String,
    imported_by: Option<String>,
    size_bytes: i64,
    started_at: i64,
    finished_at: Option<i64>,
    read: i64,
    imported: i64,
    duplicates: i64,
    rejected: i64,
    older_than_retention: i64,
    older_kept: i64,
    status: String,
    message: Option<String>,
}

const SELECT: &str = "SELECT id, name AS file, format, source, imported_by, size_bytes, started_at, finished_at, \
     events_read AS read, events_imported AS imported, duplicates, rejected, older_than_retention, older_kept, status, message \
     FROM attendance_import_files";

impl From<ImportRow> for LogImport {
    fn from(r: ImportRow) -> LogImport {
        LogImport {
            id: r.id,
            file: r.file,
            format: r.format,
            source: ImportSource::from_key(&r.source).unwrap_or(ImportSource::Command),
            imported_by: r.imported_by,
            size_bytes: r.size_bytes,
            started_at: r.started_at,
            finished_at: r.finished_at,
            read: r.read,
            imported: r.imported,
            duplicates: r.duplicates,
            rejected: r.rejected,
            older_than_retention: r.older_than_retention,
            older_kept: r.older_kept != 0,
            status: r.status,
            message: r.message,
            first_rejects: Vec::new(),
        }
    }
}
