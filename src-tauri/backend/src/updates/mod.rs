//! Client module updates (issue 20): the releases, published as a signed TUF repository
//! ([`releases`]).

pub mod releases;
