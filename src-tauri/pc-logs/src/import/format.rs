//! Telling the log formats apart, and opening any of them as one [`EventStream`].

use std::io::{Read, Seek, SeekFrom};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::alog_csv::{AlogCsvReader, TextEncoding};
use super::evtx::EvtxReader;
use super::jsonl::JsonLinesReader;
use super::{EventStream, ImportError};

/// A log file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// ALog access-log CSV.
    AlogCsv,
    /// Windows event log.
    Evtx,
    /// JSON lines.
    JsonLines,
}

/// The format of a file that starts with `head`: `ElfFile\0` is EVTX, a first non-blank
/// character `{` is JSON lines, anything else is CSV.
pub fn detect_format(head: &[u8]) -> LogFormat {
    if head.starts_with(b"ElfFile\0") {
        return LogFormat::Evtx;
    }
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(head);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => LogFormat::JsonLines,
        _ => LogFormat::AlogCsv,
    }
}

/// Opens `input` (named `file`) as a stream of events, in the `forced` format or the one
/// detected from its first bytes; naive times are read in `tz`.
pub fn read_events<R: Read + Seek + 'static>(
    mut input: R,
    file: &str,
    forced: Option<LogFormat>,
    tz: Tz,
) -> Result<EventStream, ImportError> {
    let io_error = |e: std::io::Error| ImportError::new(file, 0, format!("cannot read the file: {e}"));
    let format = match forced {
        Some(f) => f,
        None => {
            let mut head = [0u8; 64];
            let mut n = 0;
            while n < head.len() {
                match input.read(&mut head[n..]).map_err(io_error)? {
                    0 => break,
                    k => n += k,
                }
            }
            input.seek(SeekFrom::Start(0)).map_err(io_error)?;
            detect_format(&head[..n])
        }
    };
    Ok(match format {
        LogFormat::AlogCsv => Box::new(AlogCsvReader::new(input, file, tz, TextEncoding::Detect).map_err(io_error)?),
        LogFormat::Evtx => Box::new(EvtxReader::new(input, file)),
        LogFormat::JsonLines => Box::new(JsonLinesReader::new(input, file, tz)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn detects_formats_from_content() {
        assert_eq!(detect_format(b"ElfFile\0rest"), LogFormat::Evtx);
        assert_eq!(detect_format(b"\n  {\"time\":1}"), LogFormat::JsonLines);
        assert_eq!(detect_format(b"\xEF\xBB\xBF{\"time\":1}"), LogFormat::JsonLines);
        assert_eq!(detect_format("時刻,ユーザー".as_bytes()), LogFormat::AlogCsv);
        assert_eq!(detect_format(b""), LogFormat::AlogCsv);
    }

    #[test]
    fn reads_any_format_through_one_function() {
        let tz = chrono_tz::Asia::Tokyo;
        let csv = "2024/04/01 08:51:00,u,DC,T,LOGON,LogonType:Script\n";
        let json = "{\"time\":\"2024/04/01 08:51:00\",\"user\":\"u\",\"host\":\"DC\",\"target\":\"T\",\"operation\":\"LOGON\",\"LogonType\":\"Script\"}\n";
        let a: Vec<_> = read_events(Cursor::new(csv.as_bytes().to_vec()), "a", None, tz).unwrap().collect();
        let b: Vec<_> = read_events(Cursor::new(json.as_bytes().to_vec()), "b", None, tz).unwrap().collect();
        assert_eq!(a[0].as_ref().unwrap().event_key(), b[0].as_ref().unwrap().event_key());
        let forced: Vec<_> = read_events(Cursor::new(json.as_bytes().to_vec()), "c", Some(LogFormat::Evtx), tz).unwrap().collect();
        assert_eq!(forced.len(), 1);
        assert!(forced[0].as_ref().unwrap_err().reason.contains("not an EVTX file"));
    }
}
