//! Rows in and out of a streamed table: [`Fields`], a stored row as either engine's reader gives
//! it, and [`RowSink`], where the finished rows go (memory, a file set, another thread).

use super::table::Row;
use crate::error::Result;

/// A column as read: a row of any engine.
pub(crate) trait Fields {
    fn int(&self, i: usize) -> Result<i64>;
    fn text(&self, i: usize) -> Result<&str>;
}

/// Where streamed rows go.
pub trait RowSink: Send + 'static {
    fn push(&mut self, row: Row) -> Result<()>;
}

impl RowSink for Vec<Row> {
    fn push(&mut self, row: Row) -> Result<()> {
        Vec::push(self, row);
        Ok(())
    }
}
