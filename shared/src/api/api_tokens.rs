//! Personal API tokens: a person's key for scripts and other systems, sent as
//! `Authorization: Bearer <secret>`. A token acts as its person within its scopes (never beyond
//! what the person holds at the time of the request), until it expires or is revoked.

use serde::{Deserialize, Serialize};

use super::{Id, Timestamp};
use crate::Permission;

/// How a token's secret begins: recognisable in a configuration file or a leak scanner.
pub const TOKEN_SECRET_PREFIX: &str = "kinmu_";
/// How many characters of the secret (after [`TOKEN_SECRET_PREFIX`]) are kept and shown to
/// recognise a token.
pub const TOKEN_VISIBLE_CHARS: usize = 8;
/// The furthest a token's expiry may be from the day it is made.
pub const TOKEN_MAX_DAYS: i64 = 366;
/// Longest token name.
pub const TOKEN_NAME_MAX: usize = 100;
/// The request rate of one token when the settings name none.
pub const DEFAULT_TOKEN_REQUESTS_PER_MINUTE: i64 = 600;

/// A token as its owner and the administrators see it; its secret is never shown again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: Id,
    pub user_id: Id,
    pub user_login: String,
    pub user_display_name: String,
    pub name: String,
    /// The secret's first characters (`kinmu_ab12cd34`), to recognise it.
    pub prefix: String,
    pub scopes: Vec<Permission>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// `POST /me/tokens`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiToken {
    pub name: String,
    /// Permissions the token may use, each one the person holds.
    pub scopes: Vec<Permission>,
    /// The last day it works (`YYYY-MM-DD`, in the person's time zone): it stops at the end of that
    /// day. At most [`TOKEN_MAX_DAYS`] ahead.
    pub expires_on: String,
}

/// The answer to `POST /me/tokens`: the only time the secret is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// The bearer secret: `Authorization: Bearer <secret>`. Kinmu keeps only its SHA-256.
    pub secret: String,
}
