//! Gaps between a person's effort and their attended work (the shared gap rule over the stored
//! attendance records), the reasons administrators keep, and each marked day's explanation.
//! Marks are computed when asked, from the records as they are: a day recomputed after new logs
//! is marked again, and a day already explained keeps its reason.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use kinmu_shared::Permission;
use kinmu_shared::api::{ExplainGap, GapDay, GapMonth, GapQuery, GapReason, SaveGapReason};
use kinmu_shared::effort::gap;
use kinmu_shared::messages::Text;

use super::{attended, parse_date, parse_month, required_text};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result, is_unique_violation};

/// Each day's effort (tombstones left out).
pub async fn effort_by_day(db: &Db, user: i64, first: NaiveDate, last: NaiveDate) -> Result<BTreeMap<NaiveDate, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT work_date, CAST(SUM(minutes) AS BIGINT) FROM effort_entries WHERE user_id = $1 AND work_date >= $2 AND work_date <= $3 \
         AND deleted_at IS NULL GROUP BY work_date",
    )
    .bind(user)
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().filter_map(|(d, m)| Some((d.parse().ok()?, m))).collect())
}

/// `user`'s marked days from `first` to `last`, with their reasons.
pub async fn marked_days(db: &Db, user: i64, first: NaiveDate, last: NaiveDate) -> Result<Vec<GapDay>> {
    let threshold = super::settings::threshold_of_user(db, user).await?;
    let effort = effort_by_day(db, user, first, last).await?;
    let Some(attendance) = attended::days(db, user, first, last).await? else { return Ok(Vec::new()) };
    let explained: HashMap<String, (Option<i64>, String)> = sqlx::query_as::<_, (String, Option<i64>, String)>(
        "SELECT work_date, reason_id, reason_text FROM effort_gap_explanations WHERE user_id = $1 AND work_date >= $2 AND work_date <= $3",
    )
    .bind(user)
    .bind(first.to_string())
    .bind(last.to_string())
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|(d, r, t)| (d, (r, t)))
    .collect();
    let mut out = Vec::new();
    for day in first.iter_days().take_while(|d| *d <= last) {
        let minutes = effort.get(&day).copied().unwrap_or(0);
        let att = attendance.get(&day);
        let Some(mark) = gap::mark(minutes, att.map(|a| a.actual_work_minutes), threshold) else { continue };
        let (reason_id, reason_text) = explained.get(&day.to_string()).cloned().unwrap_or_default();
        out.push(GapDay {
            date: day.to_string(),
            kind: mark.kind,
            effort_minutes: minutes,
            attendance: att.cloned(),
            difference_minutes: mark.difference_minutes,
            reason_id,
            reason_text,
        });
    }
    Ok(out)
}

/// The marked days of `user` from `first` to `last` that have no reason yet.
pub async fn unexplained(db: &Db, user: i64, first: NaiveDate, last: NaiveDate) -> Result<Vec<NaiveDate>> {
    Ok(marked_days(db, user, first, last)
        .await?
        .into_iter()
        .filter(|g| g.reason_id.is_none() && g.reason_text.trim().is_empty())
        .filter_map(|g| g.date.parse().ok())
        .collect())
}

/// A person's marked days of a month: their own, or another's with projects.manage.
pub async fn month(db: &Db, actor: &Actor, q: GapQuery) -> Result<GapMonth> {
    let (first, last) = parse_month("month", &q.month)?;
    let who = super::subject(db, actor, q.user.as_deref()).await?;
    let threshold = super::settings::threshold_of_user(db, who.id).await?;
    Ok(GapMonth {
        user_id: who.id,
        login: who.login,
        month: first.format("%Y-%m").to_string(),
        threshold_minutes: threshold,
        days: marked_days(db, who.id, first, last).await?,
    })
}

/// Every active person's marked days from `first` to `last` (of an organisation and the ones
/// below it, or everyone), by login then date: for approvers and the command line.
pub async fn people_month(
    db: &Db,
    actor: &Actor,
    first: NaiveDate,
    last: NaiveDate,
    organization: Option<i64>,
) -> Result<Vec<(super::Person, GapDay)>> {
    actor.require(Permission::ManageProjects)?;
    let orgs = match organization {
        Some(root) => Some(crate::accounts::organizations::subtree(&crate::accounts::organizations::list(db).await?, root)),
        None => None,
    };
    let people: Vec<(i64, String, String, Option<i64>)> =
        sqlx::query_as("SELECT id, login, display_name, organization_id FROM users WHERE active = 1 ORDER BY login_key")
            .fetch_all(&db.pool)
            .await?;
    let mut out = Vec::new();
    for (id, login, display_name, org) in people {
        if let Some(allowed) = &orgs
            && !org.is_some_and(|o| allowed.contains(&o))
        {
            continue;
        }
        for day in marked_days(db, id, first, last).await? {
            out.push((super::Person { id, login: login.clone(), display_name: display_name.clone() }, day));
        }
    }
    Ok(out)
}

/// The actor's reason for a marked day of theirs (a reason from the list, a text, or both).
pub async fn explain(db: &Db, actor: &Actor, req: ExplainGap, now: i64) -> Result<GapDay> {
    actor.require(Permission::EnterEffort)?;
    let user = actor.user_id().ok_or_else(|| {
        Error::invalid("date", Text::new("only a person explains their own days", "日ごとの理由は本人だけが入力できます"))
    })?;
    let date = parse_date("date", &req.date)?;
    let text = super::optional_text("text", &req.text, 1000)?;
    if req.reason_id.is_none() && text.is_empty() {
        return Err(Error::invalid("reason_id", Text::new("pick a reason or write one", "理由を選ぶか入力してください。")));
    }
    if let Some(r) = req.reason_id {
        let active: Option<i64> =
            sqlx::query_scalar("SELECT active FROM effort_gap_reasons WHERE id = $1").bind(r).fetch_optional(&db.pool).await?;
        if active != Some(1) {
            return Err(Error::invalid(
                "reason_id",
                Text::new("reason_id: no such reason in use: pick one from the list", "その理由は選べません。一覧から選んでください。"),
            ));
        }
    }
    let mut conn = db.pool.acquire().await?;
    let (state, first, last) = super::periods::state_on(&mut conn, user, date).await?;
    drop(conn);
    if let Some(t) = kinmu_shared::effort::period::entry_change_refusal(state, first, last) {
        return Err(Error::PeriodLocked(t));
    }
    let day = marked_days(db, user, date, date).await?.pop().ok_or_else(|| {
        Error::invalid(
            "date",
            Text::new(
                format!("{date}: effort and attended work agree that day: there is nothing to explain"),
                format!("{date} は乖離がないため、理由は不要です。"),
            ),
        )
    })?;
    sqlx::query(
        "INSERT INTO effort_gap_explanations (user_id, work_date, reason_id, reason_text, explained_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, work_date) DO UPDATE SET reason_id = $3, reason_text = $4, explained_at = $5",
    )
    .bind(user)
    .bind(date.to_string())
    .bind(req.reason_id)
    .bind(&text)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(GapDay { reason_id: req.reason_id, reason_text: text, ..day })
}

pub async fn reasons(db: &Db) -> Result<Vec<GapReason>> {
    let rows: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, name, active FROM effort_gap_reasons ORDER BY name_key").fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(|(id, name, active)| GapReason { id, name, active: active != 0 }).collect())
}

fn reason_taken(name: &str) -> Error {
    Error::conflict("name", Text::new(format!("the reason {name:?} already exists"), format!("理由「{name}」はすでにあります。")))
}

async fn reason(db: &Db, id: i64) -> Result<GapReason> {
    reasons(db)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::NotFound(Text::new(format!("no gap reason {id}"), "理由が見つかりません。")))
}

pub async fn add_reason(db: &Db, actor: &Actor, req: SaveGapReason, now: i64) -> Result<GapReason> {
    actor.require(Permission::ManageSettings)?;
    let name = required_text("name", &req.name, 100)?;
    let id: i64 =
        sqlx::query_scalar("INSERT INTO effort_gap_reasons (name, name_key, active, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(&name)
            .bind(name.to_lowercase())
            .bind(i64::from(req.active))
            .bind(now)
            .fetch_one(&db.pool)
            .await
            .map_err(|e| if is_unique_violation(&e) { reason_taken(&name) } else { e.into() })?;
    reason(db, id).await
}

pub async fn edit_reason(db: &Db, actor: &Actor, id: i64, req: SaveGapReason) -> Result<GapReason> {
    actor.require(Permission::ManageSettings)?;
    reason(db, id).await?;
    let name = required_text("name", &req.name, 100)?;
    sqlx::query("UPDATE effort_gap_reasons SET name = $1, name_key = $2, active = $3 WHERE id = $4")
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(i64::from(req.active))
        .bind(id)
        .execute(&db.pool)
        .await
        .map_err(|e| if is_unique_violation(&e) { reason_taken(&name) } else { e.into() })?;
    reason(db, id).await
}
