//! Output profiles (ファイル出力設定, manual 8.3.5): attendance tables written as files after each
//! attendance task and on demand, named by templates, split per organisation, user or terminal
//! (and automatically past 10,000 persons in a monthly file or 50,000 rows in a daily or
//! per-terminal file), optionally zipped, and deleted after the profile's retention.
//!
//! Files are written to a temporary name and renamed, so a reader never sees half a file. Two
//! profiles that would write the same path are refused when saved.

use kinmu_shared::messages::Text;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use kinmu_shared::api::{OutputFormat, OutputProfile, OutputUnit, ProfileRunReport, RankingItem, ReportKind, SplitBy, WrittenFile};
use kinmu_shared::{Language, Permission};

use super::output_roots::OutputRoots;
use super::people::owns;
use super::reports::files::{split_rows, zip_file};
use super::reports::{self, CsvEncoding, FileFormat, Period, ReportRequest, Row, Table};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

/// The words a file name may use.
pub const FILE_NAME_WORDS: [&str; 8] =
    ["<yyyy-MM-dd>", "<yyyy-MM>", "<yyyy>", "<datatype>", "<username>", "<group>", "<rankingname>", "<terminal>"];

/// `<datatype>`: the kind's name.
pub fn datatype_name(kind: ReportKind, language: Language) -> &'static str {
    match (kind, language) {
        (ReportKind::Monthly, Language::Ja) => "月別",
        (ReportKind::Timesheet, Language::Ja) => "勤怠表",
        (ReportKind::Daily, Language::Ja) => "日別",
        (ReportKind::Ranking, Language::Ja) => "ランキング",
        (ReportKind::Terminal, Language::Ja) => "端末別",
        (k, Language::En) => k.key(),
    }
}

/// `<rankingname>`: the ranking's name.
pub fn ranking_name(item: RankingItem, language: Language) -> &'static str {
    match (item, language) {
        (RankingItem::HolidayWork, Language::Ja) => "休日出勤回数ランキング",
        (RankingItem::Overtime, Language::Ja) => "残業時間ランキング",
        (RankingItem::ActualWork, Language::Ja) => "実労働時間ランキング",
        (RankingItem::LateCount, Language::Ja) => "遅刻回数ランキング",
        (RankingItem::HolidayWork, Language::En) => "holiday-work-ranking",
        (RankingItem::Overtime, Language::En) => "overtime-ranking",
        (RankingItem::ActualWork, Language::En) => "actual-work-ranking",
        (RankingItem::LateCount, Language::En) => "late-count-ranking",
    }
}

/// The file name template in force: the profile's, or the default for its kind, unit and split.
pub fn template(p: &OutputProfile) -> String {
    if !p.file_name.trim().is_empty() {
        return p.file_name.trim().to_string();
    }
    let mut t = String::from("<datatype>");
    if p.kind == ReportKind::Ranking {
        t.push_str("_<rankingname>");
    }
    match p.split {
        SplitBy::None => {}
        SplitBy::Organization => t.push_str("_<group>"),
        SplitBy::User => t.push_str("_<username>"),
        SplitBy::Terminal => t.push_str("_<terminal>"),
    }
    t.push_str(match p.unit {
        OutputUnit::PerDay => "_<yyyy-MM-dd>",
        OutputUnit::PerMonth => "_<yyyy-MM>",
        OutputUnit::PerYear => "_<yyyy>",
    });
    t
}

/// A file-name part made safe: no path separators or characters Windows shares refuse.
fn safe(part: &str) -> String {
    part.chars().map(|c| if "/\\:*?\"<>|".contains(c) || c.is_control() { '_' } else { c }).collect::<String>().trim().to_string()
}

/// The values of a template's words for one file.
#[derive(Debug, Clone, Default)]
pub struct NameParts {
    pub period: Option<Period>,
    pub user: String,
    pub group: String,
    pub terminal: String,
}

/// Fills in the template's words.
pub fn file_name(template: &str, p: &OutputProfile, parts: &NameParts, language: Language) -> String {
    let (day, month, year) = match parts.period {
        Some(Period::Day(d)) => (d.format("%Y-%m-%d").to_string(), d.format("%Y-%m").to_string(), d.year().to_string()),
        Some(Period::Month(y, m)) => (format!("{y:04}-{m:02}-01"), format!("{y:04}-{m:02}"), y.to_string()),
        Some(Period::Year(y)) => (format!("{y:04}-01-01"), format!("{y:04}-01"), y.to_string()),
        None => (String::new(), String::new(), String::new()),
    };
    let name = template
        .replace("<yyyy-MM-dd>", &day)
        .replace("<yyyy-MM>", &month)
        .replace("<yyyy>", &year)
        .replace("<datatype>", profile_datatype(p, language))
        .replace("<username>", &safe(&parts.user))
        .replace("<group>", &safe(&parts.group.replace(" / ", "-")))
        .replace("<rankingname>", ranking_name(p.ranking, language))
        .replace("<terminal>", &safe(&parts.terminal));
    let mut name = safe(&name);
    // Long user or terminal names: the name is cut (at a character) to what file systems take.
    if name.len() > MAX_FILE_STEM_BYTES {
        let mut end = MAX_FILE_STEM_BYTES;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    if name.is_empty() { profile_datatype(p, language).to_string() } else { name }
}

/// `<datatype>` of a profile: its table's name, or the effort report's.
fn profile_datatype(p: &OutputProfile, language: Language) -> &'static str {
    match (&p.effort, language) {
        (Some(_), Language::Ja) => "工数集計",
        (Some(_), Language::En) => "effort",
        (None, _) => datatype_name(p.kind, language),
    }
}

/// The extension of the profile's files.
fn extension(p: &OutputProfile) -> &'static str {
    match (p.zip, p.format) {
        (true, _) => "zip",
        (false, OutputFormat::Csv) => "csv",
        (false, OutputFormat::Xlsx) => "xlsx",
    }
}

/// The longest file name a template may give before its extension, in bytes (file systems
/// allow 255; the extension and the temporary names' marks need the rest).
pub const MAX_FILE_STEM_BYTES: usize = 200;

/// Checks a profile on its own, its folder under `roots`; the error names the field.
pub fn validate(p: &OutputProfile, roots: &OutputRoots) -> Result<()> {
    let name = p.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            Text::new("name: give the profile a name of 1 to 100 characters", "出力設定の名前は1文字以上100文字以内にしてください。"),
        ));
    }
    roots.confine("folder", &p.folder)?;
    if p.file_name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "file_name",
            Text::new(
                "file_name: a file name cannot hold control characters (NUL, tab, line breaks)",
                "ファイル名に制御文字（NUL、タブ、改行）は使えません。",
            ),
        ));
    }
    if p.file_name.trim().len() > MAX_FILE_STEM_BYTES {
        return Err(Error::invalid(
            "file_name",
            Text::new(
                format!("file_name: a file name template is at most {MAX_FILE_STEM_BYTES} bytes"),
                format!("ファイル名のひな形は{MAX_FILE_STEM_BYTES}バイト以内にしてください。"),
            ),
        ));
    }
    p.layout.check(p.kind).map_err(|f| Error::invalid(&format!("layout.{}", f.field), f.message))?;
    if CsvEncoding::parse(&p.encoding).is_none() {
        return Err(Error::invalid(
            "encoding",
            Text::new(
                "encoding must be utf-8, utf-8-bom or shift_jis",
                "文字コードは utf-8、utf-8-bom、shift_jis のいずれかにしてください。",
            ),
        ));
    }
    if let Some(q) = &p.effort {
        check_effort(p, q)?;
    }
    let unit_ok = p.effort.is_some()
        || match p.kind {
            ReportKind::Daily | ReportKind::Terminal => matches!(p.unit, OutputUnit::PerDay | OutputUnit::PerMonth),
            ReportKind::Monthly | ReportKind::Timesheet => p.unit == OutputUnit::PerMonth,
            ReportKind::Ranking => matches!(p.unit, OutputUnit::PerMonth | OutputUnit::PerYear),
        };
    if !unit_ok {
        return Err(Error::invalid(
            "unit",
            Text::new(
                format!(
                    "unit: a {} file cannot be written {:?}: daily and per-terminal files are per day or per month, monthly and timesheet files per month, rankings per month or per year",
                    p.kind.key(),
                    p.unit
                ),
                "この帳票はこの単位では出力できません。日次と端末別は日ごとか月ごと、月次とタイムシートは月ごと、ランキングは月ごとか年ごとです。",
            ),
        ));
    }
    if p.split == SplitBy::Terminal && p.kind != ReportKind::Terminal && p.effort.is_none() {
        return Err(Error::invalid(
            "split",
            Text::new("split: only per-terminal files can be split per terminal", "端末ごとに分けられるのは端末別の帳票だけです。"),
        ));
    }
    if !p.filter_terminals.is_empty() && p.kind != ReportKind::Terminal && p.effort.is_none() {
        return Err(Error::invalid(
            "filter_terminals",
            Text::new("filter_terminals: only per-terminal files filter by terminal", "端末で絞り込めるのは端末別の帳票だけです。"),
        ));
    }
    let t = template(p);
    let mut rest = t.clone();
    for w in FILE_NAME_WORDS {
        rest = rest.replace(w, "");
    }
    if let Some(start) = rest.find('<') {
        let word: String = rest[start..].chars().take_while(|c| *c != '>').chain(">".chars()).collect();
        return Err(Error::invalid(
            "file_name",
            Text::new(
                format!("file_name: {word} is not a word of file names: use {}", FILE_NAME_WORDS.join(", ")),
                format!("{word} はファイル名に使える語ではありません。{} を使ってください。", FILE_NAME_WORDS.join("、")),
            ),
        ));
    }
    if rest.contains(['/', '\\']) {
        return Err(Error::invalid(
            "file_name",
            Text::new(
                "file_name: a file name cannot contain / or \\: use the folder for folders",
                "ファイル名に / や \\ は使えません。フォルダーは出力先フォルダーで指定してください。",
            ),
        ));
    }
    // Files of one run must not overwrite each other.
    let needs = |word: &str, why: &str, why_ja: &str| -> Result<()> {
        if t.contains(word) {
            Ok(())
        } else {
            Err(Error::invalid(
                "file_name",
                Text::new(format!("file_name: add {word}: {why}"), format!("ファイル名に {word} を加えてください。{why_ja}")),
            ))
        }
    };
    match p.split {
        SplitBy::Organization => needs(
            "<group>",
            "the files of different organisations would overwrite each other",
            "組織ごとのファイルが互いに上書きされてしまいます。",
        )?,
        SplitBy::User => needs(
            "<username>",
            "the files of different users would overwrite each other",
            "ユーザーごとのファイルが互いに上書きされてしまいます。",
        )?,
        SplitBy::Terminal => needs(
            "<terminal>",
            "the files of different terminals would overwrite each other",
            "端末ごとのファイルが互いに上書きされてしまいます。",
        )?,
        SplitBy::None => {}
    }
    match p.unit {
        OutputUnit::PerDay => needs(
            "<yyyy-MM-dd>",
            "each day's file would overwrite the day before",
            "毎日のファイルが前の日のファイルを上書きしてしまいます。",
        )?,
        OutputUnit::PerMonth if !t.contains("<yyyy-MM-dd>") => needs(
            "<yyyy-MM>",
            "each month's file would overwrite the month before",
            "毎月のファイルが前の月のファイルを上書きしてしまいます。",
        )?,
        OutputUnit::PerYear if !t.contains("<yyyy-MM") => {
            needs("<yyyy>", "each year's file would overwrite the year before", "毎年のファイルが前の年のファイルを上書きしてしまいます。")?
        }
        _ => {}
    }
    Ok(())
}

/// An effort report profile's own checks: its groupings and rounding, one file per period.
fn check_effort(p: &OutputProfile, q: &kinmu_shared::api::EffortReportQuery) -> Result<()> {
    let dated = kinmu_shared::api::EffortReportQuery { from: "2026-01-01".into(), to: "2026-01-31".into(), ..q.clone() };
    kinmu_shared::effort::report::spec(&dated).map_err(|f| Error::invalid(&format!("effort.{}", f.field), f.message))?;
    if p.split != SplitBy::None {
        return Err(Error::invalid(
            "split",
            Text::new(
                "split: an effort report profile writes one file per period: group the report instead",
                "工数集計の出力は期間ごとに1ファイルです。分割の代わりに集計の単位を選んでください。",
            ),
        ));
    }
    Ok(())
}

/// The pattern of paths a profile writes, for finding two profiles that would write the same files.
fn path_pattern(p: &OutputProfile) -> String {
    let sub = if p.monthly_subfolders { "/<yyyyMM>" } else { "" };
    let mut t = template(p);
    for (w, norm) in [("<yyyy-MM-dd>", "<d>"), ("<yyyy-MM>", "<m>"), ("<yyyy>", "<y>")] {
        t = t.replace(w, norm);
    }
    let lang = Language::Ja;
    let t = t.replace("<datatype>", datatype_name(p.kind, lang)).replace("<rankingname>", ranking_name(p.ranking, lang));
    format!("{}{sub}/{}.{}", p.folder.trim().trim_end_matches('/'), t.to_lowercase(), extension(p))
}

/// Checks a whole set of profiles (a settings file): each valid, names and paths distinct.
pub fn check_set(profiles: &[OutputProfile], roots: &OutputRoots) -> Result<()> {
    for (i, p) in profiles.iter().enumerate() {
        validate(p, roots).map_err(|e| match e {
            Error::Invalid(f) => {
                let ja = f.message.get(kinmu_shared::Language::Ja).map(|m| format!("出力設定「{}」：{m}", p.name));
                let en = format!("output_profiles[{i}] ({}): {}", p.name, f.message);
                Error::invalid(
                    &format!("output_profiles[{i}].{}", f.field),
                    Text::new(en, ja.unwrap_or_else(|| format!("出力設定「{}」の設定に誤りがあります。", p.name))),
                )
            }
            other => other,
        })?;
        if let Some(o) = profiles[..i].iter().find(|o| o.name.trim().eq_ignore_ascii_case(p.name.trim())) {
            return Err(Error::invalid(
                &format!("output_profiles[{i}].name"),
                Text::new(
                    format!("output_profiles[{i}]: the name {:?} is used twice", o.name),
                    format!("出力設定の名前「{}」が2回使われています。", o.name),
                ),
            ));
        }
        if let Some(o) = profiles[..i].iter().find(|o| path_pattern(o) == path_pattern(p)) {
            return Err(Error::invalid(
                &format!("output_profiles[{i}].file_name"),
                Text::new(
                    format!("output_profiles[{i}] ({}) writes the same files as {:?}: change the folder or the file name", p.name, o.name),
                    format!(
                        "出力設定「{}」は「{}」と同じファイルに書き出します。出力先フォルダーかファイル名を変えてください。",
                        p.name, o.name
                    ),
                ),
            ));
        }
    }
    Ok(())
}

/// Replaces every profile with `profiles` inside `tx` (checked with [`check_set`] first).
pub async fn replace_all(tx: &mut sqlx::Transaction<'_, sqlx::Any>, profiles: &[OutputProfile], now: i64) -> Result<()> {
    let names: Vec<String> = profiles.iter().map(|p| p.name.trim().to_lowercase()).collect();
    let existing: Vec<(i64, String)> = sqlx::query_as("SELECT id, name_key FROM attendance_output_profiles").fetch_all(&mut **tx).await?;
    for (id, key) in &existing {
        if !names.contains(key) {
            sqlx::query("DELETE FROM attendance_output_profiles WHERE id = $1").bind(id).execute(&mut **tx).await?;
        }
    }
    for p in profiles {
        let mut p = p.clone();
        p.name = p.name.trim().to_string();
        p.id = 0;
        let json = serde_json::to_string(&p).map_err(|e| Error::Internal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO attendance_output_profiles (name_key, profile, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name_key) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
        )
        .bind(p.name.to_lowercase())
        .bind(json)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

type ProfileRow = (i64, String);

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<OutputProfile>> {
    actor.require(Permission::ManageSettings)?;
    all(db).await
}

/// Every profile, without a permission check (for the settings file and the task).
pub async fn all(db: &Db) -> Result<Vec<OutputProfile>> {
    let rows: Vec<ProfileRow> =
        sqlx::query_as("SELECT id, profile FROM attendance_output_profiles ORDER BY name_key").fetch_all(&db.pool).await?;
    rows.into_iter()
        .map(|(id, json)| {
            let mut p: OutputProfile = serde_json::from_str(&json)
                .map_err(|e| Error::Internal(format!("output profile {id} cannot be read ({e}): save it again")))?;
            p.id = id;
            Ok(p)
        })
        .collect()
}

pub async fn get(db: &Db, actor: &Actor, id: i64) -> Result<OutputProfile> {
    list(db, actor)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| Error::NotFound(Text::new(format!("no output profile {id}"), format!("出力設定 {id} はありません。"))))
}

/// Checks a profile against the others: names and paths must differ.
async fn check_against_others(db: &Db, p: &OutputProfile, roots: &OutputRoots) -> Result<()> {
    validate(p, roots)?;
    for other in all(db).await?.iter().filter(|o| o.id != p.id) {
        if other.name.trim().eq_ignore_ascii_case(p.name.trim()) {
            return Err(Error::conflict(
                "name",
                Text::new(
                    format!("name: a profile is already called {:?}", other.name),
                    format!("「{}」という名前の出力設定はすでにあります。", other.name),
                ),
            ));
        }
        if path_pattern(other) == path_pattern(p) {
            return Err(Error::conflict(
                "file_name",
                Text::new(
                    format!(
                        "file_name: the profile {:?} writes the same files ({}): change the folder or the file name",
                        other.name,
                        path_pattern(p)
                    ),
                    format!(
                        "出力設定「{}」が同じファイル（{}）に書き出します。出力先フォルダーかファイル名を変えてください。",
                        other.name,
                        path_pattern(p)
                    ),
                ),
            ));
        }
    }
    Ok(())
}

pub async fn create(db: &Db, actor: &Actor, mut p: OutputProfile, roots: &OutputRoots, now: i64) -> Result<OutputProfile> {
    actor.require(Permission::ManageSettings)?;
    p.id = 0;
    p.name = p.name.trim().to_string();
    check_against_others(db, &p, roots).await?;
    let json = serde_json::to_string(&p).map_err(|e| Error::Internal(e.to_string()))?;
    p.id = sqlx::query_scalar("INSERT INTO attendance_output_profiles (name_key, profile, updated_at) VALUES ($1, $2, $3) RETURNING id")
        .bind(p.name.to_lowercase())
        .bind(json)
        .bind(now)
        .fetch_one(&db.pool)
        .await?;
    Ok(p)
}

pub async fn update(db: &Db, actor: &Actor, id: i64, mut p: OutputProfile, roots: &OutputRoots, now: i64) -> Result<OutputProfile> {
    get(db, actor, id).await?;
    p.id = id;
    p.name = p.name.trim().to_string();
    check_against_others(db, &p, roots).await?;
    let json = serde_json::to_string(&p).map_err(|e| Error::Internal(e.to_string()))?;
    sqlx::query("UPDATE attendance_output_profiles SET name_key = $1, profile = $2, updated_at = $3 WHERE id = $4")
        .bind(p.name.to_lowercase())
        .bind(json)
        .bind(now)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(p)
}

pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    get(db, actor, id).await?;
    sqlx::query("DELETE FROM attendance_output_profiles WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}

/// A copy named "NAME (copy)", disabled, writing to a `copy` subfolder so it does not clash.
pub async fn copy(db: &Db, actor: &Actor, id: i64, roots: &OutputRoots, now: i64) -> Result<OutputProfile> {
    let mut p = get(db, actor, id).await?;
    let names: Vec<String> = all(db).await?.into_iter().map(|o| o.name.to_lowercase()).collect();
    let mut n = 1;
    let base = p.name.clone();
    p.name = format!("{base} (copy)");
    while names.contains(&p.name.to_lowercase()) {
        n += 1;
        p.name = format!("{base} (copy {n})");
    }
    p.enabled = false;
    p.folder = Path::new(p.folder.trim()).join(format!("copy-{n}")).display().to_string();
    create(db, actor, p, roots, now).await
}

/// Whether `r` passes the profile's filters.
fn admitted(p: &OutputProfile, r: &Row) -> bool {
    (p.filter_users.is_empty() || p.filter_users.iter().any(|u| owns(u, &r.person)))
        && (p.filter_organizations.is_empty()
            || p.filter_organizations.iter().map(|o| o.trim()).any(|o| r.group == o || r.group.starts_with(&format!("{o} / "))))
        && (p.filter_terminals.is_empty()
            || r.terminal.as_ref().is_some_and(|t| p.filter_terminals.iter().any(|f| f.trim().eq_ignore_ascii_case(t))))
}

/// Rows of `table` that pass the profile's filters.
fn filtered<'t>(p: &OutputProfile, table: &'t Table) -> Vec<&'t Row> {
    table.rows.iter().filter(|r| admitted(p, r)).collect()
}

/// Writes one profile's files for `period`.
pub async fn write_period(db: &Db, p: &OutputProfile, period: Period, language: Language, now: i64) -> Result<Vec<WrittenFile>> {
    if let Some(q) = &p.effort {
        let written = write_effort_file(db, p, q, period, language).await?;
        record_written(db, p, &written, now).await?;
        return Ok(written);
    }
    let req = ReportRequest {
        kind: p.kind,
        period,
        organization_id: None,
        user: None,
        terminal: None,
        ranking: p.ranking,
        layout: p.layout.clone(),
        language,
    };
    let written = if p.split == SplitBy::Organization {
        // Organisations are known per row only after reading it: the table is built in memory.
        let table = reports::build(db, &Actor::Operator, &req).await?;
        let profile = p.clone();
        tokio::task::spawn_blocking(move || write_files(&profile, &table, period, language))
            .await
            .map_err(|e| Error::Internal(e.to_string()))??
    } else {
        stream_files(db, p, &req, period, language).await?
    };
    record_written(db, p, &written, now).await?;
    Ok(written)
}

/// Records the files a profile wrote, for its retention.
async fn record_written(db: &Db, p: &OutputProfile, written: &[WrittenFile], now: i64) -> Result<()> {
    for f in written {
        sqlx::query(
            "INSERT INTO attendance_output_files (profile_id, path, written_at, row_count, byte_count) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (profile_id, path) DO UPDATE SET written_at = excluded.written_at, row_count = excluded.row_count, byte_count = excluded.byte_count",
        )
        .bind(p.id)
        .bind(&f.path)
        .bind(now)
        .bind(f.rows)
        .bind(f.bytes)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// Writes an effort report profile's file for `period`: the report of the period's days
/// ([`crate::effort::report`], as the command line's operator: everyone's effort), as CSV or
/// Excel, zipped if asked, written to a temporary name and renamed.
async fn write_effort_file(
    db: &Db,
    p: &OutputProfile,
    q: &kinmu_shared::api::EffortReportQuery,
    period: Period,
    language: Language,
) -> Result<Vec<WrittenFile>> {
    use crate::effort::report;
    let (first, last) = period.first_and_last();
    let q = kinmu_shared::api::EffortReportQuery { from: first.to_string(), to: last.to_string(), ..q.clone() };
    let r = report::report(db, &Actor::Operator, &q).await?;
    let rows = r.groups.iter().map(|g| g.lines.len().max(1)).sum::<usize>() as i64;
    if r.entries == 0 && !p.empty_file {
        return Ok(Vec::new());
    }
    let (bytes, format) = match p.format {
        OutputFormat::Csv => {
            (reports::encode_text(&report::csv_text(&r, language), CsvEncoding::parse(&p.encoding).unwrap_or_default()), FileFormat::Csv)
        }
        OutputFormat::Xlsx => (report::xlsx_bytes(&r, language)?, FileFormat::Xlsx),
    };
    let mut folder = PathBuf::from(p.folder.trim());
    if p.monthly_subfolders {
        folder.push(first.format("%Y%m").to_string());
    }
    let profile = p.clone();
    let stem = file_name(&template(p), p, &NameParts { period: Some(period), ..NameParts::default() }, language);
    tokio::task::spawn_blocking(move || -> Result<Vec<WrittenFile>> {
        std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
        let inner = format!("{stem}.{}", format.extension());
        let path = folder.join(format!("{stem}.{}", extension(&profile)));
        let staging = folder.join(format!(".{stem}.staging"));
        std::fs::create_dir_all(&staging).map_err(|e| io_error(&staging, e))?;
        let plain = staging.join(&inner);
        let result = std::fs::write(&plain, &bytes)
            .and_then(|_| if profile.zip { zip_file(&plain, &inner, &path) } else { std::fs::rename(&plain, &path) });
        let _ = std::fs::remove_dir_all(&staging);
        result.map_err(|e| io_error(&path, e))?;
        let bytes = std::fs::metadata(&path).map(|m| m.len() as i64).unwrap_or(0);
        Ok(vec![WrittenFile { profile: profile.name.clone(), path: path.display().to_string(), rows, bytes }])
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// The profile's filters around the files being written.
struct Filtered {
    profile: OutputProfile,
    files: reports::FileSet,
}

impl reports::RowSink for Filtered {
    fn push(&mut self, row: Row) -> Result<()> {
        if admitted(&self.profile, &row) { self.files.push(row) } else { Ok(()) }
    }
}

/// Streams one period's files (not split per organisation): the rows go from the database to
/// the files, grouped per user or terminal in SQL when the files are.
async fn stream_files(db: &Db, p: &OutputProfile, req: &ReportRequest, period: Period, language: Language) -> Result<Vec<WrittenFile>> {
    let mut folder = PathBuf::from(p.folder.trim());
    if p.monthly_subfolders {
        let (first, _) = period.first_and_last();
        folder.push(first.format("%Y%m").to_string());
    }
    let format = match p.format {
        OutputFormat::Csv => FileFormat::Csv,
        OutputFormat::Xlsx => FileFormat::Xlsx,
    };
    let template = template(p);
    let default_parts = NameParts { period: Some(period), ..NameParts::default() };
    let spec = reports::FileSpec {
        table: Table { kind: p.kind, period: period.label(), columns: req.layout.columns.clone(), rows: Vec::new() },
        format,
        header: p.header,
        encoding: CsvEncoding::parse(&p.encoding).unwrap_or_default(),
        language,
        split: true,
        zip: p.zip,
        extension: None,
        empty: p.empty_file.then(|| folder.join(file_name(&template, p, &default_parts, language))),
    };
    let grouping = match p.split {
        SplitBy::User => reports::Grouping::User,
        SplitBy::Terminal => reports::Grouping::Terminal,
        _ => reports::file_grouping(p.kind, format),
    };
    let profile = p.clone();
    let namer: reports::Namer = Box::new(move |r: &Row| {
        let (key, parts) = match profile.split {
            SplitBy::User => {
                (format!("{}\u{0}{}", r.name, r.person), NameParts { period: Some(period), user: r.name.clone(), ..NameParts::default() })
            }
            SplitBy::Terminal => {
                let t = r.terminal.clone().unwrap_or_default();
                (t.clone(), NameParts { period: Some(period), terminal: t, ..NameParts::default() })
            }
            _ => (String::new(), NameParts { period: Some(period), ..NameParts::default() }),
        };
        (key, folder.join(file_name(&template, &profile, &parts, language)))
    });
    let sink = Filtered { profile: p.clone(), files: reports::FileSet::new(spec, namer) };
    let (_, written) = reports::export_through(db, &Actor::Operator, req, grouping, sink, |s| s.files).await?;
    Ok(written
        .into_iter()
        .map(|f| WrittenFile {
            profile: p.name.clone(),
            bytes: std::fs::metadata(&f.path).map(|m| m.len() as i64).unwrap_or(0),
            path: f.path.display().to_string(),
            rows: f.rows as i64,
        })
        .collect())
}

/// Splits, names and writes the files of one period (blocking IO).
pub fn write_files(p: &OutputProfile, table: &Table, period: Period, language: Language) -> Result<Vec<WrittenFile>> {
    let rows = filtered(p, table);
    let mut folder = PathBuf::from(p.folder.trim());
    if p.monthly_subfolders {
        let (first, _) = period.first_and_last();
        folder.push(first.format("%Y%m").to_string());
    }
    // The split groups, in a stable order.
    let mut groups: BTreeMap<String, (NameParts, Vec<&Row>)> = BTreeMap::new();
    for r in rows {
        let (key, parts) = match p.split {
            SplitBy::None => (String::new(), NameParts { period: Some(period), ..NameParts::default() }),
            SplitBy::Organization => (r.group.clone(), NameParts { period: Some(period), group: r.group.clone(), ..NameParts::default() }),
            SplitBy::User => {
                let user = r.name.clone();
                (format!("{user}\u{0}{}", r.person), NameParts { period: Some(period), user, ..NameParts::default() })
            }
            SplitBy::Terminal => {
                let t = r.terminal.clone().unwrap_or_default();
                (t.clone(), NameParts { period: Some(period), terminal: t, ..NameParts::default() })
            }
        };
        groups.entry(key).or_insert_with(|| (parts, Vec::new())).1.push(r);
    }
    if groups.is_empty() {
        if !p.empty_file {
            return Ok(Vec::new());
        }
        groups.insert(String::new(), (NameParts { period: Some(period), ..NameParts::default() }, Vec::new()));
    }
    let template = template(p);
    let encoding = CsvEncoding::parse(&p.encoding).unwrap_or_default();
    let format = match p.format {
        OutputFormat::Csv => FileFormat::Csv,
        OutputFormat::Xlsx => FileFormat::Xlsx,
    };
    let mut written = Vec::new();
    for (parts, rows) in groups.values() {
        let base = file_name(&template, p, parts, language);
        let pieces = split_rows(p.kind, p.format, rows);
        for (i, piece) in pieces.iter().enumerate() {
            let stem = if pieces.len() > 1 { format!("{base}_{}", i + 1) } else { base.clone() };
            let inner = format!("{stem}.{}", format.extension());
            let path = folder.join(format!("{stem}.{}", extension(p)));
            if p.zip {
                let staging = folder.join(format!(".{stem}.staging"));
                std::fs::create_dir_all(&staging).map_err(|e| io_error(&staging, e))?;
                let plain = staging.join(&inner);
                let result = reports::write_file(table, piece, format, p.header, encoding, language, &plain)
                    .and_then(|_| zip_file(&plain, &inner, &path).map_err(|e| io_error(&path, e)));
                let _ = std::fs::remove_dir_all(&staging);
                result?;
            } else {
                reports::write_file(table, piece, format, p.header, encoding, language, &path)?;
            }
            let bytes = std::fs::metadata(&path).map(|m| m.len() as i64).unwrap_or(0);
            written.push(WrittenFile { profile: p.name.clone(), path: path.display().to_string(), rows: piece.len() as i64, bytes });
        }
    }
    Ok(written)
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::invalid(
        "folder",
        Text::new(
            format!("folder: cannot write {}: {e}", path.display()),
            format!("出力先フォルダー：{} に書き込めません（{e}）。フォルダーの場所と書き込み権限を確認してください。", path.display()),
        ),
    )
}

/// Deletes the profile's files older than its retention.
async fn apply_retention(db: &Db, p: &OutputProfile, now: i64) -> Result<i64> {
    if p.keep_days == 0 {
        return Ok(0);
    }
    let before = now - i64::from(p.keep_days) * 86_400;
    let old: Vec<String> = sqlx::query_scalar("SELECT path FROM attendance_output_files WHERE profile_id = $1 AND written_at < $2")
        .bind(p.id)
        .bind(before)
        .fetch_all(&db.pool)
        .await?;
    let mut deleted = 0;
    for path in &old {
        match std::fs::remove_file(path) {
            Ok(()) => deleted += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path, error = %e, "cannot delete an old output file");
                continue;
            }
        }
        sqlx::query("DELETE FROM attendance_output_files WHERE profile_id = $1 AND path = $2")
            .bind(p.id)
            .bind(path)
            .execute(&db.pool)
            .await?;
    }
    Ok(deleted)
}

/// The periods a profile writes for the attendance days `days`.
pub fn periods_for(p: &OutputProfile, days: &[NaiveDate]) -> Vec<Period> {
    let mut out: Vec<Period> = Vec::new();
    for d in days {
        let period = match p.unit {
            OutputUnit::PerDay => Period::Day(*d),
            OutputUnit::PerMonth => Period::Month(d.year(), d.month()),
            OutputUnit::PerYear => Period::Year(d.year()),
        };
        if !out.contains(&period) {
            out.push(period);
        }
    }
    out
}

/// Runs `profiles` for the attendance days `days`; a failing profile is reported and the
/// others still run. A profile whose folder is no longer under `roots` (the configuration
/// changed, or a link was made since it was saved) writes nothing.
pub async fn run(db: &Db, profiles: &[OutputProfile], days: &[NaiveDate], roots: &OutputRoots, now: i64) -> Result<ProfileRunReport> {
    let language = reports::file_language(db).await?;
    let mut report = ProfileRunReport::default();
    for p in profiles {
        if let Err(e) = roots.confine("folder", &p.folder) {
            report.errors.push(format!("{}: {e}", p.name));
            continue;
        }
        let mut failed = false;
        for period in periods_for(p, days) {
            match write_period(db, p, period, language, now).await {
                Ok(files) => report.files.extend(files),
                Err(e) => {
                    report.errors.push(format!("{}: {e}", p.name));
                    failed = true;
                    break;
                }
            }
        }
        if !failed {
            match apply_retention(db, p, now).await {
                Ok(n) => report.deleted += n,
                Err(e) => report.errors.push(format!("{}: {e}", p.name)),
            }
        }
    }
    Ok(report)
}

/// Every enabled profile, for the attendance task.
pub async fn enabled(db: &Db) -> Result<Vec<OutputProfile>> {
    Ok(all(db).await?.into_iter().filter(|p| p.enabled).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attendance::reports::Cell;
    use crate::attendance::reports::files::{MONTHLY_ROWS_PER_FILE, TIMESHEET_SHEETS_PER_FILE};

    fn profile() -> OutputProfile {
        OutputProfile { name: "Monthly".into(), folder: "/srv/kinmu".into(), ..OutputProfile::default() }
    }

    fn roots() -> OutputRoots {
        OutputRoots::new([PathBuf::from("/srv")])
    }

    #[test]
    fn file_names_and_folders_are_checked_when_saved() {
        let mut p = profile();
        p.file_name = "<datatype>\0_<yyyy-MM>".into();
        assert_eq!(validate(&p, &roots()).unwrap_err().to_api().field.as_deref(), Some("file_name"));
        p.file_name = format!("{}_<yyyy-MM>", "x".repeat(MAX_FILE_STEM_BYTES));
        assert_eq!(validate(&p, &roots()).unwrap_err().to_api().field.as_deref(), Some("file_name"));
        p.file_name = String::new();
        p.folder = "/srv/../etc".into();
        assert_eq!(validate(&p, &roots()).unwrap_err().to_api().field.as_deref(), Some("folder"));
        // A user's long name is cut to what a file system takes.
        p.folder = "/srv/kinmu".into();
        p.split = SplitBy::User;
        let parts = NameParts { period: Some(Period::Month(2024, 4)), user: "長".repeat(200), ..NameParts::default() };
        let name = file_name(&template(&p), &p, &parts, Language::Ja);
        assert!(name.len() <= MAX_FILE_STEM_BYTES && name.starts_with("月別_長"), "{}", name.len());
    }

    #[test]
    fn default_names_use_the_words_of_the_kind_unit_and_split() {
        let mut p = profile();
        assert_eq!(template(&p), "<datatype>_<yyyy-MM>");
        let parts = NameParts { period: Some(Period::Month(2024, 4)), ..NameParts::default() };
        assert_eq!(file_name(&template(&p), &p, &parts, Language::Ja), "月別_2024-04");
        p.kind = ReportKind::Ranking;
        p.ranking = RankingItem::HolidayWork;
        assert_eq!(file_name(&template(&p), &p, &parts, Language::Ja), "ランキング_休日出勤回数ランキング_2024-04");
        p.kind = ReportKind::Daily;
        p.unit = OutputUnit::PerDay;
        p.split = SplitBy::Organization;
        let parts = NameParts {
            period: Some(Period::Day(NaiveDate::from_ymd_opt(2024, 4, 2).unwrap())),
            group: "Acme / Sales".into(),
            ..NameParts::default()
        };
        assert_eq!(file_name(&template(&p), &p, &parts, Language::En), "daily_Acme-Sales_2024-04-02");
        p.file_name = "<yyyy>/<terminal>".into();
        assert!(validate(&p, &roots()).is_err());
    }

    #[test]
    fn every_word_of_a_custom_name_is_filled_in() {
        let mut p = profile();
        p.kind = ReportKind::Terminal;
        p.file_name = "<datatype>-<yyyy>-<yyyy-MM>-<yyyy-MM-dd>-<username>-<group>-<rankingname>-<terminal>".into();
        let parts = NameParts {
            period: Some(Period::Day(NaiveDate::from_ymd_opt(2024, 4, 2).unwrap())),
            user: "最上 晶".into(),
            group: "Acme".into(),
            terminal: "CL/PC:01".into(),
        };
        assert_eq!(
            file_name(&p.file_name, &p, &parts, Language::En),
            "terminal-2024-2024-04-2024-04-02-最上 晶-Acme-overtime-ranking-CL_PC_01"
        );
    }

    #[test]
    fn profiles_that_would_overwrite_their_own_files_are_refused() {
        let mut p = profile();
        p.split = SplitBy::User;
        p.file_name = "<datatype>_<yyyy-MM>".into();
        let Err(Error::Invalid(f)) = validate(&p, &roots()) else { panic!("must fail") };
        assert!(f.message.contains("<username>"), "{f:?}");
        p.split = SplitBy::None;
        p.file_name = "<datatype>".into();
        let Err(Error::Invalid(f)) = validate(&p, &roots()) else { panic!("must fail") };
        assert!(f.message.contains("<yyyy-MM>"), "{f:?}");
        p.file_name = "<month>".into();
        let Err(Error::Invalid(f)) = validate(&p, &roots()) else { panic!("must fail") };
        assert!(f.message.contains("<month>"), "{f:?}");
        p.file_name = String::new();
        p.folder = "relative/folder".into();
        let Err(Error::Invalid(f)) = validate(&p, &roots()) else { panic!("must fail") };
        assert_eq!(f.field, "folder");
        p.folder = "/srv".into();
        p.kind = ReportKind::Monthly;
        p.unit = OutputUnit::PerDay;
        let Err(Error::Invalid(f)) = validate(&p, &roots()) else { panic!("must fail") };
        assert_eq!(f.field, "unit");
        // Same folder and name pattern: the same files.
        let a = profile();
        let mut b = profile();
        b.name = "Other".into();
        assert_eq!(path_pattern(&a), path_pattern(&b));
        b.format = OutputFormat::Xlsx;
        assert_ne!(path_pattern(&a), path_pattern(&b));
    }

    fn table(n: usize) -> Table {
        Table {
            kind: ReportKind::Monthly,
            period: "2024-04".into(),
            columns: vec!["user".into(), "overtime".into()],
            rows: (0..n)
                .map(|i| Row {
                    person: format!("u{i:05}"),
                    name: format!("User {i:05}"),
                    user_id: None,
                    group: if i % 2 == 0 { "Acme / Sales".into() } else { "Acme / Plant".into() },
                    terminal: None,
                    cells: vec![Cell::Text(format!("User {i:05}")), Cell::Minutes(i as i64)],
                })
                .collect(),
        }
    }

    #[test]
    fn excel_timesheets_split_every_thousand_people_keeping_each_person_whole() {
        let rows: Vec<Row> = (0..TIMESHEET_SHEETS_PER_FILE + 1)
            .flat_map(|p| {
                (0..3).map(move |_| Row {
                    person: format!("p{p:05}"),
                    name: format!("P {p}"),
                    user_id: None,
                    group: String::new(),
                    terminal: None,
                    cells: Vec::new(),
                })
            })
            .collect();
        let refs: Vec<&Row> = rows.iter().collect();
        let pieces = split_rows(ReportKind::Timesheet, OutputFormat::Xlsx, &refs);
        assert_eq!(pieces.iter().map(Vec::len).collect::<Vec<_>>(), [3 * TIMESHEET_SHEETS_PER_FILE, 3]);
        assert_eq!(split_rows(ReportKind::Timesheet, OutputFormat::Csv, &refs).len(), 1);
    }

    #[test]
    fn big_files_split_with_suffixes_and_splits_filter_and_zip() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = profile();
        p.folder = dir.path().display().to_string();
        let files = write_files(&p, &table(MONTHLY_ROWS_PER_FILE + 5), Period::Month(2024, 4), Language::En).unwrap();
        let names: Vec<String> = files.iter().map(|f| Path::new(&f.path).file_name().unwrap().to_string_lossy().to_string()).collect();
        assert_eq!(names, ["monthly_2024-04_1.csv", "monthly_2024-04_2.csv"]);
        assert_eq!((files[0].rows, files[1].rows), (MONTHLY_ROWS_PER_FILE as i64, 5));
        let text = std::fs::read_to_string(&files[1].path).unwrap();
        assert!(text.starts_with("\u{feff}User,Overtime\n"), "a header in each piece: {}", &text[..40]);

        p.split = SplitBy::Organization;
        p.filter_organizations = vec!["Acme / Sales".into()];
        p.monthly_subfolders = true;
        p.zip = true;
        let files = write_files(&p, &table(10), Period::Month(2024, 4), Language::En).unwrap();
        assert_eq!(files.len(), 1);
        assert!(files[0].path.ends_with("202404/monthly_Acme-Sales_2024-04.zip"), "{}", files[0].path);
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&files[0].path).unwrap()).unwrap();
        let mut inner = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("monthly_Acme-Sales_2024-04.csv").unwrap(), &mut inner).unwrap();
        assert_eq!(inner.lines().count(), 1 + 5, "only Sales: {inner}");
        // Nothing half-written is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("202404")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");

        // An empty period writes nothing, or a header-only file when asked.
        let mut p = profile();
        p.folder = dir.path().join("empty").display().to_string();
        assert!(write_files(&p, &table(0), Period::Month(2024, 5), Language::Ja).unwrap().is_empty());
        p.empty_file = true;
        let files = write_files(&p, &table(0), Period::Month(2024, 5), Language::Ja).unwrap();
        assert_eq!(std::fs::read_to_string(&files[0].path).unwrap(), "\u{feff}ユーザー,残業時間\n");
    }
}
