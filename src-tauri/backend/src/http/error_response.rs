//! Every failure leaves the server as `{code, message, field?}` with the code's HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::Error;

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let api = self.to_api();
        match &self {
            Error::Database(e) => tracing::error!(error = %e, "database error"),
            Error::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => tracing::debug!(code = api.code.as_str(), "request refused"),
        }
        let status = StatusCode::from_u16(api.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(api)).into_response()
    }
}
