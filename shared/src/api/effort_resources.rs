//! The resource view (issue 19): each person's planned hours from their work item assignments
//! per ISO week against their working hours, over-allocation marked. The types of
//! `GET /effort/resources`; computed by the pure [`crate::effort::resource`]. Hours are minutes.

use serde::{Deserialize, Serialize};

use super::Id;

/// `GET /effort/resources?from=&to=&organization_id=&project_id=`. Dates `YYYY-MM-DD`; the view
/// covers the ISO weeks (Monday to Sunday) holding `from` to `to`. Without them: this week and
/// the seven after it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResourceQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The people of this organisation and the ones below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Id>,
    /// The project's members and assignees (their load still counts all their open projects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Id>,
}

/// One week of one person (or of the unassigned work).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResourceWeek {
    /// Planned minutes from the assignments falling on this week's days.
    pub planned_minutes: i64,
    /// Scheduled working minutes of the week's working days under the person's rules.
    pub working_minutes: i64,
    /// Planned against working, in whole percent; none when the week has no working minutes.
    pub load_percent: Option<i64>,
    /// Planned more than working.
    pub over: bool,
}

/// A person's row.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResourcePerson {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    /// The person's organisation's path, empty without one.
    pub organization_path: String,
    /// One per week of the view, in order.
    pub weeks: Vec<ResourceWeek>,
    /// Sums over the view's weeks.
    pub planned_minutes: i64,
    pub working_minutes: i64,
    /// How many weeks are over-allocated.
    pub over_weeks: i64,
    /// The person's share of planned hours on assigned items without planned dates (not in any week).
    pub unscheduled_minutes: i64,
    /// How many of the person's assigned items have planned hours but no dates.
    pub unscheduled_items: i64,
}

/// Planned work no one is assigned to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResourceUnassigned {
    /// Planned minutes per week of the view (spread over the company calendar's working days).
    pub weeks: Vec<i64>,
    pub planned_minutes: i64,
    /// Items with planned hours and dates but nobody assigned.
    pub items: i64,
    /// Planned minutes of unassigned items without dates.
    pub unscheduled_minutes: i64,
    pub unscheduled_items: i64,
}

/// The resource view.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResourceView {
    /// The Mondays of the view's weeks, `YYYY-MM-DD`.
    pub weeks: Vec<String>,
    /// The ISO week names, `2026-W49`, in the same order.
    pub week_names: Vec<String>,
    /// People in login order.
    pub people: Vec<ResourcePerson>,
    pub unassigned: ResourceUnassigned,
    /// Work items (of open projects, in scope) without planned hours: nothing to spread.
    pub items_without_plan: i64,
}
