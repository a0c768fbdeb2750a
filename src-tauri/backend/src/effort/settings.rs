//! The effort settings: the period unit, the gap threshold, how many future days take effort, and
//! the two activity levels' names and whether each is used.
//! The company's row (no organisation) applies to everyone; an organisation may have a gap
//! threshold of its own, which the organisations below it inherit.

use std::collections::HashMap;

use kinmu_shared::Permission;
use kinmu_shared::api::{ACTIVITY_LABEL_MAX, EffortSettings, GapThreshold, SetGapThreshold};
use kinmu_shared::effort::PeriodUnit;
use kinmu_shared::effort::gap;
use kinmu_shared::messages::Text;

use crate::accounts::{Actor, organizations};
use crate::database::Db;
use crate::error::{Error, Result};

/// The company's settings (readable by anyone logged in: the UI needs the period unit and the
/// activity levels' names).
pub async fn get(db: &Db) -> Result<EffortSettings> {
    type Row = (String, i64, i64, Option<String>, Option<String>, i64, i64);
    let row: Option<Row> = sqlx::query_as(
        "SELECT period_unit, gap_threshold_minutes, future_days_allowed, activity1_label, activity2_label, activity1_used, \
         activity2_used FROM effort_settings WHERE organization_id IS NULL",
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        Some((unit, threshold, future, label1, label2, used1, used2)) => EffortSettings {
            period_unit: PeriodUnit::from_key(&unit).unwrap_or_default(),
            gap_threshold_minutes: threshold,
            future_days_allowed: future,
            activity1_label: label1,
            activity2_label: label2,
            activity1_used: used1 != 0,
            activity2_used: used2 != 0,
        },
        None => EffortSettings::default(),
    })
}

/// A level's name: trimmed, blank is none (the UI's "Activity 1" / "Activity 2").
fn label(field: &str, s: &Option<String>) -> Result<Option<String>> {
    let t = super::optional_text(field, s.as_deref().unwrap_or(""), ACTIVITY_LABEL_MAX)?;
    if t.contains('\n') || t.contains('\t') {
        return Err(Error::invalid(field, Text::new(format!("{field} must be one line"), "1 行で入力してください。")));
    }
    Ok((!t.is_empty()).then_some(t))
}

pub async fn save(db: &Db, actor: &Actor, s: EffortSettings) -> Result<EffortSettings> {
    actor.require(Permission::ManageSettings)?;
    if !(0..=24 * 60).contains(&s.gap_threshold_minutes) {
        return Err(Error::invalid(
            "gap_threshold_minutes",
            Text::new("gap_threshold_minutes must be from 0 to 1440 minutes", "乖離の基準は 0〜1440 分にしてください。"),
        ));
    }
    if !(0..=366).contains(&s.future_days_allowed) {
        return Err(Error::invalid(
            "future_days_allowed",
            Text::new("future_days_allowed must be from 0 to 366 days", "未来日の入力は 0〜366 日にしてください。"),
        ));
    }
    let label1 = label("activity1_label", &s.activity1_label)?;
    let label2 = label("activity2_label", &s.activity2_label)?;
    let n = sqlx::query(
        "UPDATE effort_settings SET period_unit = $1, gap_threshold_minutes = $2, future_days_allowed = $3, activity1_label = $4, \
         activity2_label = $5, activity1_used = $6, activity2_used = $7 WHERE organization_id IS NULL",
    )
    .bind(s.period_unit.key())
    .bind(s.gap_threshold_minutes)
    .bind(s.future_days_allowed)
    .bind(&label1)
    .bind(&label2)
    .bind(i64::from(s.activity1_used))
    .bind(i64::from(s.activity2_used))
    .execute(&db.pool)
    .await?
    .rows_affected();
    if n == 0 {
        sqlx::query(
            "INSERT INTO effort_settings (organization_id, period_unit, gap_threshold_minutes, future_days_allowed, activity1_label, \
             activity2_label, activity1_used, activity2_used) VALUES (NULL, $1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.period_unit.key())
        .bind(s.gap_threshold_minutes)
        .bind(s.future_days_allowed)
        .bind(&label1)
        .bind(&label2)
        .bind(i64::from(s.activity1_used))
        .bind(i64::from(s.activity2_used))
        .execute(&db.pool)
        .await?;
    }
    get(db).await
}

/// What decides each person's gap threshold: the company's, every organisation's parent and the
/// organisations' own thresholds (kept in `effort_gap_thresholds`).
#[derive(Debug, Clone, Default)]
pub struct Thresholds {
    company: i64,
    parents: HashMap<i64, Option<i64>>,
    own: HashMap<i64, i64>,
}

impl Thresholds {
    pub async fn load(db: &Db) -> Result<Thresholds> {
        let company = get(db).await?.gap_threshold_minutes;
        let parents: Vec<(i64, Option<i64>)> = sqlx::query_as("SELECT id, parent_id FROM organizations").fetch_all(&db.pool).await?;
        let own: Vec<(i64, i64)> =
            sqlx::query_as("SELECT organization_id, gap_threshold_minutes FROM effort_gap_thresholds").fetch_all(&db.pool).await?;
        Ok(Thresholds { company, parents: parents.into_iter().collect(), own: own.into_iter().collect() })
    }

    /// The threshold of the people of `organization` (None: the company's).
    pub fn of_organization(&self, organization: Option<i64>) -> i64 {
        gap::threshold_in(organization, &self.parents, &self.own, self.company)
    }

    pub fn own(&self, organization: i64) -> Option<i64> {
        self.own.get(&organization).copied()
    }
}

/// The gap threshold that applies to `user`: their organisation's.
pub async fn threshold_of_user(db: &Db, user: i64) -> Result<i64> {
    let org: Option<Option<i64>> =
        sqlx::query_scalar("SELECT organization_id FROM users WHERE id = $1").bind(user).fetch_optional(&db.pool).await?;
    Ok(Thresholds::load(db).await?.of_organization(org.flatten()))
}

/// Every organisation with its own threshold (or none: inherited) and the one that applies.
pub async fn thresholds(db: &Db, actor: &Actor) -> Result<Vec<GapThreshold>> {
    actor.require(Permission::ManageSettings)?;
    let t = Thresholds::load(db).await?;
    Ok(organizations::list(db)
        .await?
        .into_iter()
        .map(|o| GapThreshold {
            organization_id: o.id,
            own_minutes: t.own(o.id),
            effective_minutes: t.of_organization(Some(o.id)),
            path: o.path,
        })
        .collect())
}

/// Sets an organisation's own threshold, or (None) lets it inherit again.
pub async fn set_threshold(db: &Db, actor: &Actor, organization: i64, req: SetGapThreshold) -> Result<GapThreshold> {
    actor.require(Permission::ManageSettings)?;
    organizations::get(db, organization).await?;
    match req.minutes {
        Some(m) if !(0..=24 * 60).contains(&m) => {
            return Err(Error::invalid(
                "minutes",
                Text::new("minutes: the gap threshold must be from 0 to 1440 minutes", "乖離の基準は 0〜1440 分にしてください。"),
            ));
        }
        Some(m) => {
            sqlx::query(
                "INSERT INTO effort_gap_thresholds (organization_id, gap_threshold_minutes) VALUES ($1, $2) \
                 ON CONFLICT (organization_id) DO UPDATE SET gap_threshold_minutes = $2",
            )
            .bind(organization)
            .bind(m)
            .execute(&db.pool)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM effort_gap_thresholds WHERE organization_id = $1").bind(organization).execute(&db.pool).await?;
        }
    }
    thresholds(db, actor)
        .await?
        .into_iter()
        .find(|t| t.organization_id == organization)
        .ok_or_else(|| Error::NotFound(Text::new(format!("organisation {organization} does not exist"), "組織が見つかりません。")))
}
