//! A project's schedule, the Gantt chart of its work breakdown (issue 19), computed from rows
//! already loaded: each work item's planned bar, the effort entered along it week by week, its
//! progress, milestones, what is late, and the chart's date range. Pure: the caller passes today.
//!
//! The rules, in one place:
//! - **An item's own bar** runs from its planned start to its planned end; a start alone or an end
//!   alone is a one-day bar on that day; a milestone is the day of its end (else its start). An
//!   item without planned dates has no bar of its own (the project's dates do not stand in).
//! - **Roll-up.** A parent's bar spans its own and every sub-item's bar; its plan, earned value
//!   and effort are its own plus its sub-items' (as in [`super::plan`]).
//! - **Progress** shown = earned value over plan with the sub-items, rounded down (so 100 % means
//!   done): earned is plan × the entered progress, or in the derived mode the actual effort
//!   against the plan (at most the plan). Without any plan: the entered progress.
//! - **Late**: the bar ends before today and the progress shown is under 100 %.
//! - **Range**: from the Monday of the earliest to the Sunday of the latest of every bar, every
//!   day with effort on an item, the project's planned dates and today; at most [`MAX_WEEKS`]
//!   weeks (the latest kept).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};

use super::plan::PlanItem;
use crate::api::{Id, ProgressMode, ProjectSchedule, ScheduleRow, ScheduleWeek};

/// The longest chart (weeks); earlier weeks are left off.
pub const MAX_WEEKS: i64 = 520;

/// The effort entered on a work item on a day (entries summed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEffort {
    pub work_item_id: Id,
    pub date: NaiveDate,
    pub minutes: i64,
}

/// Everything the chart is computed from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScheduleInput {
    pub project_id: Id,
    pub code: String,
    pub name: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub progress_mode: ProgressMode,
    /// Parents before children.
    pub items: Vec<PlanItem>,
    pub effort: Vec<DayEffort>,
}

/// The Monday of `day`'s week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// An item's own bar (first and last day), by the module's rule.
pub fn own_span(start: Option<NaiveDate>, end: Option<NaiveDate>, milestone: bool) -> Option<(NaiveDate, NaiveDate)> {
    match (start, end) {
        (None, None) => None,
        (Some(d), None) | (None, Some(d)) => Some((d, d)),
        (Some(_), Some(e)) if milestone => Some((e, e)),
        (Some(s), Some(e)) => Some((s.min(e), s.max(e))),
    }
}

/// An item's figures, alone or with its sub-items.
#[derive(Debug, Clone, Default)]
struct Figures {
    span: Option<(NaiveDate, NaiveDate)>,
    plan: i64,
    earned: i64,
    actual: i64,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    weeks: BTreeMap<NaiveDate, i64>,
}

fn widen(a: Option<(NaiveDate, NaiveDate)>, b: Option<(NaiveDate, NaiveDate)>) -> Option<(NaiveDate, NaiveDate)> {
    match (a, b) {
        (Some((s1, e1)), Some((s2, e2))) => Some((s1.min(s2), e1.max(e2))),
        (a, b) => a.or(b),
    }
}

fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.span = widen(self.span, o.span);
        self.plan += o.plan;
        self.earned += o.earned;
        self.actual += o.actual;
        self.first = earliest(self.first, o.first);
        self.last = self.last.max(o.last);
        for (week, minutes) in &o.weeks {
            *self.weeks.entry(*week).or_default() += minutes;
        }
    }
}

/// The chart of `input` as of `today`.
pub fn build(input: &ScheduleInput, today: NaiveDate) -> ProjectSchedule {
    let index: HashMap<Id, usize> = input.items.iter().enumerate().map(|(i, it)| (it.id, i)).collect();
    let parent_of = |i: usize| input.items[i].parent_id.and_then(|p| index.get(&p)).copied().filter(|p| *p < i);
    let mut own: Vec<Figures> = input
        .items
        .iter()
        .map(|it| Figures {
            span: own_span(it.planned_start, it.planned_end, it.milestone),
            plan: it.planned_minutes.unwrap_or(0).max(0),
            ..Default::default()
        })
        .collect();
    for e in &input.effort {
        let Some(f) = index.get(&e.work_item_id).map(|i| &mut own[*i]) else { continue };
        f.actual += e.minutes;
        f.first = earliest(f.first, Some(e.date));
        f.last = f.last.max(Some(e.date));
        *f.weeks.entry(monday_of(e.date)).or_default() += e.minutes;
    }
    for (it, f) in input.items.iter().zip(own.iter_mut()) {
        f.earned = match input.progress_mode {
            ProgressMode::Entered => f.plan * it.progress_percent.unwrap_or(0).clamp(0, 100) / 100,
            ProgressMode::Derived => f.actual.min(f.plan),
        };
    }
    // Roll up: children come after their parents, so walking backwards adds each finished
    // subtree into its parent.
    let mut rolled = own;
    let mut has_children = vec![false; input.items.len()];
    for i in (0..input.items.len()).rev() {
        if let Some(p) = parent_of(i) {
            let child = rolled[i].clone();
            rolled[p].add(&child);
            has_children[p] = true;
        }
    }
    let depth_of = |mut i: usize| {
        let mut d = 0;
        while let Some(p) = parent_of(i) {
            d += 1;
            i = p;
        }
        d
    };
    let day = |d: NaiveDate| d.to_string();
    let rows: Vec<ScheduleRow> = input
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let f = &rolled[i];
            let progress = if f.plan > 0 {
                Some(f.earned * 100 / f.plan)
            } else {
                match input.progress_mode {
                    ProgressMode::Entered => it.progress_percent.map(|p| p.clamp(0, 100)),
                    ProgressMode::Derived => None,
                }
            };
            ScheduleRow {
                work_item_id: it.id,
                parent_id: it.parent_id,
                depth: depth_of(i),
                name: it.name.clone(),
                path: it.path.clone(),
                has_children: has_children[i],
                planned_start: it.planned_start.map(day),
                planned_end: it.planned_end.map(day),
                bar_start: f.span.map(|(s, _)| day(s)),
                bar_end: f.span.map(|(_, e)| day(e)),
                own_planned_minutes: it.planned_minutes,
                planned_minutes: f.plan,
                own_progress_percent: it.progress_percent,
                progress_percent: progress,
                milestone: it.milestone,
                late: f.span.is_some_and(|(_, e)| e < today) && progress.unwrap_or(0) < 100,
                actual_minutes: f.actual,
                first_actual: f.first.map(day),
                last_actual: f.last.map(day),
                actual_weeks: f.weeks.iter().map(|(w, m)| ScheduleWeek { week: day(*w), minutes: *m }).collect(),
            }
        })
        .collect();
    // The range: every bar and effort day (the roll-up holds them in the top items), the
    // project's dates and today.
    let mut first = today;
    let mut last = today;
    let days = rolled
        .iter()
        .flat_map(|f| [f.span.map(|s| s.0), f.span.map(|s| s.1), f.first, f.last])
        .chain([input.planned_start, input.planned_end])
        .flatten();
    for d in days {
        first = first.min(d);
        last = last.max(d);
    }
    let to = monday_of(last) + Duration::days(6);
    let from = monday_of(first).max(monday_of(last) - Duration::weeks(MAX_WEEKS - 1));
    let weeks = (0..=(to - from).num_days() / 7).map(|w| day(from + Duration::weeks(w))).collect();
    ProjectSchedule {
        project_id: input.project_id,
        code: input.code.clone(),
        name: input.name.clone(),
        today: day(today),
        planned_start: input.planned_start.map(day),
        planned_end: input.planned_end.map(day),
        progress_mode: input.progress_mode,
        from: day(from),
        to: day(to),
        weeks,
        late_count: rows.iter().filter(|r| r.late).count(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn item(
        id: Id,
        parent: Option<Id>,
        name: &str,
        plan: Option<i64>,
        dates: (Option<&str>, Option<&str>),
        progress: Option<i64>,
    ) -> PlanItem {
        PlanItem {
            id,
            parent_id: parent,
            name: name.into(),
            path: name.into(),
            planned_minutes: plan,
            planned_start: dates.0.map(d),
            planned_end: dates.1.map(d),
            progress_percent: progress,
            ..Default::default()
        }
    }

    fn effort(work_item_id: Id, date: &str, minutes: i64) -> DayEffort {
        DayEffort { work_item_id, date: d(date), minutes }
    }

    /// Design (no dates, no plan) with Screens (Oct 5–16, 6000 min, 50 %) and API (Oct 19–30,
    /// 2000 min, 100 %); Release, a milestone on Nov 6; Later (no dates).
    fn project() -> ScheduleInput {
        let mut release = item(4, None, "Release", None, (Some("2026-11-02"), Some("2026-11-06")), None);
        release.milestone = true;
        ScheduleInput {
            project_id: 1,
            code: "P".into(),
            name: "Portal".into(),
            planned_start: Some(d("2026-10-01")),
            planned_end: Some(d("2026-11-30")),
            items: vec![
                item(1, None, "Design", None, (None, None), None),
                item(2, Some(1), "Screens", Some(6000), (Some("2026-10-05"), Some("2026-10-16")), Some(50)),
                item(3, Some(1), "API", Some(2000), (Some("2026-10-19"), Some("2026-10-30")), Some(100)),
                release,
                item(5, None, "Later", Some(600), (None, None), Some(0)),
            ],
            effort: vec![
                effort(2, "2026-10-05", 240),
                effort(2, "2026-10-07", 120),
                effort(2, "2026-10-13", 60),
                effort(3, "2026-10-14", 30),
                effort(3, "2026-11-03", 90),
                // Another project's item: not this chart's.
                effort(99, "2026-10-05", 1000),
            ],
            ..Default::default()
        }
    }

    fn row(s: &ProjectSchedule, id: Id) -> &ScheduleRow {
        s.rows.iter().find(|r| r.work_item_id == id).unwrap()
    }

    fn weeks(r: &ScheduleRow) -> Vec<(&str, i64)> {
        r.actual_weeks.iter().map(|w| (w.week.as_str(), w.minutes)).collect()
    }

    #[test]
    fn a_parent_spans_its_children_and_sums_their_plan_effort_and_progress() {
        let s = build(&project(), d("2026-10-20"));
        let design = row(&s, 1);
        assert_eq!((design.bar_start.as_deref(), design.bar_end.as_deref()), (Some("2026-10-05"), Some("2026-10-30")));
        assert_eq!((design.planned_start.as_deref(), design.planned_end.as_deref()), (None, None), "its own dates stay empty");
        assert!(design.has_children && !row(&s, 2).has_children);
        assert_eq!((design.depth, row(&s, 2).depth), (0, 1));
        assert_eq!(design.planned_minutes, 8000);
        assert_eq!(design.own_planned_minutes, None);
        // Earned 3000 + 2000 of 8000.
        assert_eq!(design.progress_percent, Some(62));
        assert_eq!(design.actual_minutes, 540);
        assert_eq!(weeks(row(&s, 2)), vec![("2026-10-05", 360), ("2026-10-12", 60)]);
        assert_eq!(weeks(design), vec![("2026-10-05", 360), ("2026-10-12", 90), ("2026-11-02", 90)]);
        assert_eq!((design.first_actual.as_deref(), design.last_actual.as_deref()), (Some("2026-10-05"), Some("2026-11-03")));
    }

    #[test]
    fn late_is_a_bar_ended_before_today_under_100_percent() {
        let s = build(&project(), d("2026-10-20"));
        assert!(row(&s, 2).late, "Screens ended on the 16th at 50 %");
        assert!(!row(&s, 3).late, "API is done and not yet due");
        assert!(!row(&s, 1).late, "Design ends on the 30th");
        assert!(!row(&s, 5).late, "no dates, never late");
        assert_eq!(s.late_count, 1);
        let s = build(&project(), d("2026-10-31"));
        assert!(row(&s, 1).late, "Design at 62 % past its end");
        assert!(!row(&s, 3).late, "done items are never late");
        let on_the_day = build(&project(), d("2026-10-16"));
        assert!(!row(&on_the_day, 2).late, "due today is not late yet");
        let s = build(&project(), d("2026-11-07"));
        assert!(row(&s, 4).late, "a milestone passed without progress");
    }

    #[test]
    fn a_milestone_is_the_day_of_its_end_and_lone_dates_are_one_day() {
        let s = build(&project(), d("2026-10-20"));
        let release = row(&s, 4);
        assert!(release.milestone);
        assert_eq!((release.bar_start.as_deref(), release.bar_end.as_deref()), (Some("2026-11-06"), Some("2026-11-06")));
        assert_eq!(own_span(Some(d("2026-01-05")), None, false), Some((d("2026-01-05"), d("2026-01-05"))));
        assert_eq!(own_span(None, Some(d("2026-01-09")), true), Some((d("2026-01-09"), d("2026-01-09"))));
        assert_eq!(own_span(None, None, true), None);
        assert_eq!((row(&s, 5).bar_start.clone(), row(&s, 5).progress_percent), (None, Some(0)));
    }

    #[test]
    fn the_range_runs_monday_to_sunday_over_bars_effort_project_dates_and_today() {
        let s = build(&project(), d("2026-10-20"));
        // The project from Thu Oct 1 to Mon Nov 30.
        assert_eq!((s.from.as_str(), s.to.as_str()), ("2026-09-28", "2026-12-06"));
        assert_eq!(s.weeks.len(), 10);
        assert_eq!(s.weeks.first().map(String::as_str), Some("2026-09-28"));
        assert_eq!(s.weeks.last().map(String::as_str), Some("2026-11-30"));
        // Today after everything, effort before everything.
        let mut input = project();
        input.planned_start = None;
        input.planned_end = None;
        input.effort.push(effort(5, "2026-08-19", 15));
        let s = build(&input, d("2027-01-01"));
        assert_eq!((s.from.as_str(), s.to.as_str()), ("2026-08-17", "2027-01-03"));
        // An empty project: today's week.
        let s = build(&ScheduleInput::default(), d("2026-12-05"));
        assert_eq!((s.from.as_str(), s.to.as_str(), s.weeks.len()), ("2026-11-30", "2026-12-06", 1));
        // At most MAX_WEEKS, the latest kept.
        let mut input = project();
        input.planned_start = Some(d("2000-01-01"));
        let s = build(&input, d("2026-10-20"));
        assert_eq!(s.weeks.len() as i64, MAX_WEEKS);
        assert_eq!(s.to, "2026-12-06");
    }

    #[test]
    fn derived_progress_is_effort_against_plan() {
        let mut input = project();
        input.progress_mode = ProgressMode::Derived;
        let s = build(&input, d("2026-10-20"));
        // Screens 420 of 6000, API 120 of 2000.
        assert_eq!(row(&s, 2).progress_percent, Some(7));
        assert_eq!(row(&s, 3).progress_percent, Some(6));
        assert_eq!(row(&s, 1).progress_percent, Some(6));
        assert_eq!(row(&s, 4).progress_percent, None, "no plan, nothing derived");
        assert!(row(&s, 2).late);
    }
}
