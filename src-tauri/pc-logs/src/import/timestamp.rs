//! The time formats the importers accept.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The formats accepted, for error messages.
pub const ACCEPTED_TIME_FORMATS: &str = "`2024/04/01 08:51:00[.fff]`, `2024-04-01 08:51:00[.fff]`, \
`2024/04/01 08:51`, ISO 8601 `2024-04-01T08:51:00[.fff]` with `Z` or `+09:00` or without offset \
(naive times are read in the rules' time zone), or Unix seconds";

const NAIVE_FORMATS: &[&str] = &[
    "%Y/%m/%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%dT%H:%M:%S%.f",
];

const OFFSET_FORMATS: &[&str] = &["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y/%m/%d %H:%M:%S%.f%:z"];

/// Reads a timestamp in one of the [`ACCEPTED_TIME_FORMATS`]; naive times are local time in
/// `tz` (an ambiguous local time takes the earlier instant). The error names the text and the
/// accepted formats.
pub fn parse_timestamp(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Some(n) = naive_fast(t) {
        // The usual ALog form, read without trying every format (same result as below).
        return match tz.from_local_datetime(&n) {
            LocalResult::Single(dt) => Ok(dt.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, _) => Ok(a.with_timezone(&Utc)),
            LocalResult::None => Err(format!("`{t}` does not exist in time zone {} (skipped by a clock change)", tz.name())),
        };
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    if t.ends_with('Z') || t.ends_with('z') {
        let body = &t[..t.len() - 1];
        for f in NAIVE_FORMATS {
            if let Ok(n) = NaiveDateTime::parse_from_str(body, f) {
                return Ok(n.and_utc());
            }
        }
    }
    for f in OFFSET_FORMATS {
        if let Ok(dt) = DateTime::parse_from_str(t, f) {
            return Ok(dt.with_timezone(&Utc));
        }
    }
    for f in NAIVE_FORMATS {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return match tz.from_local_datetime(&n) {
                LocalResult::Single(dt) => Ok(dt.with_timezone(&Utc)),
                LocalResult::Ambiguous(a, _) => Ok(a.with_timezone(&Utc)),
                LocalResult::None => Err(format!("`{t}` does not exist in time zone {} (skipped by a clock change)", tz.name())),
            };
        }
    }
    if !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(dt) = t.parse::<i64>().ok().and_then(|s| DateTime::from_timestamp(s, 0)) {
            return Ok(dt);
        }
    }
    Err(format!("`{t}` is not a time; expected {ACCEPTED_TIME_FORMATS}"))
}

/// `YYYY/MM/DD HH:MM:SS[.f…]` (or with `-` between the date's fields, or `T` before the time),
/// every field with exactly its digits and nothing after: what [`NAIVE_FORMATS`] would read,
/// without chrono's format parser. `None` sends the text through the general path.
fn naive_fast(t: &str) -> Option<NaiveDateTime> {
    let b = t.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    let separator = b[4];
    if !(separator == b'/' || separator == b'-') || b[7] != separator || !(b[10] == b' ' || b[10] == b'T') || b[13] != b':' || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let nanos = match b.len() {
        19 => 0,
        // `%.f` reads 1 to 9 digits after the dot.
        21..=29 if b[19] == b'.' => {
            let n = digits(20..b.len())?;
            n * 10u32.pow((29 - b.len()) as u32)
        }
        _ => return None,
    };
    if second > 59 {
        return None; // a leap second: the general path decides
    }
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = chrono::NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(NaiveDateTime::new(date, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn accepts_the_common_formats() {
        let tokyo = chrono_tz::Asia::Tokyo;
        let at = utc("2024-03-31T23:51:00Z");
        for s in [
            "2024/04/01 08:51:00",
            "2024/04/01 08:51",
            "2024-04-01 08:51:00",
            "2024-04-01T08:51:00",
            "2024-04-01T08:51:00+09:00",
            "2024-04-01 08:51:00+09:00",
            "2024-04-01T08:51:00+0900",
            "2024-03-31T23:51:00Z",
            "2024-03-31 23:51:00Z",
            "1711929060",
        ] {
            assert_eq!(parse_timestamp(s, tokyo), Ok(at), "{s}");
        }
        assert_eq!(parse_timestamp("2017/05/27 17:48:00.233", tokyo).unwrap().timestamp_subsec_millis(), 233);
    }

    #[test]
    fn the_fast_path_reads_what_the_formats_read() {
        let tz = chrono_tz::Asia::Tokyo;
        for s in [
            "2024/04/01 08:51:00",
            "2024/04/01 08:51:00.2",
            "2024/04/01 08:51:00.233",
            "2024/04/01 08:51:00.233456789",
            "2024-04-01 08:51:00.000001",
            "2024-04-01T08:51:00",
            "2024/04/01T08:51:00.5",
            "2024/12/31 23:59:59.999",
        ] {
            let n = naive_fast(s).unwrap_or_else(|| panic!("{s}"));
            let slow = NAIVE_FORMATS.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok()).unwrap();
            assert_eq!(n, slow, "{s}");
            assert_eq!(parse_timestamp(s, tz), Ok(tz.from_local_datetime(&slow).unwrap().with_timezone(&Utc)), "{s}");
        }
        for s in [
            "2024/4/01 08:51:00",
            "2024/04/01 08:51",
            "2024/04/01 08:51:00.",
            "2024/04/01 08:51:00.1234567890",
            "2024/04/01 08:51:00Z",
            "2024-04-01T08:51:00+09:00",
            "2024/02/30 08:51:00",
            "2024/04/01 24:00:00",
            "2024/04/01 23:59:60",
            "2024-04/01 08:51:00",
            "２０２４/04/01 08:51:00",
        ] {
            assert_eq!(naive_fast(s), None, "{s}");
        }
    }

    #[test]
    fn unknown_formats_name_the_text_and_the_expected_formats() {
        let e = parse_timestamp("27.05.2017 17:48", chrono_tz::Asia::Tokyo).unwrap_err();
        assert!(e.contains("27.05.2017 17:48") && e.contains("ISO 8601"), "{e}");
        let e = parse_timestamp("2024-03-31 02:30:00", chrono_tz::Europe::Berlin).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
    }
}
