//! Client module updates (issue 20): the releases, published as a signed TUF repository
//! ([`releases`]); the administrator's update policy ([`policy`]); desktop clients checking in and
//! the transfer slots they are admitted to or wait for ([`clients`]); and the events they report,
//! kept as update records and a system log ([`records`]). The rules (start-up decision, install
//! kinds, results, log levels) are pure, in [`kinmu_shared::update_policy`].

pub mod clients;
pub mod policy;
pub mod records;
pub mod releases;
