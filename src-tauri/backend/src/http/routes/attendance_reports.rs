//! The attendance console's tables, their downloads, the display settings and the 36-agreement
//! check.

use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{
    AgreementLimits, AgreementQuery, AgreementReport, DisplaySettings, Report, ReportDownloadQuery, ReportKind, ReportQuery, SortKey,
};

use crate::attendance::agreement;
use crate::attendance::period::month_of;
use crate::attendance::reports::{self, CsvEncoding, FileFormat, Period, ReportRequest};
use crate::error::{Error, Result, Text};
use crate::http::SharedState;
use crate::http::endpoint::Download;
use crate::http::request_parts::{JsonBody, KindParam, QueryParams, Session};

/// The request a query stands for, with the display settings' layout and the session's language.
async fn request(state: &SharedState, session: &Session, kind: ReportKind, q: &ReportQuery) -> Result<ReportRequest> {
    let period = match (kind, q.month.as_deref(), q.date.as_deref()) {
        (ReportKind::Daily, _, Some(d)) | (ReportKind::Terminal, None, Some(d)) => {
            Period::Day(crate::attendance::period::parse_date("date", d)?)
        }
        (ReportKind::Daily, _, None) => {
            return Err(Error::invalid(
                "date",
                Text::new("date: the daily table needs a day, YYYY-MM-DD", "日別の帳票には日付（YYYY-MM-DD）を指定してください。"),
            ));
        }
        (_, Some(m), _) => {
            let (y, m) = month_of("month", m)?;
            Period::Month(y, m)
        }
        (_, None, _) => {
            return Err(Error::invalid("month", Text::new("month: give the month, YYYY-MM", "年月（YYYY-MM）を指定してください。")));
        }
    };
    let mut layout = reports::display_settings(&state.db).await?.layout(kind).clone();
    if let Some(sort) = q.sort.as_deref() {
        let keys: Vec<SortKey> = reports::parse_sort(sort);
        layout.sort = keys;
    }
    Ok(ReportRequest {
        kind,
        period,
        organization_id: q.organization_id,
        user: q.user.clone(),
        terminal: q.terminal.clone(),
        ranking: q.ranking.unwrap_or_default(),
        layout,
        language: session.user.language,
    })
}

pub async fn table(
    State(state): State<SharedState>,
    session: Session,
    KindParam(kind): KindParam,
    QueryParams(q): QueryParams<ReportQuery>,
) -> Result<Json<Report>> {
    if kind == ReportKind::Timesheet && q.user.as_deref().is_none_or(|u| u.trim().is_empty()) {
        return Err(Error::invalid(
            "user",
            Text::new(
                "user: a timesheet is one person's: name a login or a log user",
                "勤怠表は1人分です。ログイン名かログのユーザー名でユーザーを指定してください。",
            ),
        ));
    }
    let req = request(&state, &session, kind, &q).await?;
    let offset = q.offset.unwrap_or(0).max(0) as usize;
    let limit = q.limit.unwrap_or(500).clamp(1, 5000) as usize;
    // Rows stream in the table's order; only the page's are kept.
    let (table, page) =
        reports::stream(&state.db, &session.actor(), &req, reports::Grouping::None, Page { offset, limit, total: 0, rows: Vec::new() })
            .await?;
    Ok(Json(Report { kind, period: table.period, columns: table.columns, rows: page.rows, total_rows: page.total as i64 }))
}

/// The rows of one page, and how many rows the table has.
struct Page {
    offset: usize,
    limit: usize,
    total: usize,
    rows: Vec<kinmu_shared::api::ReportRow>,
}

impl reports::RowSink for Page {
    fn push(&mut self, row: reports::Row) -> Result<()> {
        if self.total >= self.offset && self.rows.len() < self.limit {
            self.rows.push(row.to_api());
        }
        self.total += 1;
        Ok(())
    }
}

/// Writes the files of a download; stops writing (but keeps counting) past 1,000 people in an
/// Excel timesheet, which is refused.
struct DownloadSink {
    files: reports::FileSet,
    sheets: bool,
    persons: usize,
    last: String,
}

impl reports::RowSink for DownloadSink {
    fn push(&mut self, row: reports::Row) -> Result<()> {
        if self.persons == 0 || self.last != row.person {
            self.persons += 1;
            self.last.clone_from(&row.person);
        }
        if self.sheets && self.persons > crate::attendance::reports::files::TIMESHEET_SHEETS_PER_FILE {
            return Ok(());
        }
        self.files.push(row)
    }
}

pub async fn download(
    State(state): State<SharedState>,
    session: Session,
    KindParam(kind): KindParam,
    QueryParams(q): QueryParams<ReportDownloadQuery>,
) -> Result<Download> {
    let format = FileFormat::parse(q.format.as_deref().unwrap_or("csv")).ok_or_else(|| {
        Error::invalid("format", Text::new("format must be csv or xlsx", "ファイル形式は「csv」か「xlsx」にしてください。"))
    })?;
    let encoding = match q.encoding.as_deref() {
        None => CsvEncoding::Utf8Bom,
        Some(e) => CsvEncoding::parse(e).ok_or_else(crate::http::endpoint::unknown_encoding)?,
    };
    let req = request(&state, &session, kind, &q.query).await?;
    let period = req.period.label();
    let name = format!("{}_{}.{}", kind.key(), period, format.extension());
    let dir = tempfile_dir()?;
    let path = dir.join(&name);
    let spec = reports::FileSpec {
        table: reports::Table { kind, period, columns: req.layout.columns.clone(), rows: Vec::new() },
        format,
        header: true,
        encoding,
        language: req.language,
        split: false,
        zip: false,
        extension: None,
        empty: Some(path.with_extension("")),
    };
    let base = path.with_extension("");
    let files = reports::FileSet::new(spec, Box::new(move |_| (String::new(), base.clone())));
    let sheets = format == FileFormat::Xlsx && kind == ReportKind::Timesheet;
    let sink = DownloadSink { files, sheets, persons: 0, last: String::new() };
    let (_, sink) = match reports::stream(&state.db, &session.actor(), &req, reports::file_grouping(kind, format), sink).await {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let persons = sink.persons;
    if sheets && persons > crate::attendance::reports::files::TIMESHEET_SHEETS_PER_FILE {
        drop(sink);
        let _ = std::fs::remove_dir_all(&dir);
        return Err(Error::invalid(
            "user",
            Text::new(
                format!(
                    "{persons} people are too many for one Excel timesheet (a sheet each, at most 1,000): choose an organisation or a user, or download CSV"
                ),
                format!(
                    "{persons} 人は1つの Excel 勤怠表には多すぎます（1人1シート、1,000 人まで）。組織かユーザーで絞り込むか、CSV でダウンロードしてください。"
                ),
            ),
        ));
    }
    let finished = tokio::task::spawn_blocking(move || sink.files.finish()).await.map_err(|e| Error::Internal(e.to_string()));
    if let Err(e) | Ok(Err(e)) = finished.map(|r| r.map(|_| ())) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    let bytes = tokio::fs::read(&path).await.map_err(|e| Error::Internal(e.to_string()))?;
    let _ = std::fs::remove_dir_all(&dir);
    let content_type = match format {
        FileFormat::Csv => match encoding {
            CsvEncoding::ShiftJis => "text/csv; charset=shift_jis",
            _ => "text/csv; charset=utf-8",
        },
        FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    Ok(Download { name, content_type: content_type.to_string(), bytes })
}

/// A private folder for one download.
fn tempfile_dir() -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("kinmu-download-{}", crate::accounts::passwords::random_token()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Internal(format!("cannot create a temporary folder: {e}")))?;
    Ok(dir)
}

pub async fn display(State(state): State<SharedState>, _session: Session) -> Result<Json<DisplaySettings>> {
    Ok(Json(reports::display_settings(&state.db).await?))
}

pub async fn save_display(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(s): JsonBody<DisplaySettings>,
) -> Result<Json<DisplaySettings>> {
    Ok(Json(reports::save_display_settings(&state.db, &session.actor(), s).await?))
}

pub async fn agreement_report(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<AgreementQuery>,
) -> Result<Json<AgreementReport>> {
    let (y, m) = month_of("month", &q.month)?;
    Ok(Json(
        agreement::report(&state.db, &session.actor(), y, m, q.organization_id, q.user.as_deref().map(str::trim).filter(|u| !u.is_empty()))
            .await?,
    ))
}

pub async fn agreement_limits(State(state): State<SharedState>, _session: Session) -> Result<Json<AgreementLimits>> {
    Ok(Json(agreement::limits(&state.db).await?))
}

pub async fn save_agreement_limits(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(l): JsonBody<AgreementLimits>,
) -> Result<Json<AgreementLimits>> {
    Ok(Json(agreement::save_limits(&state.db, &session.actor(), l).await?))
}
