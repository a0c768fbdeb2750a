//! The resource view and its CSV file (issue 19).

use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{ResourceQuery, ResourceView};

use crate::effort::resources;
use crate::error::Result;
use crate::http::SharedState;
use crate::http::endpoint::Download;
use crate::http::request_parts::{QueryParams, Session};

pub async fn view(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<ResourceQuery>,
) -> Result<Json<ResourceView>> {
    let today = crate::effort::today(&state.db).await?;
    Ok(Json(resources::view(&state.db, &session.actor(), &q, today).await?))
}

pub async fn download(State(state): State<SharedState>, session: Session, QueryParams(q): QueryParams<ResourceQuery>) -> Result<Download> {
    let actor = session.actor();
    let today = crate::effort::today(&state.db).await?;
    let v = resources::view(&state.db, &actor, &q, today).await?;
    Ok(Download::csv(
        &resources::file_name(&v),
        &resources::csv_text(&v, actor.language()),
        crate::attendance::reports::CsvEncoding::Utf8Bom,
    ))
}
