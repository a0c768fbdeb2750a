//! Cost (issue 19): hourly cost rates of a person or of a role, each valid from a day to a day
//! (one person's or role's rates never overlap; a person's own rate goes before their role's,
//! [`kinmu_shared::effort::plan::rate_on`]); budgets of projects and work items; the share of a
//! budget at which it is flagged.
//!
//! Rates are seen and kept by holders of `projects.manage` (project managers and
//! administrators); a budget by the project's managers and administrators; the warning share by
//! administrators (`settings.manage`).

use chrono::NaiveDate;
use kinmu_shared::Permission;
use kinmu_shared::api::{CostRate, CostRates, CostSettings, Id, SaveCostRate, SetBudget};
use kinmu_shared::effort::plan::Rate;
use kinmu_shared::messages::Text;

use super::projects::{self, require_manager};
use super::{optional_date, parse_date, write_transaction};
use crate::accounts::Actor;
use crate::database::Db;
use crate::error::{Error, Result};

/// The largest hourly cost and budget accepted (whole currency units).
pub const AMOUNT_MAX: i64 = 1_000_000_000_000;

type RateRow = (i64, Option<i64>, Option<i64>, String, String, Option<String>, i64);

const SELECT: &str = "SELECT c.id, c.user_id, c.role_id, COALESCE(u.display_name, r.name, ''), c.valid_from, c.valid_to, c.hourly_cost \
     FROM effort_cost_rates c LEFT JOIN users u ON u.id = c.user_id LEFT JOIN roles r ON r.id = c.role_id";

fn rate_of(r: RateRow) -> CostRate {
    let (id, user_id, role_id, name, valid_from, valid_to, hourly_cost) = r;
    CostRate { id, user_id, role_id, name, valid_from, valid_to, hourly_cost }
}

fn not_found(id: Id) -> Error {
    Error::NotFound(Text::new(format!("cost rate {id} does not exist"), "単価が見つかりません。削除された可能性があります。"))
}

/// Every rate (people's by name, then roles'; each by its first day) and the warning share.
pub async fn list(db: &Db, actor: &Actor) -> Result<CostRates> {
    actor.require(Permission::ManageProjects)?;
    let rows: Vec<RateRow> = sqlx::query_as(&format!("{SELECT} ORDER BY c.user_id IS NULL, 4, c.valid_from")).fetch_all(&db.pool).await?;
    Ok(CostRates { rates: rows.into_iter().map(rate_of).collect(), budget_warning_percent: super::plan::warning_percent(db).await? })
}

/// The rate checked: exactly one of person and role, both existing; dates in order; a cost from 0.
struct Checked {
    rate: Rate,
}

async fn check(db: &Db, r: &SaveCostRate) -> Result<Checked> {
    match (r.user_id, r.role_id) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Error::invalid(
                "user_id",
                Text::new("choose either a person or a role for the rate", "単価の対象として、人か役割のどちらか一方を選んでください。"),
            ));
        }
        (Some(u), None) => {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1").bind(u).fetch_optional(&db.pool).await?;
            if found.is_none() {
                return Err(Error::invalid(
                    "user_id",
                    Text::new(format!("user_id: there is no user {u}"), format!("ユーザー {u} はいません。選び直してください。")),
                ));
            }
        }
        (None, Some(role)) => {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM roles WHERE id = $1").bind(role).fetch_optional(&db.pool).await?;
            if found.is_none() {
                return Err(Error::invalid(
                    "role_id",
                    Text::new(format!("role_id: there is no role {role}"), format!("役割 {role} はありません。選び直してください。")),
                ));
            }
        }
    }
    let valid_from = parse_date("valid_from", &r.valid_from)?;
    let valid_to: Option<NaiveDate> = optional_date("valid_to", &r.valid_to)?;
    if valid_to.is_some_and(|to| to < valid_from) {
        return Err(Error::invalid(
            "valid_to",
            Text::new("valid_to must be on or after valid_from", "適用終了日は適用開始日以降にしてください。"),
        ));
    }
    if !(0..=AMOUNT_MAX).contains(&r.hourly_cost) {
        return Err(Error::invalid(
            "hourly_cost",
            Text::new(
                format!("hourly_cost must be from 0 to {AMOUNT_MAX}"),
                format!("時間単価は 0〜{AMOUNT_MAX} の整数で入力してください。"),
            ),
        ));
    }
    Ok(Checked { rate: Rate { user_id: r.user_id, role_id: r.role_id, valid_from, valid_to, hourly_cost: r.hourly_cost } })
}

/// Refuses a rate that overlaps another of the same person or role (`except`: the one changed).
async fn refuse_overlap(tx: &mut sqlx::Transaction<'static, sqlx::Any>, rate: &Rate, except: Option<Id>) -> Result<()> {
    let (sql, whose) = match rate.user_id {
        Some(u) => ("SELECT id, valid_from, valid_to FROM effort_cost_rates WHERE user_id = $1", u),
        None => {
            ("SELECT id, valid_from, valid_to FROM effort_cost_rates WHERE role_id = $1 AND user_id IS NULL", rate.role_id.unwrap_or(0))
        }
    };
    let others: Vec<(i64, String, Option<String>)> = sqlx::query_as(sql).bind(whose).fetch_all(&mut **tx).await?;
    for (id, from, to) in others {
        if Some(id) == except {
            continue;
        }
        let Ok(from) = from.parse::<NaiveDate>() else { continue };
        let other = Rate { valid_from: from, valid_to: to.and_then(|t| t.parse().ok()), ..rate.clone() };
        if other.overlaps(rate) {
            let until = other.valid_to.map(|d| d.to_string()).unwrap_or_default();
            return Err(Error::conflict(
                "valid_from",
                Text::new(
                    format!("another rate of the same person or role is valid from {from} to {until}: the dates must not overlap"),
                    format!("同じ対象の単価が {from}〜{until} に設定されています。期間が重ならないようにしてください。"),
                ),
            ));
        }
    }
    Ok(())
}

/// Adds a rate.
pub async fn create(db: &Db, actor: &Actor, r: SaveCostRate, now: i64) -> Result<CostRate> {
    actor.require(Permission::ManageProjects)?;
    let c = check(db, &r).await?;
    let mut tx = write_transaction(db).await?;
    refuse_overlap(&mut tx, &c.rate, None).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO effort_cost_rates (user_id, role_id, valid_from, valid_to, hourly_cost, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(c.rate.user_id)
    .bind(c.rate.role_id)
    .bind(c.rate.valid_from.to_string())
    .bind(c.rate.valid_to.map(|d| d.to_string()))
    .bind(c.rate.hourly_cost)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    one(db, id).await
}

/// Changes a rate.
pub async fn update(db: &Db, actor: &Actor, id: Id, r: SaveCostRate) -> Result<CostRate> {
    actor.require(Permission::ManageProjects)?;
    one(db, id).await?;
    let c = check(db, &r).await?;
    let mut tx = write_transaction(db).await?;
    refuse_overlap(&mut tx, &c.rate, Some(id)).await?;
    sqlx::query("UPDATE effort_cost_rates SET user_id = $1, role_id = $2, valid_from = $3, valid_to = $4, hourly_cost = $5 WHERE id = $6")
        .bind(c.rate.user_id)
        .bind(c.rate.role_id)
        .bind(c.rate.valid_from.to_string())
        .bind(c.rate.valid_to.map(|d| d.to_string()))
        .bind(c.rate.hourly_cost)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    one(db, id).await
}

/// Removes a rate.
pub async fn delete(db: &Db, actor: &Actor, id: Id) -> Result<()> {
    actor.require(Permission::ManageProjects)?;
    let done = sqlx::query("DELETE FROM effort_cost_rates WHERE id = $1").bind(id).execute(&db.pool).await?;
    if done.rows_affected() == 0 {
        return Err(not_found(id));
    }
    Ok(())
}

async fn one(db: &Db, id: Id) -> Result<CostRate> {
    let row: Option<RateRow> = sqlx::query_as(&format!("{SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&db.pool).await?;
    row.map(rate_of).ok_or_else(|| not_found(id))
}

/// Sets the share of a budget at which it is flagged (administrators).
pub async fn save_settings(db: &Db, actor: &Actor, s: CostSettings) -> Result<CostSettings> {
    actor.require(Permission::ManageSettings)?;
    if !(1..=100).contains(&s.budget_warning_percent) {
        return Err(Error::invalid(
            "budget_warning_percent",
            Text::new("budget_warning_percent must be from 1 to 100", "予算の警告ラインは 1〜100（%）で入力してください。"),
        ));
    }
    sqlx::query("UPDATE effort_cost_settings SET budget_warning_percent = $1 WHERE id = 1")
        .bind(s.budget_warning_percent)
        .execute(&db.pool)
        .await?;
    Ok(s)
}

/// Sets or removes the budget of project `project_id` or of one of its work items (its managers
/// and administrators).
pub async fn set_budget(db: &Db, actor: &Actor, project_id: Id, b: &SetBudget) -> Result<()> {
    let p = projects::stored(db, project_id).await?;
    require_manager(actor, &p)?;
    if let Some(a) = b.amount.filter(|a| !(0..=AMOUNT_MAX).contains(a)) {
        return Err(Error::invalid(
            "amount",
            Text::new(
                format!("amount {a}: a budget is from 0 to {AMOUNT_MAX}"),
                format!("予算は 0〜{AMOUNT_MAX} の整数で入力してください。"),
            ),
        ));
    }
    match b.work_item_id {
        None => {
            match b.amount {
                Some(a) => sqlx::query(
                    "INSERT INTO project_budgets (project_id, amount) VALUES ($1, $2) ON CONFLICT (project_id) DO UPDATE SET amount = $2",
                )
                .bind(project_id)
                .bind(a)
                .execute(&db.pool)
                .await?,
                None => sqlx::query("DELETE FROM project_budgets WHERE project_id = $1").bind(project_id).execute(&db.pool).await?,
            };
        }
        Some(item) => {
            let (owner, _) = super::work_items::stored(db, item).await?;
            if owner != project_id {
                return Err(Error::invalid(
                    "work_item_id",
                    Text::new(
                        format!("work item {item} is not in project {}", p.code),
                        format!("作業項目 {item} はプロジェクト {} のものではありません。", p.code),
                    ),
                ));
            }
            match b.amount {
                Some(a) => sqlx::query(
                    "INSERT INTO work_item_budgets (work_item_id, amount) VALUES ($1, $2) ON CONFLICT (work_item_id) DO UPDATE SET amount = $2",
                )
                .bind(item)
                .bind(a)
                .execute(&db.pool)
                .await?,
                None => sqlx::query("DELETE FROM work_item_budgets WHERE work_item_id = $1").bind(item).execute(&db.pool).await?,
            };
        }
    }
    Ok(())
}
