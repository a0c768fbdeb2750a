//! Importing one access-log file (ALog CSV, EVTX, JSON lines) into `attendance_events`.
//!
//! The file is read on a blocking thread by the engine's streaming readers and handed over in
//! batches, so memory stays constant whatever the file's size. Events go in with multi-row
//! `INSERT … ON CONFLICT DO NOTHING`, keyed by `(occurred_at, user_key, event_hash)`: importing
//! the same file twice stores nothing new, and the second import counts every event as a
//! duplicate. Lines that cannot be read are stored in `attendance_import_rejects`; the file and
//! its counts in `attendance_import_files`.
//!
//! `occurred_at` is in microseconds since the Unix epoch (UTC), `event_hash` is
//! `EventKey::hash64` as a signed 64-bit integer, `user_key` is the logged user lower-cased.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use chrono_tz::Tz;
use kinmu_attendance::{
    EventKey, ImportError, ImportResult, LogEvent, LogFormat, detect_format, read_events,
};
use tokio::sync::mpsc;

use crate::config::DatabaseKind;
use crate::database::Db;

/// Rows per `INSERT` statement (10 parameters each; SQLite takes up to 32,766 parameters). On
/// SQLite the parameters are anonymous (`?`, see `positional_placeholders`): its driver looks
/// numbered ones up by name in a linear scan, which made large statements quadratically slow.
const ROWS_PER_INSERT: usize = 2000;
/// Rows (events and rejects) per transaction. Each transaction rewrites every index page its
/// rows land on, and the rows of a log file land all over the key index: larger transactions
/// write each page fewer times (5,000 rows wrote about 8 KiB of pages per event).
const ROWS_PER_TRANSACTION: usize = 100_000;
/// How many rejected lines the summary keeps (all are stored).
pub const FIRST_REJECTS: usize = 20;

/// What went wrong with an import as a whole. A bad line is not an error: it is a reject.
#[derive(Debug, thiserror::Error)]
pub enum ImportFileError {
    #[error("{path}: no such file")]
    NotFound { path: String },
    #[error("{path}: cannot read the file: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("unknown log format {given:?}: use alog-csv, evtx or jsonl")]
    UnknownFormat { given: String },
    #[error("{path}: database error while importing: {source}")]
    Database {
        path: String,
        #[source]
        source: sqlx::Error,
    },
}

/// How a file's import ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    /// Read to the end (some lines may have been rejected).
    Done,
    /// Nothing could be read from the file: it could not be opened as its format, or every
    /// line was rejected.
    Failed,
}

impl ImportStatus {
    pub fn name(self) -> &'static str {
        match self {
            ImportStatus::Done => "done",
            ImportStatus::Failed => "failed",
        }
    }
}

/// Reported after each batch while a file is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProgress {
    pub file: String,
    pub events_read: u64,
    pub rejected: u64,
}

/// The result of importing one file.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    /// The row in `attendance_import_files`.
    pub file_id: i64,
    pub file: String,
    pub format: LogFormat,
    /// Events read from the file (`imported + duplicates`).
    pub read: u64,
    /// Events stored now.
    pub imported: u64,
    /// Events already stored (by an earlier import, or twice in this file).
    pub duplicates: u64,
    /// Lines or records that could not be read.
    pub rejected: u64,
    /// The first [`FIRST_REJECTS`] rejected lines.
    pub first_rejects: Vec<ImportError>,
    pub status: ImportStatus,
    /// Why the file failed, when it did.
    pub message: Option<String>,
}

/// The command-line name of a format: `alog-csv`, `evtx` or `jsonl`.
pub fn format_name(format: LogFormat) -> &'static str {
    match format {
        LogFormat::AlogCsv => "alog-csv",
        LogFormat::Evtx => "evtx",
        LogFormat::JsonLines => "jsonl",
    }
}

/// Parses a format name (`alog-csv`, `evtx`, `jsonl`; `csv` and `json-lines` are accepted too).
pub fn parse_format(s: &str) -> Result<LogFormat, ImportFileError> {
    match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
        "alog-csv" | "csv" | "alog" => Ok(LogFormat::AlogCsv),
        "evtx" => Ok(LogFormat::Evtx),
        "jsonl" | "json-lines" | "json" => Ok(LogFormat::JsonLines),
        _ => Err(ImportFileError::UnknownFormat {
            given: s.to_string(),
        }),
    }
}

/// What the reading thread sends: a batch of items, or the file could not be opened.
type Batch = Result<Vec<ImportResult>, ImportError>;

/// Imports the log file at `path` (in `forced_format`, or the one detected from its first
/// bytes; naive times read in `tz`). `now` is the import's time (seconds since the epoch).
pub async fn import_file(
    db: &Db,
    path: &Path,
    forced_format: Option<LogFormat>,
    tz: Tz,
    now: i64,
    mut progress: impl FnMut(ImportProgress),
) -> Result<ImportSummary, ImportFileError> {
    let name = path.display().to_string();
    let unreadable = |e: std::io::Error| ImportFileError::Unreadable {
        path: name.clone(),
        reason: e.to_string(),
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImportFileError::NotFound { path: name });
        }
        Err(e) => return Err(unreadable(e)),
    };
    let meta = file.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(ImportFileError::Unreadable {
            path: name,
            reason: "it is a folder".into(),
        });
    }
    let format = match forced_format {
        Some(f) => f,
        None => {
            let mut head = Vec::with_capacity(64);
            (&mut file)
                .take(64)
                .read_to_end(&mut head)
                .map_err(unreadable)?;
            detect_format(&head)
        }
    };
    // read_events seeks back to the start itself only when it detects; we pass the format.
    use std::io::Seek;
    file.seek(std::io::SeekFrom::Start(0)).map_err(unreadable)?;

    let database = |source: sqlx::Error| ImportFileError::Database {
        path: name.clone(),
        source,
    };
    let file_id: i64 = sqlx::query_scalar(
        "INSERT INTO attendance_import_files (name, format, size_bytes, started_at, status) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&name)
    .bind(format_name(format))
    .bind(meta.len() as i64)
    .bind(now)
    .bind("importing")
    .fetch_one(&db.pool)
    .await
    .map_err(database)?;

    let (tx, mut rx) = mpsc::channel::<Batch>(4);
    let reader_name = name.clone();
    let batch_rows = ROWS_PER_INSERT;
    let reader = tokio::task::spawn_blocking(move || {
        let events = match read_events(
            BufReader::with_capacity(1 << 16, file),
            &reader_name,
            Some(format),
            tz,
        ) {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut batch = Vec::with_capacity(batch_rows);
        for item in events {
            batch.push(item);
            if batch.len() == batch_rows {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(batch_rows));
                if tx.blocking_send(Ok(full)).is_err() {
                    return; // the importer stopped
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(Ok(batch));
        }
    });

    let mut summary = ImportSummary {
        file_id,
        file: name.clone(),
        format,
        read: 0,
        imported: 0,
        duplicates: 0,
        rejected: 0,
        first_rejects: Vec::new(),
        status: ImportStatus::Done,
        message: None,
    };
    let outcome = receive(db, file_id, &mut rx, &mut summary, &mut progress).await;
    drop(rx);
    let _ = reader.await;
    if let Err(e) = outcome {
        // Best effort: the database may be the thing that failed.
        let _ = finish(db, &summary, "failed", Some(&e.to_string()), crate::now()).await;
        return Err(database(e));
    }
    if summary.status == ImportStatus::Done && summary.read == 0 && summary.rejected > 0 {
        summary.status = ImportStatus::Failed;
        summary
            .message
            .get_or_insert_with(|| "no event could be read from the file".into());
    }
    let finished = now.max(crate::now());
    finish(
        db,
        &summary,
        summary.status.name(),
        summary.message.as_deref(),
        finished,
    )
    .await
    .map_err(database)?;
    Ok(summary)
}

async fn receive(
    db: &Db,
    file_id: i64,
    rx: &mut mpsc::Receiver<Batch>,
    summary: &mut ImportSummary,
    progress: &mut impl FnMut(ImportProgress),
) -> Result<(), sqlx::Error> {
    let mut transaction = db.pool.begin().await?;
    let mut rows = 0usize;
    // Events wait here until a full statement's worth is there: every statement but the last
    // of a transaction has the same text, so it is prepared once.
    let mut pending: Vec<LogEvent> = Vec::with_capacity(ROWS_PER_INSERT);
    let full_sql = insert_sql(db.kind, ROWS_PER_INSERT);
    while let Some(batch) = rx.recv().await {
        let items = match batch {
            Ok(items) => items,
            Err(e) => {
                summary.status = ImportStatus::Failed;
                summary.message = Some(e.reason.clone());
                store_rejects(&mut transaction, db.kind, file_id, std::slice::from_ref(&e)).await?;
                summary.rejected += 1;
                summary.first_rejects.push(e);
                break;
            }
        };
        let mut rejects: Vec<ImportError> = Vec::new();
        for item in items {
            match item {
                Ok(e) => {
                    pending.push(e);
                    if pending.len() == ROWS_PER_INSERT {
                        let events = std::mem::replace(&mut pending, Vec::with_capacity(ROWS_PER_INSERT));
                        insert_counted(&mut transaction, &full_sql, file_id, events, summary).await?;
                        rows += ROWS_PER_INSERT;
                    }
                }
                Err(e) => rejects.push(e),
            }
        }
        if !rejects.is_empty() {
            store_rejects(&mut transaction, db.kind, file_id, &rejects).await?;
            rows += rejects.len();
            summary.rejected += rejects.len() as u64;
            for r in rejects {
                if summary.first_rejects.len() < FIRST_REJECTS {
                    summary.first_rejects.push(r);
                }
            }
        }
        if rows >= ROWS_PER_TRANSACTION {
            transaction.commit().await?;
            transaction = db.pool.begin().await?;
            rows = 0;
        }
        progress(ImportProgress {
            file: summary.file.clone(),
            events_read: summary.read + pending.len() as u64,
            rejected: summary.rejected,
        });
    }
    if !pending.is_empty() {
        let sql = insert_sql(db.kind, pending.len());
        insert_counted(&mut transaction, &sql, file_id, pending, summary).await?;
    }
    transaction.commit().await?;
    Ok(())
}

/// Inserts `events` with `sql` (made by [`insert_sql`] for their number) and counts them.
async fn insert_counted(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &str,
    file_id: i64,
    events: Vec<LogEvent>,
    summary: &mut ImportSummary,
) -> Result<(), sqlx::Error> {
    let read = events.len() as u64;
    let inserted = insert_events(transaction, sql, file_id, events).await?;
    summary.read += read;
    summary.imported += inserted;
    summary.duplicates += read - inserted;
    Ok(())
}

/// The multi-row insert of `rows` events that skips those already stored: `INSERT … ON
/// CONFLICT DO NOTHING`, or on SQLite `INSERT OR IGNORE`, which skips them the same way (no
/// value is ever NULL) but, unlike the former, cannot stop halfway through the statement, so
/// SQLite does not copy every page the statement touches to a statement journal first (that
/// copy was a fifth of the import's time).
fn insert_sql(kind: DatabaseKind, rows: usize) -> String {
    const COLUMNS: usize = 10;
    let mut sql = String::with_capacity(160 + rows * 64);
    sql.push_str(match kind {
        DatabaseKind::Sqlite => "INSERT OR IGNORE",
        DatabaseKind::Postgres => "INSERT",
    });
    sql.push_str(
        " INTO attendance_events (user_key, occurred_at, event_hash, log_user, host, target, operation, detail, file_id, position) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&crate::database::positional_placeholders(kind, i * COLUMNS + 1, COLUMNS));
        sql.push(')');
    }
    if kind == DatabaseKind::Postgres {
        sql.push_str(" ON CONFLICT DO NOTHING");
    }
    sql
}

/// The key columns of an event: `user_key`, `occurred_at`, `event_hash` (see the module's
/// documentation), taking the event's text apart instead of copying it.
struct EventRow {
    user_key: String,
    key: EventKey,
    hash: i64,
    position: i64,
}

impl EventRow {
    fn new(e: LogEvent) -> EventRow {
        let key = EventKey {
            time_micros: e.time.timestamp_micros(),
            detail: e.detail.to_string(),
            user: e.user,
            host: e.host,
            target: e.target,
            operation: e.operation,
        };
        EventRow { user_key: key.user.to_lowercase(), hash: key.hash64() as i64, key, position: e.source.position as i64 }
    }
}

async fn insert_events(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    sql: &str,
    file_id: i64,
    events: Vec<LogEvent>,
) -> Result<u64, sqlx::Error> {
    let mut query = sqlx::query(sql);
    for e in events {
        let r = EventRow::new(e);
        query = query
            .bind(r.user_key)
            .bind(r.key.time_micros)
            .bind(r.hash)
            .bind(r.key.user)
            .bind(r.key.host)
            .bind(r.key.target)
            .bind(r.key.operation)
            .bind(r.key.detail)
            .bind(file_id)
            .bind(r.position);
    }
    Ok(query.execute(&mut **transaction).await?.rows_affected())
}

async fn store_rejects(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    kind: DatabaseKind,
    file_id: i64,
    rejects: &[ImportError],
) -> Result<(), sqlx::Error> {
    for chunk in rejects.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO attendance_import_rejects (file_id, position, reason) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&crate::database::positional_placeholders(kind, i * 3 + 1, 3));
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for r in chunk {
            query = query
                .bind(file_id)
                .bind(r.position as i64)
                .bind(r.reason.clone());
        }
        query.execute(&mut **transaction).await?;
    }
    Ok(())
}

async fn finish(
    db: &Db,
    s: &ImportSummary,
    status: &str,
    message: Option<&str>,
    finished_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE attendance_import_files SET finished_at = $1, events_read = $2, events_imported = $3, duplicates = $4, \
         rejected = $5, status = $6, message = $7 WHERE id = $8",
    )
    .bind(finished_at)
    .bind(s.read as i64)
    .bind(s.imported as i64)
    .bind(s.duplicates as i64)
    .bind(s.rejected as i64)
    .bind(status)
    .bind(message.map(str::to_string))
    .bind(s.file_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip_and_unknown_names_list_the_options() {
        for f in [LogFormat::AlogCsv, LogFormat::Evtx, LogFormat::JsonLines] {
            assert_eq!(parse_format(format_name(f)).unwrap(), f);
        }
        let e = parse_format("xml").unwrap_err().to_string();
        assert!(
            e.contains("alog-csv, evtx or jsonl") && e.contains("xml"),
            "{e}"
        );
    }
}

/// A row of `attendance_events` as the readers select it: log user, occurred_at (µs), host,
/// target, operation, detail, position.
pub type StoredEventRow = (String, i64, String, String, String, String, i64);

/// The event a stored row holds (`None` when its instant is out of range).
pub fn stored_event(file: &std::sync::Arc<str>, row: StoredEventRow) -> Option<LogEvent> {
    let (user, at, host, target, operation, detail, position) = row;
    Some(LogEvent {
        time: chrono::DateTime::<chrono::Utc>::from_timestamp_micros(at)?,
        user,
        host,
        target,
        operation,
        detail: kinmu_attendance::Detail::parse(&detail),
        source: kinmu_attendance::SourcePosition { file: file.clone(), position: position.max(0) as u64 },
    })
}
