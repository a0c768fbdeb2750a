//! PostgreSQL's `COPY`, for the bulk paths on that engine: rows written with `COPY … FROM STDIN`
//! in its text format ([`CopyRows`]) and read with `COPY (SELECT …) TO STDOUT` in its binary
//! format ([`read_binary`]). Both skip what a statement per row (or per batch of rows) costs:
//! parsing and planning each statement, and, on the way out, the driver's per-row decoding.
//! `COPY … TO STDOUT` takes no parameters: values go into its text as literals ([`text_literal`]).

use futures_util::TryStreamExt;
use sqlx::PgConnection;

use super::Value;
use crate::error::{Error, Result};

/// Rows for `COPY table (columns) FROM STDIN` (text format: columns separated by tabs, `\N` for
/// NULL, backslash escapes), sent in pieces of about a mebibyte.
pub struct CopyRows {
    buffer: Vec<u8>,
    /// Whether the current row has a column yet (the next one needs a tab before it).
    started: bool,
}

/// How much [`CopyRows`] gathers before sending.
const SEND_BYTES: usize = 1 << 20;

impl CopyRows {
    pub fn new() -> CopyRows {
        CopyRows { buffer: Vec::with_capacity(SEND_BYTES + 4096), started: false }
    }

    fn separate(&mut self) {
        if self.started {
            self.buffer.push(b'\t');
        }
        self.started = true;
    }

    pub fn int(&mut self, v: i64) {
        self.separate();
        self.buffer.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    pub fn null(&mut self) {
        self.separate();
        self.buffer.extend_from_slice(b"\\N");
    }

    pub fn text(&mut self, v: &str) {
        self.separate();
        for &b in v.as_bytes() {
            match b {
                b'\\' => self.buffer.extend_from_slice(b"\\\\"),
                b'\t' => self.buffer.extend_from_slice(b"\\t"),
                b'\n' => self.buffer.extend_from_slice(b"\\n"),
                b'\r' => self.buffer.extend_from_slice(b"\\r"),
                _ => self.buffer.push(b),
            }
        }
    }

    /// The next column, as [`Value`] says.
    pub fn value(&mut self, v: Value<'_>) {
        match v {
            Value::Int(i) => self.int(i),
            Value::Text(t) => self.text(t),
            Value::Null => self.null(),
        }
    }

    /// A whole row: its columns, then [`CopyRows::end_row`].
    pub async fn row(&mut self, columns: &[Value<'_>], copy: &mut sqlx::postgres::PgCopyIn<&mut PgConnection>) -> Result<()> {
        for v in columns {
            self.value(*v);
        }
        self.end_row(copy).await
    }

    /// Ends the row; sends what has gathered once it is large enough.
    pub async fn end_row(&mut self, copy: &mut sqlx::postgres::PgCopyIn<&mut PgConnection>) -> Result<()> {
        self.buffer.push(b'\n');
        self.started = false;
        if self.buffer.len() >= SEND_BYTES {
            copy.send(self.buffer.as_slice()).await?;
            self.buffer.clear();
        }
        Ok(())
    }

    /// Sends the rest and ends the `COPY`; the number of rows copied.
    pub async fn finish(self, mut copy: sqlx::postgres::PgCopyIn<&mut PgConnection>) -> Result<u64> {
        if !self.buffer.is_empty() {
            copy.send(self.buffer.as_slice()).await?;
        }
        Ok(copy.finish().await?)
    }
}

impl Default for CopyRows {
    fn default() -> Self {
        CopyRows::new()
    }
}

/// `s` as an SQL string literal in the escape-string form (`E'…'`), which reads the same
/// whatever `standard_conforming_strings` says.
pub fn text_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    out.push_str("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            // PostgreSQL's text holds no NUL (the import rejects lines with one); dropped, so
            // the literal stays valid.
            '\0' => {}
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One column of a row read by [`read_binary`]: NULL or its bytes in PostgreSQL's binary form.
#[derive(Clone, Copy)]
pub struct Column<'a>(Option<&'a [u8]>);

impl<'a> Column<'a> {
    /// A `text` column's value.
    pub fn text(&self) -> Result<&'a str> {
        let bytes = self.0.ok_or_else(|| Error::Internal("COPY: a text column is NULL".into()))?;
        std::str::from_utf8(bytes).map_err(|_| Error::Internal("COPY: a text column is not UTF-8".into()))
    }

    /// A `bigint` column's value.
    pub fn int(&self) -> Result<i64> {
        let bytes = self.0.ok_or_else(|| Error::Internal("COPY: a bigint column is NULL".into()))?;
        let bytes: [u8; 8] = bytes.try_into().map_err(|_| Error::Internal("COPY: a bigint column is not 8 bytes".into()))?;
        Ok(i64::from_be_bytes(bytes))
    }
}

/// The most columns [`read_binary`] reads per row.
pub const MAX_COLUMNS: usize = 16;

/// The signature that opens PostgreSQL's binary `COPY` data.
const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Runs `COPY (query) TO STDOUT (FORMAT binary)` on `conn` and calls `row` with each row's
/// columns, threading `state` through. `columns` is how many columns the query selects.
pub async fn read_binary<S>(
    conn: &mut PgConnection,
    query: &str,
    columns: usize,
    mut state: S,
    mut row: impl FnMut(&mut S, &[Column<'_>]) -> Result<()>,
) -> Result<S> {
    let mut stream = conn.copy_out_raw(&format!("COPY ({query}) TO STDOUT (FORMAT binary)")).await?;
    let mut rows = BinaryRows::new(columns);
    while let Some(piece) = stream.try_next().await? {
        rows.feed(&piece, &mut state, &mut row)?;
    }
    rows.finish()?;
    Ok(state)
}

/// The parser of binary `COPY` data, fed the pieces as they arrive (a row may span pieces).
struct BinaryRows {
    columns: usize,
    /// Data not yet parsed: the start of a row (or of the header) the next piece completes.
    pending: Vec<u8>,
    header_read: bool,
    ended: bool,
}

impl BinaryRows {
    fn new(columns: usize) -> BinaryRows {
        assert!(columns <= MAX_COLUMNS, "binary COPY is read with at most {MAX_COLUMNS} columns");
        BinaryRows { columns, pending: Vec::new(), header_read: false, ended: false }
    }

    fn feed<S>(&mut self, piece: &[u8], state: &mut S, row: &mut impl FnMut(&mut S, &[Column<'_>]) -> Result<()>) -> Result<()> {
        if self.ended {
            return Ok(());
        }
        // Most pieces hold whole rows: they are parsed in place, and only a tail is kept.
        if self.pending.is_empty() {
            let used = self.parse(piece, state, row)?;
            self.pending.extend_from_slice(&piece[used..]);
        } else {
            let mut data = std::mem::take(&mut self.pending);
            data.extend_from_slice(piece);
            let used = self.parse(&data, state, row)?;
            data.drain(..used);
            self.pending = data;
        }
        Ok(())
    }

    /// Parses the whole rows at the start of `data`; how many bytes they took.
    fn parse<S>(&mut self, data: &[u8], state: &mut S, row: &mut impl FnMut(&mut S, &[Column<'_>]) -> Result<()>) -> Result<usize> {
        let mut at = 0;
        if !self.header_read {
            // The signature, flags (4 bytes), the extension's length (4 bytes) and the extension.
            let fixed = SIGNATURE.len() + 8;
            if data.len() < fixed {
                return Ok(0);
            }
            if &data[..SIGNATURE.len()] != SIGNATURE {
                return Err(Error::Internal("COPY: the binary data does not start with its signature".into()));
            }
            let extension = u32::from_be_bytes(data[fixed - 4..fixed].try_into().expect("4 bytes")) as usize;
            if data.len() < fixed + extension {
                return Ok(0);
            }
            at = fixed + extension;
            self.header_read = true;
        }
        let mut cells = [Column(None); MAX_COLUMNS];
        loop {
            let rest = &data[at..];
            if rest.len() < 2 {
                return Ok(at);
            }
            let count = i16::from_be_bytes([rest[0], rest[1]]);
            if count == -1 {
                self.ended = true;
                return Ok(data.len());
            }
            if count < 0 || count as usize != self.columns {
                return Err(Error::Internal(format!("COPY: a row has {count} columns, {} were asked for", self.columns)));
            }
            let mut p = 2;
            for cell in cells.iter_mut().take(self.columns) {
                let Some(len) = rest.get(p..p + 4) else { return Ok(at) };
                let len = i32::from_be_bytes(len.try_into().expect("4 bytes"));
                p += 4;
                if len < 0 {
                    *cell = Column(None);
                    continue;
                }
                let Some(value) = rest.get(p..p + len as usize) else { return Ok(at) };
                *cell = Column(Some(value));
                p += len as usize;
            }
            row(state, &cells[..self.columns])?;
            at += p;
        }
    }

    fn finish(&self) -> Result<()> {
        if self.ended { Ok(()) } else { Err(Error::Internal("COPY: the binary data ended without its trailer".into())) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(text_literal("LOGON"), "E'LOGON'");
        assert_eq!(text_literal("it's a \\path"), "E'it''s a \\\\path'");
    }

    /// Binary COPY data as PostgreSQL sends it: header (with an extension), rows of a text
    /// and a bigint column (one NULL), trailer.
    fn binary_data(rows: &[(Option<&str>, i64)]) -> Vec<u8> {
        let mut d = SIGNATURE.to_vec();
        d.extend_from_slice(&0u32.to_be_bytes());
        d.extend_from_slice(&3u32.to_be_bytes());
        d.extend_from_slice(b"ext");
        for (text, int) in rows {
            d.extend_from_slice(&2i16.to_be_bytes());
            match text {
                Some(t) => {
                    d.extend_from_slice(&(t.len() as i32).to_be_bytes());
                    d.extend_from_slice(t.as_bytes());
                }
                None => d.extend_from_slice(&(-1i32).to_be_bytes()),
            }
            d.extend_from_slice(&8i32.to_be_bytes());
            d.extend_from_slice(&int.to_be_bytes());
        }
        d.extend_from_slice(&(-1i16).to_be_bytes());
        d
    }

    fn read(pieces: &[&[u8]]) -> Result<Vec<(Option<String>, i64)>> {
        let mut rows = BinaryRows::new(2);
        let mut got = Vec::new();
        for piece in pieces {
            rows.feed(piece, &mut got, &mut |got: &mut Vec<(Option<String>, i64)>, c: &[Column<'_>]| {
                got.push((c[0].0.map(|_| c[0].text().map(str::to_string)).transpose()?, c[1].int()?));
                Ok(())
            })?;
        }
        rows.finish()?;
        Ok(got)
    }

    #[test]
    fn binary_rows_are_read_however_the_data_is_cut() {
        let rows = [(Some("KINMU\\user1"), 1_711_897_200_000_000), (None, -5), (Some("勤務 ログオン"), 0), (Some(""), i64::MAX)];
        let data = binary_data(&rows);
        let want: Vec<(Option<String>, i64)> = rows.iter().map(|(t, i)| (t.map(str::to_string), *i)).collect();
        assert_eq!(read(&[&data]).unwrap(), want);
        // Cut in two at every byte, and in pieces of every size up to 9 bytes.
        for cut in 0..=data.len() {
            assert_eq!(read(&[&data[..cut], &data[cut..]]).unwrap(), want, "cut at {cut}");
        }
        for size in 1..10 {
            let pieces: Vec<&[u8]> = data.chunks(size).collect();
            assert_eq!(read(&pieces).unwrap(), want, "pieces of {size}");
        }
    }

    #[test]
    fn cut_or_foreign_binary_data_is_an_error() {
        let data = binary_data(&[(Some("a"), 1)]);
        assert!(read(&[&data[..data.len() - 2]]).is_err(), "no trailer");
        assert!(read(&[b"PGCOPX\n\xff\r\n\0\0\0\0\0\0\0\0\0"]).is_err(), "not the signature");
        let mut three = binary_data(&[(Some("a"), 1)]);
        three[SIGNATURE.len() + 12] = 3;
        assert!(read(&[&three]).is_err(), "a row of three columns");
    }

    #[test]
    fn copied_text_escapes_what_the_text_format_reads_as_syntax() {
        let mut rows = CopyRows::new();
        rows.text("a\tb\\c\nd");
        rows.null();
        rows.int(-42);
        rows.buffer.push(b'\n');
        assert_eq!(rows.buffer, b"a\\tb\\\\c\\nd\t\\N\t-42\n");
    }
}
