//! What is left of reading JSON by hand: the attendance rules (the engine's JSON, not yet a
//! shared type) and the output profile form's option keys. Every other answer is decoded into
//! its shared type.

use kinmu_shared::api::{OutputFormat, OutputUnit, SplitBy};
use serde_json::Value;

/// A text field of a JSON object ("" when absent).
pub fn text(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

/// A whole-number field of a JSON object (0 when absent).
pub fn int(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

/// The items of a JSON array field.
pub fn items<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

/// A true/false field (false when absent).
pub fn flag(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

pub const UNITS: [(OutputUnit, &str); 3] =
    [(OutputUnit::PerDay, "per_day"), (OutputUnit::PerMonth, "per_month"), (OutputUnit::PerYear, "per_year")];
pub const SPLITS: [(SplitBy, &str); 4] =
    [(SplitBy::None, "none"), (SplitBy::Organization, "organization"), (SplitBy::User, "user"), (SplitBy::Terminal, "terminal")];

pub fn format_key(f: OutputFormat) -> &'static str {
    if f == OutputFormat::Xlsx { "xlsx" } else { "csv" }
}
pub fn parse_format(s: &str) -> OutputFormat {
    if s == "xlsx" { OutputFormat::Xlsx } else { OutputFormat::Csv }
}
pub fn unit_key(u: OutputUnit) -> &'static str {
    UNITS.iter().find(|x| x.0 == u).map_or("per_month", |x| x.1)
}
pub fn parse_unit(s: &str) -> OutputUnit {
    UNITS.iter().find(|x| x.1 == s).map_or(OutputUnit::PerMonth, |x| x.0)
}
pub fn split_key(v: SplitBy) -> &'static str {
    SPLITS.iter().find(|x| x.0 == v).map_or("none", |x| x.1)
}
pub fn parse_split(s: &str) -> SplitBy {
    SPLITS.iter().find(|x| x.1 == s).map_or(SplitBy::None, |x| x.0)
}
