//! Writing tables as CSV (UTF-8, UTF-8 with BOM, Shift_JIS) and as Excel workbooks that look
//! finished: durations as real time values in `[h]:mm`, clock times as times of day, dates as
//! dates, a frozen bold header row, column widths that fit, and one sheet per person for
//! timesheets. Excel sheets are written in constant-memory mode, so memory stays flat.

use std::io::Write;
use std::path::Path;

use kinmu_shared::Language;
use kinmu_shared::api::{ReportKind, column_label};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use serde::{Deserialize, Serialize};

use super::table::{Cell, Row, Table};

/// The character encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CsvEncoding {
    #[default]
    Utf8,
    /// UTF-8 with a byte-order mark (Excel opens it correctly).
    Utf8Bom,
    /// Shift_JIS: characters it lacks are written as `?`.
    ShiftJis,
}

impl CsvEncoding {
    pub fn parse(s: &str) -> Option<CsvEncoding> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Some(CsvEncoding::Utf8),
            "utf-8-bom" | "utf8-bom" => Some(CsvEncoding::Utf8Bom),
            "shift-jis" | "sjis" | "cp932" => Some(CsvEncoding::ShiftJis),
            _ => None,
        }
    }
}

/// Writes `rows` of `table` as CSV.
pub fn write_csv(
    table: &Table,
    rows: &[&Row],
    header: bool,
    encoding: CsvEncoding,
    language: Language,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut text = csv::WriterBuilder::new().from_writer(Vec::with_capacity(64 + rows.len() * 96));
    if header {
        text.write_record(table.columns.iter().map(|c| column_label(c, language)))?;
    }
    let mut fields: Vec<String> = Vec::with_capacity(table.columns.len());
    for r in rows {
        fields.clear();
        fields.extend(r.cells.iter().map(Cell::display));
        text.write_record(&fields)?;
    }
    let bytes = text.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
    match encoding {
        CsvEncoding::Utf8 => out.write_all(&bytes),
        CsvEncoding::Utf8Bom => {
            out.write_all(b"\xEF\xBB\xBF")?;
            out.write_all(&bytes)
        }
        CsvEncoding::ShiftJis => {
            let s = String::from_utf8_lossy(&bytes);
            let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
            let mut buf = vec![0u8; s.len() * 2 + 16];
            let mut rest: &str = &s;
            loop {
                let (result, read, written) = encoder.encode_from_utf8_without_replacement(rest, &mut buf, true);
                out.write_all(&buf[..written])?;
                rest = &rest[read..];
                match result {
                    encoding_rs::EncoderResult::InputEmpty => break,
                    encoding_rs::EncoderResult::OutputFull => {}
                    encoding_rs::EncoderResult::Unmappable(_) => out.write_all(b"?")?,
                }
            }
            Ok(())
        }
    }
}

/// Column width in Excel's character units for a column.
fn width(key: &str, rows: &[&Row], col: usize, language: Language) -> f64 {
    let label = column_label(key, language);
    let text_width = |s: &str| s.chars().map(|c| if (c as u32) >= 0x1100 { 2.0 } else { 1.0 }).sum::<f64>();
    let longest = rows.iter().take(1000).map(|r| text_width(&r.cells[col].display())).fold(0.0, f64::max);
    (text_width(label).max(longest) + 2.0).clamp(6.0, 60.0)
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`, unique in the workbook.
fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
    let base = if clean.trim().is_empty() { "Sheet".to_string() } else { clean };
    let mut name = base.clone();
    let mut n = 1;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        n += 1;
        name = format!("{base} {n}");
    }
    taken.push(name.clone());
    name
}

/// Writes `rows` of `table` as an Excel workbook at `path`: one sheet, or one per person for a
/// timesheet.
pub fn write_xlsx(table: &Table, rows: &[&Row], header: bool, language: Language, path: &Path) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let hours = Format::new().set_num_format("[h]:mm");
    let clock = Format::new().set_num_format("h:mm");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut taken = Vec::new();
    let sheets: Vec<(String, Vec<&Row>)> = if table.kind == ReportKind::Timesheet {
        let mut by_person: Vec<(String, Vec<&Row>)> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for r in rows {
            match index.get(r.person.as_str()) {
                Some(&i) => by_person[i].1.push(r),
                None => {
                    index.insert(&r.person, by_person.len());
                    by_person.push((r.name.clone(), vec![r]));
                }
            }
        }
        if by_person.is_empty() {
            by_person.push((table.period.clone(), Vec::new()));
        }
        by_person
    } else {
        vec![(format!("{} {}", table.kind.key(), table.period), rows.to_vec())]
    };
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(&name, &mut taken))?;
        for (c, key) in table.columns.iter().enumerate() {
            sheet.set_column_width(c as u16, width(key, &rows, c, language))?;
        }
        let mut row_index: u32 = 0;
        if header {
            for (c, key) in table.columns.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, column_label(key, language), &bold)?;
            }
            sheet.set_freeze_panes(1, 0)?;
            row_index = 1;
        }
        for r in rows {
            for (c, cell) in r.cells.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(t) => {
                        sheet.write_string(row_index, col, t)?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number(row_index, col, *n as f64)?;
                    }
                    Cell::Minutes(m) => {
                        sheet.write_number_with_format(row_index, col, *m as f64 / 1440.0, &hours)?;
                    }
                    Cell::Date(d) => {
                        use chrono::Datelike;
                        let excel = rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                        sheet.write_datetime_with_format(row_index, col, &excel, &date)?;
                    }
                    Cell::Time { text, local } => match local {
                        // A corrected time shown with a mark, or shown blank, is written as shown.
                        Some(t) if !text.is_empty() && !text.starts_with('*') => {
                            use chrono::Timelike;
                            let fraction = (t.hour() * 60 + t.minute()) as f64 / 1440.0;
                            sheet.write_number_with_format(row_index, col, fraction, &clock)?;
                        }
                        _ if !text.is_empty() => {
                            sheet.write_string(row_index, col, text)?;
                        }
                        _ => {}
                    },
                }
            }
            row_index += 1;
        }
    }
    workbook.save(path)
}
