//! Writing tables as CSV (UTF-8, UTF-8 with BOM, Shift_JIS) and as Excel workbooks that look
//! finished: durations as real time values in `[h]:mm`, clock times as times of day, dates as
//! dates, a frozen bold header row, column widths that fit, and one sheet per person for
//! timesheets. Excel sheets are written in constant-memory mode, so memory stays flat (a
//! timesheet's sheets, a month each, are held in memory until their workbook is saved).

use std::io::Write;
use std::path::Path;

use kinmu_shared::Language;
use kinmu_shared::api::{ReportKind, column_label};
use kinmu_shared::spreadsheet::neutralise_formula;
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

/// `text` in `encoding` (a BOM first for [`CsvEncoding::Utf8Bom`]; `?` for a character
/// Shift_JIS lacks).
pub fn encode_text(text: &str, encoding: CsvEncoding) -> Vec<u8> {
    match encoding {
        CsvEncoding::Utf8 => text.as_bytes().to_vec(),
        CsvEncoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        CsvEncoding::ShiftJis => {
            let mut out = Encoded { out: Vec::with_capacity(text.len()), encoding, pending: Vec::new(), buffer: Vec::new() };
            // Writing to a Vec cannot fail.
            let _ = out.encode(text);
            out.out
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
    let mut w = CsvStream::new(&table.columns, header, encoding, language, out)?;
    for r in rows {
        w.push(r)?;
    }
    w.finish()?;
    Ok(())
}

/// Text encoded on its way out: UTF-8 as it is, or Shift_JIS (`?` for what it lacks), a
/// character split between two writes waiting for its end.
struct Encoded<W: Write> {
    out: W,
    encoding: CsvEncoding,
    pending: Vec<u8>,
    buffer: Vec<u8>,
}

impl<W: Write> Encoded<W> {
    fn encode(&mut self, text: &str) -> std::io::Result<()> {
        let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
        self.buffer.resize(text.len() * 2 + 16, 0);
        let mut rest = text;
        loop {
            let (result, read, written) = encoder.encode_from_utf8_without_replacement(rest, &mut self.buffer, true);
            self.out.write_all(&self.buffer[..written])?;
            rest = &rest[read..];
            match result {
                encoding_rs::EncoderResult::InputEmpty => return Ok(()),
                encoding_rs::EncoderResult::OutputFull => {}
                encoding_rs::EncoderResult::Unmappable(_) => self.out.write_all(b"?")?,
            }
        }
    }

    fn finish(mut self) -> std::io::Result<W> {
        if !self.pending.is_empty() {
            let rest = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
            self.encode(&rest)?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for Encoded<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.encoding != CsvEncoding::ShiftJis {
            return self.out.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let pending = std::mem::take(&mut self.pending);
        let valid = match std::str::from_utf8(&pending) {
            Ok(_) => pending.len(),
            // Invalid bytes (not a split character) are written as U+FFFD, as before.
            Err(e) if e.error_len().is_some() => pending.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = String::from_utf8_lossy(&pending[..valid]).into_owned();
        self.encode(&text)?;
        self.pending = pending[valid..].to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// A CSV file written row by row.
pub struct CsvStream<W: Write> {
    csv: csv::Writer<Encoded<W>>,
    /// The row's fields one after the other, and where each ends.
    line: String,
    ends: Vec<usize>,
}

impl<W: Write> CsvStream<W> {
    pub fn new(columns: &[String], header: bool, encoding: CsvEncoding, language: Language, mut out: W) -> std::io::Result<Self> {
        if encoding == CsvEncoding::Utf8Bom {
            out.write_all(b"\xEF\xBB\xBF")?;
        }
        let encoded = Encoded { out, encoding, pending: Vec::new(), buffer: Vec::new() };
        let mut csv = csv::WriterBuilder::new().buffer_capacity(64 * 1024).from_writer(encoded);
        if header {
            csv.write_record(columns.iter().map(|c| column_label(c, language)))?;
        }
        Ok(CsvStream { csv, line: String::with_capacity(256), ends: Vec::with_capacity(columns.len()) })
    }

    pub fn push(&mut self, r: &Row) -> std::io::Result<()> {
        self.line.clear();
        self.ends.clear();
        for cell in &r.cells {
            match cell {
                // Text from logs and users (names, terminals) may look like a formula.
                Cell::Text(t) => self.line.push_str(&neutralise_formula(t)),
                other => other.write_display(&mut self.line),
            }
            self.ends.push(self.line.len());
        }
        let mut start = 0;
        for &end in &self.ends {
            self.csv.write_field(&self.line[start..end])?;
            start = end;
        }
        Ok(self.csv.write_record(None::<&[u8]>)?)
    }

    /// Flushes everything and gives the output back.
    pub fn finish(self) -> std::io::Result<W> {
        let encoded = self.csv.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
        encoded.finish()
    }
}

fn text_width(s: &str) -> f64 {
    s.chars().map(|c| if (c as u32) >= 0x1100 { 2.0 } else { 1.0 }).sum::<f64>()
}

/// Rows of a sheet whose width counts (the first thousand).
const WIDTH_ROWS: usize = 1000;

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`, unique in the workbook.
fn sheet_name(wanted: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let clean: String = wanted.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
    let base = if clean.trim().is_empty() { "Sheet".to_string() } else { clean };
    let mut name = base.clone();
    let mut n = 1;
    while taken.contains(&name.to_ascii_lowercase()) {
        n += 1;
        name = format!("{base} {n}");
    }
    taken.insert(name.to_ascii_lowercase());
    name
}

/// Writes `rows` of `table` as an Excel workbook at `path`: one sheet, or one per person for a
/// timesheet.
pub fn write_xlsx(table: &Table, rows: &[&Row], header: bool, language: Language, path: &Path) -> Result<(), XlsxError> {
    let mut w = XlsxStream::new(table, header, language);
    if table.kind == ReportKind::Timesheet {
        // A sheet per person, in the order persons first appear.
        let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            first.entry(r.person.as_str()).or_insert(i);
        }
        let mut grouped: Vec<&Row> = rows.to_vec();
        grouped.sort_by_key(|r| first[r.person.as_str()]);
        for r in grouped {
            w.push(r)?;
        }
    } else {
        for r in rows {
            w.push(r)?;
        }
    }
    w.save(path)
}

/// The sheet being written.
struct Sheet {
    index: usize,
    person: String,
    row: u32,
    widths: Vec<f64>,
    sampled: usize,
}

/// An Excel workbook written row by row: one sheet in constant-memory mode, or one sheet per
/// person for a timesheet, each held in memory until the workbook is saved (a person's rows
/// must come together).
pub struct XlsxStream {
    workbook: Workbook,
    kind: ReportKind,
    period: String,
    columns: Vec<String>,
    header: bool,
    language: Language,
    bold: Format,
    hours: Format,
    clock: Format,
    date: Format,
    decimal: Format,
    taken: std::collections::HashSet<String>,
    sheet: Option<Sheet>,
}

impl XlsxStream {
    pub fn new(table: &Table, header: bool, language: Language) -> XlsxStream {
        let mut workbook = Workbook::new();
        // Excel's own level: a third faster than the default for files about 5 % larger.
        workbook.set_zip_compression_level(3);
        XlsxStream {
            workbook,
            kind: table.kind,
            period: table.period.clone(),
            columns: table.columns.clone(),
            header,
            language,
            bold: Format::new().set_bold().set_align(FormatAlign::Center),
            hours: Format::new().set_num_format("[h]:mm"),
            clock: Format::new().set_num_format("h:mm"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            decimal: Format::new().set_num_format("0.00"),
            taken: std::collections::HashSet::new(),
            sheet: None,
        }
    }

    /// The one sheet's name of a table other than a timesheet: the table's name in the
    /// reader's language and the period (`月別 2024-04`, `Monthly 2024-04`).
    fn table_sheet_name(&self) -> String {
        format!("{} {}", self.kind.label(self.language), self.period)
    }

    fn begin_sheet(&mut self, name: &str, person: &str) -> Result<(), XlsxError> {
        self.end_sheet()?;
        let sheet_name = sheet_name(name, &mut self.taken);
        // A timesheet's sheet is one person's month (at most 32 rows): kept in memory, which
        // spares the workbook a temporary file per person (100,000 of them at 100,000 users,
        // the file system's slowest part). Other sheets stream to disk, whatever their length.
        let sheet = if self.kind == ReportKind::Timesheet {
            self.workbook.add_worksheet()
        } else {
            self.workbook.add_worksheet_with_constant_memory()?
        };
        sheet.set_name(sheet_name)?;
        let mut row = 0;
        if self.header {
            for (c, key) in self.columns.iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, column_label(key, self.language), &self.bold)?;
            }
            sheet.set_freeze_panes(1, 0)?;
            row = 1;
        }
        let index = self.workbook.worksheets().len() - 1;
        let widths = self.columns.iter().map(|k| text_width(column_label(k, self.language))).collect();
        self.sheet = Some(Sheet { index, person: person.to_string(), row, widths, sampled: 0 });
        Ok(())
    }

    /// Sets the finished sheet's column widths (Excel's character units).
    fn end_sheet(&mut self) -> Result<(), XlsxError> {
        if let Some(s) = self.sheet.take() {
            let sheet = self.workbook.worksheet_from_index(s.index)?;
            for (c, w) in s.widths.iter().enumerate() {
                sheet.set_column_width(c as u16, (w + 2.0).clamp(6.0, 60.0))?;
            }
        }
        Ok(())
    }

    pub fn push(&mut self, r: &Row) -> Result<(), XlsxError> {
        let new_sheet = match &self.sheet {
            None => true,
            Some(s) => self.kind == ReportKind::Timesheet && s.person != r.person,
        };
        if new_sheet {
            let name = if self.kind == ReportKind::Timesheet { r.name.clone() } else { self.table_sheet_name() };
            self.begin_sheet(&name, &r.person)?;
        }
        let s = self.sheet.as_mut().expect("a sheet");
        if s.sampled < WIDTH_ROWS {
            s.sampled += 1;
            for (c, cell) in r.cells.iter().enumerate() {
                let w = match cell {
                    Cell::Empty => 0.0,
                    Cell::Text(t) | Cell::Time { text: t, .. } => text_width(t),
                    other => text_width(&other.display()),
                };
                if w > s.widths[c] {
                    s.widths[c] = w;
                }
            }
        }
        let row_index = s.row;
        s.row += 1;
        let sheet = self.workbook.worksheet_from_index(s.index)?;
        for (c, cell) in r.cells.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(t) => {
                    sheet.write_string(row_index, col, neutralise_formula(t))?;
                }
                Cell::Count(n) => {
                    sheet.write_number(row_index, col, *n as f64)?;
                }
                Cell::Minutes(m) => {
                    sheet.write_number_with_format(row_index, col, *m as f64 / 1440.0, &self.hours)?;
                }
                Cell::Hours(m) => {
                    sheet.write_number_with_format(row_index, col, *m as f64 / 60.0, &self.decimal)?;
                }
                Cell::Date(d) => {
                    use chrono::Datelike;
                    let excel = rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(row_index, col, &excel, &self.date)?;
                }
                Cell::Time { text, local } => match local {
                    // A corrected time shown with a mark, or shown blank, is written as shown.
                    Some(t) if !text.is_empty() && !text.starts_with('*') => {
                        use chrono::Timelike;
                        let fraction = (t.hour() * 60 + t.minute()) as f64 / 1440.0;
                        sheet.write_number_with_format(row_index, col, fraction, &self.clock)?;
                    }
                    _ if !text.is_empty() => {
                        sheet.write_string(row_index, col, text)?;
                    }
                    _ => {}
                },
            }
        }
        Ok(())
    }

    /// Writes the workbook (a sheet with the header only when no row came).
    pub fn save(mut self, path: &Path) -> Result<(), XlsxError> {
        if self.sheet.is_none() && self.taken.is_empty() {
            let name = if self.kind == ReportKind::Timesheet { self.period.clone() } else { self.table_sheet_name() };
            self.begin_sheet(&name, "")?;
        }
        self.end_sheet()?;
        self.workbook.save(path)
    }
}

/// A table with its own column labels (not the attendance report's columns): what other reports
/// (the effort gap report, the effort report) write through the same CSV and Excel finish.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelledSheet {
    pub name: String,
    pub labels: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Rows (indexes into `rows`) written bold in Excel: subtotals and totals.
    pub emphasised: Vec<usize>,
}

/// `sheet` as CSV text (header and rows; durations `h:mm`, text spreadsheet-safe), to be encoded
/// with [`encode_text`].
pub fn labelled_csv(sheet: &LabelledSheet) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&sheet.labels);
    for r in &sheet.rows {
        let _ = w.write_record(r.iter().map(|c| match c {
            Cell::Text(t) => neutralise_formula(t).into_owned(),
            other => other.display(),
        }));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `sheets` as an Excel workbook: a bold frozen header, numbers as numbers, durations as time
/// values in `[h]:mm`, dates as dates, columns as wide as their content.
pub fn labelled_xlsx(sheets: &[LabelledSheet]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let hours = Format::new().set_num_format("[h]:mm");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let decimal = Format::new().set_num_format("0.00");
    let plain = Format::new();
    // Each format, and its bold copy for emphasised rows.
    let formats = [plain, hours, decimal, date].map(|f| [f.clone(), f.set_bold()]);
    let [plain, hours, decimal, date] = &formats;
    let mut taken = std::collections::HashSet::new();
    for s in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&s.name, &mut taken))?;
        let mut widths: Vec<f64> = s.labels.iter().map(|l| text_width(l)).collect();
        for (c, label) in s.labels.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, label, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let emphasised: std::collections::HashSet<usize> = s.emphasised.iter().copied().collect();
        for (i, row) in s.rows.iter().enumerate() {
            let r = i as u32 + 1;
            let b = usize::from(emphasised.contains(&i));
            for (c, cell) in row.iter().enumerate() {
                let col = c as u16;
                if let Some(w) = widths.get_mut(c) {
                    *w = w.max(text_width(&cell.display()));
                }
                match cell {
                    Cell::Empty => {}
                    Cell::Text(t) | Cell::Time { text: t, .. } => {
                        sheet.write_string_with_format(r, col, neutralise_formula(t), &plain[b])?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number_with_format(r, col, *n as f64, &plain[b])?;
                    }
                    Cell::Minutes(m) => {
                        sheet.write_number_with_format(r, col, *m as f64 / 1440.0, &hours[b])?;
                    }
                    Cell::Hours(m) => {
                        sheet.write_number_with_format(r, col, *m as f64 / 60.0, &decimal[b])?;
                    }
                    Cell::Date(d) => {
                        use chrono::Datelike;
                        let excel = rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                        sheet.write_datetime_with_format(r, col, &excel, &date[b])?;
                    }
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (w + 2.0).clamp(6.0, 60.0))?;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_with(name: &str) -> Table {
        Table {
            kind: ReportKind::Monthly,
            period: "2024-04".into(),
            columns: vec!["user".into(), "work".into()],
            rows: vec![Row {
                person: "p".into(),
                name: name.into(),
                user_id: None,
                group: String::new(),
                terminal: None,
                cells: vec![Cell::Text(name.into()), Cell::Minutes(-30)],
            }],
        }
    }

    #[test]
    fn text_that_looks_like_a_formula_is_neutralised_in_csv_and_excel() {
        let evil = "=HYPERLINK(\"http://evil.example\",\"x\")";
        let table = table_with(evil);
        let rows: Vec<&Row> = table.rows.iter().collect();
        let mut csv = Vec::new();
        write_csv(&table, &rows, false, CsvEncoding::Utf8, Language::En, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("\"'=HYPERLINK("), "{csv}");
        assert!(csv.trim_end().ends_with(",-0:30"), "computed durations are numbers, left as they are: {csv}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        write_xlsx(&table, &rows, false, Language::En, &path).unwrap();
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let mut sheet = String::new();
        for name in ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"] {
            if let Ok(mut f) = zip.by_name(name) {
                std::io::Read::read_to_string(&mut f, &mut sheet).unwrap();
            }
        }
        assert!(sheet.contains("&apos;=HYPERLINK") || sheet.contains("'=HYPERLINK"), "{sheet}");
    }
}
