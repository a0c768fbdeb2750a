//! The attendance settings administrators edit: the company's rules, each organisation's
//! overrides (inherited by its sub-organisations), and the attendance task's schedule and
//! retention. The company rules and the task settings are JSON values in `settings`; overrides
//! are rows of `attendance_rule_overrides`.

use kinmu_shared::messages::Text;
use kinmu_shared::{ErrorCode, Language};
use std::collections::HashMap;

use kinmu_attendance::{AttendanceRules, ClockTime, RuleError, RulesOverride};
use kinmu_shared::Permission;
use kinmu_shared::api::AttendanceTaskSettings;

use crate::accounts::{Actor, organizations, system_settings};
use crate::database::Db;
use crate::error::{Error, Result};

pub const RULES_KEY: &str = "attendance.rules";
pub const TASK_KEY: &str = "attendance.task";

/// The rule errors as one validation error: the first field, every message.
pub fn rule_errors(prefix: &str, errors: Vec<RuleError>) -> Error {
    let field = errors.first().map(|e| format!("{prefix}{}", e.field)).unwrap_or_default();
    let en = errors.iter().map(|e| format!("{prefix}{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
    let ja = errors
        .iter()
        .map(|e| {
            let label = kinmu_shared::messages::field_label(&e.field, Language::Ja);
            format!("{label}：{}", e.message.get(Language::Ja).unwrap_or(ErrorCode::Validation.message(Language::Ja)))
        })
        .collect::<Vec<_>>()
        .join(" ");
    Error::invalid(&field, Text::new(en, ja))
}

fn stored<T: serde::de::DeserializeOwned>(key: &str, text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| Error::Internal(format!("the stored setting {key} cannot be read ({e}): save it again from the settings page")))
}

/// The company's rules: until an administrator saves some, the seed's defaults in the time zone
/// of the system settings.
pub async fn company_rules(db: &Db) -> Result<AttendanceRules> {
    match system_settings::get_value(&db.pool, RULES_KEY).await? {
        Some(text) => stored(RULES_KEY, &text),
        None => {
            let mut rules = AttendanceRules::default();
            if let Some(tz) = system_settings::get_value(&db.pool, system_settings::TIME_ZONE).await?.and_then(|z| z.parse().ok()) {
                rules.time_zone = tz;
            }
            Ok(rules)
        }
    }
}

/// Saves the company's rules after validating them and every organisation's rules under them.
pub async fn save_company_rules(db: &Db, actor: &Actor, rules: AttendanceRules) -> Result<AttendanceRules> {
    actor.require(Permission::ManageSettings)?;
    rules.validate().map_err(|e| rule_errors("", e))?;
    let book = RuleBook::build(rules.clone(), &organizations::list(db).await?, &overrides(db).await?);
    book.validate()?;
    let text = serde_json::to_string(&rules).map_err(|e| Error::Internal(e.to_string()))?;
    system_settings::put_value(&db.pool, RULES_KEY, &text).await?;
    Ok(rules)
}

/// Every organisation's override, by organisation id.
pub async fn overrides(db: &Db) -> Result<Vec<(i64, RulesOverride)>> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT organization_id, rules FROM attendance_rule_overrides ORDER BY organization_id").fetch_all(&db.pool).await?;
    rows.into_iter().map(|(id, text)| Ok((id, stored(&format!("override of organisation {id}"), &text)?))).collect()
}

/// Saves organisation `org`'s override; the rules it gives (and its sub-organisations') must be valid.
pub async fn save_override(db: &Db, actor: &Actor, org: i64, over: RulesOverride, now: i64) -> Result<RulesOverride> {
    actor.require(Permission::ManageSettings)?;
    let orgs = organizations::list(db).await?;
    if !orgs.iter().any(|o| o.id == org) {
        return Err(Error::NotFound(Text::new(format!("no organisation with id {org}"), "組織が見つかりません。")));
    }
    let mut all = overrides(db).await?;
    all.retain(|(id, _)| *id != org);
    all.push((org, over.clone()));
    let book = RuleBook::build(company_rules(db).await?, &orgs, &all);
    book.validate()?;
    let text = serde_json::to_string(&over).map_err(|e| Error::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO attendance_rule_overrides (organization_id, rules, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (organization_id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
    )
    .bind(org)
    .bind(text)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(over)
}

/// Removes organisation `org`'s override: it follows its parent's rules again.
pub async fn delete_override(db: &Db, actor: &Actor, org: i64) -> Result<()> {
    actor.require(Permission::ManageSettings)?;
    let done = sqlx::query("DELETE FROM attendance_rule_overrides WHERE organization_id = $1").bind(org).execute(&db.pool).await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(Text::new(
            format!("organisation {org} has no rules of its own"),
            "この組織には独自のルールがありません。",
        )));
    }
    Ok(())
}

/// The task settings (disabled, 06:00, until saved).
pub async fn task_settings(db: &Db) -> Result<AttendanceTaskSettings> {
    match system_settings::get_value(&db.pool, TASK_KEY).await? {
        Some(text) => stored(TASK_KEY, &text),
        None => Ok(AttendanceTaskSettings::default()),
    }
}

pub fn validate_task_settings(s: &AttendanceTaskSettings) -> Result<ClockTime> {
    let run_at: ClockTime = s.run_at.parse().map_err(|e: String| {
        Error::invalid("run_at", Text::new(format!("run_at: {e}"), "実行時刻は 06:00 のように 00:00 から 23:59 までで書いてください。"))
    })?;
    if !(1..=31).contains(&s.recompute_days) {
        return Err(Error::invalid(
            "recompute_days",
            Text::new("recompute_days must be between 1 and 31", "再計算する日数は1から31までにしてください。"),
        ));
    }
    let r = &s.retention;
    if r.daily_days != 0 && r.daily_days < 31 {
        return Err(Error::invalid(
            "retention.daily_days",
            Text::new(
                "retention.daily_days must be 0 (keep for ever) or at least 31, so a month's timesheet stays whole",
                "日別の記録の保存日数は 0（無期限）か 31 日以上にしてください。1か月分の勤怠表が欠けないようにするためです。",
            ),
        ));
    }
    if r.events_days != 0 && r.events_days < s.recompute_days + 1 {
        return Err(Error::invalid(
            "retention.events_days",
            Text::new(
                format!("retention.events_days must be 0 (keep for ever) or more than recompute_days ({})", s.recompute_days),
                format!("ログの保存日数は 0（無期限）か、再計算する日数（{}）より多くしてください。", s.recompute_days),
            ),
        ));
    }
    Ok(run_at)
}

pub async fn save_task_settings(db: &Db, actor: &Actor, s: AttendanceTaskSettings) -> Result<AttendanceTaskSettings> {
    actor.require(Permission::ManageSettings)?;
    let run_at = validate_task_settings(&s)?;
    let s = AttendanceTaskSettings { run_at: run_at.to_string(), ..s };
    let text = serde_json::to_string(&s).map_err(|e| Error::Internal(e.to_string()))?;
    system_settings::put_value(&db.pool, TASK_KEY, &text).await?;
    Ok(s)
}

/// The rules in force for every organisation: the company's, merged with the overrides from
/// the root organisation down to it (the nearest override wins field by field).
#[derive(Debug, Clone)]
pub struct RuleBook {
    pub company: AttendanceRules,
    /// Organisations whose rules differ from the company's.
    pub by_organization: HashMap<i64, AttendanceRules>,
    /// Organisation paths, for messages.
    paths: HashMap<i64, String>,
}

impl RuleBook {
    pub fn build(company: AttendanceRules, orgs: &[kinmu_shared::api::Organization], overrides: &[(i64, RulesOverride)]) -> RuleBook {
        let over: HashMap<i64, &RulesOverride> = overrides.iter().map(|(id, o)| (*id, o)).collect();
        let parent: HashMap<i64, Option<i64>> = orgs.iter().map(|o| (o.id, o.parent_id)).collect();
        let mut by_organization = HashMap::new();
        for o in orgs {
            // The chain from the root down to `o`.
            let mut chain = vec![o.id];
            let mut cur = o.parent_id;
            while let Some(p) = cur {
                if chain.contains(&p) || chain.len() > 64 {
                    break;
                }
                chain.push(p);
                cur = parent.get(&p).copied().flatten();
            }
            if !chain.iter().any(|id| over.contains_key(id)) {
                continue;
            }
            let mut rules = company.clone();
            for id in chain.iter().rev() {
                if let Some(ov) = over.get(id) {
                    rules = rules.merge(ov);
                }
            }
            by_organization.insert(o.id, rules);
        }
        RuleBook { company, by_organization, paths: orgs.iter().map(|o| (o.id, o.path.clone())).collect() }
    }

    pub fn for_organization(&self, org: Option<i64>) -> &AttendanceRules {
        org.and_then(|o| self.by_organization.get(&o)).unwrap_or(&self.company)
    }

    /// Every organisation's rules must be valid; the error names the organisation and the field.
    pub fn validate(&self) -> Result<()> {
        let mut ids: Vec<&i64> = self.by_organization.keys().collect();
        ids.sort();
        for id in ids {
            if let Err(errors) = self.by_organization[id].validate() {
                let path = self.paths.get(id).cloned().unwrap_or_else(|| id.to_string());
                let e = rule_errors("", errors);
                return Err(match e {
                    Error::Invalid(f) => Error::invalid(
                        &f.field,
                        Text::new(
                            format!("the rules of {path} would not work: {}", f.message),
                            format!("{path}のルールが成り立ちません。{}", f.message.get(Language::Ja).unwrap_or_default()),
                        ),
                    ),
                    other => other,
                });
            }
        }
        Ok(())
    }

    /// Distinct rule sets: the company's first, then one per distinct organisation rule set,
    /// with the organisations using it.
    pub fn groups(&self) -> Vec<(AttendanceRules, Vec<i64>)> {
        let mut groups: Vec<(AttendanceRules, Vec<i64>)> = vec![(self.company.clone(), Vec::new())];
        let mut ids: Vec<(&i64, &AttendanceRules)> = self.by_organization.iter().collect();
        ids.sort_by_key(|(id, _)| **id);
        for (id, rules) in ids {
            match groups.iter_mut().find(|(r, _)| r == rules) {
                Some((_, orgs)) => orgs.push(*id),
                None => groups.push((rules.clone(), vec![*id])),
            }
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinmu_attendance::TimeRange;
    use kinmu_shared::api::Organization;

    fn org(id: i64, parent: Option<i64>, path: &str) -> Organization {
        Organization { id, name: path.into(), parent_id: parent, path: path.into(), user_count: 0, manager_id: None }
    }

    #[test]
    fn overrides_are_inherited_and_the_nearest_wins() {
        let orgs = vec![
            org(1, None, "Acme"),
            org(2, Some(1), "Acme / Plant"),
            org(3, Some(2), "Acme / Plant / Night"),
            org(4, Some(1), "Acme / Office"),
        ];
        let night = RulesOverride {
            schedule: Some(TimeRange::new(ClockTime::hm(22, 0), ClockTime::hm(7, 0))),
            breaks: Some(vec![TimeRange::new(ClockTime::hm(2, 0), ClockTime::hm(3, 0))]),
            day_boundary: Some(ClockTime::hm(12, 0)),
            ..RulesOverride::default()
        };
        let plant = RulesOverride { rounding_minutes: Some(15), ..RulesOverride::default() };
        let book = RuleBook::build(AttendanceRules::default(), &orgs, &[(2, plant), (3, night)]);
        assert_eq!(book.for_organization(Some(4)), &AttendanceRules::default());
        assert_eq!(book.for_organization(None), &AttendanceRules::default());
        assert_eq!(book.for_organization(Some(2)).rounding_minutes, 15);
        let n = book.for_organization(Some(3));
        assert_eq!(n.rounding_minutes, 15, "inherited from the plant");
        assert_eq!(n.schedule.to_string(), "22:00-07:00");
        book.validate().unwrap();
        assert_eq!(book.groups().len(), 3);
    }

    #[test]
    fn a_contradicting_override_names_the_organisation_and_field() {
        let orgs = vec![org(1, None, "Acme")];
        let bad =
            RulesOverride { breaks: Some(vec![TimeRange::new(ClockTime::hm(19, 0), ClockTime::hm(20, 0))]), ..RulesOverride::default() };
        let book = RuleBook::build(AttendanceRules::default(), &orgs, &[(1, bad)]);
        let Err(Error::Invalid(f)) = book.validate() else { panic!("must fail") };
        assert!(f.field.starts_with("breaks"), "{f:?}");
        assert!(f.message.contains("Acme"), "{f:?}");
    }

    #[test]
    fn task_settings_are_checked() {
        let mut s = AttendanceTaskSettings::default();
        assert_eq!(validate_task_settings(&s).unwrap().to_string(), "06:00");
        s.run_at = "25:00".into();
        let Err(Error::Invalid(f)) = validate_task_settings(&s) else { panic!() };
        assert_eq!(f.field, "run_at");
        s.run_at = "6:30".into();
        s.retention.daily_days = 7;
        let Err(Error::Invalid(f)) = validate_task_settings(&s) else { panic!() };
        assert_eq!(f.field, "retention.daily_days");
    }
}
