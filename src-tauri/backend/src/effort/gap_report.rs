//! The monthly gap report of an organisation (its sub-organisations' people included) or of
//! everyone: a few set-based queries over the months asked (the people, their attendance days,
//! their effort day totals, the days explained), then the pure count of
//! [`kinmu_shared::effort::gap_report`]; and the report as CSV and Excel files.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use kinmu_shared::api::{GapReport, GapReportQuery, Id};
use kinmu_shared::effort::GapKind;
use kinmu_shared::effort::gap_report::{self, ReportDays, ReportMonth, ReportOrganization, ReportPerson};
use kinmu_shared::messages::Text;
use kinmu_shared::{Language, Permission};
use sqlx::Row;

use super::parse_month;
use super::settings::Thresholds;
use crate::accounts::{Actor, organizations};
use crate::attendance::people::Directory;
use crate::attendance::reports::{Cell, LabelledSheet, labelled_csv, labelled_xlsx};
use crate::database::Db;
use crate::error::{Error, Result};

/// How many months the report shows when not asked (this one and the five before).
pub const DEFAULT_MONTHS: u32 = 6;

/// The report for `q`: approvers (projects.manage) see everyone's gaps, as they approve
/// everyone's periods.
pub async fn report(db: &Db, actor: &Actor, q: &GapReportQuery) -> Result<GapReport> {
    actor.require(Permission::ManageProjects)?;
    let months = q.months.unwrap_or(DEFAULT_MONTHS);
    if !(1..=12).contains(&months) {
        return Err(Error::invalid("months", Text::new("months must be from 1 to 12", "比較する月数は 1〜12 にしてください。")));
    }
    let (first, _) = parse_month("month", &q.month)?;
    let month = ReportMonth::of(first);
    let orgs = organizations::list(db).await?;
    let scope = match q.organization_id {
        None => None,
        Some(id) => {
            let Some(o) = orgs.iter().find(|o| o.id == id) else {
                return Err(Error::invalid(
                    "organization_id",
                    Text::new(
                        format!("organization_id: there is no organisation {id}"),
                        format!("組織 {id} はありません。組織を選び直してください。"),
                    ),
                ));
            };
            Some((id, o.path.clone(), organizations::subtree(&orgs, id).into_iter().collect::<HashSet<Id>>()))
        }
    };
    let thresholds = Thresholds::load(db).await?;
    let in_scope = |org: Option<Id>| scope.as_ref().is_none_or(|(_, _, ids)| org.is_some_and(|o| ids.contains(&o)));
    let paths: HashMap<Id, String> = orgs.iter().map(|o| (o.id, o.path.clone())).collect();
    let tracked: HashSet<i64> =
        sqlx::query_scalar::<_, i64>("SELECT DISTINCT user_id FROM user_log_accounts").fetch_all(&db.pool).await?.into_iter().collect();
    let people: Vec<ReportPerson> = sqlx::query_as::<_, (i64, String, String, Option<i64>)>(
        "SELECT id, login, display_name, organization_id FROM users WHERE active = 1 ORDER BY login_key",
    )
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .filter(|(_, _, _, org)| in_scope(*org))
    .map(|(id, login, display_name, org)| ReportPerson {
        user_id: id,
        login,
        display_name,
        organization_id: org,
        organization_path: org.and_then(|o| paths.get(&o).cloned()).unwrap_or_default(),
        threshold_minutes: thresholds.of_organization(org),
        tracked: tracked.contains(&id),
    })
    .collect();
    let organizations: Vec<ReportOrganization> = orgs
        .iter()
        .filter(|o| in_scope(Some(o.id)))
        .map(|o| ReportOrganization {
            id: o.id,
            parent_id: o.parent_id,
            path: o.path.clone(),
            threshold_minutes: thresholds.of_organization(Some(o.id)),
        })
        .collect();
    let run = month.run_ending(months as usize);
    let days = load_days(db, &people, run[0].first, month.last).await?;
    Ok(gap_report::build(month, months as usize - 1, scope.map(|(id, path, _)| (id, path)), &people, &organizations, &days))
}

/// The attendance days, effort day totals and explained days of `people` from `first` to `last`:
/// three queries, whatever the number of people.
pub async fn load_days(db: &Db, people: &[ReportPerson], first: NaiveDate, last: NaiveDate) -> Result<ReportDays> {
    let wanted: HashSet<i64> = people.iter().filter(|p| p.tracked).map(|p| p.user_id).collect();
    let mut days = ReportDays::default();
    let (from, to) = (first.to_string(), last.to_string());
    let effort: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT user_id, work_date, minutes FROM effort_day_totals WHERE work_date >= $1 AND work_date <= $2 AND minutes > 0",
    )
    .bind(&from)
    .bind(&to)
    .fetch_all(&db.pool)
    .await?;
    for (user, date, minutes) in effort {
        if wanted.contains(&user)
            && let Ok(d) = date.parse::<NaiveDate>()
        {
            days.effort.insert((user, d), minutes);
        }
    }
    let explained: Vec<(i64, String)> =
        sqlx::query_as("SELECT user_id, work_date FROM effort_gap_explanations WHERE work_date >= $1 AND work_date <= $2")
            .bind(&from)
            .bind(&to)
            .fetch_all(&db.pool)
            .await?;
    for (user, date) in explained {
        if wanted.contains(&user)
            && let Ok(d) = date.parse::<NaiveDate>()
        {
            days.explained.insert((user, d));
        }
    }
    // A person's records count for every user whose log account owns them (as for one person's
    // month), a day of two accounts summed.
    let directory = Directory::load(db).await?;
    let rows =
        sqlx::query("SELECT work_date, person_key, actual_work_minutes FROM attendance_daily WHERE work_date >= $1 AND work_date <= $2")
            .bind(&from)
            .bind(&to)
            .fetch_all(&db.pool)
            .await?;
    let mut owners_of: HashMap<String, Vec<i64>> = HashMap::new();
    for row in rows {
        let date: String = row.try_get("work_date")?;
        let minutes: i64 = row.try_get("actual_work_minutes")?;
        let person_key: String = row.try_get("person_key")?;
        let Ok(d) = date.parse::<NaiveDate>() else { continue };
        let owners = owners_of
            .entry(person_key.clone())
            .or_insert_with(|| directory.owners(&person_key).map(|o| o.user_id).filter(|u| wanted.contains(u)).collect());
        for u in owners.iter() {
            *days.attended.entry((*u, d)).or_insert(0) += minutes;
        }
    }
    Ok(days)
}

/// The report's sheets: its people, their marked days, the organisations, month over month.
pub fn sheets(r: &GapReport, language: Language) -> Vec<LabelledSheet> {
    let ja = language == Language::Ja;
    let l = |en: &str, jp: &str| if ja { jp.to_string() } else { en.to_string() };
    let figures = |t: &kinmu_shared::api::GapTotals| {
        vec![
            Cell::Count(t.marked_days),
            Cell::Count(t.explained_days),
            Cell::Count(t.unexplained_days),
            Cell::Minutes(t.average_gap_minutes),
            Cell::Minutes(t.largest_gap_minutes),
            Cell::Count(t.activity_without_effort_days),
            Cell::Count(t.effort_without_activity_days),
        ]
    };
    let figure_labels = || {
        vec![
            l("Marked days", "乖離日数"),
            l("With reason", "理由あり"),
            l("Without reason", "理由なし"),
            l("Average gap", "平均乖離"),
            l("Largest gap", "最大乖離"),
            l("PC activity, no effort", "PC稼働・工数なし"),
            l("Effort, no PC activity", "工数あり・PC稼働なし"),
        ]
    };
    let text = |s: &str| Cell::Text(s.to_string());
    let mut people_labels = vec![l("Login", "ログイン名"), l("Name", "氏名"), l("Organisation", "組織"), l("Threshold", "基準")];
    people_labels.extend(figure_labels());
    let people = r
        .people
        .iter()
        .map(|p| {
            let mut row = vec![text(&p.login), text(&p.display_name), text(&p.organization_path), Cell::Minutes(p.threshold_minutes)];
            row.extend(figures(&p.totals));
            row
        })
        .collect();
    let kind = |k: GapKind| match (k, ja) {
        (GapKind::Difference, false) => "Difference",
        (GapKind::Difference, true) => "差異",
        (GapKind::ActivityWithoutEffort, false) => "PC activity, no effort",
        (GapKind::ActivityWithoutEffort, true) => "PC稼働・工数なし",
        (GapKind::EffortWithoutActivity, false) => "Effort, no PC activity",
        (GapKind::EffortWithoutActivity, true) => "工数あり・PC稼働なし",
    };
    let days = r
        .people
        .iter()
        .flat_map(|p| {
            p.days.iter().map(move |d| {
                vec![
                    text(&p.login),
                    text(&p.display_name),
                    d.date.parse::<NaiveDate>().map(Cell::Date).unwrap_or_else(|_| text(&d.date)),
                    Cell::Minutes(d.effort_minutes),
                    d.attended_minutes.map(Cell::Minutes).unwrap_or(Cell::Empty),
                    Cell::Minutes(d.difference_minutes),
                    text(kind(d.kind)),
                    text(if d.explained {
                        if ja { "あり" } else { "yes" }
                    } else if ja {
                        "なし"
                    } else {
                        "no"
                    }),
                ]
            })
        })
        .collect();
    let mut org_labels = vec![l("Organisation", "組織"), l("Threshold", "基準"), l("People", "人数"), l("People over", "乖離のある人")];
    org_labels.extend(figure_labels());
    let orgs = r
        .organizations
        .iter()
        .map(|o| {
            let path = if o.organization_id.is_none() { l("(no organisation)", "（組織なし）") } else { o.path.clone() };
            let mut row =
                vec![Cell::Text(path), Cell::Minutes(o.threshold_minutes), Cell::Count(o.totals.people), Cell::Count(o.totals.people_over)];
            row.extend(figures(&o.totals));
            row
        })
        .collect();
    let mut month_labels = vec![l("Month", "月"), l("People", "人数"), l("People over", "乖離のある人")];
    month_labels.extend(figure_labels());
    let months = r
        .months
        .iter()
        .map(|m| {
            let mut row = vec![text(&m.month), Cell::Count(m.totals.people), Cell::Count(m.totals.people_over)];
            row.extend(figures(&m.totals));
            row
        })
        .collect();
    vec![
        LabelledSheet { name: l("People", "人別"), labels: people_labels, rows: people, emphasised: Vec::new() },
        LabelledSheet {
            name: l("Days", "日別"),
            labels: vec![
                l("Login", "ログイン名"),
                l("Name", "氏名"),
                l("Date", "日付"),
                l("Effort", "工数"),
                l("Attended work", "実働"),
                l("Gap", "乖離"),
                l("Kind", "種類"),
                l("Reason", "理由"),
            ],
            rows: days,
            emphasised: Vec::new(),
        },
        LabelledSheet { name: l("Organisations", "組織別"), labels: org_labels, rows: orgs, emphasised: Vec::new() },
        LabelledSheet { name: l("Months", "月別推移"), labels: month_labels, rows: months, emphasised: Vec::new() },
    ]
}

/// The report's file name: `gaps-2026-11.csv` / `.xlsx`.
pub fn file_name(r: &GapReport, extension: &str) -> String {
    format!("gaps-{}.{extension}", r.month)
}

/// The CSV file: one row per person over the threshold (the Excel file's first sheet).
pub fn csv_text(r: &GapReport, language: Language) -> String {
    labelled_csv(&sheets(r, language)[0])
}

/// The Excel file: people, days, organisations and months, a sheet each.
pub fn xlsx_bytes(r: &GapReport, language: Language) -> Result<Vec<u8>> {
    labelled_xlsx(&sheets(r, language)).map_err(|e| Error::Internal(format!("the gap report's Excel file: {e}")))
}
