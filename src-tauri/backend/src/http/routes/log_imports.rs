//! Access-log imports: the upload of a log file and the history of imports.

use axum::Json;
use axum::extract::State;
use kinmu_shared::api::{LogImport, LogImportList, LogImportQuery, LogUploadQuery};

use crate::error::Result;
use crate::http::SharedState;
use crate::http::request_parts::{FileUpload, QueryParams, Session};
use crate::pc_logs::history;

pub async fn list(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<LogImportQuery>,
) -> Result<Json<LogImportList>> {
    Ok(Json(history::list(&state.db, &session.actor(), &q).await?))
}

/// The body has been stored in a temporary file when this runs (the access check came first).
pub async fn upload(
    State(state): State<SharedState>,
    session: Session,
    QueryParams(q): QueryParams<LogUploadQuery>,
    upload: FileUpload,
) -> Result<Json<LogImport>> {
    Ok(Json(history::import_upload(&state.db, &session.actor(), upload.file.path(), &q, crate::now()).await?))
}
