//! Importing one access-log file (ALog CSV, EVTX, JSON lines) into `attendance_events`.
//!
//! The file is read on a blocking thread by the engine's streaming readers, each event made
//! into the row it is stored as, and handed over in sorted batches, so memory stays constant
//! whatever the file's size. Events are keyed by `(occurred_at, user_key, event_hash)` and an
//! event already stored is skipped (`INSERT OR IGNORE` on SQLite, through a statement prepared
//! once; on PostgreSQL `COPY` into a temporary table, then `INSERT … SELECT … ON CONFLICT DO
//! NOTHING`): importing the same file
//! twice stores nothing new, and the second import counts every event as a duplicate. Lines
//! that cannot be read are stored in `attendance_import_rejects`; the file and its counts in
//! `attendance_import_files`.
//!
//! `occurred_at` is in microseconds since the Unix epoch (UTC), `event_hash` is
//! `EventKey::hash64` as a signed 64-bit integer, `user_key` is the logged user lower-cased.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use chrono_tz::Tz;
use kinmu_pc_logs::{EventKey, ImportError, LogEvent, LogFormat, detect_format, read_events};
use tokio::sync::mpsc;

use crate::config::DatabaseKind;
use crate::database::sqlite_rows;
use crate::database::{Db, Native, Value};
pub use kinmu_shared::api::ImportSource;

mod sorted_runs;

use sorted_runs::{RunWriter, SortedRuns};

/// How an import cuts its work: the batches the reading thread hands over, the transactions,
/// and when and how it sorts on disk.
#[derive(Debug, Clone, Copy)]
struct ImportPlan {
    /// Events per batch handed to the writer, each sorted.
    batch_rows: usize,
    /// Rows (events and rejects) per transaction. Each transaction rewrites every index page
    /// its rows land on: larger transactions write each page fewer times (5,000 rows wrote
    /// about 8 KiB of pages per event).
    transaction_rows: usize,
    /// How far back before the latest event handed over a batch may reach and still be taken
    /// as in time order (logs merged from several machines are a little out of order); further,
    /// and the rest of the file is sorted on disk ([`SortedRuns`]).
    tolerance_micros: i64,
    /// Events per sorted run.
    run_rows: usize,
}

impl ImportPlan {
    /// Batches of 2,000 events, transactions of 100,000 rows, 15 minutes, runs of 250,000
    /// events (about 80 MB in memory).
    const DEFAULT: ImportPlan =
        ImportPlan { batch_rows: 2_000, transaction_rows: 100_000, tolerance_micros: 15 * 60 * 1_000_000, run_rows: 250_000 };
}
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
    #[error(
        "{path}: cannot sort the file's events in the temporary folder {folder} (the file is not in time order, \
         so its events are sorted on disk before they are stored): {reason}; free space there or point TMPDIR \
         at a folder with room, then import the file again (what was stored is kept, and counted as duplicates)"
    )]
    Sorting { path: String, folder: String, reason: String },
    #[error("{path}: database error while importing: {source}")]
    Database {
        path: String,
        #[source]
        source: crate::error::Error,
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
    /// Events read from the file so far.
    pub events_read: u64,
    /// Of those, events handed to the database (stored or found to be there already). Behind
    /// `events_read` while a file that is not in time order is sorted first.
    pub events_stored: u64,
    pub rejected: u64,
}

/// How a file is imported: beyond its path, where it came from and what to do with events
/// older than the retention of raw events.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The format, else detected from the file's first bytes.
    pub format: Option<LogFormat>,
    /// The zone naive log times are read in.
    pub tz: Tz,
    /// The import's time (seconds since the epoch).
    pub now: i64,
    pub source: ImportSource,
    /// The login of whoever imported it (an upload).
    pub imported_by: Option<String>,
    /// The name recorded for the file (an upload's own name); else its path.
    pub name: Option<String>,
    /// Events before this instant (µs since the epoch) are older than the retention of raw
    /// events ([`retention_start`]); none: kept for ever.
    pub retention_start: Option<i64>,
    /// Store those events anyway (they are counted, and left out otherwise).
    pub keep_older: bool,
}

impl ImportOptions {
    /// A command-line import with no retention (the library's callers and tests).
    pub fn new(format: Option<LogFormat>, tz: Tz, now: i64) -> ImportOptions {
        ImportOptions {
            format,
            tz,
            now,
            source: ImportSource::Command,
            imported_by: None,
            name: None,
            retention_start: None,
            keep_older: false,
        }
    }
}

/// The first instant whose events the retention of raw events keeps, at `now` in `tz` with the
/// stored retention (`None` when events are kept for ever): the events the next task run
/// deletes are those before it (see [`crate::pc_logs::events::delete_older_than`]).
pub async fn retention_start(db: &Db, tz: Tz, now: i64) -> crate::error::Result<Option<i64>> {
    let days = crate::attendance::rule_settings::task_settings(db).await?.retention.events_days;
    let today = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default().with_timezone(&tz).date_naive();
    Ok(crate::pc_logs::events::retention_start(today, days))
}

/// The result of importing one file.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    /// The row in `attendance_import_files`.
    pub file_id: i64,
    pub file: String,
    pub format: LogFormat,
    /// Events read from the file (`imported + duplicates`, and the events older than the
    /// retention when they were left out).
    pub read: u64,
    /// Events stored now.
    pub imported: u64,
    /// Events already stored (by an earlier import, or twice in this file).
    pub duplicates: u64,
    /// Lines or records that could not be read.
    pub rejected: u64,
    /// Events older than the retention of raw events.
    pub older_than_retention: u64,
    /// Whether those were stored (else left out).
    pub older_kept: bool,
    pub source: ImportSource,
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
        _ => Err(ImportFileError::UnknownFormat { given: s.to_string() }),
    }
}

/// What the reading thread sends to the writer.
enum Batch {
    /// Events made ready to store, and lines that could not be read.
    Items(Vec<Result<EventRow, ImportError>>),
    /// Events read so far, while they are sorted on disk and none is handed over.
    Sorting(u64),
    /// The file could not be opened as its format.
    Unreadable(ImportError),
}

/// What the writer reports after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Progress {
    read: u64,
    stored: u64,
    rejected: u64,
}

/// Imports the log file at `path` (in `forced_format`, or the one detected from its first
/// bytes; naive times read in `tz`). `now` is the import's time (seconds since the epoch).
///
/// Two threads share the work: one reads the file and turns each event into the row it is
/// stored as (key, hash, canonical detail), the other stores the rows — on SQLite through one
/// statement prepared once on a lent connection, on PostgreSQL by `COPY` (see [`store_on_postgres`]).
pub async fn import_file(
    db: &Db,
    path: &Path,
    forced_format: Option<LogFormat>,
    tz: Tz,
    now: i64,
    progress: impl FnMut(ImportProgress),
) -> Result<ImportSummary, ImportFileError> {
    import_file_with(db, path, &ImportOptions::new(forced_format, tz, now), progress).await
}

/// [`import_file`] with where the file came from and what to do with old events.
pub async fn import_file_with(
    db: &Db,
    path: &Path,
    options: &ImportOptions,
    progress: impl FnMut(ImportProgress),
) -> Result<ImportSummary, ImportFileError> {
    import_file_with_plan(db, path, options, ImportPlan::DEFAULT, progress).await
}

/// [`import_file`] with the plan of its batches, transactions and sort (tests use small ones).
async fn import_file_with_plan(
    db: &Db,
    path: &Path,
    options: &ImportOptions,
    plan: ImportPlan,
    mut progress: impl FnMut(ImportProgress),
) -> Result<ImportSummary, ImportFileError> {
    let (forced_format, tz, now) = (options.format, options.tz, options.now);
    let name = options.name.clone().unwrap_or_else(|| path.display().to_string());
    let unreadable = |e: std::io::Error| ImportFileError::Unreadable { path: name.clone(), reason: e.to_string() };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ImportFileError::NotFound { path: name });
        }
        Err(e) => return Err(unreadable(e)),
    };
    let meta = file.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(ImportFileError::Unreadable { path: name, reason: "it is a folder".into() });
    }
    let format = match forced_format {
        Some(f) => f,
        None => {
            let mut head = Vec::with_capacity(64);
            (&mut file).take(64).read_to_end(&mut head).map_err(unreadable)?;
            detect_format(&head)
        }
    };
    // read_events seeks back to the start itself only when it detects; we pass the format.
    use std::io::Seek;
    file.seek(std::io::SeekFrom::Start(0)).map_err(unreadable)?;

    let database = |source: crate::error::Error| ImportFileError::Database { path: name.clone(), source };
    let file_id: i64 = sqlx::query_scalar(
        "INSERT INTO attendance_import_files (name, format, size_bytes, started_at, status, source, imported_by, older_kept) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&name)
    .bind(format_name(format))
    .bind(meta.len() as i64)
    .bind(now)
    .bind("importing")
    .bind(options.source.key())
    .bind(options.imported_by.clone())
    .bind(i64::from(options.keep_older))
    .fetch_one(&db.pool)
    .await
    .map_err(|e| database(e.into()))?;

    let (tx, rx) = mpsc::channel::<Batch>(4);
    let reader_name = name.clone();
    let older = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let retention = Retention { start: options.retention_start, keep: options.keep_older, older: older.clone() };
    let reader = tokio::task::spawn_blocking(move || read_batches(file, &reader_name, format, tz, plan, &retention, &tx));
    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel::<Progress>();
    let writer = async {
        match db.native() {
            Native::Sqlite(pool) => store_on_sqlite(pool, file_id, plan, rx, progress_tx).await,
            Native::Postgres(pool) => store_on_postgres(pool, file_id, plan, rx, progress_tx).await,
        }
    };
    tokio::pin!(writer);
    let mut last = None;
    let mut report = |p: Progress| {
        if last != Some(p) {
            last = Some(p);
            progress(ImportProgress { file: name.clone(), events_read: p.read, events_stored: p.stored, rejected: p.rejected })
        }
    };
    let outcome = loop {
        tokio::select! {
            outcome = &mut writer => break outcome,
            Some(p) = progress_rx.recv() => report(p),
        }
    };
    while let Ok(p) = progress_rx.try_recv() {
        report(p);
    }
    // A failure, and the message stored with the file's row.
    let (tally, failure) = match (outcome, reader.await) {
        (Err((tally, e)), _) => (tally, Some((e.to_string(), database(e)))),
        (Ok(tally), Err(stopped)) => {
            let e = ImportFileError::Unreadable { path: name.clone(), reason: format!("the reading thread stopped: {stopped}") };
            (tally, Some((e.to_string(), e)))
        }
        (Ok(tally), Ok(Err(e))) => {
            let e = ImportFileError::Sorting { path: name.clone(), folder: SortedRuns::folder(), reason: e.to_string() };
            (tally, Some((e.to_string(), e)))
        }
        (Ok(tally), Ok(Ok(()))) => (tally, None),
    };
    let older = older.load(std::sync::atomic::Ordering::Relaxed);
    let summarize = |tally: Tally| {
        let mut s = tally.summary(file_id, &name, format);
        s.older_than_retention = older;
        s.older_kept = options.keep_older;
        s.source = options.source;
        if !options.keep_older {
            s.read += older;
        }
        s
    };
    if let Some((message, e)) = failure {
        let summary = summarize(tally);
        // Best effort: the database may be the thing that failed.
        let _ = finish(db, &summary, "failed", Some(&message), crate::now()).await;
        return Err(e);
    }
    let mut summary = summarize(tally);
    // A file from which nothing was read is a failure (the command exits non-zero, the inbox
    // moves it to failed/), whether it was empty or every line was rejected.
    if summary.status == ImportStatus::Done && summary.read == 0 {
        summary.status = ImportStatus::Failed;
        summary.message.get_or_insert_with(|| {
            if summary.rejected > 0 {
                "no event could be read from the file".into()
            } else {
                "the file holds no event: it is empty or has a header line only".into()
            }
        });
    }
    let finished = now.max(crate::now());
    finish(db, &summary, summary.status.name(), summary.message.as_deref(), finished).await.map_err(|e| database(e.into()))?;
    if db.kind == DatabaseKind::Postgres && summary.imported >= VACUUM_AFTER_EVENTS {
        vacuum_events(db).await;
    }
    Ok(summary)
}

/// The reading thread: reads the file's events and lines that cannot be read, makes each event
/// the row it is stored as, and sends them to the writer in batches of the plan's size,
/// each sorted in the table's order. When a batch reaches back further than the plan's
/// tolerance before the latest event sent (the file is not in time order), the rest of the
/// file's events are sorted on disk ([`SortedRuns`]) and sent in time order once the file has
/// been read; lines that cannot be read are still sent as they come. An error here is one of
/// the sort's files; the writer stores what it was sent.
fn read_batches(
    file: File,
    name: &str,
    format: LogFormat,
    tz: Tz,
    plan: ImportPlan,
    retention: &Retention,
    tx: &mpsc::Sender<Batch>,
) -> std::io::Result<()> {
    let events = match read_events(BufReader::with_capacity(1 << 16, file), name, Some(format), tz) {
        Ok(s) => s,
        Err(e) => {
            let _ = tx.blocking_send(Batch::Unreadable(e));
            return Ok(());
        }
    };
    // `false` once the writer has stopped.
    let send = |items: Vec<Result<EventRow, ImportError>>| tx.blocking_send(Batch::Items(items)).is_ok();
    let mut batch = Vec::with_capacity(plan.batch_rows);
    // The latest event sent, while the file is taken as in time order.
    let mut latest = i64::MIN;
    let mut sort: Option<(RunWriter, Vec<EventRow>)> = None;
    let mut read = 0u64;
    let mut items = events.peekable();
    while let Some(item) = items.next() {
        match item {
            Ok(e) => {
                let row = EventRow::new(e);
                if row.holds_nul() {
                    // PostgreSQL's text cannot hold it, and no log writes one on purpose: a
                    // reject on either engine, so both store the same.
                    let reason = "the line holds a NUL character (U+0000), which is not text: check the file's encoding";
                    batch.push(Err(ImportError::new(name, row.position as u64, reason)));
                } else if retention.leaves_out(&row) {
                    // Older than the retention: counted, and not stored.
                } else {
                    read += 1;
                    match sort.as_mut() {
                        None => batch.push(Ok(row)),
                        Some((runs, run)) => {
                            run.push(row);
                            if run.len() >= plan.run_rows {
                                runs.write(std::mem::replace(run, Vec::with_capacity(plan.run_rows)))?;
                                if tx.blocking_send(Batch::Sorting(read)).is_err() {
                                    return Ok(());
                                }
                            }
                        }
                    }
                }
            }
            Err(e) => batch.push(Err(e)),
        }
        if batch.len() < plan.batch_rows && items.peek().is_some() {
            continue;
        }
        let mut full = std::mem::replace(&mut batch, Vec::with_capacity(plan.batch_rows));
        full.sort_unstable_by(EventRow::storage_order);
        let earliest = full.first().and_then(|r| r.as_ref().ok()).map(|r| r.key.time_micros);
        if sort.is_none() && earliest.is_some_and(|t| t < latest.saturating_sub(plan.tolerance_micros)) {
            // Not in time order: this batch's events start the sort.
            let writer = match RunWriter::start() {
                Ok(w) => w,
                Err(e) => {
                    // What was read is stored as it comes; the import stops there.
                    send(full);
                    return Err(e);
                }
            };
            let mut run = Vec::with_capacity(plan.run_rows.min(1 << 20));
            let mut rejects = Vec::new();
            for item in full {
                match item {
                    Ok(r) => run.push(r),
                    Err(e) => rejects.push(Err(e)),
                }
            }
            full = rejects;
            sort = Some((writer, run));
        }
        if sort.is_none()
            && let Some(t) = full.iter().rev().find_map(|r| r.as_ref().ok()).map(|r| r.key.time_micros)
        {
            latest = latest.max(t);
        }
        if !full.is_empty() && !send(full) {
            return Ok(());
        }
    }
    if let Some((runs, run)) = sort {
        let runs = runs.finish()?;
        let mut out = Vec::with_capacity(plan.batch_rows);
        let mut writer_stopped = false;
        let merged = runs.merge(run, |row| {
            out.push(Ok(row));
            if out.len() == plan.batch_rows && !send(std::mem::replace(&mut out, Vec::with_capacity(plan.batch_rows))) {
                writer_stopped = true;
                return Err(std::io::Error::other("the writer stopped"));
            }
            Ok(())
        });
        if writer_stopped {
            // The writer failed, and says why.
            return Ok(());
        }
        merged?;
        if !out.is_empty() {
            send(out);
        }
    }
    Ok(())
}

/// The retention of raw events as the reading thread applies it: events before `start` are
/// counted in `older`, and left out unless `keep`.
struct Retention {
    start: Option<i64>,
    keep: bool,
    older: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Retention {
    /// Counts an event older than the retention; true when it is to be left out.
    fn leaves_out(&self, row: &EventRow) -> bool {
        if self.start.is_some_and(|start| row.key.time_micros < start) {
            self.older.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return !self.keep;
        }
        false
    }
}

/// Events imported into PostgreSQL from one file after which the table is vacuumed.
const VACUUM_AFTER_EVENTS: u64 = 100_000;

/// After a large import into PostgreSQL: `VACUUM (ANALYZE)` of the events. The first reader
/// of a newly written row checks whether its transaction committed and marks the row, writing
/// its page again; and autovacuum, triggered by the inserts, reads the whole table while that
/// reader runs. Both fell on the attendance task run after an import (100,000 users × 40 logs:
/// 9.6–10.2 s, against 8.3–8.6 s once the table had been vacuumed). The vacuum visits only the
/// pages not yet marked all-visible, so it costs about the new rows' share of the table. A
/// vacuum that fails is logged: the import stands.
async fn vacuum_events(db: &Db) {
    let started = std::time::Instant::now();
    match sqlx::query("VACUUM (ANALYZE) attendance_events").execute(&db.pool).await {
        Ok(_) => tracing::info!(ms = started.elapsed().as_millis() as u64, "import: events vacuumed"),
        Err(e) => tracing::warn!(error = %e, "import: the events could not be vacuumed"),
    }
}

/// What the writer counted; becomes the [`ImportSummary`].
#[derive(Debug, Default, Clone)]
struct Tally {
    read: u64,
    imported: u64,
    duplicates: u64,
    rejected: u64,
    first_rejects: Vec<ImportError>,
    /// Why the file could not be read at all, when it could not.
    failed: Option<String>,
}

impl Tally {
    fn stored(&mut self, read: u64, inserted: u64) {
        self.read += read;
        self.imported += inserted;
        self.duplicates += read - inserted;
    }

    fn rejected(&mut self, e: ImportError) {
        self.rejected += 1;
        if self.first_rejects.len() < FIRST_REJECTS {
            self.first_rejects.push(e);
        }
    }

    /// The file could not be opened as its format: one reject at its position, and the reason.
    fn unreadable(&mut self, e: ImportError) {
        self.failed = Some(e.reason.clone());
        self.rejected(e);
    }

    /// The progress so far: `read_ahead` events have been read from the file (more than were
    /// handed over while the file is sorted), and `in_hand` more than counted wait in the
    /// writer for their statement.
    fn progress(&self, read_ahead: u64, in_hand: u64) -> Progress {
        let stored = self.read + in_hand;
        Progress { read: read_ahead.max(stored), stored, rejected: self.rejected }
    }

    fn summary(self, file_id: i64, file: &str, format: LogFormat) -> ImportSummary {
        ImportSummary {
            file_id,
            file: file.to_string(),
            format,
            read: self.read,
            imported: self.imported,
            duplicates: self.duplicates,
            rejected: self.rejected,
            older_than_retention: 0,
            older_kept: false,
            source: ImportSource::Command,
            first_rejects: self.first_rejects,
            status: if self.failed.is_some() { ImportStatus::Failed } else { ImportStatus::Done },
            message: self.failed,
        }
    }
}

/// A writer's result: what it counted, and on failure also the error (what was committed
/// before stays stored).
type Stored = Result<Tally, (Tally, crate::error::Error)>;

/// The columns of `attendance_events` an import writes, in its rows' order, and how many.
const EVENT_COLUMNS: &str = "user_key, occurred_at, event_hash, log_user, host, target, operation, detail, file_id, position";
const EVENT_COLUMN_COUNT: usize = 10;
const INSERT_REJECT_SQLITE: &str = "INSERT INTO attendance_import_rejects (file_id, position, reason) VALUES (?, ?, ?)";

/// Stores the batches on SQLite: one `INSERT OR IGNORE` of one row prepared once and executed
/// per event on a lent connection, its text read in place (sqlx's multi-row statements copied
/// every value twice and spent most of the import's time there). `INSERT OR IGNORE` skips a
/// stored event as `ON CONFLICT DO NOTHING` would (no value is ever NULL) but, unlike it,
/// cannot stop halfway through the statement, so SQLite keeps no statement journal.
///
/// The write-ahead log is copied into the database file by [`checkpoint_while`] on another
/// connection while the rows go in, instead of by the writer after each commit (SQLite's
/// automatic checkpoint, off on the writer's connection for the import): the copy and its
/// flush to disk were a third of the writer's time. The writer's page cache is 256 MiB during
/// the import instead of 64: a file whose lines are not in time order puts each event on any
/// page of the table, and a page that leaves the cache is written again each time it changes
/// (9,000,000 events of the benchmark in their generator's order: 45,000 events/s with 64 MiB,
/// 60,000 with 256 MiB, 86,000 with 1 GiB, which made a file in time order 15 % slower).
async fn store_on_sqlite(
    pool: &sqlx::SqlitePool,
    file_id: i64,
    plan: ImportPlan,
    mut rx: mpsc::Receiver<Batch>,
    progress: mpsc::UnboundedSender<Progress>,
) -> Stored {
    let writer = sqlite_rows::with_connection(pool, move |c| {
        let mut tally = Tally::default();
        // What the transactions committed so far hold: the count of an import that fails.
        let mut committed = Tally::default();
        let result = (|| -> crate::error::Result<()> {
            c.execute(&format!("PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))?;
            let mut insert = c.prepare(&format!(
                "INSERT OR IGNORE INTO attendance_events ({EVENT_COLUMNS}) VALUES ({})",
                crate::database::positional_placeholders(DatabaseKind::Sqlite, 1, EVENT_COLUMN_COUNT)
            ))?;
            let mut reject = c.prepare(INSERT_REJECT_SQLITE)?;
            let mut store_reject = |e: &ImportError| -> crate::error::Result<u64> {
                reject.execute(&[Value::Int(file_id), Value::Int(e.position as i64), Value::Text(&e.reason)])
            };
            c.execute("BEGIN IMMEDIATE")?;
            let (mut rows, mut transactions) = (0usize, 0usize);
            let mut read_ahead = 0;
            while let Some(batch) = rx.blocking_recv() {
                let items = match batch {
                    Batch::Items(items) => items,
                    Batch::Sorting(read) => {
                        read_ahead = read;
                        let _ = progress.send(tally.progress(read_ahead, 0));
                        continue;
                    }
                    Batch::Unreadable(e) => {
                        store_reject(&e)?;
                        tally.unreadable(e);
                        break;
                    }
                };
                rows += items.len();
                for item in items {
                    match item {
                        Ok(r) => {
                            let inserted = insert.execute(&r.columns(file_id))?;
                            tally.stored(1, inserted);
                        }
                        Err(e) => {
                            store_reject(&e)?;
                            tally.rejected(e);
                        }
                    }
                }
                if rows >= plan.transaction_rows {
                    c.execute("COMMIT")?;
                    committed = tally.clone();
                    transactions += 1;
                    if transactions % TRANSACTIONS_PER_LOG_RESTART == 0 {
                        restart_log(c);
                    }
                    c.execute("BEGIN IMMEDIATE")?;
                    rows = 0;
                }
                let _ = progress.send(tally.progress(read_ahead, 0));
            }
            c.execute("COMMIT")?;
            Ok(())
        })();
        if result.is_err() {
            if c.in_transaction() {
                let _ = c.execute("ROLLBACK");
            }
            tally = committed;
        }
        // The connection goes back to the pool as it came.
        let restored = c.execute(&format!(
            "PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT_PAGES}; PRAGMA cache_size = -{}",
            crate::database::SQLITE_CACHE_KIB
        ));
        Ok(match result.and(restored) {
            Ok(()) => Ok(tally),
            Err(e) => Err((tally, e)),
        })
    });
    match checkpoint_while(pool, writer).await {
        Ok(stored) => stored,
        Err(e) => Err((Tally::default(), e)),
    }
}

/// SQLite's default for `wal_autocheckpoint`, which [`store_on_sqlite`] turns off for its
/// connection and back on.
const SQLITE_AUTOCHECKPOINT_PAGES: u32 = 1000;
/// Every this many transactions of an import (about 1,000,000 events) the writer makes the
/// write-ahead log start again from its beginning (see [`restart_log`]).
const TRANSACTIONS_PER_LOG_RESTART: usize = 10;

/// Between two transactions of an import: copies what [`checkpoint_while`] has not yet copied
/// and, once no reader uses the log, lets the next transaction write it from the beginning
/// (`RESTART`). Without it the log grew by the whole import (1.3 GB for 9,000,000 events, kept
/// until the server stopped): the background checkpoint never caught up at the very moment the
/// writer began its next transaction; with it the log stopped at about 550 MB. A reader or the
/// background checkpoint in the way is waited for 200 ms at most, and the import goes on
/// either way.
fn restart_log(c: &sqlite_rows::Connection<'_>) {
    let result = c.execute("PRAGMA busy_timeout = 200").and_then(|()| c.execute("PRAGMA wal_checkpoint(RESTART)"));
    if let Err(e) = result {
        tracing::debug!(error = %e, "import: the write-ahead log could not start again");
    }
    if let Err(e) = c.execute(&format!("PRAGMA busy_timeout = {}", crate::database::SQLITE_BUSY_TIMEOUT_MS)) {
        tracing::warn!(error = %e, "import: the busy timeout could not be set back");
    }
}

/// The writer's page cache during an import, in KiB (see [`store_on_sqlite`]).
const IMPORT_CACHE_KIB: u32 = 262_144;
/// How often [`checkpoint_while`] copies the committed part of the write-ahead log.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Runs `work` while a connection of `pool` copies the committed part of the write-ahead log
/// into the database file every [`CHECKPOINT_EVERY`] (`PASSIVE`: it never waits for the writer
/// or for readers); at the end copies the rest and empties the log file (`TRUNCATE`), giving
/// its disk space back.
async fn checkpoint_while<T>(pool: &sqlx::SqlitePool, work: impl std::future::Future<Output = T>) -> T {
    let checkpoint = |sql: &'static str| sqlx::query(sql).execute(pool);
    tokio::pin!(work);
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = tokio::time::sleep(CHECKPOINT_EVERY) => {
                // A checkpoint that fails (the database busy) is tried again next time.
                if let Err(e) = checkpoint("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::debug!(error = %e, "import: checkpoint");
                }
            }
        }
    };
    if let Err(e) = checkpoint("PRAGMA wal_checkpoint(TRUNCATE)").await {
        tracing::debug!(error = %e, "import: checkpoint");
    }
    result
}

/// Stores the batches on PostgreSQL, in transactions of about the plan's size:
/// the rows go by `COPY` into a temporary table of the connection (no index; emptied at each
/// commit), and from there into the events with one `INSERT … SELECT … ON CONFLICT DO NOTHING`,
/// which counts what was new. Two connections take turns: one receives a transaction's rows
/// while the other moves the transaction before into the events; a transaction's `INSERT`
/// starts once the one before has ended, so of duplicate lines the first is still the one
/// stored (the rows are moved in the order of their time, hash and line). Multi-row `INSERT`s
/// of bound values (a statement's parsing and the driver's encoding of every value) ran at
/// about 110,000 events a second. A transaction begins with its first rows (a file being
/// sorted sends none for a while); rejects are counted once their transaction is committed.
/// The connections are closed after the import, and their temporary tables with them.
async fn store_on_postgres(
    pool: &sqlx::PgPool,
    file_id: i64,
    plan: ImportPlan,
    mut rx: mpsc::Receiver<Batch>,
    progress: mpsc::UnboundedSender<Progress>,
) -> Stored {
    let mut tally = Tally::default();
    let mut moving: Option<Moving> = None;
    let result = postgres_rounds(pool, file_id, plan, &mut rx, &progress, &mut tally, &mut moving).await;
    // A transaction still being moved when a later one failed: what it committed is counted.
    let last = match moving.take() {
        Some(handle) => moved(handle).await.map(|(_, m)| m),
        None => Ok(Moved::default()),
    };
    let result = match last {
        Ok(moved) => {
            moved.count(&mut tally);
            result
        }
        Err(e) => result.and(Err(e)),
    };
    let _ = progress.send(tally.progress(0, 0));
    match result {
        Ok(()) => Ok(tally),
        Err(e) => Err((tally, e)),
    }
}

/// What a committed PostgreSQL transaction of an import moved: the rows staged, the events that
/// were new, its rejects, and the file's failure when it ended the file.
#[derive(Default)]
struct Moved {
    staged: u64,
    inserted: u64,
    rejects: Vec<ImportError>,
    unreadable: Option<ImportError>,
}

impl Moved {
    fn count(self, tally: &mut Tally) {
        tally.stored(self.staged, self.inserted);
        for e in self.rejects {
            tally.rejected(e);
        }
        if let Some(e) = self.unreadable {
            tally.unreadable(e);
        }
    }
}

type PgConnection = sqlx::pool::PoolConnection<sqlx::Postgres>;
/// A transaction being moved into the events ([`move_rows`]).
type Moving = tokio::task::JoinHandle<crate::error::Result<(PgConnection, Moved)>>;

async fn moved(handle: Moving) -> crate::error::Result<(PgConnection, Moved)> {
    handle.await.map_err(|e| crate::error::Error::Internal(format!("storing the events stopped: {e}")))?
}

/// Moves a transaction's rows from the temporary table into the events, stores its rejects and
/// commits; `m` comes back with the number of events that were new.
async fn move_rows(mut conn: PgConnection, file_id: i64, mut m: Moved) -> crate::error::Result<(PgConnection, Moved)> {
    use crate::database::postgres_copy::CopyRows;
    m.inserted = sqlx::query(&format!(
        "INSERT INTO attendance_events ({EVENT_COLUMNS}) SELECT {EVENT_COLUMNS} FROM kinmu_import_rows \
         ORDER BY occurred_at, event_hash, position ON CONFLICT DO NOTHING"
    ))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if !m.rejects.is_empty() || m.unreadable.is_some() {
        let mut copy = conn.copy_in_raw("COPY attendance_import_rejects (file_id, position, reason) FROM STDIN").await?;
        let mut out = CopyRows::new();
        for e in m.rejects.iter().chain(m.unreadable.iter()) {
            out.row(&[Value::Int(file_id), Value::Int(e.position as i64), Value::Text(&e.reason)], &mut copy).await?;
        }
        out.finish(copy).await?;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok((conn, m))
}

/// The transactions of [`store_on_postgres`]; the one being moved is left in `moving`.
async fn postgres_rounds(
    pool: &sqlx::PgPool,
    file_id: i64,
    plan: ImportPlan,
    rx: &mut mpsc::Receiver<Batch>,
    progress: &mpsc::UnboundedSender<Progress>,
    tally: &mut Tally,
    moving: &mut Option<Moving>,
) -> crate::error::Result<()> {
    use crate::database::postgres_copy::CopyRows;
    let mut free: Vec<PgConnection> = Vec::new();
    for _ in 0..2 {
        let mut conn = pool.acquire().await?;
        // A failure leaves a transaction open: such a connection is not given back to the pool.
        conn.close_on_drop();
        sqlx::query(
            "CREATE TEMPORARY TABLE IF NOT EXISTS kinmu_import_rows (LIKE attendance_events INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
        )
        .execute(&mut *conn)
        .await?;
        free.push(conn);
    }
    // Rows staged in transactions not yet counted (for the progress).
    let mut in_flight = 0u64;
    let mut read_ahead = 0;
    let mut unreadable = None;
    loop {
        // The next batch of rows, before a transaction begins.
        let mut next = next_rows(rx, &mut read_ahead, &mut unreadable, |read| progress.send(tally.progress(read, in_flight))).await;
        let mut ended = next.is_none();
        if ended && unreadable.is_none() {
            break;
        }
        let mut conn = free.pop().expect("a connection is free");
        sqlx::query("BEGIN").execute(&mut *conn).await?;
        let mut copy = conn.copy_in_raw(&format!("COPY kinmu_import_rows ({EVENT_COLUMNS}) FROM STDIN")).await?;
        let mut out = CopyRows::new();
        let (mut staged, mut rejects) = (0u64, Vec::new());
        while let Some(items) = next.take() {
            for item in items {
                match item {
                    Ok(r) => {
                        out.row(&r.columns(file_id), &mut copy).await?;
                        staged += 1;
                    }
                    Err(e) => rejects.push(e),
                }
            }
            let _ = progress.send(tally.progress(read_ahead, in_flight + staged));
            if (staged as usize) + rejects.len() < plan.transaction_rows {
                next =
                    next_rows(rx, &mut read_ahead, &mut unreadable, |read| progress.send(tally.progress(read, in_flight + staged))).await;
                ended = next.is_none();
            }
        }
        out.finish(copy).await?;
        if let Some(before) = moving.take() {
            let (done, m) = moved(before).await?;
            in_flight -= m.staged;
            m.count(tally);
            free.push(done);
        }
        in_flight += staged;
        *moving = Some(tokio::spawn(move_rows(conn, file_id, Moved { staged, inserted: 0, rejects, unreadable: unreadable.take() })));
        if ended {
            break;
        }
    }
    Ok(())
}

/// The next batch of rows from the reading thread, reporting `Sorting` messages on the way;
/// `None` at the end of the file, or when it could not be read (then `unreadable` says why).
async fn next_rows<T>(
    rx: &mut mpsc::Receiver<Batch>,
    read_ahead: &mut u64,
    unreadable: &mut Option<ImportError>,
    mut report: impl FnMut(u64) -> T,
) -> Option<Vec<Result<EventRow, ImportError>>> {
    loop {
        match rx.recv().await? {
            Batch::Items(items) => return Some(items),
            Batch::Sorting(read) => {
                *read_ahead = read;
                report(read);
            }
            Batch::Unreadable(e) => {
                *unreadable = Some(e);
                return None;
            }
        }
    }
}

/// An event as it is stored: its key columns `user_key`, `occurred_at`, `event_hash` (see the
/// module's documentation), its text fields (the detail in canonical form) and its line. Made
/// on the reading thread, taking the event's text apart instead of copying it.
struct EventRow {
    user_key: String,
    key: EventKey,
    hash: i64,
    position: i64,
}

impl EventRow {
    /// The order of a batch as it is stored: events in the order of the table's key
    /// `(occurred_at, user_key, event_hash)`, each key's first line first, then the lines that
    /// could not be read. Each event of a sorted batch lands just after the one before in the
    /// table's B-tree, mostly at its right edge (where a full page is split without moving the
    /// others), instead of anywhere on the last pages: a log written in time order still mixes
    /// users within a second. Keeps the first of duplicate lines the one stored. No two items
    /// are equal (lines differ), so an unstable sort gives this same order.
    fn storage_order(a: &Result<EventRow, ImportError>, b: &Result<EventRow, ImportError>) -> std::cmp::Ordering {
        use std::cmp::Ordering::{Greater, Less};
        match (a, b) {
            (Ok(a), Ok(b)) => EventRow::key_order(a, b),
            (Ok(_), Err(_)) => Less,
            (Err(_), Ok(_)) => Greater,
            (Err(a), Err(b)) => a.position.cmp(&b.position),
        }
    }

    /// The row's columns, in the order of [`EVENT_COLUMNS`].
    fn columns(&self, file_id: i64) -> [Value<'_>; EVENT_COLUMN_COUNT] {
        let k = &self.key;
        [
            Value::Text(&self.user_key),
            Value::Int(k.time_micros),
            Value::Int(self.hash),
            Value::Text(&k.user),
            Value::Text(&k.host),
            Value::Text(&k.target),
            Value::Text(&k.operation),
            Value::Text(&k.detail),
            Value::Int(file_id),
            Value::Int(self.position),
        ]
    }

    /// Whether a text field holds a NUL character.
    fn holds_nul(&self) -> bool {
        let k = &self.key;
        [&k.user, &k.host, &k.target, &k.operation, &k.detail].iter().any(|f| f.as_bytes().contains(&0))
    }

    /// The table's key order, then the line: `(occurred_at, user_key, event_hash, position)`.
    fn key_order(a: &EventRow, b: &EventRow) -> std::cmp::Ordering {
        (a.key.time_micros, &a.user_key, a.hash, a.position).cmp(&(b.key.time_micros, &b.user_key, b.hash, b.position))
    }

    fn new(e: LogEvent) -> EventRow {
        let key = EventKey {
            time_micros: e.time.timestamp_micros(),
            detail: e.detail.canonical_text(),
            user: e.user,
            host: e.host,
            target: e.target,
            operation: e.operation,
        };
        // The same as `to_lowercase` for ASCII names, without its per-character mapping.
        let user_key = if key.user.is_ascii() { key.user.to_ascii_lowercase() } else { key.user.to_lowercase() };
        EventRow { user_key, hash: key.hash64() as i64, key, position: e.source.position as i64 }
    }
}

async fn finish(db: &Db, s: &ImportSummary, status: &str, message: Option<&str>, finished_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE attendance_import_files SET finished_at = $1, events_read = $2, events_imported = $3, duplicates = $4, \
         rejected = $5, status = $6, message = $7, older_than_retention = $9 WHERE id = $8",
    )
    .bind(finished_at)
    .bind(s.read as i64)
    .bind(s.imported as i64)
    .bind(s.duplicates as i64)
    .bind(s.rejected as i64)
    .bind(status)
    .bind(message.map(str::to_string))
    .bind(s.file_id)
    .bind(s.older_than_retention as i64)
    .execute(&db.pool)
    .await?;
    Ok(())
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
        detail: kinmu_pc_logs::Detail::parse(&detail),
        source: kinmu_pc_logs::SourcePosition { file: file.clone(), position: position.max(0) as u64 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseUrl;

    const TOKYO: Tz = chrono_tz::Asia::Tokyo;

    /// Every stored event, every column, in key order.
    async fn stored(db: &Db) -> Vec<(String, i64, i64, String, String, String, String, String, i64)> {
        sqlx::query_as(
            "SELECT user_key, occurred_at, event_hash, log_user, host, target, operation, detail, position \
             FROM attendance_events ORDER BY occurred_at, user_key, event_hash",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap()
    }

    /// A fresh database on the test PostgreSQL server, or `None` when there is none.
    async fn postgres_db() -> Option<Db> {
        let Ok(base) = std::env::var("KINMU_TEST_POSTGRES_URL") else {
            assert_ne!(std::env::var("KINMU_TEST_REQUIRE_POSTGRES").as_deref(), Ok("1"), "KINMU_TEST_POSTGRES_URL is not set");
            eprintln!("skipping the PostgreSQL run: KINMU_TEST_POSTGRES_URL is not set (the test command sets it)");
            return None;
        };
        let admin = Db::connect(&DatabaseUrl::parse(&base).unwrap(), 1).await.expect("the test PostgreSQL server answers");
        let name = format!("kinmu_unit_{}_{}", std::process::id(), &crate::accounts::passwords::random_token()[..8]);
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin.pool).await.unwrap();
        let (prefix, _) = base.rsplit_once('/').unwrap();
        Some(Db::open(&DatabaseUrl::parse(&format!("{prefix}/{name}")).unwrap(), 2).await.unwrap())
    }

    /// A file out of time order, imported sorted on disk into `sorted_db` and as it comes into
    /// `as_it_comes_db`, in small batches, runs and transactions (several of each).
    async fn out_of_order_story(sorted_db: Db, as_it_comes_db: Db) {
        let dir = tempfile::tempdir().unwrap();
        // In the generator's order (by user, then unrelated logs at random times), with 50
        // events repeated at the end and a line that cannot be read in the middle.
        let events = kinmu_pc_logs::generator::SyntheticLogs::new(40, 8, 300).generate();
        assert!(events.len() > 400);
        let mut csv = Vec::new();
        kinmu_pc_logs::import::alog_csv::write_alog_csv(&mut csv, events.iter().chain(events.iter().take(50)), TOKYO).unwrap();
        let mut lines: Vec<&str> = std::str::from_utf8(&csv).unwrap().lines().collect();
        lines.insert(200, "2024/13/45 99:99:99,KINMU\\nobody,PC01,,LOGON,");
        // And one holding a NUL character (PostgreSQL's text cannot), rejected on both engines.
        lines.insert(300, "2024/04/01 09:00:00,KINMU\\nul\0user,PC01,,LOGON,");
        let path = dir.path().join("by-user.csv");
        std::fs::write(&path, lines.join("\r\n") + "\r\n").unwrap();

        // Batches of 50, transactions of about 120 rows; sorted in runs of 100 events (six
        // runs and a last one in memory), and, for comparison, stored as it comes.
        let mut reports = Vec::new();
        let plan = ImportPlan { batch_rows: 50, transaction_rows: 120, tolerance_micros: 0, run_rows: 100 };
        let sorted =
            import_file_with_plan(&sorted_db, &path, &ImportOptions::new(None, TOKYO, 1), plan, |p| reports.push(p)).await.unwrap();
        let never = ImportPlan { tolerance_micros: i64::MAX, ..plan };
        let as_it_comes = import_file_with_plan(&as_it_comes_db, &path, &ImportOptions::new(None, TOKYO, 1), never, |_| {}).await.unwrap();

        let n = events.len() as u64;
        assert_eq!((sorted.read, sorted.imported, sorted.duplicates, sorted.rejected), (n + 50, n, 50, 2));
        assert_eq!(
            (as_it_comes.read, as_it_comes.imported, as_it_comes.duplicates, as_it_comes.rejected),
            (sorted.read, sorted.imported, sorted.duplicates, sorted.rejected)
        );
        assert_eq!(sorted.first_rejects[0].position, 201, "the bad line is reported where it is");
        assert_eq!(sorted.first_rejects[1].position, 301);
        assert!(sorted.first_rejects[1].reason.contains("NUL"), "{}", sorted.first_rejects[1].reason);
        let rows = stored(&sorted_db).await;
        assert_eq!(rows.len() as u64, n);
        assert!(rows.iter().all(|r| r.8 <= n as i64 + 3), "of duplicate lines the first is stored");
        assert_eq!(rows, stored(&as_it_comes_db).await, "the same events, every column");
        let rejects: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_import_rejects").fetch_one(&sorted_db.pool).await.unwrap();
        assert_eq!(rejects, 2);
        // Progress: reading ran ahead of storing while the file was sorted, and both reached the end.
        assert!(reports.iter().any(|p| p.events_stored < p.events_read), "{reports:?}");
        assert!(reports.windows(2).all(|w| w[0].events_read <= w[1].events_read && w[0].events_stored <= w[1].events_stored));
        let last = reports.last().unwrap();
        assert_eq!((last.events_read, last.events_stored, last.rejected), (n + 50, n + 50, 2));
    }

    #[tokio::test]
    async fn a_file_out_of_time_order_is_sorted_on_disk_and_stored_as_in_order_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let open = |name: &str| {
            let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join(name).display())).unwrap();
            async move { Db::open(&url, 2).await.unwrap() }
        };
        out_of_order_story(open("sorted.db").await, open("as-it-comes.db").await).await;
    }

    #[tokio::test]
    async fn a_file_out_of_time_order_is_sorted_on_disk_and_stored_as_in_order_on_postgres() {
        let (Some(sorted), Some(as_it_comes)) = (postgres_db().await, postgres_db().await) else { return };
        out_of_order_story(sorted, as_it_comes).await;
    }

    /// An import whose database fails in its second transaction (`fail` installs a trigger that
    /// refuses the events table's 176th row): the file's row says failed, and its counts are
    /// those of what the first transaction committed, not of the rows rolled back.
    async fn failure_story(db: Db, fail: &str) {
        sqlx::raw_sql(fail).execute(&db.pool).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let events = kinmu_pc_logs::generator::SyntheticLogs::new(40, 8, 300).generate();
        let mut by_time: Vec<&LogEvent> = events.iter().collect();
        by_time.sort_by_key(|e| e.time);
        let path = dir.path().join("in-order.csv");
        let out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        kinmu_pc_logs::import::alog_csv::write_alog_csv(out, by_time, TOKYO).unwrap();
        let plan = ImportPlan { batch_rows: 50, transaction_rows: 120, ..ImportPlan::DEFAULT };
        let e = import_file_with_plan(&db, &path, &ImportOptions::new(None, TOKYO, 1), plan, |_| {}).await.unwrap_err();
        assert!(matches!(e, ImportFileError::Database { .. }), "{e}");
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_events").fetch_one(&db.pool).await.unwrap();
        assert!(stored > 0 && stored < 175, "the first transaction is kept: {stored}");
        let (status, read, imported): (String, i64, i64) =
            sqlx::query_as("SELECT status, events_read, events_imported FROM attendance_import_files").fetch_one(&db.pool).await.unwrap();
        assert_eq!((status.as_str(), read, imported), ("failed", stored, stored));
    }

    #[tokio::test]
    async fn a_failed_import_counts_what_it_committed_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("kinmu.db").display())).unwrap();
        let fail = "CREATE TRIGGER refuse BEFORE INSERT ON attendance_events \
                    WHEN (SELECT COUNT(*) FROM attendance_events) >= 175 BEGIN SELECT RAISE(FAIL, 'the test refuses the row'); END;";
        failure_story(Db::open(&url, 2).await.unwrap(), fail).await;
    }

    #[tokio::test]
    async fn a_failed_import_counts_what_it_committed_on_postgres() {
        let Some(db) = postgres_db().await else { return };
        let fail = "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                      IF (SELECT COUNT(*) FROM attendance_events) >= 175 THEN RAISE EXCEPTION 'the test refuses the row'; END IF; \
                      RETURN NEW; END $$; \
                    CREATE TRIGGER refuse BEFORE INSERT ON attendance_events FOR EACH ROW EXECUTE FUNCTION refuse();";
        failure_story(db, fail).await;
    }

    #[test]
    fn format_names_round_trip_and_unknown_names_list_the_options() {
        for f in [LogFormat::AlogCsv, LogFormat::Evtx, LogFormat::JsonLines] {
            assert_eq!(parse_format(format_name(f)).unwrap(), f);
        }
        let e = parse_format("xml").unwrap_err().to_string();
        assert!(e.contains("alog-csv, evtx or jsonl") && e.contains("xml"), "{e}");
    }
}
