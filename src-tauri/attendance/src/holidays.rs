//! Holidays: Japan's national holidays (国民の祝日, 振替休日, 国民の休日) for 2000–2099, and the
//! [`HolidayCalendar`] that combines them with the company's [`HolidayRules`] (manual 8.3.9).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::rules::HolidayRules;

/// The first and last years for which national holidays are computed.
pub const NATIONAL_HOLIDAY_YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// A national holiday of Japan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NationalHoliday {
    /// The date.
    pub date: NaiveDate,
    /// The Japanese name, e.g. `元日`, `振替休日`, `国民の休日`.
    pub name: &'static str,
}

/// Why a day is a holiday.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum HolidayKind {
    /// A weekly day off (e.g. Saturday, Sunday).
    Weekly(Weekday),
    /// A national holiday, substitute holiday or citizens' holiday, with its name.
    National(String),
    /// A day off the company added.
    Company,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// The `n`-th Monday of month `m`.
fn nth_monday(y: i32, m: u32, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(y, m, Weekday::Mon, n).expect("valid nth Monday")
}

/// Day of March of the vernal equinox (standard formula, valid 1980–2099).
fn vernal_equinox_day(y: i32) -> u32 {
    let t = f64::from(y - 1980);
    (20.8431 + 0.242194 * t - ((y - 1980) / 4) as f64).floor() as u32
}

/// Day of September of the autumnal equinox (standard formula, valid 1980–2099).
fn autumnal_equinox_day(y: i32) -> u32 {
    let t = f64::from(y - 1980);
    (23.2488 + 0.242194 * t - ((y - 1980) / 4) as f64).floor() as u32
}

/// The 国民の祝日 proper (without substitute or citizens' holidays) of year `y`.
fn statutory_holidays(y: i32) -> Vec<NationalHoliday> {
    let mut v = Vec::with_capacity(20);
    let mut add = |date: NaiveDate, name: &'static str| v.push(NationalHoliday { date, name });
    add(ymd(y, 1, 1), "元日");
    add(nth_monday(y, 1, 2), "成人の日");
    add(ymd(y, 2, 11), "建国記念の日");
    if y >= 2020 {
        add(ymd(y, 2, 23), "天皇誕生日");
    }
    add(ymd(y, 3, vernal_equinox_day(y)), "春分の日");
    add(ymd(y, 4, 29), if y >= 2007 { "昭和の日" } else { "みどりの日" });
    if y == 2019 {
        add(ymd(y, 5, 1), "天皇の即位の日");
    }
    add(ymd(y, 5, 3), "憲法記念日");
    if y >= 2007 {
        add(ymd(y, 5, 4), "みどりの日");
    }
    add(ymd(y, 5, 5), "こどもの日");
    match y {
        2020 => add(ymd(y, 7, 23), "海の日"),
        2021 => add(ymd(y, 7, 22), "海の日"),
        ..=2002 => add(ymd(y, 7, 20), "海の日"),
        _ => add(nth_monday(y, 7, 3), "海の日"),
    }
    match y {
        2020 => add(ymd(y, 8, 10), "山の日"),
        2021 => add(ymd(y, 8, 8), "山の日"),
        2016.. => add(ymd(y, 8, 11), "山の日"),
        _ => {}
    }
    if y <= 2002 {
        add(ymd(y, 9, 15), "敬老の日");
    } else {
        add(nth_monday(y, 9, 3), "敬老の日");
    }
    add(ymd(y, 9, autumnal_equinox_day(y)), "秋分の日");
    match y {
        2020 => add(ymd(y, 7, 24), "スポーツの日"),
        2021 => add(ymd(y, 7, 23), "スポーツの日"),
        2022.. => add(nth_monday(y, 10, 2), "スポーツの日"),
        _ => add(nth_monday(y, 10, 2), "体育の日"),
    }
    if y == 2019 {
        add(ymd(y, 10, 22), "即位礼正殿の儀の行われる日");
    }
    add(ymd(y, 11, 3), "文化の日");
    add(ymd(y, 11, 23), "勤労感謝の日");
    if y <= 2018 {
        add(ymd(y, 12, 23), "天皇誕生日");
    }
    v.sort_by_key(|h| h.date);
    v
}

/// All national holidays of `year` (2000–2099; empty outside), sorted by date: the statutory
/// holidays, substitute holidays (振替休日: before 2007 the Monday after a Sunday holiday; from
/// 2007 the first following day that is not a holiday) and citizens' holidays (国民の休日: a
/// day between two statutory holidays; before 2007 not a Sunday).
pub fn national_holidays(year: i32) -> Vec<NationalHoliday> {
    if !NATIONAL_HOLIDAY_YEARS.contains(&year) {
        return Vec::new();
    }
    let statutory = statutory_holidays(year);
    let is_statutory = |d: NaiveDate| statutory.iter().any(|h| h.date == d);
    let mut all = statutory.clone();
    for h in &statutory {
        if h.date.weekday() != Weekday::Sun {
            continue;
        }
        let mut d = h.date.succ_opt().expect("date");
        if year >= 2007 {
            while is_statutory(d) {
                d = d.succ_opt().expect("date");
            }
        } else if is_statutory(d) {
            continue;
        }
        if d.year() == year {
            all.push(NationalHoliday { date: d, name: "振替休日" });
        }
    }
    for w in statutory.windows(2) {
        let (a, b) = (w[0].date, w[1].date);
        if (b - a).num_days() == 2 {
            let mid = a.succ_opt().expect("date");
            let taken = all.iter().any(|h| h.date == mid);
            if !taken && (year >= 2007 || mid.weekday() != Weekday::Sun) {
                all.push(NationalHoliday { date: mid, name: "国民の休日" });
            }
        }
    }
    all.sort_by_key(|h| h.date);
    all
}

/// The national holiday on `date`, if any.
pub fn national_holiday(date: NaiveDate) -> Option<NationalHoliday> {
    national_holidays(date.year()).into_iter().find(|h| h.date == date)
}

/// The company's holidays: weekly days off, national holidays (if chosen), days added and
/// days removed. National holidays are computed once per year and kept.
#[derive(Debug, Clone)]
pub struct HolidayCalendar {
    rules: HolidayRules,
    national: HashMap<NaiveDate, &'static str>,
    years: Vec<i32>,
}

impl HolidayCalendar {
    /// A calendar for `rules`, with national holidays computed for `years` up front (others are
    /// computed, not cached, when asked for).
    pub fn new(rules: &HolidayRules, years: impl IntoIterator<Item = i32>) -> Self {
        let mut national = HashMap::new();
        let mut cached = Vec::new();
        for y in years {
            cached.push(y);
            for h in national_holidays(y) {
                national.insert(h.date, h.name);
            }
        }
        Self { rules: rules.clone(), national, years: cached }
    }

    /// Why `date` is a holiday, or `None` for a working day. Days removed win over every rule;
    /// then added days, national holidays (if chosen), weekly days off.
    pub fn holiday(&self, date: NaiveDate) -> Option<HolidayKind> {
        if self.rules.removed.contains(&date) {
            return None;
        }
        if self.rules.added.contains(&date) {
            return Some(HolidayKind::Company);
        }
        if self.rules.national_holidays {
            let name =
                if self.years.contains(&date.year()) { self.national.get(&date).copied() } else { national_holiday(date).map(|h| h.name) };
            if let Some(name) = name {
                return Some(HolidayKind::National(name.to_string()));
            }
        }
        let wd = date.weekday();
        self.rules.weekdays.contains(&wd).then_some(HolidayKind::Weekly(wd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(year: i32) -> Vec<String> {
        national_holidays(year).iter().map(|h| format!("{} {}", h.date.format("%m-%d"), h.name)).collect()
    }

    #[test]
    fn year_2019_with_the_accession_and_citizens_holidays() {
        assert_eq!(
            dates(2019),
            vec![
                "01-01 元日",
                "01-14 成人の日",
                "02-11 建国記念の日",
                "03-21 春分の日",
                "04-29 昭和の日",
                "04-30 国民の休日",
                "05-01 天皇の即位の日",
                "05-02 国民の休日",
                "05-03 憲法記念日",
                "05-04 みどりの日",
                "05-05 こどもの日",
                "05-06 振替休日",
                "07-15 海の日",
                "08-11 山の日",
                "08-12 振替休日",
                "09-16 敬老の日",
                "09-23 秋分の日",
                "10-14 体育の日",
                "10-22 即位礼正殿の儀の行われる日",
                "11-03 文化の日",
                "11-04 振替休日",
                "11-23 勤労感謝の日",
            ]
        );
    }

    #[test]
    fn olympic_years_move_holidays() {
        let y2020 = dates(2020);
        for d in ["02-23 天皇誕生日", "02-24 振替休日", "05-06 振替休日", "07-23 海の日", "07-24 スポーツの日", "08-10 山の日"]
        {
            assert!(y2020.contains(&d.to_string()), "{d} in {y2020:?}");
        }
        assert!(!y2020.iter().any(|d| d.starts_with("10-")));
        let y2021 = dates(2021);
        for d in ["07-22 海の日", "07-23 スポーツの日", "08-08 山の日", "08-09 振替休日"] {
            assert!(y2021.contains(&d.to_string()), "{d} in {y2021:?}");
        }
    }

    #[test]
    fn known_dates_of_other_years() {
        let y2024 = dates(2024);
        assert_eq!(y2024.len(), 21);
        for d in ["02-12 振替休日", "03-20 春分の日", "05-06 振替休日", "09-22 秋分の日", "09-23 振替休日", "11-04 振替休日"]
        {
            assert!(y2024.contains(&d.to_string()), "{d} in {y2024:?}");
        }
        // Citizens' holidays between 敬老の日 and 秋分の日.
        assert!(dates(2009).contains(&"09-22 国民の休日".to_string()));
        assert!(dates(2015).contains(&"09-22 国民の休日".to_string()));
        assert!(dates(2026).contains(&"09-22 国民の休日".to_string()));
        // Before 2007: 5/4 a citizens' holiday; 2018-12-23 the old emperor's birthday.
        assert!(dates(2005).contains(&"05-04 国民の休日".to_string()));
        assert!(dates(2018).contains(&"12-24 振替休日".to_string()));
        // 2008: みどりの日 on Sunday 5/4, substitute on Tuesday 5/6 (new rule).
        assert!(dates(2008).contains(&"05-06 振替休日".to_string()));
        // 2000: 成人の日 is a Happy Monday already, 1/10.
        assert!(dates(2000).contains(&"01-10 成人の日".to_string()));
        assert_eq!(national_holiday(ymd(2025, 3, 20)).unwrap().name, "春分の日");
        assert_eq!(national_holiday(ymd(2025, 9, 23)).unwrap().name, "秋分の日");
        assert_eq!(national_holiday(ymd(2030, 3, 20)).unwrap().name, "春分の日");
        assert!(national_holidays(2100).is_empty());
        for y in NATIONAL_HOLIDAY_YEARS {
            let n = national_holidays(y).len();
            assert!((15..=24).contains(&n), "{y}: {n}");
        }
    }

    #[test]
    fn calendar_combines_weekdays_national_and_company_days() {
        let mut rules = HolidayRules::default();
        rules.added.push(ymd(2024, 12, 30));
        rules.removed.push(ymd(2024, 11, 4));
        let cal = HolidayCalendar::new(&rules, [2024]);
        assert_eq!(cal.holiday(ymd(2024, 4, 6)), Some(HolidayKind::Weekly(Weekday::Sat)));
        assert_eq!(cal.holiday(ymd(2024, 4, 29)), Some(HolidayKind::National("昭和の日".into())));
        assert_eq!(cal.holiday(ymd(2024, 12, 30)), Some(HolidayKind::Company));
        assert_eq!(cal.holiday(ymd(2024, 11, 4)), None, "removed substitute holiday");
        assert_eq!(cal.holiday(ymd(2024, 4, 1)), None);
        assert_eq!(cal.holiday(ymd(2025, 1, 1)), Some(HolidayKind::National("元日".into())), "uncached year");
        rules.national_holidays = false;
        let cal = HolidayCalendar::new(&rules, [2024]);
        assert_eq!(cal.holiday(ymd(2024, 4, 29)), None);
    }
}
