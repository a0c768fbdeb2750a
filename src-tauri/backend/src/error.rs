//! The backend's error type. Services return [`Error`]; the HTTP layer turns it into the
//! API's `{code, message, field?}` body with [`Error::to_api`]. Database details are logged,
//! never sent to the client.

pub use kinmu_shared::messages::Text;
use kinmu_shared::validation::FieldError;
use kinmu_shared::{ApiError, ErrorCode, Language};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] FieldError),
    #[error("{0}")]
    NotFound(Text),
    #[error("{message}")]
    Conflict { field: Option<String>, message: Text },
    #[error("log in first")]
    Unauthenticated,
    #[error("your role does not allow this: it needs the permission {0}")]
    Forbidden(&'static str),
    #[error("you cannot {action}: it involves permissions you do not hold ({missing}); ask someone who holds them")]
    BeyondOwnPermissions { action: String, missing: String },
    /// Refused by a rule about who may act on this thing (not by a missing permission): approving
    /// one's own effort period, editing a project one does not manage.
    #[error("{0}")]
    NotAllowed(Text),
    /// The effort period holding the change is submitted or approved.
    #[error("{0}")]
    PeriodLocked(Text),
    /// The person's effort timer already runs (the message names its row).
    #[error("{0}")]
    TimerRunning(Text),
    /// The timer ran past midnight and the stop did not say what to keep.
    #[error("{0}")]
    TimerCrossesMidnight(Text),
    /// Approving or sending back a period by someone who is not its person's approver.
    #[error("{0}")]
    NotTheApprover(Text),
    /// The change would leave no active user whose role holds every permission.
    #[error("{0}")]
    LastAdministrator(Text),
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
    BadRequest(Text),
    #[error("{0}")]
    PayloadTooLarge(Text),
    #[error("{0}")]
    MethodNotAllowed(Text),
    #[error("state-changing requests must carry the header x-kinmu-request (Kinmu's UI sends it); cross-site requests are refused")]
    CsrfRejected,
    #[error("the API token has expired: make a new one on the preferences page")]
    TokenExpired,
    #[error("the API token was revoked: make a new one on the preferences page")]
    TokenRevoked,
    #[error("an API token cannot do this: log in to Kinmu and do it on its pages")]
    SessionOnly,
    #[error("you do not hold the permission {scope}: a token cannot hold it either; leave it out")]
    ScopeNotHeld { scope: &'static str },
    #[error("too many requests with this API token (at most {per_minute} a minute): try again in {retry_after} seconds")]
    RateLimited { per_minute: i64, retry_after: u64 },
    #[error(
        "too many update requests from this address (at most {per_minute} a minute): try again in {retry_after} seconds; an administrator \
         can raise the limit ([server] update_requests_per_minute)"
    )]
    AddressRateLimited { per_minute: i64, retry_after: u64 },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Input refused at `field`; the message in both languages ([`Text::new`]).
    pub fn invalid(field: &str, message: Text) -> Error {
        Error::Invalid(FieldError::new(field, message))
    }

    pub fn conflict(field: &str, message: Text) -> Error {
        Error::Conflict { field: Some(field.to_string()), message }
    }

    /// A value at `field` that could not be read into its type, from serde's words for it
    /// (`missing field …`, `invalid type …`); in Japanese what the field wants, by its label.
    pub fn unreadable(field: &str, serde_message: &str) -> Error {
        let msg = serde_message.split(" at line ").next().unwrap_or(serde_message);
        let label = kinmu_shared::messages::field_label(field, Language::Ja);
        let ja = if msg.starts_with("missing field") {
            format!("{label}を入力してください。")
        } else if msg.contains("HH:MM") || msg.contains("00:00 to 23:59") {
            format!("{label}：時刻は 09:00 のように 00:00 から 23:59 までで書いてください。")
        } else if msg.contains("IANA time zone") {
            format!("{label}：Asia/Tokyo のような IANA のタイムゾーン名を書いてください。")
        } else if msg.contains("weekday") {
            format!("{label}：曜日は Mon, Tue, … Sun で書いてください。")
        } else if msg.contains("whole number") {
            format!("{label}：整数で書いてください。")
        } else if msg.starts_with("unknown variant") {
            format!("{label}：選べる値のどれかを指定してください。")
        } else {
            format!("{label}の値を読み取れません。形式を確認してください。")
        };
        Error::invalid(field, Text::new(format!("{field}: {msg}"), ja))
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid(_) => ErrorCode::Validation,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::Unauthenticated => ErrorCode::Unauthenticated,
            Error::Forbidden(_) | Error::BeyondOwnPermissions { .. } => ErrorCode::Forbidden,
            Error::LastAdministrator(_) => ErrorCode::Conflict,
            Error::NotAllowed(_) => ErrorCode::Forbidden,
            Error::PeriodLocked(_) => ErrorCode::PeriodLocked,
            Error::TimerRunning(_) => ErrorCode::TimerRunning,
            Error::TimerCrossesMidnight(_) => ErrorCode::TimerCrossesMidnight,
            Error::NotTheApprover(_) => ErrorCode::NotTheApprover,
            Error::InvalidCredentials => ErrorCode::InvalidCredentials,
            Error::AccountLocked { .. } => ErrorCode::AccountLocked,
            Error::AccountDisabled => ErrorCode::AccountDisabled,
            Error::SetupRequired => ErrorCode::SetupRequired,
            Error::SetupDone => ErrorCode::SetupDone,
            Error::BadRequest(_) => ErrorCode::BadRequest,
            Error::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Error::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            Error::CsrfRejected => ErrorCode::CsrfRejected,
            Error::TokenExpired => ErrorCode::TokenExpired,
            Error::TokenRevoked => ErrorCode::TokenRevoked,
            Error::SessionOnly => ErrorCode::SessionOnly,
            Error::ScopeNotHeld { .. } => ErrorCode::ScopeNotHeld,
            Error::RateLimited { .. } | Error::AddressRateLimited { .. } => ErrorCode::RateLimited,
            Error::Database(e) if is_unavailable(e) => ErrorCode::Unavailable,
            Error::Database(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The body sent to an English-speaking client. Internal details stay in the log.
    pub fn to_api(&self) -> ApiError {
        self.to_api_in(Language::En)
    }

    /// The body sent to a client speaking `lang`: the same code and field, the message in that
    /// language (English exactly as [`Error`]'s `Display` words it).
    pub fn to_api_in(&self, lang: Language) -> ApiError {
        let code = self.code();
        let text = match self {
            Error::Invalid(f) => return ApiError::in_language(code, Some(f.field.clone()), &f.message, lang),
            Error::Conflict { field, message } => return ApiError::in_language(code, field.clone(), message, lang),
            Error::LastAdministrator(message)
            | Error::NotAllowed(message)
            | Error::PeriodLocked(message)
            | Error::TimerRunning(message)
            | Error::TimerCrossesMidnight(message)
            | Error::NotTheApprover(message) => message.clone(),
            Error::Database(_) | Error::Internal(_) => Text::new(code.message(Language::En), code.message(Language::Ja)),
            Error::Unauthenticated => Text::new(self.to_string(), "ログインしてください。"),
            Error::Forbidden(p) => Text::new(self.to_string(), format!("この操作を行う権限がありません（権限 {p} が必要です）。")),
            Error::BeyondOwnPermissions { missing, .. } => Text::new(
                self.to_string(),
                format!("自分が持っていない権限（{missing}）にかかわる操作はできません。その権限を持つ人に依頼してください。"),
            ),
            Error::InvalidCredentials => Text::new(self.to_string(), code.message(Language::Ja)),
            Error::AccountLocked { until_text, .. } => {
                Text::new(self.to_string(), format!("ログインの失敗が続いたため、アカウントは {until_text} までロックされています。"))
            }
            Error::ScopeNotHeld { scope } => {
                Text::new(self.to_string(), format!("権限 {scope} を持っていないため、トークンにも与えられません。外してください。"))
            }
            Error::RateLimited { per_minute, retry_after } => Text::new(
                self.to_string(),
                format!(
                    "この API トークンからのリクエストが多すぎます（上限 1分あたり {per_minute} 件）。{retry_after} 秒後に再試行してください。"
                ),
            ),
            Error::AddressRateLimited { per_minute, retry_after } => Text::new(
                self.to_string(),
                format!(
                    "このアドレスからの更新リクエストが多すぎます（上限 1分あたり {per_minute} 件）。{retry_after} 秒後に再試行してください。\
                     上限は管理者が変更できます（[server] update_requests_per_minute）。"
                ),
            ),
            Error::AccountDisabled
            | Error::SetupRequired
            | Error::SetupDone
            | Error::CsrfRejected
            | Error::TokenExpired
            | Error::TokenRevoked
            | Error::SessionOnly => Text::new(self.to_string(), code.message(Language::Ja)),
            Error::NotFound(m) => m.clone(),
            Error::BadRequest(m) | Error::PayloadTooLarge(m) | Error::MethodNotAllowed(m) => m.clone(),
        };
        ApiError::in_language(code, None, &text, lang)
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
        let api = Error::invalid("login", Text::new("login is required", "ログイン名を入力してください。")).to_api();
        assert_eq!(api.field.as_deref(), Some("login"));
        assert_eq!(api.code.http_status(), 422);
    }

    #[test]
    fn a_japanese_caller_reads_japanese_with_the_same_code() {
        let e = Error::invalid("display_name", Text::new("display_name is required: enter a value", "表示名を入力してください。"));
        let (en, ja) = (e.to_api(), e.to_api_in(Language::Ja));
        assert_eq!(en.message, "display_name is required: enter a value");
        assert_eq!(ja.message, "表示名を入力してください。");
        assert_eq!((en.code, en.field.as_deref()), (ja.code, ja.field.as_deref()));
        // A message read back from JSON has no Japanese: the code's message stands in.
        let old: Text = serde_json::from_str("\"user 7 not found\"").unwrap();
        let old = Error::NotFound(old).to_api_in(Language::Ja);
        assert!(!old.message.is_ascii() && !old.message.contains("user"), "{old:?}");
    }
}
