//! Kinmu's PC logs: what a PC's logon, logoff, lock and start-up look like once read
//! ([`LogEvent`]), and the formats they are read from — ALog CSV, Windows event logs (EVTX) and
//! JSON lines — as streaming readers that report every line they cannot read. Pure: no
//! database, no clock. The attendance engine computes from these events; effort tracking's
//! comparison with PC activity and the desktop's own session capture will use them too. The
//! server's side (import, the watched inbox, the events table) is `kinmu::pc_logs`.
#![warn(missing_docs)]

pub mod generator;
pub mod import;
pub mod log_event;

pub use import::format::{LogFormat, detect_format, read_events};
pub use import::{EventStream, ImportError, ImportResult};
pub use log_event::{Detail, DetailLookup, EventKey, LogEvent, SourcePosition, detail_fields};
