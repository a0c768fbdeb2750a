//! Durations as people type them into an effort cell, and as Kinmu shows them.
//!
//! Accepted (surrounding spaces ignored; full-width digits, letters, `：` and `．` read as their
//! ASCII forms; upper or lower case; `時間` and `分` read as `h` and `m`):
//! - decimal hours: `1.5`, `.25`, `2` (a bare number is hours in a cell, minutes in a CSV file:
//!   see [`BareNumber`]);
//! - hours and minutes: `1:30`, `0:05` (minutes below 60);
//! - units: `90m`, `1h`, `2h30m`, `2h30`, `1.5h`, `2h 30m`, `1時間30分`.
//!
//! The result is whole minutes (decimal hours are rounded to the nearest minute), from 0 to
//! [`DURATION_MAX_MINUTES`]. Every refusal is a [`DurationError`] whose [`DurationError::text`]
//! says what to type instead.

use crate::messages::Text;

/// The longest duration one entry can hold: a whole day.
pub const DURATION_MAX_MINUTES: i64 = 24 * 60;

/// What a number without unit or colon means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BareNumber {
    /// `2` is two hours (the week grid).
    Hours,
    /// `90` is ninety minutes (Kinmu's effort CSV).
    Minutes,
}

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("the duration is empty: type hours such as 1.5, 1:30, 90m or 2h30m")]
    Empty,
    #[error("{text:?} is not a duration: type hours such as 1.5, 1:30, 90m or 2h30m")]
    NotADuration { text: String },
    #[error("{text:?}: a duration cannot be negative")]
    Negative { text: String },
    #[error("{text:?}: the minutes after the colon must be below 60 (write 2:15, not 1:75)")]
    MinutesPastHour { text: String },
    #[error("{text:?} is {minutes} minutes: one entry holds at most 24:00")]
    TooLong { text: String, minutes: i64 },
}

impl DurationError {
    /// The reason in both languages.
    pub fn text(&self) -> Text {
        let ja = match self {
            DurationError::Empty => "時間が入力されていません。1.5、1:30、90m、2h30m のように入力してください。".to_string(),
            DurationError::NotADuration { text } => {
                format!("「{text}」は時間として読めません。1.5、1:30、90m、2h30m のように入力してください。")
            }
            DurationError::Negative { text } => format!("「{text}」：時間にマイナスは使えません。"),
            DurationError::MinutesPastHour { text } => {
                format!("「{text}」：コロンの後の分は 60 未満にしてください（1:75 ではなく 2:15）。")
            }
            DurationError::TooLong { text, minutes } => {
                format!("「{text}」は {} です。1 件の工数は 24:00 までです。", format_minutes(*minutes))
            }
        };
        Text::new(self.to_string(), ja)
    }
}

/// `h:mm` (`0:05`, `1:30`, `25:00`; negative as `-0:30`).
pub fn format_minutes(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.unsigned_abs();
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

/// A cell's text as minutes (a bare number is hours).
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    parse_duration_with(text, BareNumber::Hours)
}

/// A duration's text as minutes, a bare number meaning `bare`.
pub fn parse_duration_with(text: &str, bare: BareNumber) -> Result<i64, DurationError> {
    let shown = text.trim().chars().take(40).collect::<String>();
    let s = normalise(text);
    if s.is_empty() {
        return Err(DurationError::Empty);
    }
    if s.starts_with('-') {
        return Err(DurationError::Negative { text: shown });
    }
    let not = || DurationError::NotADuration { text: shown.clone() };
    // Longer than any duration's text: refused before any arithmetic.
    if s.len() > 24 {
        return Err(not());
    }
    let minutes = if let Some((h, m)) = s.split_once(':') {
        let hours = whole(h).ok_or_else(not)?;
        if m.len() != 2 && m.len() != 1 {
            return Err(not());
        }
        let mins = whole(m).ok_or_else(not)?;
        if mins >= 60 {
            return Err(DurationError::MinutesPastHour { text: shown });
        }
        hours * 60 + mins
    } else if s.contains('h') || s.contains('m') {
        units(&s).ok_or_else(not)?
    } else {
        match bare {
            BareNumber::Hours => decimal_hours(&s).ok_or_else(not)?,
            BareNumber::Minutes => whole(&s).ok_or_else(not)?,
        }
    };
    if minutes > DURATION_MAX_MINUTES {
        return Err(DurationError::TooLong { text: shown, minutes });
    }
    Ok(minutes)
}

/// Lower-case ASCII without spaces: full-width forms mapped, `時間`/`分` as `h`/`m`.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let text = text.replace("時間", "h").replace('分', "m");
    for c in text.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '−' => '-',
            c => c,
        };
        if c.is_whitespace() {
            continue;
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A run of ASCII digits (at most 6) as a number.
fn whole(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `1.5`, `.25`, `2` hours as minutes, rounded to the nearest minute.
fn decimal_hours(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let hours = if int.is_empty() { 0 } else { whole(int)? };
    if s.contains('.') && frac.is_empty() {
        return None;
    }
    let frac_minutes = if frac.is_empty() {
        0
    } else {
        if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits: i64 = frac.parse().ok()?;
        let scale = 10_i64.pow(frac.len() as u32);
        // Nearest minute, halves up.
        (digits * 60 * 2 + scale) / (scale * 2)
    };
    Some(hours * 60 + frac_minutes)
}

/// `2h30m`, `2h30`, `90m`, `1.5h`.
fn units(s: &str) -> Option<i64> {
    let (hours, rest) = match s.split_once('h') {
        Some((h, rest)) => (decimal_hours(h)?, rest),
        None => (0, s),
    };
    let minutes = if rest.is_empty() {
        0
    } else {
        // After hours the `m` may be left out (`2h30`); alone it is required (`90m`).
        let digits = rest.strip_suffix('m').unwrap_or(if s.contains('h') { rest } else { "" });
        whole(digits)?
    };
    Some(hours + minutes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_documented_forms_are_read() {
        for (text, minutes) in [
            ("1.5", 90),
            ("1:30", 90),
            ("90m", 90),
            ("2h30m", 150),
            ("1h", 60),
            ("2", 120),
            (".25", 15),
            ("0:05", 5),
            ("2h30", 150),
            ("1.5h", 90),
            (" 2H 30M ", 150),
            ("１：３０", 90),
            ("１．５", 90),
            ("９０ｍ", 90),
            ("1時間30分", 90),
            ("45分", 45),
            ("0.33", 20),
            ("24:00", 1440),
            ("0", 0),
        ] {
            assert_eq!(parse_duration(text), Ok(minutes), "{text}");
        }
        assert_eq!(parse_duration_with("90", BareNumber::Minutes), Ok(90));
        assert_eq!(parse_duration_with("1:30", BareNumber::Minutes), Ok(90));
    }

    #[test]
    fn refusals_say_what_to_type() {
        assert_eq!(parse_duration("  "), Err(DurationError::Empty));
        assert!(matches!(parse_duration("abc"), Err(DurationError::NotADuration { .. })));
        assert!(matches!(parse_duration("1:75"), Err(DurationError::MinutesPastHour { .. })));
        assert!(matches!(parse_duration("-1"), Err(DurationError::Negative { .. })));
        assert!(matches!(parse_duration("25h"), Err(DurationError::TooLong { minutes: 1500, .. })));
        for bad in ["1.", ".", "h", "m", "1:", ":30", "1::30", "1h2h", "1m30", "1.5.5", "1e3", "1:305"] {
            assert!(matches!(parse_duration(bad), Err(DurationError::NotADuration { .. })), "{bad}");
        }
        let t = parse_duration("1:75").unwrap_err().text();
        assert!(t.is_translated());
        assert!(t.en().contains("2:15"), "{}", t.en());
    }

    #[test]
    fn minutes_are_shown_as_hours_and_minutes() {
        assert_eq!(format_minutes(0), "0:00");
        assert_eq!(format_minutes(5), "0:05");
        assert_eq!(format_minutes(90), "1:30");
        assert_eq!(format_minutes(1500), "25:00");
        assert_eq!(format_minutes(-30), "-0:30");
    }

    proptest! {
        #[test]
        fn every_accepted_form_gives_the_same_minutes(m in 0i64..=DURATION_MAX_MINUTES) {
            let (h, mm) = (m / 60, m % 60);
            prop_assert_eq!(parse_duration(&format!("{h}:{mm:02}")), Ok(m));
            prop_assert_eq!(parse_duration(&format!("{m}m")), Ok(m));
            prop_assert_eq!(parse_duration(&format!("{h}h{mm}m")), Ok(m));
            prop_assert_eq!(parse_duration(&format!("{h}h {mm}")), Ok(m));
            prop_assert_eq!(parse_duration_with(&m.to_string(), BareNumber::Minutes), Ok(m));
            prop_assert_eq!(parse_duration(&format!("{:.4}", m as f64 / 60.0)), Ok(m));
            if mm == 0 {
                prop_assert_eq!(parse_duration(&format!("{h}h")), Ok(m));
                prop_assert_eq!(parse_duration(&h.to_string()), Ok(m));
            }
            let wide: String = format!("{h}：{mm:02}").chars().map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c }).collect();
            prop_assert_eq!(parse_duration(&wide), Ok(m));
        }

        #[test]
        fn format_then_parse_gives_back_the_minutes(m in 0i64..=DURATION_MAX_MINUTES) {
            prop_assert_eq!(parse_duration(&format_minutes(m)), Ok(m));
        }

        #[test]
        fn no_text_panics(s in "\\PC*") {
            let _ = parse_duration(&s);
            let _ = parse_duration_with(&s, BareNumber::Minutes);
        }

        #[test]
        fn near_misses_never_panic_and_stay_in_range(s in "[0-9０-９.:hmHM時間分 -]{0,30}") {
            if let Ok(m) = parse_duration(&s) {
                prop_assert!((0..=DURATION_MAX_MINUTES).contains(&m));
            }
        }
    }
}
