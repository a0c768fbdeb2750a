//! JSON lines: one object per line with `time`, `user`, `host` (or `server`), `operation`,
//! optional `target`, optional `detail` (a `Key:Value` string or an object); every other field
//! goes into the detail, in the line's order.
//!
//! ```text
//! {"time":"2024-04-01T08:51:00+09:00","user":"OSAKA\\a-mogami","host":"DC01","operation":"LOGON","LogonType":"Script"}
//! ```

use std::io::Read;
use std::sync::Arc;

use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::lines::{TextEncoding, TextLines};
use super::timestamp::parse_timestamp;
use super::{ImportError, ImportResult, check_field_lengths};
use crate::log_event::{Detail, LogEvent, SourcePosition};

/// Streaming reader of JSON lines (UTF-8, as JSON is).
pub struct JsonLinesReader {
    lines: TextLines,
    file: Arc<str>,
    tz: Tz,
    line: u64,
}

impl JsonLinesReader {
    /// Reads `input` (named `file` in events and errors), naive times in `tz`.
    pub fn new(input: impl Read + 'static, file: &str, tz: Tz) -> Self {
        Self { lines: TextLines::new(input, TextEncoding::Utf8), file: Arc::from(file), tz, line: 0 }
    }

    fn error(&self, reason: impl Into<String>) -> ImportError {
        ImportError::new(&self.file, self.line, reason)
    }

    fn event(&self, text: &str) -> ImportResult {
        let object: Map<String, Value> = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(self.error("not a JSON object")),
            Err(e) => return Err(self.error(format!("invalid JSON: {e}"))),
        };
        let text_of = |v: &Value| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let mut time = None;
        let mut user = None;
        let mut host = String::new();
        let mut target = String::new();
        let mut operation = None;
        let mut detail = Detail::new();
        for (key, value) in &object {
            match key.as_str() {
                "time" | "timestamp" => time = Some(value),
                "user" => user = Some(text_of(value)),
                "host" | "server" => host = text_of(value),
                "target" | "terminal" => target = text_of(value),
                "operation" => operation = Some(text_of(value)),
                "detail" => match value {
                    Value::String(s) => detail.0.extend(Detail::parse(s).0),
                    Value::Object(m) => detail.0.extend(m.iter().map(|(k, v)| (k.clone(), text_of(v)))),
                    Value::Null => {}
                    other => detail.push("detail", other.to_string()),
                },
                _ => detail.push(key.clone(), text_of(value)),
            }
        }
        let time = match time {
            Some(Value::String(s)) => parse_timestamp(s, self.tz).map_err(|e| self.error(e))?,
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                .ok_or_else(|| self.error(format!("`{n}` is not a Unix time in seconds")))?,
            Some(_) => return Err(self.error("`time` must be a string or Unix seconds")),
            None => return Err(self.error("no `time` field")),
        };
        let user = user.filter(|u| !u.trim().is_empty()).ok_or_else(|| self.error("no `user` field"))?;
        let operation = operation.filter(|o| !o.trim().is_empty()).ok_or_else(|| self.error("no `operation` field"))?;
        let event = LogEvent {
            time,
            user: user.trim().to_string(),
            host,
            target,
            operation: operation.trim().to_string(),
            detail,
            source: SourcePosition { file: self.file.clone(), position: self.line },
        };
        check_field_lengths(&event).map_err(|reason| self.error(reason))?;
        Ok(event)
    }
}

impl Iterator for JsonLinesReader {
    type Item = ImportResult;

    fn next(&mut self) -> Option<ImportResult> {
        loop {
            let (line, text) = self.lines.next_line()?;
            self.line = line;
            match text {
                Ok(text) => {
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    return Some(self.event(text));
                }
                Err(reason) => return Some(Err(self.error(reason))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_and_keeps_the_rest_in_the_detail() {
        let text = r#"{"time":"2024-04-01T08:51:00+09:00","user":"OSAKA\\a-mogami","host":"DC01","operation":"LOGON","LogonType":"Script","Count":1}

{"time":"2024/04/01 18:12:00","user":"OSAKA\\a-mogami","server":"DC01","target":"PC1","operation":"LOGOFF","detail":"LogonType:Script ClientName: PC1"}
not json
{"time":"soon","user":"u","operation":"LOGON"}
{"user":"u","operation":"LOGON"}
[1,2]
{"time":1711929060,"user":"u","operation":"LOGON","detail":{"LogonType":"Script"}}
"#;
        let r: Vec<ImportResult> =
            JsonLinesReader::new(std::io::Cursor::new(text.as_bytes().to_vec()), "a.jsonl", chrono_tz::Asia::Tokyo).collect();
        assert_eq!(r.len(), 7);
        let a = r[0].as_ref().unwrap();
        assert_eq!(a.user, "OSAKA\\a-mogami");
        assert_eq!(a.detail.to_string(), "LogonType:Script Count:1");
        let b = r[1].as_ref().unwrap();
        assert_eq!((b.host.as_str(), b.target.as_str(), b.source.position), ("DC01", "PC1", 3));
        assert_eq!(b.detail.get("ClientName"), Some("PC1"));
        assert_eq!(b.time.to_rfc3339(), "2024-04-01T09:12:00+00:00");
        assert_eq!(r[2].as_ref().unwrap_err().position, 4);
        assert!(r[3].as_ref().unwrap_err().reason.contains("`soon`"));
        assert!(r[4].as_ref().unwrap_err().reason.contains("no `time`"));
        assert!(r[5].as_ref().unwrap_err().reason.contains("not a JSON object"));
        assert_eq!(r[6].as_ref().unwrap().detail.get("LogonType"), Some("Script"));
    }
}
