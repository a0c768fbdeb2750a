//! The physical lines of a text log, each decoded on its own: a line ends at LF, CRLF or a lone
//! CR (old Mac files); with [`TextEncoding::Detect`] a line is UTF-8 when it is valid UTF-8,
//! else Shift_JIS when it is valid Shift_JIS, and otherwise rejected with its number, so one bad
//! byte costs one line and a file mixing the two encodings reads every line right. A line longer
//! than [`MAX_LINE_BYTES`] is skipped without being held in memory. A UTF-16 file (with its byte
//! order mark) is refused as a whole: nothing is read from it garbled.

use std::io::{self, BufRead, BufReader, Read};

use encoding_rs::SHIFT_JIS;

/// The text encoding of a log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// Each line as UTF-8 when valid, else as Shift_JIS when valid; neither is an error.
    #[default]
    Detect,
    /// UTF-8 only.
    Utf8,
    /// Shift_JIS (Windows-31J) only.
    ShiftJis,
}

/// The longest line read; a longer one is rejected (a log field is never that long).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Lines of text from bytes.
pub struct TextLines {
    input: BufReader<Box<dyn Read>>,
    encoding: TextEncoding,
    bytes: Vec<u8>,
    line: u64,
    finished: bool,
}

impl TextLines {
    /// Reads `input`, each line in `encoding`.
    pub fn new(input: impl Read + 'static, encoding: TextEncoding) -> Self {
        let input: Box<dyn Read> = Box::new(input);
        Self { input: BufReader::with_capacity(MAX_LINE_BYTES, input), encoding, bytes: Vec::new(), line: 0, finished: false }
    }

    /// True once the end of the input, a read error or an unsupported encoding was met.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The next line's 1-based number and its text (without its line end), or why it cannot be
    /// read; None at the end.
    pub fn next_line(&mut self) -> Option<(u64, Result<String, String>)> {
        if self.finished {
            return None;
        }
        let too_long = match self.read_raw() {
            Ok(Some(too_long)) => too_long,
            Ok(None) => {
                self.finished = true;
                return None;
            }
            Err(e) => {
                self.finished = true;
                return Some((self.line + 1, Err(format!("read error: {e}"))));
            }
        };
        self.line += 1;
        if too_long {
            return Some((
                self.line,
                Err(format!("the line is longer than {} KiB: no log line is; the file may be damaged", MAX_LINE_BYTES / 1024)),
            ));
        }
        let mut bytes = &self.bytes[..];
        if self.line == 1 {
            if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                self.finished = true;
                return Some((0, Err("unsupported encoding: the file is UTF-16; save it as UTF-8 or Shift_JIS".into())));
            }
            bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        }
        Some((self.line, decode(bytes, self.encoding)))
    }

    /// Reads one line's bytes into `self.bytes` (at most [`MAX_LINE_BYTES`]); Some(true) when the
    /// line was longer (the rest is skipped), None at the end of the input.
    fn read_raw(&mut self) -> io::Result<Option<bool>> {
        self.bytes.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok(any.then_some(too_long));
            }
            any = true;
            let end = available.iter().position(|b| *b == b'\n' || *b == b'\r');
            let take = end.unwrap_or(available.len());
            if self.bytes.len() + take > MAX_LINE_BYTES {
                too_long = true;
            } else {
                self.bytes.extend_from_slice(&available[..take]);
            }
            let Some(end) = end else {
                let n = available.len();
                self.input.consume(n);
                continue;
            };
            let carriage_return = available[end] == b'\r';
            self.input.consume(end + 1);
            if carriage_return && self.input.fill_buf()?.first() == Some(&b'\n') {
                self.input.consume(1);
            }
            return Ok(Some(too_long));
        }
    }
}

/// True when bytes that are not valid UTF-8 still look like UTF-8 text with a few bad bytes
/// (more valid multi-byte characters than invalid runs): such a line is damaged UTF-8, and read
/// as Shift_JIS it would be stored garbled.
fn damaged_utf8(bytes: &[u8]) -> bool {
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| c.len_utf8() > 1).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    multibyte > invalid
}

fn decode(bytes: &[u8], encoding: TextEncoding) -> Result<String, String> {
    let utf8 = || std::str::from_utf8(bytes).map(str::to_string);
    let shift_jis = || SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes).map(|s| s.into_owned());
    match encoding {
        TextEncoding::Utf8 => utf8().map_err(|e| format!("the line is not UTF-8 (byte {}): save the file as UTF-8", e.valid_up_to() + 1)),
        TextEncoding::ShiftJis => shift_jis().ok_or_else(|| "the line is not Shift_JIS text".to_string()),
        TextEncoding::Detect => match utf8() {
            Ok(text) => Ok(text),
            Err(e) if damaged_utf8(bytes) => {
                Err(format!("the line is damaged UTF-8 (invalid byte at {}): it was not read", e.valid_up_to() + 1))
            }
            Err(_) => shift_jis().ok_or_else(|| "the line is neither UTF-8 nor Shift_JIS text: it was not read".to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(bytes: &[u8], encoding: TextEncoding) -> Vec<(u64, Result<String, String>)> {
        let mut reader = TextLines::new(std::io::Cursor::new(bytes.to_vec()), encoding);
        std::iter::from_fn(|| reader.next_line()).collect()
    }

    #[test]
    fn lf_crlf_and_lone_cr_all_end_lines() {
        let got = lines(b"a\nb\r\nc\rd\r\re", TextEncoding::Detect);
        let texts: Vec<_> = got.iter().map(|(n, t)| (*n, t.clone().unwrap())).collect();
        assert_eq!(texts, vec![(1, "a".into()), (2, "b".into()), (3, "c".into()), (4, "d".into()), (5, "".into()), (6, "e".into())]);
    }

    #[test]
    fn each_line_has_its_own_encoding() {
        let mut bytes = "最上,UTF-8\n".as_bytes().to_vec();
        bytes.extend_from_slice(&SHIFT_JIS.encode("加藤,Shift_JIS\n").0);
        bytes.extend_from_slice("佐藤".as_bytes());
        bytes.push(0xFF); // one bad byte in a UTF-8 line
        bytes.extend_from_slice("一郎\n".as_bytes());
        bytes.extend_from_slice(&[0x82, 0xA0, 0xFF, 0xFF, b'\n']); // neither
        bytes.extend_from_slice("鈴木\n".as_bytes());
        let got = lines(&bytes, TextEncoding::Detect);
        assert_eq!(got[0], (1, Ok("最上,UTF-8".into())));
        assert_eq!(got[1], (2, Ok("加藤,Shift_JIS".into())));
        assert!(got[2].1.as_ref().unwrap_err().contains("damaged UTF-8"), "{:?}", got[2]);
        assert!(got[3].1.as_ref().unwrap_err().contains("neither"), "{:?}", got[3]);
        assert_eq!(got[4], (5, Ok("鈴木".into())));
    }

    #[test]
    fn bom_long_lines_and_utf16() {
        let got = lines(b"\xEF\xBB\xBFtime\n", TextEncoding::Detect);
        assert_eq!(got, vec![(1, Ok("time".into()))]);
        let mut long = vec![b'x'; MAX_LINE_BYTES + 10];
        long.extend_from_slice(b"\nnext\n");
        let got = lines(&long, TextEncoding::Detect);
        assert!(got[0].1.as_ref().unwrap_err().contains("longer than 64 KiB"));
        assert_eq!(got[1], (2, Ok("next".into())));
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("time\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        let got = lines(&utf16, TextEncoding::Detect);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.as_ref().unwrap_err().contains("unsupported encoding"), "{got:?}");
        assert!(lines(&SHIFT_JIS.encode("加藤\n").0, TextEncoding::Utf8)[0].1.is_err());
    }
}
