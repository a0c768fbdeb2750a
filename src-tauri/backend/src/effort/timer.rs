//! The effort timer: one running timer per person, on a row of their week grid. Starting it runs
//! the checks a save of today would (closed project, unassigned work item, activities, locked
//! period, future day); stopping it adds its minutes to the row's entry of each day it ran on
//! through [`entries::save`] (path `timer`), so every rule of a save applies; a timer that ran
//! past midnight is stopped only with a choice of what to keep
//! ([`kinmu_shared::effort::timer`]). A refused save leaves the timer running.
//!
//! A timer is its person's alone: every function acts on the caller's own timer, and the
//! machine's operator has none.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use kinmu_shared::Permission;
use kinmu_shared::api::{ChangePath, EffortEntry, RunningTimer, SaveEntry, SaveOutcome, StartTimer, StopTimer, StoppedTimer};
use kinmu_shared::attendance_rules::ClockTime;
use kinmu_shared::effort::timer::{self, TimerSegment};
use kinmu_shared::messages::Text;

use super::entries::{self, Row};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result, is_unique_violation};

#[derive(sqlx::FromRow, Clone)]
struct TimerRow {
    project_id: i64,
    work_item_id: Option<i64>,
    activity1_id: Option<i64>,
    activity2_id: Option<i64>,
    note: String,
    started_at: i64,
}

impl TimerRow {
    fn row(&self) -> Row {
        Row {
            project_id: self.project_id,
            work_item_id: self.work_item_id,
            activity1_id: self.activity1_id,
            activity2_id: self.activity2_id,
        }
    }
}

/// The caller's user id: the timer is a person's own.
fn own(actor: &Actor) -> Result<i64> {
    actor.require(Permission::EnterEffort)?;
    actor.user_id().ok_or_else(|| {
        Error::NotAllowed(Text::new(
            "the effort timer is a person's own: it is started and stopped by them, logged in",
            "工数タイマーは本人がログインして使うものです。",
        ))
    })
}

fn no_timer() -> Error {
    Error::NotFound(Text::new("no effort timer of yours is running", "実行中の工数タイマーはありません。"))
}

/// The effort days' clock: the company's time zone and day boundary, as the entries' today.
async fn clock(db: &Db) -> Result<(Tz, ClockTime)> {
    let rules = crate::attendance::rule_settings::company_rules(db).await?;
    Ok((rules.time_zone, rules.day_boundary))
}

fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

async fn stored(db: &Db, user_id: i64) -> Result<Option<TimerRow>> {
    Ok(sqlx::query_as(
        "SELECT project_id, work_item_id, activity1_id, activity2_id, note, started_at FROM effort_timers WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?)
}

async fn insert(db: &Db, user_id: i64, t: &TimerRow) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO effort_timers (user_id, project_id, work_item_id, activity1_id, activity2_id, note, started_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(t.project_id)
    .bind(t.work_item_id)
    .bind(t.activity1_id)
    .bind(t.activity2_id)
    .bind(&t.note)
    .bind(t.started_at)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(n == 1)
}

fn running(t: &TimerRow, now: i64, tz: Tz, boundary: ClockTime) -> RunningTimer {
    let split = timer::split(instant(t.started_at), instant(now), tz, boundary);
    RunningTimer {
        project_id: t.project_id,
        work_item_id: t.work_item_id,
        activity1_id: t.activity1_id,
        activity2_id: t.activity2_id,
        note: t.note.clone(),
        started_at: t.started_at,
        now,
        crosses_midnight: split.crosses_midnight(),
        segments: split.segments,
    }
}

/// `P-1 Portal / Design / 設計`: the row as people read it.
async fn row_label(db: &Db, row: Row) -> String {
    let mut parts = Vec::new();
    match super::projects::stored(db, row.project_id).await {
        Ok(p) => parts.push(format!("{} {}", p.code, p.name)),
        Err(_) => parts.push(format!("#{}", row.project_id)),
    }
    if let Some(w) = row.work_item_id {
        parts.push(super::work_items::stored(db, w).await.map(|(_, path)| path).unwrap_or_else(|_| format!("#{w}")));
    }
    let activities = super::activities::list(db).await.unwrap_or_default();
    for a in [row.activity1_id, row.activity2_id].into_iter().flatten() {
        parts.push(activities.iter().find(|x| x.id == a).map(|x| x.name.clone()).unwrap_or_else(|| format!("#{a}")));
    }
    parts.join(" / ")
}

async fn already_running(db: &Db, t: &TimerRow) -> Error {
    let label = row_label(db, t.row()).await;
    Error::TimerRunning(Text::new(
        format!("your timer is already running on {label}: stop or discard it before starting another"),
        format!("タイマーはすでに「{label}」で動いています。別の行で始める前に停止するか破棄してください。"),
    ))
}

/// The caller's running timer, as of `now` (None: none runs).
pub async fn get(db: &Db, actor: &Actor, now: i64) -> Result<Option<RunningTimer>> {
    let user_id = own(actor)?;
    let Some(t) = stored(db, user_id).await? else { return Ok(None) };
    let (tz, boundary) = clock(db).await?;
    Ok(Some(running(&t, now, tz, boundary)))
}

/// Starts the caller's timer on a row at `now`: refused while one runs, and when a save on the
/// row today would be refused for anything but its minutes.
pub async fn start(db: &Db, actor: &Actor, req: StartTimer, now: i64) -> Result<RunningTimer> {
    let user_id = own(actor)?;
    if let Some(t) = stored(db, user_id).await? {
        return Err(already_running(db, &t).await);
    }
    let t = TimerRow {
        project_id: req.project_id,
        work_item_id: req.work_item_id,
        activity1_id: req.activity1_id,
        activity2_id: req.activity2_id,
        note: super::optional_text("note", &req.note, entries::NOTE_MAX)?,
        started_at: now,
    };
    let (tz, boundary) = clock(db).await?;
    let today = timer::day_of(instant(now), tz, boundary);
    entries::check_bookable(db, user_id, t.row(), today, today).await?;
    if !insert(db, user_id, &t).await? {
        // Started elsewhere meanwhile.
        let other = stored(db, user_id).await?.unwrap_or(t);
        return Err(already_running(db, &other).await);
    }
    Ok(running(&t, now, tz, boundary))
}

/// Adds `seg` to the row's entry of its day (the first, when several), or makes one with the
/// timer's note; through the one save of entries, with the path `timer`.
async fn add(db: &Db, actor: &Actor, user_id: i64, t: &TimerRow, seg: TimerSegment, today: NaiveDate, now: i64) -> Result<EffortEntry> {
    for _ in 0..3 {
        let existing = entries::on_row(db, user_id, t.row(), seg.date).await?.into_iter().next();
        let (id, minutes, note, expected_version) = match existing {
            Some(e) => (e.id, e.minutes + seg.minutes, e.note, Some(e.version)),
            None => (entries::new_uuid(), seg.minutes, t.note.clone(), None),
        };
        let req = SaveEntry {
            id,
            user_id: Some(user_id),
            date: seg.date.to_string(),
            project_id: t.project_id,
            work_item_id: t.work_item_id,
            activity1_id: t.activity1_id,
            activity2_id: t.activity2_id,
            minutes,
            note,
            expected_version,
        };
        let answer = entries::save(db, actor, req, ChangePath::Timer, today, now).await?;
        // Changed meanwhile (another tab saved the cell): read it again and add to what it holds.
        if answer.outcome != SaveOutcome::Conflict {
            return Ok(answer.entry);
        }
    }
    Err(Error::conflict(
        "id",
        Text::new(
            format!("the entry of {} kept changing while the timer's minutes were added: stop the timer again", seg.date),
            format!("{} の工数が追加中に何度も変更されました。もう一度タイマーを停止してください。", seg.date),
        ),
    ))
}

/// Stops the caller's timer at `now`: its minutes go to the row's entry of each day kept (all of
/// a one-day timer; of one that ran past midnight, what `choice` says — without one, the stop is
/// refused with `timer_crosses_midnight` and the days' minutes). A timer under a minute adds
/// nothing. When a save is refused (a locked period, a day over 24 hours, a closed project…) the
/// error says why and the timer keeps running, from the refused day on.
pub async fn stop(db: &Db, actor: &Actor, req: StopTimer, now: i64) -> Result<StoppedTimer> {
    let user_id = own(actor)?;
    let t = stored(db, user_id).await?.ok_or_else(no_timer)?;
    let (tz, boundary) = clock(db).await?;
    let split = timer::split(instant(t.started_at), instant(now), tz, boundary);
    let kept = split.kept(req.choice).map_err(|e| Error::TimerCrossesMidnight(e.text()))?;
    let added: Vec<TimerSegment> = kept.into_iter().filter(|s| s.minutes > 0).collect();
    let dropped_minutes = split.total_minutes() - added.iter().map(|s| s.minutes).sum::<i64>();
    // Taken before the saves: a second stop at the same time finds no timer instead of adding twice.
    let claimed = sqlx::query("DELETE FROM effort_timers WHERE user_id = $1 AND started_at = $2")
        .bind(user_id)
        .bind(t.started_at)
        .execute(&db.pool)
        .await?
        .rows_affected();
    if claimed == 0 {
        return Err(no_timer());
    }
    let today = timer::day_of(instant(now), tz, boundary);
    let mut stored_entries = Vec::new();
    for seg in &added {
        match add(db, actor, user_id, &t, *seg, today, now).await {
            Ok(e) => stored_entries.push(e),
            Err(refused) => {
                // The days before are stored: the timer runs on from the refused day's start.
                let started_at =
                    if stored_entries.is_empty() { t.started_at } else { timer::day_start(seg.date, tz, boundary).timestamp() };
                match insert(db, user_id, &TimerRow { started_at, ..t.clone() }).await {
                    Ok(_) => {}
                    Err(Error::Database(e)) if is_unique_violation(&e) => {}
                    Err(e) => return Err(e),
                }
                return Err(refused);
            }
        }
    }
    Ok(StoppedTimer { added, entries: stored_entries, dropped_minutes })
}

/// Stops the caller's timer without storing anything.
pub async fn discard(db: &Db, actor: &Actor) -> Result<()> {
    let user_id = own(actor)?;
    let n = sqlx::query("DELETE FROM effort_timers WHERE user_id = $1").bind(user_id).execute(&db.pool).await?.rows_affected();
    if n == 0 {
        return Err(no_timer());
    }
    Ok(())
}
