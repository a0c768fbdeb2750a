//! A project's plan against actual, earned value, cost and budgets (issue 19): the types of
//! `GET /effort/projects/{id}/plan`, the cost rates and the budgets. Computed by the pure
//! [`crate::effort::plan`]; hours are minutes, money is whole units of the company's currency.

use serde::{Deserialize, Serialize};

use super::Id;

/// A project's plan against actual as of `today`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ProjectPlan {
    pub project_id: Id,
    pub code: String,
    pub name: String,
    /// The company's today (`YYYY-MM-DD`): the earned-value figures are as of this day.
    pub today: String,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    /// The work items, parents before children, each with its sub-items' figures rolled in.
    pub items: Vec<PlanItemRow>,
    /// Effort booked on the project without a work item.
    pub unassigned: PlanFigures,
    /// The whole project: every item and the effort without one.
    pub total: PlanFigures,
    pub people: Vec<PlanPersonRow>,
    pub activities: Vec<PlanActivityRow>,
    pub earned_value: EarnedValue,
    pub budget: BudgetUse,
    /// Weekly cumulative plan, earned value and actual effort (burn-up chart).
    pub burn_up: Vec<BurnUpWeek>,
    /// The share of a budget at which it is flagged (the setting).
    pub budget_warning_percent: i64,
    /// Effort booked on a day without a cost rate for its person (not in any cost).
    pub minutes_without_rate: i64,
}

/// Plan, actual, earned value and cost of an item (its sub-items included) or the project.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PlanFigures {
    pub planned_minutes: i64,
    pub actual_minutes: i64,
    /// Planned value as of today (minutes of plan scheduled up to today by the planned dates).
    pub planned_value_minutes: i64,
    /// Earned value: progress × plan.
    pub earned_minutes: i64,
    /// Earned value over plan (None without a plan).
    pub progress_percent: Option<f64>,
    /// Actual hours × the rate valid on each day.
    pub cost: i64,
    /// Actual beyond plan (a plan exists and the actual exceeds it).
    pub over_plan: bool,
}

/// One row of the plan's tree.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PlanItemRow {
    pub work_item_id: Id,
    pub parent_id: Option<Id>,
    /// 0 for a top item.
    pub depth: u32,
    pub name: String,
    pub path: String,
    pub milestone: bool,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    /// The item's own plan (without its sub-items').
    pub own_planned_minutes: Option<i64>,
    pub figures: PlanFigures,
    pub budget: BudgetUse,
}

/// A budget and the share of it used.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct BudgetUse {
    /// None: no budget set.
    pub amount: Option<i64>,
    pub cost: i64,
    pub used_percent: Option<f64>,
    /// At or past the warning share.
    pub warning: bool,
    /// Past the budget.
    pub over: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PlanPersonRow {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    /// The plans of the items assigned to them, each shared evenly among its assignees.
    pub planned_minutes: i64,
    pub actual_minutes: i64,
    pub cost: i64,
    pub minutes_without_rate: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PlanActivityRow {
    /// 1 or 2; 0 for effort without an activity of level 1.
    pub level: i64,
    pub activity_id: Option<Id>,
    pub code: String,
    pub name: String,
    pub actual_minutes: i64,
    pub cost: i64,
}

/// Earned value in hours (minutes) as of today, with the indices and the forecast.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EarnedValue {
    /// Budget at completion: the whole plan.
    pub planned_total_minutes: i64,
    pub planned_value_minutes: i64,
    pub earned_minutes: i64,
    pub actual_minutes: i64,
    /// Schedule performance index: earned / planned value (None while no value is planned).
    pub spi: Option<f64>,
    /// Cost performance index: earned / actual (None while nothing is booked).
    pub cpi: Option<f64>,
    /// Estimate at completion: the plan at the cost performance so far (plan / CPI).
    pub forecast_minutes: Option<i64>,
    /// Cost at completion at the same performance (actual cost / earned × plan).
    pub forecast_cost: Option<i64>,
    /// Plan minus forecast (negative: over).
    pub variance_minutes: Option<i64>,
    /// Plan scheduled without any planned dates (item's or project's): no planned value.
    pub unscheduled_minutes: i64,
}

/// One week of the burn-up chart: cumulative figures at its last day (Sunday).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct BurnUpWeek {
    /// The week's Monday.
    pub week_start: String,
    pub planned_minutes: i64,
    /// None for weeks after today.
    pub earned_minutes: Option<i64>,
    pub actual_minutes: Option<i64>,
}

/// `GET /effort/projects/{id}/plan/download`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PlanDownloadQuery {
    /// `xlsx` (default) or `csv`.
    #[serde(default)]
    pub format: Option<String>,
}

/// A unit cost per hour for a person or for everyone of a role, valid from a day to a day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CostRate {
    pub id: Id,
    pub user_id: Option<Id>,
    pub role_id: Option<Id>,
    /// The person's or role's name, for showing.
    pub name: String,
    pub valid_from: String,
    /// Inclusive; None: open-ended.
    pub valid_to: Option<String>,
    pub hourly_cost: i64,
}

/// `POST /effort/cost-rates`, `PUT /effort/cost-rates/{id}`: exactly one of `user_id` and `role_id`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SaveCostRate {
    #[serde(default)]
    pub user_id: Option<Id>,
    #[serde(default)]
    pub role_id: Option<Id>,
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: Option<String>,
    pub hourly_cost: i64,
}

/// `GET /effort/cost-rates`: the rates and the budget warning setting.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CostRates {
    pub rates: Vec<CostRate>,
    pub budget_warning_percent: i64,
}

/// `PUT /effort/cost-settings`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CostSettings {
    /// A budget is flagged once this share of it is used (1–100).
    pub budget_warning_percent: i64,
}

/// `PUT /effort/projects/{id}/budget`: the project's budget (no work item) or a work item's;
/// `amount` None removes it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SetBudget {
    #[serde(default)]
    pub work_item_id: Option<Id>,
    #[serde(default)]
    pub amount: Option<i64>,
}

/// A project flagged on the manager's dashboard.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct FlaggedProject {
    pub project_id: Id,
    pub code: String,
    pub name: String,
    pub planned_minutes: i64,
    pub actual_minutes: i64,
    pub over_plan: bool,
    pub budget: BudgetUse,
}
