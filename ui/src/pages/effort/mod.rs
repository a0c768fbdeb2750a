//! Effort tracking's pages: the person's week grid (with the month's gaps and the period's
//! submission), the dashboards on the home page; projects and their work breakdown, approvals, the
//! monthly gap report, a project's plan against actual and cost, the resource view
//! (planned hours per person and week against working hours), and the effort settings.

pub mod approvals;
pub mod dashboard;
pub mod gantt;
pub mod gaps;
pub mod import;
pub mod plan;
pub mod projects;
pub mod report;
pub mod resources;
pub mod settings;
pub mod week;
