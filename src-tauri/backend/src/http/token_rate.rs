//! The per-token request rate: each API token may make the settings' requests per minute
//! (`token_requests_per_minute`), counted by governor's GCRA limiter keyed by the token's id; the
//! request past it is answered 429 with `Retry-After`. Browser sessions are not counted. Each
//! server counts its own requests (several servers sharing one database each allow the rate).

use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::Error;

pub struct TokenRate {
    current: RwLock<(i64, Arc<DefaultKeyedRateLimiter<i64>>)>,
}

fn limiter(per_minute: i64) -> Arc<DefaultKeyedRateLimiter<i64>> {
    let n = NonZeroU32::new(per_minute.clamp(1, u32::MAX as i64) as u32).unwrap_or(NonZeroU32::MIN);
    Arc::new(RateLimiter::keyed(Quota::per_minute(n)))
}

impl TokenRate {
    pub fn new(per_minute: i64) -> TokenRate {
        TokenRate { current: RwLock::new((per_minute, limiter(per_minute))) }
    }

    /// A new rate from the settings: the counts start again when it changes.
    pub fn set(&self, per_minute: i64) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if current.0 != per_minute {
            *current = (per_minute, limiter(per_minute));
        }
    }

    /// Counts one request of `token_id`; `RateLimited` with the seconds to wait when past the rate.
    pub fn check(&self, token_id: i64) -> Result<(), Error> {
        let (per_minute, limiter) = self.current.read().map(|c| (c.0, Arc::clone(&c.1))).unwrap_or_else(|e| {
            let c = e.into_inner();
            (c.0, Arc::clone(&c.1))
        });
        limiter.check_key(&token_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::RateLimited { per_minute, retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    /// Forgets the tokens whose counts are back to nothing (every hour).
    pub fn forget_idle(&self) {
        if let Ok(c) = self.current.read() {
            c.1.retain_recent();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_token_has_its_own_rate_and_the_one_past_it_waits() {
        let rate = TokenRate::new(3);
        for _ in 0..3 {
            rate.check(1).unwrap();
        }
        match rate.check(1) {
            Err(Error::RateLimited { per_minute: 3, retry_after }) => assert!((1..=20).contains(&retry_after), "{retry_after}"),
            other => panic!("{other:?}"),
        }
        rate.check(2).unwrap();
        rate.set(10);
        rate.check(1).unwrap();
    }
}
