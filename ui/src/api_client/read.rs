//! Attendance answers read from `serde_json::Value` by hand: a derived `Deserialize` per type
//! (and serde's buffering for the untagged table cells) costs far more wasm than these few
//! lines.

use kinmu_shared::api::{
    AgreementCheck, AgreementLevel, AgreementLimits, AgreementReport, AgreementStatus, AttendanceTaskSettings, CellValue, DisplaySettings,
    HeatDay, OutputFormat, OutputProfile, OutputUnit, RankingItem, Report, ReportKind, ReportRow, RetentionSettings, SortKey, SplitBy,
    TableLayout, TaskOverview, TaskRun, TaskStatus, TaskTrigger,
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

fn task_run(v: &Value) -> Option<TaskRun> {
    Some(TaskRun {
        id: i(v, "id"),
        trigger: TaskTrigger::from_key(v.get("trigger")?.as_str()?)?,
        from: s(v, "from"),
        to: s(v, "to"),
        started_at: i(v, "started_at"),
        finished_at: v.get("finished_at").and_then(Value::as_i64),
        status: TaskStatus::from_key(v.get("status")?.as_str()?)?,
        days_total: i(v, "days_total"),
        days_done: i(v, "days_done"),
        events_read: i(v, "events_read"),
        daily_records: i(v, "daily_records"),
        message: v.get("message").and_then(Value::as_str).map(String::from),
    })
}

/// The attendance task's settings (`PUT /attendance/task/settings` answers them alone).
pub fn task_settings(v: &Value) -> AttendanceTaskSettings {
    let r = v.get("retention").unwrap_or(&Value::Null);
    let n = |v: &Value, k: &str| i(v, k) as u32;
    AttendanceTaskSettings {
        enabled: v.get("enabled").and_then(Value::as_bool).unwrap_or(false),
        run_at: s(v, "run_at"),
        recompute_days: n(v, "recompute_days"),
        terminals: v.get("terminals").and_then(Value::as_bool).unwrap_or(false),
        retention: RetentionSettings {
            daily_days: n(r, "daily_days"),
            monthly_months: n(r, "monthly_months"),
            events_days: n(r, "events_days"),
        },
    }
}

/// `GET /attendance/task`.
pub fn task_overview(v: &Value) -> TaskOverview {
    TaskOverview {
        settings: task_settings(v.get("settings").unwrap_or(&Value::Null)),
        running: v.get("running").and_then(task_run),
        recent: list(v, "recent").iter().filter_map(task_run).collect(),
        next_run_at: v.get("next_run_at").and_then(Value::as_i64),
    }
}

/// `GET /attendance/holidays`: (date, name, kind).
pub fn holidays(v: &Value) -> Vec<(String, String, String)> {
    v.as_array().map(Vec::as_slice).unwrap_or_default().iter().map(|h| (s(h, "date"), s(h, "name"), s(h, "kind"))).collect()
}

/// A text field of a JSON object ("" when absent).
pub fn text(v: &Value, k: &str) -> String {
    s(v, k)
}

/// A whole-number field of a JSON object (0 when absent).
pub fn int(v: &Value, k: &str) -> i64 {
    i(v, k)
}

/// The items of a JSON array field.
pub fn items<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    list(v, k)
}

/// A true/false field (false when absent).
pub fn flag(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

/// A table's columns and sort.
pub fn layout(v: &Value) -> TableLayout {
    TableLayout {
        columns: strings(v, "columns"),
        sort: list(v, "sort")
            .iter()
            .map(|k| SortKey { column: s(k, "column"), descending: k.get("descending").and_then(Value::as_bool).unwrap_or(false) })
            .collect(),
    }
}

/// `GET /attendance/display`.
pub fn display(v: &Value) -> DisplaySettings {
    let l = |k: ReportKind| match v.get(k.key()) {
        Some(x) => layout(x),
        None => TableLayout::default_for(k),
    };
    DisplaySettings {
        monthly: l(ReportKind::Monthly),
        timesheet: l(ReportKind::Timesheet),
        daily: l(ReportKind::Daily),
        ranking: l(ReportKind::Ranking),
        terminal: l(ReportKind::Terminal),
    }
}

/// `GET /attendance/agreement/limits`.
pub fn limits(v: &Value) -> AgreementLimits {
    let n = |k: &str| i(v, k) as u32;
    AgreementLimits {
        monthly_overtime_hours: n("monthly_overtime_hours"),
        yearly_overtime_hours: n("yearly_overtime_hours"),
        special_clause: v.get("special_clause").and_then(Value::as_bool).unwrap_or(false),
        special_yearly_overtime_hours: n("special_yearly_overtime_hours"),
        special_monthly_total_hours: n("special_monthly_total_hours"),
        special_average_hours: n("special_average_hours"),
        special_months_over: n("special_months_over"),
        warn_percent: n("warn_percent"),
        year_start_month: n("year_start_month"),
    }
}

/// One output profile.
pub fn profile(v: &Value) -> OutputProfile {
    let b = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    let kind = ReportKind::from_key(&s(v, "kind")).unwrap_or(ReportKind::Monthly);
    OutputProfile {
        id: i(v, "id"),
        name: s(v, "name"),
        enabled: b("enabled"),
        kind,
        format: parse_format(&s(v, "format")),
        zip: b("zip"),
        unit: parse_unit(&s(v, "unit")),
        split: parse_split(&s(v, "split")),
        header: b("header"),
        folder: s(v, "folder"),
        monthly_subfolders: b("monthly_subfolders"),
        file_name: s(v, "file_name"),
        empty_file: b("empty_file"),
        layout: v.get("layout").map(layout).unwrap_or_else(|| TableLayout::default_for(kind)),
        encoding: s(v, "encoding"),
        filter_users: strings(v, "filter_users"),
        filter_organizations: strings(v, "filter_organizations"),
        filter_terminals: strings(v, "filter_terminals"),
        ranking: RankingItem::ALL.into_iter().find(|r| r.key() == s(v, "ranking")).unwrap_or_default(),
        keep_days: i(v, "keep_days") as u32,
    }
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
