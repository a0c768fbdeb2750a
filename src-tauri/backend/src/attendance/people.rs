//! People in the logs and their Kinmu accounts. Attendance is computed for every user found in
//! the logs, whether or not a Kinmu account exists (as the reference product does); a person's
//! key is the logged name lower-cased, without its domain unless the company's user-name rules
//! show domains. A Kinmu user owns a person when one of its log account names matches: the same
//! account, and the same domain when both name one.

use std::collections::HashMap;

use kinmu_attendance::rules::AccountName;
use kinmu_attendance::{UserNameMode, UserNameRules};

use chrono::NaiveDate;
use kinmu_shared::api::DailyField;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::database::{Db, placeholders};
use crate::error::Result;

/// The key under which `logged`'s records are stored.
pub fn person_key(logged: &str, names: &UserNameRules) -> String {
    let name = AccountName::parse(logged);
    let key = match (names.mode, name.domain) {
        (UserNameMode::PrincipalName, Some(d)) => format!("{}@{}", name.account, d),
        (UserNameMode::AsLogged, Some(d)) if !names.strip_domain => format!("{}\\{}", d, name.account),
        _ => name.account.to_string(),
    };
    key.trim().to_lowercase()
}

/// The account part of a person key or log name, lower-cased.
pub fn account_of(name: &str) -> String {
    AccountName::parse(name).account.trim().to_lowercase()
}

/// The stored days (`attendance_daily`, the columns `fields`, which must include
/// [`DailyField::PersonKey`]) from `first` to `last` of the people that the log account names
/// `log_accounts` own, by date and person: one query over the accounts, the rows narrowed by
/// [`owns`] (an account named with a domain owns only that domain's records).
pub async fn stored_days_of(
    db: &Db,
    log_accounts: &[String],
    first: NaiveDate,
    last: NaiveDate,
    fields: &[DailyField],
) -> Result<Vec<AnyRow>> {
    let mut accounts: Vec<String> = log_accounts.iter().map(|a| account_of(a)).collect();
    accounts.sort();
    accounts.dedup();
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {} FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2 \
         AND account IN ({}) ORDER BY work_date, person_key",
        DailyField::list(fields),
        placeholders(3, accounts.len())
    );
    let mut q = sqlx::query(&sql).bind(first.to_string()).bind(last.to_string());
    for a in &accounts {
        q = q.bind(a.clone());
    }
    let mut rows = Vec::new();
    for row in q.fetch_all(&db.pool).await? {
        let person: String = row.try_get(DailyField::PersonKey.key())?;
        if log_accounts.iter().any(|a| owns(a, &person)) {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Whether the log account name `log_account` (as entered on a Kinmu user) names `person`.
pub fn owns(log_account: &str, person: &str) -> bool {
    let (a, b) = (AccountName::parse(log_account), AccountName::parse(person));
    a.account.eq_ignore_ascii_case(b.account)
        && match (a.domain, b.domain) {
            (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
            _ => true,
        }
}

/// A Kinmu user who owns log accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub user_id: i64,
    pub login: String,
    pub display_name: String,
    pub organization_id: Option<i64>,
}

/// Every log account name of every Kinmu user, for matching persons to users.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// By account (without domain, lower-case): (the log account name, its owner).
    by_account: HashMap<String, Vec<(String, Owner)>>,
}

impl Directory {
    pub async fn load(db: &Db) -> Result<Directory> {
        let rows: Vec<(String, i64, String, String, Option<i64>)> = sqlx::query_as(
            "SELECT l.account_key, u.id, u.login, u.display_name, u.organization_id FROM user_log_accounts l \
             JOIN users u ON u.id = l.user_id ORDER BY l.account_key",
        )
        .fetch_all(&db.pool)
        .await?;
        let mut d = Directory::default();
        for (account, user_id, login, display_name, organization_id) in rows {
            d.by_account.entry(account_of(&account)).or_default().push((account, Owner { user_id, login, display_name, organization_id }));
        }
        Ok(d)
    }

    /// The Kinmu user who owns `person` (a person key or a logged name): one whose log account
    /// names the same domain first, then one whose log account has no domain.
    pub fn owner(&self, person: &str) -> Option<&Owner> {
        let candidates = self.by_account.get(&account_of(person))?;
        let domain = AccountName::parse(person).domain;
        candidates
            .iter()
            .filter(|(a, _)| owns(a, person))
            .max_by_key(|(a, _)| domain.is_some() && AccountName::parse(a).domain.is_some())
            .map(|(_, o)| o)
    }

    /// Every Kinmu user one of whose log accounts owns `person` (whose records they count as theirs).
    pub fn owners<'a>(&'a self, person: &'a str) -> impl Iterator<Item = &'a Owner> + 'a {
        self.by_account.get(&account_of(person)).into_iter().flatten().filter(move |(a, _)| owns(a, person)).map(|(_, o)| o)
    }

    /// Every (log account name, owner), for persons that have not logged anything yet.
    pub fn accounts(&self) -> impl Iterator<Item = (&str, &Owner)> {
        self.by_account.values().flatten().map(|(a, o)| (a.as_str(), o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_keys_follow_the_user_name_rules() {
        let mut names = UserNameRules::default();
        assert_eq!(person_key("OSAKA\\A-Mogami", &names), "a-mogami");
        assert_eq!(person_key("a-mogami@osaka", &names), "a-mogami");
        names.mode = UserNameMode::AsLogged;
        assert_eq!(person_key("OSAKA\\A-Mogami", &names), "osaka\\a-mogami");
        names.strip_domain = true;
        assert_eq!(person_key("OSAKA\\A-Mogami", &names), "a-mogami");
        names.mode = UserNameMode::PrincipalName;
        assert_eq!(person_key("OSAKA\\A-Mogami", &names), "a-mogami@osaka");
    }

    #[test]
    fn ownership_needs_the_same_account_and_no_other_domain() {
        assert!(owns("a-mogami", "osaka\\a-mogami"));
        assert!(owns("OSAKA\\a-mogami", "a-mogami"));
        assert!(owns("osaka\\a-mogami", "a-mogami@OSAKA"));
        assert!(!owns("tokyo\\a-mogami", "osaka\\a-mogami"));
        assert!(!owns("a-mogami2", "a-mogami"));
    }
}
