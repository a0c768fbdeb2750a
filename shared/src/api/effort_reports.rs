//! The effort report's request and answer: any period, grouped by up to two of project, work
//! item, activity 1, activity 2, person and organisation, with subtotals and a grand total,
//! filtered on the same dimensions, and rounded as a report option (never a change to stored
//! data). The counting is [`crate::effort::report`]. Dates are `YYYY-MM-DD` text.

use serde::{Deserialize, Serialize};

use super::Id;
use crate::Language;

/// What a report groups by, or filters on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportDimension {
    Project,
    WorkItem,
    Activity1,
    Activity2,
    Person,
    /// The person's organisation (as it is now).
    Organization,
}

impl ReportDimension {
    pub const ALL: [ReportDimension; 6] = [
        ReportDimension::Project,
        ReportDimension::WorkItem,
        ReportDimension::Activity1,
        ReportDimension::Activity2,
        ReportDimension::Person,
        ReportDimension::Organization,
    ];

    /// The key in a query string and on the command line: `project`, `work_item`, `activity1`,
    /// `activity2`, `person`, `organization`.
    pub fn key(self) -> &'static str {
        match self {
            ReportDimension::Project => "project",
            ReportDimension::WorkItem => "work_item",
            ReportDimension::Activity1 => "activity1",
            ReportDimension::Activity2 => "activity2",
            ReportDimension::Person => "person",
            ReportDimension::Organization => "organization",
        }
    }

    /// A key, also with `-` for `_` and `organisation`, `user` for `person`.
    pub fn parse(s: &str) -> Option<ReportDimension> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "project" => Some(ReportDimension::Project),
            "work_item" | "workitem" => Some(ReportDimension::WorkItem),
            "activity1" | "activity_1" => Some(ReportDimension::Activity1),
            "activity2" | "activity_2" => Some(ReportDimension::Activity2),
            "person" | "user" => Some(ReportDimension::Person),
            "organization" | "organisation" => Some(ReportDimension::Organization),
            _ => None,
        }
    }

    /// Its heading in a table or file.
    pub fn label(self, language: Language) -> &'static str {
        let (en, ja) = match self {
            ReportDimension::Project => ("Project", "プロジェクト"),
            ReportDimension::WorkItem => ("Work item", "作業項目"),
            ReportDimension::Activity1 => ("Activity 1", "第1分類（工程）"),
            ReportDimension::Activity2 => ("Activity 2", "第2分類（作業）"),
            ReportDimension::Person => ("Person", "担当者"),
            ReportDimension::Organization => ("Organisation", "組織"),
        };
        if language == Language::Ja { ja } else { en }
    }

    /// What a row without a value of this dimension is called (an entry without a work item,
    /// a person in no organisation).
    pub fn none_label(self, language: Language) -> &'static str {
        let (en, ja) = match self {
            ReportDimension::Project => ("(no project)", "（プロジェクトなし）"),
            ReportDimension::WorkItem => ("(no work item)", "（作業項目なし）"),
            ReportDimension::Activity1 | ReportDimension::Activity2 => ("(no activity)", "（分類なし）"),
            ReportDimension::Person => ("(nobody)", "（なし）"),
            ReportDimension::Organization => ("(no organisation)", "（組織なし）"),
        };
        if language == Language::Ja { ja } else { en }
    }
}

/// Which way a rounded duration goes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingDirection {
    Up,
    Down,
    /// To the nearest step, a half step up.
    Nearest,
}

impl RoundingDirection {
    pub fn key(self) -> &'static str {
        match self {
            RoundingDirection::Up => "up",
            RoundingDirection::Down => "down",
            RoundingDirection::Nearest => "nearest",
        }
    }

    pub fn parse(s: &str) -> Option<RoundingDirection> {
        match s.trim().to_ascii_lowercase().as_str() {
            "up" => Some(RoundingDirection::Up),
            "down" => Some(RoundingDirection::Down),
            "nearest" => Some(RoundingDirection::Nearest),
            _ => None,
        }
    }
}

/// What is rounded: each entry, or a person's day on one row (project, work item, activity 1
/// and 2: a cell of the week grid), whichever grouping the report shows, so totals still add up
/// across groupings.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingScope {
    Entry,
    Day,
}

impl RoundingScope {
    pub fn key(self) -> &'static str {
        match self {
            RoundingScope::Entry => "entry",
            RoundingScope::Day => "day",
        }
    }

    pub fn parse(s: &str) -> Option<RoundingScope> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "entry" => Some(RoundingScope::Entry),
            "day" | "day_and_row" => Some(RoundingScope::Day),
            _ => None,
        }
    }
}

/// A report's rounding: `direction` to a multiple of `step_minutes` (1 to 1440), per `scope`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EffortRounding {
    pub direction: RoundingDirection,
    pub step_minutes: u32,
    pub scope: RoundingScope,
}

/// `GET /effort/report?from=2026-04-01&to=2026-04-30[&group_by=project,person][&project_id=…]
/// [&work_item_id=…][&activity1_id=…][&activity2_id=…][&user_id=…][&organization_id=…]
/// [&rounding=up|down|nearest&round_to=15&round_per=entry|day]`. A work item or an organisation
/// filter takes the ones below it too.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EffortReportQuery {
    pub from: String,
    pub to: String,
    /// Up to two dimensions, comma-separated, outer first (none: the grand total alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_item_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity1_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity2_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Id>,
    /// `up`, `down` or `nearest` (none or `none`: no rounding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding: Option<String>,
    /// The step in minutes (default 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_to: Option<u32>,
    /// `entry` (default) or `day` (a person's day on one row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_per: Option<String>,
}

/// `GET /effort/report/download?…&format=csv|xlsx[&encoding=…]`: the same fields as
/// [`EffortReportQuery`] (written out: a query string cannot flatten numbers).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EffortReportDownloadQuery {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_item_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity1_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity2_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_to: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_per: Option<String>,
    /// `csv` (default) or `xlsx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// For CSV: `utf-8`, `utf-8-bom` (default) or `shift_jis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

impl EffortReportDownloadQuery {
    /// The report it asks for.
    pub fn report(&self) -> EffortReportQuery {
        EffortReportQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            group_by: self.group_by.clone(),
            project_id: self.project_id,
            work_item_id: self.work_item_id,
            activity1_id: self.activity1_id,
            activity2_id: self.activity2_id,
            user_id: self.user_id,
            organization_id: self.organization_id,
            rounding: self.rounding.clone(),
            round_to: self.round_to,
            round_per: self.round_per.clone(),
        }
    }

    /// The download of `report` as `format` in `encoding`.
    pub fn of(report: &EffortReportQuery, format: &str, encoding: Option<String>) -> EffortReportDownloadQuery {
        EffortReportDownloadQuery {
            from: report.from.clone(),
            to: report.to.clone(),
            group_by: report.group_by.clone(),
            project_id: report.project_id,
            work_item_id: report.work_item_id,
            activity1_id: report.activity1_id,
            activity2_id: report.activity2_id,
            user_id: report.user_id,
            organization_id: report.organization_id,
            rounding: report.rounding.clone(),
            round_to: report.round_to,
            round_per: report.round_per.clone(),
            format: Some(format.to_string()),
            encoding,
        }
    }
}

/// A value of a dimension: its id (none: an entry without one, a person in no organisation),
/// its code (a project's or activity's code, a person's login; empty otherwise) and its name (a
/// work item's or organisation's path).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReportValue {
    pub id: Option<Id>,
    pub code: String,
    pub name: String,
}

/// A row of the second grouping within a group of the first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffortReportLine {
    pub value: ReportValue,
    pub minutes: i64,
}

/// A group of the first grouping with its subtotal, and its rows by the second (none with one
/// grouping).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffortReportGroup {
    pub value: ReportValue,
    /// The group's subtotal: the sum of its lines.
    pub minutes: i64,
    pub lines: Vec<EffortReportLine>,
}

/// The effort report. `minutes` are effort as rounded by `rounding` (none: as entered).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffortReport {
    pub from: String,
    pub to: String,
    /// Outer first; empty: the grand total alone.
    pub group_by: Vec<ReportDimension>,
    pub rounding: Option<EffortRounding>,
    /// Whether the report holds only the caller's own effort (a person without
    /// projects.manage).
    pub own_only: bool,
    pub groups: Vec<EffortReportGroup>,
    /// The grand total: the sum of the groups.
    pub total_minutes: i64,
    /// Entries counted.
    pub entries: i64,
}
