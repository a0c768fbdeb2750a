//! The attendance rules as the API sends them (the engine's `AttendanceRules` JSON, see
//! `src-tauri/attendance/src/rules.rs`), mirrored here with plain strings so the UI does not
//! pull the engine (and its time zone database) into the wasm. Times are `HH:MM`, dates
//! `YYYY-MM-DD`, weekdays `Mon`…`Sun`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetailMatch {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LogCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<DetailMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingLog {
    /// `scheduled_time`, `day_boundary`, `last_clock_in_log` (clock-out only), `absent`.
    pub correction: String,
    /// `blank`, `as_is`, `marked`.
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserNames {
    /// `display_name`, `account_name`, `principal_name`, `as_logged`.
    pub mode: String,
    #[serde(default)]
    pub strip_domain: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holidays {
    #[serde(default)]
    pub weekdays: Vec<String>,
    #[serde(default)]
    pub national_holidays: bool,
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
}

/// The company's rules (every field; the server fills defaults for absent ones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    pub schedule: Range,
    pub breaks: Vec<Range>,
    pub overtime_threshold_minutes: u32,
    pub late_night: Range,
    pub rounding_minutes: u32,
    pub day_boundary: String,
    pub holidays: Holidays,
    pub time_zone: String,
    pub clock_in: Vec<LogCondition>,
    pub clock_out: Vec<LogCondition>,
    pub clock_out_includes_clock_in: bool,
    pub missing_clock_in: MissingLog,
    pub missing_clock_out: MissingLog,
    pub user_names: UserNames,
    pub terminal_key: Option<String>,
}

/// The rules' sections, in the form's order: each is a field of `Rules` and of an
/// organisation's override (which sets any subset of them).
pub const SECTIONS: [&str; 15] = [
    "schedule",
    "breaks",
    "overtime_threshold_minutes",
    "late_night",
    "rounding_minutes",
    "day_boundary",
    "holidays",
    "time_zone",
    "clock_in",
    "clock_out",
    "clock_out_includes_clock_in",
    "missing_clock_in",
    "missing_clock_out",
    "user_names",
    "terminal_key",
];

/// `GET /attendance/rules/organizations`: one organisation's override as sent (absent sections
/// are `null` or missing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganizationRules {
    pub organization_id: i64,
    pub rules: serde_json::Map<String, serde_json::Value>,
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
pub const CORRECTIONS: [&str; 4] = ["absent", "scheduled_time", "day_boundary", "last_clock_in_log"];
pub const DISPLAYS: [&str; 3] = ["marked", "as_is", "blank"];
pub const USER_NAME_MODES: [&str; 4] = ["display_name", "account_name", "principal_name", "as_logged"];
