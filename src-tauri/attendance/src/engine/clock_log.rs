//! An event reduced to what the attendance computation needs: its instant, whether it is a
//! clock-in and/or clock-out log under the rules, what tells it apart from an identical
//! event, and its terminal. The daily task turns millions of stored rows straight into these
//! without building a [`LogEvent`] each; [`ClockLog::of`] does the same for a [`LogEvent`].

use chrono::{DateTime, Utc};

use crate::rules::{AttendanceRules, ClockRoles};
use kinmu_pc_logs::log_event::{DetailLookup, LogEvent};

/// One clock-in or clock-out log (an event that is neither is not made into one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockLog {
    /// The instant of the event.
    pub time: DateTime<Utc>,
    /// A clock-in log under the rules.
    pub clock_in: bool,
    /// A clock-out log under the rules (clock-in logs too, when the rules include them).
    pub clock_out: bool,
    /// Equal for two events of the same instant that are the same but for the user name
    /// ([`event_identity`]): the second is a duplicate.
    pub identity: u64,
    /// The terminal, as an index into the run's [`TerminalNames`] (0 when terminals are not asked for).
    pub terminal: u32,
}

impl ClockLog {
    /// The clock log of `event` under `rules`, or `None` when it is neither a clock-in nor a
    /// clock-out log. The terminal is named in `terminals` when given.
    pub fn of(event: &LogEvent, rules: &AttendanceRules, terminals: Option<&mut TerminalNames>) -> Option<ClockLog> {
        let (clock_in, clock_out) = rules.clock_roles(&event.operation, &event.detail);
        if !clock_in && !clock_out {
            return None;
        }
        let terminal = match terminals {
            Some(names) => names.index(terminal_name(rules, &event.target, &event.host, &event.detail)),
            None => 0,
        };
        let detail = event.detail.to_string();
        let identity = event_identity(&event.host, &event.target, &event.operation, &detail);
        Some(ClockLog { time: event.time, clock_in, clock_out, identity, terminal })
    }
}

/// A 64-bit hash of what makes two events of one user at one instant the same event: host,
/// target, operation and the detail in its canonical text form. Deterministic (a fixed seed),
/// but only meant for comparing events within one computation.
pub fn event_identity(host: &str, target: &str, operation: &str, detail: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6b69_6e6d_7521).hash_one((host, target, operation, detail))
}

/// The terminal an event names under `rules`: the detail field named by the rules' terminal
/// key, else the target without its bracketed address (`CLPC001 [169.254.123.159]` names
/// CLPC001), else the host.
pub fn terminal_name<'a>(rules: &AttendanceRules, target: &'a str, host: &'a str, detail: &'a (impl DetailLookup + ?Sized)) -> &'a str {
    rules
        .terminal_key
        .as_deref()
        .and_then(|k| detail.field(k))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .or_else(|| {
            let t = target.split(" [").next().unwrap_or("").trim();
            (!t.is_empty()).then_some(t)
        })
        .unwrap_or(host)
}

/// The terminal names of a run, each stored once; [`ClockLog::terminal`] indexes them.
#[derive(Debug, Clone, Default)]
pub struct TerminalNames {
    names: Vec<String>,
    indexes: foldhash::HashMap<String, u32>,
}

impl TerminalNames {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `name`, added when new.
    pub fn index(&mut self, name: &str) -> u32 {
        if let Some(i) = self.indexes.get(name) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.indexes.insert(name.to_string(), i);
        i
    }

    /// How many names the table holds (their indexes are `0..len`).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the table holds no name.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name at `index` ("" when unknown).
    pub fn name(&self, index: u32) -> &str {
        self.names.get(index as usize).map_or("", String::as_str)
    }
}
