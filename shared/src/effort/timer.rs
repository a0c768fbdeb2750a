//! The effort timer's rule: a running timer's time split into the days it ran on, in whole
//! minutes, and what a stop keeps when the timer ran past the start of a day.
//!
//! Days are the effort days the entries use: the company's attendance days, in its time zone and
//! starting at its day boundary (midnight unless the rules move it, e.g. to 05:00). The minutes
//! are counted from the start, so the segments always add up to the whole minutes elapsed; the
//! minute that straddles the start of a day counts on the later day.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::duration::format_minutes;
use crate::attendance_rules::ClockTime;
use crate::messages::Text;

/// A running timer's minutes of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimerSegment {
    /// `YYYY-MM-DD` (serialised as text like every date of the API).
    pub date: NaiveDate,
    pub minutes: i64,
}

/// What a stop keeps of a timer that ran into a later day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MidnightChoice {
    /// Every day gets its own segment.
    KeepAll,
    /// Only the day the timer started, until that day ended.
    KeepStartDay,
    /// Nothing is stored.
    Discard,
}

impl MidnightChoice {
    pub const ALL: [MidnightChoice; 3] = [MidnightChoice::KeepAll, MidnightChoice::KeepStartDay, MidnightChoice::Discard];

    pub fn key(self) -> &'static str {
        match self {
            MidnightChoice::KeepAll => "keep_all",
            MidnightChoice::KeepStartDay => "keep_start_day",
            MidnightChoice::Discard => "discard",
        }
    }
}

/// A running timer's time, day by day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimerSplit {
    /// One per day from the start day to today's, in order (a day may hold 0 minutes).
    pub segments: Vec<TimerSegment>,
}

impl TimerSplit {
    /// Whether the timer ran into a day after its start day: then a stop must say what to keep.
    pub fn crosses_midnight(&self) -> bool {
        self.segments.len() > 1
    }

    pub fn total_minutes(&self) -> i64 {
        self.segments.iter().map(|s| s.minutes).sum()
    }

    /// The segments a stop stores: all of a one-day timer; of a timer that crossed midnight, what
    /// `choice` says, and none without a choice (the caller must ask).
    pub fn kept(&self, choice: Option<MidnightChoice>) -> Result<Vec<TimerSegment>, TimerError> {
        match choice {
            Some(MidnightChoice::Discard) => Ok(Vec::new()),
            Some(MidnightChoice::KeepStartDay) => Ok(self.segments.iter().take(1).copied().collect()),
            Some(MidnightChoice::KeepAll) => Ok(self.segments.clone()),
            None if self.crosses_midnight() => Err(TimerError::CrossesMidnight { segments: self.segments.clone() }),
            None => Ok(self.segments.clone()),
        }
    }
}

/// Why a stop cannot go on as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimerError {
    #[error("the timer ran past midnight ({}): choose keep_all, keep_start_day or discard", segments_text(segments))]
    CrossesMidnight { segments: Vec<TimerSegment> },
}

impl TimerError {
    pub fn text(&self) -> Text {
        let ja = match self {
            TimerError::CrossesMidnight { segments } => format!(
                "タイマーが日付をまたいで動いていました（{}）。すべての日に記録する・開始日だけ記録する・破棄する、のいずれかを選んでください。",
                segments_text(segments)
            ),
        };
        Text::new(self.to_string(), ja)
    }
}

/// `2026-12-05 0:45, 2026-12-06 1:10`.
pub fn segments_text(segments: &[TimerSegment]) -> String {
    segments.iter().map(|s| format!("{} {}", s.date, format_minutes(s.minutes))).collect::<Vec<_>>().join(", ")
}

/// The effort day holding `t`: its local time in `tz`, moved back by the day boundary.
pub fn day_of(t: DateTime<Utc>, tz: Tz, day_boundary: ClockTime) -> NaiveDate {
    (t.with_timezone(&tz).naive_local() - Duration::minutes(i64::from(day_boundary.minutes()))).date()
}

/// The instant the effort day `date` starts (its day boundary in `tz`; a boundary skipped by a
/// daylight-saving change starts the day at the first local time after the gap).
pub fn day_start(date: NaiveDate, tz: Tz, day_boundary: ClockTime) -> DateTime<Utc> {
    let local: NaiveDateTime = date.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(i64::from(day_boundary.minutes()));
    let mut probe = local;
    for _ in 0..=4 * 60 {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    // No zone skips four hours; read the local time as UTC rather than fail.
    local.and_utc()
}

/// Splits the time from `start` to `now` into the effort days it covers, in whole minutes
/// counted from `start` (a timer of less than a minute holds 0 minutes). `now` before `start`
/// (a clock set back) counts as no time.
pub fn split(start: DateTime<Utc>, now: DateTime<Utc>, tz: Tz, day_boundary: ClockTime) -> TimerSplit {
    let now = now.max(start);
    let whole_minutes = |until: DateTime<Utc>| (until - start).num_seconds().div_euclid(60);
    let total = whole_minutes(now);
    let first = day_of(start, tz, day_boundary);
    let last = day_of(now, tz, day_boundary);
    let mut segments = Vec::new();
    let mut counted = 0;
    let mut date = first;
    while date <= last {
        let next = date.succ_opt().unwrap_or(date);
        let until = if date == last || next == date { total } else { whole_minutes(day_start(next, tz, day_boundary)).min(total) };
        segments.push(TimerSegment { date, minutes: until - counted });
        counted = until;
        if next == date {
            break;
        }
        date = next;
    }
    TimerSplit { segments }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKYO: Tz = chrono_tz::Asia::Tokyo;
    const MIDNIGHT: ClockTime = ClockTime::hm(0, 0);

    /// A Tokyo wall-clock time as an instant.
    fn jst(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
        TOKYO.with_ymd_and_hms(2026, 12, d, h, m, s).unwrap().with_timezone(&Utc)
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn seg(d: u32, minutes: i64) -> TimerSegment {
        TimerSegment { date: day(d), minutes }
    }

    #[test]
    fn a_timer_within_a_day_is_one_segment_of_its_whole_minutes() {
        let s = split(jst(7, 9, 0, 0), jst(7, 10, 30, 59), TOKYO, MIDNIGHT);
        assert_eq!(s.segments, [seg(7, 90)]);
        assert!(!s.crosses_midnight());
        assert_eq!(s.kept(None), Ok(vec![seg(7, 90)]));
    }

    #[test]
    fn a_sub_minute_timer_holds_no_minutes() {
        let s = split(jst(7, 9, 0, 0), jst(7, 9, 0, 59), TOKYO, MIDNIGHT);
        assert_eq!(s.segments, [seg(7, 0)]);
        assert_eq!(s.total_minutes(), 0);
        assert_eq!(s.kept(None), Ok(vec![seg(7, 0)]));
    }

    #[test]
    fn a_clock_set_back_counts_as_no_time() {
        assert_eq!(split(jst(7, 9, 0, 0), jst(7, 8, 0, 0), TOKYO, MIDNIGHT).segments, [seg(7, 0)]);
    }

    #[test]
    fn a_timer_past_midnight_splits_at_local_midnight_and_asks_what_to_keep() {
        // 22:30 to 01:15 Tokyo time: 1:30 on the 7th, 1:15 on the 8th (the split is at 15:00 UTC).
        let s = split(jst(7, 22, 30, 0), jst(8, 1, 15, 0), TOKYO, MIDNIGHT);
        assert_eq!(s.segments, [seg(7, 90), seg(8, 75)]);
        assert!(s.crosses_midnight());
        let e = s.kept(None).unwrap_err();
        assert_eq!(e, TimerError::CrossesMidnight { segments: vec![seg(7, 90), seg(8, 75)] });
        assert!(e.to_string().contains("2026-12-07 1:30, 2026-12-08 1:15"), "{e}");
        assert!(e.text().get(crate::Language::Ja).unwrap().contains("2026-12-08 1:15"));
        assert_eq!(s.kept(Some(MidnightChoice::KeepAll)), Ok(vec![seg(7, 90), seg(8, 75)]));
        assert_eq!(s.kept(Some(MidnightChoice::KeepStartDay)), Ok(vec![seg(7, 90)]));
        assert_eq!(s.kept(Some(MidnightChoice::Discard)), Ok(vec![]));
    }

    #[test]
    fn a_timer_over_two_midnights_has_three_days_adding_up_to_the_whole_minutes() {
        let (start, now) = (jst(7, 23, 0, 30), jst(9, 0, 30, 0));
        let s = split(start, now, TOKYO, MIDNIGHT);
        assert_eq!(s.segments, [seg(7, 59), seg(8, 1440), seg(9, 30)]);
        assert_eq!(s.total_minutes(), (now - start).num_minutes());
        assert_eq!(s.kept(Some(MidnightChoice::KeepStartDay)), Ok(vec![seg(7, 59)]));
    }

    #[test]
    fn the_minute_straddling_midnight_counts_on_the_later_day() {
        let s = split(jst(7, 23, 59, 30), jst(8, 0, 0, 45), TOKYO, MIDNIGHT);
        assert_eq!(s.segments, [seg(7, 0), seg(8, 1)]);
        assert!(s.crosses_midnight());
    }

    #[test]
    fn days_follow_the_company_time_zone_and_day_boundary() {
        // 01:00 to 06:00 Tokyo with the day starting at 05:00: 4 hours on the 7th, 1 on the 8th.
        let s = split(jst(8, 1, 0, 0), jst(8, 6, 0, 0), TOKYO, ClockTime::hm(5, 0));
        assert_eq!(s.segments, [seg(7, 240), seg(8, 60)]);
        // The same instants in UTC: one day.
        let s = split(jst(8, 1, 0, 0), jst(8, 6, 0, 0), chrono_tz::UTC, MIDNIGHT);
        assert_eq!(s.segments, [seg(7, 300)]);
    }

    #[test]
    fn a_day_shortened_by_daylight_saving_time_holds_23_hours() {
        let ny = chrono_tz::America::New_York;
        let at = |d: u32, h: u32| ny.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap().with_timezone(&Utc);
        let s = split(at(7, 23), at(9, 1), ny, MIDNIGHT);
        let mar = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        assert_eq!(
            s.segments,
            [
                TimerSegment { date: mar(7), minutes: 60 },
                TimerSegment { date: mar(8), minutes: 23 * 60 },
                TimerSegment { date: mar(9), minutes: 60 }
            ]
        );
    }

    #[test]
    fn a_segment_is_written_as_a_date_and_minutes() {
        assert_eq!(serde_json::to_string(&seg(7, 90)).unwrap(), r#"{"date":"2026-12-07","minutes":90}"#);
        assert_eq!(serde_json::to_string(&MidnightChoice::KeepStartDay).unwrap(), r#""keep_start_day""#);
    }
}
