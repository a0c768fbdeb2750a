//! Input rules. The UI runs them as the user types; the server runs them again before storing.
//! Every error names the field and says what to do.

use serde::{Deserialize, Serialize};

use crate::messages::Text;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    /// In English and Japanese ([`Text`]); it reads as its English text.
    pub message: Text,
}

impl FieldError {
    pub fn new(field: &str, message: Text) -> Self {
        FieldError { field: field.to_string(), message }
    }
}

pub type Check = Result<(), FieldError>;

pub const LOGIN_MAX: usize = 64;
pub const NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 256;
pub const LOG_ACCOUNT_MAX: usize = 256;
pub const LOG_ACCOUNTS_PER_USER: usize = 50;
/// The most levels an organisation path may have (`Acme / Sales / Team A` has three).
pub const ORG_DEPTH_MAX: usize = 10;

/// A field's label in Japanese, for the messages below.
fn ja(field: &str) -> String {
    crate::messages::field_label(field, crate::Language::Ja)
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Bidirectional overrides and isolates: they make a name display as something else
/// (`\u{202E}` turns "txt.exe" into "exe.txt").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing: zero-width spaces and joiners, the word joiner, the BOM, the
/// soft hyphen, Hangul fillers, the Mongolian vowel separator.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{180E}' | '\u{034F}')
}

/// A required, single-line text of at most `max` characters, with something visible in it and
/// no bidirectional overrides.
pub fn required_text(field: &str, value: &str, max: usize) -> Check {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(
            field,
            Text::new(format!("{field} is required: enter a value"), format!("{}を入力してください。", ja(field))),
        ));
    }
    if v.chars().all(is_invisible) {
        return Err(FieldError::new(
            field,
            Text::new(
                format!("{field} has only invisible characters: enter a name people can read"),
                format!("{}が見えない文字だけでできています。読める名前を入力してください。", ja(field)),
            ),
        ));
    }
    if v.chars().any(is_bidi_control) {
        return Err(FieldError::new(
            field,
            Text::new(
                format!("{field} must not hold text-direction override characters (U+202A–U+202E, U+2066–U+2069)"),
                format!("{}に文字の向きを変える制御文字（U+202A–U+202E、U+2066–U+2069）は使えません。", ja(field)),
            ),
        ));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(
            field,
            Text::new(
                format!("{field} is too long: use at most {max} characters"),
                format!("{}が長すぎます。{max}文字以内にしてください。", ja(field)),
            ),
        ));
    }
    if has_control(v) {
        return Err(FieldError::new(
            field,
            Text::new(
                format!("{field} must be a single line without control characters"),
                format!("{}は改行や制御文字を含まない1行にしてください。", ja(field)),
            ),
        ));
    }
    Ok(())
}

/// Logins: 1–64 of letters, digits and `. _ - @`.
pub fn login(value: &str) -> Check {
    required_text("login", value, LOGIN_MAX)?;
    if let Some(c) = value.trim().chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))) {
        return Err(FieldError::new(
            "login",
            Text::new(
                format!("login may contain only letters, digits and . _ - @ (found {c:?})"),
                format!("ログイン名に使えるのは英字、数字と . _ - @ だけです（「{c}」は使えません）。"),
            ),
        ));
    }
    Ok(())
}

pub fn display_name(value: &str) -> Check {
    required_text("display_name", value, NAME_MAX)
}

/// Optional email: empty is fine, otherwise `local@domain` with a dot in the domain.
pub fn email(value: &str) -> Check {
    let v = value.trim();
    if v.is_empty() {
        return Ok(());
    }
    if v.chars().count() > EMAIL_MAX {
        return Err(FieldError::new(
            "email",
            Text::new(
                format!("email is too long: use at most {EMAIL_MAX} characters"),
                format!("メールアドレスが長すぎます。{EMAIL_MAX}文字以内にしてください。"),
            ),
        ));
    }
    let ok = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "email",
            Text::new("email must look like name@example.com", "メールアドレスは name@example.com の形で入力してください。"),
        ))
    }
}

/// Organisation and role names: required, one line, and no "/" (it separates organisation paths).
pub fn organization_name(value: &str) -> Check {
    required_text("name", value, NAME_MAX)?;
    if value.contains('/') {
        return Err(FieldError::new(
            "name",
            Text::new(
                "name must not contain \"/\": it separates levels in organisation paths",
                "名前に「/」は使えません（組織のパスの区切りに使われます）。",
            ),
        ));
    }
    Ok(())
}

pub fn role_name(value: &str) -> Check {
    required_text("name", value, NAME_MAX)
}

/// A name under which a user appears in PC logs: `DOMAIN\account`, `account@domain` or `account`.
pub fn log_account(value: &str) -> Check {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(
            "log_accounts",
            Text::new(
                "a log account name must not be empty: remove the empty entry",
                "ログアカウント名が空です。空の行を削除してください。",
            ),
        ));
    }
    if v.chars().count() > LOG_ACCOUNT_MAX {
        return Err(FieldError::new(
            "log_accounts",
            Text::new(
                format!("log account \"{v}\" is too long: at most {LOG_ACCOUNT_MAX} characters"),
                format!("ログアカウント「{v}」が長すぎます。{LOG_ACCOUNT_MAX}文字以内にしてください。"),
            ),
        ));
    }
    if has_control(v) || v.contains(';') {
        return Err(FieldError::new(
            "log_accounts",
            Text::new(
                format!("log account \"{v}\" must not contain ';' or control characters"),
                format!("ログアカウント「{v}」に「;」や制御文字は使えません。"),
            ),
        ));
    }
    if v.matches('\\').count() > 1 || v.starts_with('\\') || v.ends_with('\\') {
        return Err(FieldError::new(
            "log_accounts",
            Text::new(
                format!("log account \"{v}\" must look like DOMAIN\\account, account@domain or account"),
                format!("ログアカウント「{v}」は DOMAIN\\account、account@domain、account のいずれかの形で入力してください。"),
            ),
        ));
    }
    Ok(())
}

pub fn log_accounts(values: &[String]) -> Check {
    if values.len() > LOG_ACCOUNTS_PER_USER {
        return Err(FieldError::new(
            "log_accounts",
            Text::new(
                format!("at most {LOG_ACCOUNTS_PER_USER} log account names per user"),
                format!("ログアカウントは1人{LOG_ACCOUNTS_PER_USER}件までです。"),
            ),
        ));
    }
    for v in values {
        log_account(v)?;
    }
    let mut seen: Vec<String> = Vec::new();
    for v in values {
        let k = v.trim().to_lowercase();
        if seen.contains(&k) {
            return Err(FieldError::new(
                "log_accounts",
                Text::new(format!("log account \"{v}\" is listed twice"), format!("ログアカウント「{v}」が重複しています。")),
            ));
        }
        seen.push(k);
    }
    Ok(())
}

/// The canonical stored form of a log account name: trimmed and lower-cased, since Windows
/// account and domain names are case-insensitive.
pub fn normalize_log_account(value: &str) -> String {
    value.trim().to_lowercase()
}

/// An IANA time zone name's shape ("Asia/Tokyo", "UTC"); the server also checks it exists.
pub fn time_zone_shape(value: &str) -> Check {
    let v = value.trim();
    let ok = !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "time_zone",
            Text::new(
                "time_zone must be an IANA name such as Asia/Tokyo or UTC",
                "タイムゾーンは Asia/Tokyo や UTC のような IANA の名前で入力してください。",
            ),
        ))
    }
}

/// How strong a password is, 0 (unusable) to 4 (strong), and what would make it stronger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordStrength {
    pub score: u8,
    pub problems: Vec<PasswordProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    ContainsLogin,
    FewCharacterKinds,
    Common,
    Repetitive,
}

impl PasswordProblem {
    pub fn message(self) -> String {
        match self {
            PasswordProblem::TooShort => format!("use at least {PASSWORD_MIN} characters"),
            PasswordProblem::TooLong => format!("use at most {PASSWORD_MAX} characters"),
            PasswordProblem::ContainsLogin => "do not include the login name".into(),
            PasswordProblem::FewCharacterKinds => {
                "mix at least three of: lower case, upper case, digits, symbols (or use 16+ characters)".into()
            }
            PasswordProblem::Common => "this password is too common".into(),
            PasswordProblem::Repetitive => "avoid repeating one character or a simple sequence".into(),
        }
    }

    /// [`Self::message`] in Japanese.
    pub fn message_ja(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "10文字以上にしてください",
            PasswordProblem::TooLong => "256文字以内にしてください",
            PasswordProblem::ContainsLogin => "ログイン名を含めないでください",
            PasswordProblem::FewCharacterKinds => "英小文字・英大文字・数字・記号のうち3種類以上を混ぜてください（16文字以上なら不要）",
            PasswordProblem::Common => "よく使われるパスワードです",
            PasswordProblem::Repetitive => "同じ文字の繰り返しや単純な並びは避けてください",
        }
    }
}

const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "passw0rd",
    "password1",
    "password123",
    "p@ssw0rd",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "iloveyou",
    "admin1234",
    "administrator",
    "letmein123",
    "welcome123",
    "changeme",
    "abc123456",
    "11111111",
    "00000000",
    "12345678",
    "1q2w3e4r",
    "1qaz2wsx",
];

/// Scores a password. A password is accepted when it has no problems (score ≥ 2).
pub fn password_strength(password: &str, login: &str) -> PasswordStrength {
    let mut problems = Vec::new();
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        problems.push(PasswordProblem::TooShort);
    }
    if len > PASSWORD_MAX {
        problems.push(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    let login = login.trim().to_lowercase();
    if login.chars().count() >= 3 && lower.contains(&login) {
        problems.push(PasswordProblem::ContainsLogin);
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    if kinds < 3 && len < 16 {
        problems.push(PasswordProblem::FewCharacterKinds);
    }
    if COMMON_PASSWORDS.iter().any(|c| lower == *c || lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!') == *c) {
        problems.push(PasswordProblem::Common);
    }
    let distinct = {
        let mut cs: Vec<char> = password.chars().collect();
        cs.sort_unstable();
        cs.dedup();
        cs.len()
    };
    if len > 0 && distinct * 3 < len.min(12) + 1 {
        problems.push(PasswordProblem::Repetitive);
    }
    let score = if !problems.is_empty() {
        if len >= PASSWORD_MIN / 2 { 1 } else { 0 }
    } else if len >= 16 && kinds >= 3 {
        4
    } else if len >= 12 {
        3
    } else {
        2
    };
    PasswordStrength { score, problems }
}

/// The password rule as a field check: every problem is listed in the message.
pub fn password(field: &str, password: &str, login: &str) -> Check {
    let s = password_strength(password, login);
    if s.problems.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = s.problems.iter().map(|p| p.message()).collect();
        let ja_list: Vec<&str> = s.problems.iter().map(|p| p.message_ja()).collect();
        Err(FieldError::new(
            field,
            Text::new(format!("{field} is too weak: {}", list.join("; ")), format!("{}が弱すぎます：{}", ja(field), ja_list.join("、"))),
        ))
    }
}

/// The years a month or a date may name: enough for any company's records, and far from the
/// calendar library's limits, so that date arithmetic on them cannot overflow.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2999;

fn digits(part: &str, count: std::ops::RangeInclusive<usize>) -> Option<u32> {
    (count.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())).then(|| part.parse().ok()).flatten()
}

fn year_in_range(field: &str, value: &str, year: u32) -> Result<i32, FieldError> {
    let year = year as i32;
    if (FIRST_YEAR..=LAST_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(FieldError::new(
            field,
            Text::new(
                format!("{field}: {value:?} is out of range: the year must be from {FIRST_YEAR} to {LAST_YEAR}"),
                format!("{}：「{value}」は範囲外です。年は{FIRST_YEAR}から{LAST_YEAR}までにしてください。", ja(field)),
            ),
        ))
    }
}

/// `YYYY-MM`: a four-digit year from [`FIRST_YEAR`] to [`LAST_YEAR`] and a month 1–12.
pub fn year_month(field: &str, value: &str) -> Result<(i32, u32), FieldError> {
    let text = value.trim();
    let shape = || {
        FieldError::new(
            field,
            Text::new(
                format!("{field}: {value:?} is not a month: write YYYY-MM, e.g. 2024-04"),
                format!("{}：「{value}」は年月ではありません。2024-04 のように YYYY-MM の形で入力してください。", ja(field)),
            ),
        )
    };
    let (y, m) = text.split_once('-').ok_or_else(shape)?;
    let (y, m) = (digits(y, 4..=4).ok_or_else(shape)?, digits(m, 1..=2).ok_or_else(shape)?);
    let year = year_in_range(field, value, y)?;
    if !(1..=12).contains(&m) {
        return Err(shape());
    }
    Ok((year, m))
}

/// Days in a month of the Gregorian calendar.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DD`: a real day, with a four-digit year from [`FIRST_YEAR`] to [`LAST_YEAR`].
pub fn calendar_date(field: &str, value: &str) -> Result<(i32, u32, u32), FieldError> {
    let text = value.trim();
    let shape = || {
        FieldError::new(
            field,
            Text::new(
                format!("{field}: {value:?} is not a date: write YYYY-MM-DD, e.g. 2024-04-01"),
                format!("{}：「{value}」は日付ではありません。2024-04-01 のように YYYY-MM-DD の形で入力してください。", ja(field)),
            ),
        )
    };
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(shape());
    };
    let (y, m, d) = (digits(y, 4..=4).ok_or_else(shape)?, digits(m, 1..=2).ok_or_else(shape)?, digits(d, 1..=2).ok_or_else(shape)?);
    let year = year_in_range(field, value, y)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(year, m) {
        return Err(shape());
    }
    Ok((year, m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_show_something_and_hold_no_direction_overrides() {
        for invisible in ["\u{200B}", "\u{200B}\u{200C}\u{FEFF}", "\u{3164}", "\u{3000}\u{00AD}"] {
            let e = display_name(invisible).unwrap_err();
            assert_eq!(e.field, "display_name");
        }
        assert!(display_name("\u{200B}").unwrap_err().message.contains("invisible"));
        assert!(display_name("Mallory\u{202E}gnp.exe").unwrap_err().message.contains("override"));
        assert!(role_name("Admin\u{2067}").is_err());
        assert!(display_name("最上 晶").is_ok());
        assert!(display_name("Zoë\u{200D}").is_ok(), "a joiner beside visible text is fine");
    }

    #[test]
    fn months_and_dates_are_four_digit_years_in_range() {
        assert_eq!(year_month("month", " 2024-04 "), Ok((2024, 4)));
        assert_eq!(year_month("month", "2024-4"), Ok((2024, 4)));
        for bad in ["26-11", "262142-12", "2024-13", "2024-00", "-001-01", "+2024-01", "2024", "2024-04-01", "０２０２４-01"] {
            let e = year_month("month", bad).unwrap_err();
            assert_eq!(e.field, "month", "{bad}");
        }
        assert!(year_month("month", "1899-12").unwrap_err().message.contains("1900"));
        assert!(year_month("month", "3000-01").unwrap_err().message.contains("2999"));
        assert_eq!(calendar_date("from", "2024-02-29"), Ok((2024, 2, 29)));
        for bad in ["2023-02-29", "1900-02-29", "-0001-01-01", "0001-01-01", "2024-04-31", "2024-04-1x", "24-04-01", "2024-04-01-01"] {
            assert_eq!(calendar_date("from", bad).unwrap_err().field, "from", "{bad}");
        }
        assert_eq!(calendar_date("from", "2000-02-29"), Ok((2000, 2, 29)));
    }

    #[test]
    fn login_rules_name_the_field_and_the_fix() {
        assert!(login("a-mogami").is_ok());
        assert!(login("taro.yamada@example.com").is_ok());
        let e = login("").unwrap_err();
        assert_eq!(e.field, "login");
        assert!(e.message.contains("required"));
        let e = login("bad login").unwrap_err();
        assert!(e.message.contains("only letters"), "{e}");
        assert!(login(&"x".repeat(65)).unwrap_err().message.contains("at most 64"));
    }

    #[test]
    fn email_is_optional_but_checked() {
        assert!(email("").is_ok());
        assert!(email("a@b.co").is_ok());
        assert!(email("nobody").is_err());
        assert!(email("a@b").is_err());
        assert!(email("a b@c.com").is_err());
    }

    #[test]
    fn organisation_names_cannot_contain_the_path_separator() {
        assert!(organization_name("Sales").is_ok());
        assert!(organization_name("営業部").is_ok());
        assert!(organization_name("A/B").is_err());
        assert!(organization_name("   ").is_err());
    }

    #[test]
    fn log_accounts_accept_the_three_forms_and_reject_duplicates() {
        assert!(log_accounts(&["OSAKA\\a-mogami".into(), "a-mogami@osaka.com".into(), "mogami".into()]).is_ok());
        assert!(log_accounts(&["OSAKA\\a\\b".into()]).is_err());
        assert!(log_accounts(&["".into()]).is_err());
        let e = log_accounts(&["OSAKA\\A".into(), "osaka\\a".into()]).unwrap_err();
        assert!(e.message.contains("twice"));
        assert_eq!(normalize_log_account(" OSAKA\\A-Mogami "), "osaka\\a-mogami");
    }

    #[test]
    fn password_strength_rejects_weak_and_accepts_strong() {
        assert_eq!(password_strength("short", "x").problems[0], PasswordProblem::TooShort);
        assert!(password_strength("Password123", "x").problems.contains(&PasswordProblem::Common));
        assert!(password_strength("alice-Secret-99", "alice").problems.contains(&PasswordProblem::ContainsLogin));
        assert!(password_strength("abcdefghijkl", "x").problems.contains(&PasswordProblem::FewCharacterKinds));
        assert!(password_strength("aaaaaaaaaaaaaaaaaaaa", "x").problems.contains(&PasswordProblem::Repetitive));
        let s = password_strength("Kinmu-Strong-2026", "admin");
        assert!(s.problems.is_empty(), "{s:?}");
        assert_eq!(s.score, 4);
        assert!(password("admin_password", "Tr0ub4dor&3x", "admin").is_ok());
        let e = password("admin_password", "weak", "admin").unwrap_err();
        assert_eq!(e.field, "admin_password");
        assert!(e.message.contains("at least 10"));
    }

    #[test]
    fn time_zone_shapes_are_checked() {
        assert!(time_zone_shape("Asia/Tokyo").is_ok());
        assert!(time_zone_shape("UTC").is_ok());
        assert!(time_zone_shape("Asia Tokyo").is_err());
        assert!(time_zone_shape("").is_err());
    }
}
