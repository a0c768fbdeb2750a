//! The error body every failed API call returns: `{"code": "...", "message": "...", "field": "..."}`.
//! The UI switches on [`ErrorCode`], never on the message text.

use serde::{Deserialize, Serialize};

/// Stable machine-readable error codes. Their string form is part of the API contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field failed validation; `field` names it.
    Validation,
    /// The request body is not valid JSON or has the wrong shape.
    BadRequest,
    /// No session, or the session expired.
    Unauthenticated,
    /// Logged in, but the role lacks the permission.
    Forbidden,
    /// Login and password do not match.
    InvalidCredentials,
    /// Too many failed logins: the account is locked for a while.
    AccountLocked,
    /// The account was disabled by an administrator.
    AccountDisabled,
    NotFound,
    /// Unique value already taken, or the object is still in use.
    Conflict,
    /// Kinmu has no administrator yet: run the setup wizard first.
    SetupRequired,
    /// The setup wizard already ran.
    SetupDone,
    /// The state-changing request lacks the `x-kinmu-request` header.
    CsrfRejected,
    PayloadTooLarge,
    /// The route exists but not with this HTTP method.
    MethodNotAllowed,
    /// The server could not reach its database or another dependency.
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "validation",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::SetupRequired => "setup_required",
            ErrorCode::SetupDone => "setup_done",
            ErrorCode::CsrfRejected => "csrf_rejected",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }

    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Validation => 422,
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => 401,
            ErrorCode::Forbidden | ErrorCode::CsrfRejected | ErrorCode::AccountDisabled => 403,
            ErrorCode::AccountLocked => 423,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict | ErrorCode::SetupDone => 409,
            ErrorCode::SetupRequired => 428,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// The JSON body of an error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), field: None }
    }

    pub fn field(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), field: Some(field.into()) }
    }
}

impl From<crate::validation::FieldError> for ApiError {
    fn from(e: crate::validation::FieldError) -> Self {
        ApiError::field(ErrorCode::Validation, e.field, e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_serialises_to_the_documented_json() {
        let e = ApiError::field(ErrorCode::Validation, "login", "login must not be empty");
        assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"code":"validation","message":"login must not be empty","field":"login"}"#);
        let e = ApiError::new(ErrorCode::Unauthenticated, "log in first");
        assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"code":"unauthenticated","message":"log in first"}"#);
    }

    #[test]
    fn as_str_matches_serde_name() {
        for code in [
            ErrorCode::Validation,
            ErrorCode::BadRequest,
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::InvalidCredentials,
            ErrorCode::AccountLocked,
            ErrorCode::AccountDisabled,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::SetupRequired,
            ErrorCode::SetupDone,
            ErrorCode::CsrfRejected,
            ErrorCode::PayloadTooLarge,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ] {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
        }
    }
}
