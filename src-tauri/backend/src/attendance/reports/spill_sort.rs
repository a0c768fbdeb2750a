//! Putting a month of records in a table's order without asking the database to sort them.
//!
//! Sorting the 3,000,000 daily rows of 100,000 people's month took SQLite about 12 s (most of
//! it writing and merging its own temporary files), against well under a second to read them in
//! the order they are stored (by date, then person). Here the rows are read in stored order and
//! each is appended to one of a few temporary bucket files by the first key of the order (a name
//! or a person key), bucket boundaries taken from the names of one day; then each bucket, small
//! enough for memory, is read back, sorted in memory and handed on. Memory holds one bucket at
//! a time, whatever the number of people; the comparison is the byte order of the texts, the
//! order SQLite (`BINARY`) and PostgreSQL (`COLLATE "C"`) give.

use std::cmp::Ordering;
use std::fs::File;
use std::io::{BufWriter, Read, Write};

use super::rows::Fields;
use crate::error::{Error, Result};

/// Rows a bucket should hold (about 150 bytes each in memory once read back).
pub(crate) const ROWS_PER_BUCKET: usize = 100_000;

/// The most buckets (open files) a sort uses.
const MOST_BUCKETS: usize = 256;

/// The type of a column of the query, as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Int,
    Text,
}

/// Rows spilled into bucket files, to be read back in order.
pub(crate) struct SpillSort {
    columns: Vec<Column>,
    /// The text columns compared, in order; the first decides the bucket.
    order: Vec<usize>,
    /// The first key's values starting buckets 1, 2, … (bucket 0 takes what sorts before).
    boundaries: Vec<String>,
    dir: tempfile::TempDir,
    files: Vec<BufWriter<File>>,
    record: Vec<u8>,
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("cannot write the temporary files of a sort: {e}"))
}

/// `sample` (values of the first key) cut into the boundaries of `buckets` buckets.
pub(crate) fn boundaries(mut sample: Vec<String>, buckets: usize) -> Vec<String> {
    let buckets = buckets.clamp(1, MOST_BUCKETS);
    sample.sort_unstable();
    sample.dedup();
    if buckets <= 1 || sample.len() < 2 {
        return Vec::new();
    }
    let step = sample.len().div_ceil(buckets).max(1);
    sample.into_iter().skip(step).step_by(step).collect()
}

impl SpillSort {
    pub(crate) fn new(columns: Vec<Column>, order: Vec<usize>, boundaries: Vec<String>) -> Result<SpillSort> {
        if order.is_empty() || order.len() > KEYS || order.iter().any(|&k| columns.get(k) != Some(&Column::Text)) {
            return Err(Error::Internal(format!("a sort needs one to {KEYS} text columns, not {order:?}")));
        }
        let dir = tempfile::Builder::new().prefix("kinmu-sort-").tempdir().map_err(io)?;
        let files = (0..=boundaries.len())
            .map(|i| File::create(dir.path().join(format!("{i}"))).map(|f| BufWriter::with_capacity(64 * 1024, f)))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(io)?;
        Ok(SpillSort { columns, order, boundaries, dir, files, record: Vec::with_capacity(512) })
    }

    /// Writes a row to its bucket: each column as 8 bytes (integers) or a length and its bytes.
    pub(crate) fn add(&mut self, f: &dyn Fields) -> Result<()> {
        self.record.clear();
        self.record.extend_from_slice(&[0; 4]);
        for (i, c) in self.columns.iter().enumerate() {
            match c {
                Column::Int => self.record.extend_from_slice(&f.int(i)?.to_le_bytes()),
                Column::Text => {
                    let t = f.text(i)?;
                    let len = u32::try_from(t.len()).map_err(|_| Error::Internal("a text too long to sort".into()))?;
                    self.record.extend_from_slice(&len.to_le_bytes());
                    self.record.extend_from_slice(t.as_bytes());
                }
            }
        }
        let len = u32::try_from(self.record.len() - 4).map_err(|_| Error::Internal("a row too long to sort".into()))?;
        self.record[..4].copy_from_slice(&len.to_le_bytes());
        let first = f.text(self.order[0])?;
        let bucket = self.boundaries.partition_point(|b| b.as_str() <= first);
        self.files[bucket].write_all(&self.record).map_err(io)?;
        Ok(())
    }

    /// Makes sure every row written is in the files.
    fn close(&mut self) -> Result<()> {
        for file in &mut self.files {
            file.flush().map_err(io)?;
        }
        self.files.clear();
        Ok(())
    }
}

/// The keys whose first bytes are compared as numbers (the order has at most three).
const KEYS: usize = 3;

/// The first sixteen bytes of a text, as a number that orders as the bytes do: rows are sorted
/// by these of each key, then by the whole texts (only when a text is longer).
fn prefix(text: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = text.len().min(16);
    b[..n].copy_from_slice(&text[..n]);
    u128::from_be_bytes(b)
}

/// Calls `each` with every row of `parts` (sorts made with the same columns, order and
/// boundaries, e.g. by readers of different days), bucket after bucket, each bucket sorted.
/// The order's keys must tell every two rows apart (they end with the row's key).
pub(crate) fn drain(mut parts: Vec<SpillSort>, mut each: impl FnMut(&dyn Fields) -> Result<()>) -> Result<()> {
    let Some(first) = parts.first() else { return Ok(()) };
    let (columns, key, count) = (first.columns.clone(), first.order.clone(), first.boundaries.len() + 1);
    for part in &mut parts {
        part.close()?;
    }
    let width = columns.len();
    let mut bytes = Vec::new();
    let mut starts: Vec<u32> = Vec::new();
    let mut order: Vec<([u128; KEYS], u32)> = Vec::new();
    for bucket in 0..count {
        bytes.clear();
        for part in &parts {
            let path = part.dir.path().join(format!("{bucket}"));
            File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(io)?;
            std::fs::remove_file(&path).map_err(io)?;
        }
        // Where each column of each row starts.
        starts.clear();
        let mut at = 0usize;
        while at + 4 <= bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
            let mut c = at + 4;
            for column in &columns {
                starts.push(c as u32);
                c += match column {
                    Column::Int => 8,
                    Column::Text => 4 + u32::from_le_bytes(bytes[c..c + 4].try_into().expect("4 bytes")) as usize,
                };
            }
            at += 4 + len;
        }
        let rows = starts.len() / width.max(1);
        let view = |r: u32| Spilled { bytes: &bytes, starts: &starts[r as usize * width..(r as usize + 1) * width] };
        order.clear();
        order.extend((0..rows as u32).map(|r| {
            let v = view(r);
            let mut prefixes = [0u128; KEYS];
            for (p, &k) in prefixes.iter_mut().zip(&key) {
                *p = prefix(v.raw_text(k));
            }
            (prefixes, r)
        }));
        order.sort_unstable_by(|(pa, a), (pb, b)| {
            pa.cmp(pb).then_with(|| {
                let (a, b) = (view(*a), view(*b));
                for &k in &key {
                    match a.raw_text(k).cmp(b.raw_text(k)) {
                        Ordering::Equal => continue,
                        other => return other,
                    }
                }
                Ordering::Equal
            })
        });
        for &(_, r) in &order {
            each(&view(r))?;
        }
    }
    Ok(())
}

/// A row read back from a bucket.
struct Spilled<'a> {
    bytes: &'a [u8],
    starts: &'a [u32],
}

impl Spilled<'_> {
    fn raw_text(&self, i: usize) -> &[u8] {
        let s = self.starts[i] as usize;
        let len = u32::from_le_bytes(self.bytes[s..s + 4].try_into().expect("4 bytes")) as usize;
        &self.bytes[s + 4..s + 4 + len]
    }
}

impl Fields for Spilled<'_> {
    fn int(&self, i: usize) -> Result<i64> {
        let s = self.starts[i] as usize;
        Ok(i64::from_le_bytes(self.bytes[s..s + 8].try_into().expect("8 bytes")))
    }

    fn text(&self, i: usize) -> Result<&str> {
        std::str::from_utf8(self.raw_text(i)).map_err(|e| Error::Internal(format!("a sorted text cannot be read back: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Given(i64, String, String);

    impl Fields for Given {
        fn int(&self, _: usize) -> Result<i64> {
            Ok(self.0)
        }
        fn text(&self, i: usize) -> Result<&str> {
            Ok(if i == 1 { &self.1 } else { &self.2 })
        }
    }

    /// Rows come back in the order of their texts (byte order) across buckets and parts,
    /// whatever order they came in.
    #[test]
    fn rows_come_back_sorted_across_buckets() {
        let names = ["佐藤", "Abe", "abe", "Zed", "", "user10", "user9", "山田", "Ōno"];
        let sample: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let bounds = boundaries(sample, 4);
        assert!(bounds.len() >= 2, "{bounds:?}");
        let columns = vec![Column::Int, Column::Text, Column::Text];
        let mut parts: Vec<SpillSort> = (0..2).map(|_| SpillSort::new(columns.clone(), vec![1, 2], bounds.clone()).unwrap()).collect();
        let mut expected = Vec::new();
        for i in 0..2000i64 {
            let sort = &mut parts[(i % 2) as usize];
            let name = format!("{}{}", names[(i * 7 % names.len() as i64) as usize], i % 5);
            // Name and day tell rows apart, as a table's order does.
            let day = format!("2024-04-{:02} {i}", 30 - i % 30);
            sort.add(&Given(i, name.clone(), day.clone())).unwrap();
            expected.push((name, day, i));
        }
        expected.sort_by(|a, b| (a.0.as_bytes(), a.1.as_bytes()).cmp(&(b.0.as_bytes(), b.1.as_bytes())));
        let mut got = Vec::new();
        drain(parts, |f| {
            got.push((f.text(1)?.to_string(), f.text(2)?.to_string(), f.int(0)?));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, expected);
    }
}
