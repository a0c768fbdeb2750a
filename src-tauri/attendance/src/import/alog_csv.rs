//! The ALog access-log CSV (manual 8.1.3.3.1): columns time, user, server, target, operation,
//! detail; with or without a header line; UTF-8 (with or without BOM) or Shift_JIS, detected
//! from the first 64 KiB unless forced.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use chrono_tz::Tz;
use encoding_rs::{CoderResult, Decoder, Encoding, SHIFT_JIS, UTF_8};

use super::timestamp::parse_timestamp;
use super::{ImportError, ImportResult};
use crate::log_event::{Detail, LogEvent, SourcePosition, single_spaced};

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// UTF-8 if the first 64 KiB are valid UTF-8 (or start with a BOM), else Shift_JIS.
    #[default]
    Detect,
    /// UTF-8.
    Utf8,
    /// Shift_JIS (Windows-31J).
    ShiftJis,
}

const DETECT_BYTES: usize = 64 * 1024;

/// A `Read` that turns the bytes of `R` in some encoding into UTF-8, chunk by chunk.
struct Utf8Reader<R: BufRead> {
    inner: R,
    decoder: Decoder,
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl<R: BufRead> Utf8Reader<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Self { inner, decoder: encoding.new_decoder_with_bom_removal(), out: Vec::new(), out_pos: 0, done: false }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.done {
            let input = self.inner.fill_buf()?;
            let last = input.is_empty();
            self.out.resize(input.len() * 3 + 16, 0);
            let (result, read, written, _) = self.decoder.decode_to_utf8(input, &mut self.out, last);
            debug_assert!(matches!(result, CoderResult::InputEmpty) || written > 0);
            self.out.truncate(written);
            self.inner.consume(read);
            if last {
                self.done = true;
            }
        }
        Ok(())
    }
}

impl<R: BufRead> Read for Utf8Reader<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.refill()?;
        }
        let n = dst.len().min(self.out.len() - self.out_pos);
        dst[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

fn detect_encoding(head: &[u8]) -> &'static Encoding {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return UTF_8;
    }
    match std::str::from_utf8(head) {
        Ok(_) => UTF_8,
        // A multi-byte character cut at the end of the sample is still UTF-8.
        Err(e) if e.error_len().is_none() && head.len() - e.valid_up_to() < 4 => UTF_8,
        Err(_) => SHIFT_JIS,
    }
}

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

/// Streaming reader of an ALog access-log CSV.
pub struct AlogCsvReader {
    text: BufReader<Utf8Reader<BufReader<Box<dyn Read>>>>,
    file: Arc<str>,
    tz: Tz,
    columns: Option<Columns>,
    /// Lines read so far.
    line: u64,
    raw: String,
    finished: bool,
}

/// A quoted field may hold line breaks, but not more than this many bytes in one record.
const MAX_RECORD_BYTES: usize = 1 << 20;

impl AlogCsvReader {
    /// Reads `input` (named `file` in events and errors), naive times in `tz`.
    pub fn new(input: impl Read + 'static, file: &str, tz: Tz, encoding: TextEncoding) -> io::Result<Self> {
        let input: Box<dyn Read> = Box::new(input);
        let mut buffered = BufReader::with_capacity(DETECT_BYTES, input);
        let encoding = match encoding {
            TextEncoding::Utf8 => UTF_8,
            TextEncoding::ShiftJis => SHIFT_JIS,
            TextEncoding::Detect => detect_encoding(buffered.fill_buf()?),
        };
        let text = BufReader::with_capacity(DETECT_BYTES, Utf8Reader::new(buffered, encoding));
        Ok(Self { text, file: Arc::from(file), tz, columns: None, line: 0, raw: String::new(), finished: false })
    }

    fn error(&self, position: u64, reason: impl Into<String>) -> ImportError {
        ImportError::new(&self.file, position, reason)
    }

    /// Reads the next record's text (several lines when a quoted field holds line breaks).
    /// Returns its first line number, or `None` at the end.
    fn read_record(&mut self) -> Option<Result<u64, ImportError>> {
        self.raw.clear();
        let first = self.line + 1;
        loop {
            match self.text.read_line(&mut self.raw) {
                Ok(0) => {
                    self.finished = true;
                    return if self.raw.is_empty() {
                        None
                    } else {
                        Some(Err(self.error(first, "a quoted field is not closed before the end of the file")))
                    };
                }
                Ok(_) => {
                    self.line += 1;
                    if self.raw.bytes().filter(|b| *b == b'"').count() % 2 == 0 {
                        return Some(Ok(first));
                    }
                    if self.raw.len() > MAX_RECORD_BYTES {
                        self.raw.clear();
                        return Some(Err(self.error(first, "a quoted field is not closed (record longer than 1 MiB)")));
                    }
                }
                Err(e) => {
                    self.finished = true;
                    return Some(Err(self.error(self.line + 1, format!("read error: {e}"))));
                }
            }
        }
    }
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
            if self.finished {
                return None;
            }
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
        Ok(LogEvent {
            time,
            user: user.to_string(),
            host: field(c.server).to_string(),
            target: single_spaced(field(c.target)),
            operation: operation.to_string(),
            detail: Detail::parse(field(c.detail)),
            source: SourcePosition { file: self.file.clone(), position: line },
        })
    }
}

/// Writes events as an ALog CSV (UTF-8, with a header line), e.g. for the benchmark and tests.
pub fn write_alog_csv<'a, W: io::Write>(
    out: W,
    events: impl IntoIterator<Item = &'a LogEvent>,
    tz: Tz,
) -> io::Result<()> {
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
