//! The backend's error type. Services return [`Error`]; the HTTP layer turns it into the
//! API's `{code, message, field?}` body with [`Error::to_api`]. Database details are logged,
//! never sent to the client.

use kinmu_shared::validation::FieldError;
use kinmu_shared::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict { field: Option<String>, message: String },
    #[error("log in first")]
    Unauthenticated,
    #[error("your role does not allow this: it needs the permission {0}")]
    Forbidden(&'static str),
    #[error("you cannot {action}: it involves permissions you do not hold ({missing}); ask someone who holds them")]
    BeyondOwnPermissions { action: String, missing: String },
    /// The change would leave no active user whose role holds every permission.
    #[error("{0}")]
    LastAdministrator(String),
    #[error("login or password is wrong")]
    InvalidCredentials,
    #[error("too many failed logins: the account is locked until {until_text}")]
    AccountLocked { until: i64, until_text: String },
    #[error("this account is disabled: ask an administrator")]
    AccountDisabled,
    #[error("Kinmu is not set up yet: run the setup wizard")]
    SetupRequired,
    #[error("Kinmu is already set up: the setup wizard cannot run again")]
    SetupDone,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("state-changing requests must carry the header x-kinmu-request (Kinmu's UI sends it); cross-site requests are refused")]
    CsrfRejected,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid(FieldError::new(field, message))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Error {
        Error::Conflict { field: Some(field.to_string()), message: message.into() }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid(_) => ErrorCode::Validation,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Unauthenticated => ErrorCode::Unauthenticated,
            Error::Forbidden(_) | Error::BeyondOwnPermissions { .. } => ErrorCode::Forbidden,
            Error::LastAdministrator(_) => ErrorCode::Conflict,
            Error::InvalidCredentials => ErrorCode::InvalidCredentials,
            Error::AccountLocked { .. } => ErrorCode::AccountLocked,
            Error::AccountDisabled => ErrorCode::AccountDisabled,
            Error::SetupRequired => ErrorCode::SetupRequired,
            Error::SetupDone => ErrorCode::SetupDone,
            Error::BadRequest(_) => ErrorCode::BadRequest,
            Error::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Error::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            Error::CsrfRejected => ErrorCode::CsrfRejected,
            Error::Database(e) if is_unavailable(e) => ErrorCode::Unavailable,
            Error::Database(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The body sent to the client. Internal details stay in the log.
    pub fn to_api(&self) -> ApiError {
        match self {
            Error::Invalid(f) => ApiError::field(ErrorCode::Validation, f.field.clone(), f.message.clone()),
            Error::Conflict { field, message } => ApiError { code: ErrorCode::Conflict, message: message.clone(), field: field.clone() },
            Error::Database(e) if is_unavailable(e) => {
                ApiError::new(ErrorCode::Unavailable, "the database cannot be reached; try again shortly")
            }
            Error::Database(_) | Error::Internal(_) => {
                ApiError::new(ErrorCode::Internal, "an internal error occurred; the server log has the details")
            }
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_))
}

/// True when the database refused a write because a unique value is taken.
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().as_deref() == Some("23505") // PostgreSQL
                || d.code().as_deref() == Some("2067") // SQLITE_CONSTRAINT_UNIQUE
                || d.code().as_deref() == Some("1555") // SQLITE_CONSTRAINT_PRIMARYKEY
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_details() {
        let e = Error::Internal("disk /secret/path is full".into());
        let api = e.to_api();
        assert_eq!(api.code, ErrorCode::Internal);
        assert!(!api.message.contains("/secret"));
    }

    #[test]
    fn validation_keeps_the_field() {
        let api = Error::invalid("login", "login is required").to_api();
        assert_eq!(api.field.as_deref(), Some("login"));
        assert_eq!(api.code.http_status(), 422);
    }
}
