//! The week grid's answer: a person's entries of an ISO week, each day's total, its attendance
//! record beside it, its gap mark and the state of the period holding it.

use std::collections::HashMap;

use kinmu_shared::api::{EffortDay, EffortWeek, WeekQuery};
use kinmu_shared::effort::gap;

use super::{attended, entries, parse_week};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::Result;

pub async fn week(db: &Db, actor: &Actor, q: WeekQuery) -> Result<EffortWeek> {
    let (first, last) = parse_week("week", &q.week)?;
    let who = super::subject(db, actor, q.user.as_deref()).await?;
    let threshold = super::settings::get(db).await?.gap_threshold_minutes;
    let mut by_day: HashMap<String, Vec<kinmu_shared::api::EffortEntry>> = HashMap::new();
    for e in entries::live_between(db, who.id, first, last).await? {
        by_day.entry(e.date.clone()).or_default().push(e);
    }
    let attendance = attended::days(db, who.id, first, last).await?;
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
        let gap = gap::mark(total_minutes, att.as_ref().map(|a| a.actual_work_minutes), threshold).map(|m| {
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
