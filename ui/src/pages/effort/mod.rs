//! Effort tracking's pages: projects and their work breakdown, approvals, and the effort settings.

pub mod approvals;
pub mod projects;
pub mod settings;
