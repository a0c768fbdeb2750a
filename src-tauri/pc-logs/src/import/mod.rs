//! Reading access logs into [`LogEvent`]s: ALog CSV, Windows EVTX, JSON lines.
//!
//! Every reader is a streaming iterator of `Result<LogEvent, ImportError>`: a bad line or
//! record yields an error naming the file and position and the reader goes on with the rest.
//! Memory stays constant whatever the file's size.

pub mod alog_csv;
pub mod evtx;
pub mod format;
pub mod jsonl;
pub mod lines;
pub mod timestamp;

use serde::{Deserialize, Serialize};

use crate::log_event::LogEvent;

/// A line or record that could not be read, or a file that could not be read further.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{file}:{position}: {reason}")]
pub struct ImportError {
    /// The file's name as given to the reader.
    pub file: String,
    /// The 1-based line (text formats) or record/chunk position (EVTX); 0 for the file as a whole.
    pub position: u64,
    /// What is wrong.
    pub reason: String,
}

impl ImportError {
    /// An error at `position` of `file`.
    pub fn new(file: &str, position: u64, reason: impl Into<String>) -> Self {
        Self { file: file.to_string(), position, reason: reason.into() }
    }
}

/// The longest user, host, terminal and operation an event may have, in characters.
pub const MAX_NAME_CHARS: usize = 256;
/// The longest detail an event may have, in characters.
pub const MAX_DETAIL_CHARS: usize = 4096;

/// Refuses an event whose fields are longer than any real log's (a damaged or hostile file):
/// the reason names the field and its limit.
pub fn check_field_lengths(event: &LogEvent) -> Result<(), String> {
    for (name, value) in [("user", &event.user), ("server", &event.host), ("terminal", &event.target), ("operation", &event.operation)] {
        if value.chars().count() > MAX_NAME_CHARS {
            return Err(format!("the {name} is longer than {MAX_NAME_CHARS} characters"));
        }
    }
    if event.detail.to_string().chars().count() > MAX_DETAIL_CHARS {
        return Err(format!("the detail is longer than {MAX_DETAIL_CHARS} characters"));
    }
    Ok(())
}

/// The item every reader yields.
pub type ImportResult = Result<LogEvent, ImportError>;

/// A boxed stream of events, as returned by [`format::read_events`].
pub type EventStream = Box<dyn Iterator<Item = ImportResult>>;
