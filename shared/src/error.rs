//! The error body every failed API call returns: `{"code": "...", "message": "...", "field": "..."}`.
//! The UI switches on [`ErrorCode`], never on the message text.

use serde::{Deserialize, Serialize};

use crate::Language;
use crate::messages::{Text, field_label};

/// Stable machine-readable error codes. Their string form is part of the API contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The effort period holding the change is submitted or approved: it takes no changes.
    PeriodLocked,
    /// The person's effort timer already runs (on the row the message names): stop it first.
    TimerRunning,
    /// The timer ran past midnight: the stop must say what to keep (the message lists each
    /// day's minutes; the running timer's answer has them as data).
    TimerCrossesMidnight,
    /// Only the person's approver (their named approver, else their organisation's manager up the
    /// tree) or an administrator approves or sends back their effort period.
    NotTheApprover,
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
    /// The API token sent as `Authorization: Bearer` has passed its expiry.
    TokenExpired,
    /// The API token sent as `Authorization: Bearer` was revoked.
    TokenRevoked,
    /// Only a person logged in (a session) may do this, not an API token: create tokens, change
    /// the password.
    SessionOnly,
    /// A token's scope the person creating it does not hold; the message names it.
    ScopeNotHeld,
    /// Too many requests with this API token: wait the seconds of `Retry-After`.
    RateLimited,
}

impl ErrorCode {
    /// Every code, for the tests that walk them.
    pub const ALL: [ErrorCode; 25] = [
        ErrorCode::Validation,
        ErrorCode::BadRequest,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountLocked,
        ErrorCode::AccountDisabled,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::PeriodLocked,
        ErrorCode::TimerRunning,
        ErrorCode::TimerCrossesMidnight,
        ErrorCode::NotTheApprover,
        ErrorCode::SetupRequired,
        ErrorCode::SetupDone,
        ErrorCode::CsrfRejected,
        ErrorCode::PayloadTooLarge,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::TokenExpired,
        ErrorCode::TokenRevoked,
        ErrorCode::SessionOnly,
        ErrorCode::ScopeNotHeld,
        ErrorCode::RateLimited,
    ];

    /// What the code means, in `lang`: the message sent when nothing more precise has been
    /// written in that language.
    pub fn message(self, lang: Language) -> &'static str {
        let (en, ja) = match self {
            ErrorCode::Validation => {
                ("a value is not valid: correct it and try again", "入力内容に誤りがあります。確認して、もう一度お試しください。")
            }
            ErrorCode::BadRequest => ("the request cannot be read", "リクエストを読み取れません。"),
            ErrorCode::Unauthenticated => ("log in first", "ログインしてください。"),
            ErrorCode::Forbidden => ("your role does not allow this", "この操作を行う権限がありません。"),
            ErrorCode::InvalidCredentials => ("login or password is wrong", "ログイン名またはパスワードが違います。"),
            ErrorCode::AccountLocked => (
                "too many failed logins: the account is locked for a while",
                "ログインの失敗が続いたため、アカウントが一時的にロックされています。",
            ),
            ErrorCode::AccountDisabled => {
                ("this account is disabled: ask an administrator", "このアカウントは無効です。管理者に連絡してください。")
            }
            ErrorCode::NotFound => ("not found: it may have been deleted", "見つかりません。削除された可能性があります。"),
            ErrorCode::Conflict => {
                ("the value is already taken, or the item is still in use", "この値はすでに使われているか、対象がまだ使用中です。")
            }
            ErrorCode::PeriodLocked => {
                ("the period is submitted or approved: it takes no changes", "この期間は提出済みまたは承認済みのため、変更できません。")
            }
            ErrorCode::TimerRunning => (
                "your effort timer is already running: stop or discard it first",
                "工数タイマーはすでに動いています。先に停止するか破棄してください。",
            ),
            ErrorCode::TimerCrossesMidnight => (
                "the timer ran past midnight: choose what to keep",
                "タイマーが日付をまたいで動いていました。記録する内容を選んでください。",
            ),
            ErrorCode::NotTheApprover => (
                "only the person's approver or an administrator can approve or send back this period",
                "この期間を承認・差し戻しできるのは、本人の承認者か管理者だけです。",
            ),
            ErrorCode::SetupRequired => (
                "Kinmu is not set up yet: run the setup wizard",
                "Kinmu はまだセットアップされていません。セットアップを実行してください。",
            ),
            ErrorCode::SetupDone => (
                "Kinmu is already set up: the setup wizard cannot run again",
                "Kinmu はセットアップ済みです。セットアップは再実行できません。",
            ),
            ErrorCode::CsrfRejected => (
                "the request lacks Kinmu's header: cross-site requests are refused",
                "Kinmu の画面以外からの変更リクエストは受け付けません。",
            ),
            ErrorCode::PayloadTooLarge => ("the request is too large", "送信されたデータが大きすぎます。"),
            ErrorCode::MethodNotAllowed => ("this address does not accept this method", "このアドレスはこの操作を受け付けません。"),
            ErrorCode::Unavailable => {
                ("the database cannot be reached; try again shortly", "データベースに接続できません。しばらくしてから再試行してください。")
            }
            ErrorCode::Internal => {
                ("an internal error occurred; the server log has the details", "内部エラーが発生しました。詳細はサーバーのログにあります。")
            }
            ErrorCode::TokenExpired => (
                "the API token has expired: make a new one on the preferences page",
                "API トークンの有効期限が切れています。個人設定の画面で新しいトークンを作ってください。",
            ),
            ErrorCode::TokenRevoked => (
                "the API token was revoked: make a new one on the preferences page",
                "API トークンは無効化されています。個人設定の画面で新しいトークンを作ってください。",
            ),
            ErrorCode::SessionOnly => (
                "an API token cannot do this: log in to Kinmu and do it on its pages",
                "API トークンではこの操作はできません。Kinmu にログインして画面から操作してください。",
            ),
            ErrorCode::ScopeNotHeld => {
                ("a token cannot hold a permission you do not hold", "自分が持っていない権限をトークンに与えることはできません。")
            }
            ErrorCode::RateLimited => (
                "too many requests with this API token: wait and try again",
                "この API トークンからのリクエストが多すぎます。しばらく待ってから再試行してください。",
            ),
        };
        match lang {
            Language::En => en,
            Language::Ja => ja,
        }
    }

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
            ErrorCode::PeriodLocked => "period_locked",
            ErrorCode::TimerRunning => "timer_running",
            ErrorCode::TimerCrossesMidnight => "timer_crosses_midnight",
            ErrorCode::NotTheApprover => "not_the_approver",
            ErrorCode::SetupRequired => "setup_required",
            ErrorCode::SetupDone => "setup_done",
            ErrorCode::CsrfRejected => "csrf_rejected",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::TokenRevoked => "token_revoked",
            ErrorCode::SessionOnly => "session_only",
            ErrorCode::ScopeNotHeld => "scope_not_held",
            ErrorCode::RateLimited => "rate_limited",
        }
    }

    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::Validation => 422,
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials | ErrorCode::TokenExpired | ErrorCode::TokenRevoked => 401,
            ErrorCode::Forbidden
            | ErrorCode::CsrfRejected
            | ErrorCode::AccountDisabled
            | ErrorCode::SessionOnly
            | ErrorCode::ScopeNotHeld
            | ErrorCode::NotTheApprover => 403,
            ErrorCode::RateLimited => 429,
            ErrorCode::AccountLocked | ErrorCode::PeriodLocked => 423,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict | ErrorCode::SetupDone | ErrorCode::TimerRunning | ErrorCode::TimerCrossesMidnight => 409,
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

impl ApiError {
    /// The body for a caller speaking `lang`: `text` in that language; a text not yet worded in
    /// it gives the code's message, with the field's label.
    pub fn in_language(code: ErrorCode, field: Option<String>, text: &Text, lang: Language) -> ApiError {
        let message = match text.get(lang) {
            Some(m) if !m.is_empty() => m.to_string(),
            _ => match (&field, lang) {
                (Some(f), Language::Ja) => format!("{}：{}", field_label(f, lang), code.message(lang)),
                (Some(f), Language::En) => format!("{}: {}", field_label(f, lang), code.message(lang)),
                (None, _) => code.message(lang).to_string(),
            },
        };
        ApiError { code, message, field }
    }
}

impl From<crate::validation::FieldError> for ApiError {
    fn from(e: crate::validation::FieldError) -> Self {
        ApiError::field(ErrorCode::Validation, e.field, e.message.en())
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
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
        }
    }

    /// Every code has its message in every language, and the Japanese one is Japanese.
    #[test]
    fn every_code_has_its_message_in_every_language() {
        let mut missing = Vec::new();
        for code in ErrorCode::ALL {
            for lang in Language::ALL {
                let m = code.message(lang);
                if m.trim().is_empty() || (lang == Language::Ja && m.is_ascii()) {
                    missing.push(format!("{} in {}", code.as_str(), lang.code()));
                }
            }
            let untranslated = ApiError::in_language(
                code,
                Some("schedule.start".into()),
                &serde_json::from_str::<Text>("\"English only\"").unwrap(),
                Language::Ja,
            );
            assert!(!untranslated.message.contains("English") && !untranslated.message.contains("schedule"), "{untranslated:?}");
        }
        assert!(missing.is_empty(), "error codes without their message: {missing:?}");
        // ALL lists every code once.
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            // A new code must be added to ALL: this match stops compiling until it is handled.
            match code {
                ErrorCode::Validation
                | ErrorCode::BadRequest
                | ErrorCode::Unauthenticated
                | ErrorCode::Forbidden
                | ErrorCode::InvalidCredentials
                | ErrorCode::AccountLocked
                | ErrorCode::AccountDisabled
                | ErrorCode::NotFound
                | ErrorCode::Conflict
                | ErrorCode::PeriodLocked
                | ErrorCode::TimerRunning
                | ErrorCode::TimerCrossesMidnight
                | ErrorCode::NotTheApprover
                | ErrorCode::SetupRequired
                | ErrorCode::SetupDone
                | ErrorCode::CsrfRejected
                | ErrorCode::PayloadTooLarge
                | ErrorCode::MethodNotAllowed
                | ErrorCode::Unavailable
                | ErrorCode::Internal
                | ErrorCode::TokenExpired
                | ErrorCode::TokenRevoked
                | ErrorCode::SessionOnly
                | ErrorCode::ScopeNotHeld
                | ErrorCode::RateLimited => {}
            }
        }
    }
}
