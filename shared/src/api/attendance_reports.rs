//! The attendance console's and exported files' tables (manual 8.6.1): monthly, timesheet,
//! daily, ranking and per-terminal, with the columns and sort the display settings choose
//! (manual 8.3.4), and the 36-agreement check.

use serde::{Deserialize, Serialize};

use crate::Language;
use crate::api::DailyField;

/// The kinds of table (勤怠データの形式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// One row per person for a month (月別).
    Monthly,
    /// One row per day for one person and month (勤怠表).
    Timesheet,
    /// One row per person for a day (日別).
    Daily,
    /// Persons ranked by one item over a month (ランキング).
    Ranking,
    /// One row per person, day and terminal (端末別).
    Terminal,
}

impl ReportKind {
    pub const ALL: [ReportKind; 5] =
        [ReportKind::Monthly, ReportKind::Timesheet, ReportKind::Daily, ReportKind::Ranking, ReportKind::Terminal];

    pub fn key(self) -> &'static str {
        match self {
            ReportKind::Monthly => "monthly",
            ReportKind::Timesheet => "timesheet",
            ReportKind::Daily => "daily",
            ReportKind::Ranking => "ranking",
            ReportKind::Terminal => "terminal",
        }
    }

    pub fn from_key(key: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The table's name in `language` (an Excel sheet's name), as the console's tabs say it.
    pub const fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (ReportKind::Monthly, Language::Ja) => "月別",
            (ReportKind::Monthly, Language::En) => "Monthly",
            (ReportKind::Timesheet, Language::Ja) => "勤怠表",
            (ReportKind::Timesheet, Language::En) => "Timesheet",
            (ReportKind::Daily, Language::Ja) => "日別",
            (ReportKind::Daily, Language::En) => "Daily",
            (ReportKind::Ranking, Language::Ja) => "ランキング",
            (ReportKind::Ranking, Language::En) => "Ranking",
            (ReportKind::Terminal, Language::Ja) => "端末別",
            (ReportKind::Terminal, Language::En) => "Terminal",
        }
    }

    /// Every column this kind can show, in the manual's default order.
    pub fn columns(self) -> &'static [ReportColumn] {
        use ReportColumn::*;
        match self {
            ReportKind::Monthly => &[
                User,
                Group,
                LateCount,
                EarlyLeaveCount,
                ActualWork,
                NonScheduledWork,
                Overtime,
                LateNight,
                LateNightOvertime,
                DaysWorked,
                HolidayDaysWorked,
                DaysWithoutClockIn,
                DaysWithoutClockOut,
                AbsentDays,
            ],
            ReportKind::Timesheet => &[
                User,
                Date,
                Weekday,
                Status,
                ClockIn,
                ClockOut,
                ActualWork,
                RegularOvertime,
                LateNightOvertime,
                WorkInterval,
                Late,
                EarlyLeave,
                Holiday,
            ],
            ReportKind::Daily => &[
                User,
                Group,
                Date,
                Weekday,
                Status,
                Late,
                EarlyLeave,
                Logon,
                Logoff,
                ClockIn,
                ClockOut,
                WorkInterval,
                ActualWork,
                NonScheduledWork,
                Overtime,
                LateNight,
                LateNightOvertime,
            ],
            ReportKind::Ranking => &[
                Rank,
                User,
                Group,
                LateCount,
                EarlyLeaveCount,
                ActualWork,
                NonScheduledWork,
                Overtime,
                LateNight,
                LateNightOvertime,
                DaysWorked,
                HolidayDaysWorked,
            ],
            ReportKind::Terminal => &[User, Group, Date, Weekday, Terminal, Logon, Logoff],
        }
    }

    /// Whether `key` is a column of this kind.
    pub fn has_column(self, key: &str) -> bool {
        self.columns().iter().any(|c| c.key() == key)
    }
}

/// What a ranking ranks by (ランキング).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RankingItem {
    HolidayWork,
    #[default]
    Overtime,
    ActualWork,
    LateCount,
}

impl RankingItem {
    pub const ALL: [RankingItem; 4] = [RankingItem::HolidayWork, RankingItem::Overtime, RankingItem::ActualWork, RankingItem::LateCount];

    pub fn key(self) -> &'static str {
        match self {
            RankingItem::HolidayWork => "holiday_work",
            RankingItem::Overtime => "overtime",
            RankingItem::ActualWork => "actual_work",
            RankingItem::LateCount => "late_count",
        }
    }

    /// The column ranked by.
    pub fn column(self) -> &'static str {
        match self {
            RankingItem::HolidayWork => "holiday_days_worked",
            RankingItem::Overtime => "overtime",
            RankingItem::ActualWork => "actual_work",
            RankingItem::LateCount => "late_count",
        }
    }
}

/// A column of the console's and the files' tables: its key (in layouts, output profiles,
/// the API's tables and sort keys), its heading, its kind of value, and the stored daily field
/// it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportColumn {
    User,
    Group,
    Date,
    Weekday,
    LateCount,
    EarlyLeaveCount,
    ActualWork,
    NonScheduledWork,
    Overtime,
    RegularOvertime,
    LateNight,
    LateNightOvertime,
    DaysWorked,
    HolidayDaysWorked,
    DaysWithoutClockIn,
    DaysWithoutClockOut,
    ClockIn,
    ClockOut,
    Logon,
    Logoff,
    WorkInterval,
    Late,
    EarlyLeave,
    Holiday,
    Terminal,
    Rank,
    /// Working days counted absent in the month.
    AbsentDays,
    /// The day's absence or missing clock event in words ([`day_status`]).
    Status,
}

impl ReportColumn {
    pub const ALL: [ReportColumn; 28] = {
        use ReportColumn::*;
        [
            User,
            Group,
            Date,
            Weekday,
            LateCount,
            EarlyLeaveCount,
            ActualWork,
            NonScheduledWork,
            Overtime,
            RegularOvertime,
            LateNight,
            LateNightOvertime,
            DaysWorked,
            HolidayDaysWorked,
            DaysWithoutClockIn,
            DaysWithoutClockOut,
            ClockIn,
            ClockOut,
            Logon,
            Logoff,
            WorkInterval,
            Late,
            EarlyLeave,
            Holiday,
            Terminal,
            Rank,
            AbsentDays,
            Status,
        ]
    };

    /// The column's key and its heading in Japanese and English (also the header of exported files).
    const fn names(self) -> (&'static str, &'static str, &'static str) {
        use ReportColumn::*;
        match self {
            User => ("user", "ユーザー", "User"),
            Group => ("group", "グループ", "Group"),
            Date => ("date", "日付", "Date"),
            Weekday => ("weekday", "曜日", "Weekday"),
            LateCount => ("late_count", "遅刻回数", "Late count"),
            EarlyLeaveCount => ("early_leave_count", "早退回数", "Early-leave count"),
            ActualWork => ("actual_work", "実労働時間", "Actual work"),
            NonScheduledWork => ("non_scheduled_work", "所定外労働時間", "Non-scheduled work"),
            Overtime => ("overtime", "残業時間", "Overtime"),
            RegularOvertime => ("regular_overtime", "残業時間(通常)", "Overtime (regular)"),
            LateNight => ("late_night", "深夜労働時間", "Late-night work"),
            LateNightOvertime => ("late_night_overtime", "深夜残業時間", "Late-night overtime"),
            DaysWorked => ("days_worked", "出勤日数", "Days worked"),
            HolidayDaysWorked => ("holiday_days_worked", "休日出勤日数", "Holidays worked"),
            DaysWithoutClockIn => ("days_without_clock_in", "出勤記録のない日数", "Days without clock-in"),
            DaysWithoutClockOut => ("days_without_clock_out", "退勤記録のない日数", "Days without clock-out"),
            ClockIn => ("clock_in", "出勤時刻", "Clock-in"),
            ClockOut => ("clock_out", "退勤時刻", "Clock-out"),
            Logon => ("logon", "ログオン", "Logon"),
            Logoff => ("logoff", "ログオフ", "Logoff"),
            WorkInterval => ("work_interval", "勤務間インターバル", "Work interval"),
            Late => ("late", "遅刻", "Late"),
            EarlyLeave => ("early_leave", "早退", "Early leave"),
            Holiday => ("holiday", "休日", "Holiday"),
            Terminal => ("terminal", "端末名", "Terminal"),
            Rank => ("rank", "順位", "Rank"),
            AbsentDays => ("absent_days", "欠勤日数", "Absent days"),
            Status => ("status", "勤怠状況", "Status"),
        }
    }

    /// The column's key (stable: layouts and output profiles keep it).
    pub const fn key(self) -> &'static str {
        self.names().0
    }

    pub fn from_key(key: &str) -> Option<ReportColumn> {
        ReportColumn::ALL.into_iter().find(|c| c.key() == key)
    }

    /// The column's heading in `language` (also the header of exported files).
    pub const fn label(self, language: Language) -> &'static str {
        match language {
            Language::Ja => self.names().1,
            Language::En => self.names().2,
        }
    }

    /// How the column's values are shown, sorted and written to Excel.
    pub const fn kind(self) -> ColumnKind {
        use ReportColumn::*;
        match self {
            User | Group | Weekday | Terminal | Holiday | Status => ColumnKind::Text,
            Date => ColumnKind::Date,
            LateCount | EarlyLeaveCount | DaysWorked | HolidayDaysWorked | DaysWithoutClockIn | DaysWithoutClockOut | AbsentDays | Rank => {
                ColumnKind::Count
            }
            ClockIn | ClockOut | Logon | Logoff => ColumnKind::Time,
            ActualWork | NonScheduledWork | Overtime | RegularOvertime | LateNight | LateNightOvertime | WorkInterval | Late
            | EarlyLeave => ColumnKind::Minutes,
        }
    }

    /// The stored daily field a daily or timesheet column shows and is ordered by (a clock time
    /// by the instant it stands for; it shows the text beside it). `None` for what is not one
    /// stored field (the organisation, the weekday, the holiday's text, the status in words) and
    /// for monthly counts.
    pub const fn stored(self) -> Option<DailyField> {
        use ReportColumn::*;
        Some(match self {
            User => DailyField::DisplayName,
            Date => DailyField::WorkDate,
            Logon => DailyField::LogonAt,
            Logoff => DailyField::LogoffAt,
            ClockIn => DailyField::ClockInAt,
            ClockOut => DailyField::ClockOutAt,
            WorkInterval => DailyField::WorkIntervalMinutes,
            ActualWork => DailyField::ActualWorkMinutes,
            NonScheduledWork => DailyField::NonScheduledWorkMinutes,
            Overtime => DailyField::OvertimeMinutes,
            RegularOvertime => DailyField::RegularOvertimeMinutes,
            LateNight => DailyField::LateNightMinutes,
            LateNightOvertime => DailyField::LateNightOvertimeMinutes,
            Late => DailyField::LateMinutes,
            EarlyLeave => DailyField::EarlyLeaveMinutes,
            Group | Weekday | LateCount | EarlyLeaveCount | DaysWorked | HolidayDaysWorked | DaysWithoutClockIn | DaysWithoutClockOut
            | AbsentDays | Holiday | Terminal | Rank | Status => return None,
        })
    }
}

/// The stored flags a day's [`ReportColumn::Status`] is worked out from.
pub const STATUS_FIELDS: [DailyField; 3] = [DailyField::Absent, DailyField::MissingClockIn, DailyField::MissingClockOut];

/// A stored day's absence and missing clock events in words, in `language` (empty for a day
/// worked with both, and for a day off without activity, which the engine does not count absent).
/// A day counted absent because a missing clock event is corrected to an absence says which.
pub const fn day_status(absent: bool, missing_clock_in: bool, missing_clock_out: bool, language: Language) -> &'static str {
    let ja = matches!(language, Language::Ja);
    match (absent, missing_clock_in, missing_clock_out) {
        (true, true, _) => {
            if ja {
                "欠勤(出勤なし)"
            } else {
                "Absent (no clock-in)"
            }
        }
        (true, _, true) => {
            if ja {
                "欠勤(退勤なし)"
            } else {
                "Absent (no clock-out)"
            }
        }
        (true, false, false) => {
            if ja {
                "欠勤"
            } else {
                "Absent"
            }
        }
        (false, true, _) => {
            if ja {
                "出勤なし"
            } else {
                "No clock-in"
            }
        }
        (false, false, true) => {
            if ja {
                "退勤なし"
            } else {
                "No clock-out"
            }
        }
        (false, false, false) => "",
    }
}

/// A column's heading in `language` (also the header of exported files); `?` for an unknown key.
pub fn column_label(key: &str, language: Language) -> &'static str {
    ReportColumn::from_key(key).map_or("?", |c| c.label(language))
}

/// A column's kind of value: how it is shown, sorted and written to Excel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// A duration in minutes, shown `h:mm`.
    Minutes,
    /// A count.
    Count,
    /// A time of day as the rules show it (`8:55`, `*18:00` or blank), sorted by its instant.
    Time,
}

/// The kind of a column key (minutes for an unknown key).
pub fn column_kind(key: &str) -> ColumnKind {
    ReportColumn::from_key(key).map_or(ColumnKind::Minutes, ReportColumn::kind)
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SortKey {
    pub column: String,
    #[serde(default)]
    pub descending: bool,
}

/// Columns and sort for one kind of table (表示項目設定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableLayout {
    /// The columns shown, in order.
    pub columns: Vec<String>,
    /// Up to two sort keys; the second applies only with a first (manual 8.3.4).
    #[serde(default)]
    pub sort: Vec<SortKey>,
}

impl TableLayout {
    pub fn default_for(kind: ReportKind) -> TableLayout {
        TableLayout { columns: kind.columns().iter().map(|c| c.key().to_string()).collect(), sort: Vec::new() }
    }

    /// Checks the columns and sort keys against `kind`; the error names the field.
    pub fn check(&self, kind: ReportKind) -> Result<(), crate::validation::FieldError> {
        use crate::messages::Text;
        use crate::validation::FieldError;
        let allowed = |c: &str| kind.has_column(c);
        if self.columns.is_empty() {
            return Err(FieldError::new("columns", Text::new("columns: choose at least one column", "列を1つ以上選んでください。")));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if !allowed(c) {
                return Err(FieldError::new(
                    &format!("columns[{i}]"),
                    Text::new(
                        format!(
                            "columns[{i}]: {c:?} is not a column of the {} table: use one of {}",
                            kind.key(),
                            kind.columns().iter().map(|c| c.key()).collect::<Vec<_>>().join(", ")
                        ),
                        format!("「{c}」はこの帳票の列ではありません。"),
                    ),
                ));
            }
            if self.columns[..i].contains(c) {
                return Err(FieldError::new(
                    &format!("columns[{i}]"),
                    Text::new(
                        format!("columns[{i}]: {c:?} is listed twice"),
                        format!("列「{}」が2回選ばれています。", column_label(c, Language::Ja)),
                    ),
                ));
            }
        }
        if self.sort.len() > 2 {
            return Err(FieldError::new("sort", Text::new("sort: at most two keys", "並び順の項目は2つまでです。")));
        }
        for (i, k) in self.sort.iter().enumerate() {
            if !allowed(&k.column) {
                return Err(FieldError::new(
                    &format!("sort[{i}].column"),
                    Text::new(
                        format!("sort[{i}]: {:?} is not a column of the {} table", k.column, kind.key()),
                        format!("「{}」はこの帳票の列ではないので並べ替えに使えません。", k.column),
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The display settings: the layout of each kind of table (shown on the console and used as
/// the starting point of new output profiles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct DisplaySettings {
    pub monthly: TableLayout,
    pub timesheet: TableLayout,
    pub daily: TableLayout,
    pub ranking: TableLayout,
    pub terminal: TableLayout,
}

impl Default for DisplaySettings {
    fn default() -> Self {
        Self {
            monthly: TableLayout::default_for(ReportKind::Monthly),
            timesheet: TableLayout::default_for(ReportKind::Timesheet),
            daily: TableLayout::default_for(ReportKind::Daily),
            ranking: TableLayout::default_for(ReportKind::Ranking),
            terminal: TableLayout::default_for(ReportKind::Terminal),
        }
    }
}

impl DisplaySettings {
    pub fn layout(&self, kind: ReportKind) -> &TableLayout {
        match kind {
            ReportKind::Monthly => &self.monthly,
            ReportKind::Timesheet => &self.timesheet,
            ReportKind::Daily => &self.daily,
            ReportKind::Ranking => &self.ranking,
            ReportKind::Terminal => &self.terminal,
        }
    }
}

/// A table cell as sent to the UI: text, a number (minutes or a count, per the column's kind),
/// or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum CellValue {
    Number(i64),
    Text(String),
    Empty,
}

/// A row: whose it is, and its cells in column order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// The log user the row is about (lower-case), for opening their timesheet.
    pub person: String,
    /// Their Kinmu account, if one owns them.
    pub user_id: Option<i64>,
    pub cells: Vec<CellValue>,
}

/// `GET /attendance/reports/{kind}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReportQuery {
    /// `YYYY-MM` (monthly, timesheet, ranking; terminal over a month).
    pub month: Option<String>,
    /// `YYYY-MM-DD` (daily; terminal for a day).
    pub date: Option<String>,
    /// An organisation and its sub-organisations.
    #[serde(deserialize_with = "whole_number")]
    pub organization_id: Option<i64>,
    /// A Kinmu login or a log user (required for the timesheet; default: oneself).
    pub user: Option<String>,
    pub terminal: Option<String>,
    pub ranking: Option<RankingItem>,
    /// Sort keys `column` or `-column` (descending), comma-separated, at most two; default: the display settings'.
    pub sort: Option<String>,
    #[serde(deserialize_with = "whole_number")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "whole_number")]
    pub offset: Option<i64>,
}

/// A whole number from a query string, also inside a flattened query (where serde hands it over
/// as text).
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(t)) => t.trim().parse().map(Some).map_err(|_| serde::de::Error::custom(format!("{t:?} is not a whole number"))),
    }
}

/// `GET /attendance/reports/{kind}/download`: the table's query, and the file's format.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDownloadQuery {
    #[serde(flatten)]
    pub query: ReportQuery,
    /// `csv` (default) or `xlsx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `utf-8`, `utf-8-bom` (default) or `shift_jis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// `GET /attendance/agreement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementQuery {
    /// `YYYY-MM`.
    pub month: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<i64>,
    /// Only this person (a login, a log user or a name, as the tables' user filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub kind: ReportKind,
    /// The month or day shown.
    pub period: String,
    pub columns: Vec<String>,
    pub rows: Vec<ReportRow>,
    /// Rows in all (before limit and offset).
    pub total_rows: i64,
}

/// The 36 agreement's limits (労使協定, Labour Standards Act art. 36), in hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AgreementLimits {
    /// Overtime in a month (45 h).
    pub monthly_overtime_hours: u32,
    /// Overtime in a year (360 h).
    pub yearly_overtime_hours: u32,
    /// Whether the special clause (特別条項) applies.
    pub special_clause: bool,
    /// With the special clause: overtime in a year (720 h).
    pub special_yearly_overtime_hours: u32,
    /// With the special clause: overtime plus holiday work in any month stays under this (100 h).
    pub special_monthly_total_hours: u32,
    /// With the special clause: the average of overtime plus holiday work over every span of 2–6 months (80 h).
    pub special_average_hours: u32,
    /// With the special clause: months over the monthly limit in a year (6).
    pub special_months_over: u32,
    /// Warn at this share of a limit, in percent (80).
    pub warn_percent: u32,
    /// The month the agreement's year starts (1–12; April is common).
    pub year_start_month: u32,
}

impl Default for AgreementLimits {
    fn default() -> Self {
        Self {
            monthly_overtime_hours: 45,
            yearly_overtime_hours: 360,
            special_clause: false,
            special_yearly_overtime_hours: 720,
            special_monthly_total_hours: 100,
            special_average_hours: 80,
            special_months_over: 6,
            warn_percent: 80,
            year_start_month: 4,
        }
    }
}

/// How a figure stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgreementLevel {
    Ok,
    /// At or past the warning share of the limit.
    Warning,
    /// Past the limit.
    Exceeded,
}

/// One checked limit for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementCheck {
    /// `monthly_overtime`, `yearly_overtime`, `monthly_total`, `average_2_6`, `months_over`.
    pub rule: String,
    /// The figure (minutes; months for `months_over`).
    pub value: i64,
    /// The limit (minutes; months for `months_over`).
    pub limit: i64,
    pub level: AgreementLevel,
}

/// A person's 36-agreement status for a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementStatus {
    pub person: String,
    pub name: String,
    pub user_id: Option<i64>,
    /// The month's overtime, in minutes, for the chart.
    pub overtime_minutes: i64,
    pub checks: Vec<AgreementCheck>,
    /// The worst level among the checks.
    pub level: AgreementLevel,
    /// Days of the month that break the break rule (45 min past 6 h of work, 60 min past 8 h).
    pub break_rule_days: Vec<String>,
    /// Every stored day of the month, for the calendar heat map.
    pub days: Vec<HeatDay>,
}

/// `GET /attendance/agreement?month=&organization_id=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementReport {
    pub month: String,
    pub limits: AgreementLimits,
    pub people: Vec<AgreementStatus>,
}

/// One day of a person's month for the heat map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeatDay {
    pub date: String,
    pub actual_work_minutes: i64,
    pub overtime_minutes: i64,
    pub holiday: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::FieldKind;

    #[test]
    fn every_column_is_listed_once_and_shows_a_stored_field_of_its_kind() {
        for (i, c) in ReportColumn::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{c:?} is where the enum puts it");
            assert_eq!(ReportColumn::from_key(c.key()), Some(*c));
            assert!(!ReportColumn::ALL[..i].iter().any(|d| d.key() == c.key()), "{} twice", c.key());
            if let Some(f) = c.stored() {
                let fits = match c.kind() {
                    ColumnKind::Minutes => matches!(f.kind(), FieldKind::Minutes | FieldKind::OptionalMinutes),
                    ColumnKind::Time => f.kind() == FieldKind::Instant,
                    ColumnKind::Date => f.kind() == FieldKind::Date,
                    ColumnKind::Text => f.kind() == FieldKind::Text,
                    ColumnKind::Count => false,
                };
                assert!(fits, "{} shows {}", c.key(), f.key());
            }
        }
        for kind in ReportKind::ALL {
            assert!(TableLayout::default_for(kind).check(kind).is_ok());
        }
        // Every daily or timesheet column is a stored field's, or one the table works out.
        for c in [ReportKind::Daily, ReportKind::Timesheet].iter().flat_map(|k| k.columns()) {
            assert!(
                c.stored().is_some()
                    || matches!(c, ReportColumn::Group | ReportColumn::Weekday | ReportColumn::Holiday | ReportColumn::Status),
                "{c:?}"
            );
        }
        assert_eq!(column_label("late_night", Language::Ja), "深夜労働時間");
        assert_eq!(column_label("nope", Language::En), "?");
        assert_eq!(column_kind("nope"), ColumnKind::Minutes);
    }

    #[test]
    fn a_days_status_names_what_is_missing_in_the_readers_language() {
        assert_eq!(day_status(true, false, false, Language::Ja), "欠勤");
        assert_eq!(day_status(true, false, false, Language::En), "Absent");
        assert_eq!(day_status(false, false, true, Language::Ja), "退勤なし");
        assert_eq!(day_status(false, true, false, Language::En), "No clock-in");
        assert_eq!(day_status(true, false, true, Language::Ja), "欠勤(退勤なし)");
        assert_eq!(day_status(false, false, false, Language::Ja), "");
        for kind in [ReportKind::Daily, ReportKind::Timesheet] {
            assert!(kind.columns().contains(&ReportColumn::Status), "{kind:?} shows the status by default");
        }
        assert!(ReportKind::Monthly.columns().contains(&ReportColumn::AbsentDays));
    }
}
