//! Events of a file that is not in time order, put in time order on disk before they
//! are stored.
//!
//! The events table is kept in key order, time first. A file in time order adds to its end,
//! which is fast; a file in any other order (by user, say, as some exports are written) puts
//! each event on any page of the table, and once the table outgrows the cache every event
//! costs a page write: 9,000,000 such events went in at about 60,000 a second against 650,000
//! in time order. So when a batch reaches back further than the plan's tolerance
//! ([`super::ImportPlan`]) before the latest event handed over, the rest of the file is read
//! into runs of the plan's size, each sorted in memory and written to a temporary file, and
//! the runs are then merged into one stream in time order ([`merge_order`]; the last run straight
//! from memory). Memory holds two runs at most (one filled, one written by [`RunWriter`]); when
//! there are [`MAX_RUN_FILES`] files they are merged into one.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};

use kinmu_pc_logs::EventKey;

use super::EventRow;

/// The most run files a sort keeps open at once (see the module's documentation).
const MAX_RUN_FILES: usize = 128;
/// Buffer of each run file, written or read.
const FILE_BUFFER: usize = 1 << 18;

/// Sorted runs of events in temporary files.
pub(super) struct SortedRuns {
    dir: tempfile::TempDir,
    files: Vec<File>,
}

impl SortedRuns {
    /// A new sort, its files in a new folder in the system's temporary folder.
    pub fn new() -> io::Result<SortedRuns> {
        Ok(SortedRuns { dir: tempfile::Builder::new().prefix("kinmu-import-").tempdir()?, files: Vec::new() })
    }

    /// The temporary folder the runs are written in (for messages).
    pub fn folder() -> String {
        std::env::temp_dir().display().to_string()
    }

    /// Sorts `run` and writes it as one more run; `run` is left empty.
    pub fn write_run(&mut self, run: &mut Vec<EventRow>) -> io::Result<()> {
        run.sort_unstable_by(merge_order);
        if self.files.len() == MAX_RUN_FILES {
            // Too many files to merge at once: the runs so far become one.
            let mut out = BufWriter::with_capacity(FILE_BUFFER, tempfile::tempfile_in(self.dir.path())?);
            let files = std::mem::take(&mut self.files);
            merge(files, Vec::new(), |row| write_row(&mut out, &row))?;
            self.files.push(finished(out)?);
        }
        let mut out = BufWriter::with_capacity(FILE_BUFFER, tempfile::tempfile_in(self.dir.path())?);
        for row in run.drain(..) {
            write_row(&mut out, &row)?;
        }
        self.files.push(finished(out)?);
        Ok(())
    }

    /// Calls `each` with every event of the runs and of `last` (not yet written), in
    /// [`merge_order`].
    pub fn merge(self, mut last: Vec<EventRow>, each: impl FnMut(EventRow) -> io::Result<()>) -> io::Result<()> {
        last.sort_unstable_by(merge_order);
        let result = merge(self.files, last, each);
        drop(self.dir);
        result
    }
}

/// [`SortedRuns`] written on a thread of its own: the reading thread hands each full run over
/// and reads on while the run is sorted and written (9,000,000 events out of order: the
/// reading part went from about 12.5 to 9 s, the import from 27.5 to 21.5 s). Two runs are in memory at most: the one being
/// filled and the one being written.
pub(super) struct RunWriter {
    runs: Option<std::sync::mpsc::SyncSender<Vec<EventRow>>>,
    thread: Option<std::thread::JoinHandle<io::Result<SortedRuns>>>,
}

impl RunWriter {
    pub fn start() -> io::Result<RunWriter> {
        let mut sorted = SortedRuns::new()?;
        let (runs, received) = std::sync::mpsc::sync_channel::<Vec<EventRow>>(0);
        let thread = std::thread::Builder::new().name("kinmu-import-sort".into()).spawn(move || {
            for mut run in received {
                sorted.write_run(&mut run)?;
            }
            Ok(sorted)
        })?;
        Ok(RunWriter { runs: Some(runs), thread: Some(thread) })
    }

    /// Hands `run` over to be sorted and written, once the run before is written.
    pub fn write(&mut self, run: Vec<EventRow>) -> io::Result<()> {
        let sent = self.runs.as_ref().is_some_and(|runs| runs.send(run).is_ok());
        if sent {
            return Ok(());
        }
        // The thread stopped: its error.
        match self.finish_thread() {
            Ok(_) => Err(io::Error::other("the sorting thread stopped")),
            Err(e) => Err(e),
        }
    }

    /// The runs, once every run handed over is written.
    pub fn finish(mut self) -> io::Result<SortedRuns> {
        self.finish_thread()
    }

    fn finish_thread(&mut self) -> io::Result<SortedRuns> {
        self.runs = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the sorting thread panicked")),
            None => Err(io::Error::other("the sorting thread has stopped")),
        }
    }
}

/// The order of the runs and of their merge: time, hash, line. Events of the same time come in
/// the order of their hashes rather than of their users (the table's key order), which spares
/// the merge a comparison of texts for every tie (a log has many events in the same second)
/// and still puts each second's events on the same few pages. Duplicates (same time, user
/// and hash) come in the order of their lines, so the first is the one stored.
fn merge_order(a: &EventRow, b: &EventRow) -> Ordering {
    (a.key.time_micros, a.hash, a.position).cmp(&(b.key.time_micros, b.hash, b.position))
}

/// A written run file, flushed and rewound for reading.
fn finished(out: BufWriter<File>) -> io::Result<File> {
    use std::io::Seek;
    let mut file = out.into_inner().map_err(|e| e.into_error())?;
    file.seek(io::SeekFrom::Start(0))?;
    Ok(file)
}

/// The next event of each run, smallest key on top.
struct Head {
    row: EventRow,
    run: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Head) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Head) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    /// Reversed: `BinaryHeap` keeps the largest on top.
    fn cmp(&self, other: &Head) -> Ordering {
        merge_order(&other.row, &self.row)
    }
}

/// Merges the sorted run files and the sorted `memory` run into `each`.
fn merge(files: Vec<File>, memory: Vec<EventRow>, mut each: impl FnMut(EventRow) -> io::Result<()>) -> io::Result<()> {
    let mut readers: Vec<BufReader<File>> = files.into_iter().map(|f| BufReader::with_capacity(FILE_BUFFER, f)).collect();
    let mut memory = memory.into_iter();
    let memory_run = readers.len();
    let mut next = |run: usize, readers: &mut Vec<BufReader<File>>| -> io::Result<Option<EventRow>> {
        if run == memory_run { Ok(memory.next()) } else { read_row(&mut readers[run]) }
    };
    let mut heap = BinaryHeap::with_capacity(memory_run + 1);
    for run in 0..=memory_run {
        if let Some(row) = next(run, &mut readers)? {
            heap.push(Head { row, run });
        }
    }
    while let Some(Head { row, run }) = heap.pop() {
        if let Some(following) = next(run, &mut readers)? {
            heap.push(Head { row: following, run });
        }
        each(row)?;
    }
    Ok(())
}

/// An event in a run file: time, hash and line as 8 bytes each, then the user key, user, host,
/// target, operation and detail, each as its length (4 bytes) and its UTF-8 bytes.
fn write_row(out: &mut impl Write, r: &EventRow) -> io::Result<()> {
    out.write_all(&r.key.time_micros.to_le_bytes())?;
    out.write_all(&r.hash.to_le_bytes())?;
    out.write_all(&r.position.to_le_bytes())?;
    for text in [&r.user_key, &r.key.user, &r.key.host, &r.key.target, &r.key.operation, &r.key.detail] {
        let len = u32::try_from(text.len()).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a field longer than 4 GiB"))?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The next event of a run file, or `None` at its end.
fn read_row(input: &mut impl Read) -> io::Result<Option<EventRow>> {
    let mut fixed = [0u8; 24];
    // The end of the file only before an event's first byte: anywhere else it is cut.
    loop {
        match input.read(&mut fixed[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    input.read_exact(&mut fixed[1..])?;
    let int = |i: usize| i64::from_le_bytes(fixed[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    let mut text = || -> io::Result<String> {
        let mut len = [0u8; 4];
        input.read_exact(&mut len)?;
        let len = u32::from_le_bytes(len) as usize;
        // Read into the vector's spare room: a zeroed buffer cost as much as the rest of the read.
        let mut bytes = Vec::with_capacity(len);
        (&mut *input).take(len as u64).read_to_end(&mut bytes)?;
        if bytes.len() != len {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "a run file ends inside an event"));
        }
        String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a run file holds text that is not UTF-8"))
    };
    let user_key = text()?;
    let (user, host, target, operation, detail) = (text()?, text()?, text()?, text()?, text()?);
    Ok(Some(EventRow {
        user_key,
        key: EventKey { time_micros: int(0), user, host, target, operation, detail },
        hash: int(1),
        position: int(2),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(time: i64, user: &str, position: i64) -> EventRow {
        EventRow {
            user_key: user.to_lowercase(),
            key: EventKey {
                time_micros: time,
                user: user.to_string(),
                host: "PC01".into(),
                target: String::new(),
                operation: "LOGON".into(),
                detail: format!("ClientName:PC{position} 勤務"),
            },
            hash: time.wrapping_mul(31) ^ position,
            position,
        }
    }

    /// The merge order's fields first, then the others.
    fn key(r: &EventRow) -> (i64, i64, i64, String, String, String, String, String, String) {
        (
            r.key.time_micros,
            r.hash,
            r.position,
            r.user_key.clone(),
            r.key.user.clone(),
            r.key.host.clone(),
            r.key.target.clone(),
            r.key.operation.clone(),
            r.key.detail.clone(),
        )
    }

    /// Rows in a scrambled order, with equal times and users.
    fn scrambled(n: i64) -> Vec<EventRow> {
        (0..n).map(|i| row((i * 7919) % 97 * 1_000_000, &format!("User{}", i % 5), i)).collect()
    }

    fn sorted_through_runs(rows: Vec<EventRow>, run_rows: usize) -> (Vec<EventRow>, usize) {
        let mut runs = SortedRuns::new().unwrap();
        let mut run = Vec::new();
        let mut files = 0;
        for r in rows {
            run.push(r);
            if run.len() == run_rows {
                runs.write_run(&mut run).unwrap();
                files = files.max(runs.files.len());
            }
        }
        let mut out = Vec::new();
        runs.merge(run, |r| {
            out.push(r);
            Ok(())
        })
        .unwrap();
        (out, files)
    }

    #[test]
    fn runs_merge_into_time_hash_and_line_order_with_every_field_kept() {
        let rows = scrambled(1_000);
        let mut want: Vec<_> = rows.iter().map(key).collect();
        want.sort();
        for run_rows in [1, 7, 100, 999, 1_000, 5_000] {
            let (got, _) = sorted_through_runs(scrambled(1_000), run_rows);
            assert_eq!(got.iter().map(key).collect::<Vec<_>>(), want, "runs of {run_rows}");
        }
    }

    #[test]
    fn more_runs_than_files_open_at_once_are_merged_first() {
        let n = (MAX_RUN_FILES * 3 + 5) as i64;
        let (got, most_files) = sorted_through_runs(scrambled(n), 1);
        assert!(most_files <= MAX_RUN_FILES, "{most_files} files open");
        let mut want: Vec<_> = scrambled(n).iter().map(key).collect();
        want.sort();
        assert_eq!(got.iter().map(key).collect::<Vec<_>>(), want);
    }

    #[test]
    fn a_cut_run_file_is_an_error_not_a_shorter_run() {
        let mut bytes = Vec::new();
        write_row(&mut bytes, &row(1, "a", 1)).unwrap();
        let whole = read_row(&mut bytes.as_slice()).unwrap().unwrap();
        assert_eq!(key(&whole), key(&row(1, "a", 1)));
        for cut in 1..bytes.len() {
            assert!(read_row(&mut &bytes[..cut]).is_err(), "cut after {cut} bytes");
        }
        assert!(read_row(&mut &bytes[..0]).unwrap().is_none());
    }
}
