//! Missing days: the past days a person should have booked effort on and did not. Pure: the
//! caller passes today, the days with effort, the days with attended work and the work calendar.

use chrono::{Datelike, Months, NaiveDate};

/// The days a dashboard looks back over: the first day of the month before `today`'s, up to
/// yesterday (empty on no day).
pub fn lookback(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let this_month = today.with_day(1).unwrap_or(today);
    let first = this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month);
    (first, today.pred_opt().unwrap_or(today))
}

/// The days from `first` to `last` with no effort that were either attended (a stored
/// attendance day with work) or working days by the calendar.
pub fn missing_days(
    first: NaiveDate,
    last: NaiveDate,
    has_effort: impl Fn(NaiveDate) -> bool,
    attended: impl Fn(NaiveDate) -> bool,
    working_day: impl Fn(NaiveDate) -> bool,
) -> Vec<NaiveDate> {
    first.iter_days().take_while(|d| *d <= last).filter(|d| !has_effort(*d) && (attended(*d) || working_day(*d))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn looks_back_over_this_month_and_the_last_up_to_yesterday() {
        assert_eq!(lookback(day(12, 5)), (day(11, 1), day(12, 4)));
        assert_eq!(lookback(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()), (day(12, 1), day(12, 31)));
    }

    #[test]
    fn working_or_attended_days_without_effort_are_missing() {
        let weekday = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        // 2026-11-02 is a Monday.
        let effort = [day(11, 2), day(11, 3)];
        let attended = [day(11, 7)]; // a Saturday worked
        let missing = missing_days(day(11, 2), day(11, 8), |d| effort.contains(&d), |d| attended.contains(&d), weekday);
        assert_eq!(missing, [day(11, 4), day(11, 5), day(11, 6), day(11, 7)]);
        // A Sunday with neither is not missing; a Saturday with effort is not either.
        assert!(missing_days(day(11, 8), day(11, 8), |_| false, |_| false, weekday).is_empty());
        assert!(missing_days(day(11, 7), day(11, 7), |_| true, |_| true, weekday).is_empty());
        assert!(missing_days(day(11, 9), day(11, 8), |_| false, |_| true, weekday).is_empty());
    }
}
