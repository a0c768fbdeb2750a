//! Output profiles (ファイル出力設定, manual 8.3.5): files of attendance tables written after each
//! attendance task and on demand.

use serde::{Deserialize, Serialize};

use super::{EffortReportQuery, RankingItem, ReportKind, TableLayout};

/// What each file covers (出力範囲).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    #[default]
    Csv,
    Xlsx,
}

impl OutputUnit {
    pub const ALL: [OutputUnit; 3] = [OutputUnit::PerDay, OutputUnit::PerMonth, OutputUnit::PerYear];

    /// The serialized name.
    pub fn key(self) -> &'static str {
        match self {
            OutputUnit::PerDay => "per_day",
            OutputUnit::PerMonth => "per_month",
            OutputUnit::PerYear => "per_year",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.key() == key)
    }
}

impl SplitBy {
    pub const ALL: [SplitBy; 4] = [SplitBy::None, SplitBy::Organization, SplitBy::User, SplitBy::Terminal];

    /// The serialized name.
    pub fn key(self) -> &'static str {
        match self {
            SplitBy::None => "none",
            SplitBy::Organization => "organization",
            SplitBy::User => "user",
            SplitBy::Terminal => "terminal",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.key() == key)
    }
}

impl OutputFormat {
    pub const ALL: [OutputFormat; 2] = [OutputFormat::Csv, OutputFormat::Xlsx];

    /// The serialized name.
    pub fn key(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Xlsx => "xlsx",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.key() == key)
    }
}

/// One output profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// When set, the profile writes the effort report (工数集計) instead of an attendance table
    /// (`kind`, `layout`, the filters and `split` are then unused): its groupings, filters and
    /// rounding; its `from` and `to` are ignored, each file covering the profile's `unit` (a day,
    /// a month or a year).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<EffortReportQuery>,
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
            effort: None,
        }
    }
}

/// `POST /attendance/profiles/{id}/run` (or `/attendance/profiles/run` for every enabled one):
/// the period to write; with neither, the last finished day (per-day files) or its month.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RunProfiles {
    /// `YYYY-MM`.
    pub month: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
}

/// A file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WrittenFile {
    pub profile: String,
    pub path: String,
    pub rows: i64,
    pub bytes: i64,
}

/// What a run of profiles wrote and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileRunReport {
    pub files: Vec<WrittenFile>,
    /// Files deleted by the profiles' retention.
    pub deleted: i64,
    /// One line per profile that failed: `name: reason`.
    pub errors: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choices_keys_are_their_serialized_names() {
        for u in OutputUnit::ALL {
            assert_eq!(serde_json::to_value(u).unwrap(), u.key());
            assert_eq!(OutputUnit::from_key(u.key()), Some(u));
        }
        for v in SplitBy::ALL {
            assert_eq!(serde_json::to_value(v).unwrap(), v.key());
            assert_eq!(SplitBy::from_key(v.key()), Some(v));
        }
        for f in OutputFormat::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.key());
            assert_eq!(OutputFormat::from_key(f.key()), Some(f));
        }
    }
}
