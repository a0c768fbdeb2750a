//! The ALog access-log CSV (manual 8.1.3.3.1): columns time, user, server, target, operation,
//! detail; with or without a header line; each line UTF-8 (with or without BOM) or Shift_JIS
//! (see [`super::lines`]). A quoted field may hold line breaks (the manual's own example does),
//! but a quote left open costs only its own record: a following line that starts with a time
//! starts the next record, and a record spans at most [`MAX_RECORD_LINES`] lines.

use std::borrow::Cow;
use std::io::{self, Read};
use std::sync::Arc;

use chrono_tz::Tz;

pub use super::lines::TextEncoding;
use super::lines::TextLines;
use super::timestamp::parse_timestamp;
use super::{ImportError, ImportResult, check_field_lengths};
use crate::log_event::{Detail, LogEvent, SourcePosition, single_spaced};

/// Column indices of the six fields.
#[derive(Debug, Clone, Copy)]
struct Columns {
    time: usize,
    user: usize,
    server: usize,
    target: usize,
    operation: usize,
    detail: usize,
}

const DEFAULT_COLUMNS: Columns = Columns { time: 0, user: 1, server: 2, target: 3, operation: 4, detail: 5 };

/// The most lines one record (with line breaks in quoted fields) may span.
pub const MAX_RECORD_LINES: u64 = 16;

/// Streaming reader of an ALog access-log CSV.
pub struct AlogCsvReader {
    lines: TextLines,
    file: Arc<str>,
    tz: Tz,
    columns: Option<Columns>,
    raw: String,
    /// A line read ahead that starts the next record (after a record left open), or an error
    /// met while reading ahead.
    ahead: Option<(u64, Result<String, String>)>,
}

impl AlogCsvReader {
    /// Reads `input` (named `file` in events and errors), naive times in `tz`.
    pub fn new(input: impl Read + 'static, file: &str, tz: Tz, encoding: TextEncoding) -> io::Result<Self> {
        Ok(Self { lines: TextLines::new(input, encoding), file: Arc::from(file), tz, columns: None, raw: String::new(), ahead: None })
    }

    fn error(&self, position: u64, reason: impl Into<String>) -> ImportError {
        ImportError::new(&self.file, position, reason)
    }

    fn next_line(&mut self) -> Option<(u64, Result<String, String>)> {
        self.ahead.take().or_else(|| self.lines.next_line())
    }

    /// True when `line` begins with a time in the time column: the start of a record.
    fn starts_record(&self, line: &str) -> bool {
        let column = self.columns.unwrap_or(DEFAULT_COLUMNS).time;
        line.split(',').nth(column).is_some_and(|field| parse_timestamp(field.trim().trim_matches('"'), self.tz).is_ok())
    }

    /// Reads the next record's text into `raw` (several lines when a quoted field holds line
    /// breaks). Returns its first line number, or `None` at the end.
    fn read_record(&mut self) -> Option<Result<u64, ImportError>> {
        let (first, text) = self.next_line()?;
        self.raw = match text {
            Ok(text) => text,
            Err(reason) => return Some(Err(self.error(first, reason))),
        };
        let mut lines = 1;
        while quotes_open(&self.raw) {
            let unclosed = || format!("a quoted field opened on line {first} is not closed: check the quotes (\"\" stands for one quote)");
            match self.next_line() {
                None => return Some(Err(self.error(first, unclosed()))),
                Some((_, Ok(text))) if lines < MAX_RECORD_LINES && !self.starts_record(&text) => {
                    self.raw.push('\n');
                    self.raw.push_str(&text);
                    lines += 1;
                }
                Some(next) => {
                    // The open quote ends here: this record is rejected, the line goes on.
                    self.ahead = Some(next);
                    return Some(Err(self.error(first, unclosed())));
                }
            }
        }
        Some(Ok(first))
    }
}

fn quotes_open(raw: &str) -> bool {
    raw.bytes().filter(|b| *b == b'"').count() % 2 == 1
}

/// Splits one CSV record (RFC 4180 quoting, `""` inside quotes) into fields; a record without
/// quotes is split in place.
fn split_fields(raw: &str) -> Vec<Cow<'_, str>> {
    let raw = raw.strip_suffix('\n').unwrap_or(raw);
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    if !raw.contains('"') {
        return raw.split(',').map(Cow::Borrowed).collect();
    }
    let mut fields = Vec::with_capacity(6);
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) => quoted = true,
            (',', false) => fields.push(Cow::Owned(std::mem::take(&mut field))),
            (c, _) => field.push(c),
        }
    }
    fields.push(Cow::Owned(field));
    fields
}

fn header_columns(record: &[Cow<'_, str>]) -> Option<Columns> {
    let find = |names: &[&str]| {
        record.iter().position(|f| {
            let f = f.trim().trim_start_matches('\u{feff}').to_lowercase();
            names.iter().any(|n| f == *n)
        })
    };
    let time = find(&["時刻", "日時", "time", "timestamp", "date"])?;
    let user = find(&["ユーザー", "ユーザ", "user", "username"])?;
    let operation = find(&["操作", "operation", "action"])?;
    Some(Columns {
        time,
        user,
        operation,
        server: find(&["サーバ", "サーバー", "server", "host"]).unwrap_or(usize::MAX),
        target: find(&["対象", "target", "terminal"]).unwrap_or(usize::MAX),
        detail: find(&["詳細", "detail", "details"]).unwrap_or(usize::MAX),
    })
}

impl Iterator for AlogCsvReader {
    type Item = ImportResult;

    fn next(&mut self) -> Option<ImportResult> {
        loop {
            let line = match self.read_record()? {
                Ok(line) => line,
                Err(e) => return Some(Err(e)),
            };
            let record = split_fields(&self.raw);
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let columns = match self.columns {
                Some(c) => c,
                None => {
                    if let Some(c) = header_columns(&record) {
                        self.columns = Some(c);
                        continue;
                    }
                    self.columns = Some(DEFAULT_COLUMNS);
                    DEFAULT_COLUMNS
                }
            };
            return Some(self.event(&record, columns, line));
        }
    }
}

impl AlogCsvReader {
    fn event(&self, record: &[Cow<'_, str>], c: Columns, line: u64) -> ImportResult {
        let field = |i: usize| record.get(i).map_or("", |f| f.trim());
        if record.len() <= c.time.max(c.user).max(c.operation) {
            return Err(self.error(
                line,
                format!(
                    "{} fields where at least {} are needed (time, user, server, target, operation, detail)",
                    record.len(),
                    c.time.max(c.user).max(c.operation) + 1
                ),
            ));
        }
        let time = parse_timestamp(field(c.time), self.tz).map_err(|e| self.error(line, e))?;
        let user = field(c.user);
        if user.is_empty() {
            return Err(self.error(line, "the user is empty"));
        }
        let operation = field(c.operation);
        if operation.is_empty() {
            return Err(self.error(line, "the operation is empty"));
        }
        let event = LogEvent {
            time,
            user: user.to_string(),
            host: field(c.server).to_string(),
            target: single_spaced(field(c.target)),
            operation: operation.to_string(),
            detail: Detail::parse(field(c.detail)),
            source: SourcePosition { file: self.file.clone(), position: line },
        };
        check_field_lengths(&event).map_err(|reason| self.error(line, reason))?;
        Ok(event)
    }
}

/// Writes events as an ALog CSV (UTF-8, with a header line), e.g. for the benchmark and tests.
pub fn write_alog_csv<'a, W: io::Write>(out: W, events: impl IntoIterator<Item = &'a LogEvent>, tz: Tz) -> io::Result<()> {
    let mut w = AlogCsvWriter::new(out, tz)?;
    for e in events {
        w.write(e)?;
    }
    w.finish()
}

/// Writes an ALog CSV one event at a time (as [`write_alog_csv`] does), for files larger than
/// the events one would keep in memory.
pub struct AlogCsvWriter<W: io::Write> {
    csv: csv::Writer<W>,
    tz: Tz,
}

impl<W: io::Write> AlogCsvWriter<W> {
    /// Starts the file with its header line; local times are written in `tz`.
    pub fn new(out: W, tz: Tz) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(["時刻", "ユーザー", "サーバ", "対象", "操作", "詳細"])?;
        Ok(Self { csv, tz })
    }

    /// Writes one event's line.
    pub fn write(&mut self, e: &LogEvent) -> io::Result<()> {
        let t = e.time.with_timezone(&self.tz).format("%Y/%m/%d %H:%M:%S%.3f").to_string();
        self.csv.write_record([t.as_str(), &e.user, &e.host, &e.target, &e.operation, &e.detail.to_string()])?;
        Ok(())
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) -> io::Result<()> {
        self.csv.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use encoding_rs::SHIFT_JIS;

    const TOKYO: Tz = chrono_tz::Asia::Tokyo;

    fn read(bytes: Vec<u8>) -> Vec<ImportResult> {
        AlogCsvReader::new(std::io::Cursor::new(bytes), "log.csv", TOKYO, TextEncoding::Detect).unwrap().collect()
    }

    const SEED: &str = "時刻,ユーザー,サーバ,対象,操作,詳細\n\
2017/05/27 17:48:00.233,Domain\\Kawasaki,DC001,\"CLPC001\n[169.254.123.159]\",LOGON,\"ClientIP:169.254.123.159\nClientName: CLPC001\nCount:1 LogonType:Script\"\n\
2017/05/27 17:48:00.909,Domain\\Kawasaki,DC001,\"CLPC001\n[169.254.123.159]\",LOGOFF,\"ClientIP:169.254.123.159\nClientName: CLPC001\nCount:1 LogonType:Script\"\n";

    #[test]
    fn reads_the_seed_example_with_header() {
        let events: Vec<LogEvent> = read(SEED.as_bytes().to_vec()).into_iter().map(Result::unwrap).collect();
        assert_eq!(events.len(), 2);
        let e = &events[0];
        assert_eq!(e.time, Utc.with_ymd_and_hms(2017, 5, 27, 8, 48, 0).unwrap() + chrono::Duration::milliseconds(233));
        assert_eq!(e.user, "Domain\\Kawasaki");
        assert_eq!(e.host, "DC001");
        assert_eq!(e.target, "CLPC001 [169.254.123.159]");
        assert_eq!(e.operation, "LOGON");
        assert_eq!(e.detail.get("ClientName"), Some("CLPC001"));
        assert_eq!(e.detail.get("LogonType"), Some("Script"));
        assert_eq!(e.source.position, 2);
        assert_eq!(events[1].operation, "LOGOFF");
        assert_eq!(events[1].source.position, 6, "line numbers count the lines inside quoted fields");
    }

    #[test]
    fn reads_shift_jis_and_bom_and_headerless_files() {
        let text = "2024/04/01 08:51:00,OSAKA\\最上,DC01,端末01,LOGON,LogonType:Script 備考:東京本社\n";
        let (sjis, _, had_errors) = SHIFT_JIS.encode(text);
        assert!(!had_errors);
        assert!(std::str::from_utf8(&sjis).is_err(), "really Shift_JIS bytes");
        let events = read(sjis.into_owned());
        let e = events[0].as_ref().unwrap();
        assert_eq!(e.user, "OSAKA\\最上");
        assert_eq!(e.target, "端末01");
        assert_eq!(e.detail.get("備考"), Some("東京本社"));
        assert_eq!(e.source.position, 1);

        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(SEED.as_bytes());
        assert_eq!(read(bom).into_iter().filter(Result::is_ok).count(), 2);

        let forced = AlogCsvReader::new(std::io::Cursor::new(SHIFT_JIS.encode(text).0.into_owned()), "x", TOKYO, TextEncoding::ShiftJis)
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(forced.user, "OSAKA\\最上");
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_is_read() {
        let text = "2024/04/01 08:51:00,u1,DC,T,LOGON,LogonType:Script\n\
yesterday at nine,u1,DC,T,LOGON,LogonType:Script\n\
2024/04/01 09:00:00,u2\n\
2024/04/01 09:10:00,,DC,T,LOGON,\n\
\n\
2024-04-01T18:10:00+09:00,u1,DC,T,LOGOFF,LogonType:Script\n";
        let results = read(text.as_bytes().to_vec());
        assert_eq!(results.len(), 5);
        assert!(results[0].is_ok());
        let e = results[1].as_ref().unwrap_err();
        assert_eq!((e.file.as_str(), e.position), ("log.csv", 2));
        assert!(e.reason.contains("yesterday at nine") && e.reason.contains("expected"), "{e}");
        assert_eq!(results[2].as_ref().unwrap_err().position, 3);
        assert!(results[2].as_ref().unwrap_err().reason.contains("fields"));
        assert!(results[3].as_ref().unwrap_err().reason.contains("user is empty"));
        assert_eq!(results[4].as_ref().unwrap().source.position, 6);
    }

    #[test]
    fn a_stray_quote_costs_only_its_own_line() {
        let mut text = String::from("時刻,ユーザー,サーバ,対象,操作,詳細\n");
        text.push_str("2024/04/01 08:00:00,u1,DC,\"PC1,LOGON,LogonType:Script\n");
        for minute in 1..=50 {
            text.push_str(&format!("2024/04/01 08:{minute:02}:00,u{minute},DC,PC,LOGON,LogonType:Script\n"));
        }
        let results = read(text.into_bytes());
        assert_eq!(results.len(), 51);
        let e = results[0].as_ref().unwrap_err();
        assert_eq!(e.position, 2);
        assert!(e.reason.contains("not closed"), "{e}");
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 50, "every good line after the stray quote is read");
        assert_eq!(results[1].as_ref().unwrap().source.position, 3);
        // At the end of the file too.
        let results = read(b"2024/04/01 08:00:00,u1,DC,PC,LOGON,\"open\n".to_vec());
        assert!(results[0].as_ref().unwrap_err().reason.contains("not closed"));
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        let text = "2024/04/01 08:51:00,u1,DC,T,LOGON,LogonType:Script\r2024/04/01 18:00:00,u1,DC,T,LOGOFF,LogonType:Script\r";
        let results = read(text.as_bytes().to_vec());
        assert_eq!(results.len(), 2);
        assert_eq!(results[1].as_ref().unwrap().operation, "LOGOFF");
        assert_eq!(results[1].as_ref().unwrap().source.position, 2);
    }

    #[test]
    fn fields_longer_than_any_log_are_rejected_with_their_line() {
        let text = format!(
            "2024/04/01 08:51:00,{},DC,T,LOGON,\n2024/04/01 08:52:00,{},DC,T,LOGON,\n2024/04/01 08:53:00,u,DC,T,LOGON,\n",
            "u".repeat(300),
            "v".repeat(200_000)
        );
        let results = read(text.into_bytes());
        assert_eq!(results.len(), 3);
        assert!(results[0].as_ref().unwrap_err().reason.contains("user is longer than 256"), "{:?}", results[0]);
        assert_eq!(results[1].as_ref().unwrap_err().position, 2);
        assert!(results[2].is_ok());
    }

    #[test]
    fn written_csv_reads_back() {
        let events: Vec<LogEvent> = read(SEED.as_bytes().to_vec()).into_iter().map(Result::unwrap).collect();
        let mut out = Vec::new();
        write_alog_csv(&mut out, &events, TOKYO).unwrap();
        let again: Vec<LogEvent> = read(out).into_iter().map(Result::unwrap).collect();
        for (a, b) in events.iter().zip(&again) {
            assert_eq!(a.event_key(), b.event_key());
        }
    }
}
