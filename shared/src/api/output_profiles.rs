//! Output profiles (ファイル出力設定, manual 8.3.5): files of attendance tables written after each
//! attendance task and on demand.

use serde::{Deserialize, Serialize};

use super::{RankingItem, ReportKind, TableLayout};

/// What each file covers (出力範囲).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputUnit {
    /// A file per day (日毎): daily and per-terminal tables.
    PerDay,
    /// A file per month (月毎).
    #[default]
    PerMonth,
    /// A file per year (年間): rankings over the agreement's calendar year.
    PerYear,
}

/// How a period's rows are split into files (分割出力).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitBy {
    #[default]
    None,
    Organization,
    User,
    Terminal,
}

/// CSV or Excel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    #[default]
    Csv,
    Xlsx,
}

/// One output profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputProfile {
    /// 0 for a profile not saved yet.
    pub id: i64,
    /// Unique name.
    pub name: String,
    pub enabled: bool,
    pub kind: ReportKind,
    pub format: OutputFormat,
    /// Put each file in a zip archive of the same name.
    pub zip: bool,
    pub unit: OutputUnit,
    pub split: SplitBy,
    pub header: bool,
    /// The output folder (absolute, on the server).
    pub folder: String,
    /// Put files in `YYYYMM` subfolders.
    pub monthly_subfolders: bool,
    /// File name without extension, with the words `<yyyy-MM-dd>`, `<yyyy-MM>`, `<yyyy>`,
    /// `<datatype>`, `<username>`, `<group>`, `<rankingname>`, `<terminal>`; empty for the default.
    pub file_name: String,
    /// Write a file (header only) when the period has no rows.
    pub empty_file: bool,
    /// Columns and sort.
    pub layout: TableLayout,
    /// CSV encoding: `utf-8`, `utf-8-bom` or `shift_jis`.
    pub encoding: String,
    /// Only these log users (as logged, without wildcards).
    pub filter_users: Vec<String>,
    /// Only these organisations (paths, "Acme / Sales"), with their sub-organisations.
    pub filter_organizations: Vec<String>,
    /// Only these terminals (per-terminal tables).
    pub filter_terminals: Vec<String>,
    /// What a ranking ranks by.
    pub ranking: RankingItem,
    /// Delete this profile's files older than this many days (0 keeps them).
    pub keep_days: u32,
}

impl Default for OutputProfile {
    fn default() -> Self {
        Self {
            id: 0,
            name: String::new(),
            enabled: true,
            kind: ReportKind::Monthly,
            format: OutputFormat::Csv,
            zip: false,
            unit: OutputUnit::PerMonth,
            split: SplitBy::None,
            header: true,
            folder: String::new(),
            monthly_subfolders: false,
            file_name: String::new(),
            empty_file: false,
            layout: TableLayout::default_for(ReportKind::Monthly),
            encoding: "utf-8-bom".into(),
            filter_users: Vec::new(),
            filter_organizations: Vec::new(),
            filter_terminals: Vec::new(),
            ranking: RankingItem::Overtime,
            keep_days: 0,
        }
    }
}

/// `POST /attendance/profiles/{id}/run` (or `/attendance/profiles/run` for every enabled one):
/// the period to write; with neither, the last finished day (per-day files) or its month.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RunProfiles {
    /// `YYYY-MM`.
    pub month: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// A file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenFile {
    pub profile: String,
    pub path: String,
    pub rows: i64,
    pub bytes: i64,
}

/// What a run of profiles wrote and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProfileRunReport {
    pub files: Vec<WrittenFile>,
    /// Files deleted by the profiles' retention.
    pub deleted: i64,
    /// One line per profile that failed: `name: reason`.
    pub errors: Vec<String>,
}
