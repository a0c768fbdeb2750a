//! Every text the UI shows exists in Japanese and in English: each key the UI's code names is in
//! the i18n table (`ui/src/i18n/table.rs`), and each row of the table has both languages. The UI
//! crate is wasm, so its own tests do not run with `cargo test`; this one reads its files.

#[allow(dead_code)]
#[path = "../../../ui/src/i18n/table.rs"]
mod ui_table;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Literals shaped like keys that are not keys: fields of the rules named in error paths, the
/// fields of an output profile's effort report (`effort.round_to`…, as the server names them),
/// and file names.
const NOT_KEYS: &[&str] = &[
    "holidays.added",
    "holidays.removed",
    "effort.group_by",
    "effort.group_by.second",
    "effort.project_id",
    "effort.work_item_id",
    "effort.activity1_id",
    "effort.activity2_id",
    "effort.user_id",
    "effort.organization_id",
    "effort.rounding",
    "effort.round_to",
    "effort.round_per",
];

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

/// The calls through which the UI shows a message of its own: a field's error, an API error it
/// makes itself (the server unreachable, an answer it cannot read), a form's error banner.
const MESSAGE_SINKS: &[&str] = &["set_field(", "ApiError::new(", "unreachable_error(", "error.set(Some("];

/// True when a literal reads as English words (a run of four lower-case ASCII letters outside
/// `{…}` placeholders), not a key, a format of placeholders, or an abbreviation (`HTTP {status}`).
fn has_english_words(lit: &str) -> bool {
    if is_key_shaped(lit) {
        return false;
    }
    let (mut run, mut depth) = (0, 0);
    for c in lit.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        run = if depth == 0 && c.is_ascii_lowercase() { run + 1 } else { 0 };
        if run >= 4 {
            return true;
        }
    }
    false
}

/// The UI's own messages come from the i18n table in the user's language, never from an English
/// literal written at the check (a date that does not parse, a required field, a number out of
/// range, the server out of reach).
#[test]
fn the_uis_own_messages_come_from_the_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut english = Vec::new();
    let mut sinks = 0;
    for file in files.iter().filter(|f| !f.ends_with("i18n/table.rs")) {
        let code = std::fs::read_to_string(file).unwrap();
        for sink in MESSAGE_SINKS {
            for (at, _) in code.match_indices(sink) {
                // The call's arguments: up to the parenthesis that closes it.
                let mut args = &code[at + sink.len()..];
                // A field's error: after the field's name.
                if *sink == "set_field(" {
                    args = args.split_once(',').map_or(args, |(_, rest)| rest);
                }
                let mut depth = sink.matches('(').count() as i32;
                let end = args
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth -= 1,
                            _ => {}
                        }
                        depth == 0
                    })
                    .map_or(args.len(), |(i, _)| i);
                sinks += 1;
                // A field named inside the message (`at_field("time_zone", …)`) is a name, not words.
                let mut args = args[..end].to_string();
                while let Some(i) = args.find("at_field(\"") {
                    let rest = &args[i + "at_field(\"".len()..];
                    let close = rest.find('"').map_or(rest.len(), |j| j + 1);
                    args = format!("{}at_field(_{}", &args[..i], &rest[close..]);
                }
                for lit in literals(&args).filter(|l| has_english_words(l)) {
                    let name = file.strip_prefix(&src).unwrap_or(file).display().to_string();
                    english.push(format!("{name}: {sink}…\"{lit}\""));
                }
            }
        }
    }
    assert!(sinks > 30, "the scan finds the UI's messages ({sinks})");
    assert!(english.is_empty(), "messages the UI writes in English whatever the user's language (use t(\"key\")):\n{}", english.join("\n"));
}
