//! Periods as people give them and tables cover them: `YYYY-MM` months and `YYYY-MM-DD` dates
//! parsed at the edge (a four-digit year from 1900 to 2999, see
//! [`kinmu_shared::validation::year_month`]), a table's [`Period`] and its days.

use chrono::NaiveDate;

use kinmu_shared::Language;
use kinmu_shared::messages::{Text, field_label};

use super::month_report::ReportError;
use crate::error::{Error, Result};

/// The period of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl Period {
    pub fn first_and_last(self) -> (NaiveDate, NaiveDate) {
        match self {
            Period::Day(d) => (d, d),
            Period::Year(y) => {
                (NaiveDate::from_ymd_opt(y, 1, 1).expect("valid year"), NaiveDate::from_ymd_opt(y, 12, 31).expect("valid year"))
            }
            Period::Month(y, m) => {
                let first = NaiveDate::from_ymd_opt(y, m, 1).expect("valid month");
                let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).expect("valid");
                (first, last)
            }
        }
    }

    pub fn label(self) -> String {
        match self {
            Period::Year(y) => format!("{y:04}"),
            Period::Month(y, m) => format!("{y:04}-{m:02}"),
            Period::Day(d) => d.to_string(),
        }
    }

    /// Every day of the period, in order.
    pub fn days(self) -> Vec<NaiveDate> {
        let (first, last) = self.first_and_last();
        first.iter_days().take_while(|d| *d <= last).collect()
    }
}

/// Parses `YYYY-MM`.
pub fn parse_month(s: &str) -> Result<(i32, u32), ReportError> {
    kinmu_shared::validation::year_month("month", s).map_err(|_| ReportError::InvalidMonth { given: s.to_string() })
}

/// Parses `YYYY-MM-DD`, naming `field` when it is not one.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    let (y, m, d) = kinmu_shared::validation::calendar_date(field, s)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        Error::invalid(
            field,
            Text::new(
                format!("{field}: {s:?} is not a date"),
                format!("{}：「{s}」という日付はありません。", field_label(field, Language::Ja)),
            ),
        )
    })
}

/// Parses `YYYY-MM`, naming `field` when it is not one (in both languages).
pub fn month_of(field: &str, s: &str) -> Result<(i32, u32)> {
    Ok(kinmu_shared::validation::year_month(field, s)?)
}

/// The days of the month `YYYY-MM` given as text, naming `field` when it is not one.
pub fn days_of_month(field: &str, s: &str) -> Result<Vec<NaiveDate>> {
    let (y, m) = month_of(field, s)?;
    Ok(Period::Month(y, m).days())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn periods_and_their_days() {
        let april = days_of_month("month", "2024-04").unwrap();
        assert_eq!((april.len(), april[0].day(), april[29].day()), (30, 1, 30));
        assert_eq!(Period::Month(2024, 2).days().len(), 29);
        assert_eq!(Period::Year(2023).days().len(), 365);
        assert_eq!(Period::Month(2024, 4).label(), "2024-04");
        assert!(parse_date("from", "2024-13-01").is_err());
        assert_eq!(days_of_month("month", "262142-12").unwrap_err().to_api().field.as_deref(), Some("month"));
    }
}
