//! What an effort entry must respect before it is stored: a day holds at most 24 hours, a closed
//! project takes no effort, a work item takes effort from its assignees (unless its project
//! allows anyone), and future days only as far as the organisation's setting allows.

use chrono::NaiveDate;

use super::duration::format_minutes;
use crate::messages::Text;

/// The most a person's entries of one day may add up to.
pub const DAY_MAX_MINUTES: i64 = 24 * 60;

/// Why an entry is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryRuleError {
    #[error("{date}: the day's entries would add up to {}; a day holds at most 24:00", format_minutes(*.total_minutes))]
    DayOver24Hours { date: NaiveDate, total_minutes: i64 },
    #[error("project {code} is closed: it takes no effort")]
    ProjectClosed { code: String },
    #[error("you are not assigned to the work item {path} of project {code}: ask its project manager to assign you")]
    NotAssigned { code: String, path: String },
    #[error("{date} is in the future: effort can be entered at most {allowed_days} days ahead")]
    FutureDay { date: NaiveDate, allowed_days: i64 },
}

impl EntryRuleError {
    /// The field the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            EntryRuleError::DayOver24Hours { .. } => "minutes",
            EntryRuleError::ProjectClosed { .. } => "project_id",
            EntryRuleError::NotAssigned { .. } => "work_item_id",
            EntryRuleError::FutureDay { .. } => "date",
        }
    }

    pub fn text(&self) -> Text {
        let ja = match self {
            EntryRuleError::DayOver24Hours { date, total_minutes } => {
                format!("{date}：この日の工数の合計が {} になります。1 日は 24:00 までです。", format_minutes(*total_minutes))
            }
            EntryRuleError::ProjectClosed { code } => format!("プロジェクト {code} は終了しているため、工数を入力できません。"),
            EntryRuleError::NotAssigned { code, path } => format!(
                "プロジェクト {code} の作業「{path}」の担当者ではありません。プロジェクト管理者に担当者として追加してもらってください。"
            ),
            EntryRuleError::FutureDay { date, allowed_days } => {
                format!("{date} は未来の日付です。工数は {allowed_days} 日先までしか入力できません。")
            }
        };
        Text::new(self.to_string(), ja)
    }
}

/// A day whose entries total `total_minutes` once the entry is stored.
pub fn check_day_total(date: NaiveDate, total_minutes: i64) -> Result<(), EntryRuleError> {
    if total_minutes > DAY_MAX_MINUTES {
        return Err(EntryRuleError::DayOver24Hours { date, total_minutes });
    }
    Ok(())
}

/// Whether a project with this status takes effort (a closed one does not).
pub fn check_project_open(code: &str, closed: bool) -> Result<(), EntryRuleError> {
    if closed {
        return Err(EntryRuleError::ProjectClosed { code: code.to_string() });
    }
    Ok(())
}

/// Whether a person may book a work item: its assignee, or anyone when the project allows it.
pub fn check_assignment(code: &str, path: &str, assigned: bool, allow_unassigned: bool) -> Result<(), EntryRuleError> {
    if assigned || allow_unassigned {
        return Ok(());
    }
    Err(EntryRuleError::NotAssigned { code: code.to_string(), path: path.to_string() })
}

/// Whether `date` is at most `allowed_days` after `today` (0: no future days).
pub fn check_future_day(date: NaiveDate, today: NaiveDate, allowed_days: i64) -> Result<(), EntryRuleError> {
    if (date - today).num_days() > allowed_days.max(0) {
        return Err(EntryRuleError::FutureDay { date, allowed_days: allowed_days.max(0) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_day_holds_at_most_24_hours_and_the_refusal_names_the_day() {
        assert_eq!(check_day_total(day(3), 1440), Ok(()));
        let e = check_day_total(day(3), 1441).unwrap_err();
        assert!(e.to_string().contains("2026-12-03"), "{e}");
        assert!(e.to_string().contains("24:01"), "{e}");
        assert!(e.text().get(crate::Language::Ja).unwrap().contains("2026-12-03"));
        assert_eq!(e.field(), "minutes");
    }

    #[test]
    fn closed_projects_unassigned_items_and_future_days_are_refused() {
        assert!(check_project_open("P1", false).is_ok());
        assert_eq!(check_project_open("P1", true), Err(EntryRuleError::ProjectClosed { code: "P1".into() }));
        assert!(check_assignment("P1", "Design", true, false).is_ok());
        assert!(check_assignment("P1", "Design", false, true).is_ok());
        assert!(matches!(check_assignment("P1", "Design", false, false), Err(EntryRuleError::NotAssigned { .. })));
        assert!(check_future_day(day(5), day(5), 0).is_ok());
        assert!(check_future_day(day(7), day(5), 2).is_ok());
        assert_eq!(check_future_day(day(6), day(5), 0), Err(EntryRuleError::FutureDay { date: day(6), allowed_days: 0 }));
    }
}
