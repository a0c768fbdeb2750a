//! The transfer slot, held while the files download: a task beside the transfer renews it (a
//! check-in with the slot's token) at the interval the server gives — a third of the slot's
//! lifetime — so a single file whose download outlasts the lifetime keeps its slot, and the queue
//! does not admit another client meanwhile. The token the server may hand out anew is kept for the
//! next request; a renewal the server answers with anything but the slot marks it lost (the
//! transfer stops before its next file). The task ends when the slot is
//! dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kinmu_shared::CSRF_HEADER;
use kinmu_shared::api::{Admission, CheckInAnswer, ClientCheckIn};
use url::Url;

/// A slot held for a transfer, renewed until dropped.
pub struct HeldSlot {
    state: Arc<Mutex<SlotState>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Debug, Default)]
struct SlotState {
    token: String,
    renewals: u64,
    lost: Option<String>,
}

impl HeldSlot {
    /// Holds the slot of `token`, renewing it every `every` with `request` (the client's check-in
    /// asking for a slot) posted to `url` (the check-in route).
    pub fn hold(http: reqwest::Client, url: Url, request: ClientCheckIn, token: String, every: Duration) -> HeldSlot {
        let state = Arc::new(Mutex::new(SlotState { token, ..SlotState::default() }));
        let task = tokio::spawn(renew(http, url, request, every, state.clone()));
        HeldSlot { state, task }
    }

    /// The slot's current token (for the next request).
    pub fn token(&self) -> String {
        self.state.lock().map(|s| s.token.clone()).unwrap_or_default()
    }

    /// How many renewals the server answered with the slot.
    pub fn renewals(&self) -> u64 {
        self.state.lock().map(|s| s.renewals).unwrap_or(0)
    }

    /// Why the slot is gone, once a renewal was answered without it.
    pub fn lost(&self) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.lost.clone())
    }
}

impl Drop for HeldSlot {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn renew(http: reqwest::Client, url: Url, mut request: ClientCheckIn, every: Duration, state: Arc<Mutex<SlotState>>) {
    let mut wait = every;
    loop {
        tokio::time::sleep(wait).await;
        request.slot_token = state.lock().ok().map(|s| s.token.clone());
        let answer = async {
            let resp = http
                .post(url.clone())
                .header(CSRF_HEADER, "1")
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(&request).map_err(|e| e.to_string())?)
                .send()
                .await
                .map_err(|e| e.to_string())?
                .error_for_status()
                .map_err(|e| e.to_string())?;
            let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
            serde_json::from_slice::<CheckInAnswer>(&bytes).map_err(|e| e.to_string())
        }
        .await;
        let Ok(mut s) = state.lock() else { return };
        match answer {
            Ok(CheckInAnswer { admission: Some(Admission::Admitted { slot_token, .. }), check_again_seconds, .. }) => {
                if let Some(t) = slot_token {
                    s.token = t;
                }
                s.renewals += 1;
                wait = Duration::from_secs(check_again_seconds.clamp(1, 30) as u64).min(every.max(Duration::from_secs(1)));
            }
            Ok(other) => {
                s.lost = Some(format!("the server no longer holds the transfer slot: {:?} {:?}", other.decision, other.admission));
                return;
            }
            // Not answered (a network blip): tried again soon, within the slot's lifetime.
            Err(_) => wait = (every / 3).max(Duration::from_millis(500)),
        }
    }
}
