//! The gap rule (乖離): a person's entered effort for a day against the work their PC logs show
//! (the attendance record's actual work). A day is marked when the two differ by more than the
//! organisation's threshold; a marked day needs a reason before its period can be submitted.

use serde::{Deserialize, Serialize};

/// How a day's effort and attended work disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// Both present, differing by more than the threshold.
    Difference,
    /// PC activity (attended work above the threshold) and no effort entered.
    ActivityWithoutEffort,
    /// Effort above the threshold and no PC activity that day.
    EffortWithoutActivity,
}

impl GapKind {
    pub fn key(self) -> &'static str {
        match self {
            GapKind::Difference => "difference",
            GapKind::ActivityWithoutEffort => "activity_without_effort",
            GapKind::EffortWithoutActivity => "effort_without_activity",
        }
    }
}

/// A marked day's gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GapMark {
    pub kind: GapKind,
    /// Effort minus attended work (negative: less effort than work).
    pub difference_minutes: i64,
}

/// The gap of a day with `effort_minutes` entered and `attended_minutes` of actual work in its
/// attendance record (`None`: no record, no PC activity), or `None` when within `threshold_minutes`.
pub fn mark(effort_minutes: i64, attended_minutes: Option<i64>, threshold_minutes: i64) -> Option<GapMark> {
    let attended = attended_minutes.unwrap_or(0);
    let difference_minutes = effort_minutes - attended;
    if difference_minutes.abs() <= threshold_minutes.max(0) {
        return None;
    }
    let kind = if attended <= 0 {
        GapKind::EffortWithoutActivity
    } else if effort_minutes <= 0 {
        GapKind::ActivityWithoutEffort
    } else {
        GapKind::Difference
    };
    Some(GapMark { kind, difference_minutes })
}

/// The gap threshold (minutes) that applies in `organization`: its own (`own`), else the nearest
/// ancestor's along `parents` (organisation → its parent), else `company`'s. A person without an
/// organisation takes the company's.
pub fn threshold_in(
    organization: Option<i64>,
    parents: &std::collections::HashMap<i64, Option<i64>>,
    own: &std::collections::HashMap<i64, i64>,
    company: i64,
) -> i64 {
    let mut current = organization;
    // A parent link never loops (the organisation service refuses it); the bound keeps a damaged
    // tree from hanging the caller.
    for _ in 0..=parents.len() {
        let Some(id) = current else { break };
        if let Some(minutes) = own.get(&id) {
            return *minutes;
        }
        current = parents.get(&id).copied().flatten();
    }
    company
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_takes_its_own_threshold_else_its_parents_else_the_companys() {
        use std::collections::HashMap;
        // 1 Company → 2 Sales → 3 Team A; 4 Support at the top.
        let parents: HashMap<i64, Option<i64>> = [(1, None), (2, Some(1)), (3, Some(2)), (4, None)].into();
        let own: HashMap<i64, i64> = [(2, 15)].into();
        assert_eq!(threshold_in(Some(3), &parents, &own, 30), 15);
        assert_eq!(threshold_in(Some(2), &parents, &own, 30), 15);
        assert_eq!(threshold_in(Some(1), &parents, &own, 30), 30);
        assert_eq!(threshold_in(Some(4), &parents, &own, 30), 30);
        assert_eq!(threshold_in(None, &parents, &own, 30), 30);
        let own: HashMap<i64, i64> = [(2, 15), (3, 0)].into();
        assert_eq!(threshold_in(Some(3), &parents, &own, 30), 0);
        // A loop in damaged data ends at the company's.
        let looped: HashMap<i64, Option<i64>> = [(5, Some(6)), (6, Some(5))].into();
        assert_eq!(threshold_in(Some(5), &looped, &own, 30), 30);
    }

    #[test]
    fn days_are_marked_only_beyond_the_threshold() {
        assert_eq!(mark(480, Some(500), 30), None);
        assert_eq!(mark(480, Some(510), 30), None);
        assert_eq!(mark(480, Some(511), 30), Some(GapMark { kind: GapKind::Difference, difference_minutes: -31 }));
        assert_eq!(mark(600, Some(480), 30), Some(GapMark { kind: GapKind::Difference, difference_minutes: 120 }));
    }

    #[test]
    fn activity_without_effort_and_effort_without_activity_are_told_apart() {
        assert_eq!(mark(0, Some(420), 30).map(|g| g.kind), Some(GapKind::ActivityWithoutEffort));
        assert_eq!(mark(240, None, 30).map(|g| g.kind), Some(GapKind::EffortWithoutActivity));
        assert_eq!(mark(240, Some(0), 30).map(|g| g.kind), Some(GapKind::EffortWithoutActivity));
        // A short logon on a day off with no effort is within the threshold.
        assert_eq!(mark(0, Some(10), 30), None);
        assert_eq!(mark(0, None, 0), None);
    }
}
