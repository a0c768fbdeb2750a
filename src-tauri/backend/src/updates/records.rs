//! What clients report of their updates: every event once (by the request id the client made),
//! one record per client and update (kind, versions, start, end, result), and the system log
//! (seed III.5). A record's result follows its log (pure: [`record_result`]): failed at the first
//! error, abnormal when it ended after a warning, normal otherwise. Records and log entries older
//! than the policy's retention are deleted when an update starts (the seed deletes at logging
//! time) and by [`purge`]. The system log can be switched off; records are always kept.

use kinmu_shared::api::{
    ClientEventReport, EventReceipt, UpdateLogEntry, UpdateLogList, UpdateLogQuery, UpdateRecord, UpdateRecordList, UpdateRecordQuery,
};
use kinmu_shared::messages::Text;
use kinmu_shared::spreadsheet::neutralise_formula;
use kinmu_shared::update_policy::{InstallKind, LogCategory, LogLevel, ModuleVersion, RecordResult, UpdateEvent, record_result};
use kinmu_shared::{Language, Permission};

use super::{clients, policy};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

const DAY: i64 = 86_400;

fn text_field(field: &str, value: &str, min: usize, max: usize) -> Result<String> {
    let v = value.trim();
    if v.len() < min || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            Text::new(
                format!("{field} must be {min} to {max} characters, without control characters"),
                format!("{field} は制御文字を含まない{min}〜{max}文字にしてください。"),
            ),
        ));
    }
    Ok(v.to_string())
}

/// A reason as stored: trimmed, at most 1,000 characters.
fn reason_text(reason: &str) -> String {
    reason.trim().chars().filter(|c| !c.is_control()).take(1_000).collect()
}

#[derive(sqlx::FromRow)]
struct OpenRecord {
    id: i64,
    warnings: i64,
    result: String,
    ended_at: Option<i64>,
}

/// The record an event joins — the one rule that ties events to records: with the update's id
/// (every event of one update carries it, the launcher's end of it too), that update's record,
/// ended or not, whatever else the client ran meanwhile (a repair started before the update's
/// "started healthy" arrived has an id of its own, so a record of its own). Without one (a client
/// from before update ids), the client's open record of the same version.
async fn record_of(
    conn: &mut sqlx::AnyConnection,
    client_id: &str,
    update_id: Option<&str>,
    to_version: &str,
) -> Result<Option<OpenRecord>> {
    let found = match update_id {
        Some(update_id) => {
            sqlx::query_as(
                "SELECT id, warnings, result, ended_at FROM update_records WHERE client_id = $1 AND update_id = $2 \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(client_id)
            .bind(update_id)
            .fetch_optional(&mut *conn)
            .await?
        }
        None => {
            sqlx::query_as(
                "SELECT id, warnings, result, ended_at FROM update_records WHERE client_id = $1 AND to_version = $2 \
                 AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
            )
            .bind(client_id)
            .bind(to_version)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    Ok(found)
}

/// Records a client's event: once per request id (a retried report answers `recorded: false` and
/// changes nothing), with its effect on the client's record, the system log and its slot.
pub async fn report_event(db: &Db, report: ClientEventReport, now: i64) -> Result<EventReceipt> {
    let request_id = text_field("request_id", &report.request_id, 8, 100)?;
    let module = text_field("module", &report.module, 1, 40)?;
    let to_version = ModuleVersion::parse("to_version", &report.to_version).map(|_| report.to_version.trim().to_string())?;
    let from_version =
        report.from_version.as_deref().map(|v| ModuleVersion::parse("from_version", v).map(|_| v.trim().to_string())).transpose()?;
    report.event.validate()?;
    let update_id = report.update_id.as_deref().map(|u| text_field("update_id", u, 8, 100)).transpose()?;
    if clients::authenticate(db, report.client_id.trim(), Some(&report.client_secret)).await?.is_none() {
        return Err(Error::conflict(
            "client_id",
            Text::new(
                "this client has never checked in: check in first",
                "このクライアントはまだチェックインしていません。先にチェックインしてください。",
            ),
        ));
    }
    let client_id = report.client_id.trim();
    let policy = policy::load(&db.pool).await?;
    let (host, user): (String, String) =
        sqlx::query_as("SELECT host, os_user FROM update_clients WHERE client_id = $1 ORDER BY last_seen_at DESC LIMIT 1")
            .bind(client_id)
            .fetch_one(&db.pool)
            .await?;
    let event = report.event;
    let detail = match &event {
        UpdateEvent::Waiting { position } => format!("position {position}"),
        UpdateEvent::DownloadEnded { bytes } => format!("{bytes} bytes"),
        UpdateEvent::RolledBack { reason } | UpdateEvent::Warning { reason, .. } | UpdateEvent::Failed { reason, .. } => {
            reason_text(reason)
        }
        UpdateEvent::FilesChecked { files, damaged } if damaged.is_empty() => format!("{files} files checked, all intact"),
        UpdateEvent::FilesChecked { files, damaged } => {
            reason_text(&format!("{files} files checked, {} damaged: {}", damaged.len(), damaged.join(", ")))
        }
        _ => String::new(),
    };
    // A repair's finding, kept on its record.
    let (files_checked, damaged_files) = match &event {
        UpdateEvent::FilesChecked { files, damaged } => {
            (Some(*files), Some(serde_json::to_string(damaged).map_err(|e| Error::Internal(e.to_string()))?))
        }
        _ => (None, None),
    };

    let mut tx = db.pool.begin().await?;
    // First the event itself: a request id already recorded means a retry.
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO update_events (request_id, client_id, module, kind, detail, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (request_id) DO NOTHING RETURNING id",
    )
    .bind(&request_id)
    .bind(client_id)
    .bind(&module)
    .bind(event.key())
    .bind(&detail)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(event_id) = inserted else {
        tx.rollback().await?;
        let record_id: Option<Option<i64>> = sqlx::query_scalar("SELECT record_id FROM update_events WHERE request_id = $1")
            .bind(&request_id)
            .fetch_optional(&db.pool)
            .await?;
        return Ok(EventReceipt { recorded: false, record_id: record_id.flatten() });
    };

    let open = record_of(&mut tx, client_id, update_id.as_deref(), &to_version).await?;
    let opens_record = !matches!(event, UpdateEvent::Checked | UpdateEvent::Waiting { .. });
    let record = match open {
        Some(r) => Some(r),
        None if opens_record => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO update_records (client_id, host, os_user, kind, from_version, to_version, started_at, result, last_step, \
                 update_id) VALUES ($1, $2, $3, $4, $5, $6, $7, 'in_progress', $8, $9) RETURNING id",
            )
            .bind(client_id)
            .bind(&host)
            .bind(&user)
            .bind(report.install_kind.key())
            .bind(&from_version)
            .bind(&to_version)
            .bind(now)
            .bind(event.key())
            .bind(&update_id)
            .fetch_one(&mut *tx)
            .await?;
            Some(OpenRecord { id, warnings: 0, result: RecordResult::InProgress.key().into(), ended_at: None })
        }
        None => None,
    };
    let record_id = record.as_ref().map(|r| r.id);
    sqlx::query("UPDATE update_events SET record_id = $1 WHERE id = $2").bind(record_id).bind(event_id).execute(&mut *tx).await?;

    if let Some(r) = &record {
        let warnings = r.warnings + i64::from(matches!(event, UpdateEvent::Warning { .. }));
        let mut levels = vec![LogLevel::Info; 1];
        levels.extend(std::iter::repeat_n(LogLevel::Warning, usize::try_from(warnings).unwrap_or(0)));
        if r.result == RecordResult::Failed.key() || event.log_entry().is_some_and(|c| c.level() == LogLevel::Error) {
            levels.push(LogLevel::Error);
        }
        let result = record_result(levels, event.ends_update());
        let reason = match &event {
            UpdateEvent::Warning { .. } | UpdateEvent::Failed { .. } | UpdateEvent::RolledBack { .. } if !detail.is_empty() => {
                Some(detail.clone())
            }
            UpdateEvent::Failed { category, .. } | UpdateEvent::Warning { category, .. } => Some(category.key().to_string()),
            UpdateEvent::RolledBack { .. } => Some(LogCategory::RolledBack.key().to_string()),
            _ => None,
        };
        // The first end stays (each module reports it).
        let ended_at = (event.ends_update() || result == RecordResult::Failed).then_some(now);
        // A failure's reason replaces a warning's; a warning's is kept only when there is none yet.
        sqlx::query(
            "UPDATE update_records SET warnings = $1, result = $2, last_step = $3, ended_at = COALESCE(ended_at, $4), \
             reason = CASE WHEN $5 = 1 THEN $6 ELSE COALESCE(reason, $6) END, \
             files_checked = COALESCE($7, files_checked), damaged_files = COALESCE($8, damaged_files) WHERE id = $9",
        )
        .bind(warnings)
        .bind(result.key())
        .bind(event.key())
        .bind(ended_at)
        .bind(i64::from(result == RecordResult::Failed))
        .bind(reason)
        .bind(files_checked)
        .bind(damaged_files)
        .bind(r.id)
        .execute(&mut *tx)
        .await?;
        if policy.system_log_enabled {
            if let Some(category) = event.log_entry() {
                let detail = match (&event, category) {
                    (UpdateEvent::DownloadStarted, _) => {
                        // The seed's start entry says whether the update is differential or full.
                        let kind = match report.install_kind {
                            k if k.is_full() => format!("full ({})", k.key()),
                            k => k.key().to_string(),
                        };
                        format!("{kind}: {} → {to_version} [{module}]", from_version.as_deref().unwrap_or("-"))
                    }
                    _ => format!("{detail} [{module}]").trim().to_string(),
                };
                if category != LogCategory::UpdateEnded {
                    write_log(&mut *tx, client_id, &host, Some(r.id), category, &detail, now).await?;
                }
            }
            // Its end once (each module reports it).
            if event.ends_update() && r.ended_at.is_none() {
                write_log(&mut *tx, client_id, &host, Some(r.id), LogCategory::UpdateEnded, result.key(), now).await?;
            }
        }
        if matches!(event, UpdateEvent::StartedHealthy) {
            // The installation (its app and its updater alike) is now at the new version.
            sqlx::query("UPDATE update_clients SET version = $1 WHERE client_id = $2")
                .bind(&to_version)
                .bind(client_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    if event.frees_slot() || matches!(&event, UpdateEvent::Failed { .. }) {
        clients::release(&mut *tx, client_id).await?;
    }
    tx.commit().await?;
    if matches!(event, UpdateEvent::DownloadStarted) {
        purge_older(db, policy.retention_days, now).await?;
    }
    Ok(EventReceipt { recorded: true, record_id })
}

async fn write_log<'e>(
    exec: impl sqlx::Executor<'e, Database = sqlx::Any>,
    client_id: &str,
    host: &str,
    record_id: Option<i64>,
    category: LogCategory,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO update_log (at, level, category, client_id, host, record_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(now)
        .bind(category.level().key())
        .bind(category.key())
        .bind(client_id)
        .bind(host)
        .bind(record_id)
        .bind(detail)
        .execute(exec)
        .await?;
    Ok(())
}

/// A log entry about a client found by its id (when the system log is on), attached to its open
/// record, which an error ends as failed.
pub(crate) async fn log_for_client(
    conn: &mut sqlx::AnyConnection,
    client_id: &str,
    category: LogCategory,
    detail: &str,
    now: i64,
) -> Result<()> {
    let host: Option<String> =
        sqlx::query_scalar("SELECT host FROM update_clients WHERE client_id = $1 ORDER BY last_seen_at DESC LIMIT 1")
            .bind(client_id)
            .fetch_optional(&mut *conn)
            .await?;
    let record: Option<i64> =
        sqlx::query_scalar("SELECT id FROM update_records WHERE client_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1")
            .bind(client_id)
            .fetch_optional(&mut *conn)
            .await?;
    if category.level() == LogLevel::Error
        && let Some(id) = record
    {
        sqlx::query("UPDATE update_records SET result = 'failed', ended_at = $1, reason = $2, last_step = 'failed' WHERE id = $3")
            .bind(now)
            .bind(category.key())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    let enabled: i64 = sqlx::query_scalar("SELECT system_log_enabled FROM update_policy WHERE id = 1").fetch_one(&mut *conn).await?;
    if enabled != 0 {
        write_log(&mut *conn, client_id, host.as_deref().unwrap_or(""), record, category, detail, now).await?;
    }
    Ok(())
}

/// What a purge deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    pub records: u64,
    pub log_entries: u64,
    pub events: u64,
}

async fn purge_older(db: &Db, retention_days: i64, now: i64) -> Result<Purged> {
    let cutoff = now - retention_days * DAY;
    let mut tx = db.pool.begin().await?;
    let records = sqlx::query("DELETE FROM update_records WHERE ended_at IS NOT NULL AND ended_at < $1")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let log_entries = sqlx::query("DELETE FROM update_log WHERE at < $1").bind(cutoff).execute(&mut *tx).await?.rows_affected();
    let events = sqlx::query("DELETE FROM update_events WHERE at < $1").bind(cutoff).execute(&mut *tx).await?.rows_affected();
    tx.commit().await?;
    Ok(Purged { records, log_entries, events })
}

/// Deletes the ended records, log entries and events older than the policy's retention.
pub async fn purge(db: &Db, now: i64) -> Result<Purged> {
    let retention = policy::load(&db.pool).await?.retention_days;
    purge_older(db, retention, now).await
}

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    client_id: String,
    host: String,
    os_user: String,
    kind: String,
    from_version: Option<String>,
    to_version: String,
    started_at: i64,
    ended_at: Option<i64>,
    result: String,
    reason: Option<String>,
    warnings: i64,
    last_step: String,
    files_checked: Option<i64>,
    damaged_files: Option<String>,
}

impl From<RecordRow> for UpdateRecord {
    fn from(r: RecordRow) -> UpdateRecord {
        UpdateRecord {
            id: r.id,
            client_id: r.client_id,
            host: r.host,
            user: r.os_user,
            kind: InstallKind::from_key(&r.kind).unwrap_or(InstallKind::Differential),
            from_version: r.from_version,
            to_version: r.to_version,
            started_at: r.started_at,
            ended_at: r.ended_at,
            result: RecordResult::from_key(&r.result).unwrap_or(RecordResult::InProgress),
            reason: r.reason,
            warnings: r.warnings,
            last_step: r.last_step,
            files_checked: r.files_checked,
            damaged_files: r.damaged_files.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or_default(),
        }
    }
}

/// The WHERE clause of a record query and its values, bound in order.
enum Bind {
    Text(String),
    Int(i64),
}

fn record_filter(q: &UpdateRecordQuery) -> (String, Vec<Bind>) {
    let mut clauses = Vec::new();
    let mut binds = Vec::new();
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let like = format!("%{}%", text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let n = binds.len() + 1;
        clauses.push(format!(
            "(LOWER(host) LIKE ${n} ESCAPE '\\' OR LOWER(os_user) LIKE ${n} ESCAPE '\\' OR LOWER(client_id) LIKE ${n} ESCAPE '\\')"
        ));
        binds.push(Bind::Text(like));
    }
    if let Some(r) = q.result {
        clauses.push(format!("result = ${}", binds.len() + 1));
        binds.push(Bind::Text(r.key().into()));
    }
    if let Some(k) = q.kind {
        clauses.push(format!("kind = ${}", binds.len() + 1));
        binds.push(Bind::Text(k.key().into()));
    }
    if let Some(from) = q.from {
        clauses.push(format!("started_at >= ${}", binds.len() + 1));
        binds.push(Bind::Int(from));
    }
    if let Some(to) = q.to {
        clauses.push(format!("started_at < ${}", binds.len() + 1));
        binds.push(Bind::Int(to));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
    (sql, binds)
}

const RECORD_COLUMNS: &str = "id, client_id, host, os_user, kind, from_version, to_version, started_at, ended_at, result, reason, warnings, last_step, \
     files_checked, damaged_files";

async fn select_records(db: &Db, q: &UpdateRecordQuery, limit: i64, offset: i64) -> Result<(Vec<UpdateRecord>, i64)> {
    let (filter, binds) = record_filter(q);
    let sql =
        format!("SELECT {RECORD_COLUMNS} FROM update_records{filter} ORDER BY started_at DESC, id DESC LIMIT {limit} OFFSET {offset}");
    let mut rows = sqlx::query_as::<_, RecordRow>(&sql);
    let count_sql = format!("SELECT COUNT(*) FROM update_records{filter}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        match b {
            Bind::Text(t) => {
                rows = rows.bind(t.clone());
                count = count.bind(t.clone());
            }
            Bind::Int(i) => {
                rows = rows.bind(*i);
                count = count.bind(*i);
            }
        }
    }
    let records = rows.fetch_all(&db.pool).await?.into_iter().map(UpdateRecord::from).collect();
    Ok((records, count.fetch_one(&db.pool).await?))
}

/// The update records, newest first, filtered.
pub async fn list(db: &Db, actor: &Actor, q: &UpdateRecordQuery) -> Result<UpdateRecordList> {
    actor.require(Permission::ManageUpdates)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    let offset = q.offset.unwrap_or(0).max(0);
    let (records, total) = select_records(db, q, limit, offset).await?;
    Ok(UpdateRecordList { records, total })
}

/// The filtered records as CSV text (the route encodes it: UTF-8 with BOM or Shift_JIS), headings
/// and results in the caller's language, every text cell spreadsheet-safe.
pub async fn export_csv(db: &Db, actor: &Actor, q: &UpdateRecordQuery, lang: Language) -> Result<String> {
    actor.require(Permission::ManageUpdates)?;
    let (records, _) = select_records(db, q, 100_000, 0).await?;
    let header: [&str; 14] = match lang {
        Language::Ja => [
            "ID",
            "クライアントID",
            "ホスト",
            "ユーザー",
            "種類",
            "更新前",
            "更新後",
            "開始",
            "終了",
            "結果",
            "理由",
            "警告数",
            "検査ファイル数",
            "損傷ファイル",
        ],
        Language::En => [
            "id",
            "client_id",
            "host",
            "user",
            "kind",
            "from_version",
            "to_version",
            "started_at",
            "ended_at",
            "result",
            "reason",
            "warnings",
            "files_checked",
            "damaged_files",
        ],
    };
    let time = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default();
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(header).map_err(|e| Error::Internal(e.to_string()))?;
    for r in records {
        let fields = [
            r.id.to_string(),
            r.client_id,
            r.host,
            r.user,
            r.kind.key().to_string(),
            r.from_version.unwrap_or_default(),
            r.to_version,
            time(r.started_at),
            r.ended_at.map(time).unwrap_or_default(),
            r.result.label().get(lang).unwrap_or(r.result.key()).to_string(),
            r.reason.unwrap_or_default(),
            r.warnings.to_string(),
            r.files_checked.map(|n| n.to_string()).unwrap_or_default(),
            r.damaged_files.join(" "),
        ];
        w.write_record(fields.iter().map(|f| neutralise_formula(f).into_owned())).map_err(|e| Error::Internal(e.to_string()))?;
    }
    String::from_utf8(w.into_inner().map_err(|e| Error::Internal(e.to_string()))?).map_err(|e| Error::Internal(e.to_string()))
}

#[derive(sqlx::FromRow)]
struct LogRow {
    id: i64,
    at: i64,
    level: String,
    category: String,
    client_id: String,
    host: String,
    record_id: Option<i64>,
    detail: String,
}

/// The system log, newest first.
pub async fn log(db: &Db, actor: &Actor, q: &UpdateLogQuery) -> Result<UpdateLogList> {
    actor.require(Permission::ManageUpdates)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1_000);
    let offset = q.offset.unwrap_or(0).max(0);
    select_log(db, q, limit, offset, actor.language()).await
}

/// The filtered system log as CSV text, newest first (at most 100,000 entries), headings and
/// categories in `lang`, every text cell spreadsheet-safe.
pub async fn export_log_csv(db: &Db, actor: &Actor, q: &UpdateLogQuery, lang: Language) -> Result<String> {
    actor.require(Permission::ManageUpdates)?;
    let list = select_log(db, q, 100_000, 0, lang).await?;
    let header: [&str; 8] = match lang {
        Language::Ja => ["ID", "日時", "レベル", "分類", "クライアントID", "ホスト", "記録ID", "詳細"],
        Language::En => ["id", "at", "level", "category", "client_id", "host", "record_id", "detail"],
    };
    let time = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string()).unwrap_or_default();
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(header).map_err(|e| Error::Internal(e.to_string()))?;
    for e in list.entries {
        let fields = [
            e.id.to_string(),
            time(e.at),
            e.level.key().to_string(),
            e.category_label,
            e.client_id,
            e.host,
            e.record_id.map(|id| id.to_string()).unwrap_or_default(),
            e.detail,
        ];
        w.write_record(fields.iter().map(|f| neutralise_formula(f).into_owned())).map_err(|e| Error::Internal(e.to_string()))?;
    }
    String::from_utf8(w.into_inner().map_err(|e| Error::Internal(e.to_string()))?).map_err(|e| Error::Internal(e.to_string()))
}

async fn select_log(db: &Db, q: &UpdateLogQuery, limit: i64, offset: i64, lang: Language) -> Result<UpdateLogList> {
    let mut clauses = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(level) = q.level {
        binds.push(level.key().to_string());
        clauses.push(format!("level = ${}", binds.len()));
    }
    if let Some(client) = q.client_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        binds.push(client.to_string());
        clauses.push(format!("client_id = ${}", binds.len()));
    }
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let list_sql = format!(
        "SELECT id, at, level, category, client_id, host, record_id, detail FROM update_log {filter} \
         ORDER BY at DESC, id DESC LIMIT {limit} OFFSET {offset}"
    );
    let count_sql = format!("SELECT COUNT(*) FROM update_log {filter}");
    let mut rows = sqlx::query_as::<_, LogRow>(&list_sql);
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        rows = rows.bind(b.clone());
        count = count.bind(b.clone());
    }
    let rows = rows.fetch_all(&db.pool).await?;
    let total = count.fetch_one(&db.pool).await?;
    let entries = rows
        .into_iter()
        .filter_map(|r| {
            let category = LogCategory::from_key(&r.category)?;
            Some(UpdateLogEntry {
                id: r.id,
                at: r.at,
                level: LogLevel::from_key(&r.level).unwrap_or(category.level()),
                category,
                category_label: category.label().get(lang).unwrap_or(category.key()).to_string(),
                client_id: r.client_id,
                host: r.host,
                record_id: r.record_id,
                detail: r.detail,
            })
        })
        .collect();
    Ok(UpdateLogList { entries, total })
}
