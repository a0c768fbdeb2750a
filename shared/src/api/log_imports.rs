//! Access-log imports: the upload of a log file from the browser, what an import found, and the
//! history of every import (upload, command line, inbox).

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// Where an imported file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportSource {
    /// Uploaded from the import page.
    Upload,
    /// `kinmu import` on the server.
    Command,
    /// The watched inbox folder.
    Inbox,
}

impl ImportSource {
    pub fn key(self) -> &'static str {
        match self {
            ImportSource::Upload => "upload",
            ImportSource::Command => "command",
            ImportSource::Inbox => "inbox",
        }
    }

    pub fn from_key(key: &str) -> Option<ImportSource> {
        [ImportSource::Upload, ImportSource::Command, ImportSource::Inbox].into_iter().find(|s| s.key() == key)
    }
}

/// The query of an upload (`POST /attendance/imports`, the file's bytes as the body).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LogUploadQuery {
    /// The file's name, as the user chose it (recorded in the history).
    pub name: String,
    /// `alog-csv`, `evtx` or `jsonl`; detected from the file's first bytes when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Store the events older than the retention of raw events too (they are kept out otherwise,
    /// since the next task run would delete them).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keep_older: bool,
}

/// A line that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RejectedLine {
    /// The line (CSV, JSON lines) or record (EVTX) number, from 1.
    pub position: u64,
    pub reason: String,
}

/// One import: its file and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogImport {
    pub id: i64,
    /// The file's name (its path on the server for the command line and the inbox).
    pub file: String,
    /// `alog-csv`, `evtx` or `jsonl`.
    pub format: String,
    pub source: ImportSource,
    /// The login of whoever uploaded it (none from the command line or the inbox).
    pub imported_by: Option<String>,
    pub size_bytes: i64,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Events read from the file.
    pub read: i64,
    /// Events stored by this import.
    pub imported: i64,
    /// Events that were stored already.
    pub duplicates: i64,
    /// Lines that could not be read.
    pub rejected: i64,
    /// Events older than the retention of raw events.
    pub older_than_retention: i64,
    /// Whether those were stored anyway (else they were left out).
    pub older_kept: bool,
    /// `importing`, `done` or `failed`.
    pub status: String,
    /// Why it failed, when it did.
    pub message: Option<String>,
    /// The first rejected lines (only in the answer to an upload).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_rejects: Vec<RejectedLine>,
}

/// The history of imports, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogImportList {
    pub imports: Vec<LogImport>,
    /// How many imports there are in all.
    pub total: i64,
    /// The retention of raw events in days (0: for ever), for the page to say.
    pub retention_days: u32,
}

/// The history's query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct LogImportQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}
