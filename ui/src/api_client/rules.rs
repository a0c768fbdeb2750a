//! What the UI knows of the attendance rules' JSON (the engine's `AttendanceRules`, see
//! `src-tauri/attendance/src/rules.rs`): the sections and the values of its choices. The rules
//! themselves travel as `serde_json::Value`, so fields this UI does not know survive a save.

/// The rules' sections, in the form's order: each is a field of the rules and of an
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

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
pub const CORRECTIONS: [&str; 4] = ["absent", "scheduled_time", "day_boundary", "last_clock_in_log"];
pub const DISPLAYS: [&str; 3] = ["marked", "as_is", "blank"];
pub const USER_NAME_MODES: [&str; 4] = ["display_name", "account_name", "principal_name", "as_logged"];
