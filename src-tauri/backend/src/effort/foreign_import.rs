//! Bringing effort history in from other tools (issue 19): the time-entry CSV exports of Kimai,
//! Toggl Track and Clockify (read by the pure [`kinmu_shared::effort::foreign_import`]), and
//! Kinmu's own effort CSV (handed to [`super::transfer::import`]). `kinmu effort import` and
//! `POST /effort/entries/import` both come here.
//!
//! - **People** are found by e-mail address, else by login, else by display name when exactly
//!   one person has it; **projects** by name or code, **activities** (Kimai's) by name or code at
//!   level 1, **work items** (Toggl's and Clockify's tasks) by path or name within the project.
//!   What is missing is created only when asked (`create_missing`, which needs
//!   `projects.manage`): a created project allows booking without assignment and takes the people
//!   whose rows name it as members. Anything else that does not resolve is a row error.
//! - **Every entry goes through [`entries::save`]** as the actor, with the path `import` (or
//!   `cli` for the command line): the lock of submitted and approved periods, the 24-hour day,
//!   project membership and permissions apply as to a typed entry. A member imports only their
//!   own rows; someone holding `projects.manage` may import other people's rows on the projects
//!   they manage ([`entries::owner_for`]).
//! - **Importing the same file again adds nothing.** Each row's entry id is its **source key**:
//!   a UUID (version 8) made from the SHA-256 of the row's content as the export wrote it (format,
//!   person, date, start time, project, task, activity, description, minutes — see
//!   [`ForeignRow::source_text`]) and how many identical rows came before it in the file. A row
//!   whose key names an entry that exists — live, changed since, or deleted — is counted as
//!   already imported and left alone, so a re-import neither duplicates nor undoes later edits.
//! - **Slash dates** (`03/04/2026`) are read in one order for the whole file: the one asked for
//!   (`date_order`), else the one its dates show (a day above 12 in the first or second place);
//!   a file where every slash date reads both ways, or where rows contradict each other, is
//!   refused naming `date_order` and the fix ([`SlashDates::order`]) — never guessed.
//! - **Large files** are read record by record from the uploaded bytes (decoded once: UTF-8 is
//!   borrowed, Shift_JIS decoded), each row stored before the next is read; only the source
//!   keys' occurrence counts are held.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use kinmu_shared::Permission;
use kinmu_shared::api::{
    ChangePath, DateOrder, EffortImportReport, ImportFormat, ImportRowError, MemberRole, ProjectRole, SaveActivity, SaveEntry, SaveOutcome,
    SaveProject, SaveWorkItem,
};
use kinmu_shared::effort::foreign_import::{Columns, ForeignRow, SlashDates, detect};
use kinmu_shared::messages::Text;

use super::{activities, entries, projects, transfer, work_items};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

/// What the caller asks of an import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// None: detected from the header.
    pub format: Option<ImportFormat>,
    /// How slash dates read; none: what the file's dates show (refused when they do not say).
    pub date_order: Option<DateOrder>,
    pub create_missing: bool,
    pub dry_run: bool,
}

/// The file's text: UTF-8 (a BOM dropped) borrowed as it is, else decoded from Shift_JIS.
fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned()),
    }
}

/// A row's entry id: a UUID of version 8 from the SHA-256 of its source text and occurrence.
fn source_key(text: &str, occurrence: u32) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"kinmu-effort-import\0");
    h.update(text.as_bytes());
    h.update(occurrence.to_le_bytes());
    let hex = hex::encode(h.finalize());
    format!("{}-{}-8{}-a{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// A file that cannot be read at all: the whole import is refused, naming what to fix.
fn unreadable(en: String, ja: String) -> Error {
    Error::invalid("file", Text::new(en, ja))
}

/// Imports an effort CSV of any format as `actor`; `path` is `import` (upload) or `cli`.
pub async fn import(
    db: &Db,
    actor: &Actor,
    bytes: &[u8],
    options: ImportOptions,
    path: ChangePath,
    today: NaiveDate,
    now: i64,
) -> Result<EffortImportReport> {
    actor.require(Permission::EnterEffort)?;
    if options.create_missing {
        actor.require(Permission::ManageProjects)?;
    }
    let text = text_of(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| unreadable(format!("the file is not CSV: {e}"), format!("CSV として読めません：{e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let fields: Vec<&str> = header.iter().map(String::as_str).collect();
    let format = match options.format.or_else(|| detect(&fields)) {
        Some(f) => f,
        None => {
            return Err(unreadable(
                format!(
                    "the file's headings ({}) are not those of Kinmu's effort CSV nor of a Kimai, Toggl Track or Clockify time-entry export: choose the format, or export the detailed time entries with their headings",
                    header.join(", ").chars().take(200).collect::<String>()
                ),
                "見出しが勤務の工数 CSV とも、Kimai・Toggl Track・Clockify の時間記録の書き出しとも一致しません。形式を選ぶか、見出し付きで詳細な時間記録を書き出してください。".into(),
            ));
        }
    };
    if format == ImportFormat::Kinmu {
        if options.dry_run {
            return Err(Error::invalid(
                "dry_run",
                Text::new(
                    "a dry run reads Kimai, Toggl Track and Clockify files; Kinmu's own CSV is imported directly",
                    "試し読みは Kimai・Toggl Track・Clockify のファイルが対象です。勤務の CSV はそのまま取り込んでください。",
                ),
            ));
        }
        let done = transfer::import(db, actor, bytes, path, today, now).await?;
        let mut report = EffortImportReport::new(format, false);
        report.rows_read = done.report.rows_read;
        report.created = done.report.created;
        report.updated = done.report.updated;
        report.unchanged = done.unchanged;
        report.errors = done.report.errors;
        return Ok(report);
    }
    let columns = Columns::of(format, &fields).map_err(|t| Error::invalid("file", t))?;
    // The order of slash dates is the file's, not each row's: read the date column first (the
    // text is in memory) and refuse an undecided file before any row is stored.
    let mut slash_dates = SlashDates::default();
    let mut dates = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    while let Ok(true) = dates.read_record(&mut record) {
        slash_dates.see(columns.date_cell(&record.iter().collect::<Vec<_>>()));
    }
    let order = slash_dates.order(options.date_order).map_err(|t| Error::invalid("date_order", t))?;
    let columns = columns.with_date_order(order);
    let mut run = Run {
        db,
        actor,
        options,
        path,
        today,
        now,
        names: Names::load(db).await?,
        report: EffortImportReport::new(format, options.dry_run),
        occurrences: HashMap::new(),
        made_projects: HashSet::new(),
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line() as i64);
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                run.report.rows_read += 1;
                let cells: Vec<&str> = record.iter().collect();
                if let Err((field, message)) = run.row(&columns, &cells).await {
                    run.report.errors.push(ImportRowError { line, field: Some(field), message });
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as i64);
                run.report.rows_read += 1;
                run.report.errors.push(ImportRowError {
                    line,
                    field: None,
                    message: Text::new(format!("the line is not CSV: {e}"), format!("CSV の行として読めません：{e}"))
                        .get(actor.language())
                        .unwrap_or_default()
                        .to_string(),
                });
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    Ok(run.report)
}

/// The names rows are looked up by, loaded once per import and completed as things are created.
struct Names {
    by_email: HashMap<String, i64>,
    by_login: HashMap<String, i64>,
    /// Display name → ids (a name shared by two people names nobody).
    by_display: HashMap<String, Vec<i64>>,
    /// Project name or code (lower-case) → id.
    projects: HashMap<String, i64>,
    /// (project, path or leaf name, lower-case) → ids.
    work_items: HashMap<(i64, String), Vec<i64>>,
    /// Level-1 activity name or code (lower-case) → id.
    activities: HashMap<String, i64>,
}

impl Names {
    async fn load(db: &Db) -> Result<Names> {
        let users: Vec<(i64, String, Option<String>, String)> =
            sqlx::query_as("SELECT id, login, email, display_name FROM users").fetch_all(&db.pool).await?;
        let projects: Vec<(i64, String, String)> = sqlx::query_as("SELECT id, code, name FROM projects").fetch_all(&db.pool).await?;
        let items: Vec<(i64, i64, String, String)> =
            sqlx::query_as("SELECT id, project_id, path, name FROM work_items").fetch_all(&db.pool).await?;
        let mut n = Names {
            by_email: HashMap::new(),
            by_login: HashMap::new(),
            by_display: HashMap::new(),
            projects: HashMap::new(),
            work_items: HashMap::new(),
            activities: HashMap::new(),
        };
        for (id, login, email, display) in users {
            n.by_login.insert(login.to_lowercase(), id);
            if let Some(e) = email.filter(|e| !e.trim().is_empty()) {
                n.by_email.insert(e.trim().to_lowercase(), id);
            }
            n.by_display.entry(display.trim().to_lowercase()).or_default().push(id);
        }
        // Codes first, names after: a name never hides another project's code.
        for (id, _, name) in &projects {
            n.projects.insert(name.trim().to_lowercase(), *id);
        }
        for (id, code, _) in &projects {
            n.projects.insert(code.to_lowercase(), *id);
        }
        for (id, project, path, name) in items {
            n.add_work_item(project, id, &path, &name);
        }
        for a in activities::list(db).await?.into_iter().filter(|a| a.level == 1) {
            n.activities.insert(a.name.trim().to_lowercase(), a.id);
            n.activities.insert(a.code.to_lowercase(), a.id);
        }
        Ok(n)
    }

    fn add_work_item(&mut self, project: i64, id: i64, path: &str, name: &str) {
        self.work_items.entry((project, normalise_path(path))).or_default().push(id);
        let leaf = name.trim().to_lowercase();
        if leaf != normalise_path(path) {
            self.work_items.entry((project, leaf)).or_default().push(id);
        }
    }

    fn person(&self, r: &ForeignRow) -> std::result::Result<i64, (String, Text)> {
        if let Some(id) = self.by_email.get(&r.email.to_lowercase()).filter(|_| !r.email.is_empty()) {
            return Ok(*id);
        }
        for key in [&r.login, &r.name] {
            if let Some(id) = self.by_login.get(&key.to_lowercase()).filter(|_| !key.is_empty()) {
                return Ok(*id);
            }
        }
        if let Some([id]) = self.by_display.get(&r.name.to_lowercase()).filter(|_| !r.name.is_empty()).map(Vec::as_slice) {
            return Ok(*id);
        }
        let who = [&r.email, &r.login, &r.name].into_iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" / ");
        let field = if r.email.is_empty() { "user" } else { "email" };
        Err((
            field.into(),
            Text::new(
                format!(
                    "nobody in Kinmu has the e-mail address or login {who:?}: add the person, or set their e-mail address to the one in the file"
                ),
                format!(
                    "「{who}」というメールアドレスまたはログイン名の人が勤務にいません。利用者を追加するか、メールアドレスをファイルと同じにしてください。"
                ),
            ),
        ))
    }
}

/// `Design/Screens`, `design / screens` → `design / screens`.
fn normalise_path(path: &str) -> String {
    path.split('/').map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(work_items::PATH_SEPARATOR)
}

/// A code made from a name: spaces become `-`, at most 32 characters.
fn code_from(name: &str, attempt: u32) -> String {
    let base: String = name.split_whitespace().collect::<Vec<_>>().join("-").chars().take(28).collect();
    if attempt == 0 { base } else { format!("{base}-{}", attempt + 1) }
}

struct Run<'a> {
    db: &'a Db,
    actor: &'a Actor,
    options: ImportOptions,
    path: ChangePath,
    today: NaiveDate,
    now: i64,
    names: Names,
    report: EffortImportReport,
    /// How many rows of each source text came before (by the text's key for occurrence 0).
    occurrences: HashMap<String, u32>,
    /// Projects this import created: the people whose rows name them become members.
    made_projects: HashSet<i64>,
}

/// A row's failure: the field and the message in the actor's language.
type RowFailure = (String, String);

impl Run<'_> {
    fn say(&self, t: &Text) -> String {
        t.get(self.actor.language()).unwrap_or(t.en()).to_string()
    }

    fn fail(&self, e: Error, default_field: &str) -> RowFailure {
        let field = match &e {
            Error::PeriodLocked(_) => Some("date".to_string()),
            Error::NotAllowed(_) => Some("user".to_string()),
            _ => None,
        };
        let api = e.to_api_in(self.actor.language());
        (field.or(api.field).unwrap_or_else(|| default_field.to_string()), api.message)
    }

    async fn row(&mut self, columns: &Columns, cells: &[&str]) -> std::result::Result<(), RowFailure> {
        let r = columns.read(cells).map_err(|p| (p.field.to_string(), self.say(&p.text)))?;
        let source = r.source_text(columns.format);
        let first = source_key(&source, 0);
        let n = self.occurrences.entry(first.clone()).or_insert(0);
        let id = if *n == 0 { first } else { source_key(&source, *n) };
        *n += 1;
        let user = self.names.person(&r).map_err(|(f, t)| (f, self.say(&t)))?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT version FROM effort_entries WHERE id = $1")
            .bind(&id)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(|e| self.fail(e.into(), "id"))?;
        if exists.is_some() {
            self.report.unchanged += 1;
            return Ok(());
        }
        let (project, project_made) = self.project(&r).await?;
        let work_item = self.work_item(project, &r).await?;
        let activity = self.activity(&r).await?;
        if self.options.dry_run {
            return self.check(user, project, project_made, work_item, activity, &r).await;
        }
        if self.made_projects.contains(&project) {
            self.join(project, user).await.map_err(|e| self.fail(e, "project"))?;
        }
        let req = SaveEntry {
            id,
            user_id: Some(user),
            date: r.date.to_string(),
            project_id: project,
            work_item_id: work_item,
            activity1_id: activity,
            activity2_id: None,
            minutes: r.minutes,
            note: r.note.clone(),
            expected_version: None,
        };
        match entries::save(self.db, self.actor, req, self.path, self.today, self.now).await {
            Ok(a) if a.outcome == SaveOutcome::Created => {
                self.report.created += 1;
                self.report.minutes += r.minutes;
                Ok(())
            }
            Ok(_) => {
                self.report.unchanged += 1;
                Ok(())
            }
            Err(e) => Err(self.fail(e, "project")),
        }
    }

    /// A dry run's checks: who may write the entry, and (for a project that exists) what a save
    /// would check apart from the minutes: membership, the work item, the activity, the lock.
    async fn check(
        &mut self,
        user: i64,
        project: i64,
        project_made: bool,
        work_item: Option<i64>,
        activity: Option<i64>,
        r: &ForeignRow,
    ) -> std::result::Result<(), RowFailure> {
        let (_, on_behalf) = entries::owner_for(self.actor, Some(user), ChangePath::Import).map_err(|e| self.fail(e, "user"))?;
        if !project_made && project > 0 && work_item.is_none_or(|w| w > 0) && activity.is_none_or(|a| a > 0) {
            let row = entries::Row { project_id: project, work_item_id: work_item, activity1_id: activity, activity2_id: None };
            let p = entries::check_bookable(self.db, user, row, r.date, self.today).await.map_err(|e| self.fail(e, "project"))?;
            if on_behalf {
                entries::require_manages_for_import(self.actor, &p).map_err(|e| self.fail(e, "project"))?;
            }
        }
        self.report.created += 1;
        self.report.minutes += r.minutes;
        Ok(())
    }

    /// The row's project, created when asked; in a dry run a missing one is listed and named 0.
    async fn project(&mut self, r: &ForeignRow) -> std::result::Result<(i64, bool), RowFailure> {
        let key = r.project.trim().to_lowercase();
        if let Some(id) = self.names.projects.get(&key) {
            return Ok((*id, self.made_projects.contains(id) || *id == 0));
        }
        if !self.options.create_missing {
            return Err((
                "project".into(),
                self.say(&Text::new(
                    format!("no project is named {:?}: create it first, or import with \"create missing\"", r.project),
                    format!(
                        "「{}」というプロジェクトはありません。先に作成するか、「ないものを作成」を選んで取り込んでください。",
                        r.project
                    ),
                )),
            ));
        }
        self.report.created_projects.push(r.project.clone());
        if self.options.dry_run {
            self.names.projects.insert(key, 0);
            return Ok((0, true));
        }
        let mut attempt = 0;
        let p = loop {
            let req = SaveProject {
                code: code_from(&r.project, attempt),
                name: r.project.clone(),
                client: r.client.clone(),
                allow_unassigned: true,
                ..SaveProject::default()
            };
            match projects::create(self.db, self.actor, req, self.now).await {
                Err(Error::Conflict { .. }) if attempt < 20 => attempt += 1,
                other => break other.map_err(|e| self.fail(e, "project"))?,
            }
        };
        self.names.projects.insert(key, p.id);
        self.made_projects.insert(p.id);
        Ok((p.id, true))
    }

    /// Adds `user` to a project this import created, when not yet a member.
    async fn join(&self, project: i64, user: i64) -> Result<()> {
        let p = projects::stored(self.db, project).await?;
        if p.members.iter().any(|m| m.user_id == user) {
            return Ok(());
        }
        let mut members: Vec<MemberRole> = p.members.iter().map(|m| MemberRole { user_id: m.user_id, role: m.role }).collect();
        members.push(MemberRole { user_id: user, role: ProjectRole::Member });
        projects::set_members(self.db, self.actor, project, members).await?;
        Ok(())
    }

    async fn work_item(&mut self, project: i64, r: &ForeignRow) -> std::result::Result<Option<i64>, RowFailure> {
        if r.task.is_empty() {
            return Ok(None);
        }
        let key = normalise_path(&r.task);
        match self.names.work_items.get(&(project, key.clone())).map(Vec::as_slice) {
            Some([id]) => return Ok(Some(*id)),
            Some([_, _, ..]) => {
                return Err((
                    "task".into(),
                    self.say(&Text::new(
                        format!(
                            "project {:?} has several work items named {:?}: write the task as its path, e.g. Design / Screens",
                            r.project, r.task
                        ),
                        format!(
                            "プロジェクト「{}」に「{}」という作業項目が複数あります。「設計 / 画面」のようにパスで書いてください。",
                            r.project, r.task
                        ),
                    )),
                ));
            }
            _ => {}
        }
        if !self.options.create_missing {
            return Err((
                "task".into(),
                self.say(&Text::new(
                    format!("project {:?} has no work item {:?}: add it first, or import with \"create missing\"", r.project, r.task),
                    format!(
                        "プロジェクト「{}」に作業項目「{}」はありません。先に追加するか、「ないものを作成」を選んで取り込んでください。",
                        r.project, r.task
                    ),
                )),
            ));
        }
        self.report.created_work_items.push(format!("{} / {}", r.project, r.task));
        if self.options.dry_run || project == 0 {
            self.names.work_items.insert((project, key), vec![0]);
            return Ok(Some(0));
        }
        let req = SaveWorkItem { name: r.task.trim().to_string(), ..SaveWorkItem::default() };
        let w = work_items::create(self.db, self.actor, project, req, self.now).await.map_err(|e| self.fail(e, "task"))?;
        self.names.add_work_item(project, w.id, &w.path, &w.name);
        Ok(Some(w.id))
    }

    async fn activity(&mut self, r: &ForeignRow) -> std::result::Result<Option<i64>, RowFailure> {
        if r.activity.is_empty() {
            return Ok(None);
        }
        let key = r.activity.trim().to_lowercase();
        if let Some(id) = self.names.activities.get(&key) {
            return Ok(Some(*id));
        }
        if !self.options.create_missing {
            return Err((
                "activity".into(),
                self.say(&Text::new(
                    format!("no activity of level 1 has the name or code {:?}: add it first, or import with \"create missing\"", r.activity),
                    format!("第1分類に「{}」という名前またはコードの分類はありません。先に追加するか、「ないものを作成」を選んで取り込んでください。", r.activity),
                )),
            ));
        }
        self.report.created_activities.push(r.activity.clone());
        if self.options.dry_run {
            self.names.activities.insert(key, 0);
            return Ok(Some(0));
        }
        let mut attempt = 0;
        let a = loop {
            let req = SaveActivity { level: 1, code: code_from(&r.activity, attempt), name: r.activity.trim().to_string(), active: true };
            match activities::create(self.db, self.actor, req, self.now).await {
                Err(Error::Conflict { .. }) if attempt < 20 => attempt += 1,
                other => break other.map_err(|e| self.fail(e, "activity"))?,
            }
        };
        self.names.activities.insert(key, a.id);
        Ok(Some(a.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_keys_are_uuids_that_follow_content_and_occurrence() {
        let a = source_key("toggl\u{1f}sato@example.com\u{1f}2026-11-10", 0);
        assert_eq!(entries::parse_uuid("id", &a).unwrap(), a);
        assert_eq!(a, source_key("toggl\u{1f}sato@example.com\u{1f}2026-11-10", 0));
        assert_ne!(a, source_key("toggl\u{1f}sato@example.com\u{1f}2026-11-10", 1));
        assert_ne!(a, source_key("toggl\u{1f}sato@example.com\u{1f}2026-11-11", 0));
    }

    #[test]
    fn text_is_borrowed_when_utf8_and_decoded_from_shift_jis() {
        assert!(matches!(text_of("\u{feff}Email,Project".as_bytes()), Cow::Borrowed("Email,Project")));
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("佐藤,設計");
        assert_eq!(text_of(&sjis), "佐藤,設計");
        assert_eq!(code_from("Web Portal  Renewal", 0), "Web-Portal-Renewal");
        assert_eq!(code_from("Web Portal", 1), "Web-Portal-2");
    }
}
