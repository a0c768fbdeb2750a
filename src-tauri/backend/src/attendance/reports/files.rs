//! Files written while the rows stream in: a file per group (organisation, user, terminal or
//! none), split into pieces past the limits of one file (`NAME_1`, `NAME_2`, … when a group
//! needs more than one), each written to a temporary name and renamed (or zipped) when
//! complete, so a reader never sees half a file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use kinmu_shared::Language;
use kinmu_shared::api::{OutputFormat, ReportKind};

use super::FileFormat;
use super::file_writers::{CsvEncoding, CsvStream, XlsxStream};
use super::handoff::Handoff;
use super::rows::RowSink;
use super::table::{Row, Table};
use crate::error::{Error, Result, Text};

/// Persons per monthly file before it is split.
pub const MONTHLY_ROWS_PER_FILE: usize = 10_000;
/// Rows per daily or per-terminal file before it is split.
pub const DAILY_ROWS_PER_FILE: usize = 50_000;

/// Persons (sheets) per Excel timesheet file before it is split.
pub const TIMESHEET_SHEETS_PER_FILE: usize = 1_000;

/// The pieces a file of `rows` is split into: monthly and ranking files past 10,000 persons,
/// daily and per-terminal files past 50,000 rows, Excel timesheets past 1,000 persons (a sheet
/// each). Rows of one person stay in one piece.
pub fn split_rows<'r>(kind: ReportKind, format: OutputFormat, rows: &[&'r Row]) -> Vec<Vec<&'r Row>> {
    if rows.is_empty() {
        return vec![Vec::new()];
    }
    match (kind, format) {
        (ReportKind::Monthly | ReportKind::Ranking, _) => rows.chunks(MONTHLY_ROWS_PER_FILE).map(<[_]>::to_vec).collect(),
        (ReportKind::Daily | ReportKind::Terminal, _) => rows.chunks(DAILY_ROWS_PER_FILE).map(<[_]>::to_vec).collect(),
        (ReportKind::Timesheet, OutputFormat::Csv) => vec![rows.to_vec()],
        (ReportKind::Timesheet, OutputFormat::Xlsx) => {
            let mut pieces: Vec<Vec<&Row>> = vec![Vec::new()];
            let mut persons = 0;
            for (i, r) in rows.iter().enumerate() {
                if i == 0 || rows[i - 1].person != r.person {
                    persons += 1;
                    if persons > TIMESHEET_SHEETS_PER_FILE {
                        pieces.push(Vec::new());
                        persons = 1;
                    }
                }
                pieces.last_mut().expect("a piece").push(r);
            }
            pieces
        }
    }
}

/// Zips `file` as `name` into `out` (through a temporary name).
pub fn zip_file(file: &Path, name: &str, out: &Path) -> std::io::Result<()> {
    let dir = out.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(".{}.part", out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()));
    let result = (|| -> std::io::Result<()> {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&temp)?);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        let mut input = std::fs::File::open(file)?;
        std::io::copy(&mut input, &mut zip)?;
        zip.finish().map_err(std::io::Error::other)?.flush()?;
        std::fs::rename(&temp, out)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// A file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub rows: usize,
}

/// The group of a row and the path of its files without extension (`folder/stem`).
pub type Namer = Box<dyn FnMut(&Row) -> (String, PathBuf) + Send>;

enum Writer {
    Csv(Box<CsvStream<BufWriter<std::fs::File>>>),
    Xlsx(XlsxPiece),
}

struct Piece {
    writer: Writer,
    temp: PathBuf,
    rows: usize,
    persons: usize,
    last_person: String,
}

/// Batches an Excel piece's thread may have waiting (its backlog: about 32,000 rows).
const XLSX_BACKLOG: usize = 128;

/// An Excel piece on its own thread ([`Handoff`]): while it works through its backlog and
/// compresses the workbook, the next piece's rows are already being written on another core.
type XlsxPiece = Handoff<()>;

/// The rows of an Excel piece, taken on the piece's thread.
struct XlsxRows {
    stream: XlsxStream,
    temp: PathBuf,
}

impl RowSink for XlsxRows {
    fn push(&mut self, row: Row) -> Result<()> {
        self.stream.push(&row).map_err(|e| io(&self.temp, e))
    }
}

/// Starts an Excel piece written to `temp`.
fn start_xlsx(stream: XlsxStream, temp: PathBuf) -> XlsxPiece {
    Handoff::start(XlsxRows { stream, temp }, XLSX_BACKLOG, |rows: XlsxRows| rows.stream.save(&rows.temp).map_err(|e| io(&rows.temp, e)))
}

/// Excel pieces written at once: the one taking rows and those finishing.
fn xlsx_pieces_at_once() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 4)
}

/// What a file set writes and how.
pub struct FileSpec {
    /// The table's kind, period and columns (no rows).
    pub table: Table,
    pub format: FileFormat,
    pub header: bool,
    pub encoding: CsvEncoding,
    pub language: Language,
    /// Whether big files are split into pieces (profiles and `kinmu export`; not downloads).
    pub split: bool,
    /// Whether each file is zipped (`NAME.zip` holding `NAME.csv` or `NAME.xlsx`).
    pub zip: bool,
    /// The extension of the files written (of the file inside a zip): the format's unless set.
    pub extension: Option<String>,
    /// Where an empty file goes when no row comes, if one is wanted.
    pub empty: Option<PathBuf>,
}

/// A [`RowSink`] writing files; rows of a group must come together.
pub struct FileSet {
    spec: FileSpec,
    namer: Namer,
    group: Option<(String, PathBuf)>,
    /// The group's pieces written so far (temporary path, rows), renamed when the group ends.
    done: Vec<(PathBuf, usize)>,
    /// Excel pieces of the group that took all their rows and are being finished, oldest first.
    finishing: std::collections::VecDeque<(PathBuf, usize, XlsxPiece)>,
    piece: Option<Piece>,
    written: Vec<Written>,
    serial: usize,
}

fn io(path: &Path, e: impl std::fmt::Display) -> Error {
    cannot_write(path, e)
}

/// A file that could not be written, naming it and why (the output file, `out`).
pub(crate) fn cannot_write(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::invalid(
        "out",
        Text::new(
            format!("cannot write {}: {e}", path.display()),
            format!("{} に書き込めません（{e}）。出力先の場所、空き容量と書き込み権限を確認してください。", path.display()),
        ),
    )
}

/// A folder that could not be created, naming it and why (the output file's, `out`).
pub(crate) fn cannot_create_folder(dir: &Path, e: impl std::fmt::Display) -> Error {
    Error::invalid(
        "out",
        Text::new(
            format!("cannot create the folder {}: {e}", dir.display()),
            format!("フォルダー {} を作成できません（{e}）。場所と書き込み権限を確認してください。", dir.display()),
        ),
    )
}

impl FileSet {
    pub fn new(spec: FileSpec, namer: Namer) -> FileSet {
        FileSet {
            spec,
            namer,
            group: None,
            done: Vec::new(),
            finishing: std::collections::VecDeque::new(),
            piece: None,
            written: Vec::new(),
            serial: 0,
        }
    }

    fn open(&mut self, base: &Path) -> Result<Piece> {
        let dir = base.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| cannot_create_folder(dir, e))?;
        self.serial += 1;
        let name = base.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let temp = dir.join(format!(".{name}.{}.{}.part", std::process::id(), self.serial));
        let writer = match self.spec.format {
            FileFormat::Csv => {
                let file = std::fs::File::create(&temp).map_err(|e| io(&temp, e))?;
                let out = BufWriter::with_capacity(1 << 20, file);
                Writer::Csv(Box::new(
                    CsvStream::new(&self.spec.table.columns, self.spec.header, self.spec.encoding, self.spec.language, out)
                        .map_err(|e| io(&temp, e))?,
                ))
            }
            FileFormat::Xlsx => {
                Writer::Xlsx(start_xlsx(XlsxStream::new(&self.spec.table, self.spec.header, self.spec.language), temp.clone()))
            }
        };
        Ok(Piece { writer, temp, rows: 0, persons: 0, last_person: String::new() })
    }

    /// Completes the piece being written (under its temporary name); an Excel piece finishes
    /// on its thread, with at most [`xlsx_pieces_at_once`] pieces in the works.
    fn close_piece(&mut self) -> Result<()> {
        if let Some(piece) = self.piece.take() {
            match piece.writer {
                Writer::Csv(w) => {
                    w.finish().map_err(|e| io(&piece.temp, e))?;
                    self.done.push((piece.temp, piece.rows));
                }
                Writer::Xlsx(mut w) => {
                    w.close();
                    self.finishing.push_back((piece.temp, piece.rows, w));
                    while self.finishing.len() >= xlsx_pieces_at_once() {
                        self.end_oldest()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Waits for the oldest finishing Excel piece.
    fn end_oldest(&mut self) -> Result<()> {
        if let Some((temp, rows, w)) = self.finishing.pop_front() {
            let ended = w.finish();
            self.done.push((temp, rows));
            ended?;
        }
        Ok(())
    }

    /// Gives the group's pieces their names: `NAME.ext`, or `NAME_1.ext`, `NAME_2.ext`, ….
    fn close_group(&mut self) -> Result<()> {
        self.close_piece()?;
        while !self.finishing.is_empty() {
            self.end_oldest()?;
        }
        let Some((_, base)) = self.group.take() else { return Ok(()) };
        let done = std::mem::take(&mut self.done);
        let count = done.len();
        for (i, (temp, rows)) in done.into_iter().enumerate() {
            let stem = base.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let stem = if count > 1 { format!("{stem}_{}", i + 1) } else { stem };
            let inner = match &self.spec.extension {
                Some(e) if e.is_empty() => stem.clone(),
                Some(e) => format!("{stem}.{e}"),
                None => format!("{stem}.{}", self.spec.format.extension()),
            };
            let result = if self.spec.zip {
                let path = base.with_file_name(format!("{stem}.zip"));
                zip_file(&temp, &inner, &path).map(|_| path.clone()).map_err(|e| io(&path, e))
            } else {
                let path = base.with_file_name(&inner);
                std::fs::rename(&temp, &path).map(|_| path.clone()).map_err(|e| io(&path, e))
            };
            let _ = std::fs::remove_file(&temp);
            self.written.push(Written { path: result?, rows });
        }
        Ok(())
    }

    /// Whether the next row of `person` starts a new piece.
    fn full(&self, person: &str) -> bool {
        let Some(p) = &self.piece else { return false };
        if !self.spec.split {
            return false;
        }
        let rows = p.rows;
        match (self.spec.table.kind, self.spec.format) {
            (ReportKind::Monthly | ReportKind::Ranking, _) => rows >= MONTHLY_ROWS_PER_FILE,
            (ReportKind::Daily | ReportKind::Terminal, _) => rows >= DAILY_ROWS_PER_FILE,
            (ReportKind::Timesheet, FileFormat::Csv) => false,
            (ReportKind::Timesheet, FileFormat::Xlsx) => p.last_person != person && p.persons >= TIMESHEET_SHEETS_PER_FILE,
        }
    }

    /// Completes every file; removes what was half written on failure. Returns the files.
    pub fn finish(mut self) -> Result<Vec<Written>> {
        if self.group.is_none()
            && let Some(base) = self.spec.empty.clone()
        {
            self.group = Some((String::new(), base.clone()));
            self.piece = Some(self.open(&base)?);
        }
        self.close_group()?;
        Ok(std::mem::take(&mut self.written))
    }

    fn push_row(&mut self, row: Row) -> Result<()> {
        let (key, base) = (self.namer)(&row);
        if self.group.as_ref().is_none_or(|(k, _)| *k != key) {
            self.close_group()?;
            self.group = Some((key, base.clone()));
        }
        if self.full(&row.person) {
            self.close_piece()?;
        }
        if self.piece.is_none() {
            let base = self.group.as_ref().map(|(_, b)| b.clone()).unwrap_or(base);
            self.piece = Some(self.open(&base)?);
        }
        let piece = self.piece.as_mut().expect("a piece");
        if piece.last_person != row.person || piece.persons == 0 {
            piece.persons += 1;
            piece.last_person.clone_from(&row.person);
        }
        piece.rows += 1;
        match &mut piece.writer {
            Writer::Csv(w) => w.push(&row).map_err(|e| io(&piece.temp, e)),
            Writer::Xlsx(w) => w.push(row),
        }
    }

    /// Removes the temporary files of a failed run.
    fn abandon(&mut self) {
        // An Excel piece's thread is waited for when it is dropped, before its file is removed.
        if let Some(p) = self.piece.take() {
            drop(p.writer);
            let _ = std::fs::remove_file(&p.temp);
        }
        for (temp, _, w) in self.finishing.drain(..) {
            drop(w);
            let _ = std::fs::remove_file(&temp);
        }
        for (temp, _) in self.done.drain(..) {
            let _ = std::fs::remove_file(&temp);
        }
    }
}

impl Drop for FileSet {
    fn drop(&mut self) {
        self.abandon();
    }
}

impl RowSink for FileSet {
    fn push(&mut self, row: Row) -> Result<()> {
        self.push_row(row)
    }
}
