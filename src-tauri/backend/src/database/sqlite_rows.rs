//! Reading millions of rows from SQLite in one go, for the attendance task's events, and
//! writing many rows through statements prepared once ([`with_connection`]).
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

/// Binds `value` to parameter `index` of `statement`; SQLite copies a text when `copied`.
///
/// # Safety
/// `statement` is prepared on `db` and not running. A text not copied must stay alive and
/// unchanged until the statement's bindings are cleared or it is finalized.
unsafe fn bind(db: *mut ffi::sqlite3, statement: *mut ffi::sqlite3_stmt, index: c_int, value: Value<'_>, copied: bool) -> Result<()> {
    // SAFETY: as the caller promises.
    let code = unsafe {
        match value {
            Value::Int(v) => ffi::sqlite3_bind_int64(statement, index, v),
            Value::Null => ffi::sqlite3_bind_null(statement, index),
            Value::Text(v) => ffi::sqlite3_bind_text(
                statement,
                index,
                v.as_ptr().cast(),
                c_int::try_from(v.len()).map_err(|_| Error::Internal("a value too long for SQLite".into()))?,
                if copied { ffi::SQLITE_TRANSIENT() } else { ffi::SQLITE_STATIC() },
            ),
        }
    };
    if code != ffi::SQLITE_OK {
        return Err(sqlite_error(db, "bind", code));
    }
    Ok(())
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
    with_connection(pool, move |c| {
        c.prepare(&sql)?.for_each_row(&params, |row| f(&mut state, row))?;
        Ok(state)
    })
    .await
}

/// A value bound to a parameter of a [`Prepared`] statement, borrowed for one execution only.
pub use super::Value;

/// An SQLite connection of a pool, lent by sqlx, on the blocking thread of [`with_connection`]
/// (it cannot leave that thread: it is neither `Send` nor `Sync`). A transaction still open when
/// it is dropped (after an error or a panic) is rolled back, so that the connection goes back to
/// the pool as sqlx left it.
pub struct Connection<'h> {
    db: NonNull<ffi::sqlite3>,
    _handle: PhantomData<&'h mut ffi::sqlite3>,
}

impl Connection<'_> {
    /// Runs `sql` (one or more statements without parameters, e.g. `BEGIN IMMEDIATE`, `COMMIT`).
    pub fn execute(&self, sql: &str) -> Result<()> {
        let text = CString::new(sql).map_err(|e| Error::Internal(e.to_string()))?;
        // SAFETY: the connection is open and ours while `self` lives; `text` is NUL-terminated;
        // no callback, so no callback argument; no error message is asked for (it is read with
        // sqlite3_errmsg instead).
        let code = unsafe { ffi::sqlite3_exec(self.db.as_ptr(), text.as_ptr(), None, std::ptr::null_mut(), std::ptr::null_mut()) };
        if code != ffi::SQLITE_OK {
            return Err(sqlite_error(self.db.as_ptr(), "exec", code));
        }
        Ok(())
    }

    /// Whether a transaction is open (the connection is not in autocommit mode).
    pub fn in_transaction(&self) -> bool {
        // SAFETY: the connection is open while `self` lives.
        unsafe { ffi::sqlite3_get_autocommit(self.db.as_ptr()) == 0 }
    }

    /// Prepares `sql` once, to execute it many times with [`Prepared::execute`]. Its parameters
    /// are anonymous (`?`) or numbered (`?1`, `?2`, …) and bound in order.
    pub fn prepare(&self, sql: &str) -> Result<Prepared<'_>> {
        let text = CString::new(sql).map_err(|e| Error::Internal(e.to_string()))?;
        let mut raw: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        // SAFETY: the connection is open and ours while `self` lives; `text` is NUL-terminated.
        let code = unsafe { ffi::sqlite3_prepare_v2(self.db.as_ptr(), text.as_ptr(), -1, &mut raw, std::ptr::null_mut()) };
        if code != ffi::SQLITE_OK {
            return Err(sqlite_error(self.db.as_ptr(), "prepare", code));
        }
        let statement = Statement(NonNull::new(raw).ok_or_else(|| Error::Internal("SQLite prepared an empty statement".into()))?);
        // SAFETY: the statement is prepared.
        let parameters = unsafe { ffi::sqlite3_bind_parameter_count(statement.0.as_ptr()) }.max(0) as usize;
        Ok(Prepared { statement, db: self.db, parameters, _connection: PhantomData })
    }
}

impl Drop for Connection<'_> {
    fn drop(&mut self) {
        if self.in_transaction() {
            // Best effort: an error here leaves nothing better to do.
            let _ = self.execute("ROLLBACK");
        }
    }
}

/// A statement prepared on a [`Connection`], executed many times (bind, step, reset), and
/// finalized when dropped. It cannot outlive its connection.
pub struct Prepared<'c> {
    statement: Statement,
    db: NonNull<ffi::sqlite3>,
    parameters: usize,
    _connection: PhantomData<&'c Connection<'c>>,
}

impl Prepared<'_> {
    /// Binds `params` to the numbered parameters `$1`, `$2`, … (SQLite copies them) and calls
    /// `f` with each row the statement returns.
    fn for_each_row(&mut self, params: &[Param], mut f: impl FnMut(&RawRow<'_>) -> Result<()>) -> Result<()> {
        let (statement, db) = (self.statement.0.as_ptr(), self.db.as_ptr());
        for (i, param) in params.iter().enumerate() {
            let name = CString::new(format!("${}", i + 1)).expect("no NUL");
            // SAFETY: the statement is prepared; `name` is NUL-terminated.
            let index = unsafe { ffi::sqlite3_bind_parameter_index(statement, name.as_ptr()) };
            if index == 0 {
                return Err(Error::Internal(format!("the query has no parameter ${}", i + 1)));
            }
            let value = match param {
                Param::Int(v) => Value::Int(*v),
                Param::Text(v) => Value::Text(v),
            };
            // SAFETY: the statement is prepared and not running; SQLite copies the text.
            unsafe { bind(db, statement, index, value, true)? };
        }
        loop {
            // SAFETY: the statement is prepared and bound; the connection has a busy timeout.
            match unsafe { ffi::sqlite3_step(statement) } {
                ffi::SQLITE_ROW => f(&RawRow { statement: self.statement.0, _statement: PhantomData })?,
                ffi::SQLITE_DONE => return Ok(()),
                code => return Err(sqlite_error(db, "step", code)),
            }
        }
    }

    /// Binds `values` to the statement's parameters (all of them, in order), runs it to its end
    /// (it must return no row, e.g. an `INSERT`) and resets it; returns the rows it changed
    /// (`sqlite3_changes`: 0 for an `INSERT OR IGNORE` that ignored its row). Text is bound
    /// without being copied: the bindings are cleared before this returns, so SQLite keeps no
    /// pointer to `values`.
    pub fn execute(&mut self, values: &[Value<'_>]) -> Result<u64> {
        if values.len() != self.parameters {
            return Err(Error::Internal(format!("the statement has {} parameters, {} values given", self.parameters, values.len())));
        }
        let statement = self.statement.0.as_ptr();
        let db = self.db.as_ptr();
        let run = || -> Result<u64> {
            for (i, value) in values.iter().enumerate() {
                // SAFETY: the statement is prepared and not running (reset after every
                // execution); the index is within its parameters (checked above). SQLite reads
                // the text in place: it stays borrowed until the bindings are cleared below,
                // before this function returns.
                unsafe { bind(db, statement, i as c_int + 1, *value, false)? };
            }
            // SAFETY: the statement is prepared and bound; the connection has a busy timeout.
            match unsafe { ffi::sqlite3_step(statement) } {
                // SAFETY: the connection is open; it counts the rows of the statement just done.
                ffi::SQLITE_DONE => Ok(unsafe { ffi::sqlite3_changes(db) }.max(0) as u64),
                ffi::SQLITE_ROW => Err(Error::Internal("the statement returned a row".into())),
                code => Err(sqlite_error(db, "step", code)),
            }
        };
        let result = run();
        // SAFETY: the statement is prepared; resetting it ends its execution (its error, if any,
        // was read above) and clearing its bindings drops SQLite's pointers to `values`.
        unsafe {
            ffi::sqlite3_reset(statement);
            ffi::sqlite3_clear_bindings(statement);
        }
        result
    }
}

/// Runs `f` on a blocking thread with a connection of `pool` whose handle sqlx lends, for bulk
/// reads ([`for_each_row`]) and writes through prepared statements; returns what `f` returns.
/// `f` runs its own transactions (`BEGIN IMMEDIATE` … `COMMIT` with [`Connection::execute`]); one
/// left open is rolled back.
pub async fn with_connection<T, F>(pool: &SqlitePool, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Connection<'_>) -> Result<T> + Send + 'static,
{
    let mut connection = pool.acquire().await?;
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> Result<T> {
        // Waits for the connection's worker to stop using the handle and keeps it until dropped.
        let mut handle = runtime.block_on(connection.lock_handle())?;
        let connection = Connection { db: handle.as_raw_handle(), _handle: PhantomData };
        let result = f(&connection);
        // Rolls back a transaction left open, while the handle is still locked.
        drop(connection);
        drop(handle);
        result
    })
    .await
    .map_err(|e| Error::Internal(format!("the SQLite connection's thread stopped: {e}")))?
}
