//! One access-log line as the engine sees it, whatever file it came from.
//!
//! The seed's access log (ALog, manual 8.1.3.3.1) has the columns time, user, server, target,
//! operation and detail; the detail holds `Key:Value` pairs such as
//! `ClientIP:169.254.123.159 ClientName: CLPC001 Count:1 LogonType:Script` (note the space after
//! some colons). [`LogEvent`] keeps all of them, plus where the line came from.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an event was read: the file's name and the line (text formats) or record number (EVTX).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourcePosition {
    /// The name the importer was given for the file (shared by all events of one file).
    pub file: Arc<str>,
    /// 1-based line number for CSV/JSON lines, the event record id for EVTX.
    pub position: u64,
}

/// One access-log event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    /// The instant of the event (UTC).
    pub time: DateTime<Utc>,
    /// The user exactly as logged, e.g. `Domain\Kawasaki`.
    pub user: String,
    /// The host (server) that recorded the event, e.g. `DC001`.
    pub host: String,
    /// The target column of the access log (often the client terminal, e.g. `CLPC001 [169.254.123.159]`); may be empty.
    pub target: String,
    /// The operation, e.g. `LOGON`, `LOGOFF`, `LOCK`, `UNLOCK`, `STARTUP`, `SHUTDOWN`.
    pub operation: String,
    /// The detail fields, in their logged order.
    pub detail: Detail,
    /// Where the event was read.
    pub source: SourcePosition,
}

impl LogEvent {
    /// The stable identity of this event (time, user, host, target, operation, detail), so that
    /// importing the same file twice stores each event once. The source position is not part of it.
    pub fn event_key(&self) -> EventKey {
        EventKey {
            time_micros: self.time.timestamp_micros(),
            user: self.user.clone(),
            host: self.host.clone(),
            target: self.target.clone(),
            operation: self.operation.clone(),
            detail: self.detail.to_string(),
        }
    }

    /// The value of a detail field (exact key, then ASCII case-insensitive).
    pub fn detail_value(&self, key: &str) -> Option<&str> {
        self.detail.get(key)
    }
}

/// The identity of an event for idempotent imports; see [`LogEvent::event_key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventKey {
    /// Microseconds since the Unix epoch (UTC).
    pub time_micros: i64,
    /// The user as logged.
    pub user: String,
    /// The host as logged.
    pub host: String,
    /// The target as logged.
    pub target: String,
    /// The operation as logged.
    pub operation: String,
    /// The detail in its canonical text form (`Key:Value` joined by spaces).
    pub detail: String,
}

impl EventKey {
    /// A stable 64-bit FNV-1a hash of the key's fields (the same on every platform and release),
    /// suitable for a unique index column.
    pub fn hash64(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for b in bytes {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            // Field separator that cannot appear in UTF-8 text.
            h ^= 0xff;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        feed(&self.time_micros.to_le_bytes());
        feed(self.user.as_bytes());
        feed(self.host.as_bytes());
        feed(self.target.as_bytes());
        feed(self.operation.as_bytes());
        feed(self.detail.as_bytes());
        h
    }

    /// [`Self::hash64`] as 16 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        format!("{:016x}", self.hash64())
    }
}

/// The detail fields of an event: ordered `key → value` pairs.
///
/// Text that precedes any `Key:` is kept under the empty key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Detail(pub Vec<(String, String)>);

impl Detail {
    /// An empty detail.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Parses a detail string of `Key:Value` pairs separated by white space (spaces, tabs or
    /// line breaks), allowing white space after the colon (`ClientName: CLPC001`). A key starts
    /// with a letter and holds letters, digits, `_`, `-` or `.`. A word that is not `Key:Value`
    /// continues the previous value (so values may contain spaces); the value's remaining colons
    /// stay in it (`ClientIP:fe80::1`).
    pub fn parse(text: &str) -> Self {
        let mut pairs: Vec<(String, String)> = Vec::new();
        // Whether the last key is still waiting for its value (it had a space after the colon).
        let mut awaiting_value = false;
        for word in text.split_whitespace() {
            if let Some((key, value)) = split_key_value(word) {
                if !(awaiting_value && looks_like_value_not_key(key, value)) {
                    pairs.push((key.to_string(), value.to_string()));
                    awaiting_value = value.is_empty();
                    continue;
                }
            }
            match pairs.last_mut() {
                Some((_, v)) if awaiting_value || !v.is_empty() => {
                    if !v.is_empty() {
                        v.push(' ');
                    }
                    v.push_str(word);
                }
                Some(_) | None => pairs.push((String::new(), word.to_string())),
            }
            awaiting_value = false;
        }
        Self(pairs)
    }

    /// The value of `key`: the first exact match, else the first ASCII case-insensitive match.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .or_else(|| self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v.as_str())
    }

    /// Appends a field.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.push((key.into(), value.into()));
    }

    /// Whether there is no field.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// `Key:Value` split of one word, if it has that shape.
fn split_key_value(word: &str) -> Option<(&str, &str)> {
    let colon = word.find(':')?;
    let key = &word[..colon];
    let mut chars = key.chars();
    let first = chars.next()?;
    if !first.is_alphabetic() {
        return None;
    }
    if !chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        return None;
    }
    Some((key, &word[colon + 1..]))
}

/// After `Key: ` a following word like `C:\path` or `12:30` is a value, not a key: only a
/// word that is a plausible key with a non-empty value... is still taken as the next pair.
/// We treat single-letter keys (drive letters) as values.
fn looks_like_value_not_key(key: &str, value: &str) -> bool {
    key.len() == 1 && (value.starts_with('\\') || value.starts_with('/'))
}

impl fmt::Display for Detail {
    /// The canonical text form: `Key:Value` pairs joined by single spaces (unnamed text alone).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if k.is_empty() {
                f.write_str(v)?;
            } else {
                write!(f, "{k}:{v}")?;
            }
        }
        Ok(())
    }
}

impl FromIterator<(String, String)> for Detail {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_detail_with_spaces_after_colons() {
        let d = Detail::parse("ClientIP:169.254.123.159\nClientName: CLPC001\nCount:1 LogonType:Script");
        assert_eq!(
            d.0,
            vec![
                ("ClientIP".into(), "169.254.123.159".into()),
                ("ClientName".into(), "CLPC001".into()),
                ("Count".into(), "1".into()),
                ("LogonType".into(), "Script".into()),
            ]
        );
        assert_eq!(d.get("logontype"), Some("Script"));
        assert_eq!(d.to_string(), "ClientIP:169.254.123.159 ClientName:CLPC001 Count:1 LogonType:Script");
    }

    #[test]
    fn keeps_colons_in_values_and_multi_word_values() {
        let d = Detail::parse("ClientIP:fe80::1 Path: C:\\Program Files\\x Note:hello world");
        assert_eq!(d.get("ClientIP"), Some("fe80::1"));
        assert_eq!(d.get("Path"), Some("C:\\Program Files\\x"));
        assert_eq!(d.get("Note"), Some("hello world"));
    }

    #[test]
    fn text_without_key_is_kept_under_the_empty_key() {
        let d = Detail::parse("free text Count:2");
        assert_eq!(d.get(""), Some("free text"));
        assert_eq!(d.get("Count"), Some("2"));
        assert!(Detail::parse("   ").is_empty());
    }

    #[test]
    fn event_key_ignores_the_source_and_is_stable() {
        let ev = |pos| LogEvent {
            time: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            user: "D\\u".into(),
            host: "H".into(),
            target: String::new(),
            operation: "LOGON".into(),
            detail: Detail::parse("LogonType:Script"),
            source: SourcePosition { file: "a.csv".into(), position: pos },
        };
        assert_eq!(ev(1).event_key(), ev(2).event_key());
        assert_eq!(ev(1).event_key().to_hex(), ev(9).event_key().to_hex());
        assert_eq!(ev(1).event_key().to_hex().len(), 16);
    }
}
