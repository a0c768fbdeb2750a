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
//! the records of its whole chunks and then an error.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use evtx::{EvtxParser, IntoIterChunks, ParserSettings};
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
}

impl<R: Read + Seek> EvtxReader<R> {
    /// Reads `input` (named `file` in events and errors). A file that is not EVTX yields a
    /// single error.
    pub fn new(mut input: R, file: &str) -> Self {
        let settings = Arc::new(ParserSettings::new().num_threads(1));
        let mut reader = Self {
            chunks: None,
            settings: settings.clone(),
            file: Arc::from(file),
            pending: Vec::new().into_iter(),
            chunk_number: 0,
            trailing_error: None,
            opening_error: None,
        };
        let len = input.seek(SeekFrom::End(0)).and_then(|len| input.seek(SeekFrom::Start(0)).map(|_| len));
        let len = match len {
            Ok(len) => len,
            Err(e) => {
                reader.opening_error = Some(ImportError::new(file, 0, format!("cannot read the file: {e}")));
                return reader;
            }
        };
        match EvtxParser::from_read_seek(input) {
            Ok(parser) => {
                let header_chunks = u64::from(parser.header().chunk_count);
                let whole = len.saturating_sub(HEADER_BLOCK) / CHUNK;
                let rest = len.saturating_sub(HEADER_BLOCK) % CHUNK;
                if rest != 0 || whole < header_chunks {
                    reader.trailing_error = Some(ImportError::new(
                        file,
                        whole,
                        format!(
                            "the file is cut short: {whole} whole chunk(s) of {header_chunks} announced, \
                             {rest} byte(s) of a partial chunk not read"
                        ),
                    ));
                }
                reader.chunks = Some(parser.with_configuration((*settings).clone()).into_chunks());
            }
            Err(e) => reader.opening_error = Some(ImportError::new(file, 0, format!("not an EVTX file: {e}"))),
        }
        reader
    }

    /// Reads the next chunk into `pending`; false when there is none.
    fn read_chunk(&mut self) -> bool {
        let Some(chunks) = self.chunks.as_mut() else { return false };
        let Some(chunk) = chunks.next() else {
            self.chunks = None;
            return false;
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
    let time = system
        .get("TimeCreated")
        .and_then(|t| t.get("#attributes"))
        .and_then(|a| a.get("SystemTime"))
        .and_then(Value::as_str);
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
