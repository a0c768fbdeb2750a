//! Effort entries: created and changed by UUID (made by the client: an entry sent twice is
//! stored once), versioned by the server (a change made from an old version is a conflict, and
//! the answer carries the current entry), deleted as tombstones, every change recorded in the
//! history with its path (UI, API, import, command line, sync).
//!
//! [`save`] and [`delete`] are the one way entries change, whatever the path: the lock rule
//! ([`kinmu_shared::effort::period`]) and the entry rules ([`kinmu_shared::effort::entry_rules`])
//! are applied here, for every caller.

use chrono::NaiveDate;
use kinmu_shared::Permission;
use kinmu_shared::api::{ChangePath, DeleteEntry, EffortEntry, EntryChange, Project, SaveEntry, SaveEntryAnswer, SaveOutcome};
use kinmu_shared::effort::{EntryRuleError, entry_rules};
use kinmu_shared::messages::Text;
use sqlx::{Any, Transaction};

use super::{actor_name, is_administrator, is_approver, parse_date, periods, projects};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result, is_unique_violation};

/// The longest note an entry keeps.
pub const NOTE_MAX: usize = 1000;

#[derive(sqlx::FromRow, Clone)]
struct EntryRow {
    id: String,
    user_id: i64,
    work_date: String,
    project_id: i64,
    work_item_id: Option<i64>,
    activity1_id: Option<i64>,
    activity2_id: Option<i64>,
    minutes: i64,
    note: String,
    version: i64,
    deleted_at: Option<i64>,
    updated_at: i64,
}

impl From<EntryRow> for EffortEntry {
    fn from(r: EntryRow) -> EffortEntry {
        EffortEntry {
            id: r.id,
            user_id: r.user_id,
            date: r.work_date,
            project_id: r.project_id,
            work_item_id: r.work_item_id,
            activity1_id: r.activity1_id,
            activity2_id: r.activity2_id,
            minutes: r.minutes,
            note: r.note,
            version: r.version,
            deleted_at: r.deleted_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, note, version, deleted_at, updated_at";

fn rule(e: EntryRuleError) -> Error {
    Error::invalid(e.field(), e.text())
}

/// A UUID (`8-4-4-4-12` hexadecimal digits), lower-cased.
pub fn parse_uuid(field: &str, s: &str) -> Result<String> {
    let t = s.trim().to_ascii_lowercase();
    let ok = t.len() == 36 && t.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() });
    if !ok {
        return Err(Error::invalid(
            field,
            Text::new(
                format!("{field}: {s:?} is not a UUID: the client makes one per entry, e.g. 0b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f"),
                format!("「{s}」は UUID ではありません（例：0b6f1c2e-8d1a-4f4e-9d7e-2a1b3c4d5e6f）。"),
            ),
        ));
    }
    Ok(t)
}

/// A fresh random UUID (version 4), for entries made on the server's side (a CSV row without one).
pub fn new_uuid() -> String {
    let hex = crate::accounts::passwords::random_token();
    let b = hex.as_bytes();
    let s = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).unwrap_or("0").to_string();
    let variant = ["8", "9", "a", "b"][usize::from_str_radix(&s(16..17), 16).unwrap_or(0) % 4];
    format!("{}-{}-4{}-{}{}-{}", s(0..8), s(8..12), s(13..16), variant, s(17..20), s(20..32))
}

async fn find(tx: &mut Transaction<'static, Any>, id: &str) -> Result<Option<EntryRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM effort_entries WHERE id = $1")).bind(id).fetch_optional(&mut **tx).await?)
}

/// An entry by its UUID, for its owner, approvers and administrators.
pub async fn get(db: &Db, actor: &Actor, id: &str) -> Result<EffortEntry> {
    let id = parse_uuid("id", id)?;
    let row: Option<EntryRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM effort_entries WHERE id = $1")).bind(&id).fetch_optional(&db.pool).await?;
    let row = row.ok_or_else(|| Error::NotFound(Text::new(format!("no effort entry {id}"), "工数が見つかりません。")))?;
    if Some(row.user_id) != actor.user_id() && !is_approver(actor) && !is_administrator(actor) {
        return Err(Error::NotFound(Text::new(format!("no effort entry {id}"), "工数が見つかりません。")));
    }
    Ok(row.into())
}

/// Whose entry the actor may write: their own; the operator names the person. An import
/// (`ChangePath::Import`) by someone holding `projects.manage` may name another person: the
/// history brought in for a team; [`save`] then requires that they manage the entry's project.
/// Returns the owner and whether it is someone else than the actor (an import on their behalf).
pub(crate) fn owner_for(actor: &Actor, requested: Option<i64>, path: ChangePath) -> Result<(i64, bool)> {
    actor.require(Permission::EnterEffort)?;
    match (actor, requested) {
        (Actor::Operator, Some(u)) => Ok((u, false)),
        (Actor::Operator, None) => {
            Err(Error::invalid("user_id", Text::new("user_id: name whose entry it is", "user_id：だれの工数かを指定してください")))
        }
        (Actor::User(u), None) => Ok((u.id, false)),
        (Actor::User(u), Some(r)) if r == u.id => Ok((r, false)),
        (Actor::User(u), Some(r)) if path == ChangePath::Import && u.can(Permission::ManageProjects) => Ok((r, true)),
        (Actor::User(_), Some(_)) if path == ChangePath::Import => Err(Error::NotAllowed(Text::new(
            "you may import only your own effort: importing other people's needs projects.manage on their project",
            "取り込めるのは自分の工数だけです。他の人の工数を取り込むには、そのプロジェクトの管理者である必要があります。",
        ))),
        (Actor::User(_), Some(_)) => Err(Error::NotAllowed(Text::new(
            "effort is entered by the person it belongs to",
            "工数は本人が入力します。他の人の工数は入力できません。",
        ))),
    }
}

/// Refuses an import on someone else's behalf on a project the actor does not manage.
pub(crate) fn require_manages_for_import(actor: &Actor, p: &Project) -> Result<()> {
    if projects::manages(actor, p) {
        return Ok(());
    }
    Err(Error::NotAllowed(Text::new(
        format!("you may import other people's effort only on projects you manage, not on {}", p.code),
        format!("他の人の工数を取り込めるのは、自分が管理するプロジェクトだけです（{} は対象外）。", p.code),
    )))
}

/// Refuses when the period holding `user`'s `date` takes no changes.
async fn require_open(tx: &mut Transaction<'static, Any>, user: i64, date: NaiveDate) -> Result<()> {
    let (state, first, last) = periods::state_on(tx, user, date).await?;
    match kinmu_shared::effort::period::entry_change_refusal(state, first, last) {
        None => Ok(()),
        Some(t) => Err(Error::PeriodLocked(t)),
    }
}

/// The checked content of a save request.
struct Content {
    user_id: i64,
    date: NaiveDate,
    project_id: i64,
    work_item_id: Option<i64>,
    activity1_id: Option<i64>,
    activity2_id: Option<i64>,
    minutes: i64,
    note: String,
}

impl Content {
    fn same_as(&self, r: &EntryRow) -> bool {
        r.deleted_at.is_none()
            && r.user_id == self.user_id
            && r.work_date == self.date.to_string()
            && r.project_id == self.project_id
            && r.work_item_id == self.work_item_id
            && r.activity1_id == self.activity1_id
            && r.activity2_id == self.activity2_id
            && r.minutes == self.minutes
            && r.note == self.note
    }
}

/// Checks the entry against the project, its work item and activities, and the future-day rule.
async fn check_references(db: &Db, c: &Content, before: Option<&EntryRow>, today: NaiveDate) -> Result<Project> {
    let settings = super::settings::get(db).await?;
    entry_rules::check_future_day(c.date, today, settings.future_days_allowed).map_err(rule)?;
    let p = projects::stored(db, c.project_id).await.map_err(|_| {
        Error::invalid("project_id", Text::new("project_id: no such project: pick one from the list", "プロジェクトが見つかりません。"))
    })?;
    entry_rules::check_project_open(&p.code, p.status == kinmu_shared::api::ProjectStatus::Closed).map_err(rule)?;
    if !p.members.iter().any(|m| m.user_id == c.user_id) && p.manager_id != Some(c.user_id) {
        return Err(Error::invalid(
            "project_id",
            Text::new(
                format!("you are not a member of project {}: ask its manager to add you", p.code),
                format!("プロジェクト {} のメンバーではありません。プロジェクト管理者に追加を依頼してください。", p.code),
            ),
        ));
    }
    if let Some(w) = c.work_item_id {
        let (project, path) = super::work_items::stored(db, w).await.map_err(|_| {
            Error::invalid(
                "work_item_id",
                Text::new("work_item_id: no such work item: pick one from the list", "作業項目が見つかりません。一覧から選んでください。"),
            )
        })?;
        if project != p.id {
            return Err(Error::invalid(
                "work_item_id",
                Text::new(
                    format!("work_item_id: {path:?} belongs to another project than {}", p.code),
                    format!("作業項目「{path}」はプロジェクト {} のものではありません。", p.code),
                ),
            ));
        }
        let assigned: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM work_item_assignees WHERE work_item_id = $1 AND user_id = $2")
            .bind(w)
            .bind(c.user_id)
            .fetch_one(&db.pool)
            .await?;
        entry_rules::check_assignment(&p.code, &path, assigned > 0, p.allow_unassigned).map_err(rule)?;
    }
    let activities = super::activities::list(db).await?;
    for (field, level, id, was) in [
        ("activity1_id", 1, c.activity1_id, before.and_then(|b| b.activity1_id)),
        ("activity2_id", 2, c.activity2_id, before.and_then(|b| b.activity2_id)),
    ] {
        let Some(id) = id else { continue };
        let a = activities.iter().find(|a| a.id == id).ok_or_else(|| {
            Error::invalid(
                field,
                Text::new(format!("{field}: no such activity: pick one from the list"), "分類が見つかりません。一覧から選んでください。"),
            )
        })?;
        if a.level != level {
            return Err(Error::invalid(
                field,
                Text::new(
                    format!("{field}: {:?} is an activity of level {}, not {level}", a.name, a.level),
                    format!("分類「{}」は第{}分類です（第{level}分類ではありません）。", a.name, a.level),
                ),
            ));
        }
        // An inactive activity stays on the entries that had it.
        if !a.active && was != Some(id) {
            return Err(Error::invalid(
                field,
                Text::new(
                    format!("{field}: the activity {:?} is no longer in use", a.name),
                    format!("分類「{}」は現在使われていません。", a.name),
                ),
            ));
        }
        let offered_at_level: Vec<i64> =
            p.activity_ids.iter().copied().filter(|x| activities.iter().any(|a| a.id == *x && a.level == level)).collect();
        if !offered_at_level.is_empty() && !offered_at_level.contains(&id) && was != Some(id) {
            return Err(Error::invalid(
                field,
                Text::new(
                    format!("{field}: project {} does not use the activity {:?}", p.code, a.name),
                    format!("プロジェクト {} では分類「{}」は使いません。", p.code, a.name),
                ),
            ));
        }
    }
    Ok(p)
}

/// What a row a person books on names: project, work item and the two activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub project_id: i64,
    pub work_item_id: Option<i64>,
    pub activity1_id: Option<i64>,
    pub activity2_id: Option<i64>,
}

/// Whether `user_id` could book on `row` on `date` now: the checks of a save that do not depend
/// on the minutes (the future-day rule, the project open and theirs, the work item assigned, the
/// activities in use, the period holding the day open). The timer checks them when it starts.
pub(crate) async fn check_bookable(db: &Db, user_id: i64, row: Row, date: NaiveDate, today: NaiveDate) -> Result<Project> {
    let c = Content {
        user_id,
        date,
        project_id: row.project_id,
        work_item_id: row.work_item_id,
        activity1_id: row.activity1_id,
        activity2_id: row.activity2_id,
        minutes: 0,
        note: String::new(),
    };
    let p = check_references(db, &c, None, today).await?;
    let mut conn = db.pool.acquire().await?;
    let (state, first, last) = periods::state_on(&mut conn, user_id, date).await?;
    if let Some(t) = kinmu_shared::effort::period::entry_change_refusal(state, first, last) {
        return Err(Error::PeriodLocked(t));
    }
    Ok(p)
}

/// `user_id`'s live entries on `row` of `date`, oldest first.
pub(crate) async fn on_row(db: &Db, user_id: i64, row: Row, date: NaiveDate) -> Result<Vec<EffortEntry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM effort_entries WHERE user_id = $1 AND work_date = $2 AND project_id = $3 AND deleted_at IS NULL \
         ORDER BY created_at, id"
    ))
    .bind(user_id)
    .bind(date.to_string())
    .bind(row.project_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.work_item_id == row.work_item_id && r.activity1_id == row.activity1_id && r.activity2_id == row.activity2_id)
        .map(EffortEntry::from)
        .collect())
}

/// Creates or changes the entry `req.id`. The same content sent again is `Unchanged`; a change
/// made from another version than the stored one is a `Conflict` answered with the stored entry.
pub async fn save(db: &Db, actor: &Actor, req: SaveEntry, path: ChangePath, today: NaiveDate, now: i64) -> Result<SaveEntryAnswer> {
    let (user_id, on_behalf) = owner_for(actor, req.user_id, path)?;
    let id = parse_uuid("id", &req.id)?;
    let date = parse_date("date", &req.date)?;
    if !(0..=kinmu_shared::effort::DURATION_MAX_MINUTES).contains(&req.minutes) {
        return Err(Error::invalid(
            "minutes",
            Text::new(format!("minutes must be from 0 to 1440, not {}", req.minutes), "工数は 0〜24:00 の範囲で入力してください。"),
        ));
    }
    let content = Content {
        user_id,
        date,
        project_id: req.project_id,
        work_item_id: req.work_item_id,
        activity1_id: req.activity1_id,
        activity2_id: req.activity2_id,
        minutes: req.minutes,
        note: super::optional_text("note", &req.note, NOTE_MAX)?,
    };
    // A create racing another create of the same UUID meets the primary key: read it again.
    for attempt in 0..2 {
        match save_once(db, actor, &id, &content, req.expected_version, on_behalf, path, today, now).await {
            Err(Error::Database(e)) if attempt == 0 && is_unique_violation(&e) => continue,
            other => return other,
        }
    }
    Err(Error::Internal(format!("entry {id} could not be stored")))
}

/// What the stored entry says about a save of `c`, before anything is written: unchanged, a
/// conflict, or go on (None).
fn settled(id: &str, c: &Content, expected_version: Option<i64>, before: Option<&EntryRow>) -> Result<Option<SaveEntryAnswer>> {
    match before {
        Some(b) if b.user_id != c.user_id => Err(Error::conflict(
            "id",
            Text::new(format!("the entry {id} belongs to another person: make a new UUID"), "この ID の工数は別の人のものです。"),
        )),
        Some(b) if c.same_as(b) => Ok(Some(SaveEntryAnswer { outcome: SaveOutcome::Unchanged, entry: b.clone().into() })),
        Some(b) if expected_version != Some(b.version) => {
            Ok(Some(SaveEntryAnswer { outcome: SaveOutcome::Conflict, entry: b.clone().into() }))
        }
        Some(_) => Ok(None),
        None if expected_version.is_some_and(|v| v > 0) => Err(Error::NotFound(Text::new(
            format!("no effort entry {id}: it cannot be changed from version {}", expected_version.unwrap_or(0)),
            "変更しようとした工数が見つかりません。",
        ))),
        None => Ok(None),
    }
}

#[allow(clippy::too_many_arguments)]
async fn save_once(
    db: &Db,
    actor: &Actor,
    id: &str,
    c: &Content,
    expected_version: Option<i64>,
    on_behalf: bool,
    path: ChangePath,
    today: NaiveDate,
    now: i64,
) -> Result<SaveEntryAnswer> {
    // Checked before the write transaction, which then holds one connection only.
    let seen: Option<EntryRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM effort_entries WHERE id = $1")).bind(id).fetch_optional(&db.pool).await?;
    if let Some(answer) = settled(id, c, expected_version, seen.as_ref())? {
        return Ok(answer);
    }
    let project = check_references(db, c, seen.as_ref(), today).await?;
    if on_behalf {
        require_manages_for_import(actor, &project)?;
    }
    let mut tx = super::write_transaction(db).await?;
    let before = find(&mut tx, id).await?;
    if let Some(answer) = settled(id, c, expected_version, before.as_ref())? {
        return Ok(answer);
    }
    if let Some(b) = &before {
        require_open(&mut tx, c.user_id, parse_date("date", &b.work_date)?).await?;
    }
    require_open(&mut tx, c.user_id, c.date).await?;
    // The day totals: the old day gives back the entry's minutes, the new day takes them.
    // So do the day's rows (`effort_day_rows`).
    if let Some(b) = before.as_ref().filter(|b| b.deleted_at.is_none()) {
        add_to_day(&mut tx, c.user_id, parse_date("date", &b.work_date)?, -b.minutes).await?;
        add_to_day_row(&mut tx, &DayRow::of_row(b), -b.minutes, -1).await?;
    }
    add_to_day(&mut tx, c.user_id, c.date, c.minutes).await?;
    add_to_day_row(&mut tx, &DayRow::of_content(c), c.minutes, 1).await?;
    let version = before.as_ref().map_or(1, |b| b.version + 1);
    if before.is_some() {
        sqlx::query(
            "UPDATE effort_entries SET work_date = $1, project_id = $2, work_item_id = $3, activity1_id = $4, activity2_id = $5, \
             minutes = $6, note = $7, version = $8, deleted_at = NULL, updated_at = $9 WHERE id = $10",
        )
        .bind(c.date.to_string())
        .bind(c.project_id)
        .bind(c.work_item_id)
        .bind(c.activity1_id)
        .bind(c.activity2_id)
        .bind(c.minutes)
        .bind(&c.note)
        .bind(version)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO effort_entries (id, user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, note, \
             version, deleted_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $11)",
        )
        .bind(id)
        .bind(c.user_id)
        .bind(c.date.to_string())
        .bind(c.project_id)
        .bind(c.work_item_id)
        .bind(c.activity1_id)
        .bind(c.activity2_id)
        .bind(c.minutes)
        .bind(&c.note)
        .bind(version)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    let after: EffortEntry = find(&mut tx, id).await?.ok_or_else(|| Error::Internal(format!("entry {id} vanished")))?.into();
    let before: Option<EffortEntry> = before.map(Into::into);
    record(&mut tx, actor, path, now, before.as_ref(), Some(&after)).await?;
    tx.commit().await?;
    let outcome = if before.is_some() { SaveOutcome::Updated } else { SaveOutcome::Created };
    Ok(SaveEntryAnswer { outcome, entry: after })
}

/// Adds `minutes` (negative: takes them back) to `user`'s total of `date`, refusing a total over
/// 24 hours. One conditional update: parallel saves of one day wait for each other on its row,
/// and each sees the total the one before left.
async fn add_to_day(tx: &mut Transaction<'static, Any>, user: i64, date: NaiveDate, minutes: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO effort_day_totals (user_id, work_date, minutes) VALUES ($1, $2, 0) ON CONFLICT (user_id, work_date) DO NOTHING",
    )
    .bind(user)
    .bind(date.to_string())
    .execute(&mut **tx)
    .await?;
    let changed =
        sqlx::query("UPDATE effort_day_totals SET minutes = minutes + $3 WHERE user_id = $1 AND work_date = $2 AND minutes + $3 <= $4")
            .bind(user)
            .bind(date.to_string())
            .bind(minutes)
            .bind(entry_rules::DAY_MAX_MINUTES)
            .execute(&mut **tx)
            .await?
            .rows_affected();
    if changed == 0 {
        let total: i64 = sqlx::query_scalar("SELECT minutes FROM effort_day_totals WHERE user_id = $1 AND work_date = $2")
            .bind(user)
            .bind(date.to_string())
            .fetch_one(&mut **tx)
            .await?;
        entry_rules::check_day_total(date, total + minutes).map_err(rule)?;
    }
    Ok(())
}

/// The key of a person's day on one report row in `effort_day_rows` (0 for no work item or
/// activity).
struct DayRow {
    user_id: i64,
    work_date: String,
    project_id: i64,
    work_item_id: i64,
    activity1_id: i64,
    activity2_id: i64,
}

impl DayRow {
    fn of_row(r: &EntryRow) -> DayRow {
        DayRow {
            user_id: r.user_id,
            work_date: r.work_date.clone(),
            project_id: r.project_id,
            work_item_id: r.work_item_id.unwrap_or(0),
            activity1_id: r.activity1_id.unwrap_or(0),
            activity2_id: r.activity2_id.unwrap_or(0),
        }
    }

    fn of_content(c: &Content) -> DayRow {
        DayRow {
            user_id: c.user_id,
            work_date: c.date.to_string(),
            project_id: c.project_id,
            work_item_id: c.work_item_id.unwrap_or(0),
            activity1_id: c.activity1_id.unwrap_or(0),
            activity2_id: c.activity2_id.unwrap_or(0),
        }
    }
}

/// Adds `minutes` and `entries` (negative: takes them back) to the day's row `key` in
/// `effort_day_rows`, in the transaction that changes the entry; a row left without entries goes.
async fn add_to_day_row(tx: &mut Transaction<'static, Any>, key: &DayRow, minutes: i64, entries: i64) -> Result<()> {
    let bind = |sql: &'static str| {
        sqlx::query(sql)
            .bind(key.user_id)
            .bind(key.work_date.clone())
            .bind(key.project_id)
            .bind(key.work_item_id)
            .bind(key.activity1_id)
            .bind(key.activity2_id)
    };
    if entries > 0 {
        bind(
            "INSERT INTO effort_day_rows (user_id, work_date, project_id, work_item_id, activity1_id, activity2_id, minutes, entries) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (user_id, work_date, project_id, work_item_id, activity1_id, activity2_id) \
             DO UPDATE SET minutes = effort_day_rows.minutes + excluded.minutes, entries = effort_day_rows.entries + excluded.entries",
        )
        .bind(minutes)
        .bind(entries)
        .execute(&mut **tx)
        .await?;
        return Ok(());
    }
    let gone = bind(
        "DELETE FROM effort_day_rows WHERE user_id = $1 AND work_date = $2 AND project_id = $3 AND work_item_id = $4 \
         AND activity1_id = $5 AND activity2_id = $6 AND entries + $7 <= 0",
    )
    .bind(entries)
    .execute(&mut **tx)
    .await?;
    if gone.rows_affected() == 0 {
        bind(
            "UPDATE effort_day_rows SET minutes = minutes + $7, entries = entries + $8 WHERE user_id = $1 AND work_date = $2 \
             AND project_id = $3 AND work_item_id = $4 AND activity1_id = $5 AND activity2_id = $6",
        )
        .bind(minutes)
        .bind(entries)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Leaves a tombstone (a deleted entry stays deleted: deleting again answers it unchanged).
pub async fn delete(db: &Db, actor: &Actor, req: DeleteEntry, path: ChangePath, now: i64) -> Result<EffortEntry> {
    actor.require(Permission::EnterEffort)?;
    let id = parse_uuid("id", &req.id)?;
    let mut tx = super::write_transaction(db).await?;
    let b =
        find(&mut tx, &id).await?.ok_or_else(|| Error::NotFound(Text::new(format!("no effort entry {id}"), "工数が見つかりません。")))?;
    owner_for(actor, Some(b.user_id), ChangePath::Api)?;
    if b.deleted_at.is_some() {
        return Ok(b.into());
    }
    if b.version != req.expected_version {
        return Err(Error::conflict(
            "expected_version",
            Text::new(
                format!(
                    "the entry changed since version {} (it is at version {}): reload it and try again",
                    req.expected_version, b.version
                ),
                format!("この工数は別の場所で変更されています（現在のバージョン {}）。読み込み直してからやり直してください。", b.version),
            ),
        ));
    }
    require_open(&mut tx, b.user_id, parse_date("date", &b.work_date)?).await?;
    add_to_day(&mut tx, b.user_id, parse_date("date", &b.work_date)?, -b.minutes).await?;
    add_to_day_row(&mut tx, &DayRow::of_row(&b), -b.minutes, -1).await?;
    sqlx::query("UPDATE effort_entries SET deleted_at = $1, version = version + 1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    let after: EffortEntry = find(&mut tx, &id).await?.ok_or_else(|| Error::Internal(format!("entry {id} vanished")))?.into();
    let before: EffortEntry = b.into();
    record(&mut tx, actor, path, now, Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

async fn record(
    tx: &mut Transaction<'static, Any>,
    actor: &Actor,
    path: ChangePath,
    now: i64,
    before: Option<&EffortEntry>,
    after: Option<&EffortEntry>,
) -> Result<()> {
    let json = |e: Option<&EffortEntry>| e.map(|e| serde_json::to_string(e).unwrap_or_default());
    let entry_id = after.or(before).map(|e| e.id.clone()).unwrap_or_default();
    sqlx::query(
        "INSERT INTO effort_entry_history (entry_id, changed_by, changed_by_name, changed_at, path, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry_id)
    .bind(actor.user_id())
    .bind(actor_name(actor))
    .bind(now)
    .bind(path.key())
    .bind(json(before))
    .bind(json(after))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Every change of an entry, oldest first: for its owner, approvers and administrators.
pub async fn history(db: &Db, actor: &Actor, id: &str) -> Result<Vec<EntryChange>> {
    let entry = get(db, actor, id).await?;
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "SELECT changed_by, changed_by_name, changed_at, path, before_json, after_json FROM effort_entry_history \
         WHERE entry_id = $1 ORDER BY id",
    )
    .bind(&entry.id)
    .fetch_all(&db.pool)
    .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str::<EffortEntry>(&s).ok());
    Ok(rows
        .into_iter()
        .map(|r| EntryChange {
            entry_id: entry.id.clone(),
            changed_by: r.changed_by,
            changed_by_name: r.changed_by_name,
            changed_at: r.changed_at,
            path: ChangePath::from_key(&r.path).unwrap_or(ChangePath::Api),
            before: parse(r.before_json),
            after: parse(r.after_json),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    changed_by: Option<i64>,
    changed_by_name: String,
    changed_at: i64,
    path: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

/// `user_id`'s live entries (tombstones left out) from `first` to `last`, by date.
pub async fn live_between(db: &Db, user_id: i64, first: NaiveDate, last: NaiveDate) -> Result<Vec<EffortEntry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM effort_entries WHERE user_id = $1 AND work_date >= $2 AND work_date <= $3 AND deleted_at IS NULL \
         ORDER BY work_date, created_at, id"
    ))
    .bind(user_id)
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(EffortEntry::from).collect())
}
