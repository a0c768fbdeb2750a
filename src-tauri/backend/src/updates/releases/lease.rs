//! The repository's signing lease: one process at a time publishes, rotates keys or re-signs
//! (several servers may share the database and the repository folder). A single row whose
//! holder renews it; a holder gone silent for [`STALE_AFTER_SECONDS`] loses it.

use kinmu_shared::messages::Text;
use std::time::Duration;

use crate::database::Db;
use crate::database::lease::{Renewal, STALE_AFTER_SECONDS};
use crate::error::{Error, Result};

/// The lease, held until [`Held::release`] (or, if its holder dies, until it goes stale).
pub struct Held {
    db: Db,
    holder: String,
    _renewal: Renewal,
}

/// Takes the lease, waiting up to `wait` for another holder to finish.
pub async fn take(db: &Db, wait: Duration) -> Result<Held> {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let holder = format!("{}-{nanos}", std::process::id());
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let now = crate::now();
        let taken = sqlx::query(
            "INSERT INTO update_repository_lease (id, holder, heartbeat_at) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, heartbeat_at = excluded.heartbeat_at \
             WHERE update_repository_lease.heartbeat_at < $3",
        )
        .bind(&holder)
        .bind(now)
        .bind(now - STALE_AFTER_SECONDS)
        .execute(&db.pool)
        .await?
        .rows_affected()
            == 1;
        if taken {
            let (renew_db, renew_holder) = (db.clone(), holder.clone());
            let renewal = Renewal::start(
                "update repository",
                move || {
                    let (db, holder) = (renew_db.clone(), renew_holder.clone());
                    async move {
                        let n = sqlx::query("UPDATE update_repository_lease SET heartbeat_at = $1 WHERE id = 1 AND holder = $2")
                            .bind(crate::now())
                            .bind(&holder)
                            .execute(&db.pool)
                            .await?
                            .rows_affected();
                        Ok(n == 1)
                    }
                },
                || {},
            );
            return Ok(Held { db: db.clone(), holder, _renewal: renewal });
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Error::Conflict {
                field: None,
                message: Text::new(
                    "another Kinmu process is signing the release repository (publishing, rotating a key or re-signing): try again in a moment",
                    "別の Kinmu のプロセスがリリースのリポジトリに署名しています（公開、鍵の交換、再署名）。しばらくしてからもう一度お試しください",
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

impl Held {
    pub async fn release(self) -> Result<()> {
        sqlx::query("DELETE FROM update_repository_lease WHERE id = 1 AND holder = $1").bind(&self.holder).execute(&self.db.pool).await?;
        Ok(())
    }
}
