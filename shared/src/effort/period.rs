//! Effort periods and the lock rule: one rule, applied by the server to every path an entry can
//! change through (the UI, the API, imports, the command line, later sync).
//!
//! A person's period (a month or a week, an organisation setting) is open until they submit it;
//! their approver approves it (it is then locked) or sends it back with a comment; an
//! administrator can reopen an approved or submitted period, with a reason.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::messages::Text;

/// The length of an effort period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    #[default]
    Month,
    /// Monday to Sunday.
    Week,
}

impl PeriodUnit {
    pub fn key(self) -> &'static str {
        match self {
            PeriodUnit::Month => "month",
            PeriodUnit::Week => "week",
        }
    }

    pub fn from_key(key: &str) -> Option<PeriodUnit> {
        [PeriodUnit::Month, PeriodUnit::Week].into_iter().find(|u| u.key() == key)
    }

    /// The first and last day of the period holding `date`.
    pub fn period_of(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            PeriodUnit::Month => {
                let first = date.with_day(1).unwrap_or(date);
                let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(date);
                (first, last)
            }
            PeriodUnit::Week => {
                let first = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
                (first, first + Duration::days(6))
            }
        }
    }
}

/// Where a period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodState {
    /// Nothing submitted yet (a period without a stored row is open).
    #[default]
    Open,
    /// Waiting for the approver; its entries cannot change.
    Submitted,
    /// Approved: locked.
    Approved,
    /// Sent back by the approver with a comment; editable again.
    SentBack,
    /// Reopened by an administrator with a reason; editable again.
    Reopened,
}

impl PeriodState {
    pub const ALL: [PeriodState; 5] =
        [PeriodState::Open, PeriodState::Submitted, PeriodState::Approved, PeriodState::SentBack, PeriodState::Reopened];

    pub fn key(self) -> &'static str {
        match self {
            PeriodState::Open => "open",
            PeriodState::Submitted => "submitted",
            PeriodState::Approved => "approved",
            PeriodState::SentBack => "sent_back",
            PeriodState::Reopened => "reopened",
        }
    }

    pub fn from_key(key: &str) -> Option<PeriodState> {
        PeriodState::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether entries of a period in this state may be created, changed or deleted.
    pub fn allows_entry_changes(self) -> bool {
        matches!(self, PeriodState::Open | PeriodState::SentBack | PeriodState::Reopened)
    }

    /// Whether the period is locked (approved).
    pub fn is_locked(self) -> bool {
        self == PeriodState::Approved
    }
}

/// What someone does to a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PeriodAction {
    Submit,
    Approve,
    SendBack,
    Reopen,
}

/// The part the acting person plays for this period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodRoles {
    /// The period is theirs.
    pub owner: bool,
    /// They are this person's approver (see [`super::approver`]) or an administrator.
    pub approver: bool,
    /// They administer effort (reopen).
    pub administrator: bool,
}

/// Why a period change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("only the person whose period it is can submit it")]
    NotOwner,
    #[error("nobody approves or sends back their own period: their approver does")]
    OwnPeriod,
    #[error(
        "only the person's approver (their named approver, else their organisation's manager) or an administrator can approve a period or send it back"
    )]
    NotApprover,
    #[error("only an administrator can reopen a period")]
    NotAdministrator,
    #[error("the period is {}: it cannot be {}", .state.key().replace('_', " "), action_en(*.action))]
    WrongState { state: PeriodState, action: PeriodAction },
}

fn action_en(a: PeriodAction) -> &'static str {
    match a {
        PeriodAction::Submit => "submitted",
        PeriodAction::Approve => "approved",
        PeriodAction::SendBack => "sent back",
        PeriodAction::Reopen => "reopened",
    }
}

fn state_ja(s: PeriodState) -> &'static str {
    match s {
        PeriodState::Open => "未提出",
        PeriodState::Submitted => "提出済み",
        PeriodState::Approved => "承認済み（ロック中）",
        PeriodState::SentBack => "差し戻し",
        PeriodState::Reopened => "再オープン",
    }
}

impl PeriodAction {
    pub const ALL: [PeriodAction; 4] = [PeriodAction::Submit, PeriodAction::Approve, PeriodAction::SendBack, PeriodAction::Reopen];

    pub fn key(self) -> &'static str {
        match self {
            PeriodAction::Submit => "submit",
            PeriodAction::Approve => "approve",
            PeriodAction::SendBack => "send_back",
            PeriodAction::Reopen => "reopen",
        }
    }

    pub fn from_key(key: &str) -> Option<PeriodAction> {
        PeriodAction::ALL.into_iter().find(|a| a.key() == key)
    }
}

impl PeriodError {
    pub fn text(&self) -> Text {
        let ja = match self {
            PeriodError::NotOwner => "期間を提出できるのは本人だけです。".to_string(),
            PeriodError::OwnPeriod => "自分の期間は承認・差し戻しできません。承認者が行います。".to_string(),
            PeriodError::NotApprover => {
                "期間の承認・差し戻しは、本人の承認者（指名された承認者、いなければ組織の管理者）か管理者だけができます。".to_string()
            }
            PeriodError::NotAdministrator => "期間の再オープンは管理者だけができます。".to_string(),
            PeriodError::WrongState { state, action } => {
                let a = match action {
                    PeriodAction::Submit => "提出",
                    PeriodAction::Approve => "承認",
                    PeriodAction::SendBack => "差し戻し",
                    PeriodAction::Reopen => "再オープン",
                };
                format!("この期間は「{}」のため{a}できません。", state_ja(*state))
            }
        };
        Text::new(self.to_string(), ja)
    }
}

/// The state after `action` by someone playing `roles`, or why it is refused.
pub fn transition(state: PeriodState, action: PeriodAction, roles: PeriodRoles) -> Result<PeriodState, PeriodError> {
    use PeriodState::*;
    match action {
        PeriodAction::Submit => {
            if !roles.owner {
                return Err(PeriodError::NotOwner);
            }
            match state {
                Open | SentBack | Reopened => Ok(Submitted),
                _ => Err(PeriodError::WrongState { state, action }),
            }
        }
        PeriodAction::Approve | PeriodAction::SendBack => {
            if roles.owner {
                return Err(PeriodError::OwnPeriod);
            }
            if !roles.approver {
                return Err(PeriodError::NotApprover);
            }
            match (state, action) {
                (Submitted, PeriodAction::Approve) => Ok(Approved),
                (Submitted, PeriodAction::SendBack) => Ok(SentBack),
                _ => Err(PeriodError::WrongState { state, action }),
            }
        }
        PeriodAction::Reopen => {
            if !roles.administrator {
                return Err(PeriodError::NotAdministrator);
            }
            match state {
                Submitted | Approved => Ok(Reopened),
                _ => Err(PeriodError::WrongState { state, action }),
            }
        }
    }
}

/// Why an entry cannot change in its period.
pub fn entry_change_refusal(state: PeriodState, first: NaiveDate, last: NaiveDate) -> Option<Text> {
    match state {
        s if s.allows_entry_changes() => None,
        PeriodState::Approved => Some(Text::new(
            format!("the period {first} – {last} is approved and locked: ask an administrator to reopen it"),
            format!("{first}〜{last} の期間は承認済みでロックされています。変更するには管理者に再オープンを依頼してください。"),
        )),
        _ => Some(Text::new(
            format!("the period {first} – {last} is submitted and waiting for approval: ask your approver to send it back to change it"),
            format!("{first}〜{last} の期間は提出済みで承認待ちです。変更するには承認者に差し戻しを依頼してください。"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: PeriodRoles = PeriodRoles { owner: true, approver: false, administrator: false };
    const APPROVER: PeriodRoles = PeriodRoles { owner: false, approver: true, administrator: false };
    const ADMIN: PeriodRoles = PeriodRoles { owner: false, approver: false, administrator: true };
    const MEMBER: PeriodRoles = PeriodRoles { owner: false, approver: false, administrator: false };

    #[test]
    fn a_period_goes_from_open_to_locked_and_back_by_the_right_people() {
        use PeriodAction::*;
        use PeriodState::*;
        assert_eq!(transition(Open, Submit, OWNER), Ok(Submitted));
        assert_eq!(transition(Submitted, Approve, APPROVER), Ok(Approved));
        assert_eq!(transition(Submitted, SendBack, APPROVER), Ok(SentBack));
        assert_eq!(transition(SentBack, Submit, OWNER), Ok(Submitted));
        assert_eq!(transition(Approved, Reopen, ADMIN), Ok(Reopened));
        assert_eq!(transition(Reopened, Submit, OWNER), Ok(Submitted));
        // Nobody approves their own, even an approver; a member approves nobody's.
        let own_approver = PeriodRoles { owner: true, approver: true, administrator: true };
        assert_eq!(transition(Submitted, Approve, own_approver), Err(PeriodError::OwnPeriod));
        assert_eq!(transition(Submitted, Approve, MEMBER), Err(PeriodError::NotApprover));
        assert_eq!(transition(Submitted, Approve, OWNER), Err(PeriodError::OwnPeriod));
        assert_eq!(transition(Approved, Reopen, APPROVER), Err(PeriodError::NotAdministrator));
        assert_eq!(transition(Open, Submit, APPROVER), Err(PeriodError::NotOwner));
        assert!(matches!(transition(Approved, Submit, OWNER), Err(PeriodError::WrongState { .. })));
        assert!(matches!(transition(Open, Approve, APPROVER), Err(PeriodError::WrongState { .. })));
        assert!(matches!(transition(Open, Reopen, ADMIN), Err(PeriodError::WrongState { .. })));
    }

    #[test]
    fn only_open_sent_back_and_reopened_periods_take_changes() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        for s in PeriodState::ALL {
            assert_eq!(s.allows_entry_changes(), entry_change_refusal(s, d, d).is_none(), "{s:?}");
            assert_eq!(PeriodState::from_key(s.key()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.key()));
        }
        for a in PeriodAction::ALL {
            assert_eq!(PeriodAction::from_key(a.key()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{}\"", a.key()));
        }
        assert!(entry_change_refusal(PeriodState::Approved, d, d).unwrap().en().contains("reopen"));
        assert!(PeriodError::WrongState { state: PeriodState::Approved, action: PeriodAction::Submit }.text().is_translated());
    }

    #[test]
    fn periods_are_months_or_monday_weeks() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(); // a Saturday
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(PeriodUnit::Month.period_of(d), (day(12, 1), day(12, 31)));
        assert_eq!(PeriodUnit::Week.period_of(d), (day(11, 30), day(12, 6)));
        assert_eq!(PeriodUnit::Month.period_of(day(2, 14)), (day(2, 1), day(2, 28)));
    }
}
