//! Windows event logs (`.evtx`): the records that mark presence become events, the rest are
//! skipped without error.
//!
//! | Event ID | operation | user |
//! |---|---|---|
//! | 4624 (logon) | `LOGON` | `TargetDomainName\TargetUserName` |
//! | 4634 (logoff), 4647 (user-initiated logoff) | `LOGOFF` | same |
//! | 4800 (workstation locked) | `LOCK` | same |
//! | 4801 (workstation unlocked) | `UNLOCK` | same |
//! | 4608 (Windows starting up), 6005 (event log started) | `STARTUP` | `SYSTEM` |
//! | 4609 (Windows shutting down), 6006 (event log stopped), 1074 (shutdown initiated) | `SHUTDOWN` | `SYSTEM` or the initiating user |
//!
//! The host is the record's `Computer`; the target is the `WorkstationName` (or `IpAddress`)
//! when logged. The detail keeps `EventID`, `LogonType`, `LogonId`, `IpAddress`,
//! `WorkstationName`, `LogonProcessName`, `AuthenticationPackageName` when present, and
//! `ClientName` (the workstation name) so that the default terminal key works. The event
//! time is the record's UTC time; the position is the event record id.
//!
//! Reading is chunk by chunk (64 KiB each): memory stays constant. A file cut short yields
//! the records of its whole chunks, then the whole records of the chunk it was cut in, then an
//! error saying so.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use evtx::{EvtxChunkData, EvtxParser, IntoIterChunks, ParserSettings};
use serde_json::Value;

use super::{ImportError, ImportResult};
use crate::log_event::{Detail, LogEvent, SourcePosition};

const HEADER_BLOCK: u64 = 4096;
const CHUNK: u64 = 65536;

/// Streaming reader of an EVTX file.
pub struct EvtxReader<R: Read + Seek> {
    chunks: Option<IntoIterChunks<R>>,
    settings: Arc<ParserSettings>,
    file: Arc<str>,
    pending: std::vec::IntoIter<ImportResult>,
    chunk_number: u64,
    /// An error to yield once the chunks are read (the file was cut short).
    trailing_error: Option<ImportError>,
    /// An error to yield at once (the file could not be opened).
    opening_error: Option<ImportError>,
    /// The bytes of the chunk the file was cut in, read after the whole chunks.
    partial_chunk: Option<Vec<u8>>,
}

/// The size of a chunk's header: a partial chunk shorter than this holds no record.
const CHUNK_HEADER: u64 = 512;

impl<R: Read + Seek> EvtxReader<R> {
    /// Reads `input` (named `file` in events and errors). A file that is not EVTX yields a
    /// single error.
    pub fn new(mut input: R, file: &str) -> Self {
        // Chunks are parsed one at a time here; the parser's thread setting is left alone (setting it
        // without the crate's multithreading logs a warning on every file).
        let settings = Arc::new(ParserSettings::new());
        let mut reader = Self {
            chunks: None,
            settings: settings.clone(),
            file: Arc::from(file),
            pending: Vec::new().into_iter(),
            chunk_number: 0,
            trailing_error: None,
            opening_error: None,
            partial_chunk: None,
        };
        let len = input.seek(SeekFrom::End(0)).and_then(|len| input.seek(SeekFrom::Start(0)).map(|_| len));
        let len = match len {
            Ok(len) => len,
            Err(e) => {
                reader.opening_error = Some(ImportError::new(file, 0, format!("cannot read the file: {e}")));
                return reader;
            }
        };
        let whole = len.saturating_sub(HEADER_BLOCK) / CHUNK;
        let rest = len.saturating_sub(HEADER_BLOCK) % CHUNK;
        if rest >= CHUNK_HEADER {
            // Kept aside (at most 64 KiB) to read its whole records after the whole chunks.
            let mut tail = Vec::with_capacity(rest as usize);
            let read = input
                .seek(SeekFrom::Start(HEADER_BLOCK + whole * CHUNK))
                .and_then(|_| input.by_ref().take(rest).read_to_end(&mut tail))
                .and_then(|_| input.seek(SeekFrom::Start(0)));
            if read.is_ok() {
                reader.partial_chunk = Some(tail);
            }
        }
        match EvtxParser::from_read_seek(input) {
            Ok(parser) => {
                let header_chunks = u64::from(parser.header().chunk_count);
                if rest != 0 || whole < header_chunks {
                    let partial = if reader.partial_chunk.is_some() {
                        format!("the whole records of the partial chunk ({rest} bytes) were read, the record it was cut in is lost")
                    } else {
                        format!("{rest} byte(s) of a partial chunk not read")
                    };
                    reader.trailing_error = Some(ImportError::new(
                        file,
                        whole + 1,
                        format!("the file is cut short: {whole} whole chunk(s) of {header_chunks} announced; {partial}"),
                    ));
                }
                reader.chunks = Some(parser.with_configuration((*settings).clone()).into_chunks());
            }
            Err(e) => reader.opening_error = Some(ImportError::new(file, 0, format!("not an EVTX file: {e}"))),
        }
        reader
    }

    /// Reads the next chunk into `pending` (the partial one last); false when there is none.
    fn read_chunk(&mut self) -> bool {
        let chunk = match self.chunks.as_mut().and_then(Iterator::next) {
            Some(chunk) => chunk.map_err(|e| e.to_string()),
            None => {
                self.chunks = None;
                let Some(tail) = self.partial_chunk.take() else { return false };
                // The records that end before the cut parse; the one cut reads as the end.
                EvtxChunkData::new(tail, false).map_err(|e| e.to_string())
            }
        };
        self.chunk_number += 1;
        let mut out = Vec::new();
        match chunk {
            Err(e) => out.push(Err(ImportError::new(&self.file, self.chunk_number, format!("unreadable chunk: {e}")))),
            Ok(mut data) => match data.parse(self.settings.clone()) {
                Err(e) => out.push(Err(ImportError::new(&self.file, self.chunk_number, format!("unreadable chunk: {e}")))),
                Ok(mut chunk) => {
                    for record in chunk.iter() {
                        let result = record.and_then(|r| r.into_json_value());
                        match result {
                            Err(e) => out.push(Err(ImportError::new(&self.file, self.chunk_number, format!("unreadable record: {e}")))),
                            Ok(r) => {
                                if let Some(ev) = event_of(&r.data, r.event_record_id, &self.file) {
                                    out.push(ev);
                                }
                            }
                        }
                    }
                }
            },
        }
        self.pending = out.into_iter();
        true
    }
}

impl<R: Read + Seek> Iterator for EvtxReader<R> {
    type Item = ImportResult;

    fn next(&mut self) -> Option<ImportResult> {
        if let Some(e) = self.opening_error.take() {
            return Some(Err(e));
        }
        loop {
            if let Some(item) = self.pending.next() {
                return Some(item);
            }
            if !self.read_chunk() {
                return self.trailing_error.take().map(Err);
            }
        }
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(m) => m.get("#text").and_then(text),
        _ => None,
    }
}

/// The event of one record rendered as JSON, or `None` when the record is not of interest.
fn event_of(data: &Value, record_id: u64, file: &Arc<str>) -> Option<ImportResult> {
    let event = data.get("Event")?;
    let system = event.get("System")?;
    let id: u32 = system.get("EventID").and_then(text)?.trim().parse().ok()?;
    let operation = match id {
        4624 => "LOGON",
        4634 | 4647 => "LOGOFF",
        4800 => "LOCK",
        4801 => "UNLOCK",
        4608 | 6005 => "STARTUP",
        4609 | 6006 | 1074 => "SHUTDOWN",
        _ => return None,
    };
    let error = |reason: String| Some(Err(ImportError::new(file, record_id, reason)));
    let time = system.get("TimeCreated").and_then(|t| t.get("#attributes")).and_then(|a| a.get("SystemTime")).and_then(Value::as_str);
    let Some(time) = time else { return error(format!("event {id} has no TimeCreated/SystemTime")) };
    let time = match DateTime::parse_from_rfc3339(time.trim()) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => return error(format!("event {id}: unreadable SystemTime `{time}`: {e}")),
    };
    let host = system.get("Computer").and_then(text).unwrap_or_default();
    let data = event.get("EventData").or_else(|| event.get("UserData")).cloned().unwrap_or(Value::Null);
    let field = |name: &str| -> Option<String> {
        let v = data.get(name).or_else(|| data.as_object()?.values().find_map(|inner| inner.get(name)))?;
        text(v).map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && s != "-")
    };
    let user = match (field("TargetUserName").or_else(|| field("param7")), field("TargetDomainName")) {
        (Some(u), Some(d)) => format!("{d}\\{u}"),
        (Some(u), None) => u,
        (None, _) => match (field("SubjectUserName"), field("SubjectDomainName")) {
            (Some(u), Some(d)) if operation == "SHUTDOWN" || operation == "STARTUP" => format!("{d}\\{u}"),
            _ => "SYSTEM".to_string(),
        },
    };
    let mut detail = Detail::new();
    detail.push("EventID", id.to_string());
    for (key, name) in [
        ("LogonType", "LogonType"),
        ("LogonId", "TargetLogonId"),
        ("IpAddress", "IpAddress"),
        ("WorkstationName", "WorkstationName"),
        ("LogonProcessName", "LogonProcessName"),
        ("AuthenticationPackageName", "AuthenticationPackageName"),
    ] {
        if let Some(v) = field(name) {
            detail.push(key, v);
        }
    }
    let workstation = field("WorkstationName");
    if let Some(w) = &workstation {
        detail.push("ClientName", w.clone());
    }
    let target = workstation.or_else(|| field("IpAddress")).unwrap_or_default();
    Some(Ok(LogEvent {
        time,
        user,
        host,
        target,
        operation: operation.to_string(),
        detail,
        source: SourcePosition { file: file.clone(), position: record_id },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real_log() -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/evtx/DE_RDP_Tunneling_4624.evtx");
        std::fs::read(path).expect("the shared test data (../shared/data/evtx)")
    }

    fn read(bytes: Vec<u8>) -> Vec<ImportResult> {
        EvtxReader::new(std::io::Cursor::new(bytes), "cut.evtx").collect()
    }

    #[test]
    fn a_file_cut_short_keeps_the_records_before_the_cut() {
        let whole = real_log();
        let all: Vec<LogEvent> = read(whole.clone()).into_iter().map(Result::unwrap).collect();
        assert!(all.len() >= 10, "{}", all.len());
        // Cut the file's only chunk halfway through its records (they end at the chunk's free
        // space offset, bytes 48–51 of its header).
        let chunk = HEADER_BLOCK as usize;
        let records_end = u32::from_le_bytes(whole[chunk + 48..chunk + 52].try_into().unwrap()) as usize;
        let cut_at = chunk + records_end / 2;
        let results = read(whole[..cut_at].to_vec());
        let (events, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        let events: Vec<LogEvent> = events.into_iter().map(Result::unwrap).collect();
        assert!(!events.is_empty() && events.len() < all.len(), "{} of {}", events.len(), all.len());
        for (cut, full) in events.iter().zip(&all) {
            assert_eq!(cut.event_key(), full.event_key(), "the records before the cut are the file's own");
        }
        // The record the cut went through, and the file's end: said, not silently dropped.
        assert!(!errors.is_empty() && errors.len() <= 2, "{errors:?}");
        assert!(errors.last().unwrap().as_ref().unwrap_err().reason.contains("cut short"), "{errors:?}");
        // Cut inside the chunk's header: nothing of it can be read, and that is said.
        let results = read(whole[..HEADER_BLOCK as usize + 100].to_vec());
        assert_eq!(results.len(), 1);
        assert!(results[0].as_ref().unwrap_err().reason.contains("cut short"));
    }
}
