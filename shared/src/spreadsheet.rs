//! Text bound for a spreadsheet cell. A cell that begins with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is read by Excel and its kin as a formula ("CSV injection"): a user name
//! taken from a log file could run one on the administrator's PC. Every export writes text
//! cells through [`neutralise_formula`], which puts a `'` before such a text (spreadsheets show
//! the text as it is), and every import of Kinmu's own files reads them back through
//! [`restore_neutralised`].

use std::borrow::Cow;

fn starts_like_a_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `text`, with a `'` before it when a spreadsheet would read it as a formula.
pub fn neutralise_formula(text: &str) -> Cow<'_, str> {
    if starts_like_a_formula(text) { Cow::Owned(format!("'{text}")) } else { Cow::Borrowed(text) }
}

/// The text a neutralised cell stood for (the inverse of [`neutralise_formula`]).
pub fn restore_neutralised(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if starts_like_a_formula(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_restored() {
        for evil in ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            let safe = neutralise_formula(evil);
            assert_eq!(safe, format!("'{evil}"));
            assert_eq!(restore_neutralised(&safe), evil);
        }
        for plain in ["最上 晶", "a=b", "'quoted", "", "OSAKA\\a-mogami"] {
            assert_eq!(neutralise_formula(plain), plain);
            assert_eq!(restore_neutralised(plain), plain);
        }
    }
}
