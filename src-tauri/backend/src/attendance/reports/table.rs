//! The report table: columns chosen by a layout, typed cells, and sorting by up to two keys.

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use kinmu_shared::api::{CellValue, ReportKind, ReportRow, SortKey};

/// A typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Date(NaiveDate),
    /// A duration in minutes.
    Minutes(i64),
    Count(i64),
    /// A duration in minutes shown as decimal hours (`7.50`): a number to compute with.
    Hours(i64),
    /// A time of day as shown (`8:55`, `*18:00`, blank) with the local time it stands for, by
    /// which it sorts even when shown blank (manual 8.3.4).
    Time {
        text: String,
        local: Option<NaiveDateTime>,
    },
}

impl Cell {
    /// `h:mm` for durations, the text otherwise: what a CSV file or the console shows.
    pub fn display(&self) -> String {
        let mut s = String::new();
        self.write_display(&mut s);
        s
    }

    /// Appends [`Cell::display`] to `out` (millions of cells in a file: no allocation and no
    /// format string per cell).
    pub fn write_display(&self, out: &mut String) {
        match self {
            Cell::Empty => {}
            Cell::Text(t) | Cell::Time { text: t, .. } => out.push_str(t),
            Cell::Date(d) => {
                push_number(out, d.year().unsigned_abs().into(), 4);
                out.push('-');
                push_number(out, d.month().into(), 2);
                out.push('-');
                push_number(out, d.day().into(), 2);
            }
            Cell::Minutes(m) => {
                if *m < 0 {
                    out.push('-');
                }
                push_number(out, m.unsigned_abs() / 60, 1);
                out.push(':');
                push_number(out, m.unsigned_abs() % 60, 2);
            }
            Cell::Count(n) => {
                if *n < 0 {
                    out.push('-');
                }
                push_number(out, n.unsigned_abs(), 1);
            }
            Cell::Hours(m) => {
                // Hundredths of an hour, a half up.
                let hundredths = (m.unsigned_abs() * 100 + 30) / 60;
                if *m < 0 && hundredths > 0 {
                    out.push('-');
                }
                push_number(out, hundredths / 100, 1);
                out.push('.');
                push_number(out, hundredths % 100, 2);
            }
        }
    }

    pub fn to_api(&self) -> CellValue {
        match self {
            Cell::Empty => CellValue::Empty,
            Cell::Minutes(m) | Cell::Count(m) | Cell::Hours(m) => CellValue::Number(*m),
            Cell::Time { text, .. } if text.is_empty() => CellValue::Empty,
            other => CellValue::Text(other.display()),
        }
    }

    fn compare(&self, other: &Cell) -> Ordering {
        use Cell::*;
        match (self, other) {
            (Empty, Empty) => Ordering::Equal,
            (Empty, _) => Ordering::Greater,
            (_, Empty) => Ordering::Less,
            (Minutes(a) | Count(a) | Hours(a), Minutes(b) | Count(b) | Hours(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Time { local: a, .. }, Time { local: b, .. }) => match (a, b) {
                (Some(a), Some(b)) => a.cmp(b),
                (None, None) => Ordering::Equal,
                (None, _) => Ordering::Greater,
                (_, None) => Ordering::Less,
            },
            (a, b) => a.display().cmp(&b.display()),
        }
    }
}

/// Appends `n` in decimal, with leading zeros up to `width` digits.
fn push_number(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = i.min(digits.len() - width.min(digits.len()));
    out.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

/// A row of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub person: String,
    /// The person's name as shown (sheet names, `<username>`).
    pub name: String,
    pub user_id: Option<i64>,
    /// The organisation path (for splitting files per organisation).
    pub group: String,
    /// The terminal (per-terminal rows).
    pub terminal: Option<String>,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn to_api(&self) -> ReportRow {
        ReportRow { person: self.person.clone(), user_id: self.user_id, cells: self.cells.iter().map(Cell::to_api).collect() }
    }
}

/// A table ready to show or write.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub kind: ReportKind,
    /// `YYYY-MM` or `YYYY-MM-DD`.
    pub period: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// Sorts by up to two keys (a key for a column not shown is ignored), stably.
    pub fn sort(&mut self, keys: &[SortKey]) {
        let idx: Vec<(usize, bool)> =
            keys.iter().take(2).filter_map(|k| self.columns.iter().position(|c| *c == k.column).map(|i| (i, k.descending))).collect();
        if idx.is_empty() {
            return;
        }
        self.rows.sort_by(|a, b| {
            for &(i, desc) in &idx {
                let o = a.cells[i].compare(&b.cells[i]);
                let o = if desc && !matches!((&a.cells[i], &b.cells[i]), (Cell::Empty, _) | (_, Cell::Empty)) { o.reverse() } else { o };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
}

/// Parses `column,-column` (at most two keys; `-` for descending).
pub fn parse_sort(s: &str) -> Vec<SortKey> {
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| match k.strip_prefix('-') {
            Some(c) => SortKey { column: c.to_string(), descending: true },
            None => SortKey { column: k.trim_start_matches('+').to_string(), descending: false },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, minutes: i64, time: Option<(&str, u32)>) -> Row {
        let time = match time {
            Some((text, h)) => Cell::Time { text: text.into(), local: NaiveDate::from_ymd_opt(2024, 4, 1).unwrap().and_hms_opt(h, 0, 0) },
            None => Cell::Time { text: String::new(), local: None },
        };
        Row {
            person: name.into(),
            name: name.into(),
            user_id: None,
            group: String::new(),
            terminal: None,
            cells: vec![Cell::Text(name.into()), Cell::Minutes(minutes), time],
        }
    }

    #[test]
    fn two_keys_and_a_blank_time_sorts_by_its_value() {
        let mut t = Table {
            kind: ReportKind::Daily,
            period: "2024-04-01".into(),
            columns: vec!["user".into(), "overtime".into(), "clock_in".into()],
            rows: vec![row("c", 60, Some(("9:00", 9))), row("a", 60, Some(("", 8))), row("b", 120, None)],
        };
        t.sort(&parse_sort("-overtime,clock_in"));
        let names: Vec<&str> = t.rows.iter().map(|r| r.person.as_str()).collect();
        assert_eq!(names, ["b", "a", "c"], "a's clock-in is shown blank but sorts as 8:00");
        t.sort(&parse_sort("clock_in"));
        let names: Vec<&str> = t.rows.iter().map(|r| r.person.as_str()).collect();
        assert_eq!(names, ["a", "c", "b"], "no time sorts last");
        assert_eq!(Cell::Minutes(501).display(), "8:21");
    }

    #[test]
    fn cells_show_as_a_file_shows_them() {
        assert_eq!(Cell::Minutes(0).display(), "0:00");
        assert_eq!(Cell::Minutes(-65).display(), "-1:05");
        assert_eq!(Cell::Minutes(6001).display(), "100:01");
        assert_eq!(Cell::Count(-12).display(), "-12");
        assert_eq!(Cell::Count(1234567).display(), "1234567");
        assert_eq!(Cell::Hours(450).display(), "7.50");
        assert_eq!(Cell::Hours(20).display(), "0.33");
        assert_eq!(Cell::Hours(0).display(), "0.00");
        assert_eq!(Cell::Hours(-90).display(), "-1.50");
        assert_eq!(Cell::Date(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()).display(), "2024-04-01");
        assert_eq!(Cell::Date(NaiveDate::from_ymd_opt(987, 12, 31).unwrap()).display(), "0987-12-31");
        assert_eq!(Cell::Empty.display(), "");
    }
}
