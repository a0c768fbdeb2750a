//! The attendance tables (manual 8.6.1): monthly, timesheet, daily, ranking and per-terminal,
//! built from the stored records for the console, the downloads, `kinmu export` and the output
//! profiles.
//!
//! - [`build`]: a table from the stored records, within what the asker may see.
//! - [`table`]: typed cells and sorting by up to two keys.
//! - [`file_writers`]: CSV (UTF-8, UTF-8 with BOM, Shift_JIS) and Excel.

pub mod file_writers;
pub mod files;
mod handoff;
pub mod request;
pub mod rows;
mod spill_sort;
pub mod stream;
pub mod table;

use std::path::Path;

use kinmu_shared::Language;
use kinmu_shared::api::DisplaySettings;

pub use file_writers::{CsvEncoding, LabelledSheet, encode_text, labelled_csv, labelled_xlsx, write_csv, write_xlsx};
pub use files::{FileSet, FileSpec, Namer, Written};
pub use request::{Period, ReportRequest};
pub use rows::RowSink;
pub use stream::{Grouping, build, stream};
pub use table::{Cell, Row, Table, parse_sort};

use super::rule_settings;
use crate::accounts::{Actor, system_settings};
use crate::database::Db;
use crate::error::{Error, Result};

pub const DISPLAY_KEY: &str = "attendance.display";

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "xlsx" | "excel" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }
}

/// The display settings (the seed's columns and no sort until saved).
pub async fn display_settings(db: &Db) -> Result<DisplaySettings> {
    match system_settings::get_value(&db.pool, DISPLAY_KEY).await? {
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Error::Internal(format!("the stored display settings cannot be read ({e}): save them again"))),
        None => Ok(DisplaySettings::default()),
    }
}

pub async fn save_display_settings(db: &Db, actor: &Actor, s: DisplaySettings) -> Result<DisplaySettings> {
    actor.require(kinmu_shared::Permission::ManageSettings)?;
    for kind in kinmu_shared::api::ReportKind::ALL {
        s.layout(kind).check(kind).map_err(|f| {
            Error::invalid(&format!("{}.{}", kind.key(), f.field), f.message.with_en(format!("{}.{}", kind.key(), f.message)))
        })?;
    }
    let text = serde_json::to_string(&s).map_err(|e| Error::Internal(e.to_string()))?;
    system_settings::put_value(&db.pool, DISPLAY_KEY, &text).await?;
    Ok(s)
}

/// The language of file headers: the system's default language.
pub async fn file_language(db: &Db) -> Result<Language> {
    Ok(system_settings::load(db).await?.default_language)
}

/// Writes `rows` of `table` to `path` through a temporary file in the same folder, renamed when
/// complete: a reader never sees half a file.
pub fn write_file(
    table: &Table,
    rows: &[&Row],
    format: FileFormat,
    header: bool,
    encoding: CsvEncoding,
    language: Language,
    path: &Path,
) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| files::cannot_create_folder(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let written = match format {
        FileFormat::Csv => std::fs::File::create(&temp)
            .and_then(|f| {
                let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
                write_csv(table, rows, header, encoding, language, &mut w)?;
                std::io::Write::flush(&mut w)
            })
            .map_err(|e| e.to_string()),
        FileFormat::Xlsx => write_xlsx(table, rows, header, language, &temp).map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(files::cannot_write(path, e));
    }
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        files::cannot_write(path, e)
    })
}

/// Streams the table `req` asks for into the files `spec` describes (`namer` gives each row's
/// file group and path without extension; rows of a group come together as `grouping` asks):
/// the rows go from the database to the files without the table being held in memory.
pub async fn export_files(
    db: &Db,
    actor: &Actor,
    req: &ReportRequest,
    grouping: Grouping,
    spec: FileSpec,
    namer: Namer,
) -> Result<(Table, Vec<Written>)> {
    export_through(db, actor, req, grouping, FileSet::new(spec, namer), |s| s).await
}

/// [`export_files`] through a sink wrapped around the files (filters, limits), `unwrap` giving
/// the files back.
pub async fn export_through<S: RowSink>(
    db: &Db,
    actor: &Actor,
    req: &ReportRequest,
    grouping: Grouping,
    sink: S,
    unwrap: impl FnOnce(S) -> FileSet + Send + 'static,
) -> Result<(Table, Vec<Written>)> {
    let (table, sink) = stream::stream(db, actor, req, grouping, sink).await?;
    let written = tokio::task::spawn_blocking(move || unwrap(sink).finish()).await.map_err(|e| Error::Internal(e.to_string()))??;
    Ok((table, written))
}

/// The grouping one file set of `kind` in `format` needs: a sheet per person for Excel timesheets.
pub fn file_grouping(kind: kinmu_shared::api::ReportKind, format: FileFormat) -> Grouping {
    if kind == kinmu_shared::api::ReportKind::Timesheet && format == FileFormat::Xlsx { Grouping::Sheets } else { Grouping::None }
}

/// The rules' time zone, for callers that need "today".
pub async fn time_zone(db: &Db) -> Result<chrono_tz::Tz> {
    Ok(rule_settings::company_rules(db).await?.time_zone)
}
