//! The monthly gap report (乖離レポート), computed from rows already loaded: each person's
//! attended work and effort per day, the days explained, and the threshold of each person's
//! organisation. The gap rule is [`super::gap::mark`]; this module only counts its marks: per
//! person, per organisation (its sub-organisations' people included), for the whole scope, and
//! for each month of a run of months (month over month).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::gap;
use crate::api::{GapMonthTotals, GapOrganizationTotals, GapReport, GapReportDay, GapReportPerson, GapTotals};

/// A person in the report's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPerson {
    pub user_id: i64,
    pub login: String,
    pub display_name: String,
    pub organization_id: Option<i64>,
    pub organization_path: String,
    /// The threshold of their organisation.
    pub threshold_minutes: i64,
    /// Whether they own log accounts: a person without has no PC records, and nothing marks
    /// their days.
    pub tracked: bool,
}

/// An organisation in the report's scope, parents before children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOrganization {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub threshold_minutes: i64,
}

/// The loaded days, by (user, date): attended work (a day with an attendance record), effort
/// (a day with entries), and the days with a reason.
#[derive(Debug, Clone, Default)]
pub struct ReportDays {
    pub attended: HashMap<(i64, NaiveDate), i64>,
    pub effort: HashMap<(i64, NaiveDate), i64>,
    pub explained: HashSet<(i64, NaiveDate)>,
}

/// A month of the report: its name (`YYYY-MM`), first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportMonth {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl ReportMonth {
    /// The month holding `day`.
    pub fn of(day: NaiveDate) -> ReportMonth {
        let (first, last) = super::PeriodUnit::Month.period_of(day);
        ReportMonth { first, last }
    }

    /// The month before.
    pub fn previous(self) -> ReportMonth {
        ReportMonth::of(self.first.pred_opt().unwrap_or(self.first))
    }

    pub fn name(self) -> String {
        use chrono::Datelike;
        format!("{:04}-{:02}", self.first.year(), self.first.month())
    }

    /// `count` months ending with this one, oldest first.
    pub fn run_ending(self, count: usize) -> Vec<ReportMonth> {
        let mut out = vec![self];
        while out.len() < count.max(1) {
            let before = out[out.len() - 1].previous();
            out.push(before);
        }
        out.reverse();
        out
    }
}

/// The marked days of `person` in `month` (none for a person without log accounts).
pub fn marked_days(person: &ReportPerson, month: ReportMonth, days: &ReportDays) -> Vec<GapReportDay> {
    if !person.tracked {
        return Vec::new();
    }
    month
        .first
        .iter_days()
        .take_while(|d| *d <= month.last)
        .filter_map(|d| {
            let key = (person.user_id, d);
            let effort = days.effort.get(&key).copied().unwrap_or(0);
            let attended = days.attended.get(&key).copied();
            let mark = gap::mark(effort, attended, person.threshold_minutes)?;
            Some(GapReportDay {
                date: d.to_string(),
                kind: mark.kind,
                effort_minutes: effort,
                attended_minutes: attended,
                difference_minutes: mark.difference_minutes,
                explained: days.explained.contains(&key),
            })
        })
        .collect()
}

/// Totals being counted: the sum of the gaps' sizes for the average.
#[derive(Debug, Default, Clone)]
struct Count {
    totals: GapTotals,
    gap_sum: i64,
}

impl Count {
    fn add_person(&mut self, marked: &[GapReportDay]) {
        let t = &mut self.totals;
        t.people += 1;
        if !marked.is_empty() {
            t.people_over += 1;
        }
        for d in marked {
            t.marked_days += 1;
            if d.explained {
                t.explained_days += 1;
            } else {
                t.unexplained_days += 1;
            }
            match d.kind {
                gap::GapKind::ActivityWithoutEffort => t.activity_without_effort_days += 1,
                gap::GapKind::EffortWithoutActivity => t.effort_without_activity_days += 1,
                gap::GapKind::Difference => {}
            }
            self.gap_sum += d.difference_minutes.abs();
            if d.difference_minutes.abs() > t.largest_gap_minutes.abs() {
                t.largest_gap_minutes = d.difference_minutes;
            }
        }
    }

    fn finish(mut self) -> GapTotals {
        if self.totals.marked_days > 0 {
            // Rounded to the nearest minute, halves up.
            self.totals.average_gap_minutes = (2 * self.gap_sum + self.totals.marked_days) / (2 * self.totals.marked_days);
        }
        self.totals
    }
}

/// The report of `month` over `people` (the scope: `organization`, with its path, or everyone),
/// with `organizations` (the scope's, parents first) and `previous` months before it (month over
/// month), from the loaded `days`.
pub fn build(
    month: ReportMonth,
    previous: usize,
    organization: Option<(i64, String)>,
    people: &[ReportPerson],
    organizations: &[ReportOrganization],
    days: &ReportDays,
) -> GapReport {
    let mut total = Count::default();
    let mut by_org: HashMap<Option<i64>, Count> = HashMap::new();
    let parents: HashMap<i64, Option<i64>> = organizations.iter().map(|o| (o.id, o.parent_id)).collect();
    let mut over = Vec::new();
    for p in people {
        let marked = marked_days(p, month, days);
        total.add_person(&marked);
        // The person counts in their organisation and every one above it in the scope.
        let mut current = p.organization_id;
        if current.is_none() || !parents.contains_key(&current.unwrap_or_default()) {
            by_org.entry(None).or_default().add_person(&marked);
        }
        for _ in 0..=parents.len() {
            let Some(id) = current else { break };
            let Some(parent) = parents.get(&id) else { break };
            by_org.entry(Some(id)).or_default().add_person(&marked);
            current = *parent;
        }
        if !marked.is_empty() {
            let mut count = Count::default();
            count.add_person(&marked);
            over.push(GapReportPerson {
                user_id: p.user_id,
                login: p.login.clone(),
                display_name: p.display_name.clone(),
                organization_path: p.organization_path.clone(),
                threshold_minutes: p.threshold_minutes,
                totals: count.finish(),
                days: marked,
            });
        }
    }
    over.sort_by(|a, b| b.totals.marked_days.cmp(&a.totals.marked_days).then_with(|| a.login.cmp(&b.login)));
    let mut org_rows: Vec<GapOrganizationTotals> = organizations
        .iter()
        .map(|o| GapOrganizationTotals {
            organization_id: Some(o.id),
            path: o.path.clone(),
            threshold_minutes: o.threshold_minutes,
            totals: by_org.remove(&Some(o.id)).unwrap_or_default().finish(),
        })
        .collect();
    if let Some(none) = by_org.remove(&None) {
        let threshold = people.iter().find(|p| p.organization_id.is_none()).map(|p| p.threshold_minutes).unwrap_or_default();
        org_rows.push(GapOrganizationTotals {
            organization_id: None,
            path: String::new(),
            threshold_minutes: threshold,
            totals: none.finish(),
        });
    }
    let months = month
        .run_ending(previous + 1)
        .into_iter()
        .map(|m| {
            let totals = if m == month {
                total.clone().finish()
            } else {
                let mut c = Count::default();
                for p in people {
                    c.add_person(&marked_days(p, m, days));
                }
                c.finish()
            };
            GapMonthTotals { month: m.name(), totals }
        })
        .collect();
    let (organization_id, organization_path) = match organization {
        Some((id, path)) => (Some(id), path),
        None => (None, String::new()),
    };
    GapReport {
        month: month.name(),
        organization_id,
        organization_path,
        totals: total.finish(),
        people: over,
        organizations: org_rows,
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effort::GapKind;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    fn person(id: i64, login: &str, org: Option<i64>, threshold: i64) -> ReportPerson {
        ReportPerson {
            user_id: id,
            login: login.into(),
            display_name: login.into(),
            organization_id: org,
            organization_path: String::new(),
            threshold_minutes: threshold,
            tracked: true,
        }
    }

    /// A fixture counted by hand: Sales (1) with Team A (2) below it; sato in Team A
    /// (threshold 15), suzuki in Sales (30), tanaka without log accounts, kato in no organisation.
    fn fixture() -> (Vec<ReportPerson>, Vec<ReportOrganization>, ReportDays) {
        let people = vec![
            person(10, "sato", Some(2), 15),
            person(11, "suzuki", Some(1), 30),
            ReportPerson { tracked: false, ..person(12, "tanaka", Some(1), 30) },
            person(13, "kato", None, 30),
        ];
        let orgs = vec![
            ReportOrganization { id: 1, parent_id: None, path: "Sales".into(), threshold_minutes: 30 },
            ReportOrganization { id: 2, parent_id: Some(1), path: "Sales / Team A".into(), threshold_minutes: 15 },
        ];
        let mut days = ReportDays::default();
        // sato, November: 2nd +20 (over 15: marked, explained), 3rd -10 (within), 4th activity
        // 300 and no effort (marked -300), 5th effort 60 and no record (marked +60).
        days.attended.insert((10, d(11, 2)), 460);
        days.effort.insert((10, d(11, 2)), 480);
        days.explained.insert((10, d(11, 2)));
        days.attended.insert((10, d(11, 3)), 490);
        days.effort.insert((10, d(11, 3)), 480);
        days.attended.insert((10, d(11, 4)), 300);
        days.effort.insert((10, d(11, 5)), 60);
        // suzuki: 2nd +20 (within 30), 6th -45 (marked).
        days.attended.insert((11, d(11, 2)), 460);
        days.effort.insert((11, d(11, 2)), 480);
        days.attended.insert((11, d(11, 6)), 525);
        days.effort.insert((11, d(11, 6)), 480);
        // tanaka: effort and nothing to compare with.
        days.effort.insert((12, d(11, 2)), 600);
        // kato: October only, +100.
        days.attended.insert((13, d(10, 30)), 380);
        days.effort.insert((13, d(10, 30)), 480);
        (people, orgs, days)
    }

    #[test]
    fn the_report_counts_a_hand_computed_month() {
        let (people, orgs, days) = fixture();
        let r = build(ReportMonth::of(d(11, 15)), 2, None, &people, &orgs, &days);
        assert_eq!(r.month, "2026-11");
        let t = &r.totals;
        assert_eq!((t.people, t.people_over, t.marked_days, t.explained_days, t.unexplained_days), (4, 2, 4, 1, 3));
        // Sizes 20, 300, 60, 45: 425 / 4 = 106.25.
        assert_eq!((t.average_gap_minutes, t.largest_gap_minutes), (106, -300));
        assert_eq!((t.activity_without_effort_days, t.effort_without_activity_days), (1, 1));
        let logins: Vec<&str> = r.people.iter().map(|p| p.login.as_str()).collect();
        assert_eq!(logins, ["sato", "suzuki"]);
        let sato = &r.people[0];
        assert_eq!(
            sato.days.iter().map(|d| (d.date.as_str(), d.kind, d.explained)).collect::<Vec<_>>(),
            [
                ("2026-11-02", GapKind::Difference, true),
                ("2026-11-04", GapKind::ActivityWithoutEffort, false),
                ("2026-11-05", GapKind::EffortWithoutActivity, false)
            ]
        );
        assert_eq!((sato.totals.average_gap_minutes, sato.totals.largest_gap_minutes), (127, -300));
        // Sales holds Team A's people; kato is in no organisation.
        let org = |path: &str| r.organizations.iter().find(|o| o.path == path).unwrap().totals.clone();
        assert_eq!((org("Sales").people, org("Sales").marked_days, org("Sales").people_over), (3, 4, 2));
        assert_eq!((org("Sales / Team A").people, org("Sales / Team A").marked_days), (1, 3));
        assert_eq!((org("").people, org("").marked_days), (1, 0));
        // Month over month: September (nothing), October (kato's +100), November.
        let months: Vec<(&str, i64, i64)> =
            r.months.iter().map(|m| (m.month.as_str(), m.totals.marked_days, m.totals.largest_gap_minutes)).collect();
        assert_eq!(months, [("2026-09", 0, 0), ("2026-10", 1, 100), ("2026-11", 4, -300)]);
    }

    #[test]
    fn an_organisation_scope_counts_only_its_people() {
        let (people, orgs, days) = fixture();
        let team: Vec<ReportPerson> = people.into_iter().filter(|p| p.organization_id == Some(2)).collect();
        let r = build(ReportMonth::of(d(11, 1)), 0, Some((2, "Sales / Team A".into())), &team, &orgs[1..], &days);
        assert_eq!((r.totals.people, r.totals.marked_days), (1, 3));
        assert_eq!(r.organizations.len(), 1);
        assert_eq!(r.months.len(), 1);
        assert_eq!(r.organization_path, "Sales / Team A");
    }

    #[test]
    fn months_run_back_across_a_year() {
        let names: Vec<String> = ReportMonth::of(d(2, 10)).run_ending(3).into_iter().map(|m| m.name()).collect();
        assert_eq!(names, ["2025-12", "2026-01", "2026-02"]);
    }
}
