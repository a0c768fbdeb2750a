//! IANA time zones the server accepts (the tz database compiled into chrono-tz).

use std::str::FromStr;

use kinmu_shared::validation::{FieldError, time_zone_shape};

pub fn check(field: &str, name: &str) -> Result<chrono_tz::Tz, FieldError> {
    time_zone_shape(name).map_err(|e| FieldError::new(field, e.message))?;
    chrono_tz::Tz::from_str(name.trim()).map_err(|_| {
        FieldError::new(
            field,
            kinmu_shared::messages::Text::new(
                format!("{field} {name:?} is not a known time zone: use an IANA name such as Asia/Tokyo"),
                format!("「{}」は知られていないタイムゾーンです。Asia/Tokyo のような IANA の名前にしてください。", name.trim()),
            ),
        )
    })
}

/// All canonical zone names, sorted, for pickers.
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name().to_string()).collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_and_unknown_zones() {
        assert!(super::check("time_zone", "Asia/Tokyo").is_ok());
        let e = super::check("time_zone", "Mars/Olympus").unwrap_err();
        assert_eq!(e.field, "time_zone");
        assert!(super::names().iter().any(|n| n == "Asia/Tokyo"));
    }
}
