//! The resource view (issue 19): each person's planned hours from their work item assignments
//! per ISO week against their working hours, over-allocation marked. The rows are read with a
//! fixed number of queries whatever the number of people (organisations, the project asked,
//! people, open projects' work items, their assignees, their members, the company rules and the
//! organisations' overrides), then the pure [`kinmu_shared::effort::resource::build`] over the
//! calendar of each person's rules: scheduled minutes a working day (the schedule less breaks)
//! under their organisation's rules, none on its holidays (weekly days off, Japan's national
//! holidays if chosen, the company days added and removed).
//!
//! Who sees it: holders of `projects.manage` (they see everybody's periods and gaps too). The
//! rows are the active people concerned by open projects (members of one, or assigned to one of
//! its items), narrowed to an organisation and the ones below it, and to a project's members and
//! assignees; a person's load counts all their open projects' items whatever the project asked.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use kinmu_attendance::holidays::HolidayCalendar;
use kinmu_shared::api::{Id, ResourceQuery, ResourceView};
use kinmu_shared::effort::resource::{self, Item, MAX_WEEKS, Person};
use kinmu_shared::messages::Text;
use kinmu_shared::{Language, Permission};

use super::stored_date;
use crate::accounts::{Actor, organizations};
use crate::attendance::reports::{Cell, LabelledSheet, labelled_csv};
use crate::attendance::rule_settings::{RuleBook, company_rules, overrides};
use crate::database::Db;
use crate::error::{Error, Result};

/// How many weeks the view shows when not asked: this one and the seven after it.
pub const DEFAULT_WEEKS: i64 = 8;

/// The view asked by `q` (`today` places the default weeks).
pub async fn view(db: &Db, actor: &Actor, q: &ResourceQuery, today: NaiveDate) -> Result<ResourceView> {
    actor.require(Permission::ManageProjects)?;
    let from = super::optional_date("from", &q.from)?.unwrap_or_else(|| resource::monday_of(today));
    let to = super::optional_date("to", &q.to)?.unwrap_or_else(|| resource::monday_of(from) + Duration::days(7 * DEFAULT_WEEKS - 1));
    if to < from {
        return Err(Error::invalid(
            "to",
            Text::new(
                format!("to ({to}) is before from ({from}): choose a later end"),
                format!("終了日（{to}）が開始日（{from}）より前です。"),
            ),
        ));
    }
    // Counted before the weeks are listed, so a far end costs nothing.
    if (resource::monday_of(to) - resource::monday_of(from)).num_weeks() >= MAX_WEEKS as i64 {
        return Err(Error::invalid(
            "to",
            Text::new(
                format!("the view shows at most {MAX_WEEKS} weeks: choose an end closer to the start"),
                format!("表示できるのは {MAX_WEEKS} 週までです。終了日を開始日に近づけてください。"),
            ),
        ));
    }
    let weeks = resource::weeks_between(from, to);
    let orgs = organizations::list(db).await?;
    let scope: Option<HashSet<Id>> = match q.organization_id {
        None => None,
        Some(id) if orgs.iter().any(|o| o.id == id) => Some(organizations::subtree(&orgs, id).into_iter().collect()),
        Some(id) => {
            return Err(Error::invalid(
                "organization_id",
                Text::new(
                    format!("organization_id: there is no organisation {id}"),
                    format!("組織 {id} はありません。組織を選び直してください。"),
                ),
            ));
        }
    };
    if let Some(p) = q.project_id {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE id = $1").bind(p).fetch_one(&db.pool).await?;
        if found == 0 {
            return Err(Error::invalid(
                "project_id",
                Text::new(
                    format!("project_id: there is no project {p}"),
                    format!("プロジェクト {p} はありません。プロジェクトを選び直してください。"),
                ),
            ));
        }
    }
    let users: Vec<(i64, String, String, Option<i64>)> =
        sqlx::query_as("SELECT id, login, display_name, organization_id FROM users WHERE active = 1 ORDER BY login_key")
            .fetch_all(&db.pool)
            .await?;
    type ItemRow = (i64, i64, Option<i64>, Option<String>, Option<String>, i64, Option<String>, Option<String>);
    let rows: Vec<ItemRow> = sqlx::query_as(
        "SELECT w.id, w.project_id, w.planned_minutes, w.planned_start, w.planned_end, w.milestone, p.planned_start, p.planned_end \
         FROM work_items w JOIN projects p ON p.id = w.project_id WHERE p.status <> 'closed' ORDER BY w.id",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut assignees: HashMap<i64, Vec<i64>> = HashMap::new();
    for (item, user) in sqlx::query_as::<_, (i64, i64)>(
        "SELECT a.work_item_id, a.user_id FROM work_item_assignees a JOIN work_items w ON w.id = a.work_item_id \
         JOIN projects p ON p.id = w.project_id WHERE p.status <> 'closed'",
    )
    .fetch_all(&db.pool)
    .await?
    {
        assignees.entry(item).or_default().push(user);
    }
    let members: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.project_id, m.user_id FROM project_members m JOIN projects p ON p.id = m.project_id WHERE p.status <> 'closed'",
    )
    .fetch_all(&db.pool)
    .await?;
    let items: Vec<Item> = rows
        .into_iter()
        .map(|(id, project_id, planned_minutes, start, end, milestone, p_start, p_end)| Item {
            id,
            project_id,
            planned_minutes,
            planned_start: stored_date(&start),
            planned_end: stored_date(&end),
            project_start: stored_date(&p_start),
            project_end: stored_date(&p_end),
            milestone: milestone != 0,
            assignee_ids: assignees.remove(&id).unwrap_or_default(),
        })
        .collect();
    // The people concerned: members of an open project or assigned on one (of the project asked).
    let concerned: HashSet<i64> = members
        .iter()
        .filter(|(p, _)| q.project_id.is_none_or(|asked| asked == *p))
        .map(|(_, u)| *u)
        .chain(items.iter().filter(|it| q.project_id.is_none_or(|asked| asked == it.project_id)).flat_map(|it| it.assignee_ids.clone()))
        .collect();
    let paths: HashMap<Id, String> = orgs.iter().map(|o| (o.id, o.path.clone())).collect();
    let org_of: HashMap<Id, Option<Id>> = users.iter().map(|(id, _, _, org)| (*id, *org)).collect();
    let people: Vec<Person> = users
        .into_iter()
        .filter(|(id, _, _, org)| concerned.contains(id) && scope.as_ref().is_none_or(|s| org.is_some_and(|o| s.contains(&o))))
        .map(|(user_id, login, display_name, org)| Person {
            user_id,
            login,
            display_name,
            organization_path: org.and_then(|o| paths.get(&o).cloned()).unwrap_or_default(),
        })
        .collect();
    // Each distinct rule set's calendar and scheduled minutes; each person's set by organisation.
    let book = RuleBook::build(company_rules(db).await?, &orgs, &overrides(db).await?);
    let (first_year, last_year) = years(&items, from, to);
    let groups = book.groups();
    let calendars: Vec<(HolidayCalendar, i64)> = groups
        .iter()
        .map(|(rules, _)| (HolidayCalendar::new(&rules.holidays, first_year..=last_year), i64::from(rules.scheduled_work_minutes())))
        .collect();
    let group_of_org: HashMap<Id, usize> = groups.iter().enumerate().flat_map(|(g, (_, orgs))| orgs.iter().map(move |o| (*o, g))).collect();
    let group_of = |person: Option<Id>| {
        person.and_then(|p| org_of.get(&p).copied().flatten()).and_then(|o| group_of_org.get(&o).copied()).unwrap_or(0)
    };
    let working_minutes = |person: Option<Id>, d: NaiveDate| {
        let (calendar, minutes) = &calendars[group_of(person)];
        if calendar.holiday(d).is_none() { *minutes } else { 0 }
    };
    Ok(resource::build(&people, &items, &weeks, q.project_id, working_minutes))
}

/// The years whose national holidays the calendars compute up front: the view's and the items'
/// spans' (within ten years of the view; others are computed when asked).
fn years(items: &[Item], from: NaiveDate, to: NaiveDate) -> (i32, i32) {
    let (mut first, mut last) = (from.year(), to.year());
    for (s, e) in items.iter().filter_map(Item::span) {
        first = first.min(s.year().max(from.year() - 10));
        last = last.max(e.year().min(to.year() + 10));
    }
    (first, last)
}

/// The view as one sheet: a row per person and week (planned, working, load, over), then a row
/// per person with unscheduled hours; the unassigned work last.
pub fn sheet(v: &ResourceView, language: Language) -> LabelledSheet {
    let ja = language == Language::Ja;
    let l = |en: &str, jp: &str| if ja { jp.to_string() } else { en.to_string() };
    let week_cell = |i: usize| v.weeks[i].parse().map(Cell::Date).unwrap_or_else(|_| Cell::Text(v.weeks[i].clone()));
    let mut rows = Vec::new();
    for p in &v.people {
        for (i, w) in p.weeks.iter().enumerate() {
            rows.push(vec![
                Cell::Text(p.login.clone()),
                Cell::Text(p.display_name.clone()),
                Cell::Text(p.organization_path.clone()),
                week_cell(i),
                Cell::Text(v.week_names[i].clone()),
                Cell::Minutes(w.planned_minutes),
                Cell::Minutes(w.working_minutes),
                w.load_percent.map(Cell::Count).unwrap_or(Cell::Empty),
                Cell::Text(if w.over { l("over", "超過") } else { String::new() }),
            ]);
        }
        if p.unscheduled_minutes > 0 {
            rows.push(vec![
                Cell::Text(p.login.clone()),
                Cell::Text(p.display_name.clone()),
                Cell::Text(p.organization_path.clone()),
                Cell::Empty,
                Cell::Text(l("(unscheduled)", "（日程未設定）")),
                Cell::Minutes(p.unscheduled_minutes),
                Cell::Empty,
                Cell::Empty,
                Cell::Text(String::new()),
            ]);
        }
    }
    let unassigned = l("(unassigned)", "（担当者なし）");
    for (i, m) in v.unassigned.weeks.iter().enumerate().filter(|(_, m)| **m > 0) {
        rows.push(vec![
            Cell::Text(unassigned.clone()),
            Cell::Empty,
            Cell::Empty,
            week_cell(i),
            Cell::Text(v.week_names[i].clone()),
            Cell::Minutes(*m),
            Cell::Empty,
            Cell::Empty,
            Cell::Text(String::new()),
        ]);
    }
    LabelledSheet {
        name: l("Resources", "要員負荷"),
        labels: vec![
            l("Login", "ログイン名"),
            l("Name", "氏名"),
            l("Organization", "組織"),
            l("Week (Monday)", "週（月曜日）"),
            l("ISO week", "ISO週"),
            l("Planned", "計画工数"),
            l("Working hours", "所定労働時間"),
            l("Load (%)", "負荷率（%）"),
            l("Over-allocated", "過負荷"),
        ],
        rows,
        emphasised: Vec::new(),
    }
}

/// `resources-2026-12-07-2027-01-31.csv`: the view's first Monday and last Sunday.
pub fn file_name(v: &ResourceView) -> String {
    let first = v.weeks.first().cloned().unwrap_or_default();
    let last = v.weeks.last().and_then(|w| w.parse::<NaiveDate>().ok()).map(|w| (w + Duration::days(6)).to_string()).unwrap_or_default();
    format!("resources-{first}-{last}.csv")
}

/// The CSV text of the view.
pub fn csv_text(v: &ResourceView, language: Language) -> String {
    labelled_csv(&sheet(v, language))
}
