//! Accounts and administration: the first-run setup, system settings, organisations, system
//! roles, users with their PC-log account names, logins and sessions, and CSV transfer.
//!
//! Every service function takes the [`Actor`] doing the work and checks its permission itself,
//! so the HTTP routes, the command line and the desktop shell share one set of checks.

pub mod api_tokens;
pub mod csv_transfer;
pub mod organizations;
pub mod passwords;
pub mod role_history;
pub mod roles;
pub mod sessions;
pub mod setup;
pub mod system_settings;
pub mod users;

use kinmu_shared::Permission;
use kinmu_shared::api::CurrentUser;

use crate::error::{Error, Result};

/// Who is asking: a logged-in user, or the machine's operator at the command line.
#[derive(Debug, Clone)]
pub enum Actor {
    User(CurrentUser),
    /// The `kinmu` command run on the server itself: whoever can run it owns the data anyway.
    Operator,
}

impl Actor {
    /// The language messages to this actor are written in: the user's, English for the operator.
    pub fn language(&self) -> kinmu_shared::Language {
        match self {
            Actor::User(u) => u.language,
            Actor::Operator => kinmu_shared::Language::En,
        }
    }

    pub fn require(&self, p: Permission) -> Result<()> {
        match self {
            Actor::Operator => Ok(()),
            Actor::User(u) if u.can(p) => Ok(()),
            Actor::User(_) => Err(Error::Forbidden(p.key())),
        }
    }

    /// The permissions in `involved` that the actor does not hold.
    pub fn missing(&self, involved: &[Permission]) -> Vec<Permission> {
        match self {
            Actor::Operator => Vec::new(),
            Actor::User(u) => involved.iter().copied().filter(|p| !u.can(*p)).collect(),
        }
    }

    /// Nobody grants what they do not hold: refuses `action` (assigning a role, editing a role,
    /// changing an account) unless the actor holds every permission it involves.
    pub fn require_all(&self, involved: &[Permission], action: impl FnOnce() -> String) -> Result<()> {
        let missing = self.missing(involved);
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::BeyondOwnPermissions { action: action(), missing: permissions_to_text(&missing).replace(',', ", ") })
    }

    /// Refuses an API token's request: some things only a person logged in may do (create tokens,
    /// change the password).
    pub fn require_session(&self) -> Result<()> {
        match self {
            Actor::User(u) if u.api_token.is_some() => Err(Error::SessionOnly),
            _ => Ok(()),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User(u) => Some(u.id),
            Actor::Operator => None,
        }
    }
}

pub(crate) fn permissions_to_text(ps: &[Permission]) -> String {
    let mut keys: Vec<&str> = ps.iter().map(|p| p.key()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.join(",")
}

pub(crate) fn permissions_from_text(s: &str) -> Vec<Permission> {
    s.split(',').filter_map(|k| Permission::from_key(k.trim())).collect()
}
