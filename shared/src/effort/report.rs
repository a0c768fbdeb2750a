//! The effort report (工数集計), counted from portions of effort already loaded: the query read
//! into a [`ReportSpec`] (period, up to two groupings, filters, rounding), the rounding rule
//! ([`round`]), and the count ([`build`]): groups with subtotals and a grand total that add up
//! whatever the grouping. Rounding never changes stored data; it applies to each entry or to a
//! person's day on one row (project, work item, activity 1 and 2), which no grouping splits, so
//! a total is the same under every grouping.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::api::{
    EffortReport, EffortReportGroup, EffortReportLine, EffortReportQuery, EffortRounding, Id, ReportDimension, ReportValue,
    RoundingDirection, RoundingScope,
};
use crate::messages::Text;
use crate::validation::{FieldError, calendar_date};

/// The longest period a report covers, in days (three years).
pub const MAX_REPORT_DAYS: i64 = 366 * 3;
/// The rounding step when none is given, in minutes.
pub const DEFAULT_ROUNDING_STEP: u32 = 15;

/// The filters of a report: a work item or organisation takes the ones below it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportFilter {
    pub project: Option<Id>,
    pub work_item: Option<Id>,
    pub activity1: Option<Id>,
    pub activity2: Option<Id>,
    pub person: Option<Id>,
    pub organization: Option<Id>,
}

/// A report asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: Vec<ReportDimension>,
    pub filter: ReportFilter,
    pub rounding: Option<EffortRounding>,
}

fn date(field: &str, value: &str) -> Result<NaiveDate, FieldError> {
    let (y, m, d) = calendar_date(field, value)?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        FieldError::new(field, Text::new(format!("{field}: {value:?} is not a date"), format!("「{value}」は日付ではありません。")))
    })
}

/// `text` as up to two dimensions, outer first: `project,person`.
pub fn parse_group_by(text: &str) -> Result<Vec<ReportDimension>, FieldError> {
    let keys = ReportDimension::ALL.iter().map(|d| d.key()).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some(d) = ReportDimension::parse(part) else {
            return Err(FieldError::new(
                "group_by",
                Text::new(
                    format!("group_by: {part:?} is not a grouping: use {keys}"),
                    format!("集計の単位「{part}」はありません。{keys} から選んでください。"),
                ),
            ));
        };
        if out.contains(&d) {
            return Err(FieldError::new(
                "group_by",
                Text::new(format!("group_by: {part} is given twice"), format!("集計の単位「{part}」が2回指定されています。")),
            ));
        }
        out.push(d);
    }
    if out.len() > 2 {
        return Err(FieldError::new("group_by", Text::new("group_by: give at most two groupings", "集計の単位は2つまでにしてください。")));
    }
    Ok(out)
}

/// The rounding asked for: `direction` (none, empty or `none`: no rounding), `step` minutes
/// (default 15, 1 to 1440), per `per` (`entry`, the default, or `day`).
pub fn parse_rounding(direction: Option<&str>, step: Option<u32>, per: Option<&str>) -> Result<Option<EffortRounding>, FieldError> {
    let direction = match direction.map(str::trim).filter(|d| !d.is_empty() && !d.eq_ignore_ascii_case("none")) {
        None => return Ok(None),
        Some(d) => RoundingDirection::parse(d).ok_or_else(|| {
            FieldError::new(
                "rounding",
                Text::new(
                    format!("rounding: {d:?} is not a rounding: use up, down, nearest or none"),
                    format!("丸め方「{d}」はありません。up（切り上げ）、down（切り捨て）、nearest（四捨五入）、none から選んでください。"),
                ),
            )
        })?,
    };
    let step_minutes = step.unwrap_or(DEFAULT_ROUNDING_STEP);
    if !(1..=1440).contains(&step_minutes) {
        return Err(FieldError::new(
            "round_to",
            Text::new(format!("round_to: {step_minutes} minutes is out of range: give 1 to 1440"), "丸め単位は 1〜1440 分にしてください。"),
        ));
    }
    let scope = match per.map(str::trim).filter(|p| !p.is_empty()) {
        None => RoundingScope::Entry,
        Some(p) => RoundingScope::parse(p).ok_or_else(|| {
            FieldError::new(
                "round_per",
                Text::new(
                    format!("round_per: {p:?} is not a rounding unit: use entry or day"),
                    format!("丸める単位「{p}」はありません。entry（入力ごと）か day（日・行ごと）にしてください。"),
                ),
            )
        })?,
    };
    Ok(Some(EffortRounding { direction, step_minutes, scope }))
}

/// The query checked: dates (`to` not before `from`, at most [`MAX_REPORT_DAYS`]), groupings,
/// rounding.
pub fn spec(q: &EffortReportQuery) -> Result<ReportSpec, FieldError> {
    let from = date("from", &q.from)?;
    let to = date("to", &q.to)?;
    if to < from {
        return Err(FieldError::new(
            "to",
            Text::new(format!("to: {to} is before from ({from})"), format!("終了日（{to}）が開始日（{from}）より前です。")),
        ));
    }
    if (to - from).num_days() + 1 > MAX_REPORT_DAYS {
        return Err(FieldError::new(
            "to",
            Text::new(
                format!("to: a report covers at most {MAX_REPORT_DAYS} days; shorten the period"),
                format!("集計期間は {MAX_REPORT_DAYS} 日までです。期間を短くしてください。"),
            ),
        ));
    }
    Ok(ReportSpec {
        from,
        to,
        group_by: parse_group_by(q.group_by.as_deref().unwrap_or(""))?,
        filter: ReportFilter {
            project: q.project_id,
            work_item: q.work_item_id,
            activity1: q.activity1_id,
            activity2: q.activity2_id,
            person: q.user_id,
            organization: q.organization_id,
        },
        rounding: parse_rounding(q.rounding.as_deref(), q.round_to, q.round_per.as_deref())?,
    })
}

/// `minutes` rounded by `rounding`: up, down or to the nearest multiple of its step (a half
/// step up). Durations are never negative.
pub fn round(minutes: i64, rounding: &EffortRounding) -> i64 {
    let step = i64::from(rounding.step_minutes.max(1));
    let minutes = minutes.max(0);
    match rounding.direction {
        RoundingDirection::Down => minutes / step * step,
        RoundingDirection::Up => (minutes + step - 1) / step * step,
        RoundingDirection::Nearest => (2 * minutes + step) / (2 * step) * step,
    }
}

/// Effort loaded for a report: `times` pieces of `minutes` each — entries, or a person's days on
/// one row, as the rounding asks; one piece of their sum when not rounded — made of `entries`
/// entries. A dimension the report neither groups nor filters by may be left `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Portion {
    pub user_id: Option<Id>,
    pub project_id: Option<Id>,
    pub work_item_id: Option<Id>,
    pub activity1_id: Option<Id>,
    pub activity2_id: Option<Id>,
    pub minutes: i64,
    pub times: i64,
    pub entries: i64,
}

/// The names the report shows, and the trees its filters descend.
#[derive(Debug, Clone, Default)]
pub struct ReportNames {
    /// Project id → (code, name).
    pub projects: HashMap<Id, (String, String)>,
    /// Work item id → (its project's code, its path, its parent).
    pub work_items: HashMap<Id, (String, String, Option<Id>)>,
    /// Activity id → (code, name).
    pub activities: HashMap<Id, (String, String)>,
    /// Person id → (login, display name, organisation).
    pub people: HashMap<Id, (String, String, Option<Id>)>,
    /// Organisation id → (path, parent).
    pub organizations: HashMap<Id, (String, Option<Id>)>,
}

impl ReportNames {
    fn value(&self, d: ReportDimension, p: &Portion) -> ReportValue {
        let none = |id: Option<Id>| ReportValue { id, code: String::new(), name: String::new() };
        match d {
            ReportDimension::Project => match p.project_id.and_then(|id| self.projects.get(&id).map(|v| (id, v))) {
                Some((id, (code, name))) => ReportValue { id: Some(id), code: code.clone(), name: name.clone() },
                None => none(p.project_id),
            },
            ReportDimension::WorkItem => match p.work_item_id.and_then(|id| self.work_items.get(&id).map(|v| (id, v))) {
                Some((id, (code, path, _))) => ReportValue { id: Some(id), code: code.clone(), name: path.clone() },
                None => none(p.work_item_id),
            },
            ReportDimension::Activity1 | ReportDimension::Activity2 => {
                let id = if d == ReportDimension::Activity1 { p.activity1_id } else { p.activity2_id };
                match id.and_then(|id| self.activities.get(&id).map(|v| (id, v))) {
                    Some((id, (code, name))) => ReportValue { id: Some(id), code: code.clone(), name: name.clone() },
                    None => none(id),
                }
            }
            ReportDimension::Person => match p.user_id.and_then(|id| self.people.get(&id).map(|v| (id, v))) {
                Some((id, (login, name, _))) => ReportValue { id: Some(id), code: login.clone(), name: name.clone() },
                None => none(p.user_id),
            },
            ReportDimension::Organization => {
                let org = self.organization_of(p.user_id);
                match org.and_then(|id| self.organizations.get(&id).map(|v| (id, v))) {
                    Some((id, (path, _))) => ReportValue { id: Some(id), code: String::new(), name: path.clone() },
                    None => none(None),
                }
            }
        }
    }

    fn organization_of(&self, user: Option<Id>) -> Option<Id> {
        user.and_then(|u| self.people.get(&u)).and_then(|(_, _, org)| *org)
    }

    /// Whether `id` is `root` or below it, by `parent_of` (a cycle stops the walk).
    fn descends(id: Option<Id>, root: Id, parent_of: impl Fn(Id) -> Option<Id>, limit: usize) -> bool {
        let mut current = id;
        for _ in 0..=limit {
            match current {
                Some(c) if c == root => return true,
                Some(c) => current = parent_of(c),
                None => return false,
            }
        }
        false
    }

    /// Whether `p` passes `filter`.
    pub fn passes(&self, filter: &ReportFilter, p: &Portion) -> bool {
        let equal = |wanted: Option<Id>, value: Option<Id>| wanted.is_none_or(|w| value == Some(w));
        equal(filter.project, p.project_id)
            && equal(filter.activity1, p.activity1_id)
            && equal(filter.activity2, p.activity2_id)
            && equal(filter.person, p.user_id)
            && filter.work_item.is_none_or(|root| {
                Self::descends(p.work_item_id, root, |c| self.work_items.get(&c).and_then(|w| w.2), self.work_items.len())
            })
            && filter.organization.is_none_or(|root| {
                Self::descends(
                    self.organization_of(p.user_id),
                    root,
                    |c| self.organizations.get(&c).and_then(|o| o.1),
                    self.organizations.len(),
                )
            })
    }
}

/// How values sort: by code, then name, then id; "none" last.
fn order(a: &ReportValue, b: &ReportValue) -> std::cmp::Ordering {
    (a.id.is_none(), &a.code, &a.name, a.id).cmp(&(b.id.is_none(), &b.code, &b.name, b.id))
}

/// `portions` of `spec`'s period counted: filtered, rounded, grouped; each group's subtotal is the
/// sum of its lines and the grand total the sum of the groups.
pub fn build(spec: &ReportSpec, names: &ReportNames, portions: &[Portion], own_only: bool) -> EffortReport {
    let mut total = 0;
    let mut entries = 0;
    // (outer value, inner value) → minutes.
    let mut sums: BTreeMap<(Option<usize>, Option<usize>), i64> = BTreeMap::new();
    let mut values: Vec<ReportValue> = Vec::new();
    let mut index: HashMap<ReportValue, usize> = HashMap::new();
    let mut intern = |v: ReportValue| -> usize {
        *index.entry(v.clone()).or_insert_with(|| {
            values.push(v);
            values.len() - 1
        })
    };
    for p in portions {
        if !names.passes(&spec.filter, p) {
            continue;
        }
        let piece = match &spec.rounding {
            Some(r) => round(p.minutes, r),
            None => p.minutes,
        };
        let minutes = piece * p.times;
        total += minutes;
        entries += p.entries;
        let outer = spec.group_by.first().map(|d| intern(names.value(*d, p)));
        let inner = spec.group_by.get(1).map(|d| intern(names.value(*d, p)));
        *sums.entry((outer, inner)).or_insert(0) += minutes;
    }
    let mut groups: Vec<EffortReportGroup> = Vec::new();
    if !spec.group_by.is_empty() {
        let mut by_outer: BTreeMap<usize, Vec<(Option<usize>, i64)>> = BTreeMap::new();
        for ((outer, inner), minutes) in sums {
            by_outer.entry(outer.unwrap_or_default()).or_default().push((inner, minutes));
        }
        for (outer, inners) in by_outer {
            let mut lines: Vec<EffortReportLine> = inners
                .iter()
                .filter_map(|(inner, minutes)| inner.map(|i| EffortReportLine { value: values[i].clone(), minutes: *minutes }))
                .collect();
            lines.sort_by(|a, b| order(&a.value, &b.value));
            groups.push(EffortReportGroup { value: values[outer].clone(), minutes: inners.iter().map(|(_, m)| m).sum(), lines });
        }
        groups.sort_by(|a, b| order(&a.value, &b.value));
    }
    EffortReport {
        from: spec.from.to_string(),
        to: spec.to.to_string(),
        group_by: spec.group_by.clone(),
        rounding: spec.rounding,
        own_only,
        groups,
        total_minutes: total,
        entries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounding(direction: RoundingDirection, step: u32) -> EffortRounding {
        EffortRounding { direction, step_minutes: step, scope: RoundingScope::Entry }
    }

    #[test]
    fn rounding_goes_up_down_and_to_the_nearest_step() {
        use RoundingDirection::*;
        let cases = [
            // (minutes, direction, step, expected)
            (0, Up, 15, 0),
            (1, Up, 15, 15),
            (15, Up, 15, 15),
            (16, Up, 15, 30),
            (29, Down, 15, 15),
            (14, Down, 15, 0),
            (30, Down, 15, 30),
            (7, Nearest, 15, 0),
            (8, Nearest, 15, 15),
            (22, Nearest, 15, 15),
            (23, Nearest, 15, 30),
            // A half step goes up.
            (5, Nearest, 10, 10),
            (4, Nearest, 10, 0),
            (61, Up, 60, 120),
            (89, Nearest, 60, 60),
            (90, Nearest, 60, 120),
            (1439, Down, 1440, 0),
            (7, Up, 1, 7),
        ];
        for (minutes, direction, step, expected) in cases {
            assert_eq!(round(minutes, &rounding(direction, step)), expected, "{minutes} {direction:?} to {step}");
        }
    }

    #[test]
    fn a_query_is_checked_and_names_its_field() {
        let q = |from: &str, to: &str| EffortReportQuery { from: from.into(), to: to.into(), ..Default::default() };
        let s = spec(&EffortReportQuery { group_by: Some("Project, person".into()), ..q("2026-04-01", "2026-04-30") }).unwrap();
        assert_eq!(s.group_by, [ReportDimension::Project, ReportDimension::Person]);
        assert_eq!(s.rounding, None);
        assert_eq!(spec(&q("2026-04-30", "2026-04-01")).unwrap_err().field, "to");
        assert_eq!(spec(&q("2026-02-30", "2026-04-01")).unwrap_err().field, "from");
        assert_eq!(spec(&q("2020-01-01", "2026-01-01")).unwrap_err().field, "to");
        assert_eq!(parse_group_by("project,person,activity1").unwrap_err().field, "group_by");
        assert_eq!(parse_group_by("project,project").unwrap_err().field, "group_by");
        assert_eq!(parse_group_by("colour").unwrap_err().field, "group_by");
        assert_eq!(parse_group_by("").unwrap(), []);
        assert_eq!(parse_rounding(Some("none"), Some(15), None).unwrap(), None);
        assert_eq!(
            parse_rounding(Some("up"), None, Some("day")).unwrap(),
            Some(EffortRounding { direction: RoundingDirection::Up, step_minutes: 15, scope: RoundingScope::Day })
        );
        assert_eq!(parse_rounding(Some("sideways"), None, None).unwrap_err().field, "rounding");
        assert_eq!(parse_rounding(Some("up"), Some(0), None).unwrap_err().field, "round_to");
        assert_eq!(parse_rounding(Some("up"), Some(15), Some("week")).unwrap_err().field, "round_per");
    }

    /// Two projects (P1 id 1, P2 id 2), a work item tree (10 Design, 11 Design / Screens under it,
    /// 12 Build), activities 20 and 21, people 30 (sato, Sales 40) and 31 (suzuki, Team A 41 below
    /// Sales) and 32 (kato, no organisation).
    fn names() -> ReportNames {
        let mut n = ReportNames::default();
        n.projects.insert(1, ("P1".into(), "Portal".into()));
        n.projects.insert(2, ("P2".into(), "Billing".into()));
        n.work_items.insert(10, ("P1".into(), "Design".into(), None));
        n.work_items.insert(11, ("P1".into(), "Design / Screens".into(), Some(10)));
        n.work_items.insert(12, ("P2".into(), "Build".into(), None));
        n.activities.insert(20, ("DEV".into(), "Development".into()));
        n.activities.insert(21, ("MTG".into(), "Meeting".into()));
        n.people.insert(30, ("sato".into(), "Sato".into(), Some(40)));
        n.people.insert(31, ("suzuki".into(), "Suzuki".into(), Some(41)));
        n.people.insert(32, ("kato".into(), "Kato".into(), None));
        n.organizations.insert(40, ("Sales".into(), None));
        n.organizations.insert(41, ("Sales / Team A".into(), Some(40)));
        n
    }

    fn portion(user: Id, project: Id, item: Option<Id>, a1: Option<Id>, minutes: i64, times: i64) -> Portion {
        Portion {
            user_id: Some(user),
            project_id: Some(project),
            work_item_id: item,
            activity1_id: a1,
            activity2_id: None,
            minutes,
            times,
            entries: times,
        }
    }

    fn portions() -> Vec<Portion> {
        vec![
            portion(30, 1, Some(10), Some(20), 50, 2),
            portion(30, 1, Some(11), Some(21), 20, 1),
            portion(31, 1, Some(11), Some(20), 100, 1),
            portion(31, 2, Some(12), None, 7, 3),
            portion(32, 2, None, Some(20), 60, 1),
        ]
    }

    fn spec_of(group_by: &[ReportDimension], filter: ReportFilter, rounding: Option<EffortRounding>) -> ReportSpec {
        ReportSpec {
            from: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 4, 30).unwrap(),
            group_by: group_by.to_vec(),
            filter,
            rounding,
        }
    }

    #[test]
    fn groups_and_subtotals_of_a_hand_counted_fixture() {
        use ReportDimension::*;
        let r = build(&spec_of(&[Organization, Person], ReportFilter::default(), None), &names(), &portions(), false);
        // 100 + 20 + 100 + 21 + 60.
        assert_eq!((r.total_minutes, r.entries), (301, 8));
        type Shown<'a> = Vec<(&'a str, i64, Vec<(&'a str, i64)>)>;
        let shown: Shown = r
            .groups
            .iter()
            .map(|g| (g.value.name.as_str(), g.minutes, g.lines.iter().map(|l| (l.value.code.as_str(), l.minutes)).collect()))
            .collect();
        assert_eq!(
            shown,
            [("Sales", 120, vec![("sato", 120)]), ("Sales / Team A", 121, vec![("suzuki", 121)]), ("", 60, vec![("kato", 60)])]
        );
        // Entries without a work item, and their group, come last.
        let r = build(&spec_of(&[WorkItem], ReportFilter::default(), None), &names(), &portions(), false);
        let items: Vec<(Option<Id>, i64)> = r.groups.iter().map(|g| (g.value.id, g.minutes)).collect();
        assert_eq!(items, [(Some(10), 100), (Some(11), 120), (Some(12), 21), (None, 60)]);
    }

    #[test]
    fn every_grouping_pair_adds_up_to_the_same_total() {
        let rounded = [None, Some(rounding(RoundingDirection::Up, 15)), Some(rounding(RoundingDirection::Nearest, 30))];
        for r in rounded {
            let whole = build(&spec_of(&[], ReportFilter::default(), r), &names(), &portions(), false).total_minutes;
            for a in ReportDimension::ALL {
                for b in ReportDimension::ALL.into_iter().filter(|b| *b != a) {
                    let report = build(&spec_of(&[a, b], ReportFilter::default(), r), &names(), &portions(), false);
                    assert_eq!(report.total_minutes, whole, "{a:?} × {b:?}");
                    assert_eq!(report.groups.iter().map(|g| g.minutes).sum::<i64>(), whole, "{a:?} × {b:?}");
                    for g in &report.groups {
                        assert_eq!(g.lines.iter().map(|l| l.minutes).sum::<i64>(), g.minutes, "{a:?} × {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn rounding_applies_to_each_piece_before_it_is_counted() {
        // Per entry up to 15: 2 × 60 + 30 + 105 + 3 × 15 + 60 = 360.
        let r = build(&spec_of(&[], ReportFilter::default(), Some(rounding(RoundingDirection::Up, 15))), &names(), &portions(), false);
        assert_eq!(r.total_minutes, 360);
        // Down to 15: 2 × 45 + 15 + 90 + 0 + 60 = 255.
        let r = build(&spec_of(&[], ReportFilter::default(), Some(rounding(RoundingDirection::Down, 15))), &names(), &portions(), false);
        assert_eq!(r.total_minutes, 255);
    }

    #[test]
    fn filters_take_the_trees_below() {
        use ReportDimension::*;
        let f = |filter: ReportFilter| build(&spec_of(&[Person], filter, None), &names(), &portions(), false).total_minutes;
        assert_eq!(f(ReportFilter { work_item: Some(10), ..Default::default() }), 220);
        assert_eq!(f(ReportFilter { work_item: Some(11), ..Default::default() }), 120);
        assert_eq!(f(ReportFilter { organization: Some(40), ..Default::default() }), 241);
        assert_eq!(f(ReportFilter { organization: Some(41), ..Default::default() }), 121);
        assert_eq!(f(ReportFilter { project: Some(2), activity1: Some(20), ..Default::default() }), 60);
        assert_eq!(f(ReportFilter { person: Some(30), ..Default::default() }), 120);
    }
}
