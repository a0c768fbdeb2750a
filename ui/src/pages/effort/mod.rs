//! Effort tracking's pages: the person's week grid (with the month's gaps and the period's
//! submission).

pub mod week;
