//! A user's month (manual 8.6.1.3, items 3–13).

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::daily::DailyRecord;

/// One user's totals over one month. Durations are whole minutes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MonthlyRecord {
    /// The user (as shown).
    pub user: String,
    /// The year.
    pub year: i32,
    /// The month (1–12).
    pub month: u32,
    /// Days late (遅刻回数): clock-in after the scheduled start.
    pub late_count: u32,
    /// Days left early (早退回数): clock-out before the scheduled end.
    pub early_leave_count: u32,
    /// Sum of actual work (実労働時間).
    pub actual_work_minutes: u64,
    /// Sum of non-scheduled work (所定外労働時間).
    pub non_scheduled_work_minutes: u64,
    /// Sum of overtime (残業時間).
    pub overtime_minutes: u64,
    /// Sum of overtime outside the late-night range.
    pub regular_overtime_minutes: u64,
    /// Sum of late-night work (深夜労働時間).
    pub late_night_minutes: u64,
    /// Sum of late-night overtime (深夜残業時間).
    pub late_night_overtime_minutes: u64,
    /// Sum of minutes late.
    pub late_minutes: u64,
    /// Sum of minutes left early.
    pub early_leave_minutes: u64,
    /// Days with both a clock-in and a clock-out (出勤日数).
    pub days_worked: u32,
    /// Holidays with both a clock-in and a clock-out (休日出勤日数).
    pub holiday_days_worked: u32,
    /// Days with a clock-out log but no clock-in log (出勤記録のない日数).
    pub days_without_clock_in: u32,
    /// Days with a clock-in log but no clock-out log (退勤記録のない日数).
    pub days_without_clock_out: u32,
    /// Working days counted absent.
    pub absent_days: u32,
}

/// Totals `user`'s records of `year`-`month` among `records` (records of other users or
/// months are skipped, so all of a run's records may be passed).
pub fn compute_month(user: &str, year: i32, month: u32, records: &[DailyRecord]) -> MonthlyRecord {
    let mut m = MonthlyRecord { user: user.to_string(), year, month, ..MonthlyRecord::default() };
    for r in records.iter().filter(|r| r.user == user && r.date.year() == year && r.date.month() == month) {
        m.late_count += u32::from(r.late_minutes > 0);
        m.early_leave_count += u32::from(r.early_leave_minutes > 0);
        m.actual_work_minutes += u64::from(r.actual_work_minutes);
        m.non_scheduled_work_minutes += u64::from(r.non_scheduled_work_minutes);
        m.overtime_minutes += u64::from(r.overtime_minutes);
        m.regular_overtime_minutes += u64::from(r.regular_overtime_minutes);
        m.late_night_minutes += u64::from(r.late_night_minutes);
        m.late_night_overtime_minutes += u64::from(r.late_night_overtime_minutes);
        m.late_minutes += u64::from(r.late_minutes);
        m.early_leave_minutes += u64::from(r.early_leave_minutes);
        m.days_worked += u32::from(r.worked());
        m.holiday_days_worked += u32::from(r.worked() && r.holiday.is_some());
        m.days_without_clock_in += u32::from(r.missing_clock_in);
        m.days_without_clock_out += u32::from(r.missing_clock_out);
        m.absent_days += u32::from(r.absent);
    }
    m
}
