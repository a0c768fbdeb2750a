//! A project's schedule, the Gantt chart of its work breakdown (issue 19): the type of
//! `GET /effort/projects/{id}/schedule`. Computed by the pure [`crate::effort::schedule`]; dates
//! are `YYYY-MM-DD`, hours are minutes.

use serde::{Deserialize, Serialize};

use super::{Id, ProgressMode};

/// The chart of a project's work items as of `today`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ProjectSchedule {
    pub project_id: Id,
    pub code: String,
    pub name: String,
    /// The company's today: the today line, and what is late.
    pub today: String,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    /// How progress is had: entered per item, or derived from effort against plan.
    pub progress_mode: ProgressMode,
    /// The chart's first day (a Monday) and last day (a Sunday): every bar, every day with effort
    /// on an item, the project's planned dates and today fall inside.
    pub from: String,
    pub to: String,
    /// The Monday of every week from `from` to `to`.
    pub weeks: Vec<String>,
    /// The work items, parents before children (the tree's order).
    pub rows: Vec<ScheduleRow>,
    /// How many rows are late.
    pub late_count: usize,
}

/// One work item of the chart, its sub-items rolled in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ScheduleRow {
    pub work_item_id: Id,
    pub parent_id: Option<Id>,
    /// 0 for a top item.
    pub depth: u32,
    pub name: String,
    pub path: String,
    pub has_children: bool,
    /// The item's own planned dates, as stored (what the form edits).
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    /// The planned bar: the item's own dates, widened to span its sub-items' bars. None: neither
    /// the item nor any sub-item has a planned date.
    pub bar_start: Option<String>,
    pub bar_end: Option<String>,
    /// The item's own plan (what the form edits) and the plan with its sub-items'.
    pub own_planned_minutes: Option<i64>,
    pub planned_minutes: i64,
    /// The item's own entered progress (what the form edits).
    pub own_progress_percent: Option<i64>,
    /// The progress shown: earned over plan with the sub-items (the project's progress mode);
    /// without a plan, the entered progress.
    pub progress_percent: Option<i64>,
    pub milestone: bool,
    /// The bar's end is before today and the progress is under 100 %.
    pub late: bool,
    /// Effort entered on the item and its sub-items.
    pub actual_minutes: i64,
    pub first_actual: Option<String>,
    pub last_actual: Option<String>,
    /// The effort per week with any (its Monday), in date order.
    pub actual_weeks: Vec<ScheduleWeek>,
}

/// Effort in the week starting on `week` (a Monday).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ScheduleWeek {
    pub week: String,
    pub minutes: i64,
}
