//! The fields of a person's stored day (the attendance task's daily record, the table
//! `attendance_daily`): the one list that the SQL which writes and reads the table, the
//! report tables' daily columns ([`crate::api::ReportColumn::stored`]) and the test of the
//! migrated schema come from. The migrations are history and keep their own text; a test checks
//! that the migrated table has exactly these columns.

/// How a stored field's value is kept: every field is a `TEXT` or a `BIGINT` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// `YYYY-MM-DD`.
    Date,
    Text,
    /// Text, or NULL.
    OptionalText,
    /// A row's id, or NULL.
    OptionalId,
    /// 0 or 1.
    Flag,
    /// Seconds since the Unix epoch (UTC), or NULL.
    Instant,
    /// A duration in minutes.
    Minutes,
    /// A duration in minutes, or NULL.
    OptionalMinutes,
    /// The id of the attendance task's run that stored the row.
    Run,
}

impl FieldKind {
    /// Whether the column may be NULL.
    pub const fn nullable(self) -> bool {
        matches!(self, FieldKind::OptionalText | FieldKind::OptionalId | FieldKind::Instant | FieldKind::OptionalMinutes)
    }

    /// Whether the column is `TEXT` (else `BIGINT`).
    pub const fn is_text(self) -> bool {
        matches!(self, FieldKind::Date | FieldKind::Text | FieldKind::OptionalText)
    }
}

/// A field of a person's stored day, in the order of [`DailyField::ALL`] (the table's columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DailyField {
    WorkDate,
    /// The person as found in the logs (see `attendance::people`).
    PersonKey,
    /// The person's account without domain, lower-cased.
    Account,
    DisplayName,
    OrganizationId,
    Holiday,
    Worked,
    Absent,
    MissingClockIn,
    MissingClockOut,
    /// Whether the day was still in progress when computed.
    InProgress,
    /// `weekly`, `national` or `company`; NULL on working days.
    HolidayKind,
    /// A national holiday's name, else empty.
    HolidayName,
    LogonAt,
    LogoffAt,
    ClockInAt,
    ClockOutAt,
    /// Clock-in as the rules show it (`8:55`, `*18:00`, blank).
    ClockInText,
    ClockOutText,
    WorkIntervalMinutes,
    ActualWorkMinutes,
    NonScheduledWorkMinutes,
    OvertimeMinutes,
    RegularOvertimeMinutes,
    LateNightMinutes,
    LateNightOvertimeMinutes,
    LateMinutes,
    EarlyLeaveMinutes,
    RunId,
}

impl DailyField {
    /// Every field, in the table's column order.
    pub const ALL: [DailyField; 29] = {
        use DailyField::*;
        [
            WorkDate,
            PersonKey,
            Account,
            DisplayName,
            OrganizationId,
            Holiday,
            Worked,
            Absent,
            MissingClockIn,
            MissingClockOut,
            InProgress,
            HolidayKind,
            HolidayName,
            LogonAt,
            LogoffAt,
            ClockInAt,
            ClockOutAt,
            ClockInText,
            ClockOutText,
            WorkIntervalMinutes,
            ActualWorkMinutes,
            NonScheduledWorkMinutes,
            OvertimeMinutes,
            RegularOvertimeMinutes,
            LateNightMinutes,
            LateNightOvertimeMinutes,
            LateMinutes,
            EarlyLeaveMinutes,
            RunId,
        ]
    };

    /// The durations of a day, which a month totals (the monthly table has columns of the same names).
    pub const DURATIONS: [DailyField; 8] = {
        use DailyField::*;
        [
            ActualWorkMinutes,
            NonScheduledWorkMinutes,
            OvertimeMinutes,
            RegularOvertimeMinutes,
            LateNightMinutes,
            LateNightOvertimeMinutes,
            LateMinutes,
            EarlyLeaveMinutes,
        ]
    };

    /// The field's column name in `attendance_daily` (stable: it is in deployed databases).
    pub const fn key(self) -> &'static str {
        use DailyField::*;
        match self {
            WorkDate => "work_date",
            PersonKey => "person_key",
            Account => "account",
            DisplayName => "display_name",
            OrganizationId => "organization_id",
            Holiday => "holiday",
            Worked => "worked",
            Absent => "absent",
            MissingClockIn => "missing_clock_in",
            MissingClockOut => "missing_clock_out",
            InProgress => "in_progress",
            HolidayKind => "holiday_kind",
            HolidayName => "holiday_name",
            LogonAt => "logon_at",
            LogoffAt => "logoff_at",
            ClockInAt => "clock_in_at",
            ClockOutAt => "clock_out_at",
            ClockInText => "clock_in_text",
            ClockOutText => "clock_out_text",
            WorkIntervalMinutes => "work_interval_minutes",
            ActualWorkMinutes => "actual_work_minutes",
            NonScheduledWorkMinutes => "non_scheduled_work_minutes",
            OvertimeMinutes => "overtime_minutes",
            RegularOvertimeMinutes => "regular_overtime_minutes",
            LateNightMinutes => "late_night_minutes",
            LateNightOvertimeMinutes => "late_night_overtime_minutes",
            LateMinutes => "late_minutes",
            EarlyLeaveMinutes => "early_leave_minutes",
            RunId => "run_id",
        }
    }

    pub const fn kind(self) -> FieldKind {
        use DailyField::*;
        match self {
            WorkDate => FieldKind::Date,
            PersonKey | Account | DisplayName | HolidayName | ClockInText | ClockOutText => FieldKind::Text,
            HolidayKind => FieldKind::OptionalText,
            OrganizationId => FieldKind::OptionalId,
            Holiday | Worked | Absent | MissingClockIn | MissingClockOut | InProgress => FieldKind::Flag,
            LogonAt | LogoffAt | ClockInAt | ClockOutAt => FieldKind::Instant,
            WorkIntervalMinutes => FieldKind::OptionalMinutes,
            ActualWorkMinutes
            | NonScheduledWorkMinutes
            | OvertimeMinutes
            | RegularOvertimeMinutes
            | LateNightMinutes
            | LateNightOvertimeMinutes
            | LateMinutes
            | EarlyLeaveMinutes => FieldKind::Minutes,
            RunId => FieldKind::Run,
        }
    }

    /// The fields' column names separated by `, ` (for SQL: build it once, not per row).
    pub fn list(fields: &[DailyField]) -> String {
        let mut s = String::new();
        for f in fields {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(f.key());
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_listed_once_and_the_durations_are_its_minutes() {
        for (i, f) in DailyField::ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "{f:?} is where the enum puts it");
            assert!(!DailyField::ALL[..i].iter().any(|g| g.key() == f.key()), "{} twice", f.key());
        }
        let minutes: Vec<DailyField> = DailyField::ALL.into_iter().filter(|f| f.kind() == FieldKind::Minutes).collect();
        assert_eq!(minutes, DailyField::DURATIONS);
        assert!(DailyField::list(&DailyField::ALL).starts_with("work_date, person_key, account, "));
    }
}
