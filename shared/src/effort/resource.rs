//! The resource view (issue 19): each person's planned hours from their work item assignments,
//! per ISO week, against their working hours; over-allocation marked. Pure: the caller passes the
//! weeks, the people, the items and the calendar (a person's scheduled working minutes on a day,
//! zero on their days off).
//!
//! The rules, in one place:
//! - **Span.** An item's planned span is its planned start to its planned end; the project's dates
//!   stand in for missing ones (as in [`super::plan`]). A start after the end, a missing start or
//!   a milestone put the whole plan on the end day.
//! - **Split.** An item's planned minutes are divided evenly among its assignees (whole minutes;
//!   the remainder goes one minute each to the first assignees by id), so the shares add up to
//!   the plan.
//! - **Spread.** Each share is spread evenly over the assignee's working days in the span (the
//!   days on which the calendar gives them working minutes), whole minutes with the remainder
//!   one minute each to the first days; when the span holds none of their working days, over
//!   every day of the span (planned work on days off then shows as over-allocation). The spread
//!   adds up to the share. Only the days inside the view's weeks are summed; the rest of the
//!   span still takes its part, so a long item is not squeezed into the weeks shown.
//! - **Unscheduled.** An item with planned minutes but no end date (its own nor its project's)
//!   has no span: each assignee's share is counted as the person's unscheduled minutes (and
//!   items), beside the weeks, never dropped.
//! - **Unassigned.** An item with planned minutes and no assignee is summed in the unassigned
//!   row: spread over the company calendar's working days (the calendar asked with no person),
//!   or counted as unassigned and unscheduled without dates.
//! - **No plan.** Items without planned minutes (or with zero) have nothing to spread; they are
//!   counted in `items_without_plan`.
//! - **Load.** A person's week is over-allocated when planned > working minutes; the load is
//!   planned × 100 / working rounded to a whole percent, none when the week has no working
//!   minutes (then any planned minute is over-allocation).

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};

use crate::api::{Id, ResourcePerson, ResourceUnassigned, ResourceView, ResourceWeek};

/// The most weeks one view shows.
pub const MAX_WEEKS: usize = 106;

/// A person who may be a row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    pub organization_path: String,
}

/// A work item of an open project as stored, its project's dates beside it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Item {
    pub id: Id,
    pub project_id: Id,
    pub planned_minutes: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub project_start: Option<NaiveDate>,
    pub project_end: Option<NaiveDate>,
    pub milestone: bool,
    pub assignee_ids: Vec<Id>,
}

impl Item {
    /// The planned span, first and last day (see the module's rule); none: unscheduled.
    pub fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        let end = self.planned_end.or(self.project_end)?;
        let start = self.planned_start.or(self.project_start).filter(|s| *s <= end && !self.milestone).unwrap_or(end);
        Some((start, end))
    }
}

/// The Monday of `day`'s ISO week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// The Mondays of the ISO weeks holding `from` to `to` (none when `to` is before `from`).
pub fn weeks_between(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let (first, last) = (monday_of(from), monday_of(to));
    let mut out = Vec::new();
    let mut w = first;
    while w <= last {
        out.push(w);
        w += Duration::days(7);
    }
    out
}

/// `total` split into `parts` whole shares as even as can be, the remainder one each to the
/// first shares; they add up to `total`. No parts: nothing.
pub fn even_shares(total: i64, parts: usize) -> Vec<i64> {
    if parts == 0 {
        return Vec::new();
    }
    let n = parts as i64;
    let (base, rest) = (total.div_euclid(n), total.rem_euclid(n));
    (0..n).map(|i| base + i64::from(i < rest)).collect()
}

/// `minutes` spread evenly over the span's days on which `works` is true, else over every day
/// of the span: the days with their minutes, adding up to `minutes`.
pub fn spread(minutes: i64, span: (NaiveDate, NaiveDate), works: impl Fn(NaiveDate) -> bool) -> Vec<(NaiveDate, i64)> {
    let (start, end) = span;
    let all: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= end).collect();
    let working: Vec<NaiveDate> = all.iter().copied().filter(|d| works(*d)).collect();
    let days = if working.is_empty() { all } else { working };
    days.iter().copied().zip(even_shares(minutes, days.len())).filter(|(_, m)| *m != 0).collect()
}

/// The view of `people` over `weeks` (Mondays, ascending). `working_minutes(person, day)` is a
/// person's scheduled working minutes on a day (zero on a day off); asked with no person, the
/// company calendar's (for the unassigned work). With `scope_project`, the unassigned row and
/// `items_without_plan` count that project's items only; people's loads count every item given.
pub fn build(
    people: &[Person],
    items: &[Item],
    weeks: &[NaiveDate],
    scope_project: Option<Id>,
    working_minutes: impl Fn(Option<Id>, NaiveDate) -> i64,
) -> ResourceView {
    let week_of: HashMap<NaiveDate, usize> = weeks.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    let index = |day: NaiveDate| week_of.get(&monday_of(day)).copied();
    let row_of: HashMap<Id, usize> = people.iter().enumerate().map(|(i, p)| (p.user_id, i)).collect();
    let mut planned = vec![vec![0i64; weeks.len()]; people.len()];
    let mut unscheduled = vec![(0i64, 0i64); people.len()];
    let mut unassigned = ResourceUnassigned { weeks: vec![0; weeks.len()], ..Default::default() };
    let mut items_without_plan = 0;
    let in_scope = |it: &Item| scope_project.is_none_or(|p| p == it.project_id);
    for it in items {
        let minutes = it.planned_minutes.unwrap_or(0);
        if minutes <= 0 {
            items_without_plan += i64::from(in_scope(it));
            continue;
        }
        let mut assignees = it.assignee_ids.clone();
        assignees.sort_unstable();
        assignees.dedup();
        let span = it.span();
        if assignees.is_empty() {
            if !in_scope(it) {
                continue;
            }
            match span {
                None => {
                    unassigned.unscheduled_minutes += minutes;
                    unassigned.unscheduled_items += 1;
                }
                Some(span) => {
                    unassigned.items += 1;
                    for (day, m) in spread(minutes, span, |d| working_minutes(None, d) > 0) {
                        if let Some(w) = index(day) {
                            unassigned.weeks[w] += m;
                            unassigned.planned_minutes += m;
                        }
                    }
                }
            }
            continue;
        }
        for (person, share) in assignees.iter().zip(even_shares(minutes, assignees.len())) {
            let Some(&row) = row_of.get(person) else { continue };
            match span {
                None => {
                    unscheduled[row].0 += share;
                    unscheduled[row].1 += 1;
                }
                Some(span) => {
                    // The share is divided over the whole span; only the view's days are summed.
                    for (day, m) in spread(share, span, |d| working_minutes(Some(*person), d) > 0) {
                        if let Some(w) = index(day) {
                            planned[row][w] += m;
                        }
                    }
                }
            }
        }
    }
    let people = people
        .iter()
        .enumerate()
        .map(|(row, p)| {
            let weeks: Vec<ResourceWeek> = weeks
                .iter()
                .enumerate()
                .map(|(w, monday)| {
                    let working: i64 = monday.iter_days().take(7).map(|d| working_minutes(Some(p.user_id), d)).sum();
                    week_figures(planned[row][w], working)
                })
                .collect();
            ResourcePerson {
                user_id: p.user_id,
                login: p.login.clone(),
                display_name: p.display_name.clone(),
                organization_path: p.organization_path.clone(),
                planned_minutes: weeks.iter().map(|w| w.planned_minutes).sum(),
                working_minutes: weeks.iter().map(|w| w.working_minutes).sum(),
                over_weeks: weeks.iter().filter(|w| w.over).count() as i64,
                weeks,
                unscheduled_minutes: unscheduled[row].0,
                unscheduled_items: unscheduled[row].1,
            }
        })
        .collect();
    ResourceView {
        weeks: weeks.iter().map(|w| w.to_string()).collect(),
        week_names: weeks.iter().map(|w| week_name(*w)).collect(),
        people,
        unassigned,
        items_without_plan,
    }
}

/// The ISO week's name, `2026-W49`.
pub fn week_name(monday: NaiveDate) -> String {
    let w = monday.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// A week's load: over when planned > working.
pub fn week_figures(planned_minutes: i64, working_minutes: i64) -> ResourceWeek {
    ResourceWeek {
        planned_minutes,
        working_minutes,
        load_percent: (working_minutes > 0).then(|| (planned_minutes * 100 + working_minutes / 2) / working_minutes),
        over: planned_minutes > working_minutes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn person(id: Id) -> Person {
        Person { user_id: id, login: format!("p{id}"), display_name: format!("P{id}"), organization_path: String::new() }
    }

    /// Eight hours on weekdays, nothing at weekends; person 2 also off on 2026-12-08.
    fn calendar(p: Option<Id>, day: NaiveDate) -> i64 {
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) || (p == Some(2) && day == d("2026-12-08")) { 0 } else { 480 }
    }

    fn item(id: Id, minutes: Option<i64>, start: Option<&str>, end: Option<&str>, assignees: &[Id]) -> Item {
        Item {
            id,
            project_id: 1,
            planned_minutes: minutes,
            planned_start: start.map(d),
            planned_end: end.map(d),
            assignee_ids: assignees.to_vec(),
            ..Default::default()
        }
    }

    #[test]
    fn weeks_cover_the_days_asked_monday_to_monday() {
        let w = weeks_between(d("2026-12-02"), d("2026-12-14"));
        assert_eq!(w, vec![d("2026-11-30"), d("2026-12-07"), d("2026-12-14")]);
        assert!(weeks_between(d("2026-12-14"), d("2026-12-01")).is_empty());
    }

    #[test]
    fn an_item_is_spread_over_working_days_only_and_split_among_assignees() {
        // 60 h from Wednesday 2026-12-02 to Tuesday 2026-12-08: 5 working days (Wed-Fri, Mon, Tue).
        let items = [item(1, Some(3600), Some("2026-12-02"), Some("2026-12-08"), &[1, 3])];
        let weeks = weeks_between(d("2026-11-30"), d("2026-12-07"));
        let v = build(&[person(1), person(3)], &items, &weeks, None, calendar);
        // Each gets 1800 min: 360 a day; 3 days in the first week, 2 in the second.
        for p in &v.people {
            assert_eq!(p.weeks[0].planned_minutes, 1080);
            assert_eq!(p.weeks[1].planned_minutes, 720);
            assert_eq!(p.weeks[0].working_minutes, 2400);
            assert_eq!(p.weeks[0].load_percent, Some(45));
            assert!(!p.weeks[0].over);
        }
        assert_eq!(v.week_names, vec!["2026-W49", "2026-W50"]);
    }

    #[test]
    fn a_persons_own_day_off_moves_their_share_and_lowers_their_working_hours() {
        // Person 2 is off on Tuesday 2026-12-08: their 4 days of the span get 1800/4 each.
        let items = [item(1, Some(3600), Some("2026-12-02"), Some("2026-12-08"), &[1, 2])];
        let weeks = weeks_between(d("2026-11-30"), d("2026-12-07"));
        let v = build(&[person(1), person(2)], &items, &weeks, None, calendar);
        let two = &v.people[1];
        assert_eq!(two.weeks[0].planned_minutes, 1350);
        assert_eq!(two.weeks[1].planned_minutes, 450);
        assert_eq!(two.weeks[1].working_minutes, 1920);
    }

    #[test]
    fn over_allocation_when_two_items_overlap_in_a_week() {
        // Two full-time items in the same week: 80 h planned against 40 h.
        let items = [
            item(1, Some(2400), Some("2026-12-07"), Some("2026-12-11"), &[1]),
            Item { project_id: 2, ..item(2, Some(2400), Some("2026-12-07"), Some("2026-12-11"), &[1]) },
        ];
        let weeks = weeks_between(d("2026-11-30"), d("2026-12-14"));
        let v = build(&[person(1)], &items, &weeks, None, calendar);
        let p = &v.people[0];
        assert_eq!(p.weeks[1], ResourceWeek { planned_minutes: 4800, working_minutes: 2400, load_percent: Some(200), over: true });
        assert!(!p.weeks[0].over && !p.weeks[2].over);
        assert_eq!(p.over_weeks, 1);
        assert_eq!(p.planned_minutes, 4800);
        assert_eq!(p.working_minutes, 3 * 2400);
    }

    #[test]
    fn work_planned_on_days_off_only_is_kept_and_over_allocated() {
        let items = [item(1, Some(120), Some("2026-12-05"), Some("2026-12-06"), &[1])];
        let weeks = weeks_between(d("2026-11-30"), d("2026-11-30"));
        let v =
            build(
                &[person(1)],
                &items,
                &weeks,
                None,
                |p, day| if day == d("2026-12-05") || day == d("2026-12-06") { 0 } else { calendar(p, day) },
            );
        assert_eq!(v.people[0].weeks[0].planned_minutes, 120);
        // A week without working minutes: any plan is over, no percentage.
        let w = week_figures(60, 0);
        assert!(w.over);
        assert_eq!(w.load_percent, None);
        assert!(!week_figures(0, 0).over);
    }

    #[test]
    fn items_without_dates_assignees_or_plan_are_counted_not_dropped() {
        let items = [
            item(1, Some(600), None, None, &[1, 2]),
            item(2, Some(300), Some("2026-12-07"), Some("2026-12-07"), &[]),
            item(3, Some(90), None, None, &[]),
            item(4, None, Some("2026-12-07"), Some("2026-12-09"), &[1]),
            item(5, Some(0), None, None, &[1]),
        ];
        let weeks = weeks_between(d("2026-12-07"), d("2026-12-07"));
        let v = build(&[person(1), person(2)], &items, &weeks, None, calendar);
        assert_eq!((v.people[0].unscheduled_minutes, v.people[0].unscheduled_items), (300, 1));
        assert_eq!((v.people[1].unscheduled_minutes, v.people[1].unscheduled_items), (300, 1));
        assert_eq!(v.people[0].planned_minutes, 0);
        assert_eq!(v.unassigned.weeks, vec![300]);
        assert_eq!((v.unassigned.items, v.unassigned.planned_minutes), (1, 300));
        assert_eq!((v.unassigned.unscheduled_items, v.unassigned.unscheduled_minutes), (1, 90));
        assert_eq!(v.items_without_plan, 2);
    }

    #[test]
    fn the_projects_dates_stand_in_and_a_milestone_or_a_lone_end_falls_on_its_end() {
        let base = item(1, Some(480), None, None, &[1]);
        let with_project = Item { project_start: Some(d("2026-12-07")), project_end: Some(d("2026-12-08")), ..base.clone() };
        assert_eq!(with_project.span(), Some((d("2026-12-07"), d("2026-12-08"))));
        let milestone = Item { milestone: true, planned_start: Some(d("2026-12-01")), planned_end: Some(d("2026-12-04")), ..base.clone() };
        assert_eq!(milestone.span(), Some((d("2026-12-04"), d("2026-12-04"))));
        let end_only = Item { planned_end: Some(d("2026-12-04")), ..base.clone() };
        assert_eq!(end_only.span(), Some((d("2026-12-04"), d("2026-12-04"))));
        let backwards = Item { planned_start: Some(d("2026-12-09")), planned_end: Some(d("2026-12-04")), ..base.clone() };
        assert_eq!(backwards.span(), Some((d("2026-12-04"), d("2026-12-04"))));
        assert_eq!(Item { planned_start: Some(d("2026-12-01")), ..base }.span(), None);
    }

    #[test]
    fn only_the_weeks_shown_are_summed_but_the_whole_span_takes_its_part() {
        // 4 weeks of work (20 working days), 100 h: the one week shown holds a quarter.
        let items = [item(1, Some(6000), Some("2026-11-30"), Some("2026-12-25"), &[1])];
        let v = build(&[person(1)], &items, &[d("2026-12-14")], None, calendar);
        assert_eq!(v.people[0].weeks[0].planned_minutes, 1500);
    }

    #[test]
    fn a_project_scope_narrows_the_unassigned_row_not_a_persons_load() {
        let items = [
            Item { project_id: 7, ..item(1, Some(480), Some("2026-12-07"), Some("2026-12-07"), &[1]) },
            Item { project_id: 8, ..item(2, Some(480), Some("2026-12-07"), Some("2026-12-07"), &[1]) },
            Item { project_id: 8, ..item(3, Some(60), Some("2026-12-07"), Some("2026-12-07"), &[]) },
            Item { project_id: 8, ..item(4, None, None, None, &[]) },
        ];
        let v = build(&[person(1)], &items, &[d("2026-12-07")], Some(7), calendar);
        assert_eq!(v.people[0].weeks[0].planned_minutes, 960);
        assert_eq!(v.unassigned.planned_minutes, 0);
        assert_eq!(v.items_without_plan, 0);
    }

    fn any_item() -> impl Strategy<Value = Item> {
        (0i64..200, 0i64..40, 1i64..20_000, proptest::collection::vec(1i64..=5, 0..4), 1i64..=2, proptest::bool::weighted(0.1)).prop_map(
            |(start, length, minutes, assignee_ids, project_id, milestone)| {
                let start = d("2026-01-01") + Duration::days(start);
                Item {
                    id: start.ordinal() as Id,
                    project_id,
                    planned_minutes: Some(minutes),
                    planned_start: Some(start),
                    planned_end: Some(start + Duration::days(length)),
                    milestone,
                    assignee_ids,
                    ..Default::default()
                }
            },
        )
    }

    proptest! {
        #[test]
        fn property_the_spread_minutes_add_up_to_the_plan(items in proptest::collection::vec(any_item(), 1..6)) {
            let people: Vec<Person> = (1..=5).map(person).collect();
            // Every week the items can touch.
            let weeks = weeks_between(d("2026-01-01"), d("2026-09-30"));
            let v = build(&people, &items, &weeks, None, calendar);
            let planned: i64 = items.iter().map(|i| i.planned_minutes.unwrap()).sum();
            let spread_total: i64 = v.people.iter().map(|p| p.planned_minutes).sum::<i64>() + v.unassigned.planned_minutes;
            prop_assert_eq!(spread_total, planned);
            // Each item alone: its shares add up, and each share's days add up to it, inside the span.
            for it in &items {
                let span = it.span().unwrap();
                let shares = even_shares(it.planned_minutes.unwrap(), it.assignee_ids.len().max(1));
                prop_assert_eq!(shares.iter().sum::<i64>(), it.planned_minutes.unwrap());
                for share in shares {
                    let s = spread(share, span, |day| calendar(None, day) > 0);
                    prop_assert_eq!(s.iter().map(|(_, m)| m).sum::<i64>(), share);
                    prop_assert!(s.iter().all(|(day, _)| (span.0..=span.1).contains(day)));
                }
            }
        }
    }

    #[test]
    fn even_shares_differ_by_at_most_one_minute() {
        assert_eq!(even_shares(10, 3), vec![4, 3, 3]);
        assert_eq!(even_shares(2, 4), vec![1, 1, 0, 0]);
        assert!(even_shares(5, 0).is_empty());
    }
}
