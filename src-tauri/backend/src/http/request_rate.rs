//! Request rates, one mechanism for every rate the server keeps: governor's GCRA limiter keyed by
//! who is counted, allowing a number of requests per minute (a burst of that many, then one every
//! `60 / n` seconds). The request past it is answered 429 with `Retry-After` and the code
//! `rate_limited`. Each server counts its own requests (several servers sharing one database each
//! allow the rate).
//!
//! - **API tokens** ([`TokenRate`]): each token may make the system settings'
//!   `token_requests_per_minute`, keyed by the token's id. Browser sessions are not counted.
//! - **Desktop clients' update check-ins and event reports** ([`ClientRate`]): public routes (a
//!   client has no session), so they are counted per client address: `[server]
//!   update_requests_per_minute` (default [`DEFAULT_UPDATE_REQUESTS_PER_MINUTE`]; 0 counts
//!   nothing). The address is the connection's peer; behind a reverse proxy every request comes
//!   from the proxy, so `[server] trusted_proxies` names the proxies whose `X-Forwarded-For` is
//!   believed (none by default: a header anyone can write is not believed).

use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::Error;

/// Requests a minute counted per key; the limiter starts again when the rate changes.
struct KeyedRate<K: Hash + Eq + Clone> {
    current: RwLock<(i64, Option<Arc<DefaultKeyedRateLimiter<K>>>)>,
}

fn limiter<K: Hash + Eq + Clone>(per_minute: i64) -> Option<Arc<DefaultKeyedRateLimiter<K>>> {
    let n = NonZeroU32::new(per_minute.clamp(0, u32::MAX as i64) as u32)?;
    Some(Arc::new(RateLimiter::keyed(Quota::per_minute(n))))
}

impl<K: Hash + Eq + Clone> KeyedRate<K> {
    /// `per_minute` 0: nothing is counted.
    fn new(per_minute: i64) -> KeyedRate<K> {
        KeyedRate { current: RwLock::new((per_minute, limiter(per_minute))) }
    }

    fn set(&self, per_minute: i64) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if current.0 != per_minute {
            *current = (per_minute, limiter(per_minute));
        }
    }

    /// Counts one request of `key`; past the rate, the rate and the whole seconds to wait.
    fn check(&self, key: &K) -> Result<(), (i64, u64)> {
        let (per_minute, limiter) = {
            let c = self.current.read().unwrap_or_else(|e| e.into_inner());
            (c.0, c.1.clone())
        };
        let Some(limiter) = limiter else { return Ok(()) };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (per_minute, wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        })
    }

    fn forget_idle(&self) {
        if let Some(limiter) = &self.current.read().unwrap_or_else(|e| e.into_inner()).1 {
            limiter.retain_recent();
        }
    }
}

/// The per-token request rate of the API.
pub struct TokenRate(KeyedRate<i64>);

impl TokenRate {
    pub fn new(per_minute: i64) -> TokenRate {
        TokenRate(KeyedRate::new(per_minute.max(1)))
    }

    /// A new rate from the settings: the counts start again when it changes.
    pub fn set(&self, per_minute: i64) {
        self.0.set(per_minute.max(1));
    }

    /// Counts one request of `token_id`; `RateLimited` with the seconds to wait when past the rate.
    pub fn check(&self, token_id: i64) -> Result<(), Error> {
        self.0.check(&token_id).map_err(|(per_minute, retry_after)| Error::RateLimited { per_minute, retry_after })
    }

    /// Forgets the tokens whose counts are back to nothing (every hour).
    pub fn forget_idle(&self) {
        self.0.forget_idle();
    }
}

/// The default of `[server] update_requests_per_minute`: a desktop client makes at most about 70
/// a minute (a check-in every second while next in line, its events); this lets several share
/// one address (a small office behind NAT) and stops one address flooding the public routes.
/// Raise it when many clients reach the server through one address that is not a trusted proxy.
pub const DEFAULT_UPDATE_REQUESTS_PER_MINUTE: i64 = 600;

/// How the desktop clients' public update routes are counted (`[server]` settings).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRateSettings {
    /// Requests a minute per client address; 0: not counted.
    pub per_minute: i64,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for ClientRateSettings {
    fn default() -> Self {
        ClientRateSettings { per_minute: DEFAULT_UPDATE_REQUESTS_PER_MINUTE, trusted_proxies: Vec::new() }
    }
}

/// The per-address rate of update check-ins and event reports.
pub struct ClientRate {
    rate: KeyedRate<IpAddr>,
    trusted_proxies: RwLock<Vec<IpAddr>>,
}

impl ClientRate {
    pub fn new(settings: ClientRateSettings) -> ClientRate {
        ClientRate { rate: KeyedRate::new(settings.per_minute), trusted_proxies: RwLock::new(settings.trusted_proxies) }
    }

    pub fn set(&self, settings: ClientRateSettings) {
        self.rate.set(settings.per_minute);
        *self.trusted_proxies.write().unwrap_or_else(|e| e.into_inner()) = settings.trusted_proxies;
    }

    /// Counts one request from the connection's peer `peer` (None: no connection, an in-process
    /// call, not counted); `AddressRateLimited` when its address is past the rate.
    pub fn check(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Result<(), Error> {
        let Some(peer) = peer else { return Ok(()) };
        let address = {
            let trusted = self.trusted_proxies.read().unwrap_or_else(|e| e.into_inner());
            client_address(peer.ip(), headers, &trusted)
        };
        self.rate.check(&address).map_err(|(per_minute, retry_after)| Error::AddressRateLimited { per_minute, retry_after })
    }

    pub fn forget_idle(&self) {
        self.rate.forget_idle();
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the last address
/// of `X-Forwarded-For` that is not a trusted proxy (each proxy appends the address it was reached
/// from, so the addresses left of the first untrusted one could be anything the client wrote).
fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let normal = |ip: IpAddr| ip.to_canonical();
    if !trusted.contains(&normal(peer)) {
        return normal(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok().map(normal))
        .collect();
    forwarded.iter().rev().find(|ip| !trusted.contains(ip)).or(forwarded.first()).copied().unwrap_or(normal(peer))
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

    fn headers(forwarded: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", forwarded.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let spoofed = headers("203.0.113.9");
        assert_eq!(client_address(ip("198.51.100.7"), &spoofed, &[]), ip("198.51.100.7"), "not trusted by default");
        assert_eq!(client_address(ip("198.51.100.7"), &spoofed, &[ip("10.0.0.1")]), ip("198.51.100.7"), "the peer is no proxy");
        let proxy = [ip("10.0.0.1"), ip("10.0.0.2")];
        assert_eq!(client_address(ip("10.0.0.1"), &spoofed, &proxy), ip("203.0.113.9"));
        // The client wrote a first address itself; the proxies appended what they saw.
        assert_eq!(client_address(ip("10.0.0.1"), &headers("1.2.3.4, 203.0.113.9, 10.0.0.2"), &proxy), ip("203.0.113.9"));
        assert_eq!(client_address(ip("10.0.0.1"), &HeaderMap::new(), &proxy), ip("10.0.0.1"), "no header: the proxy itself");
        assert_eq!(client_address(ip("10.0.0.1"), &headers("garbage"), &proxy), ip("10.0.0.1"));
        assert_eq!(client_address(ip("::ffff:10.0.0.1"), &spoofed, &proxy), ip("203.0.113.9"), "IPv4 mapped into IPv6");
    }

    #[test]
    fn each_address_has_its_own_rate_and_zero_counts_nothing() {
        let rate = ClientRate::new(ClientRateSettings { per_minute: 2, trusted_proxies: Vec::new() });
        let a: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        let b: SocketAddr = "192.0.2.2:5000".parse().unwrap();
        let none = HeaderMap::new();
        rate.check(Some(a), &none).unwrap();
        rate.check(Some("192.0.2.1:6000".parse().unwrap()), &none).unwrap();
        match rate.check(Some(a), &none) {
            Err(Error::AddressRateLimited { per_minute: 2, retry_after }) => assert!((1..=30).contains(&retry_after), "{retry_after}"),
            other => panic!("{other:?}"),
        }
        rate.check(Some(b), &none).unwrap();
        rate.check(None, &none).unwrap();
        rate.set(ClientRateSettings { per_minute: 0, trusted_proxies: Vec::new() });
        for _ in 0..100 {
            rate.check(Some(a), &none).unwrap();
        }
    }
}
