//! Desktop clients checking in, and the transfer slots they are admitted to.
//!
//! **Who a client is.** A desktop installation makes a random id when it is installed and sends it
//! with every check-in; no user session is needed (the updater runs before anyone logs in). At its
//! first check-in the server gives it a secret (kept as its SHA-256), which it sends from then on:
//! a known id without its secret is refused, so a copied id does not pass for a known client. While
//! new installs are forbidden, an id the server has never seen is answered "install not allowed"
//! and is not registered.
//!
//! **Admission.** A client that may update asks for a slot (`wants_update`). At most the policy's
//! concurrency limit of clients hold one at once. Past it, a client joins the queue with a random
//! draw key (from [`Draws`]) and is told its place; whenever a slot is free, the waiting clients
//! with the lowest keys are admitted, so the order is random (as the seed says), not first-come.
//! Every check-in that may admit first bumps the policy row's counter in its transaction: that
//! serialises admissions (a row lock on PostgreSQL, the write lock on SQLite), so the limit holds
//! across concurrent requests and servers sharing one database. A slot is a lease: it expires
//! the slot's lifetime ([`SLOT_SECONDS`] unless `[server] update_slot_seconds` says otherwise)
//! after its last renewal (a check-in with the slot's token; a client renews it at a third of the
//! lifetime, also while one long file downloads), and a waiting
//! client that stops checking in leaves the queue after [`WAIT_STALE_SECONDS`]. A slot is freed
//! when the transfer ends (a `download_ended`, `failed` or other ending event) or expires.

use std::sync::atomic::{AtomicU64, Ordering};

use kinmu_shared::Permission;
use kinmu_shared::api::{Admission, CheckInAnswer, ClientCheckIn, ClientList, KnownClient};
use kinmu_shared::messages::Text;
use kinmu_shared::update_policy::{
    ClientProgram, LogCategory, ModuleVersion, Situation, StartupDecision, decide, install_kind, update_pending,
};

use super::{policy, records};
use crate::accounts::{Actor, passwords};
use crate::database::Db;
use crate::error::{Error, Result};

/// How long a slot lasts without being renewed, unless the server is told otherwise
/// (`[server] update_slot_seconds`).
pub const SLOT_SECONDS: i64 = crate::database::lease::STALE_AFTER_SECONDS;
/// A waiting client not heard from for this long leaves the queue.
pub const WAIT_STALE_SECONDS: i64 = 60;
/// How often the live view looks for changes.
pub const LIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// How often a waiting client should check in again, unless it is next in line.
pub const WAITING_CHECK_SECONDS: i64 = 5;
/// How often a client next in line (its place within the limit) should check in again: a slot
/// may free at any moment, and a slot left empty until the next check-in is time lost for all.
pub const NEXT_IN_LINE_CHECK_SECONDS: i64 = 1;

/// When a waiting client should check in again: soon when its place is within the limit (the
/// next slots to free are its), else every [`WAITING_CHECK_SECONDS`] (the queue's load stays low).
pub fn waiting_check_seconds(position: i64, limit: i64) -> i64 {
    if position <= limit.max(1) { NEXT_IN_LINE_CHECK_SECONDS } else { WAITING_CHECK_SECONDS }
}

/// The random draw keys of the queue: SplitMix64 over an atomic counter (lock-free, and
/// reproducible when seeded: tests seed it). Seeded from the OS at start.
pub struct Draws(AtomicU64);

impl Draws {
    pub fn from_entropy() -> Draws {
        use argon2::password_hash::rand_core::{OsRng, RngCore};
        Draws(AtomicU64::new(OsRng.next_u64()))
    }

    pub fn seeded(seed: u64) -> Draws {
        Draws(AtomicU64::new(seed))
    }

    /// Starts the sequence again from `seed`.
    pub fn reseed(&self, seed: u64) {
        self.0.store(seed, Ordering::Relaxed);
    }

    pub fn next_key(&self) -> i64 {
        const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut z = self.0.fetch_add(GAMMA, Ordering::Relaxed).wrapping_add(GAMMA);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as i64
    }
}

fn check_client_id(id: &str) -> Result<()> {
    let ok = (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        return Ok(());
    }
    Err(Error::invalid(
        "client_id",
        Text::new(
            "client_id must be 8 to 64 letters, digits, '-' or '_' (the id the client made at its installation)",
            "client_id は英数字・「-」・「_」の8〜64文字にしてください（インストール時にクライアントが作るIDです）。",
        ),
    ))
}

fn short_text(field: &str, value: &str, max: usize, required: bool) -> Result<String> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(Error::invalid(
            field,
            Text::new(format!("{field} is required: the client sends it"), format!("{field} を指定してください。")),
        ));
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            Text::new(
                format!("{field} must be at most {max} characters, without control characters"),
                format!("{field} は制御文字を含まない{max}文字以内にしてください。"),
            ),
        ));
    }
    Ok(v.to_string())
}

fn wrong_secret() -> Error {
    Error::conflict(
        "client_secret",
        Text::new(
            "this client id is registered to another installation and the secret does not match: reinstall the client, or ask \
             the administrator",
            "このクライアントIDは別のインストールに登録されており、シークレットが一致しません。クライアントを再インストールするか、管理者に連絡してください。",
        ),
    )
}

/// Whether the client is known: None when the server has never seen its id; an error when the id
/// is known and the secret is missing or wrong.
pub(crate) async fn authenticate(db: &Db, client_id: &str, secret: Option<&str>) -> Result<Option<()>> {
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT secret_hash FROM update_clients WHERE client_id = $1").bind(client_id).fetch_all(&db.pool).await?;
    if hashes.is_empty() {
        return Ok(None);
    }
    let digest = secret.map(passwords::token_digest);
    if digest.is_some_and(|d| hashes.contains(&d)) { Ok(Some(())) } else { Err(wrong_secret()) }
}

/// A client checks in: registers it (when new installs are allowed), decides what it must do, and
/// when it asks for a slot and may update, admits it or places it in the queue. `draws` gives the
/// queue's random keys.
/// `slot_seconds` is the slot's lifetime (see the module's note).
pub async fn check_in(db: &Db, req: ClientCheckIn, now: i64, draws: &Draws, slot_seconds: i64) -> Result<CheckInAnswer> {
    check_client_id(&req.client_id)?;
    let host = short_text("host", &req.host, 100, true)?;
    let user = short_text("user", &req.user, 256, false)?;
    let version = req.version.as_deref().map(|v| ModuleVersion::parse("version", v)).transpose()?;
    let updater_version = req.updater_version.as_deref().map(|v| ModuleVersion::parse("updater_version", v)).transpose()?;
    super::releases::check_platform(&req.platform)?;
    let policy = policy::load(&db.pool).await?;
    // What is offered is the release offered for the client's platform (none: nothing pending).
    let offered_release = super::releases::catalog::offered(db, &req.platform).await?;
    let offered_version = offered_release.map(|r| r.version);
    let offered = offered_version.as_deref().and_then(|v| ModuleVersion::parse("offered_version", v).ok());

    let known = authenticate(db, &req.client_id, req.client_secret.as_deref()).await?.is_some();
    let mut new_secret = None;
    if known || policy.new_installs_allowed {
        let secret_hash = if known {
            req.client_secret.as_deref().map(passwords::token_digest).unwrap_or_default()
        } else {
            let secret = passwords::random_token();
            let digest = passwords::token_digest(&secret);
            new_secret = Some(secret);
            digest
        };
        sqlx::query(
            "INSERT INTO update_clients (client_id, program, secret_hash, host, os_user, version, first_seen_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (client_id, program) DO UPDATE SET \
             host = excluded.host, os_user = excluded.os_user, version = excluded.version, last_seen_at = excluded.last_seen_at",
        )
        .bind(&req.client_id)
        .bind(req.program.key())
        .bind(secret_hash)
        .bind(&host)
        .bind(&user)
        .bind(req.version.as_deref().map(str::trim))
        .bind(now)
        .execute(&db.pool)
        .await
        .map_err(|e| if crate::error::is_unique_violation(&e) { wrong_secret() } else { e.into() })?;
    }

    let situation = Situation {
        mode: policy.startup_mode,
        update_pending: update_pending(version.as_ref(), offered.as_ref()),
        new_installs_allowed: policy.new_installs_allowed,
        client_known: known,
        service_paused: policy.service_paused,
    };
    let decision = decide(situation);
    // A repair may run when nothing is pending, like an update (seed II.2 ii): 最新の状態 → 全プログラムアップデート.
    let repair_possible =
        req.repair && decision == StartupDecision::StartNormally && offered.is_some() && version.is_some() && !policy.service_paused;
    let may_transfer = decision.may_update() || repair_possible;
    let install = may_transfer.then(|| {
        let updater_outdated = req.program == ClientProgram::Updater && update_pending(updater_version.as_ref(), offered.as_ref());
        install_kind(version.is_some(), updater_outdated, req.repair)
    });
    let mut admission = None;
    if req.wants_update && may_transfer {
        admission = Some(admit(db, &req.client_id, req.slot_token.as_deref(), policy.concurrency_limit, now, draws, slot_seconds).await?);
    } else if req.wants_update {
        // No longer allowed (the mode or the version changed): its place goes to others.
        release(&db.pool, &req.client_id).await?;
    }
    let check_again_seconds = match &admission {
        Some(Admission::Waiting { position, limit, .. }) => waiting_check_seconds(*position, *limit),
        Some(Admission::Admitted { .. }) => (slot_seconds / 3).max(1),
        None => 0,
    };
    Ok(CheckInAnswer {
        decision,
        message: policy.message,
        offered_version,
        install_kind: install,
        client_secret: new_secret,
        admission,
        check_again_seconds,
    })
}

#[derive(sqlx::FromRow)]
struct TransferRow {
    state: String,
    token_hash: Option<String>,
    draw_key: i64,
}

/// The admission of `client_id`, in one transaction that first takes the admission lock.
async fn admit(
    db: &Db,
    client_id: &str,
    slot_token: Option<&str>,
    limit: i64,
    now: i64,
    draws: &Draws,
    slot_seconds: i64,
) -> Result<Admission> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE update_policy SET draws = draws + 1 WHERE id = 1").execute(&mut *tx).await?;
    expire(&mut tx, now).await?;
    let mine: Option<TransferRow> = sqlx::query_as("SELECT state, token_hash, draw_key FROM update_transfers WHERE client_id = $1")
        .bind(client_id)
        .fetch_optional(&mut *tx)
        .await?;
    match mine {
        None => {
            sqlx::query("INSERT INTO update_transfers (client_id, state, draw_key, joined_at, seen_at) VALUES ($1, 'waiting', $2, $3, $3)")
                .bind(client_id)
                .bind(draws.next_key())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        Some(_) => {
            sqlx::query("UPDATE update_transfers SET seen_at = $1 WHERE client_id = $2")
                .bind(now)
                .bind(client_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    // Free slots go to the waiting clients with the lowest draw keys.
    let admitted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM update_transfers WHERE state = 'admitted'").fetch_one(&mut *tx).await?;
    let free = limit - admitted;
    if free > 0 {
        sqlx::query(
            "UPDATE update_transfers SET state = 'admitted', admitted_at = $1, expires_at = $2 WHERE client_id IN \
             (SELECT client_id FROM update_transfers WHERE state = 'waiting' ORDER BY draw_key, client_id LIMIT $3)",
        )
        .bind(now)
        .bind(now + slot_seconds)
        .bind(free)
        .execute(&mut *tx)
        .await?;
    }
    let mine: TransferRow = sqlx::query_as("SELECT state, token_hash, draw_key FROM update_transfers WHERE client_id = $1")
        .bind(client_id)
        .fetch_one(&mut *tx)
        .await?;
    let answer = if mine.state == "admitted" {
        let presented = slot_token.map(passwords::token_digest);
        let renewing = presented.is_some() && presented == mine.token_hash;
        // A client that lost its token (the answer that carried it never arrived) gets a new one:
        // its id and secret already said who it is.
        let token = (!renewing).then(passwords::random_token);
        let hash = token.as_deref().map(passwords::token_digest).or(mine.token_hash);
        sqlx::query("UPDATE update_transfers SET token_hash = $1, expires_at = $2 WHERE client_id = $3")
            .bind(hash)
            .bind(now + slot_seconds)
            .bind(client_id)
            .execute(&mut *tx)
            .await?;
        Admission::Admitted { slot_token: token, expires_at: now + slot_seconds }
    } else {
        let (ahead, waiting): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN draw_key < $1 OR (draw_key = $1 AND client_id < $2) THEN 1 ELSE 0 END), 0), COUNT(*) \
             FROM update_transfers WHERE state = 'waiting'",
        )
        .bind(mine.draw_key)
        .bind(client_id)
        .fetch_one(&mut *tx)
        .await?;
        Admission::Waiting { position: ahead + 1, waiting, limit }
    };
    tx.commit().await?;
    Ok(answer)
}

/// Frees the slots whose lease ran out (logged as errors of their clients' updates) and drops the
/// waiting clients that stopped checking in.
async fn expire(tx: &mut sqlx::Transaction<'static, sqlx::Any>, now: i64) -> Result<()> {
    let expired: Vec<String> =
        sqlx::query_scalar("SELECT client_id FROM update_transfers WHERE state = 'admitted' AND expires_at <= $1 ORDER BY client_id")
            .bind(now)
            .fetch_all(&mut **tx)
            .await?;
    sqlx::query("DELETE FROM update_transfers WHERE (state = 'admitted' AND expires_at <= $1) OR (state = 'waiting' AND seen_at <= $2)")
        .bind(now)
        .bind(now - WAIT_STALE_SECONDS)
        .execute(&mut **tx)
        .await?;
    for client_id in expired {
        records::log_for_client(tx, &client_id, LogCategory::SlotExpired, "the client stopped renewing its transfer slot", now).await?;
    }
    Ok(())
}

/// The client holding the transfer slot of `slot_token`, if the slot is current (admitted, not
/// expired) and the service is not paused: what serves the release's files asks this before a
/// transfer, so that only admitted clients transfer and never more than the limit at once.
pub async fn slot_holder(db: &Db, slot_token: &str, now: i64) -> Result<Option<String>> {
    // One query (this runs before every file sent): the slot, and the service not paused.
    Ok(sqlx::query_scalar(
        "SELECT t.client_id FROM update_transfers t JOIN update_policy p ON p.id = 1 AND p.service_paused = 0 \
         WHERE t.state = 'admitted' AND t.token_hash = $1 AND t.expires_at > $2",
    )
    .bind(passwords::token_digest(slot_token))
    .bind(now)
    .fetch_optional(&db.pool)
    .await?)
}

/// The client leaves the queue or gives its slot back.
pub(crate) async fn release<'e>(exec: impl sqlx::Executor<'e, Database = sqlx::Any>, client_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM update_transfers WHERE client_id = $1").bind(client_id).execute(exec).await?;
    Ok(())
}

/// Clients holding a slot, and waiting.
pub async fn transfer_counts(db: &Db) -> Result<(i64, i64)> {
    let (admitted, waiting): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN state = 'admitted' THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN state = 'waiting' THEN 1 ELSE 0 END), 0) FROM update_transfers",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok((admitted, waiting))
}

#[derive(sqlx::FromRow)]
struct ClientRow {
    client_id: String,
    program: String,
    host: String,
    os_user: String,
    version: Option<String>,
    first_seen_at: i64,
    last_seen_at: i64,
    transfer: Option<String>,
    progress: Option<String>,
}

/// The clients the server has seen, most recently seen first, with their transfer state and the
/// step of their running update (seed III.4, III.5 (1) ii)).
pub async fn list(db: &Db, actor: &Actor) -> Result<ClientList> {
    actor.require(Permission::ManageUpdates)?;
    let rows: Vec<ClientRow> = sqlx::query_as(
        "SELECT c.client_id, c.program, c.host, c.os_user, c.version, c.first_seen_at, c.last_seen_at, t.state AS transfer, \
         (SELECT r.last_step FROM update_records r WHERE r.client_id = c.client_id AND r.ended_at IS NULL ORDER BY r.id DESC LIMIT 1) \
         AS progress FROM update_clients c LEFT JOIN update_transfers t ON t.client_id = c.client_id \
         ORDER BY c.last_seen_at DESC, c.client_id, c.program LIMIT 5000",
    )
    .fetch_all(&db.pool)
    .await?;
    let (admitted, waiting) = transfer_counts(db).await?;
    let limit = policy::load(&db.pool).await?.concurrency_limit;
    Ok(ClientList {
        clients: rows
            .into_iter()
            .map(|r| KnownClient {
                client_id: r.client_id,
                host: r.host,
                user: r.os_user,
                program: ClientProgram::from_key(&r.program).unwrap_or_default(),
                version: r.version,
                first_seen_at: r.first_seen_at,
                last_seen_at: r.last_seen_at,
                transfer: r.transfer,
                progress: r.progress,
            })
            .collect(),
        admitted,
        waiting,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_reproducible_when_seeded_and_spread() {
        let (a, b) = (Draws::seeded(7), Draws::seeded(7));
        let xs: Vec<i64> = (0..100).map(|_| a.next_key()).collect();
        assert_eq!(xs, (0..100).map(|_| b.next_key()).collect::<Vec<_>>());
        assert!(xs.iter().filter(|x| **x < 0).count() > 30 && xs.iter().filter(|x| **x > 0).count() > 30, "{xs:?}");
        let mut sorted = xs.clone();
        sorted.sort_unstable();
        assert_ne!(sorted, xs, "the keys are not in the order they were drawn");
    }

    #[test]
    fn the_next_in_line_check_in_soon_and_the_rest_less_often() {
        assert_eq!(waiting_check_seconds(1, 15), NEXT_IN_LINE_CHECK_SECONDS);
        assert_eq!(waiting_check_seconds(15, 15), NEXT_IN_LINE_CHECK_SECONDS);
        assert_eq!(waiting_check_seconds(16, 15), WAITING_CHECK_SECONDS);
        assert_eq!(waiting_check_seconds(900, 15), WAITING_CHECK_SECONDS);
        // A limit of 0 (nothing transfers) still lets the first in line check in soon.
        assert_eq!(waiting_check_seconds(1, 0), NEXT_IN_LINE_CHECK_SECONDS);
        const { assert!(NEXT_IN_LINE_CHECK_SECONDS < WAITING_CHECK_SECONDS) };
    }

    #[test]
    fn client_ids_are_checked() {
        assert!(check_client_id("3f2a9c1e-77aa-4bb0").is_ok());
        for bad in ["short", "has space in it", "ünïcode-id-here", &"x".repeat(65)] {
            assert!(check_client_id(bad).is_err(), "{bad}");
        }
    }
}
