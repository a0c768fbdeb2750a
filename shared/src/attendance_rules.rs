//! The company's attendance rules (manual 8.3.2 労働時間の定義 and 8.3.3 システム設定), with the
//! seed's defaults, validation, and per-organisation overrides. The engine (`kinmu-attendance`)
//! computes with them, the server stores them and the UI's rules page edits them: one type for
//! all three, so a new rule is a compile error wherever it is not handled.
//!
//! Every type here is serde-friendly and reads naturally from TOML:
//!
//! ```toml
//! rounding_minutes = 5
//! day_boundary = "05:00"
//! time_zone = "Asia/Tokyo"
//! [schedule]
//! start = "09:00"
//! end = "18:00"
//! [[breaks]]
//! start = "12:00"
//! end = "13:00"
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time of day, to the minute (`"HH:MM"` in serialized form, 00:00–23:59).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    /// The time `hour:minute`; `None` unless 0 ≤ hour ≤ 23 and 0 ≤ minute ≤ 59.
    pub const fn new(hour: u32, minute: u32) -> Option<Self> {
        if hour < 24 && minute < 60 { Some(Self((hour * 60 + minute) as u16)) } else { None }
    }

    /// `hour:minute`, panicking when out of range (for constants).
    pub const fn hm(hour: u32, minute: u32) -> Self {
        match Self::new(hour, minute) {
            Some(t) => t,
            None => panic!("clock time out of range"),
        }
    }

    /// Minutes since midnight (0–1439).
    pub const fn minutes(self) -> u32 {
        self.0 as u32
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl FromStr for ClockTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (h, m) = s.trim().split_once(':').ok_or_else(|| format!("`{s}` is not a time of day: write HH:MM, e.g. 09:00"))?;
        let h: u32 = h.parse().map_err(|_| format!("`{s}`: the hour is not a number"))?;
        let m: u32 = m.parse().map_err(|_| format!("`{s}`: the minute is not a number"))?;
        Self::new(h, m).ok_or_else(|| format!("`{s}` is out of range: write 00:00 to 23:59"))
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// In the OpenAPI document: a text `HH:MM`.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ClockTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9]{1,2}:[0-9]{2}$"))
            .description(Some("A time of day, HH:MM (00:00 to 23:59)."))
            .examples(["09:00"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ClockTime {}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A range of the clock from `start` to `end`; when `end` ≤ `start` it runs past midnight
/// (22:00–05:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeRange {
    /// Where the range starts.
    pub start: ClockTime,
    /// Where the range ends (exclusive).
    pub end: ClockTime,
}

impl TimeRange {
    /// `start`–`end`.
    pub const fn new(start: ClockTime, end: ClockTime) -> Self {
        Self { start, end }
    }

    /// Whether the range runs past midnight.
    pub fn wraps_midnight(&self) -> bool {
        self.end <= self.start
    }

    /// Length in minutes (a range that wraps counts through midnight; equal ends = 24 h).
    pub fn length_minutes(&self) -> u32 {
        (self.end.minutes() + 1440 - self.start.minutes() - 1) % 1440 + 1
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// One matching criterion on a detail field (ASCII case-insensitive on the value).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetailMatch {
    /// The detail key, e.g. `LogonType`.
    pub key: String,
    /// The value it must have, e.g. `Script`.
    pub value: String,
}

/// One "log regarded as clock-in/clock-out" condition: every criterion that is set must hold
/// (AND); a rule holds several conditions joined by OR.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogCondition {
    /// The operation (ASCII case-insensitive), e.g. `LOGON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Detail fields that must have the given values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<DetailMatch>,
}

impl LogCondition {
    /// A condition on the operation and one detail field.
    pub fn operation_with(operation: &str, key: &str, value: &str) -> Self {
        Self { operation: Some(operation.to_string()), detail: vec![DetailMatch { key: key.to_string(), value: value.to_string() }] }
    }
}

/// How a missing clock-in or clock-out is filled in (8.3.3.1 時間の補正方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Use the scheduled start (clock-in) or end (clock-out): 予定出勤/退勤時刻で補正する.
    ScheduledTime,
    /// Use the day boundary: the day's start (clock-in) or end (clock-out): 1日の開始/終了時刻で補正する.
    DayBoundary,
    /// Clock-out only: the last "clock-in" log of the day: 最後の「出勤とみなすログ」で補正する.
    LastClockInLog,
    /// Fill nothing in: no work time is computed that day (欠勤とみなす; the default).
    #[default]
    Absent,
}

/// How a corrected (filled-in) clock time is shown (8.3.3.1 補正値の表示方法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CorrectedDisplay {
    /// Computed with the corrected time but shown blank: ブランク.
    Blank,
    /// Shown as is: 補正した時間を表示する.
    AsIs,
    /// Shown with a leading `*`: 補正した時間に*マークをつける.
    #[default]
    Marked,
}

/// The handling of a missing clock-in or clock-out log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingLog {
    /// How the time is filled in.
    #[serde(default)]
    pub correction: Correction,
    /// How a filled-in time is shown (irrelevant with [`Correction::Absent`]).
    #[serde(default)]
    pub display: CorrectedDisplay,
}

/// How user names are shown and grouped (8.3.3.2 ログ上のユーザー名の置換).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UserNameMode {
    /// The directory's display name (displayName); falls back to the account name when the
    /// directory does not know the account.
    #[default]
    DisplayName,
    /// The account without domain (sAMAccountName), e.g. `a-mogami`.
    AccountName,
    /// `account@domain` (userPrincipalName), e.g. `a-mogami@OSAKA`.
    PrincipalName,
    /// As logged (使用しない), e.g. `OSAKA\a-mogami`.
    AsLogged,
}

/// User-name display settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserNameRules {
    /// The replacement mode.
    #[serde(default)]
    pub mode: UserNameMode,
    /// With [`UserNameMode::AsLogged`]: drop the domain (ユーザー名のドメイン情報の消去).
    #[serde(default)]
    pub strip_domain: bool,
}

/// A user name split into domain and account: `DOMAIN\account`, `account@domain` or `account`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountName<'a> {
    /// The domain, if logged.
    pub domain: Option<&'a str>,
    /// The account.
    pub account: &'a str,
}

impl<'a> AccountName<'a> {
    /// Splits a logged user name.
    pub fn parse(logged: &'a str) -> Self {
        let logged = logged.trim();
        if let Some((d, a)) = logged.split_once('\\') {
            Self { domain: Some(d).filter(|d| !d.is_empty()), account: a }
        } else if let Some((a, d)) = logged.rsplit_once('@') {
            Self { domain: Some(d).filter(|d| !d.is_empty()), account: a }
        } else {
            Self { domain: None, account: logged }
        }
    }
}

impl UserNameRules {
    /// The name under which `logged` is shown and grouped. `display_names` maps a logged name
    /// or an account name (ASCII case-insensitive) to a display name (the directory; used only in
    /// [`UserNameMode::DisplayName`]).
    pub fn display(&self, logged: &str, display_names: &BTreeMap<String, String>) -> String {
        let name = AccountName::parse(logged);
        match self.mode {
            UserNameMode::DisplayName => lookup(display_names, logged.trim())
                .or_else(|| lookup(display_names, name.account))
                .map(str::to_string)
                .unwrap_or_else(|| name.account.to_string()),
            UserNameMode::AccountName => name.account.to_string(),
            UserNameMode::PrincipalName => match name.domain {
                Some(d) => format!("{}@{}", name.account, d),
                None => name.account.to_string(),
            },
            UserNameMode::AsLogged if self.strip_domain => name.account.to_string(),
            UserNameMode::AsLogged => logged.trim().to_string(),
        }
    }
}

fn lookup<'m>(map: &'m BTreeMap<String, String>, key: &str) -> Option<&'m str> {
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)).map(String::as_str)
}

/// Which days are holidays (休日定義, 8.3.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolidayRules {
    /// Weekly days off, e.g. Saturday and Sunday.
    #[serde(default, with = "weekday_list")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>, example = json!(["Sat", "Sun"])))]
    pub weekdays: Vec<Weekday>,
    /// Whether Japan's national holidays (incl. substitute and citizens' holidays) are days off.
    #[serde(default)]
    pub national_holidays: bool,
    /// Company days off added (e.g. year-end days).
    #[serde(default)]
    pub added: Vec<NaiveDate>,
    /// Days that are working days even though a rule above makes them holidays.
    #[serde(default)]
    pub removed: Vec<NaiveDate>,
}

impl Default for HolidayRules {
    fn default() -> Self {
        Self { weekdays: vec![Weekday::Sat, Weekday::Sun], national_holidays: true, added: Vec::new(), removed: Vec::new() }
    }
}

mod weekday_list {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(days.iter().map(|d| format!("{d}")))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|n| n.parse::<Weekday>().map_err(|_| serde::de::Error::custom(format!("`{n}` is not a weekday: write Mon, Tue, … Sun"))))
            .collect()
    }
}

/// The attendance rules of a company (or, merged with a [`RulesOverride`], of an organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AttendanceRules {
    /// Scheduled working hours (勤務時間), default 09:00–18:00.
    pub schedule: TimeRange,
    /// Breaks (休憩時間), default 12:00–13:00; each inside the schedule.
    pub breaks: Vec<TimeRange>,
    /// Work beyond this many minutes a day is overtime (残業時間), default 480 (8 h).
    pub overtime_threshold_minutes: u32,
    /// Late-night range (深夜時間), default 22:00–05:00.
    pub late_night: TimeRange,
    /// Rounding unit in minutes, 0–60 (勤務時間を丸める): clock-in rounded up, clock-out down; 0 = none.
    pub rounding_minutes: u32,
    /// Where one attendance day ends and the next begins (1日の区切り時間), default 05:00.
    pub day_boundary: ClockTime,
    /// Holidays (休日定義).
    pub holidays: HolidayRules,
    /// The IANA time zone in which clock times and dates are read, default Asia/Tokyo.
    #[serde(with = "tz_name")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, default = "Asia/Tokyo", example = "Asia/Tokyo"))]
    pub time_zone: Tz,
    /// Logs regarded as clock-in (出勤とみなすログの定義), OR-joined; default `LOGON` with `LogonType:Script`.
    pub clock_in: Vec<LogCondition>,
    /// Logs regarded as clock-out (退勤とみなすログの定義), OR-joined; default `LOGOFF` with `LogonType:Script`.
    pub clock_out: Vec<LogCondition>,
    /// 出勤とみなすログの定義を含める: clock-in logs are clock-out candidates too, so a clock-in
    /// log later than the last clock-out log becomes the clock-out.
    pub clock_out_includes_clock_in: bool,
    /// What to do when a day has no clock-in log (出勤とみなすログが無い場合).
    pub missing_clock_in: MissingLog,
    /// What to do when a day has no clock-out log (退勤とみなすログが無い場合).
    pub missing_clock_out: MissingLog,
    /// How user names are shown and grouped.
    pub user_names: UserNameRules,
    /// The detail key that names the terminal (端末とみなすログの項目), e.g. `ClientName`;
    /// without it (or when an event lacks it) the target column, then the host, is the terminal.
    pub terminal_key: Option<String>,
    /// Accounts that are not people (system and machine accounts): their logs make no
    /// attendance. Each is a name with `*` for any characters, ASCII case-insensitive; one with a
    /// domain (`NT AUTHORITY\*`, `*@example.com`) is matched against the name as logged, one
    /// without against the account part. Default [`DEFAULT_EXCLUDED_ACCOUNTS`].
    pub excluded_accounts: Vec<String>,
}

/// The system and machine accounts of Windows that are not people: the local system and service
/// accounts (English names; `NT AUTHORITY` is spelt so in every language), anonymous logons,
/// computer accounts (ending in `$`), and the window manager's and font driver's sessions.
pub const DEFAULT_EXCLUDED_ACCOUNTS: [&str; 8] =
    ["NT AUTHORITY\\*", "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE", "ANONYMOUS LOGON", "*$", "DWM-*", "UMFD-*"];

/// Whether `text` matches `pattern`, where `*` stands for any characters (ASCII case-insensitive).
fn wildcard_match(pattern: &str, text: &str) -> bool {
    // On bytes: a star spans any bytes, other bytes compare as they are (ASCII letters in either
    // case), so UTF-8 text matches as text. Greedy, backtracking to the last star.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = ti;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

mod tz_name {
    use chrono_tz::Tz;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
        let name = String::deserialize(d)?;
        name.parse::<Tz>().map_err(|_| serde::de::Error::custom(format!("`{name}` is not an IANA time zone: write e.g. Asia/Tokyo")))
    }

    pub mod option {
        use chrono_tz::Tz;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(tz: &Option<Tz>, s: S) -> Result<S::Ok, S::Error> {
            match tz {
                Some(tz) => s.serialize_some(tz.name()),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Tz>, D::Error> {
            let name = Option::<String>::deserialize(d)?;
            name.map(|n| {
                n.parse::<Tz>().map_err(|_| serde::de::Error::custom(format!("`{n}` is not an IANA time zone: write e.g. Asia/Tokyo")))
            })
            .transpose()
        }
    }
}

impl Default for AttendanceRules {
    fn default() -> Self {
        Self {
            schedule: TimeRange::new(ClockTime::hm(9, 0), ClockTime::hm(18, 0)),
            breaks: vec![TimeRange::new(ClockTime::hm(12, 0), ClockTime::hm(13, 0))],
            overtime_threshold_minutes: 8 * 60,
            late_night: TimeRange::new(ClockTime::hm(22, 0), ClockTime::hm(5, 0)),
            rounding_minutes: 0,
            day_boundary: ClockTime::hm(5, 0),
            holidays: HolidayRules::default(),
            time_zone: chrono_tz::Asia::Tokyo,
            clock_in: vec![LogCondition::operation_with("LOGON", "LogonType", "Script")],
            clock_out: vec![LogCondition::operation_with("LOGOFF", "LogonType", "Script")],
            clock_out_includes_clock_in: false,
            missing_clock_in: MissingLog::default(),
            missing_clock_out: MissingLog::default(),
            user_names: UserNameRules::default(),
            terminal_key: Some("ClientName".to_string()),
            excluded_accounts: DEFAULT_EXCLUDED_ACCOUNTS.iter().map(|a| a.to_string()).collect(),
        }
    }
}

/// A rule that cannot work, naming the field and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{field}: {message}")]
pub struct RuleError {
    /// The field, as in the serialized rules, e.g. `breaks[0]`.
    pub field: String,
    /// What is wrong and what to do, in English and Japanese.
    pub message: crate::messages::Text,
}

fn rule_error(field: impl Into<String>, message: crate::messages::Text) -> RuleError {
    RuleError { field: field.into(), message }
}

impl AttendanceRules {
    /// Minutes from the day boundary to `t` (0–1439): where `t` falls within an attendance day.
    pub fn offset_in_day(&self, t: ClockTime) -> u32 {
        (t.minutes() + 1440 - self.day_boundary.minutes()) % 1440
    }

    /// Like [`Self::offset_in_day`] but a time equal to the boundary counts as the day's end (1440).
    pub fn end_offset_in_day(&self, t: ClockTime) -> u32 {
        match self.offset_in_day(t) {
            0 => 1440,
            o => o,
        }
    }

    /// Scheduled work minutes a working day: the schedule less its breaks (所定労働時間).
    pub fn scheduled_work_minutes(&self) -> u32 {
        let span = self.end_offset_in_day(self.schedule.end).saturating_sub(self.offset_in_day(self.schedule.start));
        let breaks: u32 = self.breaks.iter().map(TimeRange::length_minutes).sum();
        span.saturating_sub(breaks)
    }

    /// Checks the rules; every problem found is returned, each naming the field and the fix.
    pub fn validate(&self) -> Result<(), Vec<RuleError>> {
        let mut errors = Vec::new();
        if self.rounding_minutes > 60 {
            errors.push(rule_error(
                "rounding_minutes",
                crate::messages::Text::new(
                    format!("{} is out of range: choose 0 (no rounding) to 60 minutes", self.rounding_minutes),
                    format!("{}分は範囲外です。0（丸めない）から60分までにしてください。", self.rounding_minutes),
                ),
            ));
        }
        let s = self.offset_in_day(self.schedule.start);
        let e = self.end_offset_in_day(self.schedule.end);
        if self.schedule.start == self.schedule.end {
            errors.push(rule_error(
                "schedule",
                crate::messages::Text::new(
                    "the schedule starts and ends at the same time: give an end after the start",
                    "始業と終業が同じ時刻です。終業を始業より後にしてください。",
                ),
            ));
        } else if e <= s {
            errors.push(rule_error(
                "day_boundary",
                crate::messages::Text::new(
                    format!(
                        "the day boundary {} falls inside the schedule {}: move the boundary outside the working hours (e.g. 05:00)",
                        self.day_boundary, self.schedule
                    ),
                    format!(
                        "日付の区切り {} が所定の勤務時間 {} の中にあります。区切りを勤務時間の外（例：05:00）に移してください。",
                        self.day_boundary, self.schedule
                    ),
                ),
            ));
        }
        let mut spans: Vec<(u32, u32, usize)> = Vec::new();
        for (i, b) in self.breaks.iter().enumerate() {
            let field = format!("breaks[{i}]");
            if b.start == b.end {
                errors.push(rule_error(
                    field,
                    crate::messages::Text::new(
                        "the break starts and ends at the same time: give it a length or remove it",
                        "休憩の開始と終了が同じ時刻です。長さを持たせるか、削除してください。",
                    ),
                ));
                continue;
            }
            let bs = self.offset_in_day(b.start);
            let be = self.end_offset_in_day(b.end);
            if be <= bs || bs < s || be > e {
                errors.push(rule_error(
                    field,
                    crate::messages::Text::new(
                        format!("the break {b} is outside the working hours {}: put it inside them or remove it", self.schedule),
                        format!("休憩 {b} が所定の勤務時間 {} の外にあります。勤務時間の中に入れるか、削除してください。", self.schedule),
                    ),
                ));
                continue;
            }
            spans.push((bs, be, i));
        }
        spans.sort();
        for w in spans.windows(2) {
            if w[1].0 < w[0].1 {
                errors.push(rule_error(
                    format!("breaks[{}]", w[1].2),
                    crate::messages::Text::new(
                        format!("the break overlaps breaks[{}]: merge them into one break", w[0].2),
                        format!("この休憩は{}件目の休憩と重なっています。1つの休憩にまとめてください。", w[0].2 + 1),
                    ),
                ));
            }
        }
        if self.late_night.start == self.late_night.end {
            errors.push(rule_error(
                "late_night",
                crate::messages::Text::new(
                    "the late-night range is empty: give e.g. 22:00-05:00",
                    "深夜時間帯が空です。22:00-05:00 のように指定してください。",
                ),
            ));
        }
        if self.overtime_threshold_minutes > 24 * 60 {
            errors.push(rule_error(
                "overtime_threshold_minutes",
                crate::messages::Text::new(
                    "more than 24 hours: give at most 1440 minutes",
                    "24時間を超えています。1440分以内にしてください。",
                ),
            ));
        }
        for (field, conds) in [("clock_in", &self.clock_in), ("clock_out", &self.clock_out)] {
            if conds.is_empty() {
                errors.push(rule_error(
                    field,
                    crate::messages::Text::new(
                        "no log is regarded as this: add at least one condition (e.g. operation LOGON)",
                        "該当するログがありません。条件を1つ以上加えてください（例：操作 LOGON）。",
                    ),
                ));
            }
            for (i, c) in conds.iter().enumerate() {
                if c.operation.is_none() && c.detail.is_empty() {
                    errors.push(rule_error(
                        format!("{field}[{i}]"),
                        crate::messages::Text::new(
                            "the condition is empty: give an operation or a detail field",
                            "条件が空です。操作か詳細の項目を指定してください。",
                        ),
                    ));
                }
                for (j, m) in c.detail.iter().enumerate() {
                    if m.key.trim().is_empty() {
                        errors.push(rule_error(
                            format!("{field}[{i}].detail[{j}]"),
                            crate::messages::Text::new(
                                "the detail key is empty: name the key, e.g. LogonType",
                                "詳細の項目名が空です。LogonType のように項目名を書いてください。",
                            ),
                        ));
                    }
                }
            }
        }
        if self.missing_clock_in.correction == Correction::LastClockInLog {
            errors.push(rule_error(
                "missing_clock_in.correction",
                crate::messages::Text::new(
                    "last_clock_in_log applies to clock-out only: choose scheduled_time, day_boundary or absent",
                    "「最後の出勤ログ」は退勤にだけ使えます。所定の時刻、日付の区切り、欠勤のいずれかを選んでください。",
                ),
            ));
        }
        if self.terminal_key.as_ref().is_some_and(|k| k.trim().is_empty()) {
            errors.push(rule_error(
                "terminal_key",
                crate::messages::Text::new(
                    "empty: name a detail key (e.g. ClientName) or leave it unset",
                    "空です。詳細の項目名（例：ClientName）を書くか、未設定のままにしてください。",
                ),
            ));
        }
        for (i, a) in self.excluded_accounts.iter().enumerate() {
            let field = format!("excluded_accounts[{i}]");
            if a.trim().is_empty() {
                errors.push(rule_error(
                    field,
                    crate::messages::Text::new(
                        "empty: give an account name (with * for any characters) or remove the line",
                        "空です。アカウント名（任意の文字は * で表せます）を書くか、その行を削除してください。",
                    ),
                ));
            } else if a.trim().chars().all(|c| c == '*') {
                errors.push(rule_error(
                    field,
                    crate::messages::Text::new(
                        "this would leave out every person: name the accounts that are not people",
                        "これではすべての人が除外されます。人ではないアカウントだけを指定してください。",
                    ),
                ));
            } else if a.chars().count() > 256 {
                errors.push(rule_error(
                    field,
                    crate::messages::Text::new("longer than 256 characters", "256文字を超えています。256文字以内にしてください。"),
                ));
            }
        }
        for d in &self.holidays.added {
            if self.holidays.removed.contains(d) {
                errors.push(rule_error(
                    "holidays.removed",
                    crate::messages::Text::new(
                        format!("{d} is both added as a holiday and removed: keep it in one list only"),
                        format!("{d} が休日への追加と休日からの除外の両方にあります。どちらか一方にしてください。"),
                    ),
                ));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Whether `user` (a name as logged, or a person's key) is an account that is not a person
    /// ([`AttendanceRules::excluded_accounts`]).
    pub fn excludes_account(&self, user: &str) -> bool {
        let user = user.trim();
        let account = AccountName::parse(user).account;
        self.excluded_accounts
            .iter()
            .map(|p| p.trim())
            .any(|p| if p.contains('\\') || p.contains('@') { wildcard_match(p, user) } else { wildcard_match(p, account) })
    }

    /// These rules with `over`'s fields, where set, in place of the company's.
    pub fn merge(&self, over: &RulesOverride) -> AttendanceRules {
        let mut r = self.clone();
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = &over.$f { r.$f = v.clone(); } )* };
        }
        take!(
            schedule,
            breaks,
            overtime_threshold_minutes,
            late_night,
            rounding_minutes,
            day_boundary,
            holidays,
            time_zone,
            clock_in,
            clock_out,
            clock_out_includes_clock_in,
            missing_clock_in,
            missing_clock_out,
            user_names,
            excluded_accounts
        );
        if let Some(k) = &over.terminal_key {
            r.terminal_key = if k.is_empty() { None } else { Some(k.clone()) };
        }
        r
    }
}

/// An organisation's departures from the company rules: each field set replaces the company's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct RulesOverride {
    /// See [`AttendanceRules::schedule`].
    pub schedule: Option<TimeRange>,
    /// See [`AttendanceRules::breaks`] (replaces the whole list).
    pub breaks: Option<Vec<TimeRange>>,
    /// See [`AttendanceRules::overtime_threshold_minutes`].
    pub overtime_threshold_minutes: Option<u32>,
    /// See [`AttendanceRules::late_night`].
    pub late_night: Option<TimeRange>,
    /// See [`AttendanceRules::rounding_minutes`].
    pub rounding_minutes: Option<u32>,
    /// See [`AttendanceRules::day_boundary`].
    pub day_boundary: Option<ClockTime>,
    /// See [`AttendanceRules::holidays`] (replaces the whole set).
    pub holidays: Option<HolidayRules>,
    /// See [`AttendanceRules::time_zone`].
    #[serde(with = "tz_name::option", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, default = json!(null)))]
    pub time_zone: Option<Tz>,
    /// See [`AttendanceRules::clock_in`].
    pub clock_in: Option<Vec<LogCondition>>,
    /// See [`AttendanceRules::clock_out`].
    pub clock_out: Option<Vec<LogCondition>>,
    /// See [`AttendanceRules::clock_out_includes_clock_in`].
    pub clock_out_includes_clock_in: Option<bool>,
    /// See [`AttendanceRules::missing_clock_in`].
    pub missing_clock_in: Option<MissingLog>,
    /// See [`AttendanceRules::missing_clock_out`].
    pub missing_clock_out: Option<MissingLog>,
    /// See [`AttendanceRules::user_names`].
    pub user_names: Option<UserNameRules>,
    /// See [`AttendanceRules::terminal_key`]; an empty string unsets it.
    pub terminal_key: Option<String>,
    /// See [`AttendanceRules::excluded_accounts`] (replaces the whole list).
    pub excluded_accounts: Option<Vec<String>>,
}

/// A section of the rules: a field of [`AttendanceRules`] that an organisation's
/// [`RulesOverride`] may set on its own. The rules page shows one fieldset per section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleSection {
    Schedule,
    Breaks,
    OvertimeThreshold,
    LateNight,
    Rounding,
    DayBoundary,
    Holidays,
    TimeZone,
    ClockIn,
    ClockOut,
    ClockOutIncludesClockIn,
    MissingClockIn,
    MissingClockOut,
    UserNames,
    TerminalKey,
    ExcludedAccounts,
}

impl RuleSection {
    /// Every section, in the rules' order.
    pub const ALL: [RuleSection; 16] = [
        RuleSection::Schedule,
        RuleSection::Breaks,
        RuleSection::OvertimeThreshold,
        RuleSection::LateNight,
        RuleSection::Rounding,
        RuleSection::DayBoundary,
        RuleSection::Holidays,
        RuleSection::TimeZone,
        RuleSection::ClockIn,
        RuleSection::ClockOut,
        RuleSection::ClockOutIncludesClockIn,
        RuleSection::MissingClockIn,
        RuleSection::MissingClockOut,
        RuleSection::UserNames,
        RuleSection::TerminalKey,
        RuleSection::ExcludedAccounts,
    ];

    /// The field's name in the serialized rules, which is also how errors name it.
    pub fn key(self) -> &'static str {
        match self {
            RuleSection::Schedule => "schedule",
            RuleSection::Breaks => "breaks",
            RuleSection::OvertimeThreshold => "overtime_threshold_minutes",
            RuleSection::LateNight => "late_night",
            RuleSection::Rounding => "rounding_minutes",
            RuleSection::DayBoundary => "day_boundary",
            RuleSection::Holidays => "holidays",
            RuleSection::TimeZone => "time_zone",
            RuleSection::ClockIn => "clock_in",
            RuleSection::ClockOut => "clock_out",
            RuleSection::ClockOutIncludesClockIn => "clock_out_includes_clock_in",
            RuleSection::MissingClockIn => "missing_clock_in",
            RuleSection::MissingClockOut => "missing_clock_out",
            RuleSection::UserNames => "user_names",
            RuleSection::TerminalKey => "terminal_key",
            RuleSection::ExcludedAccounts => "excluded_accounts",
        }
    }
}

impl RulesOverride {
    /// Whether this override sets `section`.
    pub fn sets(&self, section: RuleSection) -> bool {
        match section {
            RuleSection::Schedule => self.schedule.is_some(),
            RuleSection::Breaks => self.breaks.is_some(),
            RuleSection::OvertimeThreshold => self.overtime_threshold_minutes.is_some(),
            RuleSection::LateNight => self.late_night.is_some(),
            RuleSection::Rounding => self.rounding_minutes.is_some(),
            RuleSection::DayBoundary => self.day_boundary.is_some(),
            RuleSection::Holidays => self.holidays.is_some(),
            RuleSection::TimeZone => self.time_zone.is_some(),
            RuleSection::ClockIn => self.clock_in.is_some(),
            RuleSection::ClockOut => self.clock_out.is_some(),
            RuleSection::ClockOutIncludesClockIn => self.clock_out_includes_clock_in.is_some(),
            RuleSection::MissingClockIn => self.missing_clock_in.is_some(),
            RuleSection::MissingClockOut => self.missing_clock_out.is_some(),
            RuleSection::UserNames => self.user_names.is_some(),
            RuleSection::TerminalKey => self.terminal_key.is_some(),
            RuleSection::ExcludedAccounts => self.excluded_accounts.is_some(),
        }
    }

    /// The override that sets `sections` to their values in `rules` and nothing else (an unset
    /// terminal key is sent as an empty one, which unsets the company's).
    pub fn of_sections(rules: &AttendanceRules, sections: &[RuleSection]) -> RulesOverride {
        let mut over = RulesOverride::default();
        for s in sections {
            match s {
                RuleSection::Schedule => over.schedule = Some(rules.schedule),
                RuleSection::Breaks => over.breaks = Some(rules.breaks.clone()),
                RuleSection::OvertimeThreshold => over.overtime_threshold_minutes = Some(rules.overtime_threshold_minutes),
                RuleSection::LateNight => over.late_night = Some(rules.late_night),
                RuleSection::Rounding => over.rounding_minutes = Some(rules.rounding_minutes),
                RuleSection::DayBoundary => over.day_boundary = Some(rules.day_boundary),
                RuleSection::Holidays => over.holidays = Some(rules.holidays.clone()),
                RuleSection::TimeZone => over.time_zone = Some(rules.time_zone),
                RuleSection::ClockIn => over.clock_in = Some(rules.clock_in.clone()),
                RuleSection::ClockOut => over.clock_out = Some(rules.clock_out.clone()),
                RuleSection::ClockOutIncludesClockIn => over.clock_out_includes_clock_in = Some(rules.clock_out_includes_clock_in),
                RuleSection::MissingClockIn => over.missing_clock_in = Some(rules.missing_clock_in),
                RuleSection::MissingClockOut => over.missing_clock_out = Some(rules.missing_clock_out),
                RuleSection::UserNames => over.user_names = Some(rules.user_names.clone()),
                RuleSection::TerminalKey => over.terminal_key = Some(rules.terminal_key.clone().unwrap_or_default()),
                RuleSection::ExcludedAccounts => over.excluded_accounts = Some(rules.excluded_accounts.clone()),
            }
        }
        over
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_and_machine_accounts_are_not_people_by_default() {
        let r = AttendanceRules::default();
        for name in [
            "NT AUTHORITY\\SYSTEM",
            "nt authority\\local service",
            "NT AUTHORITY\\NETWORK SERVICE",
            "NT AUTHORITY\\ANONYMOUS LOGON",
            "SYSTEM",
            "WORKGROUP\\DESKTOP-7Q2$",
            "CLPC001$",
            "Window Manager\\DWM-1",
            "Font Driver Host\\UMFD-0",
            "umfd-3",
        ] {
            assert!(r.excludes_account(name), "{name} is not a person");
        }
        for name in ["DOMAIN\\Kawasaki", "kato", "system-admin", "DOMAIN\\dwm", "山田$さん", "$x", "DOMAIN\\権限なし"] {
            assert!(!r.excludes_account(name), "{name} is a person");
        }
        // Stored rules from before the list existed load with it.
        let old: AttendanceRules = serde_json::from_str(r#"{"rounding_minutes": 15}"#).unwrap();
        assert_eq!(old.excluded_accounts, r.excluded_accounts);
        // An edited list replaces it; a domain pattern matches the whole name.
        let edited = AttendanceRules { excluded_accounts: vec!["SAMPLE\\svc-*".into(), "*@robots.example".into()], ..r.clone() };
        assert!(edited.excludes_account("sample\\SVC-backup") && edited.excludes_account("bot@robots.example"));
        assert!(!edited.excludes_account("OTHER\\svc-backup") && !edited.excludes_account("CLPC001$"));
        let bad = AttendanceRules { excluded_accounts: vec![" ".into(), "**".into()], ..r };
        let fields: Vec<String> = bad.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["excluded_accounts[0]", "excluded_accounts[1]"]);
    }

    #[test]
    fn an_override_of_every_section_sets_each_and_merges_back_to_the_rules() {
        let rules = AttendanceRules { rounding_minutes: 15, terminal_key: None, ..AttendanceRules::default() };
        let over = RulesOverride::of_sections(&rules, &RuleSection::ALL);
        assert!(RuleSection::ALL.iter().all(|s| over.sets(*s)));
        assert_eq!(AttendanceRules::default().merge(&over), rules);
        let only = RulesOverride::of_sections(&rules, &[RuleSection::Rounding]);
        assert_eq!(RuleSection::ALL.iter().filter(|s| only.sets(**s)).count(), 1);
        assert_eq!(only.rounding_minutes, Some(15));
        // The keys are the serialized field names.
        let json = serde_json::to_value(&over).unwrap();
        for s in RuleSection::ALL {
            assert!(json.get(s.key()).is_some(), "{}", s.key());
        }
    }
}
