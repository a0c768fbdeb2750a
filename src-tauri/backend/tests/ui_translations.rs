//! Every text the UI shows exists in Japanese and in English: each key the UI's code names is in
//! the i18n table (`ui/src/i18n/table.rs`), and each row of the table has both languages. The UI
//! crate is wasm, so its own tests do not run with `cargo test`; this one reads its files.

#[allow(dead_code)]
#[path = "../../../ui/src/i18n/table.rs"]
mod ui_table;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Literals shaped like keys that are not keys: fields of the rules named in error paths, and
/// file names.
const NOT_KEYS: &[&str] = &["holidays.added", "holidays.removed"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of `code` (no escapes needed: keys have none).
fn literals(code: &str) -> impl Iterator<Item = &str> {
    code.split('"').skip(1).step_by(2)
}

fn is_key_shaped(s: &str) -> bool {
    let mut parts = s.split('.');
    let first = parts.next().unwrap_or("");
    !first.is_empty()
        && first.starts_with(|c: char| c.is_ascii_lowercase())
        && s.contains('.')
        && !s.ends_with('.')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        && !s.ends_with(".csv")
        && !s.ends_with(".xlsx")
}

#[test]
fn every_row_has_both_languages_once() {
    let mut seen = BTreeSet::new();
    let mut bad = Vec::new();
    for (key, ja, en) in ui_table::TABLE {
        if !seen.insert(*key) {
            bad.push(format!("{key}: listed twice"));
        }
        if ja.trim().is_empty() || *ja == "?" {
            bad.push(format!("{key}: no Japanese"));
        }
        if en.trim().is_empty() || *en == "?" {
            bad.push(format!("{key}: no English"));
        }
    }
    assert!(bad.is_empty(), "the i18n table is incomplete:\n{}", bad.join("\n"));
}

#[test]
fn every_key_the_ui_names_is_translated() {
    let keys: BTreeSet<&str> = ui_table::TABLE.iter().map(|(k, _, _)| *k).collect();
    // A literal with a table key's prefix (`rules.`, `common.`…) is a key.
    let prefixes: BTreeSet<&str> = keys.iter().filter_map(|k| k.split('.').next()).collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "the UI's sources are at {}", src.display());
    let mut missing: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut used = 0;
    for file in files.iter().filter(|f| !f.ends_with("i18n/table.rs")) {
        let code = std::fs::read_to_string(file).unwrap();
        for lit in literals(&code).filter(|l| is_key_shaped(l)) {
            if !prefixes.contains(lit.split('.').next().unwrap()) || NOT_KEYS.contains(&lit) {
                continue;
            }
            used += 1;
            if !keys.contains(lit) {
                let name = file.strip_prefix(&src).unwrap_or(file).display().to_string();
                missing.entry(lit.to_string()).or_default().insert(name);
            }
        }
    }
    assert!(used > 300, "the scan finds the UI's keys ({used})");
    assert!(missing.is_empty(), "keys the UI shows that the i18n table lacks (they show as `?` or the key): {missing:#?}");
}
