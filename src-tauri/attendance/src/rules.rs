//! The attendance rules the engine computes with. The types live in `kinmu_shared::attendance_rules`
//! (the server stores them and the UI's rules page edits them); what needs a log event —
//! whether a "clock-in/clock-out log" condition holds — lives here, beside the events.

pub use kinmu_shared::attendance_rules::*;

use kinmu_pc_logs::log_event::{DetailLookup, LogEvent, same_words_ignore_ascii_case};

/// Whether a log event satisfies a [`LogCondition`] (every criterion that is set; ASCII
/// case-insensitive on the operation and the detail values).
pub trait MatchesLog {
    /// Whether `event` satisfies the condition. An empty condition matches nothing.
    fn matches(&self, event: &LogEvent) -> bool;

    /// Whether an event with this operation and these detail fields satisfies the condition
    /// (see [`Self::matches`]); the fields may be read in place with
    /// [`kinmu_pc_logs::log_event::detail_fields`].
    fn matches_fields(&self, operation: &str, detail: &(impl DetailLookup + ?Sized)) -> bool;
}

impl MatchesLog for LogCondition {
    fn matches(&self, event: &LogEvent) -> bool {
        self.matches_fields(&event.operation, &event.detail)
    }

    fn matches_fields(&self, operation: &str, detail: &(impl DetailLookup + ?Sized)) -> bool {
        if self.operation.is_none() && self.detail.is_empty() {
            return false;
        }
        if let Some(op) = &self.operation {
            if !op.eq_ignore_ascii_case(operation) {
                return false;
            }
        }
        self.detail.iter().all(|m| detail.field(&m.key).is_some_and(|v| same_words_ignore_ascii_case(v, &m.value)))
    }
}

/// Which clock roles the rules give a log line.
pub trait ClockRoles {
    /// Whether an event with this operation and detail is a clock-in log and whether it is
    /// a clock-out log (any condition of each list holds; clock-in logs count as clock-out
    /// logs too when `clock_out_includes_clock_in` is set).
    fn clock_roles(&self, operation: &str, detail: &(impl DetailLookup + ?Sized)) -> (bool, bool);
}

impl ClockRoles for AttendanceRules {
    fn clock_roles(&self, operation: &str, detail: &(impl DetailLookup + ?Sized)) -> (bool, bool) {
        let is_in = self.clock_in.iter().any(|c| c.matches_fields(operation, detail));
        let is_out = (self.clock_out_includes_clock_in && is_in) || self.clock_out.iter().any(|c| c.matches_fields(operation, detail));
        (is_in, is_out)
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{NaiveDate, Weekday};

    use super::*;

    #[test]
    fn defaults_are_the_seeds_and_valid() {
        let r = AttendanceRules::default();
        assert_eq!(r.schedule.to_string(), "09:00-18:00");
        assert_eq!(r.breaks[0].to_string(), "12:00-13:00");
        assert_eq!(r.overtime_threshold_minutes, 480);
        assert_eq!(r.late_night.to_string(), "22:00-05:00");
        assert_eq!(r.rounding_minutes, 0);
        assert_eq!(r.day_boundary.to_string(), "05:00");
        assert_eq!(r.holidays.weekdays, vec![Weekday::Sat, Weekday::Sun]);
        assert!(r.holidays.national_holidays);
        assert_eq!(r.missing_clock_in.correction, Correction::Absent);
        assert_eq!(r.scheduled_work_minutes(), 480);
        assert_eq!(r.validate(), Ok(()));
    }

    #[test]
    fn reads_and_writes_toml() {
        let text = r#"
rounding_minutes = 5
day_boundary = "04:00"
time_zone = "Europe/Berlin"
terminal_key = "ClientName"
[schedule]
start = "08:30"
end = "17:30"
[[breaks]]
start = "12:00"
end = "12:45"
[holidays]
weekdays = ["Sun"]
national_holidays = false
added = ["2024-12-30"]
[[clock_in]]
operation = "LOGON"
detail = [{ key = "LogonType", value = "2" }]
[missing_clock_out]
correction = "last_clock_in_log"
display = "as_is"
"#;
        let r: AttendanceRules = toml::from_str(text).unwrap();
        assert_eq!(r.rounding_minutes, 5);
        assert_eq!(r.time_zone, chrono_tz::Europe::Berlin);
        assert_eq!(r.schedule.start, ClockTime::hm(8, 30));
        assert_eq!(r.holidays.weekdays, vec![Weekday::Sun]);
        assert_eq!(r.holidays.added, vec![NaiveDate::from_ymd_opt(2024, 12, 30).unwrap()]);
        assert_eq!(r.clock_in[0].detail[0].value, "2");
        assert_eq!(r.clock_out, AttendanceRules::default().clock_out, "unset fields keep defaults");
        assert_eq!(r.missing_clock_out.correction, Correction::LastClockInLog);
        let again: AttendanceRules = toml::from_str(&toml::to_string(&r).unwrap()).unwrap();
        assert_eq!(again, r);
        let bad = toml::from_str::<AttendanceRules>("time_zone = \"Mars/Base\"").unwrap_err();
        assert!(bad.to_string().contains("IANA"), "{bad}");
        let bad = toml::from_str::<AttendanceRules>("day_boundary = \"25:00\"").unwrap_err();
        assert!(bad.to_string().contains("00:00 to 23:59"), "{bad}");
    }

    fn fields(r: &AttendanceRules) -> Vec<String> {
        r.validate().unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn validation_names_the_field_and_the_fix() {
        let mut r = AttendanceRules::default();
        r.rounding_minutes = 61;
        let errs = r.validate().unwrap_err();
        assert_eq!(errs[0].field, "rounding_minutes");
        assert!(errs[0].message.contains("0 (no rounding) to 60"));

        let mut r = AttendanceRules::default();
        r.breaks.push(TimeRange::new(ClockTime::hm(19, 0), ClockTime::hm(19, 30)));
        assert_eq!(fields(&r), vec!["breaks[1]"]);

        let mut r = AttendanceRules::default();
        r.breaks.push(TimeRange::new(ClockTime::hm(12, 30), ClockTime::hm(13, 30)));
        assert_eq!(fields(&r), vec!["breaks[1]"]);

        let mut r = AttendanceRules::default();
        r.day_boundary = ClockTime::hm(12, 0);
        assert!(fields(&r).contains(&"day_boundary".to_string()));

        let mut r = AttendanceRules::default();
        r.late_night = TimeRange::new(ClockTime::hm(22, 0), ClockTime::hm(22, 0));
        assert_eq!(fields(&r), vec!["late_night"]);

        let mut r = AttendanceRules::default();
        r.clock_in.clear();
        r.missing_clock_in.correction = Correction::LastClockInLog;
        assert_eq!(fields(&r), vec!["clock_in", "missing_clock_in.correction"]);

        let mut r = AttendanceRules::default();
        let d = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        r.holidays.added.push(d);
        r.holidays.removed.push(d);
        assert_eq!(fields(&r), vec!["holidays.removed"]);
    }

    #[test]
    fn a_night_schedule_across_midnight_is_valid_with_a_suitable_boundary() {
        let mut r = AttendanceRules::default();
        r.schedule = TimeRange::new(ClockTime::hm(21, 0), ClockTime::hm(6, 0));
        r.breaks = vec![TimeRange::new(ClockTime::hm(1, 0), ClockTime::hm(2, 0))];
        r.day_boundary = ClockTime::hm(12, 0);
        assert_eq!(r.validate(), Ok(()));
        assert_eq!(r.scheduled_work_minutes(), 8 * 60);
    }

    #[test]
    fn override_replaces_only_what_it_sets() {
        let company = AttendanceRules::default();
        let over: RulesOverride =
            toml::from_str("rounding_minutes = 15\nterminal_key = \"\"\n[schedule]\nstart = \"10:00\"\nend = \"19:00\"").unwrap();
        let r = company.merge(&over);
        assert_eq!(r.rounding_minutes, 15);
        assert_eq!(r.schedule.start, ClockTime::hm(10, 0));
        assert_eq!(r.terminal_key, None);
        assert_eq!(r.breaks, company.breaks);
        assert_eq!(company.merge(&RulesOverride::default()), company);
    }

    #[test]
    fn user_names_are_shown_as_configured() {
        let mut names = BTreeMap::new();
        names.insert("osaka\\a-mogami".to_string(), "最上 明".to_string());
        let show = |mode, strip| UserNameRules { mode, strip_domain: strip }.display("OSAKA\\a-mogami", &names);
        assert_eq!(show(UserNameMode::DisplayName, false), "最上 明");
        assert_eq!(show(UserNameMode::AccountName, false), "a-mogami");
        assert_eq!(show(UserNameMode::PrincipalName, false), "a-mogami@OSAKA");
        assert_eq!(show(UserNameMode::AsLogged, false), "OSAKA\\a-mogami");
        assert_eq!(show(UserNameMode::AsLogged, true), "a-mogami");
        let r = UserNameRules::default();
        assert_eq!(r.display("OSAKA\\unknown", &names), "unknown", "falls back to the account");
    }
}
