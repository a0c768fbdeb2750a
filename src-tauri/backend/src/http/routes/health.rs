use axum::Json;
use axum::extract::State;
use kinmu_shared::api::Health;

use crate::error::Result;
use crate::http::SharedState;

/// For load balancers: 200 when the database answers, 503 otherwise.
pub async fn health(State(state): State<SharedState>) -> Result<Json<Health>> {
    state.db.ping().await?;
    Ok(Json(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into(), database: state.db.kind.name().into() }))
}
