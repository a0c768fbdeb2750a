use axum::Json;
use axum::extract::State;
use kinmu_shared::api::OpenApiDocument;

use crate::error::Result;
use crate::http::SharedState;

/// The OpenAPI 3.1 document of every route (public: it describes, it grants nothing).
pub async fn document(State(state): State<SharedState>) -> Result<Json<OpenApiDocument>> {
    Ok(Json(OpenApiDocument(crate::http::openapi::document(&state.base_path))))
}
