//! The limits of Japan's 36 agreement (36協定, Labour Standards Act art. 36) and the break
//! rule (art. 34), checked per person: pure, so the console and the server agree.

use crate::api::{AgreementCheck, AgreementLevel, AgreementLimits};

/// One month of a person: overtime and holiday work, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthWork {
    pub year: i32,
    pub month: u32,
    pub overtime_minutes: i64,
    pub holiday_work_minutes: i64,
}

fn level(value: i64, limit: i64, warn_percent: u32, strictly_under: bool) -> AgreementLevel {
    let over = if strictly_under { value >= limit } else { value > limit };
    if over {
        AgreementLevel::Exceeded
    } else if value * 100 >= limit * i64::from(warn_percent) {
        AgreementLevel::Warning
    } else {
        AgreementLevel::Ok
    }
}

/// Months since year 0, for spans across years.
fn index(year: i32, month: u32) -> i64 {
    i64::from(year) * 12 + i64::from(month) - 1
}

/// Checks `year`-`month` against the limits. `history` holds the person's months (any order;
/// months missing count as zero): those of the agreement year up to `month` and the five months
/// before it.
pub fn check(limits: &AgreementLimits, year: i32, month: u32, history: &[MonthWork]) -> Vec<AgreementCheck> {
    let at = index(year, month);
    let get = |i: i64| {
        history
            .iter()
            .filter(|m| index(m.year, m.month) == i)
            .fold((0i64, 0i64), |(o, h), m| (o + m.overtime_minutes, h + m.holiday_work_minutes))
    };
    let start_month = limits.year_start_month.clamp(1, 12);
    let year_start = {
        let (y, m) = if month >= start_month { (year, start_month) } else { (year - 1, start_month) };
        index(y, m)
    };
    let hours = |h: u32| i64::from(h) * 60;
    let warn = limits.warn_percent;
    let (ot, hw) = get(at);
    let year_ot: i64 = (year_start..=at).map(|i| get(i).0).sum();
    let mut checks = vec![AgreementCheck {
        rule: "monthly_overtime".into(),
        value: ot,
        limit: hours(limits.monthly_overtime_hours),
        level: if limits.special_clause {
            // With the special clause the month may pass 45 h (counted below), but warn.
            level(ot, hours(limits.monthly_overtime_hours), warn, false).min(AgreementLevel::Warning)
        } else {
            level(ot, hours(limits.monthly_overtime_hours), warn, false)
        },
    }];
    if limits.special_clause {
        checks.push(AgreementCheck {
            rule: "yearly_overtime".into(),
            value: year_ot,
            limit: hours(limits.special_yearly_overtime_hours),
            level: level(year_ot, hours(limits.special_yearly_overtime_hours), warn, false),
        });
        checks.push(AgreementCheck {
            rule: "monthly_total".into(),
            value: ot + hw,
            limit: hours(limits.special_monthly_total_hours),
            level: level(ot + hw, hours(limits.special_monthly_total_hours), warn, true),
        });
        // The worst average over the spans of 2 to 6 months ending this month.
        let worst = (2..=6)
            .map(|n: i64| {
                (0..n)
                    .map(|k| {
                        let (o, h) = get(at - k);
                        o + h
                    })
                    .sum::<i64>()
                    / n
            })
            .max()
            .unwrap_or(0);
        checks.push(AgreementCheck {
            rule: "average_2_6".into(),
            value: worst,
            limit: hours(limits.special_average_hours),
            level: level(worst, hours(limits.special_average_hours), warn, false),
        });
        let over = (year_start..=at).filter(|i| get(*i).0 > hours(limits.monthly_overtime_hours)).count() as i64;
        let max = i64::from(limits.special_months_over);
        checks.push(AgreementCheck {
            rule: "months_over".into(),
            value: over,
            limit: max,
            level: if over > max {
                AgreementLevel::Exceeded
            } else if over == max {
                AgreementLevel::Warning
            } else {
                AgreementLevel::Ok
            },
        });
    } else {
        checks.push(AgreementCheck {
            rule: "yearly_overtime".into(),
            value: year_ot,
            limit: hours(limits.yearly_overtime_hours),
            level: level(year_ot, hours(limits.yearly_overtime_hours), warn, false),
        });
    }
    checks
}

/// Whether a day breaks the break rule: more than 6 hours of work needs 45 minutes of break,
/// more than 8 hours 60 minutes. `span` is clock-in to clock-out, `work` the actual work.
pub fn breaks_rule(span_minutes: i64, work_minutes: i64) -> bool {
    let taken = span_minutes - work_minutes;
    (work_minutes > 8 * 60 && taken < 60) || (work_minutes > 6 * 60 && taken < 45)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(year: i32, month: u32, ot_h: i64, hw_h: i64) -> MonthWork {
        MonthWork { year, month, overtime_minutes: ot_h * 60, holiday_work_minutes: hw_h * 60 }
    }

    fn find<'a>(c: &'a [AgreementCheck], rule: &str) -> &'a AgreementCheck {
        c.iter().find(|x| x.rule == rule).unwrap()
    }

    #[test]
    fn the_standard_limits_warn_before_and_flag_after() {
        let l = AgreementLimits::default();
        let c = check(&l, 2024, 5, &[m(2024, 5, 30, 0)]);
        assert_eq!(find(&c, "monthly_overtime").level, AgreementLevel::Ok);
        let c = check(&l, 2024, 5, &[m(2024, 5, 36, 0)]);
        assert_eq!(find(&c, "monthly_overtime").level, AgreementLevel::Warning, "36 h is 80 % of 45 h");
        let c = check(&l, 2024, 5, &[m(2024, 5, 46, 0)]);
        assert_eq!(find(&c, "monthly_overtime").level, AgreementLevel::Exceeded);
        // The year starts in April: March of the year before is not counted.
        let c = check(&l, 2024, 5, &[m(2024, 3, 300, 0), m(2024, 4, 40, 0), m(2024, 5, 40, 0)]);
        assert_eq!(find(&c, "yearly_overtime").value, 80 * 60);
    }

    #[test]
    fn the_special_clause_checks_totals_averages_and_months_over() {
        let l = AgreementLimits { special_clause: true, ..AgreementLimits::default() };
        let c = check(&l, 2024, 5, &[m(2024, 5, 90, 10)]);
        assert_eq!(find(&c, "monthly_total").level, AgreementLevel::Exceeded, "100 h must stay under");
        let c = check(&l, 2024, 5, &[m(2024, 4, 85, 0), m(2024, 5, 80, 0)]);
        assert_eq!(find(&c, "average_2_6").value, 82 * 60 + 30);
        assert_eq!(find(&c, "average_2_6").level, AgreementLevel::Exceeded);
        let history: Vec<MonthWork> = (4..=10).map(|mo| m(2024, mo, 50, 0)).collect();
        let c = check(&l, 2024, 10, &history);
        assert_eq!(find(&c, "months_over").value, 7);
        assert_eq!(find(&c, "months_over").level, AgreementLevel::Exceeded);
        // The 2–6 month averages reach back across the year's start.
        let c = check(&l, 2024, 4, &[m(2024, 3, 90, 0), m(2024, 4, 75, 0)]);
        assert_eq!(find(&c, "average_2_6").value, 82 * 60 + 30);
    }

    #[test]
    fn the_break_rule() {
        assert!(!breaks_rule(9 * 60, 8 * 60), "8 h with a 60 min break");
        assert!(breaks_rule(8 * 60 + 30, 8 * 60 + 1), "past 8 h with a 29 min break");
        assert!(breaks_rule(7 * 60, 6 * 60 + 30));
        assert!(!breaks_rule(6 * 60, 6 * 60), "exactly 6 h needs no break");
    }
}
