//! Reading millions of rows from SQLite in one go, for the attendance task's events.
//!
//! sqlx runs each SQLite connection on a worker thread and hands every row over to the async
//! side through a channel: a thread switch per row, which cost about 10 µs a row (the task spent
//! most of its time there reading a day of 4,000,000 events). Here the query runs on a blocking
//! thread, on a connection of the pool whose handle sqlx lends (`lock_handle`, made for direct
//! SQLite calls), and each row's columns are read in place.

use std::ffi::{CStr, CString, c_int};
use std::marker::PhantomData;
use std::ptr::NonNull;

use libsqlite3_sys as ffi;
use sqlx::SqlitePool;

use crate::error::{Error, Result};

/// A value bound to a numbered parameter (`$1`, `$2`, …).
#[derive(Debug, Clone)]
pub enum Param {
    Int(i64),
    Text(String),
}

/// The row [`for_each_row`] is at. Only valid during the call that receives it.
pub struct RawRow<'s> {
    statement: NonNull<ffi::sqlite3_stmt>,
    _statement: PhantomData<&'s Statement>,
}

impl RawRow<'_> {
    /// Column `i` (from 0) as an integer (0 when NULL).
    pub fn int(&self, i: c_int) -> i64 {
        // SAFETY: the statement is prepared and at a row while `self` lives.
        unsafe { ffi::sqlite3_column_int64(self.statement.as_ptr(), i) }
    }

    /// Column `i` (from 0) as text ("" when NULL).
    pub fn text(&self, i: c_int) -> Result<&str> {
        // SAFETY: the statement is at a row; the text stays valid until the next step, which
        // cannot happen while the returned borrow of `self` lives. sqlite3_column_text comes
        // before sqlite3_column_bytes, as SQLite documents.
        let bytes = unsafe {
            let p = ffi::sqlite3_column_text(self.statement.as_ptr(), i);
            if p.is_null() {
                return Ok("");
            }
            let n = ffi::sqlite3_column_bytes(self.statement.as_ptr(), i);
            std::slice::from_raw_parts(p, n.max(0) as usize)
        };
        std::str::from_utf8(bytes).map_err(|e| Error::Internal(format!("column {i} is not UTF-8 text: {e}")))
    }
}

/// A prepared statement, finalized when dropped.
struct Statement(NonNull<ffi::sqlite3_stmt>);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared by sqlite3_prepare_v2 and finalized only here.
        unsafe {
            ffi::sqlite3_finalize(self.0.as_ptr());
        }
    }
}

fn sqlite_error(db: *mut ffi::sqlite3, what: &str, code: c_int) -> Error {
    // SAFETY: `db` is an open connection; the message is copied at once.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy().into_owned();
    Error::Internal(format!("SQLite {what} failed (code {code}): {message}"))
}

/// Runs `sql` with `params` on a connection of `pool`, on a blocking thread, calling `f` with
/// `state` and each row in turn; returns the state. `f` stops the query by returning an error.
pub async fn for_each_row<S, F>(pool: &SqlitePool, sql: String, params: Vec<Param>, mut state: S, mut f: F) -> Result<S>
where
    S: Send + 'static,
    F: FnMut(&mut S, &RawRow<'_>) -> Result<()> + Send + 'static,
{
    let mut connection = pool.acquire().await?;
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> Result<S> {
        // Waits for the connection's worker to stop using the handle and keeps it until dropped.
        let mut handle = runtime.block_on(connection.lock_handle())?;
        let db = handle.as_raw_handle().as_ptr();
        let text = CString::new(sql).map_err(|e| Error::Internal(e.to_string()))?;
        let mut raw: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        // SAFETY: `db` is open and ours while `handle` lives; `text` is NUL-terminated.
        let code = unsafe { ffi::sqlite3_prepare_v2(db, text.as_ptr(), -1, &mut raw, std::ptr::null_mut()) };
        if code != ffi::SQLITE_OK {
            return Err(sqlite_error(db, "prepare", code));
        }
        let statement = Statement(NonNull::new(raw).ok_or_else(|| Error::Internal("SQLite prepared an empty statement".into()))?);
        for (i, param) in params.iter().enumerate() {
            let name = CString::new(format!("${}", i + 1)).expect("no NUL");
            // SAFETY: the statement is prepared; SQLite copies the text (SQLITE_TRANSIENT).
            let code = unsafe {
                let index = ffi::sqlite3_bind_parameter_index(statement.0.as_ptr(), name.as_ptr());
                if index == 0 {
                    return Err(Error::Internal(format!("the query has no parameter ${}", i + 1)));
                }
                match param {
                    Param::Int(v) => ffi::sqlite3_bind_int64(statement.0.as_ptr(), index, *v),
                    Param::Text(v) => ffi::sqlite3_bind_text(
                        statement.0.as_ptr(),
                        index,
                        v.as_ptr().cast(),
                        c_int::try_from(v.len()).map_err(|_| Error::Internal("parameter too long".into()))?,
                        ffi::SQLITE_TRANSIENT(),
                    ),
                }
            };
            if code != ffi::SQLITE_OK {
                return Err(sqlite_error(db, "bind", code));
            }
        }
        loop {
            // SAFETY: the statement is prepared and bound; the connection has a busy timeout.
            match unsafe { ffi::sqlite3_step(statement.0.as_ptr()) } {
                ffi::SQLITE_ROW => f(&mut state, &RawRow { statement: statement.0, _statement: PhantomData })?,
                ffi::SQLITE_DONE => break,
                code => return Err(sqlite_error(db, "step", code)),
            }
        }
        drop(statement);
        drop(handle);
        Ok(state)
    })
    .await
    .map_err(|e| Error::Internal(format!("the SQLite reader stopped: {e}")))?
}
