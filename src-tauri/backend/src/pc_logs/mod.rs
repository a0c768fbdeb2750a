//! PC logs on the server: the import of log files into the events table (command, upload and the
//! watched inbox), each event stored once, with the file's record of what was read and rejected.
//! The formats and the event are the pure crate `kinmu_pc_logs`; attendance (and later effort's
//! comparison with PC activity) reads the stored events.

pub mod event_import;
pub mod events;
pub mod history;
pub mod inbox;

pub use event_import::{
    ImportFileError, ImportOptions, ImportProgress, ImportSource, ImportStatus, ImportSummary, format_name, import_file, import_file_with,
    parse_format, retention_start,
};
