//! Messages in both of Kinmu's languages, defined once where they are raised.
//!
//! A [`Text`] holds a message's English and Japanese wording. Services and the shared validation
//! build their messages with [`Text::new`] (both languages at the one place the message is
//! written); the API edge sends the caller's language (the session user's, else the request's
//! `Accept-Language`). The error codes stay the same in every language. There is no way to build
//! a message in English alone (no `From<&str>` or `From<String>`): a message without its Japanese
//! wording does not compile. Only a message read back from JSON lacks it; such a message falls
//! back, for a Japanese reader, to its error code's message ([`crate::ErrorCode::message`]) and
//! the field's label, so a Japanese user never reads English.
//!
//! Field names are shown as their labels ([`field_label`]), never as the internal keys the API
//! uses in `field`.

use std::fmt;

use crate::Language;

/// A message in English and, once translated, Japanese. It reads as its English text (for logs,
/// the command line and `Display`); [`Text::get`] picks a language.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    en: String,
    ja: Option<String>,
}

impl Text {
    /// A message in both languages.
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Text {
        Text { en: en.into(), ja: Some(ja.into()) }
    }

    /// The same message with other English wording (its Japanese kept).
    pub fn with_en(&self, en: impl Into<String>) -> Text {
        Text { en: en.into(), ja: self.ja.clone() }
    }

    pub fn en(&self) -> &str {
        &self.en
    }

    /// The message in `lang`, or None when it has no wording in that language yet.
    pub fn get(&self, lang: Language) -> Option<&str> {
        match lang {
            Language::En => Some(&self.en),
            Language::Ja => self.ja.as_deref(),
        }
    }

    /// True when the message has its wording in every language.
    pub fn is_translated(&self) -> bool {
        Language::ALL.iter().all(|l| self.get(*l).is_some_and(|s| !s.is_empty()))
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.en
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.en == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.en == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        &self.en == other
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.en)
    }
}

/// In the OpenAPI document: a text (in the caller's language where the API sends it).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Text {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Text {}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        String::deserialize(d).map(|en| Text { en, ja: None })
    }
}

/// The label of an input field named by its API key (`display_name`, `schedule.start`,
/// `breaks[1]`, `columns[0]`), in `lang`. A key with an index or a path is labelled by its
/// known part; an unknown key by a neutral word, never by the key itself.
pub fn field_label(field: &str, lang: Language) -> String {
    // `breaks[1].start` → ("breaks", Some(1), "start").
    let (head, index) = match field.split_once('[') {
        Some((h, rest)) => (h, rest.split(']').next().and_then(|n| n.parse::<usize>().ok())),
        None => (field, None),
    };
    let head = head.trim_start_matches("rules.").trim_start_matches("admin_");
    let label = known_label(field.trim_start_matches("rules."), lang)
        .or_else(|| known_label(head, lang))
        .or_else(|| head.rsplit_once('.').and_then(|(parent, _)| known_label(parent, lang)))
        .unwrap_or(match lang {
            Language::Ja => "入力値",
            Language::En => "value",
        });
    match (index, lang) {
        (Some(i), Language::Ja) if known_label(field, lang).is_none() => format!("{label}（{}件目）", i + 1),
        (Some(i), Language::En) if known_label(field, lang).is_none() => format!("{label} {}", i + 1),
        _ => label.to_string(),
    }
}

fn known_label(key: &str, lang: Language) -> Option<&'static str> {
    let (ja, en) = match key {
        "login" => ("ログイン名", "Login"),
        "display_name" => ("表示名", "Display name"),
        "email" => ("メールアドレス", "Email"),
        "name" => ("名前", "Name"),
        "organization_name" => ("組織名", "Organisation name"),
        "organization" | "organization_id" => ("組織", "Organisation"),
        "role" | "role_id" => ("役割", "Role"),
        "active" => ("有効", "Active"),
        "language" | "default_language" => ("言語", "Language"),
        "log_accounts" => ("ログアカウント", "Log accounts"),
        "password" => ("パスワード", "Password"),
        "new_password" => ("新しいパスワード", "New password"),
        "current_password" => ("現在のパスワード", "Current password"),
        "time_zone" => ("タイムゾーン", "Time zone"),
        "session_idle_minutes" => ("セッションの有効時間", "Session idle time"),
        "token_requests_per_minute" => ("API トークンの1分あたりのリクエスト数", "API token requests per minute"),
        "scopes" => ("権限の範囲", "Scopes"),
        "expires_on" => ("有効期限", "Expiry date"),
        "permissions" => ("権限", "Permissions"),
        "parent_id" => ("親組織", "Parent organisation"),
        "manager" => ("管理者", "Manager"),
        "approver_id" | "approver" => ("承認者", "Approver"),
        "path" => ("組織のパス", "Organisation path"),
        "file" => ("ファイル", "File"),
        "header" => ("見出し行", "Header line"),
        "month" => ("月", "Month"),
        "date" => ("日付", "Date"),
        "from" => ("開始日", "From"),
        "to" => ("終了日", "To"),
        "user" | "user_id" => ("ユーザー", "User"),
        "columns" => ("列", "Columns"),
        "sort" => ("並び順", "Sort"),
        "schedule" => ("所定の勤務時間", "Working hours"),
        "schedule.start" => ("始業時刻", "Start of work"),
        "schedule.end" => ("終業時刻", "End of work"),
        "breaks" => ("休憩", "Breaks"),
        "rounding_minutes" => ("丸め単位", "Rounding"),
        "day_boundary" => ("日付の区切り", "Day boundary"),
        "late_night" => ("深夜時間帯", "Late-night hours"),
        "overtime_threshold_minutes" => ("残業の基準", "Overtime threshold"),
        "clock_in" => ("出勤とみなすログ", "Logs regarded as clock-in"),
        "clock_out" => ("退勤とみなすログ", "Logs regarded as clock-out"),
        "missing_clock_in" | "missing_clock_in.correction" => ("出勤ログがない日の扱い", "Missing clock-in"),
        "missing_clock_out" | "missing_clock_out.correction" => ("退勤ログがない日の扱い", "Missing clock-out"),
        "terminal_key" => ("端末を表す項目", "Terminal key"),
        "holidays" => ("休日", "Holidays"),
        "holidays.added" => ("追加する休日", "Added holidays"),
        "holidays.removed" => ("休日から外す日", "Removed holidays"),
        "weekly_holidays" | "holidays.weekly" => ("週の休日", "Weekly holidays"),
        "run_at" => ("実行時刻", "Run at"),
        "recompute_days" => ("再計算する日数", "Days recomputed"),
        "output_dir" | "directory" => ("出力先フォルダー", "Output folder"),
        "file_name" => ("ファイル名", "File name"),
        "encoding" => ("文字コード", "Encoding"),
        "format" => ("形式", "Format"),
        "kind" | "report" => ("帳票", "Table"),
        "limits" | "agreement" => ("36協定の上限", "36-agreement limits"),
        "minutes" => ("工数", "Effort"),
        "duration" => ("時間", "Duration"),
        "project_id" | "project_code" => ("プロジェクト", "Project"),
        "work_item_id" | "work_item" => ("作業項目", "Work item"),
        "activity1_id" | "activity1" => ("第1分類（工程）", "Activity 1"),
        "activity2_id" | "activity2" => ("第2分類（作業）", "Activity 2"),
        "activity_ids" => ("分類", "Activities"),
        "code" => ("コード", "Code"),
        "client" => ("顧客・区分", "Client or category"),
        "manager_id" => ("プロジェクト管理者", "Project manager"),
        "members" => ("メンバー", "Members"),
        "assignee_ids" => ("担当者", "Assignees"),
        "planned_start" => ("予定開始日", "Planned start"),
        "planned_end" => ("予定終了日", "Planned end"),
        "planned_minutes" => ("予定工数", "Planned hours"),
        "progress_percent" => ("進捗率", "Progress"),
        "level" => ("分類の階層", "Level"),
        "note" => ("メモ", "Note"),
        "expected_version" => ("版", "Version"),
        "week" => ("週", "Week"),
        "gaps" => ("乖離", "Gaps"),
        "reason" | "reason_id" => ("理由", "Reason"),
        "comment" => ("コメント", "Comment"),
        "gap_threshold_minutes" => ("乖離の基準", "Gap threshold"),
        "group_by" => ("集計の単位", "Grouping"),
        "rounding" => ("丸め方", "Rounding"),
        "round_to" => ("丸め単位", "Rounding step"),
        "round_per" => ("丸める単位", "Rounded per"),
        "future_days_allowed" => ("未来日の入力", "Future days allowed"),
        _ => return None,
    };
    Some(match lang {
        Language::Ja => ja,
        Language::En => en,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_reads_as_english_and_gives_each_language() {
        let t = Text::new("login is required", "ログイン名を入力してください");
        assert_eq!(&*t, "login is required");
        assert_eq!(t.get(Language::Ja), Some("ログイン名を入力してください"));
        assert!(t.is_translated());
        let old: Text = serde_json::from_str("\"only English\"").unwrap();
        assert_eq!(old.get(Language::Ja), None);
        assert!(!old.is_translated());
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"login is required\"");
    }

    #[test]
    fn fields_are_shown_as_labels_never_as_keys() {
        assert_eq!(field_label("schedule.start", Language::Ja), "始業時刻");
        assert_eq!(field_label("rules.schedule.start", Language::En), "Start of work");
        assert_eq!(field_label("breaks[1]", Language::Ja), "休憩（2件目）");
        assert_eq!(field_label("clock_in[0].detail[2]", Language::Ja), "出勤とみなすログ（1件目）");
        assert_eq!(field_label("admin_login", Language::Ja), "ログイン名");
        assert_eq!(field_label("something.new", Language::Ja), "入力値");
    }
}
