//! The week grid's answer: a person's entries of an ISO week, each day's total, its attendance
//! record beside it, its gap mark and the state of the period holding it.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use kinmu_shared::api::{DayAttendance, EffortDay, EffortWeek, WeekQuery};
use kinmu_shared::effort::gap;

use super::{attended, entries, parse_week};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::Result;

pub async fn week(db: &Db, actor: &Actor, q: WeekQuery) -> Result<EffortWeek> {
    let (first, last) = parse_week("week", &q.week)?;
    let who = super::subject(db, actor, q.user.as_deref()).await?;
    let threshold = super::settings::threshold_of_user(db, who.id).await?;
    let mut by_day: HashMap<String, Vec<kinmu_shared::api::EffortEntry>> = HashMap::new();
    for e in entries::live_between(db, who.id, first, last).await? {
        by_day.entry(e.date.clone()).or_default().push(e);
    }
    let attendance = attended::days(db, who.id, first, last).await?;
    let tracked = attendance.is_some();
    let attendance = attendance.unwrap_or_default();
    let explained: HashMap<String, (Option<i64>, String)> = sqlx::query_as::<_, (String, Option<i64>, String)>(
        "SELECT work_date, reason_id, reason_text FROM effort_gap_explanations WHERE user_id = $1 AND work_date >= $2 AND work_date <= $3",
    )
    .bind(who.id)
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|(d, r, t)| (d, (r, t)))
    .collect();
    let mut conn = db.pool.acquire().await?;
    let mut days = Vec::with_capacity(7);
    for day in first.iter_days().take(7) {
        let key = day.to_string();
        let entries = by_day.remove(&key).unwrap_or_default();
        let total_minutes: i64 = entries.iter().map(|e| e.minutes).sum();
        let att = attendance.get(&day).cloned();
        let gap = gap::mark(total_minutes, att.as_ref().map(|a| a.actual_work_minutes), threshold).filter(|_| tracked).map(|m| {
            let (reason_id, reason_text) = explained.get(&key).cloned().unwrap_or_default();
            kinmu_shared::api::GapDay {
                date: key.clone(),
                kind: m.kind,
                effort_minutes: total_minutes,
                attendance: att.clone(),
                difference_minutes: m.difference_minutes,
                reason_id,
                reason_text,
            }
        });
        let (period_state, ..) = super::periods::state_on(&mut conn, who.id, day).await?;
        days.push(EffortDay { date: key, entries, total_minutes, attendance: att, gap, period_state });
    }
    Ok(EffortWeek { user_id: who.id, login: who.login, display_name: who.display_name, week: format!("{}", first.format("%G-W%V")), days })
}

/// One row of `kinmu effort show`: a day's effort on one project, work item and pair of
/// activities, with the day's attended work beside it (a day with attendance and no effort has one
/// row without a project).
#[derive(Debug, Clone, PartialEq)]
pub struct DayRow {
    pub date: NaiveDate,
    pub project_code: String,
    pub work_item: String,
    pub activity1: String,
    pub activity2: String,
    pub minutes: i64,
    pub attendance: Option<DayAttendance>,
}

/// `login`'s effort from `first` to `last`, a row per day and project, work item and activities.
pub async fn day_rows(db: &Db, actor: &Actor, login: &str, first: NaiveDate, last: NaiveDate) -> Result<Vec<DayRow>> {
    let who = super::subject(db, actor, Some(login)).await?;
    let names = super::transfer::Catalogue::load(db).await?;
    let attendance = attended::days(db, who.id, first, last).await?.unwrap_or_default();
    // By day, then by (project, work item, activity 1, activity 2).
    let mut summed: BTreeMap<NaiveDate, BTreeMap<[String; 4], i64>> = BTreeMap::new();
    for e in entries::live_between(db, who.id, first, last).await? {
        let Ok(date) = e.date.parse::<NaiveDate>() else { continue };
        let key = [
            names.project_code(e.project_id).to_string(),
            names.work_item_path(e.work_item_id).to_string(),
            names.activity_code(e.activity1_id).to_string(),
            names.activity_code(e.activity2_id).to_string(),
        ];
        *summed.entry(date).or_default().entry(key).or_default() += e.minutes;
    }
    let mut rows = Vec::new();
    for day in first.iter_days().take_while(|d| *d <= last) {
        let att = attendance.get(&day).cloned();
        match summed.remove(&day) {
            Some(by_row) => {
                for ([project_code, work_item, activity1, activity2], minutes) in by_row {
                    rows.push(DayRow { date: day, project_code, work_item, activity1, activity2, minutes, attendance: att.clone() });
                }
            }
            None if att.is_some() => rows.push(DayRow {
                date: day,
                project_code: String::new(),
                work_item: String::new(),
                activity1: String::new(),
                activity2: String::new(),
                minutes: 0,
                attendance: att,
            }),
            None => {}
        }
    }
    Ok(rows)
}
