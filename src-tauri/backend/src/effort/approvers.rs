//! Who approves whom, read set-based: every organisation's parent and manager and every
//! person's organisation and named approver in two queries, then the shared rule
//! ([`kinmu_shared::effort::approver`]) per person in memory.

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
}

impl Approvers {
    pub async fn load(db: &Db) -> Result<Approvers> {
        let orgs: Vec<(i64, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT id, parent_id, manager_id FROM organizations").fetch_all(&db.pool).await?;
        let people: Vec<(i64, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT id, organization_id, approver_id FROM users").fetch_all(&db.pool).await?;
        Ok(Approvers {
            orgs: orgs.into_iter().map(|(id, parent, manager)| (id, (parent, manager))).collect(),
            people: people.into_iter().map(|(id, org, named)| (id, (org, named))).collect(),
        })
    }

    /// The approver of `person`, if anybody is one.
    pub fn of(&self, person: i64) -> Option<i64> {
        let (org, named) = self.people.get(&person).copied().unwrap_or((None, None));
        approver_of(person, named, &chain_of(org, |id| self.orgs.get(&id).copied()))
    }

    /// Everyone whose approver is `approver`.
    pub fn people_of(&self, approver: i64) -> Vec<i64> {
        let mut out: Vec<i64> = self.people.keys().copied().filter(|p| self.of(*p) == Some(approver)).collect();
        out.sort_unstable();
        out
    }
}
