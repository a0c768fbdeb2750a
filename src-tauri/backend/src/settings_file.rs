//! Every administrator setting as one TOML document (`kinmu settings export` / `import`): the
//! system settings, the attendance rules, each organisation's rule override (by organisation
//! path), the attendance task's schedule and retention, the display settings, the 36-agreement
//! limits, the output profiles and the client update policy. An import is checked whole before
//! anything is written, and written in one transaction: it applies entirely or not at all.

use kinmu_attendance::{AttendanceRules, RulesOverride};
use kinmu_shared::api::{AgreementLimits, AttendanceTaskSettings, DisplaySettings, OutputProfile, SystemSettings};
use kinmu_shared::update_policy::UpdatePolicy;
use serde::{Deserialize, Serialize};

use crate::accounts::{organizations, system_settings};
use crate::attendance::rule_settings::{self, RuleBook};
use crate::attendance::{agreement, output_profiles, reports};
use crate::database::Db;
use crate::error::{Error, Result, Text};

/// The document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    pub system: SystemSettings,
    pub attendance_task: AttendanceTaskSettings,
    pub attendance_rules: AttendanceRules,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organization_rules: Vec<OrganizationRules>,
    #[serde(default)]
    pub display: DisplaySettings,
    #[serde(default)]
    pub agreement_limits: AgreementLimits,
    /// Output profiles (their `id` is ignored: profiles are matched by name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_profiles: Vec<OutputProfile>,
    /// The client update policy (changing it here needs no password: the settings file is the
    /// operator's, at the command line).
    #[serde(default)]
    pub update_policy: UpdatePolicy,
}

/// One organisation's override, named by its path ("Acme / Plant").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationRules {
    pub organization: String,
    pub rules: RulesOverride,
}

pub async fn export(db: &Db) -> Result<String> {
    let orgs = organizations::list(db).await?;
    let organization_rules = rule_settings::overrides(db)
        .await?
        .into_iter()
        .filter_map(|(id, rules)| orgs.iter().find(|o| o.id == id).map(|o| OrganizationRules { organization: o.path.clone(), rules }))
        .collect();
    let file = SettingsFile {
        system: system_settings::load(db).await?,
        attendance_task: rule_settings::task_settings(db).await?,
        attendance_rules: rule_settings::company_rules(db).await?,
        organization_rules,
        display: reports::display_settings(db).await?,
        agreement_limits: agreement::limits(db).await?,
        output_profiles: output_profiles::all(db).await?,
        update_policy: crate::updates::policy::load(&db.pool).await?,
    };
    let body = toml::to_string(&file).map_err(|e| Error::Internal(format!("cannot write the settings as TOML: {e}")))?;
    Ok(format!(
        "# Kinmu settings, exported {}. Edit and load with `kinmu settings import FILE`.\n# The attendance rules are described in docs/attendance-rules.md.\n\n{body}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    ))
}

/// Parses a settings document; the error names the key and line.
pub fn parse(text: &str) -> Result<SettingsFile> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = inner.message().to_string();
        let line = inner.span().map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        let at_ja = line.map(|l| format!("（{l} 行目）")).unwrap_or_default();
        Error::invalid(
            &path,
            Text::new(
                format!("{path}{at}: {message}"),
                format!("設定ファイルの {path}{at_ja} を読み取れません。書き方を確認してください（{message}）。"),
            ),
        )
    })
}

/// Checks and applies a settings document.
pub async fn import(db: &Db, text: &str, output_roots: &crate::attendance::output_roots::OutputRoots, now: i64) -> Result<SettingsFile> {
    let file = parse(text)?;
    system_settings::validate(&file.system).map_err(|e| prefixed("system.", e))?;
    rule_settings::validate_task_settings(&file.attendance_task).map_err(|e| prefixed("attendance_task.", e))?;
    file.attendance_rules.validate().map_err(|e| rule_settings::rule_errors("attendance_rules.", e))?;
    let orgs = organizations::list(db).await?;
    let mut overrides = Vec::new();
    for (i, o) in file.organization_rules.iter().enumerate() {
        let org = organizations::find_by_path(&orgs, &o.organization).ok_or_else(|| {
            Error::invalid(
                &format!("organization_rules[{i}].organization"),
                Text::new(
                    format!(
                        "organization_rules[{i}]: there is no organisation {:?}: create it first (or import organisations), paths are written \"Acme / Sales\"",
                        o.organization
                    ),
                    format!(
                        "組織別ルール {} 件目：組織「{}」はありません。先に組織を作成（または取り込み）してください。パスは「Acme / Sales」のように書きます。",
                        i + 1,
                        o.organization
                    ),
                ),
            )
        })?;
        if overrides.iter().any(|(id, _)| *id == org.id) {
            return Err(Error::invalid(
                &format!("organization_rules[{i}].organization"),
                Text::new(
                    format!("organization_rules[{i}]: {:?} has rules twice: keep one", o.organization),
                    format!("組織別ルール {} 件目：組織「{}」のルールが2つあります。1つにしてください。", i + 1, o.organization),
                ),
            ));
        }
        overrides.push((org.id, o.rules.clone()));
    }
    RuleBook::build(file.attendance_rules.clone(), &orgs, &overrides).validate()?;
    for kind in kinmu_shared::api::ReportKind::ALL {
        file.display.layout(kind).check(kind).map_err(|f| {
            Error::invalid(
                &format!("display.{}.{}", kind.key(), f.field),
                f.message.with_en(format!("display.{}.{}", kind.key(), f.message)),
            )
        })?;
    }
    agreement::validate_limits(&file.agreement_limits).map_err(|e| prefixed("agreement_limits.", e))?;
    output_profiles::check_set(&file.output_profiles, output_roots)?;
    file.update_policy.validate().map_err(|e| prefixed("update_policy.", e.into()))?;

    let mut tx = db.pool.begin().await?;
    let s = &file.system;
    system_settings::put_value(&mut *tx, system_settings::ORGANIZATION_NAME, s.organization_name.trim()).await?;
    system_settings::put_value(&mut *tx, system_settings::DEFAULT_LANGUAGE, s.default_language.code()).await?;
    system_settings::put_value(&mut *tx, system_settings::TIME_ZONE, s.time_zone.trim()).await?;
    system_settings::put_value(&mut *tx, system_settings::SESSION_IDLE_MINUTES, &s.session_idle_minutes.to_string()).await?;
    system_settings::put_value(&mut *tx, rule_settings::TASK_KEY, &json(&file.attendance_task)?).await?;
    system_settings::put_value(&mut *tx, rule_settings::RULES_KEY, &json(&file.attendance_rules)?).await?;
    sqlx::query("DELETE FROM attendance_rule_overrides").execute(&mut *tx).await?;
    for (id, rules) in &overrides {
        sqlx::query("INSERT INTO attendance_rule_overrides (organization_id, rules, updated_at) VALUES ($1, $2, $3)")
            .bind(*id)
            .bind(json(rules)?)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    system_settings::put_value(&mut *tx, reports::DISPLAY_KEY, &json(&file.display)?).await?;
    system_settings::put_value(&mut *tx, agreement::LIMITS_KEY, &json(&file.agreement_limits)?).await?;
    output_profiles::replace_all(&mut tx, &file.output_profiles, now).await?;
    crate::updates::policy::write(&mut *tx, &file.update_policy, now, "(settings file)").await?;
    tx.commit().await?;
    Ok(file)
}

fn prefixed(prefix: &str, e: Error) -> Error {
    match e {
        Error::Invalid(f) => Error::invalid(&format!("{prefix}{}", f.field), f.message.with_en(format!("{prefix}{}", f.message))),
        other => other,
    }
}

/// A setting value as the JSON text stored in the database.
fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_value_names_its_key_and_line() {
        let text = "[system]\norganization_name = \"Acme\"\ndefault_language = \"ja\"\ntime_zone = \"Asia/Tokyo\"\nsession_idle_minutes = 480\n\n[attendance_task]\nrun_at = \"06:00\"\n\n[attendance_rules]\nrounding_minutes = \"five\"\n";
        let Err(Error::Invalid(f)) = parse(text) else { panic!("must fail") };
        assert_eq!(f.field, "attendance_rules.rounding_minutes");
        assert!(f.message.contains("line 11"), "{}", f.message);
    }
}
