//! Work that one process of several sharing the database must do alone holds a lease: a row
//! whose `heartbeat_at` its holder renews every few seconds. A holder that dies stops renewing,
//! and after [`STALE_AFTER_SECONDS`] anyone may take the work over. The attendance task's run
//! and an inbox file's claim are such leases.

use std::future::Future;
use std::time::Duration;

/// How often a holder renews its lease.
pub const RENEW_EVERY: Duration = Duration::from_secs(10);
/// A lease not renewed for this long has lost its holder.
pub const STALE_AFTER_SECONDS: i64 = 60;

/// Renews a lease in the background until dropped.
pub struct Renewal(tokio::task::JoinHandle<()>);

impl Renewal {
    /// Calls `renew` every [`RENEW_EVERY`]; it answers whether the lease is still held. When it
    /// is not (another process took it over), `lost` is called once and renewing stops.
    pub fn start<R, F>(what: &'static str, renew: R, lost: impl FnOnce() + Send + 'static) -> Renewal
    where
        R: Fn() -> F + Send + 'static,
        F: Future<Output = Result<bool, sqlx::Error>> + Send,
    {
        Renewal(tokio::spawn(async move {
            let mut every = tokio::time::interval(RENEW_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                match renew().await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(lease = what, "the lease was taken over by another process");
                        lost();
                        return;
                    }
                    Err(e) => tracing::warn!(lease = what, error = %e, "cannot renew the lease"),
                }
            }
        }))
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}
