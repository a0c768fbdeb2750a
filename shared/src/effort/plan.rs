//! A project's plan against actual, computed from rows already loaded (issue 19): plan, actual,
//! earned value and cost per work item rolled up the tree, per person and per activity; the
//! earned-value indices and the forecast at completion; the budgets' use; the weekly burn-up
//! series. Pure: the caller passes today and the data.
//!
//! The rules, in one place:
//! - **Roll-up.** An item's figures are its own plus its sub-items' (a parent's own plan, if any,
//!   counts beside its children's: nothing is counted twice, so the project's plan is the sum of
//!   every item's own plan).
//! - **Planned value** of an item's own plan on a day: spread evenly over the calendar days from
//!   its planned start to its planned end (the project's dates stand in for missing ones; a start
//!   alone is none, an end alone or a milestone is all on that day). A plan without any end date
//!   earns no planned value and is counted as unscheduled.
//! - **Earned value** = progress × own plan: the entered progress, or in the derived mode the
//!   item's own actual against its own plan (at most the plan).
//! - **Cost** of a booking (a person's effort of a day on an item and activities) = minutes × the
//!   hourly rate valid that day / 60, rounded to a whole unit: the person's own rate valid that
//!   day, else the rate of the role they held that day ([`role_on`]: their role history, whose
//!   first role also stands for the days before it). Every grouping sums the same rounded bookings, so totals add up across groupings.
//!   Effort on a day without a rate counts in `minutes_without_rate`, not in the cost.
//! - **Indices**: SPI = EV / PV, CPI = EV / AC (hours); the forecast at completion is plan / CPI
//!   and the cost at completion actual cost / EV × plan.
//! - **Burn-up**: per week (Monday to Sunday) the planned value at its Sunday, and the actual
//!   effort and earned value booked up to then (never past today). Progress has no history, so an
//!   item's earned value is spread over the weeks in proportion to its effort booked by then (all
//!   of it in today's week when it has none).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};

use crate::api::{
    BudgetUse, BurnUpWeek, EarnedValue, Id, PlanActivityRow, PlanFigures, PlanItemRow, PlanPersonRow, ProgressMode, ProjectPlan,
};

/// The longest burn-up series (weeks); earlier weeks are left off.
pub const BURN_UP_MAX_WEEKS: i64 = 520;

/// A work item as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanItem {
    pub id: Id,
    pub parent_id: Option<Id>,
    pub name: String,
    pub path: String,
    pub planned_minutes: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub milestone: bool,
    /// The entered progress (used in the entered mode).
    pub progress_percent: Option<i64>,
    pub assignee_ids: Vec<Id>,
    pub budget: Option<i64>,
}

/// A person's effort of a day on one item and pair of activities (entries summed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub user_id: Id,
    pub date: NaiveDate,
    pub work_item_id: Option<Id>,
    pub activity1_id: Option<Id>,
    pub activity2_id: Option<Id>,
    pub minutes: i64,
}

/// A person who booked effort or is assigned, with the roles they held (for the role's rate).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanPerson {
    pub user_id: Id,
    pub login: String,
    pub display_name: String,
    /// Their role history, by `valid_from` ascending.
    pub roles: Vec<RoleHeld>,
}

/// A role a person held from a day until the day of their next role (their role history, one
/// row per change; the last is their current role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleHeld {
    pub valid_from: NaiveDate,
    pub role_id: Id,
}

/// The role a person held on `day`, from their history by `valid_from` ascending: the last one
/// begun by then; before the first one, the first (a person's first role stands for the days
/// before their account, e.g. effort imported for them afterwards). None: no history.
pub fn role_on(history: &[RoleHeld], day: NaiveDate) -> Option<Id> {
    let begun = history.partition_point(|h| h.valid_from <= day);
    history.get(begun.saturating_sub(1)).map(|h| h.role_id)
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanActivity {
    pub id: Id,
    pub level: i64,
    pub code: String,
    pub name: String,
}

/// An hourly rate of a person or of a role, valid from a day to a day (inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rate {
    pub user_id: Option<Id>,
    pub role_id: Option<Id>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub hourly_cost: i64,
}

impl Rate {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|to| day <= to)
    }

    /// Whether two rates of the same person or role are valid on a common day.
    pub fn overlaps(&self, other: &Rate) -> bool {
        self.valid_from <= other.valid_to.unwrap_or(NaiveDate::MAX) && other.valid_from <= self.valid_to.unwrap_or(NaiveDate::MAX)
    }
}

/// Everything the plan is computed from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanInput {
    pub project_id: Id,
    pub code: String,
    pub name: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub progress_mode: ProgressMode,
    /// Parents before children.
    pub items: Vec<PlanItem>,
    pub bookings: Vec<Booking>,
    pub people: Vec<PlanPerson>,
    pub activities: Vec<PlanActivity>,
    pub rates: Vec<Rate>,
    pub budget: Option<i64>,
    pub budget_warning_percent: i64,
}

/// The rate valid on `day` for a person with the role history `roles`: their own rate valid that
/// day, else the rate of the role they held that day ([`role_on`]).
pub fn rate_on(rates: &[Rate], user_id: Id, roles: &[RoleHeld], day: NaiveDate) -> Option<i64> {
    let role_id = role_on(roles, day);
    let own = rates.iter().find(|r| r.user_id == Some(user_id) && r.valid_on(day));
    own.or_else(|| role_id.and_then(|role| rates.iter().find(|r| r.user_id.is_none() && r.role_id == Some(role) && r.valid_on(day))))
        .map(|r| r.hourly_cost)
}

/// The rates by person and by role, for looking many bookings up ([`rate_on`] over each one's
/// own list).
pub struct RateBook<'a> {
    by_user: RatesOf<'a>,
    by_role: RatesOf<'a>,
}

type RatesOf<'a> = HashMap<Id, Vec<&'a Rate>>;

impl<'a> RateBook<'a> {
    pub fn new(rates: &'a [Rate]) -> Self {
        let (mut by_user, mut by_role) = (RatesOf::new(), RatesOf::new());
        for r in rates {
            match (r.user_id, r.role_id) {
                (Some(u), _) => by_user.entry(u).or_default().push(r),
                (None, Some(role)) => by_role.entry(role).or_default().push(r),
                (None, None) => {}
            }
        }
        RateBook { by_user, by_role }
    }

    /// As [`rate_on`].
    pub fn rate_on(&self, user_id: Id, roles: &[RoleHeld], day: NaiveDate) -> Option<i64> {
        let role_id = role_on(roles, day);
        let valid = |list: Option<&Vec<&Rate>>| list.and_then(|l| l.iter().find(|r| r.valid_on(day))).map(|r| r.hourly_cost);
        valid(self.by_user.get(&user_id)).or_else(|| role_id.and_then(|role| valid(self.by_role.get(&role))))
    }
}

/// Minutes at an hourly rate, rounded half up to a whole unit.
pub fn cost_of(minutes: i64, hourly_cost: i64) -> i64 {
    (minutes * hourly_cost + 30).div_euclid(60)
}

/// The planned value of `plan` minutes on `day` (see the module's rule). None: unscheduled.
pub fn planned_value(plan: i64, start: Option<NaiveDate>, end: Option<NaiveDate>, milestone: bool, day: NaiveDate) -> Option<i64> {
    let end = end?;
    let start = start.filter(|s| *s <= end && !milestone).unwrap_or(end);
    if day < start {
        return Some(0);
    }
    if day >= end {
        return Some(plan);
    }
    let span = (end - start).num_days() + 1;
    let done = (day - start).num_days() + 1;
    Some(((plan as i128 * done as i128 + span as i128 / 2) / span as i128) as i64)
}

/// A budget's use against `cost`.
pub fn budget_use(amount: Option<i64>, cost: i64, warning_percent: i64) -> BudgetUse {
    match amount {
        None => BudgetUse { amount: None, cost, used_percent: None, warning: false, over: false },
        Some(a) => BudgetUse {
            amount: Some(a),
            cost,
            used_percent: (a > 0).then(|| cost as f64 * 100.0 / a as f64),
            warning: cost * 100 >= a * warning_percent,
            over: cost > a,
        },
    }
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// One item's own figures (without its sub-items).
#[derive(Debug, Clone, Default)]
struct Own {
    plan: i64,
    actual: i64,
    pv: i64,
    ev: i64,
    cost: i64,
    unscheduled: i64,
}

impl Own {
    fn add(&mut self, o: &Own) {
        self.plan += o.plan;
        self.actual += o.actual;
        self.pv += o.pv;
        self.ev += o.ev;
        self.cost += o.cost;
        self.unscheduled += o.unscheduled;
    }

    fn figures(&self) -> PlanFigures {
        PlanFigures {
            planned_minutes: self.plan,
            actual_minutes: self.actual,
            planned_value_minutes: self.pv,
            earned_minutes: self.ev,
            progress_percent: ratio(self.ev * 100, self.plan),
            cost: self.cost,
            over_plan: self.plan > 0 && self.actual > self.plan,
        }
    }
}

/// The plan against actual of `input` as of `today`.
pub fn build(input: &PlanInput, today: NaiveDate) -> ProjectPlan {
    let roles: HashMap<Id, &[RoleHeld]> = input.people.iter().map(|p| (p.user_id, p.roles.as_slice())).collect();
    // Each booking's cost (None: no rate that day).
    let book = RateBook::new(&input.rates);
    let costs: Vec<Option<i64>> = input
        .bookings
        .iter()
        .map(|b| book.rate_on(b.user_id, roles.get(&b.user_id).copied().unwrap_or_default(), b.date).map(|r| cost_of(b.minutes, r)))
        .collect();
    let index: HashMap<Id, usize> = input.items.iter().enumerate().map(|(i, it)| (it.id, i)).collect();
    let mut own: Vec<Own> = vec![Own::default(); input.items.len()];
    let mut unassigned = Own::default();
    let mut minutes_without_rate = 0;
    for (b, c) in input.bookings.iter().zip(&costs) {
        let o = match b.work_item_id.and_then(|w| index.get(&w)) {
            Some(i) => &mut own[*i],
            None => &mut unassigned,
        };
        o.actual += b.minutes;
        o.cost += c.unwrap_or(0);
        if c.is_none() {
            minutes_without_rate += b.minutes;
        }
    }
    let span = |it: &PlanItem| (it.planned_start.or(input.planned_start), it.planned_end.or(input.planned_end));
    for (it, o) in input.items.iter().zip(own.iter_mut()) {
        o.plan = it.planned_minutes.unwrap_or(0).max(0);
        let (start, end) = span(it);
        match planned_value(o.plan, start, end, it.milestone, today) {
            Some(pv) => o.pv = pv,
            None => o.unscheduled = o.plan,
        }
        o.ev = match input.progress_mode {
            ProgressMode::Entered => o.plan * it.progress_percent.unwrap_or(0).clamp(0, 100) / 100,
            ProgressMode::Derived => o.actual.min(o.plan),
        };
    }
    // Roll up: children come after their parents, so walking backwards adds each finished
    // subtree into its parent.
    let mut rolled = own.clone();
    for i in (0..input.items.len()).rev() {
        if let Some(p) = input.items[i].parent_id.and_then(|p| index.get(&p)).copied().filter(|p| *p < i) {
            let child = rolled[i].clone();
            rolled[p].add(&child);
        }
    }
    let depth_of = |mut i: usize| {
        let mut d = 0;
        while let Some(p) = input.items[i].parent_id.and_then(|p| index.get(&p)).copied().filter(|p| *p < i) {
            d += 1;
            i = p;
        }
        d
    };
    let warn = input.budget_warning_percent;
    let items: Vec<PlanItemRow> = input
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| PlanItemRow {
            work_item_id: it.id,
            parent_id: it.parent_id,
            depth: depth_of(i),
            name: it.name.clone(),
            path: it.path.clone(),
            milestone: it.milestone,
            planned_start: it.planned_start.map(|d| d.to_string()),
            planned_end: it.planned_end.map(|d| d.to_string()),
            own_planned_minutes: it.planned_minutes,
            figures: rolled[i].figures(),
            budget: budget_use(it.budget, rolled[i].cost, warn),
        })
        .collect();
    let mut total = unassigned.clone();
    for o in &own {
        total.add(o);
    }
    let earned_value = EarnedValue {
        planned_total_minutes: total.plan,
        planned_value_minutes: total.pv,
        earned_minutes: total.ev,
        actual_minutes: total.actual,
        spi: ratio(total.ev, total.pv),
        cpi: ratio(total.ev, total.actual),
        forecast_minutes: (total.ev > 0).then(|| (total.actual as i128 * total.plan as i128 / total.ev as i128) as i64),
        forecast_cost: (total.ev > 0).then(|| (total.cost as i128 * total.plan as i128 / total.ev as i128) as i64),
        variance_minutes: (total.ev > 0).then(|| total.plan - (total.actual as i128 * total.plan as i128 / total.ev as i128) as i64),
        unscheduled_minutes: total.unscheduled,
    };
    ProjectPlan {
        project_id: input.project_id,
        code: input.code.clone(),
        name: input.name.clone(),
        today: today.to_string(),
        planned_start: input.planned_start.map(|d| d.to_string()),
        planned_end: input.planned_end.map(|d| d.to_string()),
        items,
        unassigned: unassigned.figures(),
        total: total.figures(),
        people: people_rows(input, &costs),
        activities: activity_rows(input, &costs),
        earned_value,
        budget: budget_use(input.budget, total.cost, warn),
        burn_up: burn_up(input, &own, today),
        budget_warning_percent: warn,
        minutes_without_rate,
    }
}

fn people_rows(input: &PlanInput, costs: &[Option<i64>]) -> Vec<PlanPersonRow> {
    let mut rows: BTreeMap<Id, PlanPersonRow> = BTreeMap::new();
    fn row(rows: &mut BTreeMap<Id, PlanPersonRow>, user_id: Id) -> &mut PlanPersonRow {
        rows.entry(user_id).or_insert_with(|| PlanPersonRow { user_id, ..Default::default() })
    }
    for it in &input.items {
        let plan = it.planned_minutes.unwrap_or(0).max(0);
        let mut ids = it.assignee_ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let n = ids.len() as i64;
        for (k, u) in ids.iter().enumerate() {
            // An even share; the remainder's minutes go to the first assignees.
            row(&mut rows, *u).planned_minutes += plan / n + i64::from((k as i64) < plan % n);
        }
    }
    for (b, c) in input.bookings.iter().zip(costs) {
        let r = row(&mut rows, b.user_id);
        r.actual_minutes += b.minutes;
        r.cost += c.unwrap_or(0);
        if c.is_none() {
            r.minutes_without_rate += b.minutes;
        }
    }
    let names: HashMap<Id, &PlanPerson> = input.people.iter().map(|p| (p.user_id, p)).collect();
    let mut out: Vec<PlanPersonRow> = rows
        .into_values()
        .map(|mut r| {
            if let Some(p) = names.get(&r.user_id) {
                r.login = p.login.clone();
                r.display_name = p.display_name.clone();
            }
            r
        })
        .collect();
    out.sort_by(|a, b| a.login.to_lowercase().cmp(&b.login.to_lowercase()).then(a.user_id.cmp(&b.user_id)));
    out
}

/// Per activity of level 1, then of level 2; each level's rows (with one for effort without an
/// activity of that level) sum to the project's actual.
fn activity_rows(input: &PlanInput, costs: &[Option<i64>]) -> Vec<PlanActivityRow> {
    let known: HashMap<Id, &PlanActivity> = input.activities.iter().map(|a| (a.id, a)).collect();
    let mut out = Vec::new();
    for level in [1, 2] {
        let mut sums: BTreeMap<Option<Id>, (i64, i64)> = BTreeMap::new();
        for (b, c) in input.bookings.iter().zip(costs) {
            let id = if level == 1 { b.activity1_id } else { b.activity2_id };
            let s = sums.entry(id).or_default();
            s.0 += b.minutes;
            s.1 += c.unwrap_or(0);
        }
        let mut rows: Vec<PlanActivityRow> = sums
            .into_iter()
            .map(|(id, (minutes, cost))| {
                let a = id.and_then(|i| known.get(&i));
                PlanActivityRow {
                    level,
                    activity_id: id,
                    code: a.map(|a| a.code.clone()).unwrap_or_default(),
                    name: a.map(|a| a.name.clone()).unwrap_or_default(),
                    actual_minutes: minutes,
                    cost,
                }
            })
            .collect();
        // Activities by code, the effort without one last.
        rows.sort_by_key(|a| (a.activity_id.is_none(), a.code.to_lowercase()));
        out.extend(rows);
    }
    out
}

fn burn_up(input: &PlanInput, own: &[Own], today: NaiveDate) -> Vec<BurnUpWeek> {
    let spans: Vec<(Option<NaiveDate>, Option<NaiveDate>)> =
        input.items.iter().map(|it| (it.planned_start.or(input.planned_start), it.planned_end.or(input.planned_end))).collect();
    let dates = spans
        .iter()
        .flat_map(|(s, e)| [*s, *e])
        .flatten()
        .chain([input.planned_start, input.planned_end].into_iter().flatten())
        .chain(input.bookings.iter().map(|b| b.date));
    let (Some(first), Some(last)) = (dates.clone().min(), dates.max()) else { return Vec::new() };
    let (first, last) = (first.min(today), last.max(today));
    let mut week = monday_of(first);
    let last_week = monday_of(last);
    if (last_week - week).num_weeks() >= BURN_UP_MAX_WEEKS {
        week = last_week - Duration::weeks(BURN_UP_MAX_WEEKS - 1);
    }
    let index: HashMap<Id, usize> = input.items.iter().enumerate().map(|(i, it)| (it.id, i)).collect();
    let mut bookings: Vec<&Booking> = input.bookings.iter().collect();
    bookings.sort_by_key(|b| b.date);
    let (mut next, mut actual) = (0, 0i64);
    let mut booked: Vec<i64> = vec![0; input.items.len()];
    let today_week = monday_of(today);
    let mut out = Vec::new();
    while week <= last_week {
        let sunday = week + Duration::days(6);
        let planned: i64 = input
            .items
            .iter()
            .zip(own)
            .zip(&spans)
            .filter_map(|((it, o), (s, e))| planned_value(o.plan, *s, *e, it.milestone, sunday))
            .sum();
        let (earned, done) = if week > today {
            (None, None)
        } else {
            let upto = sunday.min(today);
            while next < bookings.len() && bookings[next].date <= upto {
                let b = bookings[next];
                actual += b.minutes;
                if let Some(i) = b.work_item_id.and_then(|w| index.get(&w)) {
                    booked[*i] += b.minutes;
                }
                next += 1;
            }
            let earned: i64 = own
                .iter()
                .zip(&booked)
                .map(|(o, b)| match o.actual {
                    0 if week >= today_week => o.ev,
                    0 => 0,
                    a => (o.ev as i128 * (*b).min(a) as i128 / a as i128) as i64,
                })
                .sum();
            (Some(earned), Some(actual))
        };
        out.push(BurnUpWeek { week_start: week.to_string(), planned_minutes: planned, earned_minutes: earned, actual_minutes: done });
        week += Duration::weeks(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn item(id: Id, parent: Option<Id>, path: &str, plan: Option<i64>, dates: Option<(&str, &str)>, progress: Option<i64>) -> PlanItem {
        PlanItem {
            id,
            parent_id: parent,
            name: path.rsplit(" / ").next().unwrap().into(),
            path: path.into(),
            planned_minutes: plan,
            planned_start: dates.map(|(s, _)| d(s)),
            planned_end: dates.map(|(_, e)| d(e)),
            progress_percent: progress,
            ..Default::default()
        }
    }

    fn held(from: &str, role_id: Id) -> RoleHeld {
        RoleHeld { valid_from: d(from), role_id }
    }

    fn booking(user: Id, date: &str, item: Option<Id>, minutes: i64) -> Booking {
        Booking { user_id: user, date: d(date), work_item_id: item, activity1_id: None, activity2_id: None, minutes }
    }

    /// The fixture computed by hand in the comments below.
    fn fixture() -> PlanInput {
        PlanInput {
            project_id: 1,
            code: "P".into(),
            name: "Project".into(),
            planned_start: Some(d("2026-11-02")),
            planned_end: Some(d("2026-11-29")),
            progress_mode: ProgressMode::Entered,
            items: vec![
                item(1, None, "Design", None, None, None),
                // 10 days, 6000 min (100 h): as of 11-06, 5 of 10 days → PV 3000; 50 % → EV 3000.
                item(2, Some(1), "Design / Screens", Some(6000), Some(("2026-11-02", "2026-11-11")), Some(50)),
                // 1200 min from 11-05 to 11-08: as of 11-06, 2 of 4 days → PV 600; 25 % → EV 300.
                item(3, Some(1), "Design / API", Some(1200), Some(("2026-11-05", "2026-11-08")), Some(25)),
                // Starts after today: PV 0, EV 0.
                item(4, None, "Build", Some(2400), Some(("2026-11-16", "2026-11-29")), None),
            ],
            bookings: vec![
                booking(10, "2026-11-02", Some(2), 480),
                booking(10, "2026-11-03", Some(2), 480),
                booking(11, "2026-11-04", Some(2), 600),
                booking(11, "2026-11-05", Some(3), 600),
                booking(10, "2026-11-06", None, 240),
            ],
            people: vec![
                PlanPerson { user_id: 10, login: "ito".into(), display_name: "Ito".into(), roles: vec![held("2026-01-01", 5)] },
                PlanPerson { user_id: 11, login: "sato".into(), display_name: "Sato".into(), roles: vec![held("2026-01-01", 5)] },
            ],
            rates: vec![
                Rate { user_id: Some(10), role_id: None, valid_from: d("2026-01-01"), valid_to: Some(d("2026-11-02")), hourly_cost: 3000 },
                Rate { user_id: Some(10), role_id: None, valid_from: d("2026-11-03"), valid_to: None, hourly_cost: 4500 },
                Rate { user_id: None, role_id: Some(5), valid_from: d("2026-01-01"), valid_to: None, hourly_cost: 2000 },
            ],
            budget: Some(100_000),
            budget_warning_percent: 80,
            ..Default::default()
        }
    }

    #[test]
    fn earned_value_matches_the_hand_computed_fixture() {
        let p = build(&fixture(), d("2026-11-06"));
        let ev = &p.earned_value;
        assert_eq!(ev.planned_total_minutes, 9600);
        assert_eq!(ev.planned_value_minutes, 3600);
        assert_eq!(ev.earned_minutes, 3300);
        assert_eq!(ev.actual_minutes, 2400);
        assert_eq!(ev.spi, Some(3300.0 / 3600.0));
        assert_eq!(ev.cpi, Some(3300.0 / 2400.0));
        // 9600 / (3300 / 2400) = 6981.8 → 6981.
        assert_eq!(ev.forecast_minutes, Some(6981));
        assert_eq!(ev.variance_minutes, Some(9600 - 6981));
        assert_eq!(ev.unscheduled_minutes, 0);
        // Costs: ito 480 min on 11-02 at 3000 = 24000, 480 on 11-03 at 4500 = 36000, 240 at 4500 = 18000;
        // sato (role rate 2000) 600 + 600 min = 20000 + 20000.
        assert_eq!(p.total.cost, 24000 + 36000 + 18000 + 40000);
        assert_eq!(ev.forecast_cost, Some(118_000 * 9600 / 3300));
        assert_eq!(p.budget.used_percent, Some(118.0));
        assert!(p.budget.over && p.budget.warning);
    }

    #[test]
    fn the_tree_rolls_up_to_the_sum_of_its_leaves() {
        let p = build(&fixture(), d("2026-11-06"));
        let design = &p.items[0];
        assert_eq!(design.depth, 0);
        assert_eq!(p.items[1].depth, 1);
        assert_eq!(design.figures.planned_minutes, 7200);
        assert_eq!(design.figures.actual_minutes, 480 + 480 + 600 + 600);
        assert_eq!(design.figures.earned_minutes, 3300);
        assert_eq!(design.figures.progress_percent, Some(3300.0 * 100.0 / 7200.0));
        assert_eq!(design.figures.cost, p.items[1].figures.cost + p.items[2].figures.cost);
        let leaves: i64 = [1, 2, 3].iter().map(|i| p.items[*i].figures.actual_minutes).sum();
        assert_eq!(leaves + p.unassigned.actual_minutes, p.total.actual_minutes);
        let people: i64 = p.people.iter().map(|r| r.cost).sum();
        let activities: i64 = p.activities.iter().filter(|a| a.level == 1).map(|a| a.cost).sum();
        assert_eq!(people, p.total.cost);
        assert_eq!(activities, p.total.cost);
        // API (1200 planned) took 600: not over; Screens 1560 of 6000: not over.
        assert!(!p.total.over_plan && !p.items[2].figures.over_plan);
    }

    #[test]
    fn the_rate_is_the_one_valid_on_each_day() {
        let f = fixture();
        let member = [held("2026-01-01", 5)];
        assert_eq!(rate_on(&f.rates, 10, &member, d("2026-11-02")), Some(3000));
        assert_eq!(rate_on(&f.rates, 10, &member, d("2026-11-03")), Some(4500));
        assert_eq!(rate_on(&f.rates, 11, &member, d("2026-11-03")), Some(2000));
        assert_eq!(rate_on(&f.rates, 11, &[], d("2026-11-03")), None);
        assert_eq!(rate_on(&f.rates, 10, &member, d("2025-12-31")), None);
        let book = RateBook::new(&f.rates);
        for (user, roles, day) in
            [(10, &member[..], "2026-11-02"), (10, &member[..], "2026-11-03"), (11, &member[..], "2026-11-03"), (11, &[][..], "2026-11-03")]
        {
            assert_eq!(book.rate_on(user, roles, d(day)), rate_on(&f.rates, user, roles, d(day)), "{user} {day}");
        }
        let p = build(&f, d("2026-11-06"));
        let ito = p.people.iter().find(|r| r.login == "ito").unwrap();
        assert_eq!(ito.cost, 24000 + 36000 + 18000);
        assert_eq!(p.minutes_without_rate, 0);
    }

    /// Role A (5000 an hour) until 2026-11-15, role B (8000) from 2026-11-16; person 20 also has
    /// a rate of their own for 2026-11-20 to 2026-11-22.
    fn role_change() -> (Vec<Rate>, Vec<RoleHeld>) {
        let rates = vec![
            Rate { user_id: None, role_id: Some(1), valid_from: d("2026-01-01"), valid_to: None, hourly_cost: 5000 },
            Rate { user_id: None, role_id: Some(2), valid_from: d("2026-01-01"), valid_to: None, hourly_cost: 8000 },
            Rate { user_id: Some(20), role_id: None, valid_from: d("2026-11-20"), valid_to: Some(d("2026-11-22")), hourly_cost: 6000 },
        ];
        (rates, vec![held("2026-04-01", 1), held("2026-11-16", 2)])
    }

    #[test]
    fn the_role_is_the_one_held_on_each_day() {
        let (_, history) = role_change();
        assert_eq!(role_on(&history, d("2026-11-15")), Some(1));
        assert_eq!(role_on(&history, d("2026-11-16")), Some(2));
        assert_eq!(role_on(&history, d("2027-03-01")), Some(2));
        // Before the history begins: the first role.
        assert_eq!(role_on(&history, d("2026-03-31")), Some(1));
        assert_eq!(role_on(&history, d("2020-01-01")), Some(1));
        assert_eq!(role_on(&[], d("2026-11-16")), None);
        assert_eq!(role_on(&[held("2026-11-16", 3)], d("2026-11-16")), Some(3));
    }

    #[test]
    fn cost_takes_the_role_of_each_day_and_a_persons_own_rate_first() {
        let (rates, history) = role_change();
        // A change mid-month: the 15th at role A's rate, the 16th at role B's.
        assert_eq!(rate_on(&rates, 20, &history, d("2026-11-15")), Some(5000));
        assert_eq!(rate_on(&rates, 20, &history, d("2026-11-16")), Some(8000));
        // A day before any history: the first role's.
        assert_eq!(rate_on(&rates, 20, &history, d("2026-02-01")), Some(5000));
        // The person's own rate goes before the role of the day, only while it is valid.
        assert_eq!(rate_on(&rates, 20, &history, d("2026-11-20")), Some(6000));
        assert_eq!(rate_on(&rates, 20, &history, d("2026-11-23")), Some(8000));
        // Without a history, only a person's own rate.
        assert_eq!(rate_on(&rates, 20, &[], d("2026-11-21")), Some(6000));
        assert_eq!(rate_on(&rates, 20, &[], d("2026-11-23")), None);
        let book = RateBook::new(&rates);
        for day in ["2026-02-01", "2026-11-15", "2026-11-16", "2026-11-20", "2026-11-23"] {
            assert_eq!(book.rate_on(20, &history, d(day)), rate_on(&rates, 20, &history, d(day)), "{day}");
        }
        // The plan: 600 min on the 13th (A: 50000) and 600 on the 17th (B: 80000), 60 on the
        // 21st at the person's own 6000.
        let input = PlanInput {
            bookings: vec![booking(20, "2026-11-13", None, 600), booking(20, "2026-11-17", None, 600), booking(20, "2026-11-21", None, 60)],
            people: vec![PlanPerson { user_id: 20, login: "kato".into(), display_name: "Kato".into(), roles: history }],
            rates,
            ..Default::default()
        };
        let p = build(&input, d("2026-11-30"));
        assert_eq!(p.total.cost, 50000 + 80000 + 6000);
        assert_eq!(p.people[0].cost, 136000);
        assert_eq!(p.minutes_without_rate, 0);
    }

    #[test]
    fn planned_value_spreads_over_the_days_and_milestones_fall_on_their_day() {
        let (s, e) = (Some(d("2026-11-01")), Some(d("2026-11-10")));
        assert_eq!(planned_value(1000, s, e, false, d("2026-10-31")), Some(0));
        assert_eq!(planned_value(1000, s, e, false, d("2026-11-01")), Some(100));
        assert_eq!(planned_value(1000, s, e, false, d("2026-11-05")), Some(500));
        assert_eq!(planned_value(1000, s, e, false, d("2026-12-01")), Some(1000));
        assert_eq!(planned_value(1000, s, e, true, d("2026-11-09")), Some(0));
        assert_eq!(planned_value(1000, s, e, true, d("2026-11-10")), Some(1000));
        assert_eq!(planned_value(1000, s, None, false, d("2026-11-10")), None);
    }

    #[test]
    fn the_budget_warns_at_the_threshold() {
        assert!(!budget_use(Some(1000), 799, 80).warning);
        let at = budget_use(Some(1000), 800, 80);
        assert!(at.warning && !at.over);
        assert_eq!(at.used_percent, Some(80.0));
        assert!(budget_use(Some(1000), 1001, 80).over);
        assert_eq!(budget_use(None, 5000, 80), BudgetUse { amount: None, cost: 5000, used_percent: None, warning: false, over: false });
    }

    #[test]
    fn the_burn_up_accumulates_by_week_up_to_today() {
        let p = build(&fixture(), d("2026-11-06"));
        let weeks: Vec<&str> = p.burn_up.iter().map(|w| w.week_start.as_str()).collect();
        assert_eq!(weeks, ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]);
        let w0 = &p.burn_up[0];
        // Sunday 11-08: Screens 7 of 10 days (4200), API all (1200), Build 0.
        assert_eq!(w0.planned_minutes, 5400);
        assert_eq!(w0.actual_minutes, Some(2400));
        assert_eq!(w0.earned_minutes, Some(3300));
        assert_eq!(p.burn_up[1].actual_minutes, None);
        assert_eq!(p.burn_up[3].planned_minutes, 9600);
        // The derived mode earns the effort booked, up to each plan.
        let mut f = fixture();
        f.progress_mode = ProgressMode::Derived;
        let p = build(&f, d("2026-11-06"));
        assert_eq!(p.earned_value.earned_minutes, 1560 + 600);
    }
}
