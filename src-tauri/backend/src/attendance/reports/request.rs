//! What a table is asked for ([`ReportRequest`]) and what the asker may see of it ([`Scope`]):
//! everyone's records with the attendance view permission, otherwise only the records their log
//! account names own; and the cells every table shares (weekdays, instants).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use kinmu_shared::api::{RankingItem, ReportKind, TableLayout};
use kinmu_shared::{Language, Permission};

use super::table::Cell;
use crate::accounts::{Actor, organizations};
use crate::attendance::people::{Directory, owns, person_key};
use crate::attendance::rule_settings;
use crate::database::Db;
use crate::error::{Error, Result, Text};

pub use crate::attendance::period::Period;

/// What to build.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub period: Period,
    /// An organisation and its sub-organisations.
    pub organization_id: Option<i64>,
    /// A Kinmu login or a log user.
    pub user: Option<String>,
    pub terminal: Option<String>,
    pub ranking: RankingItem,
    pub layout: TableLayout,
    pub language: Language,
}

/// Who may be shown, and the filters asked for.
pub(crate) struct Scope {
    /// The asker's own log accounts when they may see only their own records.
    own: Option<Vec<String>>,
    /// The log accounts of the user asked for.
    user: Option<Vec<String>>,
    /// Organisations asked for (with their sub-organisations).
    orgs: Option<Vec<i64>>,
    pub(crate) terminal: Option<String>,
    directory: Directory,
    paths: HashMap<i64, String>,
}

impl Scope {
    pub(crate) fn admits(&self, person: &str) -> bool {
        let owned_by = |accounts: &Vec<String>| accounts.iter().any(|a| owns(a, person));
        if self.own.as_ref().is_some_and(|a| !owned_by(a)) || self.user.as_ref().is_some_and(|a| !owned_by(a)) {
            return false;
        }
        match &self.orgs {
            None => true,
            Some(orgs) => self.org_of(person).is_some_and(|o| orgs.contains(&o)),
        }
    }

    fn org_of(&self, person: &str) -> Option<i64> {
        self.directory.owner(person).and_then(|o| o.organization_id)
    }

    pub(crate) fn user_id(&self, person: &str) -> Option<i64> {
        self.directory.owner(person).map(|o| o.user_id)
    }

    pub(crate) fn group(&self, person: &str) -> String {
        self.org_of(person).and_then(|o| self.paths.get(&o).cloned()).unwrap_or_default()
    }
}

async fn log_accounts_of_login(db: &Db, login: &str) -> Result<Option<Vec<String>>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE login_key = $1").bind(login.trim().to_lowercase()).fetch_optional(&db.pool).await?;
    let Some(id) = id else { return Ok(None) };
    Ok(Some(sqlx::query_scalar("SELECT account_key FROM user_log_accounts WHERE user_id = $1").bind(id).fetch_all(&db.pool).await?))
}

/// What `actor` may see, narrowed to an organisation, a user and a terminal.
pub(crate) async fn scope(
    db: &Db,
    actor: &Actor,
    organization_id: Option<i64>,
    user: Option<&str>,
    terminal: Option<&str>,
) -> Result<Scope> {
    let orgs = organizations::list(db).await?;
    let own = match actor {
        Actor::User(u) if !u.can(Permission::ViewAttendance) => Some(
            sqlx::query_scalar::<_, String>("SELECT account_key FROM user_log_accounts WHERE user_id = $1")
                .bind(u.id)
                .fetch_all(&db.pool)
                .await?,
        ),
        _ => None,
    };
    let user = match user.map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(name) => match log_accounts_of_login(db, name).await? {
            Some(accounts) => Some(accounts),
            None => {
                let names = rule_settings::company_rules(db).await?.user_names;
                Some(vec![person_key(name, &names)])
            }
        },
    };
    if let (Some(own), Some(user)) = (&own, &user)
        && !user.iter().all(|p| own.iter().any(|a| owns(a, p)))
    {
        return Err(Error::Forbidden(Permission::ViewAttendance.key()));
    }
    let org_filter = match organization_id {
        None => None,
        Some(id) => {
            if !orgs.iter().any(|o| o.id == id) {
                return Err(Error::invalid(
                    "organization_id",
                    Text::new(
                        format!("organization_id: there is no organisation {id}"),
                        format!("組織 {id} はありません。組織を選び直してください。"),
                    ),
                ));
            }
            Some(organizations::subtree(&orgs, id))
        }
    };
    Ok(Scope {
        own,
        user,
        orgs: org_filter,
        terminal: terminal.map(str::to_string).filter(|t| !t.trim().is_empty()),
        directory: Directory::load(db).await?,
        paths: orgs.iter().map(|o| (o.id, o.path.clone())).collect(),
    })
}

pub(crate) fn weekday(d: NaiveDate, language: Language) -> String {
    let i = d.weekday().num_days_from_monday() as usize;
    match language {
        Language::Ja => ["月", "火", "水", "木", "金", "土", "日"][i].to_string(),
        Language::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i].to_string(),
    }
}

pub(crate) fn instant_cell(t: Option<DateTime<Utc>>, tz: Tz) -> Cell {
    match t {
        Some(t) => {
            let local = t.with_timezone(&tz).naive_local();
            // `%-H:%M`, without parsing a format string per cell (millions in a timesheet file).
            Cell::Time { text: format!("{}:{:02}", local.hour(), local.minute()), local: Some(local) }
        }
        None => Cell::Time { text: String::new(), local: None },
    }
}
