//! Bringing effort history in (issue 19): `POST /effort/entries/import` and `kinmu effort import`
//! read Kinmu's own effort CSV or the time-entry CSV exports of Kimai, Toggl Track and Clockify
//! (the columns each is read by: [`crate::effort::foreign_import`]).

use serde::{Deserialize, Serialize};

use super::ImportRowError;

/// The CSV a file is read as. Detected from the header when not given.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    /// Kinmu's effort CSV (`login, date, project_code, …`).
    Kinmu,
    /// Kimai's timesheet export (CSV).
    Kimai,
    /// Toggl Track's detailed report (CSV).
    Toggl,
    /// Clockify's detailed report (CSV).
    Clockify,
}

impl ImportFormat {
    pub const ALL: [ImportFormat; 4] = [ImportFormat::Kinmu, ImportFormat::Kimai, ImportFormat::Toggl, ImportFormat::Clockify];

    pub fn key(self) -> &'static str {
        match self {
            ImportFormat::Kinmu => "kinmu",
            ImportFormat::Kimai => "kimai",
            ImportFormat::Toggl => "toggl",
            ImportFormat::Clockify => "clockify",
        }
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            ImportFormat::Kinmu => "Kinmu",
            ImportFormat::Kimai => "Kimai",
            ImportFormat::Toggl => "Toggl Track",
            ImportFormat::Clockify => "Clockify",
        }
    }

    pub fn from_key(key: &str) -> Option<ImportFormat> {
        let k = key.trim().to_ascii_lowercase();
        ImportFormat::ALL.into_iter().find(|f| f.key() == k)
    }
}

/// The order of a slash date's numbers (`03/04/2026`): Toggl and Clockify write the month first
/// in a US locale and the day first in a European one. Detected from the file when a row decides
/// it (a number above 12); a file where none does must say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// Month, day, year (`04/25/2026`).
    Mdy,
    /// Day, month, year (`25/04/2026`).
    Dmy,
    /// Year, month, day (`2026/04/25`).
    Ymd,
}

impl DateOrder {
    pub const ALL: [DateOrder; 3] = [DateOrder::Mdy, DateOrder::Dmy, DateOrder::Ymd];

    pub fn key(self) -> &'static str {
        match self {
            DateOrder::Mdy => "mdy",
            DateOrder::Dmy => "dmy",
            DateOrder::Ymd => "ymd",
        }
    }

    /// As people write it: `MM/DD/YYYY`.
    pub fn pattern(self) -> &'static str {
        match self {
            DateOrder::Mdy => "MM/DD/YYYY",
            DateOrder::Dmy => "DD/MM/YYYY",
            DateOrder::Ymd => "YYYY/MM/DD",
        }
    }

    pub fn from_key(key: &str) -> Option<DateOrder> {
        let k = key.trim().to_ascii_lowercase();
        DateOrder::ALL.into_iter().find(|o| o.key() == k)
    }
}

/// `POST /effort/entries/import?format=&date_order=&create_missing=&dry_run=` (the body is the CSV file).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EffortImportQuery {
    /// `kinmu`, `kimai`, `toggl` or `clockify`; none: detected from the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `mdy`, `dmy` or `ymd`: how the file's slash dates read; none: detected from the file (a
    /// file whose every slash date reads both ways is refused until it is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<String>,
    /// Create the projects, activities and work items the file names that do not exist yet
    /// (needs `projects.manage`).
    #[serde(default)]
    pub create_missing: bool,
    /// Read and map every row, check what can be checked without writing, store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an effort import did (or, in a dry run, would do). Every row of the file is counted:
/// `rows_read` = `created` + `unchanged` + rows with an error.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffortImportReport {
    pub format: ImportFormat,
    pub dry_run: bool,
    pub rows_read: i64,
    /// Entries stored by this import (in a dry run: that would be).
    pub created: i64,
    /// Entries changed (Kinmu's CSV only: a row naming an existing entry's id).
    pub updated: i64,
    /// Rows already imported before (their source key names an existing entry): left as they are.
    pub unchanged: i64,
    /// The minutes of the created entries.
    pub minutes: i64,
    /// Projects, activities and work items made for the file (`create_missing`), by name.
    pub created_projects: Vec<String>,
    pub created_activities: Vec<String>,
    pub created_work_items: Vec<String>,
    /// Each refused row: its line (the header is line 1), the field and what to fix.
    pub errors: Vec<ImportRowError>,
}

impl EffortImportReport {
    pub fn new(format: ImportFormat, dry_run: bool) -> EffortImportReport {
        EffortImportReport {
            format,
            dry_run,
            rows_read: 0,
            created: 0,
            updated: 0,
            unchanged: 0,
            minutes: 0,
            created_projects: Vec::new(),
            created_activities: Vec::new(),
            created_work_items: Vec::new(),
            errors: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_key() {
        for f in ImportFormat::ALL {
            assert_eq!(ImportFormat::from_key(f.key()), Some(f));
            assert_eq!(serde_json::to_value(f).unwrap(), f.key());
        }
        assert_eq!(ImportFormat::from_key(" Toggl "), Some(ImportFormat::Toggl));
        assert_eq!(ImportFormat::from_key("harvest"), None);
    }
}
