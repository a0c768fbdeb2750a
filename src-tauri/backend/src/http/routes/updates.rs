//! Client updates: the policy, desktop clients' check-ins and events, the clients, records and log.

use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{
    CheckInAnswer, ClientCheckIn, ClientEventReport, ClientList, CsvExportQuery, EventReceipt, UpdateLogList, UpdateLogQuery,
    UpdatePolicyChange, UpdatePolicyView, UpdateRecordList, UpdateRecordQuery,
};

use crate::error::Result;
use crate::http::SharedState;
use crate::http::endpoint::{Download, Live};
use crate::http::request_parts::{CountedClientRequest, JsonBody, QueryParams, Session};
use crate::updates::{clients as update_clients, policy as update_policy, records as update_records};

pub async fn policy(State(state): State<SharedState>, session: Session) -> Result<Json<UpdatePolicyView>> {
    Ok(Json(update_policy::view(&state.db, &session.actor()).await?))
}

pub async fn save_policy(
    State(state): State<SharedState>,
    session: Session,
    JsonBody(change): JsonBody<UpdatePolicyChange>,
) -> Result<Json<UpdatePolicyView>> {
    Ok(Json(update_policy::save(&state.db, &session.actor(), change, crate::now()).await?))
}

/// No session: the client is known by its id and secret (see [`crate::updates::clients`]). Counted
/// per client address, as event reports are.
pub async fn check_in(
    State(state): State<SharedState>,
    _: CountedClientRequest,
    JsonBody(req): JsonBody<ClientCheckIn>,
) -> Result<Json<CheckInAnswer>> {
    Ok(Json(update_clients::check_in(&state.db, req, crate::now(), &state.update_draws, state.update_slot_seconds()).await?))
}

pub async fn report_event(
    State(state): State<SharedState>,
    _: CountedClientRequest,
    JsonBody(report): JsonBody<ClientEventReport>,
) -> Result<Json<EventReceipt>> {
    Ok(Json(update_records::report_event(&state.db, report, crate::now()).await?))
}

pub async fn clients(State(state): State<SharedState>, session: Session) -> Result<Json<ClientList>> {
    Ok(Json(update_clients::list(&state.db, &session.actor()).await?))
}

pub async fn records(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<UpdateRecordQuery>,
) -> Result<Json<UpdateRecordList>> {
    Ok(Json(update_records::list(&state.db, &session.actor(), &q).await?))
}

pub async fn export_records(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<UpdateRecordQuery>,
) -> Result<Download> {
    let encoding = Download::csv_encoding(&CsvExportQuery { encoding: q.encoding.clone() })?;
    let actor = session.actor();
    let text = update_records::export_csv(&state.db, &actor, &q, actor.language()).await?;
    Ok(Download::csv("update-records.csv", &text, encoding))
}

pub async fn log(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<UpdateLogQuery>,
) -> Result<Json<UpdateLogList>> {
    Ok(Json(update_records::log(&state.db, &session.actor(), &q).await?))
}

/// The live view of clients and the queue: an event `clients` (a [`ClientList`]) at once and
/// whenever it changes, checked every [`update_clients::LIVE_EVERY`]. It ends when the session
/// (or the API token) does (logged out, expired, revoked, disabled) or the permission is gone.
pub async fn watch_clients(State(state): State<SharedState>, session: Session) -> Result<Live> {
    use axum::response::sse::Event;
    let actor = session.actor();
    let first = update_clients::list(&state.db, &actor).await?;
    let user_token = session.user.api_token;
    let start = (state, session.token, None::<String>, Some(first));
    let stream = futures_util::stream::unfold(start, move |(state, token, last, mut ready)| async move {
        loop {
            let list = match ready.take() {
                Some(list) => list,
                None => {
                    tokio::time::sleep(update_clients::LIVE_EVERY).await;
                    let now = crate::now();
                    // The session, or the API token, must still be good (and its permissions are read again).
                    let user = match user_token {
                        Some(_) => crate::accounts::api_tokens::resolve(&state.db, &token, now).await.ok()?.user,
                        None => crate::accounts::sessions::still_valid(&state.db, &token, now).await.ok()?,
                    };
                    update_clients::list(&state.db, &crate::accounts::Actor::User(user)).await.ok()?
                }
            };
            let json = serde_json::to_string(&list).ok()?;
            if last.as_deref() != Some(json.as_str()) {
                let event = Event::default().event("clients").data(json.clone());
                return Some((Ok(event), (state, token, Some(json), None)));
            }
        }
    });
    Ok(Live::new(stream))
}
