//! Attendance: access-log files imported into the database (each event stored once), for the
//! engine in `kinmu-attendance` to compute from.
//!
//! - [`event_import`]: `import_file` streams a log file into `attendance_events`.
//! - [`inbox`]: a watched folder whose dropped files are imported, then moved to `processed/` or `failed/`.
//! - [`month_report`]: one person's month computed on the fly from the stored events.

pub mod event_import;
pub mod inbox;
pub mod month_report;

pub use event_import::{
    ImportFileError, ImportProgress, ImportStatus, ImportSummary, format_name, import_file,
    parse_format,
};
pub use month_report::{MonthReport, ReportError, month_report, parse_month};
