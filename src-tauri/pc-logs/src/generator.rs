//! A deterministic generator of access logs for benchmarks and tests, shaped like the manual's
//! performance measurement (8.6.2): `users` × `logs_per_day` logon/logoff logs a day among
//! `unrelated` other access logs.

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

use crate::log_event::{Detail, LogEvent, SourcePosition};

/// A small xorshift64* generator: deterministic for a seed, no dependency.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator for `seed` (0 is replaced by a fixed non-zero seed).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SyntheticLogs {
    /// Number of users (`DOMAIN\user000001`, …).
    pub users: usize,
    /// Logon/logoff logs per user per day (pairs of LOGON and LOGOFF: rounded down to even, at least 2).
    pub logs_per_day: usize,
    /// Other access logs (file access etc.) spread over the period.
    pub unrelated: usize,
    /// The first date.
    pub first_date: NaiveDate,
    /// Number of days.
    pub days: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// The time zone of the generated local times.
    pub time_zone: Tz,
}

impl SyntheticLogs {
    /// The manual's shape: `users` × `logs_per_day` over one day starting 2024-04-01 (Tokyo),
    /// among `unrelated` other logs.
    pub fn new(users: usize, logs_per_day: usize, unrelated: usize) -> Self {
        Self {
            users,
            logs_per_day,
            unrelated,
            first_date: NaiveDate::from_ymd_opt(2024, 4, 1).expect("date"),
            days: 1,
            seed: 42,
            time_zone: chrono_tz::Asia::Tokyo,
        }
    }

    /// The events, users' logs first (by user, day, time) then the unrelated ones, each with
    /// `ClientName` and `LogonType:Script` in the detail as in the manual's example.
    pub fn generate(&self) -> Vec<LogEvent> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(|e| out.push(e));
        out
    }

    /// How many events [`Self::generate`] makes.
    pub fn len(&self) -> usize {
        self.users * (self.logs_per_day / 2).max(1) * 2 * self.days + self.unrelated
    }

    /// Whether there is no event to generate.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hands each event of [`Self::generate`] to `f` in the same order, without keeping them
    /// (for files larger than memory should hold).
    pub fn for_each(&self, mut f: impl FnMut(LogEvent)) {
        let file: Arc<str> = Arc::from("synthetic.csv");
        let mut rng = XorShift::new(self.seed);
        let mut position = 0u64;
        let local = |date: NaiveDate, minute: i64| {
            let naive = date.and_hms_opt(0, 0, 0).expect("midnight") + chrono::Duration::minutes(minute);
            self.time_zone.from_local_datetime(&naive).earliest().expect("local time").to_utc()
        };
        for u in 0..self.users {
            let user = format!("KINMU\\user{u:06}");
            let terminal = format!("PC{:05}", u % 50_000);
            let home = format!("HOME{:05}", u % 50_000);
            for day in 0..self.days {
                let date = self.first_date + chrono::Duration::days(day as i64);
                // Work from about 8:30 to about 19:30, sometimes late into the night.
                let start = 8 * 60 + 30 + rng.below(60) as i64 - 30;
                let end = if rng.below(10) == 0 { 23 * 60 + rng.below(120) as i64 } else { 17 * 60 + 30 + rng.below(150) as i64 };
                let pairs = (self.logs_per_day / 2).max(1);
                let step = (end - start) / pairs as i64;
                for p in 0..pairs {
                    let on = start + step * p as i64 + rng.below(5) as i64;
                    let off = (start + step * (p as i64 + 1) - rng.below(5) as i64).max(on + 1);
                    let pc = if p + 1 == pairs && pairs > 1 && rng.below(4) == 0 { &home } else { &terminal };
                    for (minute, op) in [(on, "LOGON"), (off, "LOGOFF")] {
                        position += 1;
                        let mut detail = Detail::new();
                        detail.push("ClientIP", format!("10.{}.{}.{}", u % 250, (u / 250) % 250, p % 250));
                        detail.push("ClientName", pc.clone());
                        detail.push("Count", "1");
                        detail.push("LogonType", "Script");
                        f(LogEvent {
                            time: local(date, minute) + chrono::Duration::seconds(rng.below(60) as i64),
                            user: user.clone(),
                            host: "DC001".to_string(),
                            target: pc.clone(),
                            operation: op.to_string(),
                            detail,
                            source: SourcePosition { file: file.clone(), position },
                        });
                    }
                }
            }
        }
        let span_minutes = (self.days as u64 * 24 * 60).max(1);
        for i in 0..self.unrelated {
            position += 1;
            let minute = rng.below(span_minutes) as i64;
            let u = if self.users > 0 { rng.below(self.users as u64) } else { 0 };
            let mut detail = Detail::new();
            detail.push("Path", format!("\\\\fs01\\share\\doc{}.xlsx", rng.below(100_000)));
            detail.push("Count", "1");
            f(LogEvent {
                time: local(self.first_date, minute),
                user: format!("KINMU\\user{u:06}"),
                host: "FS01".to_string(),
                target: String::new(),
                operation: ["FILE_READ", "FILE_WRITE", "PRINT", "WEB"][i % 4].to_string(),
                detail,
                source: SourcePosition { file: file.clone(), position },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_shaped_as_asked() {
        let g = SyntheticLogs::new(30, 4, 100);
        let a = g.generate();
        let b = g.generate();
        assert_eq!(a, b);
        assert_eq!(a.len(), 30 * 4 + 100);
        assert_eq!(g.len(), a.len());
        assert_eq!(a.iter().filter(|e| e.operation == "LOGON").count(), 60);
        let other = SyntheticLogs { seed: 7, ..g }.generate();
        assert_ne!(a, other);
    }
}
