//! Effort periods: submitted by their person (refused while a marked gap lacks its reason),
//! approved or sent back by that person's approver ([`super::approvers`]: their named approver,
//! else their organisation's manager up the tree, never themself) or an administrator (the
//! history records that it was one), reopened by an administrator with a reason. Every change of state is kept in `effort_period_history`. The states and who
//! may change them are the shared lock rule ([`kinmu_shared::effort::period`]); the entry
//! service asks [`state_on`] before every change.

use chrono::NaiveDate;
use kinmu_shared::Permission;
use kinmu_shared::api::{EffortPeriod, PeriodChange, PeriodQuery};
use kinmu_shared::effort::{PeriodAction, PeriodError, PeriodRoles, PeriodState, PeriodUnit, period};
use kinmu_shared::messages::Text;
use sqlx::AnyConnection;

use super::approvers::Approvers;
use super::{actor_name, is_administrator, parse_date, required_text};
use crate::accounts::Actor;
use crate::database::Db;
use crate::database::placeholders;
use crate::error::{Error, Result};

#[derive(sqlx::FromRow)]
struct PeriodRow {
    id: i64,
    user_id: i64,
    login: String,
    display_name: String,
    period_start: String,
    period_end: String,
    state: String,
    submitted_by: Option<i64>,
    submitted_at: Option<i64>,
    approved_by: Option<i64>,
    approved_at: Option<i64>,
    comment: String,
    reopened_by: Option<i64>,
    reopened_at: Option<i64>,
    reopen_reason: String,
}

impl From<PeriodRow> for EffortPeriod {
    fn from(r: PeriodRow) -> EffortPeriod {
        EffortPeriod {
            id: r.id,
            user_id: r.user_id,
            login: r.login,
            display_name: r.display_name,
            start: r.period_start,
            end: r.period_end,
            state: PeriodState::from_key(&r.state).unwrap_or_default(),
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            comment: r.comment,
            reopened_by: r.reopened_by,
            reopened_at: r.reopened_at,
            reopen_reason: r.reopen_reason,
            approver_id: None,
            approver_name: None,
        }
    }
}

/// Periods with their approvers filled in.
async fn with_approvers(db: &Db, approvers: &Approvers, rows: Vec<PeriodRow>) -> Result<Vec<EffortPeriod>> {
    let mut out: Vec<EffortPeriod> = rows.into_iter().map(EffortPeriod::from).collect();
    let mut ids: Vec<i64> = out.iter().filter_map(|p| approvers.of(p.user_id)).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = super::display_names(db, &ids).await?;
    for p in &mut out {
        p.approver_id = approvers.of(p.user_id);
        p.approver_name = p.approver_id.and_then(|a| names.get(&a).cloned());
    }
    Ok(out)
}

const SELECT: &str = "SELECT p.id, p.user_id, u.login, u.display_name, p.period_start, p.period_end, p.state, p.submitted_by, \
     p.submitted_at, p.approved_by, p.approved_at, p.comment, p.reopened_by, p.reopened_at, p.reopen_reason \
     FROM effort_periods p JOIN users u ON u.id = p.user_id";

fn changed_meanwhile() -> Error {
    Error::Conflict {
        field: None,
        message: Text::new(
            "the period changed meanwhile: reload it and try again",
            "この期間は別の操作で変更されました。読み込み直してからやり直してください。",
        ),
    }
}

fn refused(e: PeriodError) -> Error {
    match e {
        PeriodError::WrongState { .. } => Error::Conflict { field: None, message: e.text() },
        PeriodError::NotApprover => Error::NotTheApprover(e.text()),
        _ => Error::NotAllowed(e.text()),
    }
}

async fn unit(conn: &mut AnyConnection) -> Result<PeriodUnit> {
    let unit: Option<String> =
        sqlx::query_scalar("SELECT period_unit FROM effort_settings WHERE organization_id IS NULL").fetch_optional(&mut *conn).await?;
    Ok(unit.and_then(|u| PeriodUnit::from_key(&u)).unwrap_or_default())
}

/// The stored period holding `user`'s `date` (its id, state and days), if any.
async fn stored_on(conn: &mut AnyConnection, user: i64, date: NaiveDate) -> Result<Option<(i64, PeriodState, NaiveDate, NaiveDate)>> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, state, period_start, period_end FROM effort_periods WHERE user_id = $1 AND period_start <= $2 AND period_end >= $2 \
         ORDER BY period_start DESC LIMIT 1",
    )
    .bind(user)
    .bind(date.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.and_then(|(id, state, s, e)| Some((id, PeriodState::from_key(&state)?, s.parse().ok()?, e.parse().ok()?))))
}

/// The state of the period holding `user`'s `date`, and its first and last day (a period never
/// submitted is open, its days by the period unit).
pub async fn state_on(conn: &mut AnyConnection, user: i64, date: NaiveDate) -> Result<(PeriodState, NaiveDate, NaiveDate)> {
    if let Some((_, state, first, last)) = stored_on(conn, user, date).await? {
        return Ok((state, first, last));
    }
    let (first, last) = unit(conn).await?.period_of(date);
    Ok((PeriodState::Open, first, last))
}

pub async fn get(db: &Db, id: i64) -> Result<EffortPeriod> {
    let row: Option<PeriodRow> = sqlx::query_as(&format!("{SELECT} WHERE p.id = $1")).bind(id).fetch_optional(&db.pool).await?;
    let row =
        row.ok_or_else(|| Error::NotFound(Text::new(format!("effort period {id} does not exist"), "工数の期間が見つかりません。")))?;
    let approvers = Approvers::load(db).await?;
    Ok(with_approvers(db, &approvers, vec![row]).await?.remove(0))
}

/// A person's periods, newest first; or periods across people ([`PeriodQuery::across_people`]),
/// oldest first: by state, days, organisation (with its sub-organisations) and, with `for_me`,
/// only the people the actor approves. Across people without `for_me` needs `projects.manage`.
pub async fn list(db: &Db, actor: &Actor, q: PeriodQuery) -> Result<Vec<EffortPeriod>> {
    let approvers = Approvers::load(db).await?;
    let mut conds: Vec<String> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut ids: Vec<i64> = Vec::new();
    let order = if q.across_people() {
        if !q.for_me {
            actor.require(Permission::ManageProjects)?;
        }
        let state = if q.waiting { Some(PeriodState::Submitted) } else { q.state };
        if let Some(state) = state {
            texts.push(state.key().to_string());
            conds.push(format!("p.state = ${}", texts.len()));
        }
        let mut first: Option<chrono::NaiveDate> = None;
        let mut last: Option<chrono::NaiveDate> = None;
        if let Some(m) = q.month.as_deref() {
            let (f, l) = super::parse_month("month", m)?;
            (first, last) = (Some(f), Some(l));
        }
        if let Some(f) = super::optional_date("from", &q.from)? {
            first = Some(first.map_or(f, |d| d.max(f)));
        }
        if let Some(t) = super::optional_date("to", &q.to)? {
            last = Some(last.map_or(t, |d| d.min(t)));
        }
        if let Some(f) = first {
            texts.push(f.to_string());
            conds.push(format!("p.period_end >= ${}", texts.len()));
        }
        if let Some(l) = last {
            texts.push(l.to_string());
            conds.push(format!("p.period_start <= ${}", texts.len()));
        }
        if let Some(org) = q.organization_id {
            let orgs = crate::accounts::organizations::list(db).await?;
            if !orgs.iter().any(|o| o.id == org) {
                return Err(Error::invalid(
                    "organization_id",
                    Text::new(
                        format!("organisation {org} does not exist: pick one from the list"),
                        "組織が見つかりません。一覧から選んでください。",
                    ),
                ));
            }
            let subtree = crate::accounts::organizations::subtree(&orgs, org);
            conds.push(format!("u.organization_id IN ({})", placeholders(texts.len() + ids.len() + 1, subtree.len())));
            ids.extend(subtree);
        }
        if q.for_me {
            let people = actor.user_id().map(|me| approvers.people_of(me)).unwrap_or_default();
            if people.is_empty() {
                return Ok(Vec::new());
            }
            conds.push(format!("p.user_id IN ({})", placeholders(texts.len() + ids.len() + 1, people.len())));
            ids.extend(people);
        }
        "p.period_start, u.login_key"
    } else {
        let who = super::subject(db, actor, q.user.as_deref()).await?;
        ids.push(who.id);
        conds.push("p.user_id = $1".into());
        "p.period_start DESC"
    };
    let where_sql = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
    let sql = format!("{SELECT}{where_sql} ORDER BY {order}");
    let mut query = sqlx::query_as::<_, PeriodRow>(&sql);
    for t in texts {
        query = query.bind(t);
    }
    for i in ids {
        query = query.bind(i);
    }
    let rows = query.fetch_all(&db.pool).await?;
    with_approvers(db, &approvers, rows).await
}

async fn record(db: &Db, id: i64, action: PeriodAction, actor: &Actor, now: i64, comment: &str, as_administrator: bool) -> Result<()> {
    let key = action.key();
    sqlx::query(
        "INSERT INTO effort_period_history (period_id, action, actor_id, actor_name, at, comment, as_administrator) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(key)
    .bind(actor.user_id())
    .bind(actor_name(actor))
    .bind(now)
    .bind(comment)
    .bind(as_administrator as i64)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Submits the actor's own period holding `date`; refused while a marked gap of it has no reason.
pub async fn submit(db: &Db, actor: &Actor, date: &str, now: i64) -> Result<EffortPeriod> {
    actor.require(Permission::EnterEffort)?;
    let user = actor
        .user_id()
        .ok_or_else(|| Error::invalid("date", Text::new("only a person submits their own period", "期間は本人だけが提出できます")))?;
    let date = parse_date("date", date)?;
    let mut conn = db.pool.acquire().await?;
    let stored = stored_on(&mut conn, user, date).await?;
    let (first, last) = match stored {
        Some((_, _, f, l)) => (f, l),
        None => unit(&mut conn).await?.period_of(date),
    };
    drop(conn);
    let state = stored.map_or(PeriodState::Open, |s| s.1);
    period::transition(state, PeriodAction::Submit, PeriodRoles { owner: true, approver: false, administrator: false }).map_err(refused)?;
    let unexplained = super::gaps::unexplained(db, user, first, last).await?;
    if !unexplained.is_empty() {
        let days = unexplained.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
        return Err(Error::invalid(
            "gaps",
            Text::new(
                format!("effort and attended work differ on {days}: give each of these days a reason before submitting"),
                format!("{days} は工数と勤怠の実働に乖離があります。提出する前に、それぞれの日の理由を入力してください。"),
            ),
        ));
    }
    let id = match stored {
        Some((id, ..)) => {
            sqlx::query(
                "UPDATE effort_periods SET state = 'submitted', submitted_by = $1, submitted_at = $2, approved_by = NULL, approved_at = NULL, \
                 updated_at = $2 WHERE id = $3",
            )
            .bind(user)
            .bind(now)
            .bind(id)
            .execute(&db.pool)
            .await?;
            id
        }
        None => sqlx::query_scalar(
            "INSERT INTO effort_periods (user_id, period_start, period_end, state, submitted_by, submitted_at, updated_at) \
             VALUES ($1, $2, $3, 'submitted', $1, $4, $4) RETURNING id",
        )
        .bind(user)
        .bind(first.to_string())
        .bind(last.to_string())
        .bind(now)
        .fetch_one(&db.pool)
        .await
        .map_err(|e| {
            if crate::error::is_unique_violation(&e) {
                Error::Conflict {
                    field: None,
                    message: Text::new("the period was submitted meanwhile", "この期間は別の操作で提出されました。"),
                }
            } else {
                e.into()
            }
        })?,
    };
    record(db, id, PeriodAction::Submit, actor, now, "", false).await?;
    get(db, id).await
}

/// Approves (locks) or sends back a submitted period: the person's approver or an
/// administrator (recorded as such), never the person themself.
pub async fn decide(db: &Db, actor: &Actor, id: i64, action: PeriodAction, comment: &str, now: i64) -> Result<EffortPeriod> {
    let p = get(db, id).await?;
    let their_approver = actor.user_id().is_some() && p.approver_id == actor.user_id();
    let administrator = is_administrator(actor);
    let comment = match action {
        PeriodAction::SendBack => required_text("comment", comment, 1000)?,
        _ => super::optional_text("comment", comment, 1000)?,
    };
    let roles = PeriodRoles { owner: actor.user_id() == Some(p.user_id), approver: their_approver || administrator, administrator };
    let next = period::transition(p.state, action, roles).map_err(|e| match e {
        PeriodError::NotApprover => Error::NotTheApprover(Text::new(
            format!(
                "only {}'s approver ({}) or an administrator can approve this period or send it back",
                p.login,
                p.approver_name.as_deref().unwrap_or("nobody is named: an organisation manager or a named approver")
            ),
            format!(
                "この期間を承認・差し戻しできるのは、{}さんの承認者（{}）か管理者だけです。",
                p.display_name,
                p.approver_name.as_deref().unwrap_or("未設定：組織の管理者か承認者を指定してください")
            ),
        )),
        e => refused(e),
    })?;
    let approved = if action == PeriodAction::Approve { actor.user_id() } else { None };
    let changed = sqlx::query("UPDATE effort_periods SET state = $1, approved_by = $2, approved_at = $3, comment = $4, updated_at = $5 WHERE id = $6 AND state = $7")
        .bind(next.key())
        .bind(approved)
        .bind(approved.map(|_| now))
        .bind(&comment)
        .bind(now)
        .bind(id)
        .bind(p.state.key())
        .execute(&db.pool)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(changed_meanwhile());
    }
    record(db, id, action, actor, now, &comment, !their_approver).await?;
    get(db, id).await
}

/// Reopens a submitted or approved period: an administrator, with a reason that is kept.
pub async fn reopen(db: &Db, actor: &Actor, id: i64, reason: &str, now: i64) -> Result<EffortPeriod> {
    actor.require(Permission::ManageSettings)?;
    let p = get(db, id).await?;
    let reason = required_text("reason", reason, 1000)?;
    let roles = PeriodRoles { owner: actor.user_id() == Some(p.user_id), approver: false, administrator: true };
    let next = period::transition(p.state, PeriodAction::Reopen, roles).map_err(refused)?;
    let changed = sqlx::query(
        "UPDATE effort_periods SET state = $1, reopened_by = $2, reopened_at = $3, reopen_reason = $4, updated_at = $3 \
         WHERE id = $5 AND state = $6",
    )
    .bind(next.key())
    .bind(actor.user_id())
    .bind(now)
    .bind(&reason)
    .bind(id)
    .bind(p.state.key())
    .execute(&db.pool)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(changed_meanwhile());
    }
    record(db, id, PeriodAction::Reopen, actor, now, &reason, true).await?;
    get(db, id).await
}

/// A period's changes of state, oldest first: for its person, their approver and project managers.
pub async fn history(db: &Db, actor: &Actor, id: i64) -> Result<Vec<PeriodChange>> {
    let p = get(db, id).await?;
    if actor.user_id() != Some(p.user_id) && actor.user_id() != p.approver_id {
        actor.require(Permission::ManageProjects)?;
    }
    let rows: Vec<(String, Option<i64>, String, i64, String, i64)> = sqlx::query_as(
        "SELECT action, actor_id, actor_name, at, comment, as_administrator FROM effort_period_history WHERE period_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(action, actor_id, actor_name, at, comment, admin)| {
            Some(PeriodChange { action: PeriodAction::from_key(&action)?, actor_id, actor_name, at, comment, as_administrator: admin != 0 })
        })
        .collect())
}
