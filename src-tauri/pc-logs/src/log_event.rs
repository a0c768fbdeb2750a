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
        Self(detail_fields(text).into_iter().map(|(k, v)| (k.to_string(), single_spaced(v))).collect())
    }

    /// The canonical text form (as `to_string` writes it), built without the formatting machinery:
    /// the importer makes one for each of millions of events.
    pub fn canonical_text(&self) -> String {
        let mut out = String::with_capacity(self.0.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if !k.is_empty() {
                out.push_str(k);
                out.push(':');
            }
            out.push_str(v);
        }
        out
    }

    /// The value of `key`: the first exact match, else the first ASCII case-insensitive match.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.field(key)
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

/// The fields of a detail text as slices of it, read as [`Detail::parse`] reads them (which
/// builds on this): each value is the text from its first word to its last, white space
/// inside a multi-word value as it was written. Reads without copying the text, for the
/// attendance task's millions of stored events.
pub fn detail_fields(text: &str) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    // Whether the last key is still waiting for its value (it had a space after the colon).
    let mut awaiting_value = false;
    let base = text.as_ptr() as usize;
    let offset = |s: &str| s.as_ptr() as usize - base;
    for word in text.split_whitespace() {
        if let Some((key, value)) = split_key_value(word) {
            if !(awaiting_value && looks_like_value_not_key(key, value)) {
                pairs.push((key, value));
                awaiting_value = value.is_empty();
                continue;
            }
        }
        match pairs.last_mut() {
            Some((_, v)) if awaiting_value || !v.is_empty() => {
                // The value runs on to the end of this word.
                let from = if v.is_empty() { offset(word) } else { offset(v) };
                *v = &text[from..offset(word) + word.len()];
            }
            Some(_) | None => pairs.push(("", word)),
        }
        awaiting_value = false;
    }
    pairs
}

/// The words of `value` joined by single spaces (ASCII text already so is copied as it is).
pub(crate) fn single_spaced(value: &str) -> String {
    if value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && !value.starts_with(' ') && !value.ends_with(' ') && !value.contains("  ")
    {
        return value.to_string();
    }
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finding a detail field by key: the first exact match, else the first ASCII
/// case-insensitive one. Implemented by [`Detail`] and by the borrowed fields of
/// [`detail_fields`], so that a rule matches the same way on both.
pub trait DetailLookup {
    /// The fields in order.
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)>;

    /// The value of `key`.
    fn field(&self, key: &str) -> Option<&str> {
        self.pairs().find(|(k, _)| *k == key).or_else(|| self.pairs().find(|(k, _)| k.eq_ignore_ascii_case(key))).map(|(_, v)| v)
    }
}

impl DetailLookup for Detail {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl DetailLookup for [(&str, &str)] {
    fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.iter().copied()
    }
}

/// Whether two values are the same words, ASCII case-insensitively (a value read in place
/// keeps the white space it was written with).
pub fn same_words_ignore_ascii_case(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let mut x = a.split_whitespace();
    let mut y = b.split_whitespace();
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p.eq_ignore_ascii_case(q) => {}
            _ => return false,
        }
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
        assert_eq!(d.canonical_text(), d.to_string());
        let words = Detail::parse("free text Path: C:\\My  Files\\a.txt\tUser:山田\u{3000}太郎 Empty:");
        assert_eq!(words.canonical_text(), words.to_string());
    }

    #[test]
    fn keeps_colons_in_values_and_multi_word_values() {
        let d = Detail::parse("ClientIP:fe80::1 Path: C:\\Program Files\\x Note:hello world");
        assert_eq!(d.get("ClientIP"), Some("fe80::1"));
        assert_eq!(d.get("Path"), Some("C:\\Program Files\\x"));
        assert_eq!(d.get("Note"), Some("hello world"));
    }

    #[test]
    fn fields_read_in_place_agree_with_the_parsed_detail() {
        let texts = [
            "ClientIP:169.254.123.159\nClientName: CLPC001\nCount:1 LogonType:Script",
            "ClientIP:fe80::1 Path: C:\\Program   Files\\x Note:hello  world",
            "free text Count:2",
            "   ",
            "A: B: c:\\x",
        ];
        for text in texts {
            let parsed = Detail::parse(text);
            let fields = detail_fields(text);
            assert_eq!(fields.len(), parsed.0.len(), "{text}");
            for ((k, v), (pk, pv)) in fields.iter().zip(&parsed.0) {
                assert_eq!(k, pk, "{text}");
                assert!(same_words_ignore_ascii_case(v, pv), "{text}: {v:?} vs {pv:?}");
            }
            for key in ["ClientName", "clientname", "Path", "Note", "", "Count", "a"] {
                assert_eq!(
                    fields.as_slice().field(key).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")),
                    parsed.get(key).map(String::from),
                    "{text} {key}"
                );
            }
        }
        assert_eq!(detail_fields("Path: C:\\Program   Files\\x")[0].1, "C:\\Program   Files\\x");
        assert!(same_words_ignore_ascii_case("hello  World", "HELLO world"));
        assert!(!same_words_ignore_ascii_case("hello", "hello world"));
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
