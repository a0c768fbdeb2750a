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

const OFFSET_FORMATS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y/%m/%d %H:%M:%S%.f%:z",
];

/// Reads a timestamp in one of the [`ACCEPTED_TIME_FORMATS`]; naive times are local time in
/// `tz` (an ambiguous local time takes the earlier instant). The error names the text and the
/// accepted formats.
pub fn parse_timestamp(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
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
    fn unknown_formats_name_the_text_and_the_expected_formats() {
        let e = parse_timestamp("27.05.2017 17:48", chrono_tz::Asia::Tokyo).unwrap_err();
        assert!(e.contains("27.05.2017 17:48") && e.contains("ISO 8601"), "{e}");
        let e = parse_timestamp("2024-03-31 02:30:00", chrono_tz::Europe::Berlin).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
    }
}
