//! The attendance console's two large answers read from `serde_json::Value` by hand: a derived
//! `Deserialize` per type (and serde's buffering for the untagged table cells) costs far more
//! wasm than these few lines, and the console needs them on every change of month or tab.

use kinmu_shared::api::{
    AgreementCheck, AgreementLevel, AgreementLimits, AgreementReport, AgreementStatus, CellValue, HeatDay, Report,
    ReportKind, ReportRow,
};
use serde_json::Value;

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn i(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn list<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

fn strings(v: &Value, k: &str) -> Vec<String> {
    list(v, k).iter().filter_map(|x| x.as_str().map(String::from)).collect()
}

fn level(v: &Value) -> AgreementLevel {
    match v.get("level").and_then(Value::as_str) {
        Some("exceeded") => AgreementLevel::Exceeded,
        Some("warning") => AgreementLevel::Warning,
        _ => AgreementLevel::Ok,
    }
}

/// `GET /attendance/reports/{kind}`.
pub fn report(v: &Value) -> Report {
    Report {
        kind: ReportKind::from_key(&s(v, "kind")).unwrap_or(ReportKind::Monthly),
        period: s(v, "period"),
        columns: strings(v, "columns"),
        rows: list(v, "rows")
            .iter()
            .map(|r| ReportRow {
                person: s(r, "person"),
                user_id: r.get("user_id").and_then(Value::as_i64),
                cells: list(r, "cells")
                    .iter()
                    .map(|c| match c {
                        Value::Number(n) => CellValue::Number(n.as_i64().unwrap_or(0)),
                        Value::String(t) => CellValue::Text(t.clone()),
                        _ => CellValue::Empty,
                    })
                    .collect(),
            })
            .collect(),
        total_rows: i(v, "total_rows"),
    }
}

/// `GET /attendance/agreement` (of the limits, the console draws only the monthly one).
pub fn agreement(v: &Value) -> AgreementReport {
    let limits = v.get("limits").unwrap_or(&Value::Null);
    AgreementReport {
        month: s(v, "month"),
        limits: AgreementLimits { monthly_overtime_hours: i(limits, "monthly_overtime_hours") as u32, ..AgreementLimits::default() },
        people: list(v, "people")
            .iter()
            .map(|p| AgreementStatus {
                person: s(p, "person"),
                name: s(p, "name"),
                user_id: p.get("user_id").and_then(Value::as_i64),
                overtime_minutes: i(p, "overtime_minutes"),
                checks: list(p, "checks")
                    .iter()
                    .map(|c| AgreementCheck { rule: s(c, "rule"), value: i(c, "value"), limit: i(c, "limit"), level: level(c) })
                    .collect(),
                level: level(p),
                break_rule_days: strings(p, "break_rule_days"),
                days: list(p, "days")
                    .iter()
                    .map(|d| HeatDay {
                        date: s(d, "date"),
                        actual_work_minutes: i(d, "actual_work_minutes"),
                        overtime_minutes: i(d, "overtime_minutes"),
                        holiday: d.get("holiday").and_then(Value::as_bool).unwrap_or(false),
                    })
                    .collect(),
            })
            .collect(),
    }
}
