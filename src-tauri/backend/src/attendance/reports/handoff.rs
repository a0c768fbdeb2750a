//! Rows handed to a sink on a thread of its own, in batches through a bounded channel, so two
//! cores share a big file: the reader decodes rows while the file set writes the ones before
//! ([`super::stream`]), and an Excel piece works through its backlog and compresses while the
//! next piece takes rows ([`super::files`]).

use std::sync::mpsc::SyncSender;
use std::thread::JoinHandle;

use super::rows::RowSink;
use super::table::Row;
use crate::error::{Error, Result};

/// Rows handed over at a time.
const ROWS_PER_BATCH: usize = 256;

/// A sink taking rows on its thread; what it ends as (`T`) comes back from [`Handoff::finish`].
pub(crate) struct Handoff<T> {
    batch: Vec<Row>,
    tx: Option<SyncSender<Vec<Row>>>,
    worker: Option<JoinHandle<Result<T>>>,
}

impl<T: Send + 'static> Handoff<T> {
    /// Starts `sink` on a thread with room for `backlog` batches waiting; once every row is
    /// taken, `end` turns the sink into the result, on that thread.
    pub(crate) fn start<S: RowSink>(mut sink: S, backlog: usize, end: impl FnOnce(S) -> Result<T> + Send + 'static) -> Handoff<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Row>>(backlog);
        let worker = std::thread::spawn(move || {
            for batch in rx {
                for row in batch {
                    sink.push(row)?;
                }
            }
            end(sink)
        });
        Handoff { batch: Vec::with_capacity(ROWS_PER_BATCH), tx: Some(tx), worker: Some(worker) }
    }

    /// Hands `row` over; when the sink has stopped, its error.
    pub(crate) fn push(&mut self, row: Row) -> Result<()> {
        self.batch.push(row);
        if self.batch.len() < ROWS_PER_BATCH || self.send() {
            return Ok(());
        }
        // The sink stopped on an error: that error is the one to report.
        match self.join() {
            Err(e) => Err(e),
            Ok(_) => Err(Error::Internal("the file writer stopped".into())),
        }
    }

    /// Whether the batch reached the sink's thread.
    fn send(&mut self) -> bool {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(ROWS_PER_BATCH));
        self.tx.as_ref().is_some_and(|tx| tx.send(batch).is_ok())
    }

    /// No more rows: the sink takes the last ones and ends, without waiting for it.
    pub(crate) fn close(&mut self) {
        if !self.batch.is_empty() {
            // A sink that stopped tells why when joined.
            self.send();
        }
        self.tx = None;
    }

    fn join(&mut self) -> Result<T> {
        self.tx = None;
        let worker = self.worker.take().ok_or_else(|| Error::Internal("the file writer has stopped".into()))?;
        worker.join().map_err(|_| Error::Internal("the file writer failed".into()))?
    }

    /// Hands over the last rows and waits for the sink to end.
    pub(crate) fn finish(mut self) -> Result<T> {
        self.close();
        self.join()
    }
}

impl<T> Drop for Handoff<T> {
    /// Given up (a read or another file failed): the sink takes what it was given and ends (a
    /// file set then removes its half-written files) before the error is reported.
    fn drop(&mut self) {
        self.tx = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
