//! The dashboards: a person's (their week, entered against attended; their missing days; their
//! periods) and an approver's (periods waiting for them, their people's missing days, marked
//! gaps without a reason; the projects they manage over plan or budget, [`super::plan::flagged`]). Set-based: a handful of queries over every person concerned at once
//! (the day totals, the attendance records, the explanations), never one per person or day; the
//! rules are the shared ones ([`kinmu_shared::effort::missing`], [`kinmu_shared::effort::gap`]).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use kinmu_attendance::holidays::HolidayCalendar;
use kinmu_shared::Permission;
use kinmu_shared::api::{
    ApproverDashboard, DailyField, DashboardDay, DashboardPeriod, DashboardPerson, GapWaiting, MyDashboard, PeriodQuery, PersonMissingDays,
};
use kinmu_shared::effort::{PeriodState, gap, lookback, missing_days};
use sqlx::Row;

use super::approvers::Approvers;
use crate::accounts::Actor;
use crate::attendance::people::{owns, stored_days_of};
use crate::database::{Db, placeholders};
use crate::error::{Error, Result};

/// Effort and attended work per person and day, for a set of people and days.
struct Days {
    effort: HashMap<(i64, NaiveDate), i64>,
    /// Attended work; only people with a log account have any.
    attended: HashMap<(i64, NaiveDate), i64>,
    /// People with at least one log account (whose effort is compared with attendance).
    tracked: HashSet<i64>,
}

fn ids_in(first: usize, people: &[i64]) -> String {
    placeholders(first, people.len())
}

async fn days_of(db: &Db, people: &[i64], first: NaiveDate, last: NaiveDate) -> Result<Days> {
    let mut days = Days { effort: HashMap::new(), attended: HashMap::new(), tracked: HashSet::new() };
    if people.is_empty() {
        return Ok(days);
    }
    let sql = format!(
        "SELECT user_id, work_date, minutes FROM effort_day_totals WHERE work_date >= $1 AND work_date <= $2 AND minutes > 0 \
         AND user_id IN ({})",
        ids_in(3, people)
    );
    let mut q = sqlx::query_as::<_, (i64, String, i64)>(&sql).bind(first.to_string()).bind(last.to_string());
    for p in people {
        q = q.bind(*p);
    }
    for (user, date, minutes) in q.fetch_all(&db.pool).await? {
        if let Ok(d) = date.parse() {
            days.effort.insert((user, d), minutes);
        }
    }
    let sql = format!("SELECT user_id, account_key FROM user_log_accounts WHERE user_id IN ({})", ids_in(1, people));
    let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
    for p in people {
        q = q.bind(*p);
    }
    let accounts: Vec<(i64, String)> = q.fetch_all(&db.pool).await?;
    days.tracked = accounts.iter().map(|(u, _)| *u).collect();
    let names: Vec<String> = accounts.iter().map(|(_, a)| a.clone()).collect();
    let fields = [DailyField::WorkDate, DailyField::PersonKey, DailyField::ActualWorkMinutes];
    for row in stored_days_of(db, &names, first, last, &fields).await? {
        let date: String = row.try_get(DailyField::WorkDate.key())?;
        let person: String = row.try_get(DailyField::PersonKey.key())?;
        let minutes: i64 = row.try_get(DailyField::ActualWorkMinutes.key())?;
        let Ok(date) = date.parse::<NaiveDate>() else { continue };
        // A record counts once for each user owning it (two log accounts of one day add up).
        let mut owners: Vec<i64> = accounts.iter().filter(|(_, a)| owns(a, &person)).map(|(u, _)| *u).collect();
        owners.dedup();
        for u in owners {
            *days.attended.entry((u, date)).or_default() += minutes;
        }
    }
    Ok(days)
}

/// Whether a date is a working day by the company's calendar (its attendance rules' holidays).
async fn calendar(db: &Db, first: NaiveDate, last: NaiveDate) -> Result<HolidayCalendar> {
    use chrono::Datelike;
    let rules = crate::attendance::rule_settings::company_rules(db).await?;
    Ok(HolidayCalendar::new(&rules.holidays, first.year()..=last.year()))
}

fn missing_of(person: i64, days: &Days, cal: &HolidayCalendar, first: NaiveDate, last: NaiveDate) -> Vec<String> {
    missing_days(
        first,
        last,
        |d| days.effort.contains_key(&(person, d)),
        |d| days.attended.get(&(person, d)).is_some_and(|m| *m > 0),
        |d| cal.holiday(d).is_none(),
    )
    .into_iter()
    .map(|d| d.to_string())
    .collect()
}

/// The actor's own dashboard: this week's days, the missing days, and the periods holding today
/// and the day before the current one began.
pub async fn mine(db: &Db, actor: &Actor, today: NaiveDate) -> Result<MyDashboard> {
    actor.require(Permission::EnterEffort)?;
    let me = actor.user_id().ok_or_else(|| {
        Error::invalid("user", kinmu_shared::messages::Text::new("the dashboard is a person's own", "ダッシュボードは本人のものです"))
    })?;
    let (back_first, back_last) = lookback(today);
    let (week_first, week_last) = kinmu_shared::effort::PeriodUnit::Week.period_of(today);
    let (first, last) = (back_first.min(week_first), back_last.max(week_last));
    let days = days_of(db, &[me], first, last).await?;
    let cal = calendar(db, first, last).await?;
    let week_days = week_first
        .iter_days()
        .take(7)
        .map(|d| DashboardDay {
            date: d.to_string(),
            effort_minutes: days.effort.get(&(me, d)).copied().unwrap_or(0),
            attended_minutes: days.tracked.contains(&me).then(|| days.attended.get(&(me, d)).copied()).flatten(),
        })
        .collect();
    let mut conn = db.pool.acquire().await?;
    let (state, start, end) = super::periods::state_on(&mut conn, me, today).await?;
    let mut periods = vec![DashboardPeriod { start: start.to_string(), end: end.to_string(), state }];
    if let Some(before) = start.pred_opt() {
        let (state, start, end) = super::periods::state_on(&mut conn, me, before).await?;
        periods.push(DashboardPeriod { start: start.to_string(), end: end.to_string(), state });
    }
    Ok(MyDashboard {
        today: today.to_string(),
        week: week_first.format("%G-W%V").to_string(),
        week_days,
        missing_days: if back_first <= back_last { missing_of(me, &days, &cal, back_first, back_last) } else { Vec::new() },
        periods,
    })
}

/// The actor's dashboard as an approver: the periods waiting for them, and for the active people
/// they approve who enter effort, the missing days and the marked gaps without a reason.
pub async fn approver(db: &Db, actor: &Actor, today: NaiveDate) -> Result<ApproverDashboard> {
    let Some(me) = actor.user_id() else {
        return Ok(ApproverDashboard {
            today: today.to_string(),
            people: 0,
            waiting: Vec::new(),
            missing: Vec::new(),
            gaps: Vec::new(),
            projects: Vec::new(),
        });
    };
    let approvers = Approvers::load(db).await?;
    let mine = approvers.people_of(me);
    let waiting = if mine.is_empty() {
        Vec::new()
    } else {
        super::periods::list(db, actor, PeriodQuery { for_me: true, state: Some(PeriodState::Submitted), ..Default::default() }).await?
    };
    // The active ones whose role enters effort.
    let entering: HashSet<i64> = crate::accounts::roles::list(db)
        .await?
        .into_iter()
        .filter(|r| r.permissions.contains(&Permission::EnterEffort))
        .map(|r| r.id)
        .collect();
    let mut people: Vec<DashboardPerson> = Vec::new();
    let mut organization_of: HashMap<i64, Option<i64>> = HashMap::new();
    if !mine.is_empty() {
        let sql = format!(
            "SELECT id, login, display_name, role_id, organization_id FROM users WHERE active = 1 AND id IN ({}) ORDER BY login_key",
            ids_in(1, &mine)
        );
        let mut q = sqlx::query_as::<_, (i64, String, String, i64, Option<i64>)>(&sql);
        for p in &mine {
            q = q.bind(*p);
        }
        for (user_id, login, display_name, role, organization) in q.fetch_all(&db.pool).await? {
            organization_of.insert(user_id, organization);
            if entering.contains(&role) {
                people.push(DashboardPerson { user_id, login, display_name });
            }
        }
    }
    let ids: Vec<i64> = people.iter().map(|p| p.user_id).collect();
    let (first, last) = lookback(today);
    let mut missing = Vec::new();
    let mut gaps = Vec::new();
    if !ids.is_empty() && first <= last {
        let days = days_of(db, &ids, first, last).await?;
        let cal = calendar(db, first, last).await?;
        // Each person's gaps by their organisation's threshold, as everywhere else.
        let thresholds = super::settings::Thresholds::load(db).await?;
        let sql = format!(
            "SELECT user_id, work_date FROM effort_gap_explanations WHERE work_date >= $1 AND work_date <= $2 AND user_id IN ({}) \
             AND (reason_id IS NOT NULL OR reason_text <> '')",
            ids_in(3, &ids)
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql).bind(first.to_string()).bind(last.to_string());
        for p in &ids {
            q = q.bind(*p);
        }
        let explained: HashSet<(i64, String)> = q.fetch_all(&db.pool).await?.into_iter().collect();
        for person in people {
            let id = person.user_id;
            let person_missing = missing_of(id, &days, &cal, first, last);
            if days.tracked.contains(&id) {
                let threshold = thresholds.of_organization(organization_of.get(&id).copied().flatten());
                for d in first.iter_days().take_while(|d| *d <= last) {
                    let effort = days.effort.get(&(id, d)).copied().unwrap_or(0);
                    let Some(mark) = gap::mark(effort, days.attended.get(&(id, d)).copied(), threshold) else { continue };
                    if !explained.contains(&(id, d.to_string())) {
                        gaps.push(GapWaiting {
                            person: person.clone(),
                            date: d.to_string(),
                            kind: mark.kind,
                            difference_minutes: mark.difference_minutes,
                        });
                    }
                }
            }
            if !person_missing.is_empty() {
                missing.push(PersonMissingDays { person, days: person_missing });
            }
        }
    }
    let projects = super::plan::flagged(db, actor, today).await?;
    Ok(ApproverDashboard { today: today.to_string(), people: mine.len() as i64, waiting, missing, gaps, projects })
}
