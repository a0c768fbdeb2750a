//! Who approves whom, read set-based: every organisation's parent and manager and every
//! person's organisation and named approver in two queries, then the shared rule
//! ([`kinmu_shared::effort::approver`]) per person in memory. A disabled user approves nobody:
//! as a named approver or a manager they are passed over, and the rule goes on up.

use std::collections::HashMap;

use kinmu_shared::effort::{approver_of, chain_of};

use crate::database::Db;
use crate::error::Result;

/// The organisation tree with its managers and the people with their named approvers.
pub struct Approvers {
    /// Organisation id → (parent, manager).
    orgs: HashMap<i64, (Option<i64>, Option<i64>)>,
    /// Person id → (organisation, named approver).
    people: HashMap<i64, (Option<i64>, Option<i64>)>,
    /// Disabled users.
    disabled: std::collections::HashSet<i64>,
}

impl Approvers {
    pub async fn load(db: &Db) -> Result<Approvers> {
        let orgs: Vec<(i64, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT id, parent_id, manager_id FROM organizations").fetch_all(&db.pool).await?;
        let people: Vec<(i64, Option<i64>, Option<i64>, i64)> =
            sqlx::query_as("SELECT id, organization_id, approver_id, active FROM users").fetch_all(&db.pool).await?;
        Ok(Approvers {
            orgs: orgs.into_iter().map(|(id, parent, manager)| (id, (parent, manager))).collect(),
            disabled: people.iter().filter(|p| p.3 == 0).map(|p| p.0).collect(),
            people: people.into_iter().map(|(id, org, named, _)| (id, (org, named))).collect(),
        })
    }

    /// The approver of `person`, if anybody is one.
    pub fn of(&self, person: i64) -> Option<i64> {
        let (org, named) = self.people.get(&person).copied().unwrap_or((None, None));
        let enabled = |who: Option<i64>| who.filter(|w| !self.disabled.contains(w));
        let chain = chain_of(org, |id| self.orgs.get(&id).map(|(parent, manager)| (*parent, enabled(*manager))));
        approver_of(person, enabled(named), &chain)
    }

    /// Everyone whose approver is `approver`.
    pub fn people_of(&self, approver: i64) -> Vec<i64> {
        let mut out: Vec<i64> = self.people.keys().copied().filter(|p| self.of(*p) == Some(approver)).collect();
        out.sort_unstable();
        out
    }
}
