//! Types and rules shared by Kinmu's UI (compiled to wasm) and its backend.
//!
//! No IO lives here: only the API's request and response shapes ([`api`]), the error codes the
//! API answers with ([`error`]), the permission model ([`permissions`]), effort tracking's rules ([`effort`]) and input validation
//! ([`validation`]) that the browser runs for immediate feedback and the server runs again
//! before anything is stored.

pub mod agreement36;
pub mod api;
pub mod attendance_rules;
pub mod effort;
pub mod error;
pub mod messages;
pub mod permissions;
pub mod spreadsheet;
pub mod update_policy;
pub mod validation;

pub use error::{ApiError, ErrorCode};
pub use permissions::Permission;

/// The languages Kinmu's UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Ja,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Ja, Language::En];

    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Language> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ja" | "ja-jp" | "japanese" | "日本語" => Some(Language::Ja),
            "en" | "en-us" | "en-gb" | "english" => Some(Language::En),
            _ => None,
        }
    }
}

/// Version of the HTTP API; every route lives under `/api/v1`.
pub const API_PREFIX: &str = "/api/v1";

/// Header every state-changing request must carry. Browsers cannot add a custom header to a
/// cross-site request without a CORS preflight, which Kinmu never grants, so its presence proves
/// the request came from Kinmu's own UI (or a deliberate API client), not from a forged form.
pub const CSRF_HEADER: &str = "x-kinmu-request";
