//! Who approves a person's effort periods: their named approver, else their organisation's
//! manager, else the nearest parent organisation's manager — never the person themself (a rule
//! that lands on them goes up one more level). Pure: the caller passes the person, their named
//! approver and their organisation chain with its managers.

/// One organisation of a person's chain, nearest first: its id and its manager (a user id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrgLevel {
    pub id: i64,
    pub manager: Option<i64>,
}

/// The approver of `person`: `named` unless it is the person, else the first manager up
/// `chain` (the person's organisation first, then its parent, up to the top) who is not the
/// person. None when nobody is found: then only an administrator approves.
pub fn approver_of(person: i64, named: Option<i64>, chain: &[OrgLevel]) -> Option<i64> {
    named.into_iter().chain(chain.iter().filter_map(|o| o.manager)).find(|&who| who != person)
}

/// The chain of organisations from `org` up to the top, given each organisation's parent and
/// manager (`levels(id)` answers `(parent, manager)`). Stops at a missing organisation and at a
/// loop, so a damaged tree cannot hang it.
pub fn chain_of(org: Option<i64>, levels: impl Fn(i64) -> Option<(Option<i64>, Option<i64>)>) -> Vec<OrgLevel> {
    let mut out: Vec<OrgLevel> = Vec::new();
    let mut next = org;
    while let Some(id) = next {
        if out.iter().any(|o| o.id == id) {
            break;
        }
        let Some((parent, manager)) = levels(id) else { break };
        out.push(OrgLevel { id, manager });
        next = parent;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const PERSON: i64 = 1;

    fn level(id: i64, manager: Option<i64>) -> OrgLevel {
        OrgLevel { id, manager }
    }

    #[test]
    fn the_named_approver_comes_first() {
        assert_eq!(approver_of(PERSON, Some(7), &[level(10, Some(8))]), Some(7));
    }

    #[test]
    fn else_the_organisation_manager_else_the_nearest_parent_with_one() {
        assert_eq!(approver_of(PERSON, None, &[level(10, Some(8)), level(11, Some(9))]), Some(8));
        assert_eq!(approver_of(PERSON, None, &[level(10, None), level(11, None), level(12, Some(9))]), Some(9));
        assert_eq!(approver_of(PERSON, None, &[level(10, None), level(11, None)]), None);
        assert_eq!(approver_of(PERSON, None, &[]), None);
    }

    #[test]
    fn never_the_person_themself() {
        // A manager's own approver is the manager above them.
        assert_eq!(approver_of(PERSON, None, &[level(10, Some(PERSON)), level(11, Some(9))]), Some(9));
        assert_eq!(approver_of(PERSON, None, &[level(10, Some(PERSON)), level(11, None), level(12, Some(5))]), Some(5));
        // Named as their own approver: ignored.
        assert_eq!(approver_of(PERSON, Some(PERSON), &[level(10, Some(8))]), Some(8));
        // The top manager has nobody above them.
        assert_eq!(approver_of(PERSON, None, &[level(10, Some(PERSON))]), None);
    }

    #[test]
    fn chains_go_up_to_the_top_and_survive_loops() {
        let tree: HashMap<i64, (Option<i64>, Option<i64>)> =
            [(10, (Some(11), None)), (11, (Some(12), Some(8))), (12, (None, Some(9))), (20, (Some(21), None)), (21, (Some(20), None))]
                .into_iter()
                .collect();
        let get = |id| tree.get(&id).copied();
        assert_eq!(chain_of(Some(10), get), vec![level(10, None), level(11, Some(8)), level(12, Some(9))]);
        assert_eq!(chain_of(None, get), vec![]);
        assert_eq!(chain_of(Some(99), get), vec![]);
        assert_eq!(chain_of(Some(20), get).len(), 2);
        assert_eq!(approver_of(PERSON, None, &chain_of(Some(10), get)), Some(8));
    }
}
