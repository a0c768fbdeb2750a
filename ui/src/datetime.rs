//! Shows API timestamps (unix seconds) in a time zone with the browser's `Intl.DateTimeFormat`
//! (a time zone database in wasm would be far too big).

use js_sys::{Array, Date, Function, Object, Reflect};
use kinmu_shared::Language;
use kinmu_shared::api::Timestamp;
use wasm_bindgen::{JsCast, JsValue};

fn formatter(locale: &str, time_zone: Option<&str>) -> Option<JsValue> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor: Function = Reflect::get(&intl, &"DateTimeFormat".into()).ok()?.dyn_into().ok()?;
    let opts = Object::new();
    let _ = Reflect::set(&opts, &"dateStyle".into(), &"medium".into());
    let _ = Reflect::set(&opts, &"timeStyle".into(), &"short".into());
    if let Some(tz) = time_zone.filter(|t| !t.is_empty()) {
        let _ = Reflect::set(&opts, &"timeZone".into(), &tz.into());
    }
    // Throws (caught here) for an unknown time zone.
    Reflect::construct(&ctor, &Array::of2(&locale.into(), &opts)).ok()
}

pub fn format_timestamp(ts: Timestamp, time_zone: Option<&str>, lang: Language) -> String {
    let locale = match lang {
        Language::Ja => "ja-JP",
        Language::En => "en-GB",
    };
    let date = Date::new(&JsValue::from_f64(ts as f64 * 1000.0));
    let fmt = formatter(locale, time_zone).or_else(|| formatter(locale, None));
    fmt.and_then(|f| {
        let format: Function = Reflect::get(&f, &"format".into()).ok()?.dyn_into().ok()?;
        format.call1(&f, &date).ok()?.as_string()
    })
    .unwrap_or_else(|| String::from(date.to_iso_string()))
}

/// The time zones the browser knows (`Intl.supportedValuesOf("timeZone")`), for pickers when
/// the server sends no list (it does only while setup is pending). "UTC" comes first.
pub fn browser_time_zones() -> Vec<String> {
    let mut zones = vec!["UTC".to_string()];
    let list = (|| {
        let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
        let f: Function = Reflect::get(&intl, &"supportedValuesOf".into()).ok()?.dyn_into().ok()?;
        f.call1(&intl, &"timeZone".into()).ok()?.dyn_into::<Array>().ok()
    })();
    if let Some(list) = list {
        zones.extend(list.iter().filter_map(|v| v.as_string()).filter(|z| z != "UTC"));
    }
    zones
}

// ---- Calendar arithmetic on the API's `YYYY-MM` months and `YYYY-MM-DD` dates (no time zone
// database needed: these are civil dates).

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `(year, month)` of `YYYY-MM` (or of the month of `YYYY-MM-DD`).
pub fn parse_month(s: &str) -> Option<(i64, u32)> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    (1..=12).contains(&m).then_some((y, m))
}

/// `(year, month, day)` of `YYYY-MM-DD`, checked against the calendar.
pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let s = s.trim();
    let (y, m) = parse_month(s)?;
    let d: u32 = s.rsplit('-').next()?.parse().ok()?;
    (s.len() == 10 && d >= 1 && d <= days_in_month(y, m)).then_some((y, m, d))
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    (days_from_civil(ny, nm, 1) - days_from_civil(y, m, 1)) as u32
}

pub fn month_string(y: i64, m: u32) -> String {
    format!("{y:04}-{m:02}")
}

pub fn date_string(y: i64, m: u32, d: u32) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// The month `n` months after `month` (`YYYY-MM`); unchanged when it cannot be read.
pub fn add_months(month: &str, n: i64) -> String {
    match parse_month(month) {
        Some((y, m)) => {
            let i = y * 12 + m as i64 - 1 + n;
            month_string(i.div_euclid(12), (i.rem_euclid(12) + 1) as u32)
        }
        None => month.to_string(),
    }
}

/// The date `n` days after `date` (`YYYY-MM-DD`); unchanged when it cannot be read.
pub fn add_days(date: &str, n: i64) -> String {
    match parse_date(date) {
        Some((y, m, d)) => {
            let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + n);
            date_string(y, m, d)
        }
        None => date.to_string(),
    }
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday_index(y: i64, m: u32, d: u32) -> u32 {
    // 1970-01-01 was a Thursday (3).
    ((days_from_civil(y, m, d) + 3).rem_euclid(7)) as u32
}

/// Today in the browser's time zone, `YYYY-MM-DD`.
pub fn today() -> String {
    let now = Date::new_0();
    date_string(now.get_full_year() as i64, now.get_month() + 1, now.get_date())
}

/// `h:mm` for a number of minutes (negative with a leading minus), the one duration format.
pub fn hm(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.unsigned_abs();
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_days_step_across_years() {
        assert_eq!(add_months("2024-01", -1), "2023-12");
        assert_eq!(add_months("2024-12", 1), "2025-01");
        assert_eq!(add_days("2024-02-28", 1), "2024-02-29");
        assert_eq!(add_days("2024-03-01", -1), "2024-02-29");
        assert_eq!(add_days("2023-12-31", 1), "2024-01-01");
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(weekday_index(2024, 4, 1), 0, "2024-04-01 was a Monday");
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_month("2024-13"), None);
    }

    #[test]
    fn durations_are_h_mm() {
        assert_eq!(hm(0), "0:00");
        assert_eq!(hm(65), "1:05");
        assert_eq!(hm(2700), "45:00");
        assert_eq!(hm(-5), "-0:05");
    }
}
